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
                "description": "A commit id prefix (hex, 7 to 64 characters); an all-digit id may be written unquoted.",
                "anyOf": [
                    { "type": "string", "pattern": "^[0-9a-fA-F]{7,64}$" },
                    { "type": "integer", "minimum": 0 }
                ]
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
            "baseline": { "type": "string", "minLength": 1, "description": "Commits reachable from this revision are history, not checked." },
            "hooks": {
                "type": "object",
                "additionalProperties": false,
                "properties": {
                    "commit-msg": { "enum": ["warn", "enforce"], "description": "Default `warn`." },
                    "pre-push": { "enum": ["warn", "enforce"], "description": "Default `enforce`." }
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
            "description": "Risk tiers, least → most risk; a change gets the highest tier of any path it touches.",
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
            "description": "Path globs → tier. Every matching rule counts; the highest tier wins.",
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
                        "description": "Commit id(s), hex, at least 7 characters.",
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
