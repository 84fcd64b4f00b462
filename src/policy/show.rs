//! The effective policy as YAML (`countersign policy show`): every default filled in, in the
//! same shape a policy file uses, so the output loads back to the same [`Policy`].
//!
//! Hand-written rather than serialised from the compiled structs: the compiled form keeps
//! indices (tiers, teams, rules) where the file has names, and `controls` is a list of pairs.
//! Every string is written double-quoted with JSON escapes, which YAML reads identically, so no
//! value can be mistaken for a number, boolean, null or YAML syntax.
//!
//! Every compiled policy struct is destructured exhaustively, so a new policy field does not
//! compile until it is written here; `tests/it/properties.rs` checks that the output loads back to
//! a policy with no semantic difference (`policy::diff`), for mutations of the design example.

use std::fmt::Write;

use super::protect::Protect;
use super::{
    AppliesTo, Detect, Evidence, Extra, HookMode, Hooks, IdentitySignature, InvolvementExtras,
    Member, Policy, RecordFormat, ReviewMode, ReviewModes, Rule, Team, Tier, TrailerSignature,
    Waiver, WaiverScope,
};

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
    let Policy {
        source,
        tiers,
        default_tier,
        rules,
        // The compiled form of `protected_paths`.
        protected: _,
        protected_paths,
        involvement,
        teams,
        evidence,
        detect,
        waivers,
        baseline,
        hooks,
        protect,
        controls,
    } = p;
    let mut o = String::new();
    let name_of = |i: usize| tiers.get(i).map_or(String::new(), |t| t.name.clone());
    let _ = writeln!(
        o,
        "# The effective policy ({}), every default filled in.",
        source.name()
    );
    o.push_str("# Built-in protected paths (they get the strongest requirement of every tier):\n");
    for chunk in protected_paths.chunks(6) {
        let _ = writeln!(o, "#   {}", chunk.join(" "));
    }
    o.push_str("version: 1\n\ntiers:\n");
    for t in tiers {
        let Tier {
            name,
            description,
            reviewers,
            change_record,
            reviewers_from,
            applies_to,
            ai_forbidden,
            declaration,
            span: _,
        } = t;
        let _ = writeln!(o, "  - name: {}", q(name));
        if let Some(d) = description {
            let _ = writeln!(o, "    description: {}", q(d));
        }
        let _ = writeln!(o, "    reviewers: {reviewers}");
        let _ = writeln!(o, "    change_record: {change_record}");
        let names: Vec<String> = reviewers_from
            .iter()
            .filter_map(|&i| teams.get(i).map(|t| t.name.clone()))
            .collect();
        let _ = writeln!(o, "    reviewers_from: {}", list(&names));
        let applies = match applies_to {
            AppliesTo::Ai => "ai",
            AppliesTo::All => "all",
        };
        let _ = writeln!(o, "    applies_to: {applies}");
        let ai = if *ai_forbidden {
            "forbidden"
        } else {
            "allowed"
        };
        let _ = writeln!(o, "    ai: {ai}");
        let _ = writeln!(o, "    declaration: {declaration}");
    }
    let _ = writeln!(o, "\ndefault_tier: {}\n", q(&name_of(*default_tier)));
    if rules.is_empty() {
        o.push_str("rules: []\n");
    } else {
        o.push_str("rules:\n");
        for r in rules {
            let Rule {
                name,
                paths,
                // Compiled from `paths`.
                matcher: _,
                globs: _,
                tier,
                span: _,
                tier_span: _,
            } = r;
            let _ = writeln!(o, "  - name: {}", q(name));
            let _ = writeln!(o, "    paths: {}", list(paths));
            let _ = writeln!(o, "    tier: {}", q(&name_of(*tier)));
        }
    }
    o.push_str("\ninvolvement:\n");
    let InvolvementExtras {
        assisted,
        generated,
        autonomous,
    } = *involvement;
    for (level, e) in [
        ("assisted", assisted),
        ("generated", generated),
        ("autonomous", autonomous),
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
    if teams.is_empty() {
        o.push_str("\nteams: []\n");
    } else {
        o.push_str("\nteams:\n");
        for t in teams {
            let Team {
                name,
                members,
                span: _,
            } = t;
            let _ = writeln!(o, "  - name: {}\n    members:", q(name));
            for m in members {
                let Member {
                    name,
                    email,
                    github,
                    gitlab,
                    ssh_keys,
                } = m;
                let _ = writeln!(o, "      - name: {}\n        email: {}", q(name), q(email));
                if let Some(g) = github {
                    let _ = writeln!(o, "        github: {}", q(g));
                }
                if let Some(g) = gitlab {
                    let _ = writeln!(o, "        gitlab: {}", q(g));
                }
                if !ssh_keys.is_empty() {
                    let _ = writeln!(o, "        ssh_keys: {}", list(ssh_keys));
                }
            }
        }
    }
    let Evidence {
        review,
        review_span: _,
        signed_review,
        allowed_signers,
        reviewer_trailers,
        change_record_trailers,
        change_record_formats,
        declaration_trailers,
    } = evidence;
    let _ = writeln!(o, "\nevidence:\n  review: {}", review_modes(review));
    let _ = writeln!(
        o,
        "  signed_review: {{ survives: {} }}",
        if signed_review.survives_rebase {
            "rebase"
        } else {
            "nothing"
        }
    );
    if let Some(a) = allowed_signers {
        let _ = writeln!(o, "  allowed_signers: {}", q(&a.path));
    }
    let _ = writeln!(o, "  reviewer_trailers: {}", list(reviewer_trailers));
    let _ = writeln!(o, "  declaration_trailers: {}", list(declaration_trailers));
    let _ = writeln!(
        o,
        "  change_record:\n    trailers: {}",
        list(change_record_trailers)
    );
    if change_record_formats.is_empty() {
        o.push_str("    formats: []   # none: any non-empty value counts\n");
    } else {
        o.push_str("    formats:\n");
        for f in change_record_formats {
            let RecordFormat {
                name,
                pattern,
                regex: _,
            } = f;
            let _ = writeln!(o, "      - {{ name: {}, regex: {} }}", q(name), q(pattern));
        }
    }
    let Detect {
        builtin,
        trailers,
        identities,
        labels,
        branches,
        // Compiled from `branches`.
        branch_matcher: _,
    } = detect;
    let _ = writeln!(o, "\ndetect:\n  builtin: {builtin}");
    if trailers.is_empty() {
        o.push_str("  trailers: []\n");
    } else {
        o.push_str("  trailers:\n");
        for t in trailers {
            let TrailerSignature {
                key,
                values,
                involvement,
            } = t;
            let _ = writeln!(
                o,
                "    - {{ key: {}, values: {}, involvement: {} }}",
                q(key),
                list(values),
                involvement.as_str()
            );
        }
    }
    if identities.is_empty() {
        o.push_str("  identities: []\n");
    } else {
        o.push_str("  identities:\n");
        for i in identities {
            let IdentitySignature {
                email,
                matcher: _,
                involvement,
            } = i;
            let _ = writeln!(
                o,
                "    - {{ email: {}, involvement: {} }}",
                q(email),
                involvement.as_str()
            );
        }
    }
    let _ = writeln!(o, "  labels: {}", list(labels));
    let _ = writeln!(o, "  branches: {}", list(branches));
    if waivers.is_empty() {
        o.push_str("\nwaivers: []\n");
    } else {
        o.push_str("\nwaivers:\n");
        for w in waivers {
            let Waiver {
                id,
                scope:
                    WaiverScope {
                        commits,
                        paths,
                        path_matcher: _,
                        rules: scope_rules,
                    },
                codes,
                reason,
                approved_by,
                requested_by,
                expires,
                span: _,
            } = w;
            let _ = writeln!(o, "  - id: {}", q(id));
            if !commits.is_empty() {
                let _ = writeln!(o, "    commit: {}", list(commits));
            }
            if !paths.is_empty() {
                let _ = writeln!(o, "    paths: {}", list(paths));
            }
            if !scope_rules.is_empty() {
                let names: Vec<String> = scope_rules
                    .iter()
                    .filter_map(|&i| rules.get(i).map(|r| r.name.clone()))
                    .collect();
                let _ = writeln!(o, "    rules: {}", list(&names));
            }
            let codes: Vec<String> = codes.iter().map(|c| c.as_str().to_string()).collect();
            let _ = writeln!(o, "    codes: {}", list(&codes));
            let _ = writeln!(o, "    reason: {}", q(reason));
            let _ = writeln!(o, "    approved_by: {}", q(approved_by));
            if let Some(r) = requested_by {
                let _ = writeln!(o, "    requested_by: {}", q(r));
            }
            let _ = writeln!(o, "    expires: {}", q(&expires.to_string()));
        }
    }
    match baseline {
        Some(b) => {
            let _ = writeln!(o, "\nbaseline: {}", q(b));
        }
        None => o.push_str("\n# baseline: (none: all history is checked)\n"),
    }
    let Hooks {
        commit_msg,
        pre_push,
    } = *hooks;
    let _ = writeln!(
        o,
        "\nhooks:\n  commit-msg: {}\n  pre-push: {}",
        mode(commit_msg),
        mode(pre_push)
    );
    o.push_str("\nprotect:\n");
    let Protect {
        branches,
        // The compiled forms of `branches` and `tags`.
        branch_matcher: _,
        tags,
        tag_matcher: _,
    } = protect;
    match branches {
        Some(b) => {
            let _ = writeln!(o, "  branches: {}", list(b));
        }
        None => o.push_str("  # branches: (default: the repository's default branch)\n"),
    }
    let _ = writeln!(o, "  tags: {}", list(tags));
    if controls.is_empty() {
        o.push_str("\ncontrols: {}\n");
    } else {
        o.push_str("\ncontrols:\n");
        for (tier, refs) in controls {
            let _ = writeln!(o, "  {}: {}", q(tier), list(refs));
        }
    }
    o
}
