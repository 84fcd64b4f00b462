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
        // A signed review names the person its key is registered to (by email).
        EvidenceSource::Trailer | EvidenceSource::SignedReview => {
            email.is_some_and(|e| super::reviewers::email_in_teams(policy, teams, e))
        }
        EvidenceSource::Approval => super::reviewers::login_in_teams(policy, teams, &r.raw, email),
        EvidenceSource::PrBody => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::model::RejectReason;
    use crate::policy::{Origin, load};

    const POLICY: &str = "version: 1
tiers:
  - {name: low}
  - {name: standard, reviewers: 1}
  - {name: sec, reviewers: 1, reviewers_from: [security]}
  - {name: pay, reviewers: 2, reviewers_from: [payments], change_record: true}
  - {name: everyone, reviewers: 0, applies_to: all, declaration: true}
  - {name: restricted, ai: forbidden}
default_tier: standard
teams:
  - name: security
    members: [{name: Sam Sec, email: sam@example.com}, {name: Both Teams, email: both@example.com}]
  - name: payments
    members: [{name: Pat Pay, email: pat@example.com, github: pat}, {name: Both Teams, email: both@example.com}]
involvement:
  assisted: {extra_reviewers: 1}
  generated: {change_record: true}
  autonomous: {extra_reviewers: 1}
";

    fn policy() -> Policy {
        load(
            POLICY,
            Origin::File {
                path: "p.yml".into(),
            },
        )
        .unwrap_or_else(|e| panic!("{}", e.render_plain()))
    }

    fn idx(p: &Policy, names: &[&str]) -> Vec<usize> {
        names.iter().filter_map(|n| p.tier_index(n)).collect()
    }

    fn reviewer(email: &str) -> ReviewerCheck {
        ReviewerCheck {
            raw: format!("X <{email}>"),
            identity: Some(Identity::new("X", email)),
            source: EvidenceSource::Trailer,
            accepted: true,
            reason: None,
            detail: None,
            span: None,
            strength: None,
        }
    }

    #[test]
    fn extras_accumulate_up_the_ladder() {
        let p = policy();
        let e = |l| extras(&p, l);
        assert_eq!(e(Involvement::None), Extra::default());
        assert_eq!(
            e(Involvement::Assisted),
            Extra {
                extra_reviewers: 1,
                change_record: false
            }
        );
        assert_eq!(
            e(Involvement::Generated),
            Extra {
                extra_reviewers: 1,
                change_record: true
            }
        );
        assert_eq!(
            e(Involvement::Autonomous),
            Extra {
                extra_reviewers: 2,
                change_record: true
            }
        );
    }

    #[test]
    fn each_requirement_is_the_strongest_over_the_tiers() {
        let p = policy();
        let c = combine(
            &p,
            &idx(&p, &["sec", "pay", "restricted"]),
            Involvement::None,
        )
        .expect("tiers");
        // No AI involvement and no `applies_to: all`: nothing applies.
        assert!(!c.applies);
        assert_eq!(c.reviewers, 0);
        let c = combine(
            &p,
            &idx(&p, &["sec", "pay", "restricted"]),
            Involvement::Generated,
        )
        .expect("tiers");
        assert!(c.applies);
        assert_eq!(c.highest, p.tier_index("restricted").unwrap_or(99));
        // max(1, 2) + 1 extra (assisted's, accumulated into generated).
        assert_eq!(c.reviewers, 3);
        assert_eq!(c.reviewers_tier, p.tier_index("pay").unwrap_or(99));
        assert_eq!(c.change_record, Some(p.tier_index("pay")));
        assert_eq!(c.teams.len(), 2);
        assert_eq!(c.teams[0].count, 2, "sec: 1 + 1 extra");
        assert_eq!(c.teams[1].count, 3, "pay: 2 + 1 extra");
        // `restricted` asks for the involvement's extra reviewer from anyone.
        assert!(c.open);
        // `applies_to: all` on any tier makes everything apply, without AI.
        let c = combine(&p, &idx(&p, &["pay", "everyone"]), Involvement::None).expect("tiers");
        assert!(c.applies);
        assert_eq!(c.reviewers, 2);
        assert_eq!(c.declaration, p.tier_index("everyone"));
        let r = c.report(&p);
        assert_eq!(r.reviewers_from.len(), 1);
        assert_eq!(r.reviewers_from[0].teams, ["payments"]);
        // Involvement extras alone (a low tier) ask for reviewers from anyone.
        let c = combine(&p, &idx(&p, &["low"]), Involvement::Autonomous).expect("tiers");
        assert_eq!((c.reviewers, c.open), (2, true));
        assert_eq!(c.change_record, Some(None));
        assert!(combine(&p, &[], Involvement::Autonomous).is_none());
    }

    #[test]
    fn one_tiers_team_never_stands_in_for_another() {
        let p = policy();
        let c = combine(&p, &idx(&p, &["sec", "pay"]), Involvement::None).expect("tiers");
        assert!(!c.applies);
        let c =
            combine(&p, &idx(&p, &["sec", "pay", "everyone"]), Involvement::None).expect("tiers");
        // Need 2 reviewers, ≥1 from security and ≥2 from payments.
        assert_eq!(c.reviewers, 2);
        let short = |emails: &[&str]| {
            let rs: Vec<ReviewerCheck> = emails.iter().map(|e| reviewer(e)).collect();
            c.shortfalls(&p, &rs)
        };
        // Two security members: security met, payments not.
        let s = short(&["sam@example.com", "both@example.com"]);
        assert_eq!(s.len(), 1, "{s:?}");
        assert_eq!(s[0].tier, p.tier_index("pay").unwrap_or(99));
        assert_eq!((s[0].needed, s[0].found), (2, 1));
        assert!(s[0].describe(&p).contains("from payments, found 1"));
        // Pat + Both (in both teams): payments 2, security 1 — both met.
        assert!(short(&["pat@example.com", "both@example.com"]).is_empty());
        // Pat alone: total and both teams short.
        assert_eq!(short(&["pat@example.com"]).len(), 3);
        // A rejected reviewer never counts.
        let mut r = reviewer("both@example.com");
        r.accepted = false;
        r.reason = Some(RejectReason::SelfReview);
        let s = c.shortfalls(&p, &[reviewer("pat@example.com"), r]);
        assert!(
            s.iter()
                .any(|s| s.tier == p.tier_index("sec").unwrap_or(99))
        );
        // Every constrained team's members may review (union), no one else.
        assert_eq!(c.reviewer_teams(), vec![0, 1]);
    }

    #[test]
    fn an_open_tier_lets_anyone_count_towards_the_total_only() {
        let p = policy();
        let c = combine(&p, &idx(&p, &["standard", "sec"]), Involvement::Assisted).expect("tiers");
        assert!(c.open);
        assert!(c.reviewer_teams().is_empty());
        assert_eq!(c.reviewers, 2);
        let rs = [reviewer("x@example.com"), reviewer("y@example.com")];
        let s = c.shortfalls(&p, &rs);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].teams, vec![0]);
        let rs = [reviewer("x@example.com"), reviewer("sam@example.com")];
        assert_eq!(c.shortfalls(&p, &rs).len(), 1, "sec needs 1 + 1 extra");
        let rs = [reviewer("both@example.com"), reviewer("sam@example.com")];
        assert!(c.shortfalls(&p, &rs).is_empty());
    }

    #[test]
    fn platform_approvals_are_members_by_login() {
        let p = policy();
        let a = ReviewerCheck {
            raw: "PAT".into(),
            identity: None,
            source: EvidenceSource::Approval,
            accepted: true,
            reason: None,
            detail: None,
            span: None,
            strength: None,
        };
        assert!(member_of(&p, &[1], &a));
        assert!(!member_of(&p, &[0], &a));
        let mut body = a.clone();
        body.source = EvidenceSource::PrBody;
        assert!(!member_of(&p, &[1], &body));
    }

    #[test]
    fn more_tiers_or_involvement_never_remove_a_requirement() {
        let p = policy();
        let levels = [
            Involvement::None,
            Involvement::Assisted,
            Involvement::Generated,
            Involvement::Autonomous,
        ];
        let n = p.tiers.len();
        for mask in 1u32..(1 << n) {
            let tiers: Vec<usize> = (0..n).filter(|i| mask & (1 << i) != 0).collect();
            for (li, &l) in levels.iter().enumerate() {
                let Some(a) = combine(&p, &tiers, l) else {
                    continue;
                };
                let mut bigger: Vec<(Vec<usize>, Involvement)> = Vec::new();
                for extra in 0..n {
                    let mut t = tiers.clone();
                    t.push(extra);
                    bigger.push((t, l));
                }
                for &h in &levels[li..] {
                    bigger.push((tiers.clone(), h));
                }
                for (t, h) in bigger {
                    let Some(b) = combine(&p, &t, h) else {
                        panic!("more tiers gave none");
                    };
                    assert!(stronger_or_equal(&b, &a), "{tiers:?}/{l:?} → {t:?}/{h:?}");
                }
            }
        }
    }

    /// `b` asks at least everything `a` asks.
    fn stronger_or_equal(b: &Combined, a: &Combined) -> bool {
        (b.applies || !a.applies)
            && b.reviewers >= a.reviewers
            && (b.change_record.is_some() || a.change_record.is_none())
            && (b.declaration.is_some() || a.declaration.is_none())
            && a.teams.iter().all(|x| {
                b.teams
                    .iter()
                    .any(|y| y.tier == x.tier && y.teams == x.teams && y.count >= x.count)
            })
    }
}
