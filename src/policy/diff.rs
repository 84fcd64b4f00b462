//! Semantic policy diff: what a policy change *does*, not how its text changed.
//!
//! [`compare`] is pure: two validated policies and a list of sample paths in, a serialisable
//! [`PolicyDiff`] out. It classifies every sample path under both policies and reports the
//! paths whose requirements changed (the combination of every tier a path gets, as the
//! evaluator combines them), then compares every field of the policy: tiers, the default tier,
//! rules, involvement extras, teams, evidence, detection, waivers, the baseline, hook modes,
//! controls and the protected paths. Each change says whether it **weakens** the policy (asks
//! for less, detects less, excuses more), strengthens it, or is neutral (descriptions,
//! `controls`, names, order), and carries the unified-diff hunk of the policy text around it.
//!
//! Every compiled policy struct is destructured exhaustively here, so a new policy field does
//! not compile until the diff says something about it; two policies that differ in any field
//! give a non-empty diff (`tests/it/properties.rs` checks this on mutations of the design example,
//! and that a weaker one is reported as weakening).
//!
//! Direction rules worth knowing: accepting *more* trailer keys or change-record formats
//! loosens evidence (more things count); dropping every format loosens (any value counts);
//! a changed regex of a kept format is treated as loosening (a regex's language cannot be
//! compared cheaply, so the change needs a policy owner's eye); adding members (or platform
//! logins) to a team that gates reviews widens who may approve, so it weakens; any baseline
//! move weakens (it can hide history); a rule that loses globs or is removed weakens when its
//! tier asked for something the default tier does not; a rule that gains globs or is added
//! weakens when the default tier asked for something its tier does not (a path no rule matched
//! had the default tier).

use std::collections::BTreeMap;
use std::fmt::Write;

use serde::Serialize;

use super::{
    AppliesTo, Detect, Evidence, Extra, HookMode, Hooks, IdentitySignature, InvolvementExtras,
    Member, Policy, RecordFormat, ReviewMode, ReviewModes, Rule, Span, Team, Tier,
    TrailerSignature, Waiver, WaiverScope,
};
use crate::policy::classify::classify;

crate::names::named_enum! {
/// Whether a change asks for more or less.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Effect {
    /// Asks for less evidence, detects less, or excuses more.
    Weakens = "weakens",
    /// Asks for more.
    Strengthens = "strengthens",
    /// Neither (a rename, a description).
    Neutral = "neutral",
}
}

/// What part of the policy a change is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Area {
    /// Paths that now get another tier.
    Paths,
    /// A tier's requirements.
    Tier,
    /// Extra requirements by AI involvement.
    Involvement,
    /// Team membership.
    Team,
    /// `evidence:`.
    Evidence,
    /// `detect:`.
    Detect,
    /// `waivers:`.
    Waiver,
    /// `baseline:`.
    Baseline,
    /// `hooks:`.
    Hooks,
    /// `protect:` (where the push hooks and ci enforce).
    Protect,
    /// A rule's globs or tier (`rules:`).
    Rule,
    /// `controls:` (shown in reports only).
    Controls,
}

/// One semantic change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyChange {
    /// What part of the policy.
    pub area: Area,
    /// Weakens, strengthens or neutral.
    pub effect: Effect,
    /// What changed, in one sentence.
    pub message: String,
    /// For [`Area::Paths`]: example paths (at most 20), sorted.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub paths: Vec<String>,
    /// For [`Area::Paths`]: how many paths in all.
    #[serde(skip_serializing_if = "is_zero")]
    pub path_count: usize,
    /// The unified-diff hunk of the policy text around the change, when one was found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    /// Where in the old policy text.
    #[serde(skip)]
    pub old_span: Option<Span>,
    /// Where in the new policy text.
    #[serde(skip)]
    pub new_span: Option<Span>,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// The semantic difference between two policies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyDiff {
    /// True when any change weakens the policy.
    pub weakens: bool,
    /// True when the policy texts differ at all.
    pub text_changed: bool,
    /// The changes: weakening ones first, then strengthening, then neutral.
    pub changes: Vec<PolicyChange>,
}

const MAX_EXAMPLE_PATHS: usize = 20;

/// What a tier (or the combination of several) asks for, comparable across two policies.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Req {
    reviewers: u32,
    change_record: bool,
    declaration: bool,
    ai_forbidden: bool,
    applies_all: bool,
    /// One team constraint per tier that names teams (team names, sorted): each holds on its
    /// own (`evaluate::requirements`).
    teams: Vec<Vec<String>>,
}

impl Req {
    fn of(p: &Policy, t: &Tier) -> Req {
        let Tier {
            name: _,
            description: _,
            reviewers,
            change_record,
            reviewers_from,
            applies_to,
            ai_forbidden,
            declaration,
            span: _,
        } = t;
        let mut names: Vec<String> = reviewers_from
            .iter()
            .filter_map(|&i| p.teams.get(i).map(|t| t.name.clone()))
            .collect();
        names.sort();
        Req {
            reviewers: *reviewers,
            change_record: *change_record,
            declaration: *declaration,
            ai_forbidden: *ai_forbidden,
            applies_all: *applies_to == AppliesTo::All,
            teams: if names.is_empty() {
                Vec::new()
            } else {
                vec![names]
            },
        }
    }

    /// The requirements of a path with these tiers: each the strongest of them.
    fn of_tiers(p: &Policy, tiers: &[usize]) -> Req {
        let mut r = Req {
            reviewers: 0,
            change_record: false,
            declaration: false,
            ai_forbidden: false,
            applies_all: false,
            teams: Vec::new(),
        };
        for t in tiers.iter().filter_map(|&i| p.tiers.get(i)) {
            let x = Req::of(p, t);
            r.reviewers = r.reviewers.max(x.reviewers);
            r.change_record |= x.change_record;
            r.declaration |= x.declaration;
            r.ai_forbidden |= x.ai_forbidden;
            r.applies_all |= x.applies_all;
            for c in x.teams {
                if !r.teams.contains(&c) {
                    r.teams.push(c);
                }
            }
        }
        r.teams.sort();
        r
    }

    /// (weaker, stronger) aspects going from `self` to `new`.
    fn compare(&self, new: &Req) -> (Vec<String>, Vec<String>) {
        let mut weak = Vec::new();
        let mut strong = Vec::new();
        let mut flag = |old: bool, new: bool, on: &str, off: &str| {
            if old && !new {
                weak.push(off.to_string());
            } else if !old && new {
                strong.push(on.to_string());
            }
        };
        flag(
            self.change_record,
            new.change_record,
            "change record now required",
            "change record no longer required",
        );
        flag(
            self.declaration,
            new.declaration,
            "declaration now required",
            "declaration no longer required",
        );
        flag(
            self.ai_forbidden,
            new.ai_forbidden,
            "`ai: forbidden` added",
            "`ai: forbidden` removed (AI newly allowed)",
        );
        flag(
            self.applies_all,
            new.applies_all,
            "`applies_to: all` (evidence needed even without AI markers)",
            "`applies_to: all` → `ai` (changes without AI markers no longer need evidence)",
        );
        if new.reviewers < self.reviewers {
            weak.push(format!("reviewers {} → {}", self.reviewers, new.reviewers));
        } else if new.reviewers > self.reviewers {
            strong.push(format!("reviewers {} → {}", self.reviewers, new.reviewers));
        }
        // A team constraint is kept when the other side has one at least as narrow (its teams
        // among these teams).
        let implied = |c: &Vec<String>, by: &[Vec<String>]| {
            by.iter().any(|t| t.iter().all(|x| c.contains(x)))
        };
        let lost = self.teams.iter().any(|c| !implied(c, &new.teams));
        let gained = new.teams.iter().any(|c| !implied(c, &self.teams));
        if lost || gained {
            let show = |t: &[Vec<String>]| {
                t.iter()
                    .map(|c| c.join(", "))
                    .collect::<Vec<_>>()
                    .join("; ")
            };
            let msg = format!(
                "reviewers_from [{}] → [{}]",
                show(&self.teams),
                show(&new.teams)
            );
            if lost {
                weak.push(msg);
            } else {
                strong.push(msg);
            }
        }
        (weak, strong)
    }
}

/// The effect of going from `a` to `b`, with its details.
fn shift(a: &Req, b: &Req) -> (Effect, Vec<String>) {
    let (weak, strong) = a.compare(b);
    let effect = effect_of(&weak, &strong);
    (effect, weak.into_iter().chain(strong).collect())
}

fn effect_of(weak: &[String], strong: &[String]) -> Effect {
    if !weak.is_empty() {
        Effect::Weakens
    } else if !strong.is_empty() {
        Effect::Strengthens
    } else {
        Effect::Neutral
    }
}

fn change(area: Area, effect: Effect, message: String) -> PolicyChange {
    PolicyChange {
        area,
        effect,
        message,
        paths: Vec::new(),
        path_count: 0,
        context: None,
        old_span: None,
        new_span: None,
    }
}

/// Sample paths a glob matches: `**` as zero or one directory, `*`/`?` as `x`, `[..]` as its
/// first character, `{a,b}` as each alternative. Only samples the glob really matches are kept.
pub fn sample_paths(glob: &str) -> Vec<String> {
    let mut variants = vec![String::new()];
    let mut rest = glob;
    while let Some(c) = rest.chars().next() {
        let adv = c.len_utf8();
        if rest.starts_with("**/") {
            variants = variants
                .into_iter()
                .flat_map(|v| [v.clone(), format!("{v}x/")])
                .collect();
            rest = rest.get(3..).unwrap_or("");
            continue;
        }
        if rest.starts_with("**") {
            variants.iter_mut().for_each(|v| v.push_str("x/x"));
            rest = rest.get(2..).unwrap_or("");
            continue;
        }
        match c {
            '*' | '?' => variants.iter_mut().for_each(|v| v.push('x')),
            '[' => {
                let end = rest.find(']').unwrap_or(rest.len());
                let inner = rest.get(1..end).unwrap_or("");
                let inner = inner.trim_start_matches(['!', '^']);
                let pick = inner.chars().next().unwrap_or('x');
                variants.iter_mut().for_each(|v| v.push(pick));
                rest = rest.get(end + 1..).unwrap_or("");
                continue;
            }
            '{' => {
                let end = rest.find('}').unwrap_or(rest.len());
                let alts: Vec<&str> = rest.get(1..end).unwrap_or("").split(',').take(8).collect();
                variants = variants
                    .into_iter()
                    .flat_map(|v| alts.iter().map(move |a| format!("{v}{a}")))
                    .collect();
                rest = rest.get(end + 1..).unwrap_or("");
                continue;
            }
            '\\' => {
                let next = rest.get(1..).and_then(|r| r.chars().next());
                if let Some(n) = next {
                    variants.iter_mut().for_each(|v| v.push(n));
                    rest = rest.get(1 + n.len_utf8()..).unwrap_or("");
                    continue;
                }
            }
            _ => variants.iter_mut().for_each(|v| v.push(c)),
        }
        rest = rest.get(adv..).unwrap_or("");
        if variants.len() > 64 {
            variants.truncate(64);
        }
    }
    let Ok(g) = super::validate::compile_glob(glob) else {
        return Vec::new();
    };
    let m = g.compile_matcher();
    let mut out: Vec<String> = variants
        .into_iter()
        .map(|v| v.trim_end_matches('/').to_string())
        .filter(|v| !v.is_empty() && m.is_match(v))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The paths to compare two policies on: `tree` plus samples of every rule glob of both.
pub fn comparison_paths(old: &Policy, new: &Policy, tree: &[String]) -> Vec<String> {
    let mut out: Vec<String> = tree.to_vec();
    for p in [old, new] {
        for r in &p.rules {
            for g in &r.paths {
                out.extend(sample_paths(g));
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Compares `old` with `new` on `paths` (see the module documentation).
pub fn compare(old: &Policy, new: &Policy, paths: &[String]) -> PolicyDiff {
    // Every field, so that a new one does not compile until it is compared below. The
    // compiled `protected` set is `protected_paths` compiled; `source` is the text (below).
    let Policy {
        source: _,
        tiers: _,
        default_tier: _,
        rules: _,
        protected: _,
        protected_paths: _,
        involvement: _,
        teams: _,
        evidence: _,
        detect: _,
        waivers: _,
        baseline: _,
        hooks: _,
        protect: _,
        controls: _,
    } = new;
    let mut changes = Vec::new();
    paths_changes(old, new, paths, &mut changes);
    tier_changes(old, new, &mut changes);
    default_tier_changes(old, new, &mut changes);
    rule_changes(old, new, &mut changes);
    involvement_changes(old, new, &mut changes);
    team_changes(old, new, &mut changes);
    evidence_changes(old, new, &mut changes);
    signed_changes(old, new, &mut changes);
    detect_changes(old, new, &mut changes);
    waiver_changes(old, new, &mut changes);
    misc_changes(old, new, &mut changes);
    attach_context(&old.source.text, &new.source.text, &mut changes);
    changes.sort_by_key(|c| (c.effect, c.area));
    PolicyDiff {
        weakens: changes.iter().any(|c| c.effect == Effect::Weakens),
        text_changed: old.source.text != new.source.text,
        changes,
    }
}

/// "`audited` + `high`": the tiers of a path, by name.
fn tier_set(p: &Policy, tiers: &[usize]) -> String {
    let names: Vec<&str> = tiers
        .iter()
        .filter_map(|&i| p.tiers.get(i).map(|t| t.name.as_str()))
        .collect();
    format!("`{}`", names.join("` + `"))
}

fn paths_changes(old: &Policy, new: &Policy, paths: &[String], out: &mut Vec<PolicyChange>) {
    // (old tiers, new tiers) → (paths, old rule span, new rule span, effect, details)
    type Group = (Vec<String>, Option<Span>, Option<Span>, Effect, Vec<String>);
    let mut groups: BTreeMap<(String, String), Group> = BTreeMap::new();
    for path in paths {
        let (a, b) = (classify(old, path), classify(new, path));
        let (ta, tb) = (tier_set(old, &a.tiers), tier_set(new, &b.tiers));
        // Same tiers: any change is a change of those tiers, reported with them.
        if ta == tb {
            continue;
        }
        let (ra, rb) = (Req::of_tiers(old, &a.tiers), Req::of_tiers(new, &b.tiers));
        let g = groups.entry((ta, tb)).or_insert_with(|| {
            let (effect, detail) = shift(&ra, &rb);
            (
                Vec::new(),
                a.rule.and_then(|r| old.rules.get(r)).map(|r| r.span),
                b.rule.and_then(|r| new.rules.get(r)).map(|r| r.span),
                effect,
                detail,
            )
        });
        g.0.push(path.clone());
    }
    for ((ta, tb), (mut ps, os, ns, effect, detail)) in groups {
        ps.sort();
        let n = ps.len();
        let mut c = change(
            Area::Paths,
            effect,
            format!(
                "{n} path(s) move from tier {ta} to {tb}{}",
                if detail.is_empty() {
                    " (same requirements)".to_string()
                } else {
                    format!(": {}", detail.join("; "))
                }
            ),
        );
        ps.truncate(MAX_EXAMPLE_PATHS);
        c.paths = ps;
        c.path_count = n;
        c.old_span = os;
        c.new_span = ns;
        out.push(c);
    }
}

fn tier_changes(old: &Policy, new: &Policy, out: &mut Vec<PolicyChange>) {
    for a in &old.tiers {
        let Some(b) = new.tiers.iter().find(|t| t.name == a.name) else {
            let mut c = change(
                Area::Tier,
                Effect::Neutral,
                format!("tier `{}` removed (see the path changes)", a.name),
            );
            c.old_span = Some(a.span);
            out.push(c);
            continue;
        };
        // Requirements (`Req::of` reads every other field); the description is neutral.
        let (weak, strong) = Req::of(old, a).compare(&Req::of(new, b));
        let Tier {
            description: da, ..
        } = a;
        let Tier {
            description: db, ..
        } = b;
        let mut neutral = Vec::new();
        if da != db {
            neutral.push("description changed".to_string());
        }
        if weak.is_empty() && strong.is_empty() && neutral.is_empty() {
            continue;
        }
        let effect = effect_of(&weak, &strong);
        let detail: Vec<String> = weak.into_iter().chain(strong).chain(neutral).collect();
        let mut c = change(
            Area::Tier,
            effect,
            format!("tier `{}`: {}", a.name, detail.join("; ")),
        );
        c.old_span = Some(a.span);
        c.new_span = Some(b.span);
        out.push(c);
    }
    for b in &new.tiers {
        if !old.tiers.iter().any(|t| t.name == b.name) {
            let mut c = change(
                Area::Tier,
                Effect::Neutral,
                format!("tier `{}` added (see the path changes)", b.name),
            );
            c.new_span = Some(b.span);
            out.push(c);
        }
    }
    // The order names a commit's tier in reports (the highest touched); requirements combine
    // whatever the order.
    let names = |p: &Policy| -> Vec<String> { p.tiers.iter().map(|t| t.name.clone()).collect() };
    let (oa, ob) = (names(old), names(new));
    let common_a: Vec<&String> = oa.iter().filter(|n| ob.contains(n)).collect();
    let common_b: Vec<&String> = ob.iter().filter(|n| oa.contains(n)).collect();
    if common_a != common_b {
        let mut c = change(
            Area::Tier,
            Effect::Neutral,
            format!(
                "tier order [{}] → [{}] (reports name a commit after its highest tier)",
                oa.join(", "),
                ob.join(", ")
            ),
        );
        c.old_span = key_span(&old.source.text, &["tiers"]);
        c.new_span = key_span(&new.source.text, &["tiers"]);
        out.push(c);
    }
}

fn default_tier_changes(old: &Policy, new: &Policy, out: &mut Vec<PolicyChange>) {
    let (Some(a), Some(b)) = (
        old.tiers.get(old.default_tier),
        new.tiers.get(new.default_tier),
    ) else {
        return;
    };
    let (ra, rb) = (Req::of(old, a), Req::of(new, b));
    if a.name == b.name && ra == rb {
        return;
    }
    let (effect, detail) = shift(&ra, &rb);
    let mut c = change(
        Area::Tier,
        effect,
        format!(
            "default_tier `{}` → `{}` (paths no rule matches){}",
            a.name,
            b.name,
            if detail.is_empty() {
                String::new()
            } else {
                format!(": {}", detail.join("; "))
            }
        ),
    );
    c.old_span = key_span(&old.source.text, &["default_tier"]);
    c.new_span = key_span(&new.source.text, &["default_tier"]);
    out.push(c);
}

/// The requirements of a rule's tier.
fn rule_req(p: &Policy, r: &Rule) -> Req {
    p.tiers
        .get(r.tier)
        .map_or_else(|| Req::of_tiers(p, &[]), |t| Req::of(p, t))
}

/// The requirements of the default tier.
fn default_req(p: &Policy) -> Req {
    Req::of_tiers(p, &[p.default_tier])
}

fn rule_changes(old: &Policy, new: &Policy, out: &mut Vec<PolicyChange>) {
    fn tier_name(p: &Policy, i: usize) -> &str {
        p.tiers.get(i).map_or("?", |t| t.name.as_str())
    }
    let mut push = |effect, msg: String, a: Option<&Rule>, b: Option<&Rule>| {
        let mut c = change(Area::Rule, effect, msg);
        c.old_span = a.map(|r| r.span);
        c.new_span = b.map(|r| r.span);
        out.push(c);
    };
    for a in &old.rules {
        let Rule {
            name,
            paths,
            matcher: _,
            globs: _,
            tier,
            span: _,
            tier_span: _,
        } = a;
        let Some(b) = new.rules.iter().find(|r| &r.name == name) else {
            // Its paths fall back on other rules or the default tier.
            let (effect, detail) = shift(&rule_req(old, a), &default_req(new));
            push(
                effect,
                format!(
                    "rule `{name}` (tier `{}`) removed: its paths may get the default tier `{}`{}",
                    tier_name(old, *tier),
                    tier_name(new, new.default_tier),
                    details(&detail)
                ),
                Some(a),
                None,
            );
            continue;
        };
        let removed: Vec<&String> = paths.iter().filter(|g| !b.paths.contains(g)).collect();
        let added: Vec<&String> = b.paths.iter().filter(|g| !paths.contains(g)).collect();
        if !removed.is_empty() {
            let (effect, detail) = shift(&rule_req(old, a), &default_req(new));
            push(
                effect,
                format!(
                    "rule `{name}` no longer matches {}: those paths may get the default tier `{}`{}",
                    quoted(&removed),
                    tier_name(new, new.default_tier),
                    details(&detail)
                ),
                Some(a),
                Some(b),
            );
        }
        if !added.is_empty() {
            let (effect, detail) = shift(&default_req(old), &rule_req(new, b));
            push(
                effect,
                format!(
                    "rule `{name}` now also matches {}: tier `{}` instead of the default `{}` where no other rule matches{}",
                    quoted(&added),
                    tier_name(new, b.tier),
                    tier_name(old, old.default_tier),
                    details(&detail)
                ),
                Some(a),
                Some(b),
            );
        }
        if tier_name(old, *tier) != tier_name(new, b.tier) {
            let (effect, detail) = shift(&rule_req(old, a), &rule_req(new, b));
            push(
                effect,
                format!(
                    "rule `{name}`: tier `{}` → `{}`{}",
                    tier_name(old, *tier),
                    tier_name(new, b.tier),
                    details(&detail)
                ),
                Some(a),
                Some(b),
            );
        }
    }
    for b in &new.rules {
        if !old.rules.iter().any(|r| r.name == b.name) {
            let (effect, detail) = shift(&default_req(old), &rule_req(new, b));
            push(
                effect,
                format!(
                    "rule `{}` added: {} get tier `{}`{}",
                    b.name,
                    quoted(&b.paths.iter().collect::<Vec<_>>()),
                    tier_name(new, b.tier),
                    details(&detail)
                ),
                None,
                Some(b),
            );
        }
    }
    let names = |p: &Policy| -> Vec<String> { p.rules.iter().map(|r| r.name.clone()).collect() };
    let (oa, ob) = (names(old), names(new));
    let common_a: Vec<&String> = oa.iter().filter(|n| ob.contains(n)).collect();
    let common_b: Vec<&String> = ob.iter().filter(|n| oa.contains(n)).collect();
    if common_a != common_b {
        push(
            Effect::Neutral,
            format!(
                "rule order [{}] → [{}] (every matching rule counts; order only names the rule in reports)",
                oa.join(", "),
                ob.join(", ")
            ),
            None,
            None,
        );
    }
}

fn quoted(v: &[&String]) -> String {
    v.iter()
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn details(d: &[String]) -> String {
    if d.is_empty() {
        String::new()
    } else {
        format!(" ({})", d.join("; "))
    }
}

fn involvement_changes(old: &Policy, new: &Policy, out: &mut Vec<PolicyChange>) {
    let span_old = key_span(&old.source.text, &["involvement"]);
    let span_new = key_span(&new.source.text, &["involvement"]);
    let levels = |i: &InvolvementExtras| -> [(&'static str, Extra); 3] {
        let InvolvementExtras {
            assisted,
            generated,
            autonomous,
        } = *i;
        [
            ("assisted", assisted),
            ("generated", generated),
            ("autonomous", autonomous),
        ]
    };
    for ((level, a), (_, b)) in levels(&old.involvement)
        .into_iter()
        .zip(levels(&new.involvement))
    {
        let Extra {
            extra_reviewers: ar,
            change_record: ac,
        } = a;
        let Extra {
            extra_reviewers: br,
            change_record: bc,
        } = b;
        let mut weak = Vec::new();
        let mut strong = Vec::new();
        if br < ar {
            weak.push(format!("extra_reviewers {ar} → {br}"));
        } else if br > ar {
            strong.push(format!("extra_reviewers {ar} → {br}"));
        }
        if ac && !bc {
            weak.push("change record no longer required".to_string());
        } else if !ac && bc {
            strong.push("change record now required".to_string());
        }
        if weak.is_empty() && strong.is_empty() {
            continue;
        }
        let effect = effect_of(&weak, &strong);
        let detail: Vec<String> = weak.into_iter().chain(strong).collect();
        let mut c = change(
            Area::Involvement,
            effect,
            format!("`{level}` involvement: {}", detail.join("; ")),
        );
        c.old_span = span_old;
        c.new_span = span_new;
        out.push(c);
    }
}

fn team_changes(old: &Policy, new: &Policy, out: &mut Vec<PolicyChange>) {
    for b in &new.teams {
        let Team {
            name,
            members: b_members,
            span: b_span,
        } = b;
        let Some(a) = old.teams.iter().find(|t| &t.name == name) else {
            let mut c = change(
                Area::Team,
                Effect::Neutral,
                format!("team `{name}` added (it gates reviews only where a tier names it)"),
            );
            c.new_span = Some(*b_span);
            out.push(c);
            continue;
        };
        let mut changes: Vec<(Effect, String)> = Vec::new();
        let added: Vec<&str> = b_members
            .iter()
            .filter(|m| !a.members.iter().any(|o| o.email == m.email))
            .map(|m| m.email.as_str())
            .collect();
        let removed: Vec<&str> = a
            .members
            .iter()
            .filter(|m| !b_members.iter().any(|o| o.email == m.email))
            .map(|m| m.email.as_str())
            .collect();
        if !added.is_empty() {
            changes.push((
                Effect::Weakens,
                format!(
                    "team `{name}` gains member(s) who may now review: {}",
                    added.join(", ")
                ),
            ));
        }
        if !removed.is_empty() {
            changes.push((
                Effect::Strengthens,
                format!("team `{name}` loses member(s): {}", removed.join(", ")),
            ));
        }
        for m in b_members {
            let Member {
                name: mname,
                email,
                github,
                gitlab,
                // Keys are compared by `signed_changes`.
                ssh_keys: _,
            } = m;
            let Some(o) = a.members.iter().find(|o| &o.email == email) else {
                continue;
            };
            for (what, x, y) in [("github", &o.github, github), ("gitlab", &o.gitlab, gitlab)] {
                if x == y {
                    continue;
                }
                // Another platform account now approves as this member.
                let effect = if y.is_some() {
                    Effect::Weakens
                } else {
                    Effect::Strengthens
                };
                changes.push((
                    effect,
                    format!(
                        "team `{name}`: {email}'s {what} login {} → {}",
                        x.as_deref().unwrap_or("(none)"),
                        y.as_deref().unwrap_or("(none)")
                    ),
                ));
            }
            if &o.name != mname {
                changes.push((
                    Effect::Neutral,
                    format!("team `{name}`: {email}'s name `{}` → `{mname}`", o.name),
                ));
            }
        }
        for (effect, msg) in changes {
            let mut c = change(Area::Team, effect, msg);
            c.old_span = Some(a.span);
            c.new_span = Some(*b_span);
            out.push(c);
        }
    }
    for a in &old.teams {
        if !new.teams.iter().any(|t| t.name == a.name) {
            let mut c = change(
                Area::Team,
                Effect::Neutral,
                format!("team `{}` removed", a.name),
            );
            c.old_span = Some(a.span);
            out.push(c);
        }
    }
}

/// True when every reviewer that mode `new` accepts is also accepted by mode `old`
/// (`trailer+approval` needs a trailer *and* an approval, so `trailer` and `approval` each
/// accept whatever it accepts).
///
/// A `trailer` is a claim whoever writes the message can make, so it covers every mode:
/// leaving `trailer` for `approval` or `signed` never opens a way in.
fn mode_covers(old: ReviewMode, new: ReviewMode) -> bool {
    old == new
        || old == ReviewMode::Trailer
        || (new == ReviewMode::TrailerAndApproval
            && matches!(old, ReviewMode::Trailer | ReviewMode::Approval))
}

/// `evidence.review` is a list of alternatives: the new list weakens when one of its modes
/// accepts reviewers that no old mode accepts (a new way in), and strengthens when an old
/// mode is no longer covered (a way in closed).
fn review_changes(a: &ReviewModes, b: &ReviewModes) -> Option<Effect> {
    if a == b {
        return None;
    }
    let opened = b.0.iter().any(|&n| !a.0.iter().any(|&o| mode_covers(o, n)));
    let closed = a.0.iter().any(|&o| !b.0.iter().any(|&n| mode_covers(n, o)));
    Some(if opened {
        Effect::Weakens
    } else if closed {
        Effect::Strengthens
    } else {
        Effect::Neutral
    })
}

/// Signed-review settings and keys: a new way to match a review (`survives: rebase`), a new
/// allowed-signers file or a changed path (its keys cannot be compared here), or a key added
/// to a member (one more key may speak for that person) weakens; the reverse strengthens (a
/// removed key is a revocation: its reviews stop counting).
fn signed_changes(old: &Policy, new: &Policy, out: &mut Vec<PolicyChange>) {
    let (ot, nt) = (&old.source.text, &new.source.text);
    let (a, b) = (&old.evidence, &new.evidence);
    let spans = |keys: &[&str]| (key_span(ot, keys), key_span(nt, keys));
    let mut push = |effect, msg: String, sp: (Option<Span>, Option<Span>)| {
        let mut c = change(Area::Evidence, effect, msg);
        (c.old_span, c.new_span) = sp;
        out.push(c);
    };
    if a.signed_review.survives_rebase != b.signed_review.survives_rebase {
        let (effect, msg) = if b.signed_review.survives_rebase {
            (
                Effect::Weakens,
                "evidence.signed_review: a review now also counts for a rebased commit with the same patch-id",
            )
        } else {
            (
                Effect::Strengthens,
                "evidence.signed_review: a review no longer survives a rebase",
            )
        };
        push(
            effect,
            msg.to_string(),
            spans(&["evidence", "signed_review"]),
        );
    }
    let path = |e: &super::Evidence| e.allowed_signers.as_ref().map(|f| f.path.clone());
    match (path(a), path(b)) {
        (x, y) if x == y => {}
        (None, Some(p)) => push(
            Effect::Weakens,
            format!("evidence.allowed_signers: the keys of `{p}` may now sign reviews"),
            spans(&["evidence", "allowed_signers"]),
        ),
        (Some(p), None) => push(
            Effect::Strengthens,
            format!("evidence.allowed_signers: the keys of `{p}` no longer sign reviews"),
            spans(&["evidence", "allowed_signers"]),
        ),
        (Some(x), Some(y)) => push(
            Effect::Weakens,
            format!(
                "evidence.allowed_signers: `{x}` → `{y}` (another file of keys; review its content)"
            ),
            spans(&["evidence", "allowed_signers"]),
        ),
        (None, None) => {}
    }
    let keys = |p: &Policy| -> BTreeMap<String, Vec<String>> {
        let mut m: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for mem in p.teams.iter().flat_map(|t| &t.members) {
            m.entry(mem.email.clone())
                .or_default()
                .extend(mem.ssh_keys.iter().cloned());
        }
        m
    };
    let (ka, kb) = (keys(old), keys(new));
    for (email, new_keys) in &kb {
        let old_keys = ka.get(email).map(Vec::as_slice).unwrap_or(&[]);
        let added = new_keys.iter().filter(|k| !old_keys.contains(k)).count();
        if added > 0 {
            push(
                Effect::Weakens,
                format!("{email}: {added} SSH key(s) added that may sign reviews as this person"),
                (None, None),
            );
        }
    }
    for (email, old_keys) in &ka {
        let new_keys = kb.get(email).map(Vec::as_slice).unwrap_or(&[]);
        let removed = old_keys.iter().filter(|k| !new_keys.contains(k)).count();
        if removed > 0 {
            push(
                Effect::Strengthens,
                format!("{email}: {removed} SSH key(s) removed (their reviews no longer count)"),
                (None, None),
            );
        }
    }
}

/// Compares two key lists: more keys accepted loosens.
fn keys_change(
    what: &str,
    a: &[String],
    b: &[String],
    spans: (Option<Span>, Option<Span>),
    out: &mut Vec<PolicyChange>,
) {
    let lower =
        |v: &[String]| -> Vec<String> { v.iter().map(|s| s.to_ascii_lowercase()).collect() };
    let (la, lb) = (lower(a), lower(b));
    let added: Vec<&String> = b
        .iter()
        .zip(&lb)
        .filter(|(_, l)| !la.contains(l))
        .map(|(s, _)| s)
        .collect();
    let removed: Vec<&String> = a
        .iter()
        .zip(&la)
        .filter(|(_, l)| !lb.contains(l))
        .map(|(s, _)| s)
        .collect();
    let fmt = |v: &[&String]| {
        v.iter()
            .map(|s| format!("`{s}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if !added.is_empty() {
        let mut c = change(
            Area::Evidence,
            Effect::Weakens,
            format!("{what}: now also accepts {}", fmt(&added)),
        );
        (c.old_span, c.new_span) = spans;
        out.push(c);
    }
    if !removed.is_empty() {
        let mut c = change(
            Area::Evidence,
            Effect::Strengthens,
            format!("{what}: no longer accepts {}", fmt(&removed)),
        );
        (c.old_span, c.new_span) = spans;
        out.push(c);
    }
}

fn evidence_changes(old: &Policy, new: &Policy, out: &mut Vec<PolicyChange>) {
    let (ot, nt) = (&old.source.text, &new.source.text);
    let (a, b) = (&old.evidence, &new.evidence);
    // Every field is compared below.
    let Evidence {
        review: _,
        review_span: _,
        // Compared by `signed_changes`.
        signed_review: _,
        allowed_signers: _,
        reviewer_trailers: _,
        change_record_trailers: _,
        change_record_formats: _,
        declaration_trailers: _,
    } = b;
    let spans = |keys: &[&str]| (key_span(ot, keys), key_span(nt, keys));
    if let Some(effect) = review_changes(&a.review, &b.review) {
        let mut c = change(
            Area::Evidence,
            effect,
            format!(
                "evidence.review `{}` → `{}`",
                a.review.describe(),
                b.review.describe()
            ),
        );
        (c.old_span, c.new_span) = spans(&["evidence", "review"]);
        out.push(c);
    }
    keys_change(
        "evidence.reviewer_trailers",
        &a.reviewer_trailers,
        &b.reviewer_trailers,
        spans(&["evidence", "reviewer_trailers"]),
        out,
    );
    keys_change(
        "evidence.change_record.trailers",
        &a.change_record_trailers,
        &b.change_record_trailers,
        spans(&["evidence", "change_record"]),
        out,
    );
    keys_change(
        "evidence.declaration_trailers",
        &a.declaration_trailers,
        &b.declaration_trailers,
        spans(&["evidence", "declaration_trailers"]),
        out,
    );
    let fspans = spans(&["evidence", "change_record"]);
    let mut push = |effect, msg: String| {
        let mut c = change(Area::Evidence, effect, msg);
        (c.old_span, c.new_span) = fspans;
        out.push(c);
    };
    let (fa, fb) = (&a.change_record_formats, &b.change_record_formats);
    if !fa.is_empty() && fb.is_empty() {
        push(
            Effect::Weakens,
            "change-record formats removed: any non-empty value now counts".to_string(),
        );
    } else if fa.is_empty() && !fb.is_empty() {
        push(
            Effect::Strengthens,
            "change-record formats added: only matching values count".to_string(),
        );
    } else {
        for f in fb {
            let RecordFormat {
                name: _,
                pattern: _,
                regex: _,
            } = f;
            match fa.iter().find(|o| o.name == f.name) {
                None => push(
                    Effect::Weakens,
                    format!(
                        "change-record format `{}` added (`{}`): more values count",
                        f.name, f.pattern
                    ),
                ),
                Some(o) if o.pattern != f.pattern => push(
                    Effect::Weakens,
                    format!(
                        "change-record format `{}` changed `{}` → `{}` (may accept more)",
                        f.name, o.pattern, f.pattern
                    ),
                ),
                Some(_) => {}
            }
        }
        for o in fa {
            if !fb.iter().any(|f| f.name == o.name) {
                push(
                    Effect::Strengthens,
                    format!("change-record format `{}` removed", o.name),
                );
            }
        }
    }
}

fn detect_changes(old: &Policy, new: &Policy, out: &mut Vec<PolicyChange>) {
    let (a, b) = (&old.detect, &new.detect);
    // Every field is compared below (`branch_matcher` is `branches` compiled).
    let Detect {
        builtin: _,
        trailers: _,
        identities: _,
        labels: _,
        branches: _,
        branch_matcher: _,
    } = b;
    let spans = (
        key_span(&old.source.text, &["detect"]),
        key_span(&new.source.text, &["detect"]),
    );
    let mut push = |effect, msg: String| {
        let mut c = change(Area::Detect, effect, msg);
        (c.old_span, c.new_span) = spans;
        out.push(c);
    };
    if a.builtin != b.builtin {
        if b.builtin {
            push(
                Effect::Strengthens,
                "detect.builtin turned on: the shipped AI signatures are used".to_string(),
            );
        } else {
            push(
                Effect::Weakens,
                "detect.builtin turned off: the shipped AI signatures (Claude Code, Copilot, …) are no longer detected".to_string(),
            );
        }
    }
    let list_diff =
        |what: &str, x: Vec<String>, y: Vec<String>, push: &mut dyn FnMut(Effect, String)| {
            let removed: Vec<&String> = x.iter().filter(|s| !y.contains(s)).collect();
            let added: Vec<&String> = y.iter().filter(|s| !x.contains(s)).collect();
            if !removed.is_empty() {
                push(
                    Effect::Weakens,
                    format!(
                        "detect.{what}: no longer detected: {}",
                        removed
                            .iter()
                            .map(|s| format!("`{s}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
            }
            if !added.is_empty() {
                push(
                    Effect::Strengthens,
                    format!(
                        "detect.{what}: now detected: {}",
                        added
                            .iter()
                            .map(|s| format!("`{s}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
            }
        };
    let trailers = |d: &Detect| -> Vec<String> {
        d.trailers
            .iter()
            .map(|t| {
                let TrailerSignature {
                    key,
                    values,
                    involvement,
                } = t;
                format!(
                    "{}: [{}] → {}",
                    key.to_ascii_lowercase(),
                    values.join(", "),
                    involvement.as_str()
                )
            })
            .collect()
    };
    let ids = |d: &Detect| -> Vec<String> {
        d.identities
            .iter()
            .map(|i| {
                let IdentitySignature {
                    email,
                    matcher: _,
                    involvement,
                } = i;
                format!("{} → {}", email.to_ascii_lowercase(), involvement.as_str())
            })
            .collect()
    };
    list_diff("trailers", trailers(a), trailers(b), &mut push);
    list_diff("identities", ids(a), ids(b), &mut push);
    list_diff("labels", a.labels.clone(), b.labels.clone(), &mut push);
    list_diff(
        "branches",
        a.branches.clone(),
        b.branches.clone(),
        &mut push,
    );
}

fn waiver_changes(old: &Policy, new: &Policy, out: &mut Vec<PolicyChange>) {
    let rule_names = |p: &Policy, w: &Waiver| -> Vec<String> {
        w.scope
            .rules
            .iter()
            .filter_map(|&i| p.rules.get(i).map(|r| r.name.clone()))
            .collect()
    };
    for b in &new.waivers {
        let Some(a) = old.waivers.iter().find(|w| w.id == b.id) else {
            let mut c = change(
                Area::Waiver,
                Effect::Weakens,
                format!(
                    "waiver `{}` added: waives {} until {} (approved by {})",
                    b.id,
                    b.codes
                        .iter()
                        .map(|c| c.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    b.expires,
                    b.approved_by
                ),
            );
            c.new_span = Some(b.span);
            out.push(c);
            continue;
        };
        let Waiver {
            id: _,
            scope:
                WaiverScope {
                    commits: _,
                    paths: _,
                    path_matcher: _,
                    rules: _,
                },
            codes: _,
            reason,
            approved_by: _,
            requested_by,
            expires: _,
            span: _,
        } = b;
        let mut weak = Vec::new();
        let mut strong = Vec::new();
        let mut neutral = Vec::new();
        if &a.reason != reason {
            neutral.push("reason changed".to_string());
        }
        if &a.requested_by != requested_by {
            neutral.push("requested_by changed".to_string());
        }
        if b.expires > a.expires {
            weak.push(format!("extended {} → {}", a.expires, b.expires));
        } else if b.expires < a.expires {
            strong.push(format!("shortened {} → {}", a.expires, b.expires));
        }
        let more = |x: &[String], y: &[String]| y.iter().filter(|s| !x.contains(s)).count();
        let codes = |w: &Waiver| -> Vec<String> {
            w.codes.iter().map(|c| c.as_str().to_string()).collect()
        };
        let (ra, rb) = (rule_names(old, a), rule_names(new, b));
        for (what, x, y) in [
            ("codes", codes(a), codes(b)),
            ("commits", a.scope.commits.clone(), b.scope.commits.clone()),
            ("paths", a.scope.paths.clone(), b.scope.paths.clone()),
            ("rules", ra, rb),
        ] {
            if more(&x, &y) > 0 {
                weak.push(format!("more {what} covered"));
            }
            if more(&y, &x) > 0 {
                strong.push(format!("fewer {what} covered"));
            }
        }
        if a.approved_by != b.approved_by {
            weak.push(format!(
                "approver changed {} → {}",
                a.approved_by, b.approved_by
            ));
        }
        if weak.is_empty() && strong.is_empty() && neutral.is_empty() {
            continue;
        }
        let effect = effect_of(&weak, &strong);
        let detail: Vec<String> = weak.into_iter().chain(strong).chain(neutral).collect();
        let mut c = change(
            Area::Waiver,
            effect,
            format!("waiver `{}`: {}", b.id, detail.join("; ")),
        );
        c.old_span = Some(a.span);
        c.new_span = Some(b.span);
        out.push(c);
    }
    for a in &old.waivers {
        if !new.waivers.iter().any(|w| w.id == a.id) {
            let mut c = change(
                Area::Waiver,
                Effect::Strengthens,
                format!("waiver `{}` removed", a.id),
            );
            c.old_span = Some(a.span);
            out.push(c);
        }
    }
}

/// `protect:`: a glob that disappears weakens (updates of those refs stop being enforced at
/// push time), one that appears strengthens. Moving between the default branch and an
/// explicit list cannot be proven equal (the default branch is the repository's), so
/// leaving the default weakens unless `main` or `master` is listed, and returning to it is
/// neutral-at-best: reported as weakening when the list named more than `main`/`master`.
fn protect_changes(old: &Policy, new: &Policy, out: &mut Vec<PolicyChange>) {
    use crate::policy::protect::{FALLBACK_BRANCHES, Protect};
    let (ot, nt) = (&old.source.text, &new.source.text);
    let parts = |p: &Protect| {
        let Protect {
            branches,
            branch_matcher: _,
            tags,
            tag_matcher: _,
        } = p;
        (branches.clone(), tags.clone())
    };
    let ((ob, otags), (nb, ntags)) = (parts(&old.protect), parts(&new.protect));
    let mut push = |effect, msg: String, key: &str| {
        let mut c = change(Area::Protect, effect, msg);
        c.old_span = key_span(ot, &["protect", key]);
        c.new_span = key_span(nt, &["protect", key]);
        out.push(c);
    };
    let names_default = |l: &[String]| l.iter().any(|b| FALLBACK_BRANCHES.contains(&b.as_str()));
    match (&ob, &nb) {
        (Some(a), Some(b)) => {
            for g in a.iter().filter(|g| !b.contains(g)) {
                push(
                    Effect::Weakens,
                    format!(
                        "protect.branches: `{g}` no longer protected (pushes there are not enforced)"
                    ),
                    "branches",
                );
            }
            for g in b.iter().filter(|g| !a.contains(g)) {
                push(
                    Effect::Strengthens,
                    format!("protect.branches: `{g}` protected"),
                    "branches",
                );
            }
        }
        (None, Some(b)) => push(
            if names_default(b) {
                Effect::Neutral
            } else {
                Effect::Weakens
            },
            format!(
                "protect.branches: the default branch → {}",
                b.iter()
                    .map(|g| format!("`{g}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            "branches",
        ),
        (Some(a), None) => push(
            if a.iter().all(|g| FALLBACK_BRANCHES.contains(&g.as_str())) {
                Effect::Neutral
            } else {
                Effect::Weakens
            },
            "protect.branches: the listed branches → only the default branch".to_string(),
            "branches",
        ),
        (None, None) => {}
    }
    for g in otags.iter().filter(|g| !ntags.contains(g)) {
        push(
            Effect::Weakens,
            format!("protect.tags: `{g}` no longer protected (releases there are not checked)"),
            "tags",
        );
    }
    for g in ntags.iter().filter(|g| !otags.contains(g)) {
        push(
            Effect::Strengthens,
            format!("protect.tags: `{g}` protected"),
            "tags",
        );
    }
}

fn misc_changes(old: &Policy, new: &Policy, out: &mut Vec<PolicyChange>) {
    let (ot, nt) = (&old.source.text, &new.source.text);
    if old.baseline != new.baseline {
        let show = |b: &Option<String>| b.clone().unwrap_or_else(|| "(none)".to_string());
        let effect = if new.baseline.is_none() {
            Effect::Strengthens
        } else {
            Effect::Weakens
        };
        let mut c = change(
            Area::Baseline,
            effect,
            format!(
                "baseline {} → {}{}",
                show(&old.baseline),
                show(&new.baseline),
                if effect == Effect::Weakens {
                    ": commits reachable from it are no longer checked"
                } else {
                    ": all history is checked again"
                }
            ),
        );
        c.old_span = key_span(ot, &["baseline"]);
        c.new_span = key_span(nt, &["baseline"]);
        out.push(c);
    }
    let hooks = |h: &Hooks| -> [HookMode; 2] {
        let Hooks {
            commit_msg,
            pre_push,
        } = *h;
        [commit_msg, pre_push]
    };
    let [oc, op] = hooks(&old.hooks);
    let [nc, np] = hooks(&new.hooks);
    for (hook, a, b) in [("commit-msg", oc, nc), ("pre-push", op, np)] {
        if a == b {
            continue;
        }
        let (effect, msg) = if b == HookMode::Warn {
            (Effect::Weakens, format!("hooks.{hook}: enforce → warn"))
        } else {
            (Effect::Strengthens, format!("hooks.{hook}: warn → enforce"))
        };
        let mut c = change(Area::Hooks, effect, msg);
        c.old_span = key_span(ot, &["hooks", hook]);
        c.new_span = key_span(nt, &["hooks", hook]);
        out.push(c);
    }
    protect_changes(old, new, out);
    if old.controls != new.controls {
        let show = |c: &[(String, Vec<String>)]| {
            c.iter()
                .map(|(t, refs)| format!("{t}: {}", refs.len()))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut c = change(
            Area::Controls,
            Effect::Neutral,
            format!(
                "controls changed ({{{}}} → {{{}}} references per tier; shown in reports only)",
                show(&old.controls),
                show(&new.controls)
            ),
        );
        c.old_span = key_span(ot, &["controls"]);
        c.new_span = key_span(nt, &["controls"]);
        out.push(c);
    }
    if old.protected_paths != new.protected_paths {
        let lost: Vec<&String> = old
            .protected_paths
            .iter()
            .filter(|p| !new.protected_paths.contains(p))
            .collect();
        let effect = if lost.is_empty() {
            Effect::Strengthens
        } else {
            Effect::Weakens
        };
        out.push(change(
            Area::Paths,
            effect,
            format!(
                "built-in protected paths changed (another countersign version?){}",
                if lost.is_empty() {
                    String::new()
                } else {
                    format!(": no longer protected: {}", quoted(&lost))
                }
            ),
        ));
    }
}

/// The span of a key path (`["evidence", "review"]`) in block-style YAML text: the first line
/// starting with `evidence:` at column 0, then the first later, more-indented line whose key is
/// `review`. A heuristic used only to locate diff context; `None` when not found.
pub fn key_span(text: &str, keys: &[&str]) -> Option<Span> {
    let mut offset = 0;
    let mut found: Option<Span> = None;
    let mut depth = 0;
    let mut indent: Option<usize> = None;
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let key = keys.get(depth)?;
        let trimmed = line.trim_start_matches([' ', '-']);
        let ind = line.len() - trimmed.len();
        if let Some(i) = indent
            && ind <= i
            && !line.trim().is_empty()
            && !line.trim_start().starts_with('#')
        {
            return found.filter(|_| depth == keys.len());
        }
        let top_ok = depth > 0 || ind == 0;
        if top_ok
            && trimmed.starts_with(key)
            && trimmed
                .get(key.len()..)
                .is_some_and(|r| r.trim_start().starts_with(':'))
        {
            found = Some(Span::new(start + ind, key.len()));
            depth += 1;
            indent = Some(ind);
            if depth == keys.len() {
                return found;
            }
        }
    }
    None
}

/// Attaches to each change the unified-diff hunk around its span (old or new text).
fn attach_context(old: &str, new: &str, changes: &mut [PolicyChange]) {
    if old == new {
        return;
    }
    let diff = similar::TextDiff::from_lines(old, new);
    let mut unified = diff.unified_diff();
    unified.context_radius(2);
    let hunks: Vec<(std::ops::Range<usize>, std::ops::Range<usize>, String)> = unified
        .iter_hunks()
        .filter_map(|h| {
            let ops = h.ops();
            let first = ops.first()?;
            let last = ops.last()?;
            let o = first.old_range().start..last.old_range().end;
            let n = first.new_range().start..last.new_range().end;
            let mut text = String::new();
            let _ = write!(text, "{h}");
            Some((o, n, text))
        })
        .collect();
    let line = |text: &str, s: Span| text.get(..s.offset).map(|t| t.matches('\n').count());
    for c in changes.iter_mut() {
        let ol = c.old_span.and_then(|s| line(old, s));
        let nl = c.new_span.and_then(|s| line(new, s));
        c.context = hunks
            .iter()
            .find(|(o, n, _)| {
                ol.is_some_and(|l| o.contains(&l)) || nl.is_some_and(|l| n.contains(&l))
            })
            .or_else(|| {
                // The changed lines of a block (a rule's paths) lie below its `name:` line.
                hunks.iter().find(|(o, n, _)| {
                    ol.is_some_and(|l| o.start >= l && o.start <= l + 12)
                        || nl.is_some_and(|l| n.start >= l && n.start <= l + 12)
                })
            })
            .map(|(_, _, t)| t.clone());
    }
}

/// The diff as text: one line per change, with its hunk indented below.
pub fn render(diff: &PolicyDiff, old_name: &str, new_name: &str) -> String {
    let mut o = String::new();
    if diff.changes.is_empty() {
        let _ = writeln!(
            o,
            "no semantic change between {old_name} and {new_name}{}",
            if diff.text_changed {
                " (the text changed: comments, order or formatting)"
            } else {
                ""
            }
        );
        return o;
    }
    let _ = writeln!(o, "policy changes from {old_name} to {new_name}:\n");
    for c in &diff.changes {
        let tag = match c.effect {
            Effect::Weakens => "WEAKENS",
            Effect::Strengthens => "strengthens",
            Effect::Neutral => "neutral",
        };
        let _ = writeln!(o, "{tag}: {}", c.message);
        if !c.paths.is_empty() {
            for p in &c.paths {
                let _ = writeln!(o, "    {p}");
            }
            if c.path_count > c.paths.len() {
                let _ = writeln!(o, "    … and {} more", c.path_count - c.paths.len());
            }
        }
        if let Some(ctx) = &c.context {
            for l in ctx.lines() {
                let _ = writeln!(o, "  │ {l}");
            }
        }
        o.push('\n');
    }
    let weak = diff
        .changes
        .iter()
        .filter(|c| c.effect == Effect::Weakens)
        .count();
    if weak > 0 {
        let _ = writeln!(
            o,
            "{weak} change(s) weaken the policy: a policy owner should review them"
        );
    } else {
        let _ = writeln!(o, "nothing weakens the policy");
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples() {
        assert_eq!(sample_paths("src/**"), vec!["src/x/x"]);
        assert_eq!(sample_paths("**/*.md"), vec!["x.md", "x/x.md"]);
        assert_eq!(sample_paths("{a,b}/c"), vec!["a/c", "b/c"]);
        assert_eq!(sample_paths("Cargo.toml"), vec!["Cargo.toml"]);
    }

    #[test]
    fn key_spans() {
        let t = "version: 1\nevidence:\n  review: trailer\n  reviewer_trailers: [A]\nhooks:\n  pre-push: warn\n";
        let s = key_span(t, &["evidence", "reviewer_trailers"]).unwrap();
        assert_eq!(&t[s.offset..s.offset + s.len], "reviewer_trailers");
        let s = key_span(t, &["hooks", "pre-push"]).unwrap();
        assert_eq!(&t[s.offset..s.offset + s.len], "pre-push");
        assert!(key_span(t, &["evidence", "pre-push"]).is_none());
    }
}
