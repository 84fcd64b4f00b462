//! `countersign audit` and the evidence log end to end, on real temporary repositories:
//! the hash chain and its verification (edits, removals, insertions, reorders, truncation),
//! concurrent appends, refusal to touch foreign or damaged files, and the audit's figures in
//! JSON Lines, Markdown and HTML (well-formed, escaped, self-contained).

use crate::support;

use std::path::Path;

use serde_json::Value;
use support::TestRepo;

const BIN: &str = env!("CARGO_BIN_EXE_countersign");
const POLICY: &str = include_str!("../../fixtures/audit/policy.yml");
const CLAUDE: &str = "Co-authored-by: Claude <noreply@anthropic.com>";
const RITA: &str = "Reviewed-by: Rita Reviewer <rita@example.com>";
const OTTO: &str = "Reviewed-by: Otto Other <otto@example.com>";
/// The subject of the failing commit: markup that must be escaped everywhere.
const EVIL: &str = "feat: <script>alert(1)</script> & \"q\" <b>";

pub(crate) struct Run {
    pub(crate) code: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

pub(crate) fn run(repo: &TestRepo, args: &[&str]) -> Run {
    let out = repo
        .command(BIN)
        .args(args)
        .output()
        .expect("run countersign");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Commits with an explicit date (Unix seconds, UTC).
pub(crate) fn commit_at(r: &mut TestRepo, when: u64, msg: &str, files: &[(&str, &str)]) -> String {
    for (p, c) in files {
        r.write(p, c);
    }
    r.git(&["add", "-A"]);
    let date = format!("@{when} +0000");
    let out = r
        .command("git")
        .args(["commit", "-q", "--allow-empty", "-m", msg])
        .env("GIT_AUTHOR_DATE", &date)
        .env("GIT_COMMITTER_DATE", &date)
        .output()
        .expect("git commit");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    r.head()
}

const DAY: u64 = 86_400;
/// 2024-01-02, a Tuesday of ISO week 2024-W01.
const W01: u64 = 1_704_153_600;

/// Six commits over three ISO weeks; four AI-assisted; three need evidence: one evidenced,
/// one missing (fails), one waived.
fn fixture() -> TestRepo {
    let mut r = TestRepo::new();
    commit_at(
        &mut r,
        W01,
        "Initial import",
        &[(".countersign.yml", POLICY), ("src/lib.rs", "\n")],
    );
    commit_at(
        &mut r,
        W01 + 3600,
        &format!("docs: guide\n\n{CLAUDE}\n"),
        &[("docs/guide.md", "# guide\n")],
    );
    commit_at(
        &mut r,
        W01 + 7 * DAY,
        &format!("feat: api\n\nAssisted-by: Claude:claude-opus-4-6\n{RITA}\n"),
        &[("src/api.rs", "fn api() {}\n")],
    );
    commit_at(
        &mut r,
        W01 + 7 * DAY + 3600,
        &format!("{EVIL}\n\n{CLAUDE}\n"),
        &[("src/evil.rs", "\n")],
    );
    commit_at(
        &mut r,
        W01 + 14 * DAY,
        &format!("pay: hotfix\n\n{CLAUDE}\n{RITA}\n{OTTO}\n"),
        &[("src/payments/hotfix/a.rs", "\n")],
    );
    commit_at(
        &mut r,
        W01 + 14 * DAY + 3600,
        "chore: plain human change",
        &[("src/lib.rs", "// tidy\n")],
    );
    r
}

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .expect("read log")
        .lines()
        .map(str::to_string)
        .collect()
}

fn write_lines(path: &Path, lines: &[String]) {
    let mut s = lines.join("\n");
    s.push('\n');
    std::fs::write(path, s).expect("write log");
}

fn verify(r: &TestRepo, log: &Path) -> Run {
    run(r, &["audit", "verify", &log.to_string_lossy()])
}

/// A log with two runs of `check --all` (12 records).
fn logged() -> (TestRepo, std::path::PathBuf) {
    let r = fixture();
    let log = r.tmp.path().join("evidence.jsonl");
    let l = log.to_string_lossy().into_owned();
    for _ in 0..2 {
        let out = run(&r, &["check", "--all", "--evidence-log", &l]);
        assert_eq!(out.code, 1, "the range fails: {}", out.stderr);
    }
    (r, log)
}

#[test]
fn evidence_log_records_everything_an_auditor_asks_for() {
    let (r, log) = logged();
    let ls = lines(&log);
    assert_eq!(ls.len(), 12);
    let recs: Vec<Value> = ls
        .iter()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    for (i, v) in recs.iter().enumerate() {
        assert_eq!(v["schema"], "countersign/evidence/v1");
        assert_eq!(v["seq"], i as u64);
        assert_eq!(v["mode"], "check");
        assert_eq!(v["tool"]["name"], "countersign");
        assert_eq!(v["policy"]["source"], ".countersign.yml");
        assert_eq!(v["policy"]["digest"].as_str().map(str::len), Some(40));
        let t = v["time"].as_str().expect("time");
        assert!(
            t.len() == 24 && t.ends_with('Z') && &t[10..11] == "T",
            "{t}"
        );
        assert!(v["hash"].as_str().is_some_and(|h| h.starts_with("sha256:")));
    }
    assert!(recs[0]["prev"].is_null());
    assert!(recs[1]["prev"].as_str().is_some_and(|h| h.len() == 71));
    // Oldest first: the first record of a run is the initial import.
    assert_eq!(recs[0]["commit"]["subject"], "Initial import");
    assert_eq!(recs[0]["commit"]["time"], "2024-01-02T00:00:00Z");
    assert_eq!(recs[6]["commit"]["subject"], "Initial import");

    let api = &recs[2];
    assert_eq!(api["commit"]["subject"], "feat: api");
    assert_eq!(api["involvement"], "assisted");
    assert_eq!(api["markers"][0]["model"], "claude-opus-4-6");
    assert_eq!(api["markers"][0]["source"], "trailer");
    assert_eq!(api["tier"], "standard");
    assert_eq!(api["paths_changed"], 1);
    assert_eq!(
        api["reviewers"]["accepted"][0]["identity"]["email"],
        "rita@example.com"
    );
    assert_eq!(api["verdict"], "pass");
    assert_eq!(api["commit"]["author"]["email"], "ada@example.com");
    assert_eq!(api["commit"]["committer"]["email"], "carl@example.com");

    let evil = &recs[3];
    assert_eq!(evil["commit"]["subject"], EVIL);
    assert_eq!(evil["verdict"], "fail");
    assert_eq!(evil["findings"][0]["code"], "missing-reviewer");
    assert_eq!(evil["markers"][0]["tool"], "Claude Code");

    let pay = &recs[4];
    assert_eq!(pay["tier"], "high");
    assert_eq!(pay["rules"][0], "payments");
    assert_eq!(pay["waivers"][0], "W-HOTFIX");
    assert_eq!(
        pay["reviewers"]["accepted"].as_array().map(Vec::len),
        Some(2)
    );
    assert_eq!(pay["verdict"], "pass");

    let v = verify(&r, &log);
    assert_eq!(v.code, 0, "{}{}", v.stdout, v.stderr);
    assert!(v.stdout.contains("intact, 12 record(s)"), "{}", v.stdout);
}

#[test]
fn a_self_review_is_logged_as_rejected_with_its_reason() {
    let mut r = fixture();
    commit_at(
        &mut r,
        W01 + 15 * DAY,
        &format!("feat: self\n\n{CLAUDE}\nReviewed-by: Ada Author <ada@example.com>\n"),
        &[("src/self.rs", "\n")],
    );
    let log = r.tmp.path().join("e.jsonl");
    let out = run(
        &r,
        &["check", "HEAD", "--evidence-log", &log.to_string_lossy()],
    );
    assert_eq!(out.code, 1, "{}", out.stderr);
    let v: Value = serde_json::from_str(&lines(&log)[0]).expect("json");
    assert_eq!(v["reviewers"]["rejected"][0]["reason"], "self-review");
    assert_eq!(v["reviewers"]["accepted"].as_array().map(Vec::len), Some(0));
}

/// Expects `audit verify` to exit 1 naming `line`.
fn assert_broken(r: &TestRepo, log: &Path, line: usize) {
    let v = verify(r, log);
    assert_eq!(v.code, 1, "{}{}", v.stdout, v.stderr);
    let want = format!("{}:{line}: chain broken", log.display());
    assert!(v.stdout.contains(&want), "want {want}, got {}", v.stdout);
}

#[test]
fn verify_detects_edits_removals_insertions_and_reorders() {
    let (r, log) = logged();
    let orig = lines(&log);

    // An edited record (a field changed, seal kept).
    let mut ls = orig.clone();
    ls[4] = ls[4].replace("\"verdict\":\"pass\"", "\"verdict\":\"fail\"");
    assert_ne!(ls[4], orig[4]);
    write_lines(&log, &ls);
    assert_broken(&r, &log, 5);

    // The last record edited: no later `prev` covers it, its own seal does.
    let mut ls = orig.clone();
    ls[11] = ls[11].replace("chore: plain human change", "chore: plain human chang3");
    write_lines(&log, &ls);
    assert_broken(&r, &log, 12);

    // A removed record.
    let mut ls = orig.clone();
    ls.remove(6);
    write_lines(&log, &ls);
    assert_broken(&r, &log, 7);

    // The first record removed.
    let mut ls = orig.clone();
    ls.remove(0);
    write_lines(&log, &ls);
    assert_broken(&r, &log, 1);

    // An inserted copy.
    let mut ls = orig.clone();
    ls.insert(3, orig[2].clone());
    write_lines(&log, &ls);
    assert_broken(&r, &log, 4);

    // Two records swapped.
    let mut ls = orig.clone();
    ls.swap(8, 9);
    write_lines(&log, &ls);
    assert_broken(&r, &log, 9);

    // A foreign line inserted.
    let mut ls = orig.clone();
    ls.insert(5, "{\"schema\":\"something/else\"}".to_string());
    write_lines(&log, &ls);
    assert_broken(&r, &log, 6);

    // A half-written last record.
    let mut s = orig.join("\n");
    s.truncate(s.len() - 10);
    std::fs::write(&log, s).expect("write");
    assert_broken(&r, &log, 12);

    // Records lost at the end: detected against a kept head hash.
    write_lines(&log, &orig);
    let v = verify(&r, &log);
    assert_eq!(v.code, 0);
    let head = v
        .stdout
        .rsplit("head ")
        .next()
        .unwrap_or("")
        .trim()
        .to_string();
    assert!(head.starts_with("sha256:"), "{head}");
    write_lines(&log, &orig[..10]);
    assert_eq!(
        verify(&r, &log).code,
        0,
        "a prefix is a valid chain on its own"
    );
    let v = run(
        &r,
        &[
            "audit",
            "verify",
            &log.to_string_lossy(),
            "--expect-head",
            &head,
        ],
    );
    assert_eq!(v.code, 1, "{}", v.stdout);
    assert!(v.stdout.contains("removed from the end"), "{}", v.stdout);
    // … and records appended after the anchor are fine.
    write_lines(&log, &orig);
    let anchor = v_head(&r, &log, 6);
    let v = run(
        &r,
        &[
            "audit",
            "verify",
            &log.to_string_lossy(),
            "--expect-head",
            &anchor,
        ],
    );
    assert_eq!(v.code, 0, "{}", v.stdout);
}

/// The head hash of the first `n` lines of `log` (as `audit verify` prints it).
fn v_head(r: &TestRepo, log: &Path, n: usize) -> String {
    let part = r.tmp.path().join("part.jsonl");
    write_lines(&part, &lines(log)[..n]);
    let v = verify(r, &part);
    v.stdout
        .rsplit("head ")
        .next()
        .unwrap_or("")
        .trim()
        .to_string()
}

#[test]
fn verify_exits_2_when_the_file_is_not_a_log() {
    let r = fixture();
    let p = r.tmp.path().join("notes.txt");
    std::fs::write(&p, "hello\n").expect("write");
    let v = verify(&r, &p);
    assert_eq!(v.code, 2, "{}", v.stderr);
    assert!(
        v.stderr.contains("not a countersign evidence log"),
        "{}",
        v.stderr
    );
    std::fs::write(&p, "").expect("write");
    assert_eq!(verify(&r, &p).code, 2);
    assert_eq!(verify(&r, &r.tmp.path().join("missing.jsonl")).code, 2);
}

#[test]
fn appending_never_truncates_and_refuses_foreign_or_damaged_files() {
    let (r, log) = logged();
    let before = std::fs::read(&log).expect("read");
    let l = log.to_string_lossy().into_owned();
    assert_eq!(run(&r, &["check", "HEAD", "--evidence-log", &l]).code, 0);
    let after = std::fs::read(&log).expect("read");
    assert!(after.len() > before.len() && after.starts_with(&before));

    // A file that is not ours: exit 2, byte-for-byte untouched.
    let foreign = r.tmp.path().join("foreign.jsonl");
    let text = b"{\"hello\":\"world\"}\nsecond line\n".to_vec();
    std::fs::write(&foreign, &text).expect("write");
    let out = run(
        &r,
        &[
            "check",
            "HEAD",
            "--evidence-log",
            &foreign.to_string_lossy(),
        ],
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("not a countersign evidence log"),
        "{}",
        out.stderr
    );
    assert_eq!(std::fs::read(&foreign).expect("read"), text);

    // A damaged last record (edited, or half-written): exit 2, untouched.
    let mut ls = lines(&log);
    let last = ls.len() - 1;
    ls[last] = ls[last].replace("\"mode\":\"check\"", "\"mode\":\"ci\"");
    write_lines(&log, &ls);
    let edited = std::fs::read(&log).expect("read");
    let out = run(&r, &["check", "HEAD", "--evidence-log", &l]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("corrupted"), "{}", out.stderr);
    assert_eq!(std::fs::read(&log).expect("read"), edited);

    let mut cut = after.clone();
    cut.truncate(cut.len() - 5);
    std::fs::write(&log, &cut).expect("write");
    let out = run(&r, &["check", "HEAD", "--evidence-log", &l]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_eq!(std::fs::read(&log).expect("read"), cut);
}

#[test]
fn unwritable_log_or_output_is_exit_2() {
    let r = fixture();
    let missing_dir = r.tmp.path().join("no/such/dir/log.jsonl");
    let out = run(
        &r,
        &[
            "check",
            "HEAD",
            "--evidence-log",
            &missing_dir.to_string_lossy(),
        ],
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("cannot open the evidence log"),
        "{}",
        out.stderr
    );
    let out = run(
        &r,
        &[
            "check",
            "HEAD",
            "--evidence-log",
            &r.tmp.path().to_string_lossy(),
        ],
    );
    assert_eq!(out.code, 2, "a directory: {}", out.stderr);

    let out = run(
        &r,
        &["audit", "--all", "-o", &missing_dir.to_string_lossy()],
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("not a directory"), "{}", out.stderr);
    let out = run(
        &r,
        &["audit", "--all", "-o", &r.tmp.path().to_string_lossy()],
    );
    assert_eq!(out.code, 2, "{}", out.stderr);

    // --output never overwrites an evidence log.
    let (r, log) = logged();
    let before = std::fs::read(&log).expect("read");
    let out = run(
        &r,
        &[
            "audit",
            "--all",
            "--format",
            "jsonl",
            "-o",
            &log.to_string_lossy(),
        ],
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_eq!(std::fs::read(&log).expect("read"), before);
}

#[test]
fn concurrent_appends_keep_one_chain() {
    let r = fixture();
    let log = r.tmp.path().join("shared.jsonl");
    let l = log.to_string_lossy().into_owned();
    const N: usize = 8;
    let children: Vec<_> = (0..N)
        .map(|_| {
            r.command(BIN)
                .args(["check", "--all", "--evidence-log", &l, "--format", "json"])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .expect("spawn")
        })
        .collect();
    for mut c in children {
        assert_eq!(c.wait().expect("wait").code(), Some(1));
    }
    let ls = lines(&log);
    assert_eq!(ls.len(), N * 6);
    let v = verify(&r, &log);
    assert_eq!(v.code, 0, "{}", v.stdout);
    // Each run's six records are contiguous (one locked write per run).
    for chunk in ls.chunks(6) {
        let first: Value = serde_json::from_str(&chunk[0]).expect("json");
        assert_eq!(first["commit"]["subject"], "Initial import");
    }
}

/// Unwaived-or-waived figures as the audit reports them, from the JSON Lines summary.
fn summary_of(r: &TestRepo) -> (Vec<Value>, Value) {
    let out = run(r, &["audit", "--all", "--format", "jsonl"]);
    assert_eq!(
        out.code, 0,
        "audit is a report: exit 0 even when the range fails: {}",
        out.stderr
    );
    let mut vals: Vec<Value> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    let summary = vals.pop().expect("summary line");
    (vals, summary)
}

fn today_days() -> i64 {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    (secs / 86_400) as i64
}

#[test]
fn audit_jsonl_has_records_and_the_expected_figures() {
    let r = fixture();
    let before = today_days();
    let (recs, s) = summary_of(&r);
    let after = today_days();
    assert_eq!(recs.len(), 6);
    for v in &recs {
        assert_eq!(v["schema"], "countersign/evidence/v1");
        assert_eq!(v["mode"], "audit");
        assert!(
            v.get("seq").is_none() && v.get("prev").is_none(),
            "no chain in audits"
        );
    }
    assert_eq!(s["schema"], "countersign/audit-summary/v1");
    assert_eq!(s["verdict"], "fail");
    assert_eq!(s["commits"], 6);
    assert_eq!(s["ai_assisted"], 4);
    let weeks: Vec<(String, u64, u64)> = s["weeks"]
        .as_array()
        .expect("weeks")
        .iter()
        .map(|w| {
            (
                w["week"].as_str().unwrap_or("").to_string(),
                w["commits"].as_u64().unwrap_or(99),
                w["ai_assisted"].as_u64().unwrap_or(99),
            )
        })
        .collect();
    assert_eq!(
        weeks,
        vec![
            ("2024-W01".to_string(), 2, 1),
            ("2024-W02".to_string(), 2, 2),
            ("2024-W03".to_string(), 2, 1)
        ]
    );
    // One commit, one tool: the generic `Assisted-by: Claude:…` line is Claude Code too.
    assert_eq!(s["tools"][0]["name"], "Claude Code");
    assert_eq!(s["tools"][0]["commits"], 4);
    assert_eq!(s["tools"].as_array().map(Vec::len), Some(1));
    let models = s["models"].as_array().expect("models");
    assert!(
        models
            .iter()
            .any(|m| m["name"] == "Claude Opus 4.6" && m["commits"] == 1)
    );
    assert!(
        models
            .iter()
            .any(|m| m["name"] == "(not stated)" && m["commits"] == 3)
    );
    assert_eq!(s["needs_evidence"], 3);
    assert_eq!(s["evidenced"], 1);
    let tier = |n: &str| {
        s["tiers"]
            .as_array()
            .and_then(|t| t.iter().find(|x| x["tier"] == n).cloned())
            .unwrap_or(Value::Null)
    };
    let std_t = tier("standard");
    assert_eq!(
        (
            std_t["needs_evidence"].as_u64(),
            std_t["evidenced"].as_u64(),
            std_t["missing"].as_u64()
        ),
        (Some(2), Some(1), Some(1))
    );
    assert_eq!(std_t["controls"][0], "SLSA Source two-party review");
    let high = tier("high");
    assert_eq!(
        (high["needs_evidence"].as_u64(), high["waived"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(high["controls"][1], "NIST AI RMF GOVERN 1.3");
    assert_eq!(s["violations"], 1);
    assert_eq!(s["attention"][0]["subject"], "pay: hotfix");
    assert_eq!(s["attention"][0]["status"], "waived");
    assert_eq!(s["attention"][1]["subject"], EVIL);
    assert_eq!(s["attention"][1]["status"], "fail");

    let w = &s["waivers"];
    assert_eq!(w[0]["id"], "W-HOTFIX");
    assert_eq!(w[0]["used"], 1);
    assert_eq!(w[0]["unused"], false);
    assert_eq!(w[0]["expired"], false);
    assert_eq!(w[0]["approved_by"], "Carol Chief <carol@example.com>");
    assert_eq!(w[0]["requested_by"], "Hank Hotfix <hank@example.com>");
    // 2999-12-31 is day 376199 since 1970-01-01.
    let days = w[0]["days_to_expiry"].as_i64().expect("days");
    assert!(
        (376_199 - after..=376_199 - before).contains(&days),
        "{days}"
    );
    assert_eq!(w[1]["id"], "W-OLD");
    assert_eq!(w[1]["expired"], true);
    assert_eq!(w[1]["unused"], true);
    // 2001-01-31 is day 11353.
    let days = w[1]["days_to_expiry"].as_i64().expect("days");
    assert!((11_353 - after..=11_353 - before).contains(&days), "{days}");
}

#[test]
fn audit_markdown_holds_the_figures_and_escapes_subjects() {
    let r = fixture();
    let out = run(&r, &["audit", "--all"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let md = out.stdout;
    assert!(md.contains("**4 of 6 commits (66.7%)**"), "{md}");
    assert!(md.contains("**1 of 3 (33.3%)**"), "{md}");
    assert!(md.contains("| 2024-W02 | 2 | 2 | 100.0% |"), "{md}");
    assert!(
        md.contains("| standard | 3 | 2 | 2 | 1 | 0 | 1 | 50.0% | SLSA Source two-party review |"),
        "{md}"
    );
    assert!(md.contains("| `W-OLD` |"), "{md}");
    assert!(md.contains("EXPIRED, UNUSED"), "{md}");
    assert!(!md.contains("<script>"), "{md}");
    assert!(md.contains("\\<script\\>"), "{md}");
}

#[test]
fn audit_exits_2_when_it_cannot_decide() {
    let r = fixture();
    let out = run(&r, &["audit", "no-such-rev..HEAD"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    let bad = r.tmp.path().join("bad.yml");
    std::fs::write(&bad, "version: 1\ntiers: nope\n").expect("write");
    let out = run(&r, &["audit", "--all", "--policy", &bad.to_string_lossy()]);
    assert_eq!(out.code, 2, "{}", out.stderr);
}

#[test]
fn no_progress_bytes_when_stderr_is_not_a_terminal() {
    let r = fixture();
    for args in [
        &["check", "--all", "--format", "json"][..],
        &["audit", "--all", "--format", "jsonl"][..],
    ] {
        let out = run(&r, args);
        assert!(!out.stderr.contains('\r'), "{:?}", out.stderr);
        assert!(!out.stderr.contains("\x1b["), "{:?}", out.stderr);
        assert!(!out.stderr.contains("/6 "), "{:?}", out.stderr);
    }
}

// ---- HTML -------------------------------------------------------------------------------

const VOID: &[&str] = &[
    "meta", "br", "link", "img", "hr", "input", "wbr", "col", "source",
];

/// Checks that every element of the subset of HTML the audit emits is closed in order
/// (void elements and `/>` self-closing SVG elements aware; `<style>` and `<script>` bodies
/// skipped); returns the element names in document order.
pub(crate) fn balanced(html: &str) -> Result<Vec<String>, String> {
    let b = html.as_bytes();
    let mut i = 0;
    let mut stack: Vec<String> = Vec::new();
    let mut seen = Vec::new();
    while i < b.len() {
        if b[i] != b'<' {
            if b[i] == b'>' {
                return Err(format!("stray `>` at byte {i}"));
            }
            i += 1;
            continue;
        }
        if html[i..].starts_with("<!DOCTYPE") || html[i..].starts_with("<!--") {
            i += html[i..].find('>').ok_or("unterminated declaration")? + 1;
            continue;
        }
        let closing = b.get(i + 1) == Some(&b'/');
        let start = if closing { i + 2 } else { i + 1 };
        let name_len = html[start..]
            .find(|c: char| !(c.is_ascii_alphanumeric()))
            .ok_or("unterminated tag")?;
        let name = html[start..start + name_len].to_ascii_lowercase();
        if name.is_empty() {
            return Err(format!("raw `<` at byte {i}"));
        }
        // Find the end of the tag, skipping quoted attribute values.
        let mut j = start + name_len;
        let mut quote: Option<u8> = None;
        while j < b.len() {
            match (quote, b[j]) {
                (None, b'"') | (None, b'\'') => quote = Some(b[j]),
                (Some(q), c) if c == q => quote = None,
                (None, b'>') => break,
                (None, b'<') => return Err(format!("`<` inside tag `{name}` at byte {j}")),
                _ => {}
            }
            j += 1;
        }
        if j >= b.len() {
            return Err(format!("unterminated tag `{name}`"));
        }
        let self_closing = b[j - 1] == b'/';
        i = j + 1;
        if closing {
            match stack.pop() {
                Some(open) if open == name => {}
                other => return Err(format!("`</{name}>` closes {other:?}")),
            }
            continue;
        }
        seen.push(name.clone());
        if self_closing || VOID.contains(&name.as_str()) {
            continue;
        }
        if name == "style" || name == "script" {
            let end = format!("</{name}>");
            let k = html[i..].find(&end).ok_or(format!("unclosed `{name}`"))?;
            i += k + end.len();
            continue;
        }
        stack.push(name);
    }
    if stack.is_empty() {
        Ok(seen)
    } else {
        Err(format!("unclosed: {stack:?}"))
    }
}

#[test]
fn the_tag_checker_can_fail() {
    assert!(balanced("<p><b>x</p></b>").is_err());
    assert!(balanced("<div><p>x</p>").is_err());
    assert!(balanced("<p>a < b</p>").is_err());
    assert!(balanced("<p title=\"a>b\">x<br></p><svg><rect/></svg>").is_ok());
}

#[test]
fn audit_html_is_self_contained_well_formed_and_holds_the_figures() {
    let r = fixture();
    let path = r.tmp.path().join("audit.html");
    let out = run(
        &r,
        &[
            "audit",
            "--all",
            "--format",
            "html",
            "-o",
            &path.to_string_lossy(),
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.is_empty(),
        "--output writes the file, not stdout"
    );
    let html = std::fs::read_to_string(&path).expect("read html");
    let tags = balanced(&html).unwrap_or_else(|e| panic!("not well-formed: {e}"));
    assert_eq!(tags.first().map(String::as_str), Some("html"));
    assert_eq!(
        tags.iter().filter(|t| *t == "script").count(),
        1,
        "one inline script"
    );
    assert_eq!(tags.iter().filter(|t| *t == "svg").count(), 2, "two charts");
    assert!(tags.iter().any(|t| t == "table"));

    // Self-contained: nothing to fetch.
    for bad in ["src=", "href=", "@import", "url(", "<link"] {
        assert!(!html.contains(bad), "found `{bad}`");
    }
    assert_eq!(
        html.matches("http").count(),
        html.matches("http://www.w3.org/2000/svg").count(),
        "only the SVG namespace names a URL"
    );
    assert!(html.contains("@media print"));

    // Escaped: the subject's markup is text.
    assert!(!html.contains("<script>alert"));
    assert!(!html.contains("<b>\""));
    assert!(
        html.contains("feat: &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;q&quot; &lt;b&gt;")
    );

    // Figures.
    for want in [
        "66.7%",
        "AI-assisted (4 of 6)",
        "review coverage (1 of 3 needing evidence)",
        "33.3%",
        ">2024-W01<",
        ">2024-W02<",
        ">2024-W03<",
        "2024-W02: 2 of 2 commits AI-assisted (100.0%)",
        "standard: 1 of 2 evidenced, 0 waived, 1 missing",
        "high: 0 of 1 evidenced, 1 waived, 0 missing",
        "NIST CSF 2.0 GV.RM-01<br>NIST AI RMF GOVERN 1.3",
        "EXPIRED, UNUSED",
        "W-HOTFIX",
        "Carol Chief &lt;carol@example.com&gt;",
        "Commits needing attention (1 failing, 1 waived)",
    ] {
        assert!(html.contains(want), "missing `{want}`");
    }
    // The week chart has one AI bar per week, with heights proportional to the counts.
    assert_eq!(html.matches("<rect class=\"ai\"").count(), 3);
    assert_eq!(html.matches("<rect class=\"cov\"").count(), 2);
}
