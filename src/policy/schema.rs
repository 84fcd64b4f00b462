//! The JSON Schema (draft 2020-12) of the policy file, for editor completion and checks.
//!
//! Built by hand with `serde_json::json!` so it mirrors exactly the keys the validator accepts
//! (every object has `additionalProperties: false`). The repository carries the output as
//! `countersign.schema.json`; a test fails when it is out of date. The schema describes the
//! *shape*; the loader still does the checks a schema cannot (names that must be defined,
//! globs and regexes that must compile, waivers approved by their requester …).

use serde_json::{Value, json};

use crate::findings::Code;

/// Where the published schema lives (used in the `# yaml-language-server:` line).
pub const SCHEMA_URL: &str =
    "https://raw.githubusercontent.com/countersign/countersign/main/countersign.schema.json";

/// The modeline that gives editors (through the YAML language server) completion.
pub fn modeline() -> String {
    format!("# yaml-language-server: $schema={SCHEMA_URL}")
}

fn strings(description: &str) -> Value {
    json!({ "type": "array", "items": { "type": "string", "minLength": 1 }, "description": description })
}

fn name(description: &str) -> Value {
    json!({
        "type": "string",
        "pattern": "^[A-Za-z0-9._-]{1,100}$",
        "description": description
    })
}

fn person(description: &str) -> Value {
    json!({ "type": "string", "pattern": "^[^<>]+<[^<>@\\s]+@[^<>@\\s]+>$", "description": description })
}

fn trailer_keys(description: &str) -> Value {
    json!({
        "type": "array",
        "minItems": 1,
        "items": { "type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9-]*$" },
        "description": description
    })
}

fn involvement_level() -> Value {
    json!({ "enum": ["assisted", "generated", "autonomous"], "description": "The AI involvement it implies." })
}

fn extra() -> Value {
    json!({
        "type": "object",
        "additionalProperties": false,
        "properties": {
            "extra_reviewers": { "type": "integer", "minimum": 0, "maximum": 10, "description": "Reviewers on top of the tier's." },
            "change_record": { "type": "boolean", "description": "Require a change record even when the tier does not." }
        }
    })
}

/// The JSON Schema of a version-1 policy.
pub fn schema() -> Value {
    let tiers = tiers_schema();
    let rules = rules_schema();
    let teams = teams_schema();
    let evidence = evidence_schema();
    let detect = detect_schema();
    let waivers = waivers_schema();
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_URL,
        "title": "countersign policy",
        "description": "The countersign policy file (.countersign.yml), version 1. See `countersign policy check`.",
        "type": "object",
        "additionalProperties": false,
        "required": ["version", "tiers"],
        "$defs": {
            "commit": {
                "description": "A full commit id: 40 hex digits (64 in a SHA-256 repository). Abbreviations can be brute-forced onto another commit; `git rev-parse REV^{commit}` prints the full id.",
                "type": "string",
                "pattern": "^([0-9a-fA-F]{40}|[0-9a-fA-F]{64})$"
            }
        },
        "properties": {
            "version": { "const": 1, "description": "The policy format version; always 1." },
            "tiers": tiers,
            "default_tier": { "type": "string", "description": "The tier of paths no rule matches (required with more than one tier)." },
            "rules": rules,
            "involvement": {
                "type": "object",
                "additionalProperties": false,
                "description": "Requirements that grow with AI involvement.",
                "properties": { "assisted": extra(), "generated": extra(), "autonomous": extra() }
            },
            "teams": teams,
            "evidence": evidence,
            "detect": detect,
            "waivers": waivers,
            "baseline": { "$ref": "#/$defs/commit", "description": "A full commit id, an ancestor of the commit the policy is read from: commits reachable from it are history, not checked. Tags, branches and abbreviated ids are refused (they can be moved or shadowed)." },
            "hooks": {
                "type": "object",
                "additionalProperties": false,
                "properties": {
                    "commit-msg": { "enum": ["warn", "enforce"], "description": "Default `warn`." },
                    "pre-push": { "enum": ["warn", "enforce"], "description": "Default `enforce`." }
                }
            },
            "protect": {
                "type": "object",
                "additionalProperties": false,
                "description": "Where pre-push, pre-receive and ci enforce: updates of these refs must pass; other refs flow with a note.",
                "properties": {
                    "branches": { "type": "array", "items": { "type": "string", "minLength": 1 }, "description": "Branch name globs (no `refs/heads/`). Default: the repository's default branch." },
                    "tags": { "type": "array", "items": { "type": "string", "minLength": 1 }, "description": "Tag name globs (no `refs/tags/`); a protected tag is a release. Default: [\"v*\"]." }
                }
            },
            "controls": {
                "type": "object",
                "description": "Framework references per tier name, shown in reports.",
                "additionalProperties": { "type": "array", "items": { "type": "string" } }
            }
        }
    })
}

fn tiers_schema() -> Value {
    json!({
            "type": "array",
            "minItems": 1,
            "description": "Risk tiers, least → most risk. A change needs, per requirement, the strongest of every tier of every path it touches; the highest names it in reports.",
            "items": {
                "type": "object",
                "additionalProperties": false,
                "required": ["name"],
                "properties": {
                    "name": name("The tier's name, referred to by rules and `default_tier`."),
                    "description": { "type": "string", "description": "Shown in reports." },
                    "reviewers": { "type": "integer", "minimum": 0, "maximum": 10, "description": "Named human reviewers needed (distinct, not the author). Default 0." },
                    "change_record": { "type": "boolean", "description": "A change record (`Change-Record:`/`Refs:` trailer) is needed. Default false." },
                    "reviewers_from": { "type": "array", "items": name("A team name."), "description": "Reviewers must be members of one of these teams." },
                    "applies_to": { "enum": ["ai", "all"], "description": "`ai` (default): only AI-involved changes need the evidence; `all`: every change." },
                    "ai": { "enum": ["allowed", "forbidden"], "description": "`forbidden`: AI-involved changes may not touch these paths. Default `allowed`." },
                    "declaration": { "type": "boolean", "description": "An explicit `AI-Assisted: yes|no` declaration trailer is needed. Default false." }
                }
            }
    })
}

fn rules_schema() -> Value {
    json!({
            "type": "array",
            "description": "Path globs → tier. Every matching rule counts (paths also match in their NFC case-folded form; a submodule or symlink at a folder matches the folder's rules; a symlink also by its target); a path no rule matches gets `default_tier`.",
            "items": {
                "type": "object",
                "additionalProperties": false,
                "required": ["name", "paths", "tier"],
                "properties": {
                    "name": name("The rule's name."),
                    "paths": {
                        "type": "array",
                        "minItems": 1,
                        "items": { "type": "string", "minLength": 1, "maxLength": 1024 },
                        "description": "Globs relative to the repository root: `*` within one directory, `**` any depth, `?`, `[abc]`, `{a,b}`; case-insensitive."
                    },
                    "tier": { "type": "string", "description": "A tier name." }
                }
            }
    })
}

fn teams_schema() -> Value {
    json!({
            "type": "array",
            "description": "Named groups of people, for `reviewers_from`.",
            "items": {
                "type": "object",
                "additionalProperties": false,
                "required": ["name", "members"],
                "properties": {
                    "name": name("The team's name."),
                    "members": {
                        "type": "array",
                        "minItems": 1,
                        "items": {
                            "type": "object",
                            "additionalProperties": false,
                            "required": ["name", "email"],
                            "properties": {
                                "name": { "type": "string", "minLength": 1 },
                                "email": { "type": "string", "pattern": "^[^@\\s<>,]+@[^@\\s<>,]+$" },
                                "github": { "type": "string", "description": "GitHub login, for platform approvals." },
                                "gitlab": { "type": "string", "description": "GitLab username, for platform approvals." },
                                "ssh_keys": {
                                    "type": "array",
                                    "maxItems": 32,
                                    "uniqueItems": true,
                                    "description": "OpenSSH public keys (one `.pub` line each) whose signed reviews are this person's: ssh-ed25519, ecdsa-sha2-nistp256 or their FIDO sk- forms.",
                                    "items": { "type": "string", "pattern": "^(ssh-ed25519|ecdsa-sha2-nistp256|sk-ssh-ed25519@openssh\\.com|sk-ecdsa-sha2-nistp256@openssh\\.com) [A-Za-z0-9+/=]+( .*)?$" }
                                }
                            }
                        }
                    }
                }
            }
    })
}

fn evidence_schema() -> Value {
    json!({
            "type": "object",
            "additionalProperties": false,
            "description": "What counts as evidence.",
            "properties": {
                "review": {
                    "description": "Where reviews come from: one mode, or a list meaning any of them. Default `trailer`.",
                    "anyOf": [
                        { "enum": ["trailer", "approval", "trailer+approval", "signed"] },
                        {
                            "type": "array",
                            "minItems": 1,
                            "uniqueItems": true,
                            "items": { "enum": ["trailer", "approval", "trailer+approval", "signed"] }
                        }
                    ]
                },
                "signed_review": {
                    "type": "object",
                    "additionalProperties": false,
                    "description": "How signed reviews are matched to commits.",
                    "properties": {
                        "survives": { "enum": ["rebase", "nothing"], "description": "`rebase`: a review also counts for a commit with the same stable patch-id as the reviewed one. Default `nothing`." }
                    }
                },
                "allowed_signers": { "type": "string", "minLength": 1, "description": "A file in git's allowed-signers format (path from the repository root), read from the same commit as the policy: its keys sign reviews for their principals (exact emails only)." },
                "reviewer_trailers": trailer_keys("Trailer keys naming a reviewer. Default [Reviewed-by]."),
                "declaration_trailers": trailer_keys("Trailer keys declaring AI involvement. Default [AI-Assisted]."),
                "change_record": {
                    "type": "object",
                    "additionalProperties": false,
                    "properties": {
                        "trailers": trailer_keys("Trailer keys carrying a change record. Default [Change-Record, Refs]."),
                        "formats": {
                            "type": "array",
                            "description": "Accepted formats; none means any non-empty value.",
                            "items": {
                                "type": "object",
                                "additionalProperties": false,
                                "required": ["name", "regex"],
                                "properties": {
                                    "name": name("The format's name, e.g. `jira`."),
                                    "regex": { "type": "string", "minLength": 1, "maxLength": 1024, "description": "Rust `regex` syntax." }
                                }
                            }
                        }
                    }
                }
            }
    })
}

fn detect_schema() -> Value {
    json!({
            "type": "object",
            "additionalProperties": false,
            "description": "How AI involvement is detected.",
            "properties": {
                "builtin": { "type": "boolean", "description": "Use the shipped signatures. Default true." },
                "trailers": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "additionalProperties": false,
                        "required": ["key", "involvement"],
                        "properties": {
                            "key": { "type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9-]*$" },
                            "values": {
                                "type": "array",
                                "items": { "type": ["string", "boolean", "number"] },
                                "description": "Accepted values (case-insensitive); none means any."
                            },
                            "involvement": involvement_level()
                        }
                    }
                },
                "identities": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "additionalProperties": false,
                        "required": ["email", "involvement"],
                        "properties": {
                            "email": { "type": "string", "minLength": 1, "description": "Email glob, e.g. `*@agents.example.com`." },
                            "involvement": involvement_level()
                        }
                    }
                },
                "labels": strings("PR/MR labels that mark AI involvement."),
                "branches": strings("Branch globs that mark AI involvement.")
            }
    })
}

fn waivers_schema() -> Value {
    let codes: Vec<&str> = Code::ALL
        .iter()
        .filter(|c| **c != Code::WaiverExpired)
        .map(|c| c.as_str())
        .collect();
    json!({
            "type": "array",
            "description": "Named, reasoned, approved, expiring exceptions.",
            "items": {
                "type": "object",
                "additionalProperties": false,
                "required": ["id", "codes", "reason", "approved_by", "expires"],
                "anyOf": [
                    { "required": ["commit"] },
                    { "required": ["paths"] },
                    { "required": ["rules"] }
                ],
                "properties": {
                    "id": name("e.g. `W-2026-001`."),
                    "commit": {
                        "description": "Full commit id(s) (40 or 64 hex digits).",
                        "anyOf": [
                            { "$ref": "#/$defs/commit" },
                            { "type": "array", "minItems": 1, "items": { "$ref": "#/$defs/commit" } }
                        ]
                    },
                    "paths": { "type": "array", "minItems": 1, "items": { "type": "string", "minLength": 1 } },
                    "rules": { "type": "array", "items": { "type": "string" }, "description": "Rule names." },
                    "codes": { "type": "array", "minItems": 1, "items": { "enum": codes } },
                    "reason": { "type": "string", "minLength": 1 },
                    "approved_by": person("`Name <email>` of who approved it (not the requester)."),
                    "requested_by": person("`Name <email>` of who asked for it."),
                    "expires": { "type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$", "description": "The last day it applies, YYYY-MM-DD." }
                }
            }
    })
}

/// The schema as the pretty-printed text of `countersign.schema.json` (ends with a newline).
pub fn schema_text() -> String {
    let mut s = serde_json::to_string_pretty(&schema()).unwrap_or_default();
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{
        Detect, Evidence, Extra, Hooks, IdentitySignature, InvolvementExtras, Member, Origin,
        Policy, RecordFormat, Rule, Team, Tier, TrailerSignature, Waiver, WaiverScope,
    };

    // The policy key behind every field of the compiled policy, by the schema object holding
    // it. Exhaustive destructuring: a new field does not compile here until it is given its
    // key, and `fields_have_schema_keys` then needs that key in the schema (and
    // `validate::tests::key_tables_match_the_schema` in the validator).

    fn policy_keys(p: &Policy) -> Vec<&'static str> {
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
        } = p;
        // `source`, `protected` and `protected_paths` are built in, not written.
        vec![
            "version",
            "tiers",
            "default_tier",
            "rules",
            "involvement",
            "teams",
            "evidence",
            "detect",
            "waivers",
            "baseline",
            "hooks",
            "protect",
            "controls",
        ]
    }

    fn protect_keys(p: &crate::policy::protect::Protect) -> Vec<&'static str> {
        let crate::policy::protect::Protect {
            branches: _,
            branch_matcher: _,
            tags: _,
            tag_matcher: _,
        } = p;
        vec!["branches", "tags"]
    }

    fn tier_keys(t: &Tier) -> Vec<&'static str> {
        let Tier {
            name: _,
            description: _,
            reviewers: _,
            change_record: _,
            reviewers_from: _,
            applies_to: _,
            ai_forbidden: _,
            declaration: _,
            span: _,
        } = t;
        vec![
            "name",
            "description",
            "reviewers",
            "change_record",
            "reviewers_from",
            "applies_to",
            "ai",
            "declaration",
        ]
    }

    fn rule_keys(r: &Rule) -> Vec<&'static str> {
        let Rule {
            name: _,
            paths: _,
            matcher: _,
            globs: _,
            tier: _,
            span: _,
            tier_span: _,
        } = r;
        vec!["name", "paths", "tier"]
    }

    fn involvement_keys(
        i: &InvolvementExtras,
        e: &Extra,
    ) -> (Vec<&'static str>, Vec<&'static str>) {
        let InvolvementExtras {
            assisted: _,
            generated: _,
            autonomous: _,
        } = i;
        let Extra {
            extra_reviewers: _,
            change_record: _,
        } = e;
        (
            vec!["assisted", "generated", "autonomous"],
            vec!["extra_reviewers", "change_record"],
        )
    }

    fn team_keys(t: &Team, m: &Member) -> (Vec<&'static str>, Vec<&'static str>) {
        let Team {
            name: _,
            members: _,
            span: _,
        } = t;
        let Member {
            name: _,
            email: _,
            github: _,
            gitlab: _,
            ssh_keys: _,
        } = m;
        (
            vec!["name", "members"],
            vec!["name", "email", "github", "gitlab", "ssh_keys"],
        )
    }

    fn evidence_keys(e: &Evidence, f: &RecordFormat) -> [Vec<&'static str>; 3] {
        let Evidence {
            review: _,
            review_span: _,
            signed_review: _,
            allowed_signers: _,
            reviewer_trailers: _,
            change_record_trailers: _,
            change_record_formats: _,
            declaration_trailers: _,
        } = e;
        let RecordFormat {
            name: _,
            pattern: _,
            regex: _,
        } = f;
        [
            vec![
                "review",
                "signed_review",
                "allowed_signers",
                "reviewer_trailers",
                "change_record",
                "declaration_trailers",
            ],
            vec!["trailers", "formats"],
            vec!["name", "regex"],
        ]
    }

    fn detect_keys(
        d: &Detect,
        t: &TrailerSignature,
        i: &IdentitySignature,
    ) -> [Vec<&'static str>; 3] {
        let Detect {
            builtin: _,
            trailers: _,
            identities: _,
            labels: _,
            branches: _,
            branch_matcher: _,
        } = d;
        let TrailerSignature {
            key: _,
            values: _,
            involvement: _,
        } = t;
        let IdentitySignature {
            email: _,
            matcher: _,
            involvement: _,
        } = i;
        [
            vec!["builtin", "trailers", "identities", "labels", "branches"],
            vec!["key", "values", "involvement"],
            vec!["email", "involvement"],
        ]
    }

    fn waiver_keys(w: &Waiver) -> Vec<&'static str> {
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
            reason: _,
            approved_by: _,
            requested_by: _,
            expires: _,
            span: _,
        } = w;
        vec![
            "id",
            "commit",
            "paths",
            "rules",
            "codes",
            "reason",
            "approved_by",
            "requested_by",
            "expires",
        ]
    }

    fn hook_keys(h: &Hooks) -> Vec<&'static str> {
        let Hooks {
            commit_msg: _,
            pre_push: _,
        } = h;
        vec!["commit-msg", "pre-push"]
    }

    #[test]
    fn fields_have_schema_keys() {
        let text = include_str!("../../fixtures/authoring/design-example.yml");
        let p = crate::policy::load(
            text,
            Origin::File {
                path: "design-example.yml".into(),
            },
        )
        .unwrap_or_else(|e| panic!("{}", e.render_plain()));
        let (
            Some(tier),
            Some(rule),
            Some(team),
            Some(format),
            Some(trailer),
            Some(identity),
            Some(waiver),
        ) = (
            p.tiers.first(),
            p.rules.first(),
            p.teams.first(),
            p.evidence.change_record_formats.first(),
            p.detect.trailers.first(),
            p.detect.identities.first(),
            p.waivers.first(),
        )
        else {
            panic!("the design example lacks a list item");
        };
        let Some(member) = team.members.first() else {
            panic!("no member");
        };
        let (involvement, extra) = involvement_keys(&p.involvement, &p.involvement.autonomous);
        let (team_k, member_k) = team_keys(team, member);
        let [evidence, record, formats] = evidence_keys(&p.evidence, format);
        let [detect, trailers, identities] = detect_keys(&p.detect, trailer, identity);
        let record_ptr = "/properties/evidence/properties/change_record";
        let checks: Vec<(String, Vec<&str>)> = vec![
            (String::new(), policy_keys(&p)),
            ("/properties/tiers/items".into(), tier_keys(tier)),
            ("/properties/rules/items".into(), rule_keys(rule)),
            ("/properties/protect".into(), protect_keys(&p.protect)),
            ("/properties/involvement".into(), involvement),
            (
                "/properties/involvement/properties/autonomous".into(),
                extra,
            ),
            ("/properties/teams/items".into(), team_k),
            (
                "/properties/teams/items/properties/members/items".into(),
                member_k,
            ),
            ("/properties/evidence".into(), evidence),
            (record_ptr.into(), record),
            (format!("{record_ptr}/properties/formats/items"), formats),
            ("/properties/detect".into(), detect),
            (
                "/properties/detect/properties/trailers/items".into(),
                trailers,
            ),
            (
                "/properties/detect/properties/identities/items".into(),
                identities,
            ),
            ("/properties/waivers/items".into(), waiver_keys(waiver)),
            ("/properties/hooks".into(), hook_keys(&p.hooks)),
        ];
        let s = schema();
        for (ptr, keys) in checks {
            let props = s
                .pointer(&format!("{ptr}/properties"))
                .and_then(Value::as_object)
                .unwrap_or_else(|| panic!("no schema object at {ptr}"));
            for k in keys {
                assert!(props.contains_key(k), "schema at {ptr} lacks `{k}`");
            }
        }
    }
}
