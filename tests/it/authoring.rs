//! Policy authoring end to end: `init`, `policy check | show | schema | diff`, `explain`.

use crate::support;

use std::path::Path;
use std::time::{Duration, Instant};

use countersign::policy::diff::{Area, Effect, compare, comparison_paths};
use countersign::policy::load::DEFAULT_POLICY;
use countersign::policy::{Origin, Policy, lint, load, schema, show};
use serde_json::Value;
use support::TestRepo;

const BIN: &str = env!("CARGO_BIN_EXE_countersign");

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(repo: &TestRepo, args: &[&str]) -> Run {
    let out = repo
        .command(BIN)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("run countersign");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn fixture(name: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/authoring")
        .join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn file(name: &str) -> Origin {
    Origin::File {
        path: name.to_string(),
    }
}

fn must_load(text: &str, name: &str) -> Policy {
    load(text, file(name)).unwrap_or_else(|e| panic!("{name}:\n{}", e.render_plain()))
}

fn rule_paths(p: &Policy, name: &str) -> Option<Vec<String>> {
    p.rules
        .iter()
        .find(|r| r.name == name)
        .map(|r| r.paths.clone())
}

// ---------------------------------------------------------------- init

fn init_repo(files: &[(&str, &str)]) -> TestRepo {
    let mut r = TestRepo::new();
    if !files.is_empty() {
        r.commit_files("Initial import", files);
    }
    r
}

fn written_policy(r: &TestRepo) -> (String, Policy) {
    let text = std::fs::read_to_string(r.path().join(".countersign.yml")).expect("written");
    let p = must_load(&text, ".countersign.yml");
    (text, p)
}

/// The default policy's globs of rule `name`.
fn default_rule(name: &str) -> Vec<String> {
    rule_paths(&must_load(DEFAULT_POLICY, "default.yml"), name).expect("default rule")
}

#[test]
fn init_rust_repository() {
    let r = init_repo(&[
        ("Cargo.toml", "[package]\n"),
        ("Cargo.lock", "\n"),
        ("src/main.rs", "fn main() {}\n"),
        ("src/crypto/aead.rs", "\n"),
        (".github/workflows/ci.yml", "on: push\n"),
        ("README.md", "# x\n"),
    ]);
    let out = run(&r, &["init"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("countersign hook install"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("countersign ci"), "{}", out.stdout);
    let (text, p) = written_policy(&r);
    assert!(
        text.starts_with("# yaml-language-server: $schema=https://"),
        "{text}"
    );
    assert!(text.contains("\n# "), "the file is commented");
    // Every rule of the default, every glob kept, whether it matches here or not.
    let d = must_load(DEFAULT_POLICY, "default.yml");
    let names: Vec<&str> = p.rules.iter().map(|r| r.name.as_str()).collect();
    let default_names: Vec<&str> = d.rules.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, default_names);
    for rule in &d.rules {
        assert_eq!(
            rule_paths(&p, &rule.name),
            Some(rule.paths.clone()),
            "{}",
            rule.name
        );
    }
    // The comments say what each rule covers here.
    assert!(
        text.contains("lockfiles and build-tool wrappers; 2 file(s) here, e.g. `Cargo.lock`,"),
        "{text}"
    );
    assert!(
        text.contains("1 file(s) here, e.g. `src/crypto/aead.rs`"),
        "{text}"
    );
    assert!(
        text.contains("database migrations; nothing here yet; kept so these paths are covered"),
        "{text}"
    );
    // What `init` wrote passes `policy check` once committed, with one warning: the `trailer`
    // review mode it starts with is self-asserted (default globs that match nothing yet are
    // preventive, not typos, and not reported).
    let mut r = r;
    r.git(&["add", "-A"]);
    r.commit("Add policy");
    let chk = run(&r, &["policy", "check"]);
    assert_eq!(chk.code, 0, "{}", chk.stderr);
    assert!(chk.stderr.contains("is self-asserted"), "{}", chk.stderr);
    assert!(
        chk.stdout.contains("1 warning(s)"),
        "{}\n{}",
        chk.stdout,
        chk.stderr
    );
}

#[test]
fn init_node_terraform_repository() {
    let r = init_repo(&[
        ("package.json", "{}\n"),
        ("package-lock.json", "{}\n"),
        ("web/src/index.js", "\n"),
        ("infra/main.tf", "\n"),
        ("modules/vpc/vpc.tf", "\n"),
        ("db/migrations/001_init.sql", "\n"),
        ("Dockerfile", "FROM scratch\n"),
        (".gitlab-ci.yml", "test: {}\n"),
    ]);
    let out = run(&r, &["init"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let (text, p) = written_policy(&r);
    assert!(
        text.contains("# Top-level folders found: db/ infra/ modules/ web/"),
        "{text}"
    );
    assert_eq!(
        rule_paths(&p, "dependencies"),
        Some(default_rule("dependencies"))
    );
    // Kept although nothing matches it yet: a later `k8s/` folder is high risk from day one.
    assert!(
        rule_paths(&p, "infrastructure")
            .expect("infrastructure")
            .contains(&"**/k8s/**".to_string())
    );
    // Not narrowed to `db/migrations/**`: a second migrations folder is covered too.
    assert_eq!(
        rule_paths(&p, "migrations"),
        Some(default_rule("migrations"))
    );
    assert_eq!(rule_paths(&p, "security"), Some(default_rule("security")));
    assert!(
        text.contains("# - name: restricted"),
        "an example is left commented"
    );
}

#[test]
fn init_empty_repository_and_force() {
    let r = init_repo(&[]);
    let out = run(&r, &["init"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let (text, p) = written_policy(&r);
    assert_eq!(p.rules.len(), must_load(DEFAULT_POLICY, "d").rules.len());
    assert_eq!(p.tiers.len(), 3);
    assert_eq!(p.tiers[p.default_tier].name, "standard");
    // No history: no baseline, and nothing said about one.
    assert_eq!(p.baseline, None);
    assert!(text.contains("# baseline: (none"), "{text}");
    assert!(!out.stderr.contains("baseline"), "{}", out.stderr);

    // Never overwrite without --force: exit 2 with the hint, file untouched.
    std::fs::write(r.path().join(".countersign.yml"), "# mine\n").expect("write");
    let again = run(&r, &["init"]);
    assert_eq!(again.code, 2);
    assert!(again.stderr.contains("already exists"), "{}", again.stderr);
    assert!(again.stderr.contains("--force"), "{}", again.stderr);
    let kept = std::fs::read_to_string(r.path().join(".countersign.yml")).expect("read");
    assert_eq!(kept, "# mine\n");

    let forced = run(&r, &["init", "--force"]);
    assert_eq!(forced.code, 0, "{}", forced.stderr);
    let (text2, _) = written_policy(&r);
    assert_eq!(text2, text);
}

/// The three repository shapes of issue 14: an empty repository, an app with CI, a monorepo
/// with Helm charts and migrations.
fn shapes() -> Vec<(&'static str, TestRepo)> {
    vec![
        ("empty", init_repo(&[])),
        (
            "app",
            init_repo(&[
                ("Cargo.toml", "[package]\n"),
                ("Cargo.lock", "\n"),
                ("src/main.rs", "fn main() {}\n"),
                ("web/package.json", "{}\n"),
                ("web/src/index.js", "\n"),
                (".github/workflows/ci.yml", "on: push\n"),
                (".github/dependabot.yml", "version: 2\n"),
                ("README.md", "# x\n"),
            ]),
        ),
        (
            "monorepo",
            init_repo(&[
                ("services/api/go.mod", "module api\n"),
                ("services/api/main.go", "package main\n"),
                ("services/api/charts/api/Chart.yaml", "name: api\n"),
                (
                    "services/api/charts/api/templates/deploy.yaml",
                    "kind: Deployment\n",
                ),
                ("services/api/db/migrations/001.sql", "\n"),
                ("services/web/package.json", "{}\n"),
                ("deploy/helm/web/values.yaml", "x: 1\n"),
                ("CLAUDE.md", "# agent\n"),
                (".gitlab-ci.yml", "test: {}\n"),
            ]),
        ),
    ]
}

#[test]
fn init_is_never_weaker_than_the_default_policy() {
    let default = must_load(DEFAULT_POLICY, "default.yml");
    for (shape, r) in shapes() {
        let out = run(&r, &["init"]);
        assert_eq!(out.code, 0, "{shape}: {}", out.stderr);
        let (text, written) = written_policy(&r);
        let tree: Vec<String> = std::process::Command::new("git")
            .args(["ls-files"])
            .current_dir(r.path())
            .output()
            .map(|o| {
                String::from_utf8_lossy(&o.stdout)
                    .lines()
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        let d = compare(
            &default,
            &written,
            &comparison_paths(&default, &written, &tree),
        );
        // The only weakening is the baseline `init` sets on purpose (and says so) when there
        // is history; paths, tiers, evidence and detection are never weaker.
        let weak: Vec<_> = d
            .changes
            .iter()
            .filter(|c| c.effect == Effect::Weakens)
            .collect();
        assert!(
            weak.iter().all(|c| c.area == Area::Baseline),
            "{shape}: {:#?}\n{text}",
            weak
        );
        assert_eq!(
            weak.len(),
            usize::from(shape != "empty"),
            "{shape}: {weak:#?}"
        );
        // Without the baseline line the written policy is not weaker at all.
        let no_baseline: String = text
            .lines()
            .filter(|l| !l.starts_with("baseline:"))
            .map(|l| format!("{l}\n"))
            .collect();
        let p = must_load(&no_baseline, ".countersign.yml");
        let d = compare(&default, &p, &comparison_paths(&default, &p, &tree));
        assert!(!d.weakens, "{shape}: {:#?}", d.changes);
    }
}

#[test]
fn init_sets_the_baseline_on_a_repository_with_history() {
    let mut r = init_repo(&[("src/main.rs", "fn main() {}\n")]);
    r.commit_files(
        "Add a helper\n\nCo-Authored-By: Claude <noreply@anthropic.com>\n",
        &[("src/util.rs", "\n")],
    );
    let head = r.head();
    assert_eq!(head.len(), 40);
    let out = run(&r, &["init"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr
            .contains(&format!("set `baseline: {head}` (HEAD)")),
        "{}",
        out.stderr
    );
    let (text, p) = written_policy(&r);
    assert_eq!(p.baseline.as_deref(), Some(head.as_str()));
    assert!(
        text.contains("# History from before countersign: commits reachable from this one"),
        "{text}"
    );
    // The AI-assisted commit before the baseline is history; a new one is checked.
    r.git(&["add", "-A"]);
    r.commit("Add countersign policy");
    let all = run(&r, &["check", "--all", "--format", "json"]);
    assert_eq!(all.code, 0, "{}\n{}", all.stdout, all.stderr);
    let v: Value = serde_json::from_str(&all.stdout).expect("json");
    assert_eq!(v["summary"]["commits"], 1, "{}", all.stdout);
    r.commit_files(
        "Add more\n\nCo-Authored-By: Claude <noreply@anthropic.com>\n",
        &[("src/more.rs", "\n")],
    );
    let all = run(&r, &["check", "--all", "--format", "json"]);
    assert_eq!(all.code, 1, "{}", all.stdout);
}

#[test]
fn init_writes_lines_of_at_most_100_columns() {
    for (shape, r) in shapes() {
        assert_eq!(run(&r, &["init"]).code, 0);
        let (text, _) = written_policy(&r);
        for line in text.lines().skip(1) {
            assert!(line.chars().count() <= 100, "{shape}: {line}");
        }
        assert!(
            text.lines()
                .next()
                .unwrap_or_default()
                .starts_with("# yaml-language-server")
        );
    }
    let default = DEFAULT_POLICY;
    for line in default.lines() {
        assert!(line.chars().count() <= 100, "default.yml: {line}");
    }
}

#[test]
fn init_refuses_when_another_discovered_policy_exists() {
    let r = init_repo(&[(".github/countersign.yml", "version: 1\n")]);
    let out = run(&r, &["init"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains(".github/countersign.yml"),
        "{}",
        out.stderr
    );
    assert!(!r.path().join(".countersign.yml").exists());
}

// ---------------------------------------------------------------- policy check

fn repo_with_policy(policy: &str, files: &[(&str, &str)]) -> TestRepo {
    let mut r = TestRepo::new();
    let mut all = vec![(".countersign.yml", policy)];
    all.extend_from_slice(files);
    r.commit_files("Initial import", &all);
    r
}

#[test]
fn check_reports_every_error_with_line_and_column() {
    let r = repo_with_policy(&fixture("invalid-many.yml"), &[]);
    let out = run(&r, &["policy", "check"]);
    assert_eq!(out.code, 2, "{}", out.stdout);
    for (at, what) in [
        (".countersign.yml:5:5", "unknown key `reveiwers`"),
        (".countersign.yml:6:15", "undefined tier `hihg`"),
        (".countersign.yml:9:13", "invalid glob `docs/[**`"),
        (".countersign.yml:12:9", "waiver has no expiry"),
        (
            ".countersign.yml:17:19",
            "approved by the person who requested it",
        ),
    ] {
        assert!(out.stderr.contains(at), "{at} missing:\n{}", out.stderr);
        assert!(out.stderr.contains(what), "{what} missing:\n{}", out.stderr);
    }
    assert!(
        out.stderr.contains("did you mean `reviewers`?"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("did you mean `high`?"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("5 problem(s)"), "{}", out.stderr);
}

#[test]
fn check_rejects_oversized_regexes() {
    let policy = "version: 1\ntiers: [{name: a}]\nevidence:\n  change_record:\n    formats:\n      - { name: bomb, regex: '((a{100}){100}){100}' }\n";
    let r = repo_with_policy(policy, &[]);
    let start = Instant::now();
    let out = run(&r, &["policy", "check"]);
    assert!(start.elapsed() < Duration::from_secs(10));
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert!(
        out.stderr.contains("regex in `regex` is too big"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains(".countersign.yml:6:30"),
        "{}",
        out.stderr
    );
}

#[test]
fn check_warns_about_unreachable_and_unmatched_rules() {
    let r = repo_with_policy(
        &fixture("lint.yml"),
        &[
            ("src/auth/login.rs", "\n"),
            ("src/lib.rs", "\n"),
            ("README.md", "\n"),
        ],
    );
    let out = run(&r, &["policy", "check"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("is valid"), "{}", out.stdout);
    let e = &out.stderr;
    assert!(
        e.contains("rule `auth` is unreachable: every path it matches gets its tier from rule `source` (tier `high`)"),
        "{e}"
    );
    assert!(e.contains("`src/**` covers `src/auth/**`"), "{e}");
    assert!(e.contains("rule `workflows` is unreachable"), "{e}");
    assert!(e.contains("the protected paths"), "{e}");
    assert!(
        e.contains("rule `ghost` matches no file in HEAD's tree"),
        "{e}"
    );
    assert!(e.contains(".countersign.yml:22:11"), "ghost's span:\n{e}");
    // `docs` matches README.md and is not shadowed; `auth` matches a file (only shadowed).
    assert!(!e.contains("rule `docs`"), "{e}");
    assert!(!e.contains("rule `auth` matches no file"), "{e}");
    assert!(e.contains("is self-asserted"), "{e}");
    assert!(out.stdout.contains("5 warning(s)"), "{}", out.stdout);
}

#[test]
fn lint_is_conservative() {
    let p = must_load(&fixture("lint.yml"), "lint.yml");
    let w = lint::unreachable_rules(&p);
    let names: Vec<&str> = w
        .iter()
        .filter_map(|d| d.message.split('`').nth(1))
        .collect();
    assert_eq!(names, ["auth", "workflows"]);
    // The shipped default policy has no unreachable rule.
    let d = must_load(DEFAULT_POLICY, "default.yml");
    assert!(lint::unreachable_rules(&d).is_empty());
    // A later rule of the same tier with the same glob is shadowed; an earlier one is not.
    let text = "version: 1\ntiers: [{name: a}, {name: b}]\ndefault_tier: a\nrules:\n  - {name: one, paths: [\"x/**\"], tier: b}\n  - {name: two, paths: [\"x/**\"], tier: b}\n";
    let p = must_load(text, "t.yml");
    let w = lint::unreachable_rules(&p);
    assert_eq!(w.len(), 1);
    assert!(w[0].message.contains("rule `two`"), "{}", w[0].message);
}

/// A rule under a higher tier still counts when its own tier adds a requirement (every
/// matching rule's tier combines, issue 11 class 6): it is not reported as unreachable.
#[test]
fn lint_keeps_rules_whose_tier_adds_a_requirement() {
    let text = "version: 1
tiers:
  - {name: low}
  - {name: audited, reviewers: 1, reviewers_from: [sec]}
  - {name: high, reviewers: 2, change_record: true}
  - {name: top, reviewers: 3, change_record: true, reviewers_from: [sec]}
default_tier: low
teams:
  - {name: sec, members: [{name: Sam Sec, email: sam@example.com}]}
rules:
  - {name: source, paths: [\"src/**\"], tier: high}
  - {name: auth, paths: [\"src/auth/**\"], tier: audited}
  - {name: all-top, paths: [\"lib/**\"], tier: top}
  - {name: lib-auth, paths: [\"lib/auth/**\"], tier: audited}
";
    let p = must_load(text, "t.yml");
    let w = lint::unreachable_rules(&p);
    let names: Vec<&str> = w
        .iter()
        .filter_map(|d| d.message.split('`').nth(1))
        .collect();
    // `auth`'s team constraint is not implied by `high`; `top` implies `audited` entirely.
    assert_eq!(names, ["lib-auth"]);
}

#[test]
fn check_explicit_policy_outside_a_repository() {
    let tmp = tempfile::tempdir().expect("tmp");
    let path = tmp.path().join("p.yml");
    std::fs::write(&path, fixture("design-example.yml")).expect("write");
    let out = std::process::Command::new(BIN)
        .current_dir(tmp.path())
        .env("NO_COLOR", "1")
        .env("GIT_CEILING_DIRECTORIES", tmp.path())
        .args(["policy", "check", "--policy"])
        .arg(&path)
        .output()
        .expect("run");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Bad input: each ends in exit 2 with a clear message, quickly.
#[test]
fn check_rejects_bad_input_quickly() {
    let mut bomb = String::from("version: 1\n");
    bomb.push_str("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        let refs = vec![format!("*a{}", i - 1); 10].join(", ");
        bomb.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    let huge = format!("version: 1\n# {}\n", "x".repeat(1 << 20));
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "not-yaml",
            "version: 1\ntiers: [\n  - {name: a\n".to_string(),
            "not valid YAML",
        ),
        ("empty", String::new(), "empty"),
        ("comments-only", "# nothing\n".to_string(), "empty"),
        (
            "scalar",
            "just a string\n".to_string(),
            "must be a YAML mapping",
        ),
        ("huge", huge, "larger than 1 MiB"),
        ("alias-bomb", bomb, "safety limit"),
    ];
    for (name, text, expect) in cases {
        let r = repo_with_policy("version: 1\ntiers: [{name: a}]\n", &[]);
        let path = r.path().join(format!("{name}.yml"));
        std::fs::write(&path, &text).expect("write");
        let start = Instant::now();
        let out = run(&r, &["policy", "check", "--policy", &format!("{name}.yml")]);
        assert!(start.elapsed() < Duration::from_secs(10), "{name} too slow");
        assert_eq!(out.code, 2, "{name}: {}", out.stdout);
        assert!(
            out.stderr.contains(expect),
            "{name}: expected `{expect}` in:\n{}",
            out.stderr
        );
    }
}

// ---------------------------------------------------------------- policy show

fn as_json(p: &Policy) -> Value {
    serde_json::to_value(p).expect("serialise")
}

#[test]
fn show_round_trips() {
    let with_everything = fixture("design-example.yml");
    let check_fixture = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/check/policy.yml"),
    )
    .expect("read");
    for (name, text) in [
        ("design", with_everything.as_str()),
        ("default", DEFAULT_POLICY),
        ("check", check_fixture.as_str()),
        ("lint", &fixture("lint.yml")),
    ] {
        let p = must_load(text, name);
        let shown = show::to_yaml(&p);
        let again = must_load(&shown, &format!("{name} (shown)"));
        assert_eq!(as_json(&p), as_json(&again), "{name}:\n{shown}");
        // And it is a fixed point.
        assert_eq!(
            show::to_yaml(&again).lines().skip(1).collect::<Vec<_>>(),
            shown.lines().skip(1).collect::<Vec<_>>()
        );
    }
}

#[test]
fn show_fills_in_defaults() {
    let r = repo_with_policy("version: 1\ntiers: [{name: only}]\n", &[]);
    let out = run(&r, &["policy", "show"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    for line in [
        "default_tier: \"only\"",
        "    reviewers: 0",
        "    applies_to: ai",
        "    ai: allowed",
        "  review: \"trailer\"",
        "  reviewer_trailers: [\"Reviewed-by\"]",
        "    trailers: [\"Change-Record\", \"Refs\"]",
        "  builtin: true",
        "  commit-msg: warn",
        "  pre-push: enforce",
        "  autonomous: { extra_reviewers: 0, change_record: false }",
    ] {
        assert!(
            out.stdout.contains(line),
            "`{line}` missing:\n{}",
            out.stdout
        );
    }
}

// ---------------------------------------------------------------- policy schema

#[test]
fn committed_schema_is_current() {
    let committed = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("countersign.schema.json"),
    )
    .expect("countersign.schema.json at the repository root");
    assert!(
        committed == schema::schema_text(),
        "countersign.schema.json is out of date: run `countersign policy schema > countersign.schema.json`"
    );
    let r = TestRepo::new();
    let out = run(&r, &["policy", "schema"]);
    assert_eq!(out.code, 0);
    assert_eq!(out.stdout, committed);
}

/// A validator for the subset of JSON Schema the policy schema uses.
fn validate(schema: &Value, root: &Value, v: &Value, at: &str, errs: &mut Vec<String>) {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let name = r.trim_start_matches("#/$defs/");
        return validate(&root["$defs"][name], root, v, at, errs);
    }
    if let Some(t) = schema.get("type") {
        let types: Vec<&str> = match t {
            Value::String(s) => vec![s.as_str()],
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        let ok = types.iter().any(|t| match *t {
            "object" => v.is_object(),
            "array" => v.is_array(),
            "string" => v.is_string(),
            "boolean" => v.is_boolean(),
            "integer" => v.is_i64() || v.is_u64(),
            "number" => v.is_number(),
            _ => false,
        });
        if !ok {
            errs.push(format!("{at}: expected {types:?}, found {v}"));
            return;
        }
    }
    if let Some(c) = schema.get("const")
        && c != v
    {
        errs.push(format!("{at}: expected {c}"));
    }
    if let Some(e) = schema.get("enum").and_then(Value::as_array)
        && !e.contains(v)
    {
        errs.push(format!("{at}: {v} is not one of {e:?}"));
    }
    if let Some(p) = schema.get("pattern").and_then(Value::as_str)
        && let Some(s) = v.as_str()
        && !regex::Regex::new(p).expect("pattern").is_match(s)
    {
        errs.push(format!("{at}: `{s}` does not match {p}"));
    }
    if let (Some(min), Some(n)) = (schema.get("minimum").and_then(Value::as_i64), v.as_i64())
        && n < min
    {
        errs.push(format!("{at}: below minimum"));
    }
    if let (Some(max), Some(n)) = (schema.get("maximum").and_then(Value::as_i64), v.as_i64())
        && n > max
    {
        errs.push(format!("{at}: above maximum"));
    }
    if let Some(any) = schema.get("anyOf").and_then(Value::as_array) {
        let passes = any.iter().any(|s| {
            let mut e = Vec::new();
            validate(s, root, v, at, &mut e);
            e.is_empty()
        });
        if !passes {
            errs.push(format!("{at}: matches none of anyOf"));
        }
    }
    if let Some(obj) = v.as_object() {
        let props = schema.get("properties").and_then(Value::as_object);
        for req in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            if !obj.contains_key(req) {
                errs.push(format!("{at}: missing required `{req}`"));
            }
        }
        for (k, val) in obj {
            match props.and_then(|p| p.get(k)) {
                Some(s) => validate(s, root, val, &format!("{at}.{k}"), errs),
                None => match schema.get("additionalProperties") {
                    Some(Value::Bool(false)) => errs.push(format!("{at}: unknown key `{k}`")),
                    Some(s @ Value::Object(_)) => {
                        validate(s, root, val, &format!("{at}.{k}"), errs)
                    }
                    _ => {}
                },
            }
        }
    }
    if let Some(items) = v.as_array() {
        if let Some(min) = schema.get("minItems").and_then(Value::as_u64)
            && (items.len() as u64) < min
        {
            errs.push(format!("{at}: fewer than {min} items"));
        }
        if let Some(s) = schema.get("items") {
            for (i, item) in items.iter().enumerate() {
                validate(s, root, item, &format!("{at}[{i}]"), errs);
            }
        }
    }
}

fn yaml_to_json(text: &str) -> Value {
    let opts = serde_saphyr::options! { strict_booleans: true };
    serde_saphyr::from_str_with_options(text, opts).expect("yaml")
}

fn schema_errors(text: &str) -> Vec<String> {
    let s = schema::schema();
    let mut errs = Vec::new();
    validate(&s, &s, &yaml_to_json(text), "$", &mut errs);
    errs
}

#[test]
fn schema_accepts_real_policies_and_rejects_bad_ones() {
    let p = must_load(DEFAULT_POLICY, "default");
    for (name, text) in [
        ("design", fixture("design-example.yml")),
        ("default", DEFAULT_POLICY.to_string()),
        ("shown default", show::to_yaml(&p)),
        ("lint", fixture("lint.yml")),
    ] {
        let errs = schema_errors(&text);
        assert!(errs.is_empty(), "{name}: {errs:#?}");
    }
    let bad = [
        (
            "version: 1\ntiers: [{name: a, reveiwers: 1}]\n",
            "unknown key `reveiwers`",
        ),
        ("version: 2\ntiers: [{name: a}]\n", "expected 1"),
        ("version: 1\ntiers: [{name: a, ai: maybe}]\n", "not one of"),
        (
            "version: 1\ntiers: [{name: a}]\nevidence: {review: both}\n",
            "matches none of anyOf",
        ),
        (
            "version: 1\ntiers: [{name: a}]\nevidence: {review: [signed, both]}\n",
            "matches none of anyOf",
        ),
        (
            "version: 1\ntiers: [{name: a}]\nhooks: {pre-push: block}\n",
            "not one of",
        ),
        ("version: 1\n", "missing required `tiers`"),
        (
            "version: 1\ntiers: [{name: a}]\nwaivers: [{id: W, paths: [x], codes: [no-such], reason: r, approved_by: A B <a@b>, expires: 2030-01-01}]\n",
            "not one of",
        ),
        (
            "version: 1\ntiers: [{name: a}]\nwaivers: [{id: W, paths: [x], codes: [missing-reviewer], reason: r, approved_by: A B <a@b>}]\n",
            "missing required `expires`",
        ),
        (
            "version: 1\ntiers: [{name: a}]\nbogus: 1\n",
            "unknown key `bogus`",
        ),
    ];
    for (text, want) in bad {
        let errs = schema_errors(text);
        assert!(
            errs.iter().any(|e| e.contains(want)),
            "{text}: want `{want}` in {errs:#?}"
        );
    }
    // Every top-level key the loader knows is in the schema, and nothing else.
    let s = schema::schema();
    let mut keys: Vec<&str> = s["properties"]
        .as_object()
        .expect("properties")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "baseline",
            "controls",
            "default_tier",
            "detect",
            "evidence",
            "hooks",
            "involvement",
            "protect",
            "rules",
            "teams",
            "tiers",
            "version",
            "waivers"
        ]
    );
}

// ---------------------------------------------------------------- policy diff

const BASE: &str = "version: 1
tiers:
  - name: low
  - name: standard
    reviewers: 1
  - name: high
    reviewers: 2
    change_record: true
    applies_to: all
default_tier: standard
rules:
  - name: docs
    paths: [\"docs/**\"]
    tier: low
  - name: auth
    paths: [\"src/auth/**\"]
    tier: high
evidence:
  review: trailer+approval
  reviewer_trailers: [Reviewed-by]
  change_record:
    formats:
      - { name: jira, regex: '^[A-Z]+-[0-9]+$' }
waivers:
  - id: W-1
    paths: [\"src/legacy/**\"]
    codes: [missing-reviewer]
    reason: old code
    approved_by: Carol Chief <carol@example.com>
    expires: 2030-01-01
hooks: { commit-msg: warn, pre-push: enforce }
";

fn diff_of(old: &str, new: &str) -> countersign::policy::diff::PolicyDiff {
    let (a, b) = (must_load(old, "old"), must_load(new, "new"));
    let tree = vec!["src/auth/login.rs".to_string(), "src/main.rs".to_string()];
    compare(&a, &b, &comparison_paths(&a, &b, &tree))
}

fn messages(d: &countersign::policy::diff::PolicyDiff, effect: Effect) -> Vec<String> {
    d.changes
        .iter()
        .filter(|c| c.effect == effect)
        .map(|c| c.message.clone())
        .collect()
}

#[test]
fn diff_detects_each_weakening() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "src/auth/**",
            "src/authx/**",
            "move from tier `high` to `standard`",
        ),
        (
            "    reviewers: 2\n",
            "    reviewers: 1\n",
            "reviewers 2 → 1",
        ),
        (
            "    change_record: true\n    applies_to: all",
            "    applies_to: all",
            "change record no longer required",
        ),
        ("    applies_to: all\n", "", "`applies_to: all` → `ai`"),
        (
            "review: trailer+approval",
            "review: trailer",
            "`trailer+approval` → `trailer`",
        ),
        (
            "[Reviewed-by]",
            "[Reviewed-by, Acked-by]",
            "now also accepts `Acked-by`",
        ),
        ("^[A-Z]+-[0-9]+$", "^.+$", "format `jira` changed"),
        (
            "expires: 2030-01-01",
            "expires: 2031-01-01",
            "extended 2030-01-01 → 2031-01-01",
        ),
        (
            "pre-push: enforce",
            "pre-push: warn",
            "hooks.pre-push: enforce → warn",
        ),
        (
            "hooks:",
            "detect: { builtin: false }\nhooks:",
            "detect.builtin turned off",
        ),
        (
            "hooks:",
            "baseline: aaaabbbbccccddddeeeeffff0000111122223333\nhooks:",
            "baseline (none) → aaaabbbbccccddddeeeeffff0000111122223333",
        ),
        ("  - name: low\n", "  - name: low\n    ai: forbidden\n", ""),
    ];
    for (from, to, want) in cases {
        assert!(BASE.contains(from), "{from}");
        let new = BASE.replacen(from, to, 1);
        let d = diff_of(BASE, &new);
        if want.is_empty() {
            // `ai: forbidden` added to a tier: strengthens only.
            assert!(!d.weakens, "{:#?}", d.changes);
            assert!(
                messages(&d, Effect::Strengthens)
                    .iter()
                    .any(|m| m.contains("`ai: forbidden` added")),
                "{:#?}",
                d.changes
            );
            continue;
        }
        assert!(d.weakens, "{from} → {to}: {:#?}", d.changes);
        let weak = messages(&d, Effect::Weakens);
        assert!(
            weak.iter().any(|m| m.contains(want)),
            "{from} → {to}: want `{want}` in {weak:#?}"
        );
    }
}

#[test]
fn diff_reports_paths_context_and_strengthening() {
    let new = BASE
        .replacen("src/auth/**", "src/auth/**\", \"src/billing/**", 1)
        .replacen("    reviewers: 2\n", "    reviewers: 3\n", 1)
        .replacen(
            "waivers:",
            "waivers:\n  - id: W-2\n    commit: abcdef1abcdef1abcdef1abcdef1abcdef1abcde\n    codes: [missing-change-record]\n    reason: incident\n    approved_by: Carol Chief <carol@example.com>\n    expires: 2030-02-01",
            1,
        );
    let d = diff_of(BASE, &new);
    let paths = d
        .changes
        .iter()
        .find(|c| c.area == Area::Paths)
        .expect("path change");
    assert_eq!(paths.effect, Effect::Strengthens);
    assert!(
        paths.message.contains("from tier `standard` to `high`"),
        "{}",
        paths.message
    );
    assert!(
        paths.paths.contains(&"src/billing/x/x".to_string()),
        "{:?}",
        paths.paths
    );
    let ctx = paths.context.as_deref().expect("context");
    assert!(
        ctx.contains("+    paths: [\"src/auth/**\", \"src/billing/**\"]"),
        "{ctx}"
    );
    assert!(ctx.contains("-    paths: [\"src/auth/**\"]"), "{ctx}");
    // A new waiver weakens; more reviewers strengthen.
    assert!(d.weakens);
    let weak = messages(&d, Effect::Weakens);
    assert_eq!(weak.len(), 1, "{weak:#?}");
    assert!(weak[0].contains("waiver `W-2` added"), "{weak:#?}");
    assert!(
        messages(&d, Effect::Strengthens)
            .iter()
            .any(|m| m.contains("reviewers 2 → 3"))
    );
    // Identical semantics with different text: nothing to report.
    let d = diff_of(BASE, &format!("# a comment\n{BASE}"));
    assert!(d.changes.is_empty() && !d.weakens && d.text_changed);
    // It serialises (for `ci` reports).
    let v = serde_json::to_value(&d).expect("json");
    assert_eq!(v["weakens"], false);
}

#[test]
fn diff_command_exit_codes() {
    let mut r = repo_with_policy(BASE, &[("src/auth/login.rs", "\n"), ("src/main.rs", "\n")]);
    let base = r.head();
    // Unchanged: exit 0.
    let out = run(&r, &["policy", "diff", "HEAD"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("no semantic change"), "{}", out.stdout);
    // Weakened: exit 1, with the path from HEAD's tree and the YAML context.
    r.write(
        ".countersign.yml",
        &BASE.replacen("src/auth/**", "src/authn/**", 1),
    );
    r.git(&["add", "-A"]);
    r.commit("Narrow the auth rule");
    let out = run(&r, &["policy", "diff", &base]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("WEAKENS"), "{}", out.stdout);
    assert!(out.stdout.contains("src/auth/login.rs"), "{}", out.stdout);
    assert!(
        out.stdout.contains("│ -    paths: [\"src/auth/**\"]"),
        "{}",
        out.stdout
    );
    let json = run(&r, &["policy", "diff", &base, "--format", "json"]);
    assert_eq!(json.code, 1);
    let v: Value = serde_json::from_str(&json.stdout).expect("json");
    assert_eq!(v["weakens"], true);
    // Strengthened only (one more reviewer than the weakened commit asks for): exit 0.
    r.write(
        ".countersign.yml",
        &BASE.replacen("src/auth/**", "src/authn/**", 1).replacen(
            "    reviewers: 2\n",
            "    reviewers: 3\n",
            1,
        ),
    );
    let out = run(&r, &["policy", "diff", "HEAD"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("strengthens"), "{}", out.stdout);
    // Errors: unknown revision, invalid current policy → 2.
    assert_eq!(run(&r, &["policy", "diff", "no-such-rev"]).code, 2);
    r.write(".countersign.yml", "version: 1\ntiers: [\n");
    assert_eq!(run(&r, &["policy", "diff", "HEAD"]).code, 2);
}

// ---------------------------------------------------------------- explain

const EXPLAIN_POLICY: &str = "version: 1
tiers:
  - name: low
  - name: standard
    reviewers: 1
  - name: high
    reviewers: 1
    change_record: true
default_tier: standard
rules:
  - name: docs
    paths: [\"**/*.md\"]
    tier: low
  - name: auth
    paths: [\"src/auth/**\"]
    tier: high
waivers:
  - id: W-9
    paths: [\"src/auth/**\"]
    codes: [missing-change-record]
    reason: Legacy code, tracked in SEC-1
    approved_by: Carol Chief <carol@example.com>
    expires: 2999-12-31
";

#[test]
fn explain_commit_shows_the_reasoning() {
    let mut r = repo_with_policy(EXPLAIN_POLICY, &[("src/lib.rs", "\n")]);
    r.commit_files(
        "Harden login\n\nCo-authored-by: Claude <noreply@anthropic.com>\nReviewed-by: Ada Author <ada@example.com>\nReviewed-by: Rita Reviewer <rita@example.com>\n",
        &[
            ("src/auth/login.rs", "x\n"),
            ("src/auth/README.md", "x\n"),
            ("src/auth/legacy.rs", "x\n"),
        ],
    );
    let out = run(&r, &["explain", "HEAD"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let t = &out.stdout;
    for want in [
        "src/auth/README.md\n      tier `high` from rule `auth` (policy line 14); also matched `docs`",
        "src/auth/login.rs\n      tier `high` from rule `auth` (policy line 14)",
        "Tier: high",
        "AI involvement: assisted",
        "claude-code/co-author",
        "(message line 3)",
        "✗ rejected Ada Author <ada@example.com> — trailer (message line 4): self-review",
        "✓ accepted Rita Reviewer <rita@example.com> — trailer (message line 5)",
        "needed: 1 reviewer(s), a change record",
        "W-9 (policy line 18): Legacy code, tracked in SEC-1",
        "missing-change-record (waived by W-9)",
        "Verdict: pass",
    ] {
        assert!(t.contains(want), "`{want}` missing:\n{t}");
    }
    let json = run(&r, &["explain", "HEAD", "--format", "json"]);
    assert_eq!(json.code, 0, "{}", json.stderr);
    let v: Value = serde_json::from_str(&json.stdout).expect("json");
    assert_eq!(v["tier"], "high");
    assert_eq!(v["path_tiers"].as_array().map(Vec::len), Some(3));
    assert_eq!(v["involvement"], "assisted");

    // A failing commit names the decisive requirement.
    r.commit_files(
        "Tweak\n\nCo-authored-by: Claude <noreply@anthropic.com>\n",
        &[("src/auth/login.rs", "y\n")],
    );
    let out = run(&r, &["explain", "HEAD"]);
    assert!(
        out.stdout
            .contains("Verdict: fail — decisive requirement: missing-reviewer"),
        "{}",
        out.stdout
    );
}

#[test]
fn explain_path_and_code() {
    let r = repo_with_policy(EXPLAIN_POLICY, &[]);
    let out = run(&r, &["explain", "--path", "src/auth/notes.md"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("tier `high` from rule `auth`"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("docs → tier `low`"), "{}", out.stdout);
    assert!(
        out.stdout
            .contains("auth → tier `high` (policy line 14)  ← decides"),
        "{}",
        out.stdout
    );

    let out = run(&r, &["explain", "--path", ".github/workflows/ci.yml"]);
    assert!(out.stdout.contains("protected"), "{}", out.stdout);
    assert!(out.stdout.contains("tier `high`"), "{}", out.stdout);

    let out = run(
        &r,
        &["explain", "--path", "src/main.rs", "--format", "json"],
    );
    let v: Value = serde_json::from_str(&out.stdout).expect("json");
    assert_eq!(v["tier"], "standard");
    assert!(v.get("rule").is_none());
    assert_eq!(v["protected"], false);

    let out = run(&r, &["explain", "missing-reviewer"]);
    assert_eq!(out.code, 0);
    assert!(
        out.stdout.starts_with("missing-reviewer (error)"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("How to fix it:"));

    let out = run(&r, &["explain", "missing-reviwer"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("did you mean `missing-reviewer`?"),
        "{}",
        out.stderr
    );
    assert_eq!(run(&r, &["explain", "--path", "x", "HEAD"]).code, 2);
    assert_eq!(run(&r, &["explain"]).code, 2);
}

/// The embedded default policy's tier for every file issue 14 names, asked the way a user
/// would: `countersign explain --path PATH` in a repository without a policy file.
#[test]
fn default_policy_classifies_every_named_file() {
    const TABLE: &[(&str, &str)] = &[
        // Bot configuration in every spelling, CI scripts.
        (".github/dependabot.yml", "high"),
        (".github/dependabot.yaml", "high"),
        ("renovate.json", "high"),
        ("renovate.json5", "high"),
        (".renovaterc", "high"),
        (".renovaterc.json", "high"),
        (".github/renovate.json", "high"),
        (".github/renovate.json5", "high"),
        (".github/scripts/release.sh", "high"),
        // Containers and compose files.
        ("Containerfile", "high"),
        ("build/Containerfile.ci", "high"),
        ("Dockerfile", "high"),
        ("Dockerfile.dev", "high"),
        ("services/api/Dockerfile-prod", "high"),
        ("compose.yaml", "high"),
        ("compose.yml", "high"),
        ("compose.override.yaml", "high"),
        ("docker-compose.yml", "high"),
        ("services/web/docker-compose.prod.yaml", "high"),
        // Helm charts at any depth.
        ("charts/app/Chart.yaml", "high"),
        ("deploy/helm/web/values.yaml", "high"),
        ("services/api/charts/api/Chart.yaml", "high"),
        ("services/api/charts/api/templates/deploy.yaml", "high"),
        ("services/api/charts/api/values-prod.yaml", "high"),
        ("platform/k8s/ingress.yaml", "high"),
        // Build-tool wrappers.
        ("mvnw", "high"),
        ("mvnw.cmd", "high"),
        (".mvn/wrapper/maven-wrapper.properties", "high"),
        ("gradlew", "high"),
        ("gradlew.bat", "high"),
        ("gradle/wrapper/gradle-wrapper.properties", "high"),
        ("services/api/gradlew", "high"),
        // Secret folders.
        ("config/secret/prod.yml", "high"),
        ("src/secret/key.rs", "high"),
        ("services/x/secrets/a.yml", "high"),
        // AI agent instructions and MCP configuration (never lowered by `**/*.md`).
        ("CLAUDE.md", "high"),
        ("CLAUDE.local.md", "high"),
        ("services/api/CLAUDE.md", "high"),
        ("AGENTS.md", "high"),
        ("AGENTS.override.md", "high"),
        ("docs/AGENTS.md", "high"),
        ("GEMINI.md", "high"),
        ("CRUSH.md", "high"),
        (".github/copilot-instructions.md", "high"),
        (".github/instructions/rust.instructions.md", "high"),
        (".github/prompts/release.prompt.md", "high"),
        (".github/agents/reviewer.agent.md", "high"),
        (".cursor/rules/style.mdc", "high"),
        (".cursorrules", "high"),
        (".claude/settings.json", "high"),
        (".claude/commands/ship.md", "high"),
        (".claude/skills/x/SKILL.md", "high"),
        (".windsurfrules", "high"),
        (".windsurf/rules/x.md", "high"),
        (".aider.conf.yml", "high"),
        (".mcp.json", "high"),
        (".cursor/mcp.json", "high"),
        (".vscode/mcp.json", "high"),
        (".gemini/settings.json", "high"),
        (".codex/config.toml", "high"),
        (".clinerules", "high"),
        (".roo/rules/x.md", "high"),
        (".kiro/steering/product.md", "high"),
        (".junie/guidelines.md", "high"),
        (".amazonq/rules/x.md", "high"),
        (".continue/rules/x.md", "high"),
        ("opencode.json", "high"),
        (".goosehints", "high"),
        // What stays where it was.
        ("README.md", "low"),
        ("docs/guide.md", "low"),
        ("src/main.rs", "standard"),
        ("src/components/charts/LineChart.tsx", "standard"),
        ("web/templates/index.html", "standard"),
        ("values.yaml", "standard"),
    ];
    let r = init_repo(&[("src/main.rs", "fn main() {}\n")]);
    let mut wrong = Vec::new();
    for (path, tier) in TABLE {
        let out = run(&r, &["explain", "--path", path]);
        assert_eq!(out.code, 0, "{path}: {}", out.stderr);
        let want = format!("{path}: tier `{tier}`");
        if !out.stdout.contains(&want) {
            wrong.push(format!(
                "{want}\n  got: {}",
                out.stdout.lines().next().unwrap_or("")
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// A first check over a long history that predates countersign: past 200 failing commits the
/// human output says how to baseline instead of printing a fix for each commit.
#[test]
fn a_long_failing_history_gets_baseline_advice_not_advice_per_commit() {
    let mut r = init_repo(&[("src/main.rs", "fn main() {}\n")]);
    // 205 AI-assisted commits without a reviewer, written fast with `git fast-import`.
    let mut stream = String::new();
    for i in 0..205 {
        let msg = format!("Change {i}\n\nCo-Authored-By: Claude <noreply@anthropic.com>\n");
        let data = format!("fn f{i}() {{}}\n");
        stream.push_str(&format!(
            "commit refs/heads/main\ncommitter Jane Doe <jane@example.com> {} +0000\ndata {}\n{msg}{}M 100644 inline src/f{i}.rs\ndata {}\n{data}\n",
            1_700_000_000 + i,
            msg.len(),
            if i == 0 { "from refs/heads/main^0\n" } else { "" },
            data.len()
        ));
    }
    let mut child = std::process::Command::new("git")
        .args(["fast-import", "--quiet"])
        .current_dir(r.path())
        .stdin(std::process::Stdio::piped())
        .spawn()
        .expect("fast-import");
    {
        use std::io::Write;
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(stream.as_bytes())
            .expect("write");
    }
    assert!(child.wait().expect("wait").success());
    r.git(&["reset", "-q", "--hard", "main"]);
    let head = r.head();

    let out = run(&r, &["check", "--all"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stdout
            .contains("205 of 206 commits fail (205 missing-reviewer)"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("countersign init"), "{}", out.stdout);
    assert!(
        out.stdout.contains(&format!("baseline: {head}")),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains("git commit --amend"), "{}", out.stdout);
    assert!(out.stdout.lines().count() < 15, "{}", out.stdout);
    // `-v` prints every finding; the JSON always has them.
    let verbose = run(&r, &["check", "--all", "-v"]);
    assert!(verbose.stdout.matches("missing-reviewer").count() >= 205);
    let json = run(&r, &["check", "--all", "--format", "json"]);
    let v: Value = serde_json::from_str(&json.stdout).expect("json");
    assert_eq!(v["summary"]["errors"], 205);

    // The first push of that history says the same instead of a fix per commit.
    let stdin = format!(
        "refs/heads/main {head} refs/heads/main {}\n",
        "0".repeat(40)
    );
    let mut push = r
        .command(BIN)
        .args(["hook", "pre-push", "origin", "https://example.com/x.git"])
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("pre-push");
    {
        use std::io::Write;
        push.stdin
            .take()
            .expect("stdin")
            .write_all(stdin.as_bytes())
            .expect("write");
    }
    let pushed = push.wait_with_output().expect("wait");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&pushed.stdout),
        String::from_utf8_lossy(&pushed.stderr)
    );
    assert_eq!(pushed.status.code(), Some(1), "{said}");
    assert!(said.contains("205 of 206 commits fail"), "{said}");
    assert!(said.contains(&format!("baseline: {head}")), "{said}");
    assert!(said.lines().count() < 15, "{said}");

    // With a policy file, the exact line to add to it.
    r.commit_files(
        "Add policy\n",
        &[(
            ".countersign.yml",
            "version: 1\ntiers:\n  - name: standard\n    reviewers: 1\ndefault_tier: standard\n",
        )],
    );
    let out = run(&r, &["check", "--all"]);
    assert!(
        out.stdout.contains(".countersign.yml:  baseline: "),
        "{}",
        out.stdout
    );
    // At 200 failing commits or fewer, the fixes are printed per commit.
    let out = run(&r, &["check", "HEAD~3..HEAD"]);
    assert!(!out.stdout.contains("baseline:"), "{}", out.stdout);
    assert!(out.stdout.contains("missing-reviewer"), "{}", out.stdout);
}
