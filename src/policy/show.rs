//! The effective policy as YAML (`countersign policy show`): every default filled in, in the
//! same shape a policy file uses, so the output loads back to the same [`Policy`].
//!
//! Hand-written rather than serialised from the compiled structs: the compiled form keeps
//! indices (tiers, teams, rules) where the file has names, and `controls` is a list of pairs.
//! Every string is written double-quoted with JSON escapes, which YAML reads identically, so no
//! value can be mistaken for a number, boolean, null or YAML syntax.

use std::fmt::Write;

use super::{AppliesTo, Extra, HookMode, Policy, ReviewMode, ReviewModes};

fn q(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_string())
}

fn list(items: &[String]) -> String {
    let inner: Vec<String> = items.iter().map(|s| q(s)).collect();
    format!("[{}]", inner.join(", "))
}

fn mode(m: HookMode) -> &'static str {
    match m {
        HookMode::Warn => "warn",
        HookMode::Enforce => "enforce",
    }
}

/// The review mode as written in a policy.
pub fn review_mode(m: ReviewMode) -> &'static str {
    m.as_str()
}

/// `evidence.review` as YAML: a quoted scalar for one mode, a flow list for several.
pub fn review_modes(m: &ReviewModes) -> String {
    match m.0.as_slice() {
        [one] => q(one.as_str()),
        many => format!(
            "[{}]",
            many.iter()
                .map(|m| q(m.as_str()))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// The effective policy as YAML: every key written, defaults filled in.
pub fn to_yaml(p: &Policy) -> String {
    let mut o = String::new();
    let name_of = |i: usize| p.tiers.get(i).map_or(String::new(), |t| t.name.clone());
    let _ = writeln!(
        o,
        "# The effective policy ({}), every default filled in.",
        p.source.name()
    );
    let _ = writeln!(
        o,
        "# Built-in protected paths (always at least the highest tier, `{}`):",
        name_of(p.highest_tier())
    );
    for chunk in p.protected_paths.chunks(6) {
        let _ = writeln!(o, "#   {}", chunk.join(" "));
    }
    o.push_str("version: 1\n\ntiers:\n");
    for t in &p.tiers {
        let _ = writeln!(o, "  - name: {}", q(&t.name));
        if let Some(d) = &t.description {
            let _ = writeln!(o, "    description: {}", q(d));
        }
        let _ = writeln!(o, "    reviewers: {}", t.reviewers);
        let _ = writeln!(o, "    change_record: {}", t.change_record);
        let teams: Vec<String> = t
            .reviewers_from
            .iter()
            .filter_map(|&i| p.teams.get(i).map(|t| t.name.clone()))
            .collect();
        let _ = writeln!(o, "    reviewers_from: {}", list(&teams));
        let applies = match t.applies_to {
            AppliesTo::Ai => "ai",
            AppliesTo::All => "all",
        };
        let _ = writeln!(o, "    applies_to: {applies}");
        let ai = if t.ai_forbidden {
            "forbidden"
        } else {
            "allowed"
        };
        let _ = writeln!(o, "    ai: {ai}");
        let _ = writeln!(o, "    declaration: {}", t.declaration);
    }
    let _ = writeln!(o, "\ndefault_tier: {}\n", q(&name_of(p.default_tier)));
    if p.rules.is_empty() {
        o.push_str("rules: []\n");
    } else {
        o.push_str("rules:\n");
        for r in &p.rules {
            let _ = writeln!(o, "  - name: {}", q(&r.name));
            let _ = writeln!(o, "    paths: {}", list(&r.paths));
            let _ = writeln!(o, "    tier: {}", q(&name_of(r.tier)));
        }
    }
    o.push_str("\ninvolvement:\n");
    for (level, e) in [
        ("assisted", p.involvement.assisted),
        ("generated", p.involvement.generated),
        ("autonomous", p.involvement.autonomous),
    ] {
        let Extra {
            extra_reviewers,
            change_record,
        } = e;
        let _ = writeln!(
            o,
            "  {level}: {{ extra_reviewers: {extra_reviewers}, change_record: {change_record} }}"
        );
    }
    if p.teams.is_empty() {
        o.push_str("\nteams: []\n");
    } else {
        o.push_str("\nteams:\n");
        for t in &p.teams {
            let _ = writeln!(o, "  - name: {}\n    members:", q(&t.name));
            for m in &t.members {
                let _ = writeln!(
                    o,
                    "      - name: {}\n        email: {}",
                    q(&m.name),
                    q(&m.email)
                );
                if let Some(g) = &m.github {
                    let _ = writeln!(o, "        github: {}", q(g));
                }
                if let Some(g) = &m.gitlab {
                    let _ = writeln!(o, "        gitlab: {}", q(g));
                }
                if !m.ssh_keys.is_empty() {
                    let _ = writeln!(o, "        ssh_keys: {}", list(&m.ssh_keys));
                }
            }
        }
    }
    let e = &p.evidence;
    let _ = writeln!(o, "\nevidence:\n  review: {}", review_modes(&e.review));
    let _ = writeln!(
        o,
        "  signed_review: {{ survives: {} }}",
        if e.signed_review.survives_rebase {
            "rebase"
        } else {
            "nothing"
        }
    );
    if let Some(a) = &e.allowed_signers {
        let _ = writeln!(o, "  allowed_signers: {}", q(&a.path));
    }
    let _ = writeln!(o, "  reviewer_trailers: {}", list(&e.reviewer_trailers));
    let _ = writeln!(
        o,
        "  declaration_trailers: {}",
        list(&e.declaration_trailers)
    );
    let _ = writeln!(
        o,
        "  change_record:\n    trailers: {}",
        list(&e.change_record_trailers)
    );
    if e.change_record_formats.is_empty() {
        o.push_str("    formats: []   # none: any non-empty value counts\n");
    } else {
        o.push_str("    formats:\n");
        for f in &e.change_record_formats {
            let _ = writeln!(
                o,
                "      - {{ name: {}, regex: {} }}",
                q(&f.name),
                q(&f.pattern)
            );
        }
    }
    let d = &p.detect;
    let _ = writeln!(o, "\ndetect:\n  builtin: {}", d.builtin);
    if d.trailers.is_empty() {
        o.push_str("  trailers: []\n");
    } else {
        o.push_str("  trailers:\n");
        for t in &d.trailers {
            let _ = writeln!(
                o,
                "    - {{ key: {}, values: {}, involvement: {} }}",
                q(&t.key),
                list(&t.values),
                t.involvement.as_str()
            );
        }
    }
    if d.identities.is_empty() {
        o.push_str("  identities: []\n");
    } else {
        o.push_str("  identities:\n");
        for i in &d.identities {
            let _ = writeln!(
                o,
                "    - {{ email: {}, involvement: {} }}",
                q(&i.email),
                i.involvement.as_str()
            );
        }
    }
    let _ = writeln!(o, "  labels: {}", list(&d.labels));
    let _ = writeln!(o, "  branches: {}", list(&d.branches));
    if p.waivers.is_empty() {
        o.push_str("\nwaivers: []\n");
    } else {
        o.push_str("\nwaivers:\n");
        for w in &p.waivers {
            let _ = writeln!(o, "  - id: {}", q(&w.id));
            if !w.scope.commits.is_empty() {
                let _ = writeln!(o, "    commit: {}", list(&w.scope.commits));
            }
            if !w.scope.paths.is_empty() {
                let _ = writeln!(o, "    paths: {}", list(&w.scope.paths));
            }
            if !w.scope.rules.is_empty() {
                let names: Vec<String> = w
                    .scope
                    .rules
                    .iter()
                    .filter_map(|&i| p.rules.get(i).map(|r| r.name.clone()))
                    .collect();
                let _ = writeln!(o, "    rules: {}", list(&names));
            }
            let codes: Vec<String> = w.codes.iter().map(|c| c.as_str().to_string()).collect();
            let _ = writeln!(o, "    codes: {}", list(&codes));
            let _ = writeln!(o, "    reason: {}", q(&w.reason));
            let _ = writeln!(o, "    approved_by: {}", q(&w.approved_by));
            if let Some(r) = &w.requested_by {
                let _ = writeln!(o, "    requested_by: {}", q(r));
            }
            let _ = writeln!(o, "    expires: {}", q(&w.expires.to_string()));
        }
    }
    match &p.baseline {
        Some(b) => {
            let _ = writeln!(o, "\nbaseline: {}", q(b));
        }
        None => o.push_str("\n# baseline: (none: all history is checked)\n"),
    }
    let _ = writeln!(
        o,
        "\nhooks:\n  commit-msg: {}\n  pre-push: {}",
        mode(p.hooks.commit_msg),
        mode(p.hooks.pre_push)
    );
    if p.controls.is_empty() {
        o.push_str("\ncontrols: {}\n");
    } else {
        o.push_str("\ncontrols:\n");
        for (tier, refs) in &p.controls {
            let _ = writeln!(o, "  {}: {}", q(tier), list(refs));
        }
    }
    o
}
