//! Semantic policy diff: what a policy change *does*, not how its text changed.
//!
//! [`compare`] is pure: two validated policies and a list of sample paths in, a serialisable
//! [`PolicyDiff`] out. It classifies every sample path under both policies and reports the
//! paths whose tier changed (and whether the new tier asks for less), then compares tier
//! requirements, involvement extras, teams, evidence, detection, waivers, the baseline and
//! hook modes. Each change says whether it **weakens** the policy (asks for less, detects
//! less, excuses more), strengthens it, or is neutral, and carries the unified-diff hunk of
//! the policy text around it.
//!
//! Direction rules worth knowing: accepting *more* trailer keys or change-record formats
//! loosens evidence (more things count); dropping every format loosens (any value counts);
//! a changed regex of a kept format is treated as loosening (a regex's language cannot be
//! compared cheaply, so the change needs a policy owner's eye); adding members to a team that
//! gates reviews widens who may approve, so it weakens; any baseline move weakens (it can hide
//! history).

use std::collections::BTreeMap;
use std::fmt::Write;

use serde::Serialize;

use super::{AppliesTo, HookMode, Policy, ReviewMode, ReviewModes, Span, Tier};
use crate::policy::classify::classify;

/// Whether a change asks for more or less.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Effect {
    /// Asks for less evidence, detects less, or excuses more.
    Weakens,
    /// Asks for more.
    Strengthens,
    /// Neither (a rename, a description).
    Neutral,
}

impl Effect {
    /// `weakens`, `strengthens` or `neutral`.
    pub fn as_str(self) -> &'static str {
        match self {
            Effect::Weakens => "weakens",
            Effect::Strengthens => "strengthens",
            Effect::Neutral => "neutral",
        }
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

/// What a tier asks for, comparable across two policies.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Req {
    reviewers: u32,
    change_record: bool,
    declaration: bool,
    ai_forbidden: bool,
    applies_all: bool,
    /// Team names reviewers must come from (empty: anyone).
    teams: Vec<String>,
}

impl Req {
    fn of(p: &Policy, t: &Tier) -> Req {
        let mut teams: Vec<String> = t
            .reviewers_from
            .iter()
            .filter_map(|&i| p.teams.get(i).map(|t| t.name.clone()))
            .collect();
        teams.sort();
        Req {
            reviewers: t.reviewers,
            change_record: t.change_record,
            declaration: t.declaration,
            ai_forbidden: t.ai_forbidden,
            applies_all: t.applies_to == AppliesTo::All,
            teams,
        }
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
        let widened = (!self.teams.is_empty() && new.teams.is_empty())
            || new.teams.iter().any(|t| !self.teams.contains(t)) && !self.teams.is_empty();
        let narrowed = (self.teams.is_empty() && !new.teams.is_empty())
            || (!new.teams.is_empty() && self.teams.iter().any(|t| !new.teams.contains(t)));
        if self.teams != new.teams {
            let msg = format!(
                "reviewers_from [{}] → [{}]",
                self.teams.join(", "),
                new.teams.join(", ")
            );
            if widened {
                weak.push(msg);
            } else if narrowed {
                strong.push(msg);
            }
        }
        (weak, strong)
    }
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
    let mut changes = Vec::new();
    paths_changes(old, new, paths, &mut changes);
    tier_changes(old, new, &mut changes);
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

fn paths_changes(old: &Policy, new: &Policy, paths: &[String], out: &mut Vec<PolicyChange>) {
    // (old tier, new tier) → (paths, old rule span, new rule span)
    type Group = (Vec<String>, Option<Span>, Option<Span>);
    let mut groups: BTreeMap<(String, String), Group> = BTreeMap::new();
    for path in paths {
        let (a, b) = (classify(old, path), classify(new, path));
        let (Some(ta), Some(tb)) = (old.tiers.get(a.tier), new.tiers.get(b.tier)) else {
            continue;
        };
        if ta.name == tb.name {
            continue;
        }
        let g = groups
            .entry((ta.name.clone(), tb.name.clone()))
            .or_insert_with(|| {
                (
                    Vec::new(),
                    a.rule.and_then(|r| old.rules.get(r)).map(|r| r.span),
                    b.rule.and_then(|r| new.rules.get(r)).map(|r| r.span),
                )
            });
        g.0.push(path.clone());
    }
    for ((ta, tb), (mut ps, os, ns)) in groups {
        let (Some(a), Some(b)) = (
            old.tiers.iter().find(|t| t.name == ta),
            new.tiers.iter().find(|t| t.name == tb),
        ) else {
            continue;
        };
        let (weak, strong) = Req::of(old, a).compare(&Req::of(new, b));
        let effect = effect_of(&weak, &strong);
        let detail: Vec<String> = weak.into_iter().chain(strong).collect();
        ps.sort();
        let n = ps.len();
        let mut c = change(
            Area::Paths,
            effect,
            format!(
                "{n} path(s) move from tier `{ta}` to `{tb}`{}",
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
        let (weak, strong) = Req::of(old, a).compare(&Req::of(new, b));
        if weak.is_empty() && strong.is_empty() {
            continue;
        }
        let effect = effect_of(&weak, &strong);
        let detail: Vec<String> = weak.into_iter().chain(strong).collect();
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
}

fn involvement_changes(old: &Policy, new: &Policy, out: &mut Vec<PolicyChange>) {
    let span_old = key_span(&old.source.text, &["involvement"]);
    let span_new = key_span(&new.source.text, &["involvement"]);
    for (level, a, b) in [
        (
            "assisted",
            old.involvement.assisted,
            new.involvement.assisted,
        ),
        (
            "generated",
            old.involvement.generated,
            new.involvement.generated,
        ),
        (
            "autonomous",
            old.involvement.autonomous,
            new.involvement.autonomous,
        ),
    ] {
        let mut weak = Vec::new();
        let mut strong = Vec::new();
        if b.extra_reviewers < a.extra_reviewers {
            weak.push(format!(
                "extra_reviewers {} → {}",
                a.extra_reviewers, b.extra_reviewers
            ));
        } else if b.extra_reviewers > a.extra_reviewers {
            strong.push(format!(
                "extra_reviewers {} → {}",
                a.extra_reviewers, b.extra_reviewers
            ));
        }
        if a.change_record && !b.change_record {
            weak.push("change record no longer required".to_string());
        } else if !a.change_record && b.change_record {
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
        let Some(a) = old.teams.iter().find(|t| t.name == b.name) else {
            continue;
        };
        let added: Vec<&str> = b
            .members
            .iter()
            .filter(|m| !a.members.iter().any(|o| o.email == m.email))
            .map(|m| m.email.as_str())
            .collect();
        let removed: Vec<&str> = a
            .members
            .iter()
            .filter(|m| !b.members.iter().any(|o| o.email == m.email))
            .map(|m| m.email.as_str())
            .collect();
        let mut push = |effect, msg: String| {
            let mut c = change(Area::Team, effect, msg);
            c.old_span = Some(a.span);
            c.new_span = Some(b.span);
            out.push(c);
        };
        if !added.is_empty() {
            push(
                Effect::Weakens,
                format!(
                    "team `{}` gains member(s) who may now review: {}",
                    b.name,
                    added.join(", ")
                ),
            );
        }
        if !removed.is_empty() {
            push(
                Effect::Strengthens,
                format!("team `{}` loses member(s): {}", b.name, removed.join(", ")),
            );
        }
    }
}

/// True when every reviewer that mode `new` accepts is also accepted by mode `old`
/// (`trailer+approval` needs a trailer *and* an approval, so `trailer` and `approval` each
/// accept whatever it accepts).
fn mode_covers(old: ReviewMode, new: ReviewMode) -> bool {
    old == new
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
    let trailers = |d: &super::Detect| -> Vec<String> {
        d.trailers
            .iter()
            .map(|t| {
                format!(
                    "{}: [{}] → {}",
                    t.key.to_ascii_lowercase(),
                    t.values.join(", "),
                    t.involvement.as_str()
                )
            })
            .collect()
    };
    let ids = |d: &super::Detect| -> Vec<String> {
        d.identities
            .iter()
            .map(|i| {
                format!(
                    "{} → {}",
                    i.email.to_ascii_lowercase(),
                    i.involvement.as_str()
                )
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
    let rule_names = |p: &Policy, w: &super::Waiver| -> Vec<String> {
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
        let mut weak = Vec::new();
        let mut strong = Vec::new();
        if b.expires > a.expires {
            weak.push(format!("extended {} → {}", a.expires, b.expires));
        } else if b.expires < a.expires {
            strong.push(format!("shortened {} → {}", a.expires, b.expires));
        }
        let more = |x: &[String], y: &[String]| y.iter().filter(|s| !x.contains(s)).count();
        let codes = |w: &super::Waiver| -> Vec<String> {
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
        if weak.is_empty() && strong.is_empty() {
            continue;
        }
        let effect = effect_of(&weak, &strong);
        let detail: Vec<String> = weak.into_iter().chain(strong).collect();
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
    for (hook, a, b) in [
        ("commit-msg", old.hooks.commit_msg, new.hooks.commit_msg),
        ("pre-push", old.hooks.pre_push, new.hooks.pre_push),
    ] {
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
