//! The GitHub Action (`action.yml`) and the GitLab templates (`ci/gitlab/`, the component in
//! `templates/`), run for real:
//! their shell steps are extracted from the YAML and executed under bash in a simulated
//! runner environment (event file, `GITHUB_OUTPUT`, `GITHUB_STEP_SUMMARY`, `GITHUB_PATH`,
//! `GITHUB_ACTION_PATH`; `CI_*` variables) against a fixture repository. `curl` is a stub
//! that serves fixture files, so no network is needed.

use crate::support;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::Value;
use support::TestRepo;

const BIN: &str = env!("CARGO_BIN_EXE_countersign");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const POLICY: &str = include_str!("../../fixtures/ci/policy.yml");
const PR_EVENT: &str = include_str!("../../fixtures/ci/github/pull_request.json");
const REVIEWS_ERROR: &str = include_str!("../../fixtures/ci/github/reviews-error.json");
const MR_JSON: &str = include_str!("../../fixtures/ci/gitlab/mr.json");
const APPROVALS: &str = include_str!("../../fixtures/ci/gitlab/approvals.json");
const CLAUDE: &str = "Co-authored-by: Claude <noreply@anthropic.com>";
const ZERO: &str = "0000000000000000000000000000000000000000";

/// A `curl` stand-in: logs its arguments, serves `$CURL_FILES/<last path segment>` (reviews
/// pages as `reviews-page-N.json`, `[]` past the last one), prints the status for `-w`.
const CURL_STUB: &str = r#"#!/bin/bash
out=""; fmt=""; url=""
while [ $# -gt 0 ]; do
  case "$1" in
    -o) out="$2"; shift 2 ;;
    -w) fmt="$2"; shift 2 ;;
    -H|--header) echo "header: $2" >> "$CURL_LOG"; shift 2 ;;
    --retry) shift 2 ;;
    -*) shift ;;
    *) url="$1"; shift ;;
  esac
done
echo "url: $url" >> "$CURL_LOG"
path="${url%%\?*}"
name="${path##*/}"
empty=""
case "$url" in
  *"/reviews?"*) name="reviews-page-${url##*page=}.json"; [ -f "$CURL_FILES/$name" ] || empty=1 ;;
esac
status="${CURL_STATUS:-200}"
src=""
if [ -f "$CURL_FILES/$name" ]; then src="$CURL_FILES/$name"; elif [ -z "$empty" ]; then status=404; fi
if [ -n "$out" ]; then
  if [ -n "$src" ]; then cp "$src" "$out"; elif [ -n "$empty" ]; then echo "[]" > "$out"; else echo '{"message":"404 Not Found"}' > "$out"; fi
elif [ -n "$src" ]; then cat "$src"; fi
if [ -n "$fmt" ]; then printf '%s' "$status"; fi
if [ "$status" != 200 ] && [ -z "$fmt" ]; then exit 22; fi
exit 0
"#;

fn parse_yaml(text: &str) -> Value {
    serde_saphyr::from_str::<Value>(text).expect("valid YAML")
}

fn action() -> Value {
    parse_yaml(&std::fs::read_to_string(Path::new(ROOT).join("action.yml")).expect("action.yml"))
}

/// One composite step: a bash `run:` script, or a `uses:` of a pinned action.
struct Step {
    id: String,
    run: String,
    env: Vec<(String, String)>,
    /// `owner/repo@sha` for a `uses:` step (then `run` is empty).
    uses: Option<String>,
    with: Vec<(String, String)>,
    condition: Option<String>,
}

fn string_map(v: &Value) -> Vec<(String, String)> {
    v.as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect()
        })
        .unwrap_or_default()
}

fn steps() -> Vec<Step> {
    let a = action();
    assert_eq!(a["runs"]["using"], "composite");
    a["runs"]["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|s| {
            let uses = s["uses"].as_str().map(str::to_string);
            if uses.is_none() {
                assert_eq!(s["shell"], "bash", "every run step declares shell: bash");
            }
            Step {
                id: s["id"].as_str().expect("every step has an id").to_string(),
                run: s["run"].as_str().unwrap_or_default().to_string(),
                env: string_map(&s["env"]),
                with: string_map(&s["with"]),
                condition: s["if"].as_str().map(str::to_string),
                uses,
            }
        })
        .collect()
}

#[test]
fn every_used_action_is_pinned_by_full_commit_sha() {
    let text = std::fs::read_to_string(Path::new(ROOT).join("action.yml")).expect("read");
    let mut n = 0;
    for s in steps() {
        let Some(uses) = s.uses else { continue };
        n += 1;
        let (_, sha) = uses.split_once('@').expect("owner/repo@ref");
        assert!(
            sha.len() == 40 && sha.bytes().all(|b| b.is_ascii_hexdigit()),
            "{uses} is pinned by a full commit SHA"
        );
        let line = text.lines().find(|l| l.contains(&uses)).expect("uses line");
        assert!(line.contains("# v"), "the pin names its version: {line}");
    }
    assert!(n >= 1, "actions/cache is used for the source build");
}

#[test]
fn no_expression_is_spliced_into_a_shell() {
    // Parsed: no `${{` anywhere in a run: script.
    for s in steps() {
        assert!(
            !s.run.contains("${{"),
            "step {} splices an expression",
            s.id
        );
        assert!(
            !s.run.contains("github.event"),
            "step {} reads the event",
            s.id
        );
    }
    // Line-based, independent of the YAML parser: inside every `run:` block (until the next
    // key at the step's indentation), no `${{ github.event` / `${{ inputs.` / `${{`.
    let text = std::fs::read_to_string(Path::new(ROOT).join("action.yml")).expect("read");
    let mut in_run: Option<usize> = None;
    let mut run_lines = 0;
    for line in text.lines() {
        let indent = line.len() - line.trim_start().len();
        if let Some(i) = in_run {
            if line.trim().is_empty() || indent > i {
                run_lines += 1;
                assert!(!line.contains("${{"), "expression in a run block: {line}");
                continue;
            }
            in_run = None;
        }
        if line.trim_start().starts_with("run:") {
            assert!(!line.contains("${{"), "expression in a run line: {line}");
            in_run = Some(indent);
        }
    }
    assert!(
        run_lines > 50,
        "the line scan found the run blocks ({run_lines} lines)"
    );
    // `with:` of the pinned actions only carries step outputs, never event fields.
    for s in steps() {
        for (k, v) in &s.with {
            assert!(!v.contains("github.event"), "{}: {k}={v}", s.id);
        }
    }
    // Untrusted event fields reach steps only through env:, and only numbers/refs we check.
    for s in steps() {
        for (k, v) in &s.env {
            if v.contains("github.event") {
                assert!(
                    v.contains("pull_request.number") || v.contains("merge_group.head_ref"),
                    "{}: {k}={v}",
                    s.id
                );
            }
        }
    }
}

/// The simulated runner.
struct Runner {
    tmp: tempfile::TempDir,
    inputs: HashMap<String, String>,
    env: Vec<(String, String)>,
    outputs: HashMap<String, HashMap<String, String>>,
    path_add: Vec<String>,
    /// GITHUB_ACTION_PATH (default: this repository, as for `uses: ./`).
    action_path: PathBuf,
    /// The simulated actions/cache store: `<dir>/<key>` per saved entry.
    cache_store: Option<PathBuf>,
}

impl Runner {
    fn new(inputs: &[(&str, &str)]) -> Self {
        let tmp = tempfile::tempdir().expect("tmp");
        let mut all: HashMap<String, String> = HashMap::new();
        for (k, v) in action()["inputs"].as_object().expect("inputs") {
            all.insert(
                k.clone(),
                v["default"].as_str().unwrap_or_default().to_string(),
            );
        }
        for (k, v) in inputs {
            assert!(all.contains_key(*k), "unknown input {k}");
            all.insert(k.to_string(), v.to_string());
        }
        let bin = tmp.path().join("bin");
        std::fs::create_dir_all(&bin).expect("mkdir");
        std::fs::create_dir_all(tmp.path().join("files")).expect("mkdir");
        std::fs::create_dir_all(tmp.path().join("runner-temp")).expect("mkdir");
        std::fs::write(bin.join("curl"), CURL_STUB).expect("stub");
        chmod_x(&bin.join("curl"));
        Runner {
            tmp,
            inputs: all,
            env: Vec::new(),
            outputs: HashMap::new(),
            path_add: Vec::new(),
            action_path: PathBuf::from(ROOT),
            cache_store: None,
        }
    }

    fn p(&self, name: &str) -> PathBuf {
        self.tmp.path().join(name)
    }

    fn serve(&self, name: &str, content: &[u8]) {
        std::fs::write(self.p("files").join(name), content).expect("write");
    }

    /// Puts the test's countersign binary on PATH (as `install: skip` expects).
    fn link_countersign(&self) {
        #[cfg(unix)]
        std::os::unix::fs::symlink(BIN, self.p("bin").join("countersign")).expect("symlink");
    }

    /// Evaluates the `${{ … }}` expressions the action uses in `env:` (unknown ones fail).
    fn expand(&self, value: &str, event: &Value) -> String {
        let mut out = String::new();
        let mut rest = value;
        while let Some(start) = rest.find("${{") {
            out.push_str(&rest[..start]);
            let end = rest[start..].find("}}").expect("closed expression") + start;
            let expr = rest[start + 3..end].trim();
            let v = if let Some(name) = expr.strip_prefix("inputs.") {
                self.inputs.get(name).cloned().expect("known input")
            } else if let Some(path) = expr.strip_prefix("github.event.") {
                let mut cur = event;
                for part in path.split('.') {
                    cur = &cur[part];
                }
                match cur {
                    Value::Null => String::new(),
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                }
            } else if let Some(path) = expr.strip_prefix("steps.") {
                let mut parts = path.splitn(3, '.');
                let (id, _, name) = (parts.next().unwrap(), parts.next(), parts.next().unwrap());
                self.outputs
                    .get(id)
                    .and_then(|o| o.get(name))
                    .cloned()
                    .unwrap_or_default()
            } else {
                panic!("the test does not know the expression {expr}");
            };
            out.push_str(&v);
            rest = &rest[end + 2..];
        }
        out.push_str(rest);
        out
    }

    /// Evaluates a step's `if:` (the only form the action uses:
    /// `steps.ID.outputs.NAME == 'value'`).
    fn condition(&self, cond: &str, event: &Value) -> bool {
        let (lhs, rhs) = cond.split_once("==").expect("`a == 'b'` conditions only");
        let lhs = self.expand(&format!("${{{{ {} }}}}", lhs.trim()), event);
        let rhs = rhs.trim().trim_matches('\'');
        lhs == rhs
    }

    /// `actions/cache`: restores `<store>/<key>` into `path` (a hit) and remembers the
    /// entry to save when the job ends (its post step).
    fn cache_step(&mut self, step: &Step, event: &Value) -> Option<(PathBuf, String)> {
        let uses = step.uses.as_deref().unwrap_or_default();
        assert!(
            uses.starts_with("actions/cache@"),
            "unexpected action {uses}"
        );
        let with: HashMap<String, String> = step
            .with
            .iter()
            .map(|(k, v)| (k.clone(), self.expand(v, event)))
            .collect();
        let path = PathBuf::from(with.get("path").expect("cache path"));
        let key = with.get("key").expect("cache key").clone();
        assert!(!key.is_empty() && path.is_absolute(), "{key} {path:?}");
        let mut hit = false;
        if let Some(store) = &self.cache_store {
            let entry = store.join(&key);
            if entry.exists() {
                copy_dir(&entry, &path);
                hit = true;
            }
        }
        let mut out = HashMap::new();
        out.insert("cache-hit".to_string(), hit.to_string());
        self.outputs.insert(step.id.clone(), out);
        Some((path, key))
    }

    /// Runs every step in order (stopping at the first failure, as a composite action
    /// does); returns the failing step's id and exit code, if any. Cached paths are saved
    /// at the end, as actions/cache's post step does.
    fn run_action(&mut self, repo: &TestRepo, event: &Value) -> Option<(String, i32)> {
        let mut to_save: Vec<(PathBuf, String)> = Vec::new();
        let result = self.run_steps(repo, event, &mut to_save);
        if let Some(store) = &self.cache_store {
            for (path, key) in to_save {
                if path.exists() && !store.join(&key).exists() {
                    copy_dir(&path, &store.join(&key));
                }
            }
        }
        result
    }

    fn run_steps(
        &mut self,
        repo: &TestRepo,
        event: &Value,
        to_save: &mut Vec<(PathBuf, String)>,
    ) -> Option<(String, i32)> {
        for step in steps() {
            if let Some(cond) = &step.condition
                && !self.condition(cond, event)
            {
                continue;
            }
            if step.uses.is_some() {
                to_save.extend(self.cache_step(&step, event));
                continue;
            }
            let script = self.p(&format!("{}.sh", step.id));
            std::fs::write(&script, &step.run).expect("write script");
            let out_file = self.p(&format!("{}.output", step.id));
            std::fs::write(&out_file, "").expect("output file");
            let mut cmd = repo.command("bash");
            cmd.args(["--noprofile", "--norc", "-eo", "pipefail"])
                .arg(&script);
            let mut path: Vec<String> = self.path_add.iter().rev().cloned().collect();
            path.push(self.p("bin").to_string_lossy().into_owned());
            path.push(std::env::var("PATH").unwrap_or_default());
            cmd.env("PATH", path.join(":"));
            cmd.env("GITHUB_OUTPUT", &out_file);
            cmd.env("GITHUB_STEP_SUMMARY", self.p("summary.md"));
            cmd.env("GITHUB_PATH", self.p("github_path"));
            cmd.env("GITHUB_ACTION_PATH", &self.action_path);
            cmd.env("RUNNER_TEMP", self.p("runner-temp"));
            cmd.env("CURL_FILES", self.p("files"));
            cmd.env("CURL_LOG", self.p("curl.log"));
            for (k, v) in &self.env {
                cmd.env(k, v);
            }
            for (k, v) in &step.env {
                cmd.env(k, self.expand(v, event));
            }
            let out = cmd.output().expect("bash");
            self.record_log(&step.id, &out);
            self.outputs
                .insert(step.id.clone(), read_outputs(&out_file));
            if let Ok(p) = std::fs::read_to_string(self.p("github_path")) {
                self.path_add = p.lines().map(str::to_string).collect();
            }
            if !out.status.success() {
                return Some((step.id.clone(), out.status.code().unwrap_or(-1)));
            }
        }
        None
    }

    fn record_log(&self, id: &str, out: &std::process::Output) {
        let mut log = std::fs::read_to_string(self.p("steps.log")).unwrap_or_default();
        log.push_str(&format!(
            "== {id} ({})\n-- stdout\n{}\n-- stderr\n{}\n",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
        std::fs::write(self.p("steps.log"), log).expect("log");
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.p("steps.log")).unwrap_or_default()
    }

    fn curl_log(&self) -> String {
        std::fs::read_to_string(self.p("curl.log")).unwrap_or_default()
    }

    fn output(&self, step: &str, name: &str) -> Option<String> {
        self.outputs.get(step).and_then(|o| o.get(name)).cloned()
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
    let st = std::process::Command::new("cp")
        .arg("-a")
        .arg(from)
        .arg(to)
        .status()
        .expect("cp");
    assert!(st.success());
}

#[cfg(unix)]
fn chmod_x(p: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

/// Parses a `GITHUB_OUTPUT` file (`name=value` and `name<<DELIM` … `DELIM`).
fn read_outputs(path: &Path) -> HashMap<String, String> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut out = HashMap::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if let Some((name, delim)) = line.split_once("<<") {
            let mut value = Vec::new();
            for l in lines.by_ref() {
                if l == delim {
                    break;
                }
                value.push(l);
            }
            out.insert(name.to_string(), value.join("\n"));
        } else if let Some((k, v)) = line.split_once('=') {
            out.insert(k.to_string(), v.to_string());
        }
    }
    out
}

/// main (policy) → feature (one AI commit without a Reviewed-by trailer).
fn fixture_repo(policy: &str) -> (TestRepo, String, String) {
    let mut r = TestRepo::new();
    let base = r.commit_files(
        "Initial import",
        &[(".countersign.yml", policy), ("src/lib.rs", "\n")],
    );
    r.checkout(&["-b", "feature"]);
    let head = r.commit_files(
        &format!("Add helper\n\n{CLAUDE}\n"),
        &[("src/helper.rs", "pub fn helper() {}\n")],
    );
    (r, base, head)
}

fn github_env(r: &mut Runner, event: &Value) {
    let ev = r.p("event.json");
    std::fs::write(&ev, event.to_string()).expect("event");
    r.env = vec![
        ("GITHUB_ACTIONS".into(), "true".into()),
        ("GITHUB_EVENT_NAME".into(), "pull_request".into()),
        (
            "GITHUB_EVENT_PATH".into(),
            ev.to_string_lossy().into_owned(),
        ),
        ("GITHUB_REPOSITORY".into(), "acme/app".into()),
        ("GITHUB_API_URL".into(), "https://api.github.invalid".into()),
        ("RUNNER_OS".into(), "Linux".into()),
        ("RUNNER_ARCH".into(), "X64".into()),
        // Empty inside composite actions on real runners (actions/runner#2473).
        ("GITHUB_ACTION_REPOSITORY".into(), String::new()),
    ];
}

fn pr_event(base: &str, head: &str) -> Value {
    let mut v: Value =
        serde_json::from_str(&PR_EVENT.replace("__BASE__", base).replace("__HEAD__", head))
            .expect("fixture");
    // Hostile PR text: must stay data.
    v["pull_request"]["title"] = "\"; touch pwned; echo \" $(touch pwned) `touch pwned`".into();
    v["pull_request"]["body"] = "::error::forged\n::set-output name=verdict::pass".into();
    v["pull_request"]["head"]["ref"] = "x$(touch${IFS}pwned)".into();
    v
}

#[test]
fn action_fetches_paginated_reviews_and_runs_countersign() {
    let policy = POLICY.replace("review: trailer", "review: approval");
    let (repo, base, head) = fixture_repo(&policy);
    let sarif = repo.tmp.path().join("countersign.sarif");
    let sarif_s = sarif.to_string_lossy().into_owned();
    let reports_in = format!("json={}\n", repo.tmp.path().join("r.json").display());
    let mut r = Runner::new(&[
        ("install", "skip"),
        ("token", "t0k3n"),
        ("sarif", &sarif_s),
        ("reports", &reports_in),
    ]);
    r.link_countersign();
    // Page 1: an approval by carol on an old commit, later superseded; page 2: bob approves
    // the head; page 3 is empty and ends the loop.
    r.serve(
        "reviews-page-1.json",
        format!(
            r#"[{{"user":{{"login":"carol","type":"User"}},"state":"APPROVED","commit_id":"{base}"}}]"#
        )
        .as_bytes(),
    );
    r.serve(
        "reviews-page-2.json",
        format!(
            r#"[{{"user":{{"login":"carol","type":"User"}},"state":"CHANGES_REQUESTED","commit_id":"{head}"}},
               {{"user":{{"login":"bob-gh","type":"User"}},"state":"APPROVED","commit_id":"{head}"}}]"#
        )
        .as_bytes(),
    );
    let event = pr_event(&base, &head);
    github_env(&mut r, &event);
    let failed = r.run_action(&repo, &event);
    assert_eq!(failed, None, "{}", r.log());
    let curl = r.curl_log();
    for page in 1..=3 {
        assert!(
            curl.contains(&format!(
                "url: https://api.github.invalid/repos/acme/app/pulls/17/reviews?per_page=100&page={page}"
            )),
            "{curl}"
        );
    }
    assert!(!curl.contains("page=4"), "{curl}");
    assert!(
        curl.contains("header: Authorization: Bearer t0k3n"),
        "{curl}"
    );
    assert_eq!(
        r.output("run", "verdict").as_deref(),
        Some("pass"),
        "{}",
        r.log()
    );
    assert_eq!(
        r.output("run", "sarif-report").as_deref(),
        Some(sarif_s.as_str())
    );
    let v: Value =
        serde_json::from_str(&std::fs::read_to_string(&sarif).expect("sarif")).expect("json");
    assert_eq!(v["version"], "2.1.0");
    assert!(
        repo.tmp.path().join("r.json").exists(),
        "reports input honoured"
    );
    assert!(
        std::fs::read_to_string(r.p("summary.md"))
            .expect("summary")
            .contains("countersign")
    );
    assert!(!repo.path().join("pwned").exists());
    assert!(!r.p("runner-temp").join("pwned").exists());
    // Expanded composite outputs.
    let outputs = action()["outputs"].clone();
    assert_eq!(
        r.expand(
            outputs["verdict"]["value"].as_str().unwrap_or_default(),
            &event
        ),
        "pass"
    );
    assert_eq!(
        r.expand(
            outputs["sarif"]["value"].as_str().unwrap_or_default(),
            &event
        ),
        sarif_s
    );
}

#[test]
fn action_fails_the_step_when_the_check_fails_or_cannot_decide() {
    // Trailer policy, no Reviewed-by: exit 1, verdict=fail.
    let (repo, base, head) = fixture_repo(POLICY);
    let mut r = Runner::new(&[("install", "skip")]);
    r.link_countersign();
    let event = pr_event(&base, &head);
    github_env(&mut r, &event);
    assert_eq!(
        r.run_action(&repo, &event),
        Some(("run".into(), 1)),
        "{}",
        r.log()
    );
    assert_eq!(r.output("run", "verdict").as_deref(), Some("fail"));
    assert!(r.curl_log().is_empty(), "no token, no API call");
    // Approval policy, reviews API forbidden (no `pull-requests: read`): exit 2, verdict=error.
    let policy = POLICY.replace("review: trailer", "review: approval");
    let (repo, base, head) = fixture_repo(&policy);
    let mut r = Runner::new(&[("install", "skip"), ("token", "t")]);
    r.link_countersign();
    r.serve("reviews-page-1.json", REVIEWS_ERROR.as_bytes());
    let event = pr_event(&base, &head);
    github_env(&mut r, &event);
    r.env.push(("CURL_STATUS".into(), "403".into()));
    assert_eq!(
        r.run_action(&repo, &event),
        Some(("run".into(), 2)),
        "{}",
        r.log()
    );
    assert_eq!(r.output("run", "verdict").as_deref(), Some("error"));
    assert!(r.log().contains("pull-requests: read"), "{}", r.log());
    // install: skip without countersign on PATH fails at the install step.
    let mut r = Runner::new(&[("install", "skip")]);
    github_env(&mut r, &event);
    let failed = r.run_action(&repo, &event);
    assert_eq!(failed.map(|f| f.0).as_deref(), Some("install"));
}

/// Packs a release archive with the release's own packaging (`ci/release/dist.sh`) around
/// `binary`; returns the archive's path and SHA-256 (from the system's sha256sum).
fn dist_archive(dir: &Path, version: &str, target: &str, binary: &str) -> (PathBuf, String) {
    let bin = dir.join("stage-bin");
    std::fs::create_dir_all(&bin).expect("mkdir");
    let exe = bin.join("countersign");
    std::fs::write(&exe, binary).expect("write");
    chmod_x(&exe);
    // Completions and man pages from the real binary, as the release job makes them.
    let extras = dir.join("extras");
    let dist = Path::new(ROOT).join("ci/release/dist.sh");
    let st = std::process::Command::new("bash")
        .arg(&dist)
        .args(["extras", BIN])
        .arg(&extras)
        .status()
        .expect("dist.sh extras");
    assert!(st.success());
    let out = std::process::Command::new("bash")
        .arg(&dist)
        .args(["archive", version, target])
        .arg(&exe)
        .arg(&extras)
        .arg(dir.join("dist"))
        .output()
        .expect("dist.sh archive");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let path = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    let sum = std::process::Command::new("sha256sum")
        .arg(&path)
        .output()
        .expect("sha256sum");
    let hash = String::from_utf8_lossy(&sum.stdout)
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_string();
    (path, hash)
}

const FAKE_BIN: &str = "#!/bin/sh\necho \"countersign 9.9.9 (fake)\"\n";
const ASSET: &str = "countersign-v9.9.9-x86_64-unknown-linux-musl.tar.gz";

/// A remote action as the runner lays it out: `<tmp>/_actions/OWNER/REPO/REF`, holding the
/// action's checksums file with `sums`.
fn remote_action(r: &Runner, owner_repo: &str, sums: Option<&str>) -> PathBuf {
    let dir = r.p("work/_actions").join(owner_repo).join("v1");
    std::fs::create_dir_all(dir.join("ci/github")).expect("mkdir");
    if let Some(s) = sums {
        std::fs::write(dir.join("ci/github/checksums.sha256"), s).expect("write");
    }
    dir
}

/// Runs the action with `version: 9.9.9` whose archive is served; `sums` (with HASH replaced
/// by the archive's hash) is the action's checksums file.
fn run_download(
    sums: Option<&str>,
    layout: Option<&str>,
    action_repo_env: &str,
) -> (Runner, Option<(String, i32)>, TestRepo) {
    let (repo, base, head) = fixture_repo(POLICY);
    let event = pr_event(&base, &head);
    let mut r = Runner::new(&[("version", "9.9.9")]);
    let (archive, hash) =
        dist_archive(r.tmp.path(), "9.9.9", "x86_64-unknown-linux-musl", FAKE_BIN);
    assert_eq!(archive.file_name().and_then(|n| n.to_str()), Some(ASSET));
    r.serve(ASSET, &std::fs::read(&archive).expect("archive"));
    // The server also offers a SHA256SUMS that matches: it must not matter (no fallback).
    r.serve("SHA256SUMS", format!("{hash}  {ASSET}\n").as_bytes());
    let sums = sums.map(|s| s.replace("HASH", &hash));
    r.action_path = match layout {
        Some(owner_repo) => remote_action(&r, owner_repo, sums.as_deref()),
        None => {
            let dir = r.p("workspace");
            std::fs::create_dir_all(dir.join("ci/github")).expect("mkdir");
            if let Some(s) = &sums {
                std::fs::write(dir.join("ci/github/checksums.sha256"), s).expect("write");
            }
            dir
        }
    };
    github_env(&mut r, &event);
    for (k, v) in r.env.iter_mut() {
        if k == "GITHUB_ACTION_REPOSITORY" {
            *v = action_repo_env.to_string();
        }
    }
    let failed = r.run_action(&repo, &event);
    (r, failed, repo)
}

#[test]
fn release_download_is_verified_against_the_actions_own_checksums() {
    let header = "# comment line\n";
    // Good checksum; the repository comes from the action's path on the runner
    // (GITHUB_ACTION_REPOSITORY is empty inside composite actions, actions/runner#2473).
    let good = format!("{header}HASH  {ASSET}\n");
    let (r, failed, _) = run_download(Some(&good), Some("acme/countersign"), "");
    assert_eq!(failed, None, "{}", r.log());
    assert_eq!(
        r.log().matches("countersign 9.9.9 (fake)").count(),
        2,
        "installed, then used by the run step: {}",
        r.log()
    );
    let curl = r.curl_log();
    assert!(
        curl.contains(&format!(
            "url: https://github.com/acme/countersign/releases/download/v9.9.9/{ASSET}"
        )),
        "{curl}"
    );
    assert!(
        !curl.contains("SHA256SUMS"),
        "no checksum from the server: {curl}"
    );
    // A fork's action downloads from the fork (its own checksums file vouches for it).
    let (r, failed, _) = run_download(Some(&good), Some("someone/countersign-fork"), "");
    assert_eq!(failed, None, "{}", r.log());
    assert!(
        r.curl_log()
            .contains("github.com/someone/countersign-fork/releases/download/v9.9.9/")
    );
    // Not the runner's layout (a local `uses: ./`): GITHUB_ACTION_REPOSITORY when set…
    let (r, failed, _) = run_download(Some(&good), None, "acme/mirror");
    assert_eq!(failed, None, "{}", r.log());
    assert!(
        r.curl_log().contains("github.com/acme/mirror/releases/"),
        "{}",
        r.curl_log()
    );
    // …else the project's home.
    let (r, failed, _) = run_download(Some(&good), None, "");
    assert_eq!(failed, None, "{}", r.log());
    assert!(
        r.curl_log()
            .contains("github.com/countersign-dev/countersign/releases/download/v9.9.9/"),
        "{}",
        r.curl_log()
    );

    // Wrong checksum: refused, the binary never runs.
    let bad = format!("{}  {ASSET}\n", "0".repeat(64));
    let (r, failed, _) = run_download(Some(&bad), Some("acme/countersign"), "");
    assert_eq!(
        failed.map(|f| f.0).as_deref(),
        Some("install"),
        "{}",
        r.log()
    );
    assert!(r.log().contains("SHA-256 mismatch"), "{}", r.log());
    assert!(!r.log().contains("(fake)"), "{}", r.log());
    // Missing checksum (another archive listed, or no file at all) → refused before any
    // download, even though the server offers a matching SHA256SUMS.
    for sums in [
        Some(format!("HASH  other-{ASSET}\n")),
        Some(header.to_string()),
        None,
    ] {
        let (r, failed, _) = run_download(sums.as_deref(), Some("acme/countersign"), "");
        assert_eq!(
            failed.map(|f| f.0).as_deref(),
            Some("install"),
            "{}",
            r.log()
        );
        assert!(
            r.log().contains("refusing to run an unverified binary"),
            "{}",
            r.log()
        );
        assert!(r.curl_log().is_empty(), "{}", r.curl_log());
        assert!(!r.log().contains("(fake)"));
    }
    // The repository's own checksums file lists only well-formed lines for real archives.
    let own = std::fs::read_to_string(Path::new(ROOT).join("ci/github/checksums.sha256"))
        .expect("ci/github/checksums.sha256");
    for line in own
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let (hash, name) = line.split_once("  ").expect("sha256sum format");
        assert!(
            hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()),
            "{line}"
        );
        assert!(name.starts_with("countersign-v"), "{line}");
    }
}

#[test]
fn version_input_is_validated_before_anything_runs() {
    let (repo, base, head) = fixture_repo(POLICY);
    let event = pr_event(&base, &head);
    for v in [
        "1.0; touch pwned",
        "latest",
        "v1.2.3",
        "1.2",
        "$(touch pwned)",
    ] {
        let mut r = Runner::new(&[("version", v)]);
        github_env(&mut r, &event);
        let failed = r.run_action(&repo, &event);
        assert_eq!(
            failed.map(|f| f.0).as_deref(),
            Some("prepare"),
            "{v}: {}",
            r.log()
        );
        assert!(r.curl_log().is_empty());
    }
    assert!(!repo.path().join("pwned").exists());
}

/// A `cargo` stand-in for the source build: logs its arguments and "installs" a script.
const CARGO_STUB: &str = r#"#!/bin/bash
echo "cargo $*" >> "$CURL_LOG"
root=""
while [ $# -gt 0 ]; do case "$1" in --root) root="$2"; shift 2 ;; *) shift ;; esac; done
mkdir -p "$root/bin"
printf '#!/bin/sh\necho "countersign 0.0.0 (built from source, fake)"\n' > "$root/bin/countersign"
chmod +x "$root/bin/countersign"
"#;

#[test]
fn without_version_the_source_build_is_cached_by_a_hash_of_the_source() {
    let (repo, base, head) = fixture_repo(POLICY);
    let event = pr_event(&base, &head);
    let store = tempfile::tempdir().expect("cache store");
    // A copy of what the build reads, so the test can change it.
    let src = tempfile::tempdir().expect("action copy");
    for f in ["Cargo.toml", "Cargo.lock", "build.rs"] {
        std::fs::copy(Path::new(ROOT).join(f), src.path().join(f)).expect("copy");
    }
    copy_dir(&Path::new(ROOT).join("src"), &src.path().join("src"));
    let run = |label: &str| {
        let mut r = Runner::new(&[]);
        std::fs::write(r.p("bin").join("cargo"), CARGO_STUB).expect("stub");
        chmod_x(&r.p("bin").join("cargo"));
        r.action_path = src.path().to_path_buf();
        r.cache_store = Some(store.path().to_path_buf());
        github_env(&mut r, &event);
        let failed = r.run_action(&repo, &event);
        assert_eq!(failed, None, "{label}: {}", r.log());
        let key = r.output("prepare", "key").unwrap_or_default();
        let hit = r.output("cache", "cache-hit").unwrap_or_default();
        (r, key, hit)
    };
    // First run: cache miss, cargo builds from the action's path (locked), result saved.
    let (r, key1, hit) = run("cold");
    assert_eq!(hit, "false");
    assert!(key1.starts_with("countersign-build-Linux-X64-"), "{key1}");
    let root = r.output("prepare", "root").unwrap_or_default();
    assert!(
        r.curl_log().contains(&format!(
            "cargo install --locked --root {root} --path {}",
            src.path().display()
        )),
        "{}",
        r.curl_log()
    );
    assert!(r.log().contains("built from source, fake"), "{}", r.log());
    // Second run, same source: restored from the cache, no cargo at all.
    let (r, key2, hit) = run("warm");
    assert_eq!((key2.as_str(), hit.as_str()), (key1.as_str(), "true"));
    assert!(!r.curl_log().contains("cargo"), "{}", r.curl_log());
    assert!(r.log().contains("using the cached build"), "{}", r.log());
    // A changed source file is a new key: rebuilt, never a stale binary.
    let lib = src.path().join("src/lib.rs");
    let mut text = std::fs::read_to_string(&lib).expect("lib.rs");
    text.push_str("\n// changed\n");
    std::fs::write(&lib, text).expect("write");
    let (r, key3, hit) = run("changed");
    assert_ne!(key3, key1);
    assert_eq!(hit, "false");
    assert!(r.curl_log().contains("cargo install"), "{}", r.curl_log());
}

// ------------------------------------------------------------------------------------------
// GitLab template

fn gitlab_files() -> (Value, Value, Value) {
    let plain = parse_yaml(
        &std::fs::read_to_string(Path::new(ROOT).join("ci/gitlab/countersign.gitlab-ci.yml"))
            .expect("template"),
    );
    let comp = std::fs::read_to_string(Path::new(ROOT).join("templates/countersign.yml"))
        .expect("component at templates/ (where GitLab resolves components)");
    let (spec, job) = comp.split_once("\n---\n").expect("spec header and ---");
    (plain, parse_yaml(spec), parse_yaml(job))
}

#[test]
fn gitlab_template_shape() {
    let (plain, spec, comp) = gitlab_files();
    for job in [&plain["countersign"], &comp["countersign"]] {
        assert_eq!(job["artifacts"]["when"], "always");
        assert!(job["artifacts"]["reports"]["codequality"].is_string());
        assert!(job["artifacts"]["reports"]["junit"].is_string());
        assert!(job.get("allow_failure").is_none(), "never allow_failure");
        assert_eq!(job["variables"]["GIT_DEPTH"], "0");
        let rules = job["rules"].to_string();
        assert!(rules.contains("merge_request_event"), "{rules}");
        assert!(rules.contains("\\\"push\\\""), "{rules}");
        assert!(
            !rules.contains("never"),
            "no rule switches the job off: {rules}"
        );
    }
    assert_eq!(
        plain["countersign"]["script"], comp["countersign"]["script"],
        "the include template and the component run the same script"
    );
    assert!(
        !Path::new(ROOT).join("ci/gitlab/templates").exists(),
        "GitLab resolves components only from templates/ at the root"
    );
    for input in ["stage", "image", "version", "sha256", "releases_url"] {
        assert!(spec["spec"]["inputs"][input].is_object(), "input {input}");
    }
}

fn job_script(job: &Value) -> String {
    let lines: Vec<String> = job["script"]
        .as_array()
        .expect("script")
        .iter()
        .map(|l| l.as_str().expect("string line").to_string())
        .collect();
    lines.join("\n")
}

/// Runs the job's script (as the runner does: one bash, `-eo pipefail`) in a clone of
/// the fixture repository, with `vars` and countersign on PATH.
fn run_gitlab(
    origin: &TestRepo,
    head: &str,
    base: &str,
    r: &Runner,
    vars: &[(&str, &str)],
) -> (i32, String, TestRepo) {
    let (plain, _, _) = gitlab_files();
    run_gitlab_job(&plain["countersign"], origin, head, base, r, vars)
}

/// Runs `job` (its `variables:` first, then the CI_* defaults, then `vars`).
fn run_gitlab_job(
    job: &Value,
    origin: &TestRepo,
    head: &str,
    base: &str,
    r: &Runner,
    vars: &[(&str, &str)],
) -> (i32, String, TestRepo) {
    let clone = TestRepo::clone_from(origin, &["--no-single-branch"]);
    let script = r.p("gitlab.sh");
    std::fs::write(&script, job_script(job)).expect("script");
    let mut cmd = clone.command("bash");
    for (k, v) in string_map(&job["variables"]) {
        cmd.env(k, v);
    }
    cmd.args(["--noprofile", "--norc", "-eo", "pipefail"])
        .arg(&script);
    cmd.env(
        "PATH",
        format!(
            "{}:{}",
            r.p("bin").display(),
            std::env::var("PATH").unwrap_or_default()
        ),
    );
    cmd.env("CURL_FILES", r.p("files"));
    cmd.env("CURL_LOG", r.p("curl.log"));
    let defaults = [
        ("GITLAB_CI", "true"),
        ("CI_PIPELINE_SOURCE", "merge_request_event"),
        ("CI_MERGE_REQUEST_IID", "17"),
        ("CI_MERGE_REQUEST_EVENT_TYPE", "detached"),
        ("CI_COMMIT_SHA", head),
        ("CI_COMMIT_BEFORE_SHA", ZERO),
        ("CI_MERGE_REQUEST_DIFF_BASE_SHA", base),
        ("CI_MERGE_REQUEST_TITLE", "Add helper; $(touch pwned)"),
        ("CI_MERGE_REQUEST_DESCRIPTION", "`touch pwned`"),
        ("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME", "feature"),
        ("CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "main"),
        ("CI_DEFAULT_BRANCH", "main"),
        ("CI_API_V4_URL", "https://gitlab.invalid/api/v4"),
        ("CI_PROJECT_ID", "42"),
    ];
    for (k, v) in defaults {
        cmd.env(k, v);
    }
    for (k, v) in vars {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("bash");
    let log = format!(
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), log, clone)
}

#[test]
fn gitlab_job_script_runs_against_a_fixture_repository() {
    // Trailer policy, AI commit without reviewer: the job fails (exit 1) and still leaves
    // both reports for `artifacts: when: always`.
    let (repo, base, head) = fixture_repo(POLICY);
    let r = Runner::new(&[]);
    r.link_countersign();
    let (code, log, clone) = run_gitlab(&repo, &head, &base, &r, &[]);
    assert_eq!(code, 1, "{log}");
    let cq: Value = serde_json::from_str(
        &std::fs::read_to_string(clone.path().join("gl-code-quality-countersign.json"))
            .expect("cq"),
    )
    .expect("json");
    assert_eq!(cq[0]["check_name"], "missing-reviewer");
    assert!(
        std::fs::read_to_string(clone.path().join("countersign-junit.xml"))
            .expect("junit")
            .contains("<testsuite")
    );
    assert!(log.contains("countersign: checking 1 commit(s)"), "{log}");
    assert!(!clone.path().join("pwned").exists());
    assert!(r.curl_log().is_empty(), "no token, no API call");

    // Approval policy: with COUNTERSIGN_GITLAB_TOKEN the job fetches the MR and approvals.
    let policy = POLICY.replace("review: trailer", "review: approval");
    let (repo, base, head) = fixture_repo(&policy);
    let r = Runner::new(&[]);
    r.link_countersign();
    let mr = MR_JSON
        .replace("__DESCRIPTION__", "Full description")
        .replace("__HEAD__", &head)
        .replace("__BASE__", &base);
    r.serve("17", mr.as_bytes());
    r.serve("approvals", APPROVALS.as_bytes());
    let (code, log, _) = run_gitlab(
        &repo,
        &head,
        &base,
        &r,
        &[("COUNTERSIGN_GITLAB_TOKEN", "glpat-x")],
    );
    assert_eq!(code, 0, "{log}");
    let curl = r.curl_log();
    assert!(
        curl.contains("url: https://gitlab.invalid/api/v4/projects/42/merge_requests/17/approvals"),
        "{curl}"
    );
    assert!(curl.contains("header: PRIVATE-TOKEN: glpat-x"), "{curl}");
    // Without the token: no approval data → exit 2 with the fix.
    let (code, log, _) = run_gitlab(&repo, &head, &base, &r, &[]);
    assert_eq!(code, 2, "{log}");
    assert!(log.contains("COUNTERSIGN_GITLAB_TOKEN"), "{log}");
    // Truncated description and no token: exit 2.
    let (repo, base, head) = fixture_repo(POLICY);
    let (code, log, _) = run_gitlab(
        &repo,
        &head,
        &base,
        &r,
        &[("CI_MERGE_REQUEST_DESCRIPTION_IS_TRUNCATED", "true")],
    );
    assert_eq!(code, 2, "{log}");
    assert!(log.contains("--mr FILE"), "{log}");
}

/// A countersign "binary" that runs the test's build (a release archive of the real 100 MB
/// debug binary would only slow the test down).
fn forwarding_binary() -> String {
    format!("#!/bin/sh\nexec '{BIN}' \"$@\"\n")
}

#[test]
fn gitlab_job_installs_the_pinned_release_only_when_its_sha256_matches() {
    if !cfg!(target_arch = "x86_64") {
        eprintln!("the GitLab download test serves the x86_64 archive; skipped on this machine");
        return;
    }
    let (repo, base, head) = fixture_repo(POLICY);
    let r = Runner::new(&[]);
    let (archive, hash) = dist_archive(
        r.tmp.path(),
        "9.9.9",
        "x86_64-unknown-linux-musl",
        &forwarding_binary(),
    );
    r.serve(ASSET, &std::fs::read(&archive).expect("archive"));
    let pinned = |sha: &str| -> Vec<(String, String)> {
        vec![
            ("COUNTERSIGN_PINNED_VERSION".into(), "9.9.9".into()),
            ("COUNTERSIGN_PINNED_SHA256_X86_64".into(), sha.into()),
        ]
    };
    let run = |vars: Vec<(String, String)>| {
        let v: Vec<(&str, &str)> = vars.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        run_gitlab(&repo, &head, &base, &r, &v)
    };
    // Pinned hash matches: installed, and the real check runs (exit 1: no reviewer).
    let (code, log, _) = run(pinned(&hash));
    assert_eq!(code, 1, "{log}");
    assert!(log.contains(": OK"), "sha256sum -c confirmed it: {log}");
    assert!(log.contains("countersign: checking 1 commit(s)"), "{log}");
    assert!(
        r.curl_log().contains(&format!(
            "url: https://github.com/countersign-dev/countersign/releases/download/v9.9.9/{ASSET}"
        )),
        "{}",
        r.curl_log()
    );
    // Wrong pinned hash: refused, countersign never runs.
    let (code, log, _) = run(pinned(&"0".repeat(64)));
    assert_ne!(code, 0, "{log}");
    assert!(log.contains("FAILED"), "{log}");
    assert!(!log.contains("checking 1 commit"), "{log}");
    // No hash known (nothing pinned yet, or another version without COUNTERSIGN_SHA256):
    // refused before downloading.
    for vars in [
        pinned(""),
        vec![
            ("COUNTERSIGN_PINNED_VERSION".into(), "9.9.8".into()),
            ("COUNTERSIGN_PINNED_SHA256_X86_64".into(), hash.clone()),
            ("COUNTERSIGN_VERSION".into(), "9.9.9".into()),
        ],
    ] {
        let before = r.curl_log().len();
        let (code, log, _) = run(vars);
        assert_eq!(code, 2, "{log}");
        assert!(log.contains("refusing an unverified binary"), "{log}");
        assert_eq!(r.curl_log().len(), before, "no download");
    }
    // Nothing pinned at all (the templates before the first release): a clear refusal.
    let (code, log, _) = run(vec![]);
    assert_eq!(code, 2, "{log}");
    assert!(log.contains("no release pinned"), "{log}");
    // Another version with its own hash: accepted.
    let (code, log, _) = run(vec![
        ("COUNTERSIGN_VERSION".into(), "9.9.9".into()),
        ("COUNTERSIGN_SHA256".into(), hash.clone()),
    ]);
    assert_eq!(code, 1, "{log}");
    // Never `cargo install` by name, in either template's job.
    let (plain, _, comp) = gitlab_files();
    for job in [&plain["countersign"], &comp["countersign"]] {
        assert!(!job_script(job).contains("cargo install"));
    }
}

#[test]
fn release_pins_make_the_gitlab_templates_and_the_action_verify_that_release() {
    // dist.sh pins on a copy of the files it edits, with a SHA256SUMS as the release makes it.
    let work = tempfile::tempdir().expect("tmp");
    for f in [
        "ci/github/checksums.sha256",
        "ci/gitlab/countersign.gitlab-ci.yml",
        "templates/countersign.yml",
        "ci/release/dist.sh",
        "README.md",
        "LICENSE-MIT",
        "LICENSE-APACHE",
    ] {
        let to = work.path().join(f);
        std::fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
        std::fs::copy(Path::new(ROOT).join(f), &to).expect("copy");
    }
    let dist = work.path().join("ci/release/dist.sh");
    let r = Runner::new(&[]);
    let mut names = Vec::new();
    for target in [
        "x86_64-unknown-linux-musl",
        "aarch64-unknown-linux-musl",
        "x86_64-pc-windows-msvc",
    ] {
        let (archive, _) = dist_archive(r.tmp.path(), "9.9.9", target, &forwarding_binary());
        names.push(
            archive
                .file_name()
                .expect("name")
                .to_string_lossy()
                .into_owned(),
        );
    }
    let dist_dir = r.tmp.path().join("dist");
    let sums = std::process::Command::new("bash")
        .arg(&dist)
        .arg("sums")
        .arg(&dist_dir)
        .output()
        .expect("sums");
    assert!(sums.status.success());
    let sums_text = std::fs::read_to_string(dist_dir.join("SHA256SUMS")).expect("SHA256SUMS");
    assert_eq!(sums_text.lines().count(), 3, "{sums_text}");
    for n in &names {
        assert!(sums_text.contains(&format!("  {n}\n")), "{n}");
    }
    let pin = |version: &str| {
        let out = std::process::Command::new("bash")
            .arg(&dist)
            .args(["pins", version])
            .arg(dist_dir.join("SHA256SUMS"))
            .output()
            .expect("pins");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    assert_eq!(pin("9.9.9").0, Some(0));
    assert_eq!(pin("9.9.9").0, Some(0), "idempotent");
    let (code, err) = pin("1.0.0");
    assert_eq!(code, Some(2), "a version the sums do not list: {err}");
    // The action's list now has exactly those lines (once, despite two runs).
    let action_sums =
        std::fs::read_to_string(work.path().join("ci/github/checksums.sha256")).expect("read");
    for line in sums_text.lines() {
        assert_eq!(action_sums.matches(line).count(), 1, "{action_sums}");
    }
    // Both templates pin 9.9.9 and its Linux hashes; the pinned plain template's job
    // installs the served archive with no variable set by the user.
    let x86 = sums_text
        .lines()
        .find(|l| l.ends_with(ASSET))
        .and_then(|l| l.split_whitespace().next())
        .expect("x86 line")
        .to_string();
    for t in [
        "ci/gitlab/countersign.gitlab-ci.yml",
        "templates/countersign.yml",
    ] {
        let text = std::fs::read_to_string(work.path().join(t)).expect("read");
        assert!(
            text.contains("COUNTERSIGN_PINNED_VERSION: \"9.9.9\" # pinned version"),
            "{t}"
        );
        assert!(
            text.contains(&format!("COUNTERSIGN_PINNED_SHA256_X86_64: \"{x86}\"")),
            "{t}"
        );
    }
    let plain = parse_yaml(
        &std::fs::read_to_string(work.path().join("ci/gitlab/countersign.gitlab-ci.yml"))
            .expect("read"),
    );
    let (repo, base, head) = fixture_repo(POLICY);
    r.serve(
        ASSET,
        &std::fs::read(dist_dir.join(ASSET)).expect("archive"),
    );
    let (code, log, _) = run_gitlab_job(&plain["countersign"], &repo, &head, &base, &r, &[]);
    assert_eq!(code, 1, "installed and checked: {log}");
    assert!(log.contains("countersign: checking 1 commit(s)"), "{log}");
}

#[test]
fn gitlab_push_pipeline_uses_before_sha() {
    let (mut repo, base, _) = fixture_repo(POLICY);
    let head = repo.commit_files(
        &format!("Reviewed\n\n{CLAUDE}\nReviewed-by: Bob Reviewer <bob@example.com>\n"),
        &[("src/more.rs", "m\n")],
    );
    let r = Runner::new(&[]);
    r.link_countersign();
    let push: Vec<(&str, &str)> = vec![
        ("CI_PIPELINE_SOURCE", "push"),
        ("CI_MERGE_REQUEST_IID", ""),
        ("CI_MERGE_REQUEST_TARGET_BRANCH_NAME", ""),
        ("CI_MERGE_REQUEST_DIFF_BASE_SHA", ""),
        ("CI_COMMIT_BRANCH", "feature"),
    ];
    // before = the unreviewed commit: only the reviewed one is checked → pass.
    let before = repo.rev("HEAD~1");
    let mut vars = push.clone();
    vars.push(("CI_COMMIT_BEFORE_SHA", &before));
    let (code, log, _) = run_gitlab(&repo, &head, &base, &r, &vars);
    assert_eq!(code, 0, "{log}");
    // before = zeros: compared with origin/main (fetched by the script) → both commits fail,
    // but `feature` is not protected: reported, not enforced (issue 12).
    let mut vars = push.clone();
    vars.push(("CI_COMMIT_BEFORE_SHA", ZERO));
    let (code, log, _) = run_gitlab(&repo, &head, &base, &r, &vars);
    assert_eq!(code, 0, "{log}");
    assert!(log.contains("checking 2 commit(s)"), "{log}");
    assert!(log.contains("missing-reviewer"), "{log}");
    assert!(
        log.contains("refs/heads/feature is not a protected ref"),
        "{log}"
    );
    // The same commits pushed to the default branch: enforced.
    let mut vars: Vec<(&str, &str)> = push
        .iter()
        .map(|&(k, v)| {
            if k == "CI_COMMIT_BRANCH" {
                (k, "main")
            } else {
                (k, v)
            }
        })
        .collect();
    vars.push(("CI_COMMIT_BEFORE_SHA", &base));
    let (code, log, _) = run_gitlab(&repo, &head, &base, &r, &vars);
    assert_eq!(code, 1, "{log}");
    assert!(log.contains("checking 2 commit(s)"), "{log}");
    assert!(!log.contains("not a protected ref"), "{log}");
}
