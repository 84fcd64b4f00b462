//! `countersign explain COMMIT | --path PATH | CODE`: the reasoning behind a verdict.
//!
//! - `explain CODE`: the documentation a finding code carries.
//! - `explain COMMIT`: every changed path with its rule and tier, every marker and where it
//!   is, the involvement, each reviewer accepted or rejected and why, change records,
//!   waivers, the requirements, and the decisive requirement.
//! - `explain --path PATH`: which rule and tier a path gets, and every rule it matches.
//!
//! An argument that is a finding code is a code; anything else is tried as a revision.

use std::fmt::Write;
use std::path::Path;

use serde::Serialize;

use crate::cli::{ExplainArgs, ExplainFormat};
use crate::commands::{load_policy, print_stdout, print_text, read_pr};
use crate::evaluate::{self, CommitReport, Context, EvidenceSource, PathTier};
use crate::findings::Code;
use crate::git;
use crate::policy::classify;
use crate::policy::load::line_column;
use crate::policy::{AppliesTo, Policy, Span};
use crate::time::Date;
use crate::{Error, Result};

/// Renders the documentation of one code.
pub fn render(code: Code) -> String {
    let d = code.doc();
    format!(
        "{code} ({severity})\n\n{summary}\n\nWhy it matters:\n  {why}\n\nHow to fix it:\n  {fix}\n\nWhat triggers it (example):\n  {example}\n",
        severity = code.severity().as_str(),
        summary = d.summary,
        why = d.why,
        fix = d.fix,
        example = d.example,
    )
}

/// Runs `explain`.
pub fn run(cwd: &Path, args: &ExplainArgs) -> Result<u8> {
    if let Some(path) = &args.path {
        return explain_path(cwd, args, path);
    }
    let target = args.target.as_deref().unwrap_or("").trim();
    if let Some(code) = Code::parse(target) {
        print_text(&render(code))?;
        return Ok(0);
    }
    let repo = git::open(cwd);
    let oid = repo
        .as_ref()
        .ok()
        .and_then(|r| git::resolve_commit(r, target).ok());
    match (repo, oid) {
        (Ok(repo), Some(oid)) => explain_commit(&repo, args, oid),
        _ => Err(unknown(target)),
    }
}

fn unknown(target: &str) -> Error {
    let names: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
    let close = names
        .iter()
        .map(|n| (similar::TextDiff::from_chars(*n, target).ratio(), *n))
        .filter(|(r, _)| *r >= 0.6)
        .max_by(|a, b| a.0.total_cmp(&b.0));
    Error::usage(format!(
        "`{target}` is neither a finding code nor a commit of this repository"
    ))
    .with_help(match close {
        Some((_, n)) => format!("did you mean `{n}`? known codes: {}", names.join(", ")),
        None => format!(
            "give a revision (e.g. `HEAD`, a commit id) or a finding code: {}",
            names.join(", ")
        ),
    })
}

fn line_of(text: &[u8], offset: usize) -> usize {
    text.get(..offset)
        .map_or(0, |b| b.iter().filter(|c| **c == b'\n').count())
        + 1
}

fn policy_line(policy: &Policy, span: Span) -> usize {
    line_column(&policy.source.text, span.offset).0
}

fn explain_commit(repo: &git::Repo, args: &ExplainArgs, oid: git2::Oid) -> Result<u8> {
    let policy = load_policy(repo.workdir(), args.policy.as_deref())?;
    let pr = read_pr(args.pr.as_deref())?;
    let facts = git::read_commit(repo, oid, &git::Limits::default())?;
    let head = git::baseline::head_commit(repo).map(|o| o.to_string());
    let branch = pr
        .as_ref()
        .map(|p| p.head_branch.clone())
        .filter(|b| !b.is_empty())
        .or_else(|| repo.current_branch());
    let repo_head = git::baseline::head_commit(repo).map(|o| o.to_string());
    let ctx = Context {
        policy: &policy,
        pr: pr.as_ref(),
        branch: branch.as_deref(),
        today: Date::today()?,
        head: head.as_deref(),
        repo_head: repo_head.as_deref(),
        explain: true,
        whole_history: false,
    };
    let reviews = crate::commands::signed_reviews(repo, &policy, &[oid], &[])?;
    let signed = reviews
        .get(&facts.id)
        .unwrap_or(&crate::commands::NO_REVIEWS);
    let report = evaluate::evaluate_reviewed(&ctx, &facts, signed)?;
    let text = match args.format {
        ExplainFormat::Json => {
            let mut s = serde_json::to_string_pretty(&report)
                .map_err(|e| Error::output(format!("cannot serialise the report: {e}")))?;
            s.push('\n');
            s
        }
        ExplainFormat::Human => render_commit(&policy, &report, &facts.message),
    };
    match args.format {
        ExplainFormat::Human => print_text(&text)?,
        ExplainFormat::Json => print_stdout(&text)?,
    }
    // The verdict is in the text; `explain` itself succeeded.
    Ok(0)
}

fn source_name(s: EvidenceSource) -> &'static str {
    match s {
        EvidenceSource::Trailer => "trailer",
        EvidenceSource::Approval => "platform approval",
        EvidenceSource::PrBody => "PR body",
        EvidenceSource::SignedReview => "signed review (git note)",
    }
}

/// The human explanation of one commit's report.
pub fn render_commit(policy: &Policy, r: &CommitReport, message: &[u8]) -> String {
    let mut o = String::new();
    let at = |span: &Option<std::ops::Range<usize>>| match span {
        Some(s) => format!(" (message line {})", line_of(message, s.start)),
        None => String::new(),
    };
    let _ = writeln!(
        o,
        "commit {}{}",
        r.id,
        if r.merge { " (merge)" } else { "" }
    );
    let _ = writeln!(o, "  {}", r.subject);
    let _ = writeln!(o, "  author    {} <{}>", r.author.name, r.author.email);
    let _ = writeln!(
        o,
        "  committer {} <{}>",
        r.committer.name, r.committer.email
    );
    let _ = writeln!(
        o,
        "  policy    {} ({})",
        policy.source.name(),
        policy.source.digest.get(..12).unwrap_or("")
    );

    let _ = writeln!(o, "\nChanged paths ({}):", r.paths_changed);
    if r.path_tiers.is_empty() {
        o.push_str("  (none: an empty commit or a clean merge has no tier)\n");
    }
    for p in &r.path_tiers {
        let _ = writeln!(o, "  {}\n      {}", p.path, path_reason(policy, p));
    }

    let _ = writeln!(o, "\nTier: {}", r.tier.as_deref().unwrap_or("(none)"));
    if let Some(d) = &r.decisive_path {
        let _ = writeln!(o, "  decided by `{}` ({})", d.path, path_reason(policy, d));
    }

    let _ = writeln!(o, "\nAI involvement: {}", r.involvement.as_str());
    if r.markers.is_empty() {
        o.push_str("  no marker found\n");
    }
    for m in &r.markers {
        let src = serde_json::to_value(m.source)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let also: Vec<String> = m
            .signatures
            .iter()
            .filter(|s| **s != m.signature)
            .map(|s| format!("`{s}`"))
            .collect();
        let _ = writeln!(
            o,
            "  {} marker `{}`{} ({}) in {src}{}: {}",
            m.tool,
            m.signature,
            if also.is_empty() {
                String::new()
            } else {
                format!(" (also {})", also.join(", "))
            },
            m.involvement.as_str(),
            at(&m.span),
            m.text.trim()
        );
    }

    let req = &r.requirements;
    o.push_str("\nRequirements:\n");
    if let Some(t) = r
        .tier
        .as_deref()
        .and_then(|n| policy.tiers.iter().find(|t| t.name == n))
    {
        let _ = writeln!(
            o,
            "  tier `{}` (policy line {}): {} reviewer(s){}{}{}, applies to {}",
            t.name,
            policy_line(policy, t.span),
            t.reviewers,
            if t.change_record {
                ", change record"
            } else {
                ""
            },
            if t.declaration { ", declaration" } else { "" },
            if t.ai_forbidden { ", AI forbidden" } else { "" },
            match t.applies_to {
                AppliesTo::Ai => "AI-involved changes",
                AppliesTo::All => "every change",
            }
        );
        let extra = crate::evaluate::requirements::extras(policy, r.involvement);
        if extra.extra_reviewers > 0 || extra.change_record {
            let _ = writeln!(
                o,
                "  `{}` involvement adds {} reviewer(s){}",
                r.involvement.as_str(),
                extra.extra_reviewers,
                if extra.change_record {
                    " and a change record"
                } else {
                    ""
                }
            );
        }
    }
    if req.applies {
        let teams: String = req
            .reviewers_from
            .iter()
            .map(|t| {
                format!(
                    ", {} of them from {} (tier `{}`)",
                    t.reviewers,
                    t.teams.join("/"),
                    t.tier
                )
            })
            .collect();
        let _ = writeln!(
            o,
            "  → needed: {} reviewer(s){teams}{}{} (the strongest of every tier touched)",
            req.reviewers,
            if req.change_record {
                ", a change record"
            } else {
                ""
            },
            if req.declaration {
                ", a declaration"
            } else {
                ""
            }
        );
    } else {
        let _ = writeln!(
            o,
            "  → no evidence needed: no AI involvement and the tier applies only to AI-involved changes{}",
            if req.declaration {
                " (a declaration is still needed)"
            } else {
                ""
            }
        );
    }

    o.push_str("\nReviewers:\n");
    if r.reviewers.is_empty() {
        let keys = policy.evidence.reviewer_trailers.join(", ");
        let _ = writeln!(o, "  none found (trailer keys read: {keys})");
    }
    for c in &r.reviewers {
        let mark = if c.accepted {
            "✓ accepted"
        } else {
            "✗ rejected"
        };
        let why = match (c.reason, &c.detail) {
            (Some(reason), Some(d)) => format!(": {} ({d})", reason.as_str()),
            (Some(reason), None) => format!(": {}", reason.as_str()),
            _ => String::new(),
        };
        let strength = c
            .strength
            .map(|s| format!(" — {}", s.as_str()))
            .unwrap_or_default();
        let _ = writeln!(
            o,
            "  {mark} {} — {}{}{why}{strength}",
            c.raw,
            source_name(c.source),
            at(&c.span)
        );
    }

    o.push_str("\nChange records:\n");
    if r.change_records.is_empty() {
        let keys = policy.evidence.change_record_trailers.join(", ");
        let _ = writeln!(o, "  none found (trailer keys read: {keys})");
    }
    for c in &r.change_records {
        let _ = writeln!(
            o,
            "  {} {}: {} — {}{}{}",
            if c.valid { "✓ valid" } else { "✗ invalid" },
            c.key,
            c.value,
            source_name(c.source),
            at(&c.span),
            match &c.format {
                Some(f) => format!(", format `{f}`"),
                None if c.valid => ", any non-empty value counts".to_string(),
                None => ", matches no accepted format".to_string(),
            }
        );
    }
    if let Some(d) = &r.declaration {
        let _ = writeln!(o, "\nDeclaration: {d}");
    }

    o.push_str("\nWaivers:\n");
    if r.waivers.is_empty() {
        o.push_str("  none applied\n");
    }
    for w in &r.waivers {
        match policy.waivers.iter().find(|x| &x.id == w) {
            Some(x) => {
                let _ = writeln!(
                    o,
                    "  {w} (policy line {}): {} — approved by {}, expires {}",
                    policy_line(policy, x.span),
                    x.reason,
                    x.approved_by,
                    x.expires
                );
            }
            None => {
                let _ = writeln!(o, "  {w}");
            }
        }
    }

    o.push_str("\nFindings:\n");
    if r.findings.is_empty() {
        o.push_str("  none\n");
    }
    for f in &r.findings {
        let _ = writeln!(
            o,
            "  {} {}{}: {}{}",
            f.severity.as_str(),
            f.code.as_str(),
            match &f.waived_by {
                Some(w) => format!(" (waived by {w})"),
                None => String::new(),
            },
            f.message,
            at(&f.span)
        );
        if let Some(h) = &f.help {
            for l in h.lines() {
                let _ = writeln!(o, "      help: {l}");
            }
        }
    }

    let decisive = r.findings.iter().find(|f| f.is_blocking());
    let _ = match decisive {
        Some(f) => writeln!(
            o,
            "\nVerdict: fail — decisive requirement: {} ({})",
            f.code.as_str(),
            f.message
        ),
        None if r.tier.is_none() => writeln!(
            o,
            "\nVerdict: pass — no path changed, nothing to answer for"
        ),
        None if !req.applies && !req.declaration => {
            writeln!(o, "\nVerdict: pass — no requirement applies to this commit")
        }
        None => writeln!(o, "\nVerdict: pass — every requirement is met (or waived)"),
    };
    o
}

/// "tier `high` from rule `security` (policy line 12); also matched `docs`".
fn path_reason(policy: &Policy, p: &PathTier) -> String {
    let mut s = format!("tier `{}`", p.tier);
    match p.rule.as_deref() {
        Some("protected") => s.push_str(
            " — a protected path (policy files, CI configuration): the strongest requirement of every tier",
        ),
        Some(rule) => {
            let line = policy
                .rules
                .iter()
                .find(|r| r.name == rule)
                .map(|r| policy_line(policy, r.span));
            let _ = write!(s, " from rule `{rule}`");
            if let Some(l) = line {
                let _ = write!(s, " (policy line {l})");
            }
        }
        None => s.push_str(" — no rule matches: the default tier"),
    }
    let others: Vec<&String> = p
        .matched
        .iter()
        .filter(|m| Some(m.as_str()) != p.rule.as_deref())
        .collect();
    if !others.is_empty() {
        let _ = write!(
            s,
            "; also matched {}",
            others
                .iter()
                .map(|m| format!("`{m}`"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    s
}

/// What `explain --path --format json` prints.
#[derive(Debug, Serialize)]
struct PathExplanation<'a> {
    #[serde(flatten)]
    class: &'a PathTier,
    protected: bool,
    policy: String,
}

fn explain_path(cwd: &Path, args: &ExplainArgs, path: &str) -> Result<u8> {
    let repo = git::open(cwd).ok();
    let root = repo.as_ref().and_then(|r| r.workdir());
    let policy = load_policy(root, args.policy.as_deref())?;
    let path = path.trim_start_matches("./").replace('\\', "/");
    let class = classify::classify(&policy, &path);
    let described = classify::describe(&policy, &path, &class);
    let text = match args.format {
        ExplainFormat::Json => {
            let mut s = serde_json::to_string_pretty(&PathExplanation {
                class: &described,
                protected: class.protected,
                policy: policy.source.name(),
            })
            .map_err(|e| Error::output(format!("cannot serialise: {e}")))?;
            s.push('\n');
            s
        }
        ExplainFormat::Human => {
            let mut o = String::new();
            let _ = writeln!(o, "{path}: {}", path_reason(&policy, &described));
            if class.protected {
                o.push_str("  protected: yes (the strongest requirement of every tier, whatever the rules say)\n");
            }
            if class.matched.is_empty() {
                let _ = writeln!(o, "  matching rules: none");
            } else {
                o.push_str("  matching rules:\n");
                for &i in &class.matched {
                    if let Some(rule) = policy.rules.get(i) {
                        let tier = policy.tiers.get(rule.tier).map_or("?", |t| t.name.as_str());
                        let _ = writeln!(
                            o,
                            "    {} → tier `{tier}` (policy line {}){}",
                            rule.name,
                            policy_line(&policy, rule.span),
                            if Some(i) == class.rule {
                                "  ← decides"
                            } else {
                                ""
                            }
                        );
                    }
                }
            }
            if let Some(t) = policy.tiers.get(class.tier) {
                let _ = writeln!(
                    o,
                    "  tier `{}` needs: {} reviewer(s){}{}{}, for {}",
                    t.name,
                    t.reviewers,
                    if t.change_record {
                        ", a change record"
                    } else {
                        ""
                    },
                    if t.declaration { ", a declaration" } else { "" },
                    if t.ai_forbidden {
                        "; AI is forbidden here"
                    } else {
                        ""
                    },
                    match t.applies_to {
                        AppliesTo::Ai => "AI-involved changes",
                        AppliesTo::All => "every change",
                    }
                );
            }
            let others: Vec<&str> = class
                .tiers
                .iter()
                .filter(|&&t| t != class.tier)
                .filter_map(|&t| policy.tiers.get(t).map(|t| t.name.as_str()))
                .collect();
            if !others.is_empty() {
                let _ = writeln!(
                    o,
                    "  also tier(s) {}: each requirement is the strongest of them all",
                    others
                        .iter()
                        .map(|t| format!("`{t}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
            let _ = writeln!(o, "  policy: {}", policy.source.name());
            o
        }
    };
    match args.format {
        ExplainFormat::Human => print_text(&text)?,
        ExplainFormat::Json => print_stdout(&text)?,
    }
    Ok(0)
}
