//! Machine report formats: golden files, SARIF 2.1.0 required properties, well-formed JUnit,
//! GitLab Code Quality fields, GitHub command-injection resistance, Markdown escaping.
//!
//! Golden files live in `fixtures/reports/`. After an intended output change, regenerate them
//! with `UPDATE_GOLDEN=1 cargo test --test it reports::` and review the diff.

use std::path::PathBuf;
use std::sync::Arc;

use countersign::evaluate::{
    CommitReport, Finding, PathTier, PolicyInfo, Report, Requirements, SCHEMA, Summary, Tool,
    Verdict,
};
use countersign::facts::{Identity, RangeInfo};
use countersign::findings::{Code, Severity};
use countersign::policy::pathmatch::PathGlobs;
use countersign::policy::{
    AppliesTo, Detect, Evidence, Hooks, Involvement, InvolvementExtras, Origin, Policy,
    PolicySource, ReviewMode, ReviewModes, Rule, Span, Tier, Waiver, WaiverScope,
};
use countersign::report::{self, Format, Options, codequality, github, junit, markdown, sarif};
use countersign::time::Date;
use globset::GlobSet;
use serde_json::Value;

// ---------------------------------------------------------------------------------------------
// Builders

const POLICY_TEXT: &str = "\
version: 1
tiers:
  - name: low
  - name: high
    reviewers: 2
    change_record: true
rules:
  - name: payments
    paths: [\"src/payments/**\"]
    tier: high
  - name: legacy
    paths: [\"srv/legacy/**\"]
    tier: high
waivers:
  - id: W-2026-001
    commits: [\"c3c3c3c3c3c3\"]
    codes: [missing-reviewer]
    reason: Incident hotfix reviewed after the fact.
    approved_by: Dana Lead <dana@example.com>
    expires: 2026-12-31
";

fn offset_of(needle: &str) -> usize {
    POLICY_TEXT
        .find(needle)
        .expect("needle is in the policy text")
}

fn tier(name: &str, reviewers: u32, change_record: bool) -> Tier {
    Tier {
        name: name.into(),
        description: None,
        reviewers,
        change_record,
        reviewers_from: vec![],
        applies_to: AppliesTo::Ai,
        ai_forbidden: false,
        declaration: false,
        span: Span::new(offset_of(name), name.len()),
    }
}

fn rule(name: &str, glob: &str) -> Rule {
    Rule {
        name: name.into(),
        paths: vec![glob.into()],
        matcher: GlobSet::empty(),
        globs: PathGlobs::default(),
        tier: 1,
        span: Span::new(offset_of(name), name.len()),
        tier_span: Span::default(),
    }
}

fn policy_with(origin: Origin) -> Policy {
    Policy {
        source: PolicySource {
            origin,
            text: Arc::from(POLICY_TEXT),
            digest: "0123456789abcdef0123456789abcdef01234567".into(),
        },
        tiers: vec![tier("low", 0, false), tier("high", 2, true)],
        default_tier: 0,
        rules: vec![
            rule("payments", "src/payments/**"),
            rule("legacy", "srv/legacy/**"),
        ],
        protected: PathGlobs::default(),
        protected_paths: vec![".countersign.yml".into()],
        involvement: InvolvementExtras::default(),
        teams: vec![],
        evidence: Evidence {
            review: ReviewModes::one(ReviewMode::Trailer),
            review_span: None,
            signed_review: Default::default(),
            allowed_signers: None,
            reviewer_trailers: vec!["Reviewed-by".into()],
            change_record_trailers: vec!["Change-Record".into()],
            change_record_formats: vec![],
            declaration_trailers: vec![],
        },
        detect: Detect {
            builtin: true,
            trailers: vec![],
            identities: vec![],
            labels: vec![],
            branches: vec![],
            branch_matcher: GlobSet::empty(),
        },
        waivers: vec![Waiver {
            id: "W-2026-001".into(),
            scope: WaiverScope::default(),
            codes: vec![Code::MissingReviewer],
            reason: "Incident hotfix reviewed after the fact.".into(),
            approved_by: "Dana Lead <dana@example.com>".into(),
            requested_by: None,
            expires: Date::parse("2026-12-31").expect("valid date"),
            span: Span::new(offset_of("W-2026-001"), 10),
        }],
        baseline: None,
        hooks: Hooks::default(),
        protect: Default::default(),
        controls: vec![],
    }
}

fn policy() -> Policy {
    policy_with(Origin::File {
        path: ".countersign.yml".into(),
    })
}

fn finding(code: Code, message: &str, path: Option<&str>, help: Option<&str>) -> Finding {
    let mut f = Finding::new(code, message);
    f.path = path.map(String::from);
    f.help = help.map(String::from);
    f
}

fn commit(
    id: &str,
    subject: &str,
    tier: Option<&str>,
    involvement: Involvement,
    decisive: Option<&str>,
    findings: Vec<Finding>,
) -> CommitReport {
    let mut findings = findings;
    for f in &mut findings {
        f.commit = Some(id.to_string());
    }
    CommitReport {
        id: id.into(),
        subject: subject.into(),
        author: Identity::new("Ann Author", "ann@example.com"),
        committer: Identity::new("Ann Author", "ann@example.com"),
        time: 1_767_225_600,
        merge: false,
        involvement,
        markers: vec![],
        tier: tier.map(String::from),
        rules: vec![],
        paths_changed: 1,
        decisive_path: decisive.map(|p| PathTier {
            path: p.into(),
            tier: tier.unwrap_or("low").into(),
            rule: None,
            matched: vec![],
        }),
        requirements: Requirements::default(),
        reviewers: vec![],
        change_records: vec![],
        declaration: None,
        waivers: vec![],
        findings,
        path_tiers: vec![],
        message: None,
        rule_hits: vec![],
        waiver_hits: vec![],
    }
}

fn summarise(commits: Vec<CommitReport>, run: Vec<Finding>) -> Report {
    let all: Vec<&Finding> = commits
        .iter()
        .flat_map(|c| c.findings.iter())
        .chain(run.iter())
        .collect();
    let errors = all.iter().filter(|f| f.is_blocking()).count();
    let warnings = all
        .iter()
        .filter(|f| f.waived_by.is_none() && f.severity == Severity::Warning)
        .count();
    let waived = all.iter().filter(|f| f.waived_by.is_some()).count();
    Report {
        schema: SCHEMA,
        verdict: if errors > 0 {
            Verdict::Fail
        } else {
            Verdict::Pass
        },
        summary: Summary {
            commits: commits.len(),
            ai_assisted: commits
                .iter()
                .filter(|c| c.involvement != Involvement::None)
                .count(),
            findings: errors + warnings,
            errors,
            warnings,
            waived,
        },
        range: RangeInfo {
            description: "origin/main..HEAD".into(),
            base: Some("b".repeat(40)),
            head: Some("a".repeat(40)),
            branch: Some("feature/retry".into()),
        },
        policy: PolicyInfo {
            source: ".countersign.yml".into(),
            origin: Origin::File {
                path: ".countersign.yml".into(),
            },
            digest: "0123456789abcdef0123456789abcdef01234567".into(),
        },
        tool: Tool {
            name: "countersign",
            version: "0.0.0-test",
        },
        commits,
        findings: run,
    }
}

/// The fixed report behind the golden files.
fn fixture() -> Report {
    let charge = "src/payments/charge.rs";
    let failing = commit(
        "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1",
        "Add retry to the charge flow",
        Some("high"),
        Involvement::Generated,
        Some(charge),
        vec![
            {
                let mut f = finding(
                    Code::MissingReviewer,
                    "tier `high` needs 2 named reviewers; 0 valid",
                    Some(charge),
                    Some("git commit --amend --trailer \"Reviewed-by: Name <email>\""),
                );
                f.policy_span = Some(Span::new(offset_of("high"), 4));
                f.policy_label = Some("tier `high` set here".into());
                f
            },
            finding(
                Code::MissingChangeRecord,
                "tier `high` needs a change record; none found",
                Some(charge),
                Some("git commit --amend --trailer \"Change-Record: CHG0012345\""),
            ),
        ],
    );
    let mut suspicious = finding(
        Code::SuspiciousTrailer,
        "`Reviewed by:` is not read as a trailer (space instead of a hyphen)",
        None,
        Some("write `Reviewed-by: Name <email>` in the final paragraph"),
    );
    suspicious.span = Some(40..75);
    let warned = commit(
        "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2",
        "Tidy logging",
        Some("low"),
        Involvement::Assisted,
        Some("src/log.rs"),
        vec![suspicious],
    );
    let mut waived_f = finding(
        Code::MissingReviewer,
        "tier `high` needs 2 named reviewers; 1 valid",
        Some("src/payments/refund.rs"),
        Some("git commit --amend --trailer \"Reviewed-by: Name <email>\""),
    );
    waived_f.waived_by = Some("W-2026-001".into());
    let waived = commit(
        "c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3",
        "Hotfix refund rounding",
        Some("high"),
        Involvement::Assisted,
        Some("src/payments/refund.rs"),
        vec![waived_f],
    );
    let clean = commit(
        "d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4",
        "Update README",
        Some("low"),
        Involvement::None,
        Some("README.md"),
        vec![],
    );
    let mut unused = finding(
        Code::UnusedRule,
        "rule `legacy` matched no changed path",
        None,
        Some("check the rule's globs with `countersign explain --path PATH`"),
    );
    unused.policy_span = Some(Span::new(offset_of("legacy"), 6));
    unused.policy_label = Some("rule `legacy` defined here".into());
    summarise(vec![failing, warned, waived, clean], vec![unused])
}

const HOSTILE_SUBJECT: &str = "::error::forged\n::warning::x %0A::warning::x 100% <b>&amp;</b> | `tick` @octocat \u{1}\u{b}\r::notice::z";
const HOSTILE_PATH: &str = "src/evil,file:name%0A\n::error::p.rs";
const HOSTILE_MESSAGE: &str = "needs a reviewer\r\n::add-mask::secret\n%0D%0A::error file=x::y";

/// A report whose untrusted text tries to forge workflow commands and break markup.
fn hostile() -> Report {
    let f = finding(
        Code::MissingReviewer,
        HOSTILE_MESSAGE,
        Some(HOSTILE_PATH),
        Some("add `Reviewed-by: <x>` | @team"),
    );
    let w = finding(Code::SuspiciousTrailer, HOSTILE_MESSAGE, None, None);
    let c = commit(
        "e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5",
        HOSTILE_SUBJECT,
        Some("high"),
        Involvement::Autonomous,
        Some(HOSTILE_PATH),
        vec![f, w],
    );
    summarise(vec![c], vec![])
}

// ---------------------------------------------------------------------------------------------
// Golden files

fn golden(name: &str, actual: &str) {
    crate::support::golden(&format!("fixtures/reports/{name}"), actual);
}

#[test]
fn golden_files() {
    let r = fixture();
    let p = policy();
    golden("fixture.sarif", &sarif::render(&r, &p));
    golden("fixture.junit.xml", &junit::render(&r, &p));
    golden("fixture.codequality.json", &codequality::render(&r, &p));
    golden("fixture.github.txt", &github::render(&r, &p));
    golden("fixture.md", &markdown::render(&r, &p));
}

#[test]
fn output_is_deterministic() {
    let p = policy();
    for f in Format::ALL {
        if *f == Format::Human {
            continue;
        }
        let opts = Options {
            color: false,
            verbose: true,
        };
        let a = report::render(&fixture(), &p, *f, opts);
        let b = report::render(&fixture(), &p, *f, opts);
        assert_eq!(a, b, "{f:?}");
    }
}

#[test]
fn formats_parse_and_dispatch() {
    for (name, f) in [
        ("human", Format::Human),
        ("json", Format::Json),
        ("sarif", Format::Sarif),
        ("junit", Format::Junit),
        ("codequality", Format::Codequality),
        ("github", Format::Github),
        ("markdown", Format::Markdown),
    ] {
        assert_eq!(Format::parse(name), Some(f));
        assert_eq!(f.as_str(), name);
    }
    assert_eq!(Format::parse("SARIF"), None);
    assert_eq!(Format::parse("xml"), None);
    let t: report::ReportTarget = "sarif=out/c.sarif".parse().expect("parses");
    assert_eq!(t.format, Format::Sarif);
    let err = "nope=x".parse::<report::ReportTarget>().unwrap_err();
    assert!(
        err.contains("codequality") && err.contains("markdown"),
        "{err}"
    );

    let (r, p) = (fixture(), policy());
    let opts = Options {
        color: false,
        verbose: true,
    };
    assert_eq!(
        report::render(&r, &p, Format::Sarif, opts),
        sarif::render(&r, &p)
    );
    assert_eq!(
        report::render(&r, &p, Format::Junit, opts),
        junit::render(&r, &p)
    );
    assert_eq!(
        report::render(&r, &p, Format::Codequality, opts),
        codequality::render(&r, &p)
    );
    assert_eq!(
        report::render(&r, &p, Format::Github, opts),
        github::render(&r, &p)
    );
    assert_eq!(
        report::render(&r, &p, Format::Markdown, opts),
        markdown::render(&r, &p)
    );
}

// ---------------------------------------------------------------------------------------------
// SARIF

/// Checks the properties SARIF 2.1.0 requires (sarif-schema-2.1.0.json, OASIS errata 01) on
/// every object type we emit, and that no object has a property the schema does not define
/// (the schema sets `additionalProperties: false` on all of them except property bags).
struct SarifCheck {
    errors: Vec<String>,
}

impl SarifCheck {
    fn fail(&mut self, at: &str, what: String) {
        self.errors.push(format!("{at}: {what}"));
    }

    fn obj<'a>(
        &mut self,
        v: &'a Value,
        at: &str,
        required: &[&str],
        allowed: &[&str],
    ) -> Option<&'a serde_json::Map<String, Value>> {
        let Some(o) = v.as_object() else {
            self.fail(at, "not an object".into());
            return None;
        };
        for r in required {
            if !o.contains_key(*r) {
                self.fail(at, format!("required property `{r}` missing"));
            }
        }
        for k in o.keys() {
            if !allowed.contains(&k.as_str()) && !required.contains(&k.as_str()) {
                self.fail(at, format!("property `{k}` is not defined by the schema"));
            }
        }
        Some(o)
    }

    fn string(&mut self, o: &serde_json::Map<String, Value>, key: &str, at: &str) {
        if let Some(v) = o.get(key)
            && !v.is_string()
        {
            self.fail(at, format!("`{key}` is not a string"));
        }
    }

    /// multiformatMessageString: required `text`.
    fn mms(&mut self, v: &Value, at: &str) {
        if let Some(o) = self.obj(v, at, &["text"], &["markdown", "properties"]) {
            self.string(o, "text", at);
        }
    }

    /// message: anyOf required `text` | `id`.
    fn message(&mut self, v: &Value, at: &str) {
        if let Some(o) = self.obj(
            v,
            at,
            &[],
            &["text", "markdown", "id", "arguments", "properties"],
        ) {
            if !o.contains_key("text") && !o.contains_key("id") {
                self.fail(at, "message needs `text` or `id`".into());
            }
            self.string(o, "text", at);
        }
    }

    fn log(&mut self, v: &Value) -> usize {
        let Some(o) = self.obj(
            v,
            "sarifLog",
            &["version", "runs"],
            &["$schema", "inlineExternalProperties", "properties"],
        ) else {
            return 0;
        };
        if o.get("version").and_then(Value::as_str) != Some("2.1.0") {
            self.fail("sarifLog", "version is not \"2.1.0\"".into());
        }
        let Some(runs) = o.get("runs").and_then(Value::as_array) else {
            self.fail("sarifLog", "runs is not an array".into());
            return 0;
        };
        let mut n = 0;
        for (i, run) in runs.iter().enumerate() {
            n += self.run(run, &format!("runs[{i}]"));
        }
        n
    }

    fn run(&mut self, v: &Value, at: &str) -> usize {
        let Some(o) = self.obj(v, at, &["tool"], &["results", "properties", "invocations"]) else {
            return 0;
        };
        let mut rule_ids = Vec::new();
        if let Some(tool) = o.get("tool")
            && let Some(t) = self.obj(
                tool,
                &format!("{at}.tool"),
                &["driver"],
                &["extensions", "properties"],
            )
            && let Some(driver) = t.get("driver")
        {
            let dat = format!("{at}.tool.driver");
            if let Some(d) = self.obj(
                driver,
                &dat,
                &["name"],
                &[
                    "version",
                    "semanticVersion",
                    "informationUri",
                    "rules",
                    "properties",
                ],
            ) {
                self.string(d, "name", &dat);
                for (i, r) in d
                    .get("rules")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .enumerate()
                {
                    let rat = format!("{dat}.rules[{i}]");
                    let Some(ro) = self.obj(
                        r,
                        &rat,
                        &["id"],
                        &[
                            "name",
                            "shortDescription",
                            "fullDescription",
                            "help",
                            "helpUri",
                            "defaultConfiguration",
                            "properties",
                        ],
                    ) else {
                        continue;
                    };
                    self.string(ro, "id", &rat);
                    rule_ids.push(
                        ro.get("id")
                            .and_then(Value::as_str)
                            .unwrap_or("")
                            .to_string(),
                    );
                    for k in ["shortDescription", "fullDescription", "help"] {
                        if let Some(m) = ro.get(k) {
                            self.mms(m, &format!("{rat}.{k}"));
                        }
                    }
                    if let Some(c) = ro.get("defaultConfiguration")
                        && let Some(co) = self.obj(
                            c,
                            &format!("{rat}.defaultConfiguration"),
                            &[],
                            &["enabled", "level", "rank", "parameters", "properties"],
                        )
                        && !matches!(
                            co.get("level").and_then(Value::as_str),
                            Some("none" | "note" | "warning" | "error")
                        )
                    {
                        self.fail(&rat, "bad defaultConfiguration.level".into());
                    }
                }
            }
        }
        let results = o.get("results").and_then(Value::as_array);
        for (i, r) in results.into_iter().flatten().enumerate() {
            self.result(r, &format!("{at}.results[{i}]"), &rule_ids);
        }
        results.map_or(0, Vec::len)
    }

    fn result(&mut self, v: &Value, at: &str, rule_ids: &[String]) {
        let Some(o) = self.obj(
            v,
            at,
            &["message"],
            &[
                "ruleId",
                "ruleIndex",
                "level",
                "locations",
                "relatedLocations",
                "partialFingerprints",
                "suppressions",
                "properties",
            ],
        ) else {
            return;
        };
        if let Some(m) = o.get("message") {
            self.message(m, &format!("{at}.message"));
        }
        if !matches!(
            o.get("level").and_then(Value::as_str),
            Some("none" | "note" | "warning" | "error")
        ) {
            self.fail(at, "bad level".into());
        }
        let id = o.get("ruleId").and_then(Value::as_str);
        let index = o.get("ruleIndex").and_then(Value::as_u64);
        match (id, index) {
            (Some(id), Some(ix)) => {
                if rule_ids.get(ix as usize).map(String::as_str) != Some(id) {
                    self.fail(at, format!("ruleIndex {ix} does not point at rule `{id}`"));
                }
            }
            _ => self.fail(at, "ruleId/ruleIndex missing".into()),
        }
        match o.get("partialFingerprints").and_then(Value::as_object) {
            Some(fp) if !fp.is_empty() && fp.values().all(Value::is_string) => {}
            _ => self.fail(
                at,
                "partialFingerprints missing or not string-valued".into(),
            ),
        }
        let located = ["locations", "relatedLocations"]
            .into_iter()
            .flat_map(|key| {
                o.get(key)
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .enumerate()
                    .map(move |(i, l)| (format!("{at}.{key}[{i}]"), l))
            });
        for (lat, l) in located {
            let Some(lo) = self.obj(
                l,
                &lat,
                &[],
                &[
                    "id",
                    "physicalLocation",
                    "logicalLocations",
                    "message",
                    "properties",
                ],
            ) else {
                continue;
            };
            if let Some(m) = lo.get("message") {
                self.message(m, &format!("{lat}.message"));
            }
            let Some(pl) = lo.get("physicalLocation") else {
                continue;
            };
            let pat = format!("{lat}.physicalLocation");
            let Some(po) = self.obj(
                pl,
                &pat,
                &[],
                &[
                    "address",
                    "artifactLocation",
                    "region",
                    "contextRegion",
                    "properties",
                ],
            ) else {
                continue;
            };
            if !po.contains_key("address") && !po.contains_key("artifactLocation") {
                self.fail(&pat, "needs `address` or `artifactLocation`".into());
            }
            if let Some(a) = po.get("artifactLocation")
                && let Some(ao) = self.obj(
                    a,
                    &format!("{pat}.artifactLocation"),
                    &[],
                    &["uri", "uriBaseId", "index", "description", "properties"],
                )
            {
                match ao.get("uri").and_then(Value::as_str) {
                    Some(u) if !u.is_empty() && !u.contains(' ') && !u.contains('\n') => {}
                    other => self.fail(&pat, format!("bad uri {other:?}")),
                }
            }
            if let Some(r) = po.get("region")
                && let Some(ro) = self.obj(
                    r,
                    &format!("{pat}.region"),
                    &[],
                    &[
                        "startLine",
                        "startColumn",
                        "endLine",
                        "endColumn",
                        "charOffset",
                        "byteOffset",
                        "message",
                        "properties",
                    ],
                )
            {
                match ro.get("startLine").and_then(Value::as_u64) {
                    Some(n) if n >= 1 => {}
                    other => self.fail(&pat, format!("region.startLine {other:?} is not ≥ 1")),
                }
            }
        }
        for (i, s) in o
            .get("suppressions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let sat = format!("{at}.suppressions[{i}]");
            if let Some(so) = self.obj(
                s,
                &sat,
                &["kind"],
                &["guid", "status", "justification", "location", "properties"],
            ) && !matches!(
                so.get("kind").and_then(Value::as_str),
                Some("inSource" | "external")
            ) {
                self.fail(&sat, "kind is not inSource|external".into());
            }
        }
    }
}

fn check_sarif(text: &str) -> (usize, Value) {
    let v: Value = serde_json::from_str(text).expect("SARIF is JSON");
    let mut c = SarifCheck { errors: vec![] };
    let n = c.log(&v);
    assert!(
        c.errors.is_empty(),
        "SARIF violations:\n{}",
        c.errors.join("\n")
    );
    (n, v)
}

#[test]
fn sarif_has_every_required_property() {
    let (n, v) = check_sarif(&sarif::render(&fixture(), &policy()));
    assert_eq!(n, 5, "one result per finding, waived included");
    assert_eq!(v["$schema"], sarif::SCHEMA_URI);
    let rules = v["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules");
    assert_eq!(rules.len(), Code::ALL.len());
    assert_eq!(rules[1]["id"], "missing-reviewer");
    assert_eq!(rules[1]["name"], "MissingReviewer");
    assert_eq!(rules[1]["defaultConfiguration"]["level"], "error");
    assert_eq!(rules[7]["defaultConfiguration"]["level"], "warning");
    // The hostile report is still valid SARIF.
    check_sarif(&sarif::render(&hostile(), &policy()));
    // So is a report on the embedded policy (no file to point at).
    check_sarif(&sarif::render(&fixture(), &policy_with(Origin::Embedded)));
}

#[test]
fn sarif_checker_catches_violations() {
    // The checker must be able to fail: drop a required property and add an unknown one.
    let mut v: Value = serde_json::from_str(&sarif::render(&fixture(), &policy())).expect("JSON");
    v["runs"][0]["results"][0]
        .as_object_mut()
        .expect("object")
        .remove("message");
    v["runs"][0]["results"][1]["ruleIndex"] = Value::from(0);
    v["runs"][0]["results"][2]["locations"][0]["physicalLocation"]["region"]["startLine"] =
        Value::from(0);
    v["runs"][0]["tool"]["driver"]["bogus"] = Value::from(1);
    let mut c = SarifCheck { errors: vec![] };
    c.log(&v);
    let all = c.errors.join("\n");
    assert!(all.contains("required property `message` missing"), "{all}");
    assert!(all.contains("ruleIndex 0 does not point"), "{all}");
    assert!(all.contains("startLine"), "{all}");
    assert!(all.contains("`bogus`"), "{all}");
}

#[test]
fn sarif_results_levels_locations_and_fingerprints() {
    let (_, v) = check_sarif(&sarif::render(&fixture(), &policy()));
    let results = v["runs"][0]["results"].as_array().expect("results");
    let r0 = &results[0];
    assert_eq!(r0["ruleId"], "missing-reviewer");
    assert_eq!(r0["level"], "error");
    let text = r0["message"]["text"].as_str().expect("text");
    assert!(text.contains("a1a1a1a1a1a1") && text.contains("Add retry to the charge flow"));
    assert_eq!(
        r0["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "src/payments/charge.rs"
    );
    assert_eq!(r0["properties"]["commit"], "a1".repeat(20));
    // The policy line that decided is a related location (tier `high` is on line 4).
    let rel = &r0["relatedLocations"][0];
    assert_eq!(
        rel["physicalLocation"]["artifactLocation"]["uri"],
        ".countersign.yml"
    );
    assert_eq!(rel["physicalLocation"]["region"]["startLine"], 4);
    assert_eq!(rel["message"]["text"], "tier `high` set here");
    assert!(results[1].get("relatedLocations").is_none());
    // The commit-level warning without a path points at the commit's decisive path.
    assert_eq!(results[2]["ruleId"], "suspicious-trailer");
    assert_eq!(results[2]["level"], "warning");
    assert_eq!(
        results[2]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "src/log.rs"
    );
    // Waived: a note with an external suppression naming the waiver.
    assert_eq!(results[3]["level"], "note");
    assert_eq!(results[3]["suppressions"][0]["kind"], "external");
    assert_eq!(
        results[3]["suppressions"][0]["justification"],
        "waived by W-2026-001"
    );
    // The run-level unused-rule points at the policy line of rule `legacy` (line 11).
    let loc = &results[4]["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], ".countersign.yml");
    assert_eq!(loc["region"]["startLine"], 11);
    assert_eq!(
        POLICY_TEXT.lines().nth(10).expect("line 11"),
        "  - name: legacy"
    );
    // Fingerprints: present, unique, stable across renders.
    let fps: Vec<String> = results
        .iter()
        .map(|r| {
            r["partialFingerprints"][sarif::FINGERPRINT_KEY]
                .as_str()
                .expect("fp")
                .to_string()
        })
        .collect();
    let mut uniq = fps.clone();
    uniq.sort();
    uniq.dedup();
    assert_eq!(uniq.len(), fps.len());
    assert!(
        fps.iter()
            .all(|f| f.len() == 16 && f.chars().all(|c| c.is_ascii_hexdigit()))
    );
    // Embedded policy: the run-level finding has no location at all.
    let (_, e) = check_sarif(&sarif::render(&fixture(), &policy_with(Origin::Embedded)));
    assert!(e["runs"][0]["results"][4].get("locations").is_none());
}

#[test]
fn sarif_uris_are_percent_encoded() {
    assert_eq!(sarif::uri_encode("src/a b#c%.rs"), "src/a%20b%23c%25.rs");
    assert_eq!(sarif::uri_encode("docs/ü.md"), "docs/%C3%BC.md");
    assert_eq!(
        sarif::pascal_case("marker-outside-trailers"),
        "MarkerOutsideTrailers"
    );
}

// ---------------------------------------------------------------------------------------------
// JUnit: a tiny well-formedness checker (tags balance, attributes quoted and unique, entities
// known, only XML 1.0 characters).

fn xml_char_ok(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

fn check_text(s: &str) -> Result<(), String> {
    if let Some(c) = s.chars().find(|c| !xml_char_ok(*c)) {
        return Err(format!("illegal XML character {:?}", c));
    }
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        let after = &rest[i + 1..];
        let end = after.find(';').ok_or("unterminated entity")?;
        let ent = &after[..end];
        let ok = matches!(ent, "amp" | "lt" | "gt" | "quot" | "apos")
            || ent
                .strip_prefix('#')
                .and_then(|n| n.parse::<u32>().ok())
                .and_then(char::from_u32)
                .is_some_and(xml_char_ok);
        if !ok {
            return Err(format!("bad entity &{ent};"));
        }
        rest = &after[end + 1..];
    }
    if s.contains('<') {
        return Err("raw `<` in text".into());
    }
    Ok(())
}

/// Returns the element names in document order, or an error.
fn well_formed(xml: &str) -> Result<Vec<String>, String> {
    let body = xml
        .strip_prefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
        .ok_or("missing XML declaration")?;
    let mut stack: Vec<String> = Vec::new();
    let mut names = Vec::new();
    let mut rest = body;
    let mut roots = 0;
    while !rest.is_empty() {
        let lt = rest.find('<').unwrap_or(rest.len());
        let text = &rest[..lt];
        if stack.is_empty() && !text.trim().is_empty() {
            return Err(format!("text outside the root: {text:?}"));
        }
        check_text(text)?;
        rest = &rest[lt..];
        if rest.is_empty() {
            break;
        }
        let gt = rest.find('>').ok_or("unterminated tag")?;
        let tag = &rest[1..gt];
        rest = &rest[gt + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            let open = stack.pop().ok_or(format!("stray </{name}>"))?;
            if open != name {
                return Err(format!("</{name}> closes <{open}>"));
            }
            continue;
        }
        let self_closing = tag.ends_with('/');
        let tag = tag.trim_end_matches('/');
        let name_end = tag.find(char::is_whitespace).unwrap_or(tag.len());
        let name = &tag[..name_end];
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(format!("bad element name {name:?}"));
        }
        // Attributes: name="value" pairs, unique names, values checked as text.
        let mut attrs = tag[name_end..].trim();
        let mut seen = Vec::new();
        while !attrs.is_empty() {
            let eq = attrs
                .find("=\"")
                .ok_or(format!("bad attribute in <{name}>"))?;
            let an = attrs[..eq].trim();
            if seen.contains(&an) {
                return Err(format!("duplicate attribute {an}"));
            }
            seen.push(an);
            let after = &attrs[eq + 2..];
            let close = after.find('"').ok_or("unterminated attribute")?;
            check_text(&after[..close])?;
            attrs = after[close + 1..].trim_start();
        }
        if stack.is_empty() {
            roots += 1;
        }
        names.push(name.to_string());
        if !self_closing {
            stack.push(name.to_string());
        }
    }
    if !stack.is_empty() {
        return Err(format!("unclosed elements {stack:?}"));
    }
    if roots != 1 {
        return Err(format!("{roots} root elements"));
    }
    Ok(names)
}

#[test]
fn junit_is_well_formed_and_counts() {
    let xml = junit::render(&fixture(), &policy());
    let names = well_formed(&xml).expect("well-formed");
    assert_eq!(names.iter().filter(|n| *n == "testsuite").count(), 1);
    assert_eq!(names.iter().filter(|n| *n == "testcase").count(), 5);
    assert_eq!(names.iter().filter(|n| *n == "failure").count(), 2);
    assert!(xml.contains(
        "<testsuite name=\"countersign\" tests=\"5\" failures=\"1\" errors=\"0\" skipped=\"0\">"
    ));
    assert!(xml.contains("classname=\"high\" name=\"a1a1a1a1a1a1 Add retry to the charge flow\""));
    assert!(xml.contains("type=\"missing-reviewer\""));
    assert!(xml.contains("type=\"missing-change-record\""));
    assert!(xml.contains("<system-out>waived by W-2026-001: missing-reviewer"));
    assert!(xml.contains("<system-out>warning: suspicious-trailer"));
    assert!(xml.contains("classname=\"policy\" name=\".countersign.yml\""));
}

#[test]
fn junit_escapes_hostile_text() {
    let xml = junit::render(&hostile(), &policy());
    let names = well_formed(&xml).unwrap_or_else(|e| panic!("{e}\n{xml}"));
    assert_eq!(names.iter().filter(|n| *n == "failure").count(), 1);
    assert!(!xml.contains('\u{1}') && !xml.contains('\u{b}'));
    assert!(xml.contains("&lt;b&gt;&amp;amp;&lt;/b&gt;"));
    // The checker itself rejects broken documents.
    assert!(well_formed("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<a><b></a></b>").is_err());
    assert!(well_formed("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<a>x & y</a>").is_err());
    assert!(well_formed("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<a>\u{1}</a>").is_err());
    assert!(
        well_formed("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<a x=\"1\" x=\"2\"/>").is_err()
    );
    assert_eq!(
        junit::escape("a\u{0}b\u{FFFE}", false),
        "a\u{FFFD}b\u{FFFD}"
    );
    assert_eq!(junit::escape("l1\nl2\t\"", true), "l1&#10;l2&#9;&quot;");
}

// ---------------------------------------------------------------------------------------------
// GitLab Code Quality

#[test]
fn codequality_fields_and_severities() {
    let v: Value = serde_json::from_str(&codequality::render(&fixture(), &policy())).expect("JSON");
    let issues = v.as_array().expect("one JSON array");
    assert_eq!(issues.len(), 5);
    let mut fps = Vec::new();
    for i in issues {
        assert!(i["description"].is_string());
        assert!(i["check_name"].is_string());
        assert!(matches!(
            i["severity"].as_str(),
            Some("info" | "minor" | "major" | "critical" | "blocker")
        ));
        assert!(
            i["location"]["path"]
                .as_str()
                .is_some_and(|p| !p.is_empty())
        );
        assert!(
            i["location"]["lines"]["begin"]
                .as_u64()
                .is_some_and(|n| n >= 1)
        );
        fps.push(i["fingerprint"].as_str().expect("fingerprint").to_string());
    }
    let mut uniq = fps.clone();
    uniq.sort();
    uniq.dedup();
    assert_eq!(uniq.len(), fps.len(), "fingerprints are unique");
    let sev: Vec<&str> = issues
        .iter()
        .map(|i| i["severity"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(sev, ["major", "major", "minor", "info", "minor"]);
    assert_eq!(issues[0]["check_name"], "missing-reviewer");
    assert_eq!(issues[0]["location"]["path"], "src/payments/charge.rs");
    assert_eq!(issues[4]["location"]["path"], ".countersign.yml");
    assert_eq!(issues[4]["location"]["lines"]["begin"], 11);
    // No BOM.
    assert!(!codequality::render(&fixture(), &policy()).starts_with('\u{FEFF}'));

    // ai-forbidden is critical; an embedded policy's run-level finding points at `.`.
    let f = finding(
        Code::AiForbidden,
        "AI on a forbidden path",
        Some("src/crypto/aes.rs"),
        None,
    );
    let r = summarise(
        vec![commit(
            "f6".repeat(20).as_str(),
            "x",
            Some("high"),
            Involvement::Generated,
            None,
            vec![f],
        )],
        vec![finding(Code::UnusedWaiver, "waiver unused", None, None)],
    );
    let v: Value = serde_json::from_str(&codequality::render(&r, &policy_with(Origin::Embedded)))
        .expect("JSON");
    assert_eq!(v[0]["severity"], "critical");
    assert_eq!(v[1]["location"]["path"], ".");
}

#[test]
fn fingerprints_stay_unique_for_repeated_findings() {
    // Two findings with the same code on the same commit and no path.
    let a = finding(Code::SuspiciousTrailer, "one", None, None);
    let b = finding(Code::SuspiciousTrailer, "two", None, None);
    let r = summarise(
        vec![commit(
            "ab".repeat(20).as_str(),
            "x",
            None,
            Involvement::None,
            None,
            vec![a, b],
        )],
        vec![],
    );
    let v: Value = serde_json::from_str(&codequality::render(&r, &policy())).expect("JSON");
    assert_ne!(v[0]["fingerprint"], v[1]["fingerprint"]);
}

// ---------------------------------------------------------------------------------------------
// GitHub workflow commands

fn unescape(s: &str) -> String {
    s.replace("%0A", "\n")
        .replace("%0D", "\r")
        .replace("%3A", ":")
        .replace("%2C", ",")
        .replace("%25", "%")
}

/// Splits `::cmd props::data` the way the runner does: the first `::` after the command ends
/// the properties.
fn parse_command(line: &str) -> (String, Vec<(String, String)>, String) {
    let body = line.strip_prefix("::").expect("starts with ::");
    let sep = body.find("::").expect("has ::");
    let (head, data) = (&body[..sep], &body[sep + 2..]);
    let (cmd, props) = head.split_once(' ').unwrap_or((head, ""));
    let props = props
        .split(',')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').expect("k=v");
            (k.to_string(), unescape(v))
        })
        .collect();
    (cmd.to_string(), props, unescape(data))
}

#[test]
fn github_annotations_cannot_be_forged() {
    let out = github::render(&hostile(), &policy());
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "one error, one warning, one notice:\n{out}");
    assert!(lines[0].starts_with("::error file="));
    assert!(lines[1].starts_with("::warning "));
    assert!(lines[2].starts_with("::notice title=countersign::"));
    // No CR anywhere, and `::` only where we put it.
    assert!(!out.contains('\r'));
    for l in &lines {
        assert!(l.matches("::").count() >= 2);
    }
    // Round trip: the runner recovers the untrusted text, with control characters other than
    // CR/LF (which are percent-encoded) neutralised (issue 11, class 12: the job log renders
    // escapes).
    assert!(!out.contains('\u{1}') && !out.contains('\u{b}'));
    let (cmd, props, data) = parse_command(lines[0]);
    assert_eq!(cmd, "error");
    assert_eq!(props[0], ("file".to_string(), HOSTILE_PATH.to_string()));
    assert_eq!(props[1], ("line".to_string(), "1".to_string()));
    assert_eq!(props[2].0, "title");
    assert_eq!(
        data,
        format!(
            "Commit e5e5e5e5e5e5 \"{}\": {HOSTILE_MESSAGE}\nFix: add `Reviewed-by: <x>` | @team",
            HOSTILE_SUBJECT.replace(['\u{1}', '\u{b}'], "?")
        )
    );
    // A property value cannot end the property list or the command.
    assert!(!lines[0].split("::").nth(1).unwrap_or("").contains(':'));
}

#[test]
fn github_escaping_rules() {
    assert_eq!(github::escape_data("a%b\r\nc:d,e"), "a%25b%0D%0Ac:d,e");
    assert_eq!(
        github::escape_property("a%b\r\nc:d,e"),
        "a%25b%0D%0Ac%3Ad%2Ce"
    );
    assert_eq!(github::escape_data("%0A"), "%250A");
    for s in ["::error::x", "%0A::warning::x", "100%\n\r::", ",:,:%%"] {
        assert_eq!(unescape(&github::escape_data(s)), s);
        assert_eq!(unescape(&github::escape_property(s)), s);
    }
}

#[test]
fn github_caps_annotations_at_ten_each() {
    let errs: Vec<Finding> = (0..13)
        .map(|i| finding(Code::MissingReviewer, &format!("e{i}"), Some("a.rs"), None))
        .collect();
    let warns: Vec<Finding> = (0..12)
        .map(|i| finding(Code::SuspiciousTrailer, &format!("w{i}"), None, None))
        .collect();
    let mut all = warns;
    all.extend(errs); // warnings first in the report: errors must still come first
    let r = summarise(
        vec![commit(
            "ab".repeat(20).as_str(),
            "s",
            Some("high"),
            Involvement::Assisted,
            Some("a.rs"),
            all,
        )],
        vec![],
    );
    let out = github::render(&r, &policy());
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines.iter().filter(|l| l.starts_with("::error ")).count(),
        10
    );
    assert_eq!(
        lines.iter().filter(|l| l.starts_with("::warning ")).count(),
        10
    );
    assert!(lines[..10].iter().all(|l| l.starts_with("::error ")));
    assert!(lines[0].ends_with("e0"));
    let last = lines.last().expect("notice");
    assert!(last.starts_with("::notice "));
    assert!(last.contains("5 more finding(s) not annotated"), "{last}");
    assert!(last.contains("13 errors"), "{last}");
}

#[test]
fn github_outputs_use_safe_heredocs() {
    let r = fixture();
    let evil = PathBuf::from("out/x.sarif\nverdict=pass\nghadelimiter_");
    let out = github::outputs(
        &r,
        &[
            ("sarif".into(), evil.clone()),
            ("junit".into(), PathBuf::from("out/countersign.xml")),
            ("bad name=x\n".into(), PathBuf::from("p")),
        ],
    );
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "verdict=fail");
    // Parse like the runner: NAME<<DELIM, lines up to DELIM.
    let mut i = 1;
    let mut got = Vec::new();
    while i < lines.len() {
        let (name, delim) = lines[i].split_once("<<").expect("heredoc form");
        let end = lines[i + 1..]
            .iter()
            .position(|l| *l == delim)
            .expect("delimiter closes")
            + i
            + 1;
        got.push((name.to_string(), lines[i + 1..end].join("\n")));
        assert!(!lines[i + 1..end].join("\n").contains(delim));
        i = end + 1;
    }
    assert_eq!(
        got,
        [
            (
                "sarif-report".to_string(),
                evil.to_string_lossy().to_string()
            ),
            (
                "junit-report".to_string(),
                "out/countersign.xml".to_string()
            ),
            ("bad_name_x_-report".to_string(), "p".to_string()),
        ]
    );
    assert!(github::outputs(&summarise(vec![], vec![]), &[]).starts_with("verdict=pass\n"));
    assert_eq!(
        github::step_summary(&r, &policy()),
        markdown::render(&r, &policy())
    );
}

// ---------------------------------------------------------------------------------------------
// Markdown

#[test]
fn markdown_escapes_untrusted_text() {
    let md = markdown::render(&hostile(), &policy());
    assert!(!md.contains("<b>"), "{md}");
    assert!(!md.contains("@octocat") && md.contains("@&#8203;octocat"));
    assert!(!md.contains("@team"));
    assert!(md.contains("\\| \\`tick\\`"));
    assert!(!md.contains('\u{1}') && !md.contains('\r'));
    // Every table row keeps its five cells: the subject's `|` cannot add one.
    for row in md.lines().filter(|l| l.starts_with("| `e5e5")) {
        let cells = row.replace("\\|", "").matches('|').count();
        assert_eq!(cells, 6, "{row}");
    }
    // The hostile path is not put in a code span (it has characters unsafe there).
    assert!(!md.contains(&format!("`{HOSTILE_PATH}`")));
    assert_eq!(
        markdown::escape("a\nb|c<d>&@e"),
        "a b\\|c&lt;d&gt;&amp;@&#8203;e"
    );
}

#[test]
fn markdown_contents() {
    let md = markdown::render(&fixture(), &policy());
    assert!(md.starts_with("## ❌ countersign: fail\n"));
    assert!(md.contains("| 4 | 3 | 2 | 2 | 1 |"));
    assert!(md.contains("| `a1a1a1a1a1a1` | Add retry to the charge flow | `high` | generated |"));
    assert!(md.contains("git commit --amend --trailer \"Reviewed-by: Name &lt;email&gt;\""));
    assert!(
        !md.contains("| `d4d4d4d4d4d4`"),
        "clean commits are not listed"
    );
    assert!(md.contains("### Waived"));
    assert!(md.contains("waived by `W-2026-001`"));
    let pass = markdown::render(&summarise(vec![], vec![]), &policy());
    assert!(pass.starts_with("## ✅ countersign: pass\n"));
}

#[test]
fn markdown_is_capped() {
    let many: Vec<CommitReport> = (0..400)
        .map(|i| {
            commit(
                &format!("{i:040x}"),
                &"long subject ".repeat(20),
                Some("high"),
                Involvement::Generated,
                Some("a.rs"),
                vec![finding(
                    Code::MissingReviewer,
                    &"m".repeat(200),
                    Some("a.rs"),
                    Some("fix"),
                )],
            )
        })
        .collect();
    let r = summarise(many, vec![]);
    let full = markdown::render(&r, &policy());
    assert!(full.len() > 100_000);
    let cut = markdown::render_limited(&r, 10_000);
    assert!(cut.len() <= 10_000, "{}", cut.len());
    assert!(cut.ends_with("the JSON or SARIF report has every finding.\n"));
    assert!(cut.starts_with("## ❌ countersign: fail\n"));
}
