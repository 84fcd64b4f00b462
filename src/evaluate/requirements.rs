//! What a commit must show: the requirements of every tier it touches, combined per
//! requirement as the strongest (issue 11 class 6, DESIGN §6).
//!
//! Given the tiers a commit touches `T` (every tier of every changed path: see
//! `policy::classify`; a protected path touches every tier) and its AI involvement `L`:
//!
//! - **extras** `E(L)`: the involvement extras accumulate up the ladder — `autonomous` gets the
//!   extras of `generated` and `assisted` too: extra reviewers are added up, a change record is
//!   needed if any of them asks for one;
//! - **applies**: `L > none`, or some tier of `T` has `applies_to: all`;
//! - when it applies, each tier `t` of `T` needs `need(t) = t.reviewers + E.extra_reviewers`
//!   reviewers; the commit needs `max need(t)` valid reviewers, **and**, separately for each `t`
//!   that names `reviewers_from` (with `need(t) > 0`), at least `need(t)` valid reviewers who are
//!   members of one of `t`'s teams. One tier's teams never stand in for another's: tier A with 1
//!   from `security` and tier B with 2 from `payments` need ≥ 1 `security` member **and** ≥ 2
//!   `payments` members (a person in both teams counts for both, as they would for either tier
//!   alone). A reviewer who is a member of none of the teams counts only when some tier that
//!   asks for reviewers names no team;
//! - **change record**: when it applies and some tier of `T` (or `E`) asks for one;
//! - **declaration**: when some tier of `T` asks for one;
//! - `ai: forbidden` is decided per path (`PathClass::forbidding_tier`): a path any of whose
//!   tiers forbids AI stays forbidden.
//!
//! Every requirement is a maximum or a disjunction over `T` and over the ladder, so adding a
//! path, a rule matching a path, a touched tier or a higher involvement never removes one.

use crate::facts::Identity;
use crate::findings::model::{EvidenceSource, Requirements, ReviewerCheck, TeamRequirement};
use crate::policy::{AppliesTo, Extra, Involvement, Policy};

/// One tier's team constraint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamNeed {
    /// The tier that asks (index).
    pub tier: usize,
    /// Its teams (indices): a reviewer must be a member of one of them.
    pub teams: Vec<usize>,
    /// How many such reviewers.
    pub count: u32,
}

/// The combined requirements of one commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Combined {
    /// The highest touched tier by position (the commit's tier in reports).
    pub highest: usize,
    /// The involvement extras, accumulated up the ladder.
    pub extra: Extra,
    /// Whether the evidence applies at all.
    pub applies: bool,
    /// Valid reviewers needed (0 when it does not apply).
    pub reviewers: u32,
    /// The tier asking for the most reviewers (the first at that count).
    pub reviewers_tier: usize,
    /// Team constraints, one per tier that names teams.
    pub teams: Vec<TeamNeed>,
    /// True when some tier asking for reviewers accepts anyone (no `reviewers_from`).
    pub open: bool,
    /// A change record is needed; the tier (or `None`: the involvement extras) asking.
    pub change_record: Option<Option<usize>>,
    /// A declaration is needed; the first tier asking.
    pub declaration: Option<usize>,
}

/// The extras for `level`, accumulated: `autonomous` ⊇ `generated` ⊇ `assisted`.
pub fn extras(policy: &Policy, level: Involvement) -> Extra {
    let mut e = Extra::default();
    for l in [
        Involvement::Assisted,
        Involvement::Generated,
        Involvement::Autonomous,
    ] {
        if l > level {
            break;
        }
        let x = policy.involvement.for_level(l);
        e.extra_reviewers = e.extra_reviewers.saturating_add(x.extra_reviewers);
        e.change_record |= x.change_record;
    }
    e
}

/// Combines the requirements of the `touched` tiers (indices; duplicates and unknown indices
/// are ignored) for a change of `involvement`. `None` when no tier is touched.
pub fn combine(policy: &Policy, touched: &[usize], involvement: Involvement) -> Option<Combined> {
    let mut tiers: Vec<usize> = touched
        .iter()
        .copied()
        .filter(|&t| t < policy.tiers.len())
        .collect();
    tiers.sort_unstable();
    tiers.dedup();
    let highest = *tiers.last()?;
    let extra = extras(policy, involvement);
    let applies = involvement > Involvement::None
        || tiers
            .iter()
            .filter_map(|&t| policy.tiers.get(t))
            .any(|t| t.applies_to == AppliesTo::All);
    let mut c = Combined {
        highest,
        extra,
        applies,
        reviewers: 0,
        reviewers_tier: highest,
        teams: Vec::new(),
        open: false,
        change_record: None,
        declaration: None,
    };
    for &i in &tiers {
        let Some(t) = policy.tiers.get(i) else {
            continue;
        };
        if t.declaration && c.declaration.is_none() {
            c.declaration = Some(i);
        }
        if !applies {
            continue;
        }
        let need = t.reviewers.saturating_add(extra.extra_reviewers);
        if need > c.reviewers {
            c.reviewers = need;
            c.reviewers_tier = i;
        }
        if need > 0 {
            if t.reviewers_from.is_empty() {
                c.open = true;
            } else {
                let mut teams = t.reviewers_from.clone();
                teams.sort_unstable();
                c.teams.push(TeamNeed {
                    tier: i,
                    teams,
                    count: need,
                });
            }
        }
        if t.change_record && c.change_record.is_none() {
            c.change_record = Some(Some(i));
        }
    }
    if applies && extra.change_record && c.change_record.is_none() {
        c.change_record = Some(None);
    }
    Some(c)
}

impl Combined {
    /// The requirements as reported.
    pub fn report(&self, policy: &Policy) -> Requirements {
        Requirements {
            applies: self.applies,
            reviewers: self.reviewers,
            change_record: self.change_record.is_some(),
            declaration: self.declaration.is_some(),
            reviewers_from: self
                .teams
                .iter()
                .map(|n| TeamRequirement {
                    tier: tier_name(policy, n.tier),
                    teams: team_names(policy, &n.teams),
                    reviewers: n.count,
                })
                .collect(),
        }
    }

    /// The teams a reviewer must belong to in order to count at all: every constrained team
    /// when no tier accepts anyone, else none (anyone valid counts towards the total).
    pub fn reviewer_teams(&self) -> Vec<usize> {
        if self.open {
            return Vec::new();
        }
        let mut all: Vec<usize> = self.teams.iter().flat_map(|n| n.teams.clone()).collect();
        all.sort_unstable();
        all.dedup();
        all
    }

    /// The reviewer requirements `reviewers` leave unmet (empty: satisfied).
    pub fn shortfalls(&self, policy: &Policy, reviewers: &[ReviewerCheck]) -> Vec<Shortfall> {
        let accepted: Vec<&ReviewerCheck> = reviewers.iter().filter(|r| r.accepted).collect();
        let mut out = Vec::new();
        let total = u32::try_from(accepted.len()).unwrap_or(u32::MAX);
        if total < self.reviewers {
            out.push(Shortfall {
                tier: self.reviewers_tier,
                teams: Vec::new(),
                needed: self.reviewers,
                found: total,
            });
        }
        for n in &self.teams {
            let found = accepted
                .iter()
                .filter(|r| member_of(policy, &n.teams, r))
                .count();
            let found = u32::try_from(found).unwrap_or(u32::MAX);
            if found < n.count {
                out.push(Shortfall {
                    tier: n.tier,
                    teams: n.teams.clone(),
                    needed: n.count,
                    found,
                });
            }
        }
        out
    }
}

/// One unmet reviewer requirement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shortfall {
    /// The tier that asks.
    pub tier: usize,
    /// The teams reviewers must come from (empty: anyone).
    pub teams: Vec<usize>,
    /// How many are needed.
    pub needed: u32,
    /// How many valid ones were found.
    pub found: u32,
}

impl Shortfall {
    /// "tier `high` needs 2 named reviewer(s) from security, found 1 valid".
    pub fn describe(&self, policy: &Policy) -> String {
        let from = if self.teams.is_empty() {
            String::new()
        } else {
            format!(" from {}", team_names(policy, &self.teams).join("/"))
        };
        format!(
            "tier `{}` needs {} named reviewer(s){from}, found {} valid",
            tier_name(policy, self.tier),
            self.needed,
            self.found
        )
    }
}

fn tier_name(policy: &Policy, i: usize) -> String {
    policy
        .tiers
        .get(i)
        .map(|t| t.name.clone())
        .unwrap_or_default()
}

fn team_names(policy: &Policy, teams: &[usize]) -> Vec<String> {
    teams
        .iter()
        .filter_map(|&t| policy.teams.get(t).map(|t| t.name.clone()))
        .collect()
}

/// Is the (accepted) reviewer `r` a member of one of `teams`? A trailer reviewer by email; a
/// platform approval by login (GitHub or GitLab) or email.
pub fn member_of(policy: &Policy, teams: &[usize], r: &ReviewerCheck) -> bool {
    let email = r.identity.as_ref().map(|i: &Identity| i.email.as_str());
    match r.source {
        EvidenceSource::Trailer => {
            email.is_some_and(|e| super::reviewers::email_in_teams(policy, teams, e))
        }
        EvidenceSource::Approval => super::reviewers::login_in_teams(policy, teams, &r.raw, email),
        EvidenceSource::PrBody => false,
    }
}
