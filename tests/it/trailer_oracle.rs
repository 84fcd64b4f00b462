//! The message corpus (`fixtures/messages/`) checked against git as the oracle.
//!
//! Every corpus message becomes a real commit object in one temporary repository (written with
//! `git hash-object -t commit -w --literally`, so NUL bytes and odd headers survive), and one
//! `git log --no-walk` call prints `%(trailers:only,unfold)` for all of them. The strict parser
//! must agree with git, except where `expected.json` lists an intended difference — and then
//! git's answer must be exactly one of the listed ones.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use countersign::message::trailers::{self, ParsedMessage};
use serde_json::Value;

type Pairs = Vec<(String, String)>;

const HEADER: &str = "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n\
author A U Thor <author@example.com> 1700000000 +0000\n\
committer C O Mitter <committer@example.com> 1700000000 +0000\n\n";

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/messages")
}

fn git(dir: &Path, home: &Path) -> Command {
    let mut c = Command::new("git");
    c.current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_NAME", "A U Thor")
        .env("GIT_AUTHOR_EMAIL", "author@example.com")
        .env("GIT_COMMITTER_NAME", "C O Mitter")
        .env("GIT_COMMITTER_EMAIL", "committer@example.com")
        .env("GIT_AUTHOR_DATE", "1700000000 +0000")
        .env("GIT_COMMITTER_DATE", "1700000000 +0000")
        .env("LC_ALL", "C");
    c
}

fn run(mut c: Command) -> Vec<u8> {
    let out = c.output().expect("git runs");
    assert!(
        out.status.success(),
        "git failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn pairs(v: &Value) -> Pairs {
    v.as_array()
        .expect("array of pairs")
        .iter()
        .map(|p| {
            let p = p.as_array().expect("pair");
            (
                p[0].as_str().expect("key").to_string(),
                p[1].as_str().expect("value").to_string(),
            )
        })
        .collect()
}

fn strict_pairs(p: &ParsedMessage) -> Pairs {
    p.trailers
        .iter()
        .map(|t| (t.key.clone(), t.value.clone()))
        .collect()
}

fn anomaly_kinds(p: &ParsedMessage) -> Vec<String> {
    p.anomalies
        .iter()
        .map(|a| {
            serde_json::to_value(a).expect("serialises")["kind"]
                .as_str()
                .expect("kind")
                .to_string()
        })
        .collect()
}

/// The message part of a raw commit object: everything after the first empty line.
fn message_of_object(obj: &[u8]) -> &[u8] {
    let pos = obj
        .windows(2)
        .position(|w| w == b"\n\n")
        .expect("object has a header");
    &obj[pos + 2..]
}

struct Case {
    file: String,
    message: Vec<u8>,
    object: Vec<u8>,
    strict: Pairs,
    anomalies: Vec<String>,
    git: Option<Vec<Pairs>>,
}

fn load_corpus() -> Vec<Case> {
    let dir = corpus_dir();
    let manifest: Value = serde_json::from_slice(
        &std::fs::read(dir.join("expected.json")).expect("expected.json exists"),
    )
    .expect("expected.json is JSON");
    let mut cases = Vec::new();
    for e in manifest.as_array().expect("manifest is an array") {
        let file = e["file"].as_str().expect("file").to_string();
        let bytes = std::fs::read(dir.join(&file)).expect("fixture exists");
        let (message, object) = if file.ends_with(".commit") {
            (message_of_object(&bytes).to_vec(), bytes)
        } else {
            let mut obj = HEADER.as_bytes().to_vec();
            obj.extend_from_slice(&bytes);
            (bytes, obj)
        };
        let git = e.get("git").map(|alts| {
            assert!(
                e["why"].as_str().is_some_and(|w| !w.is_empty()),
                "{file}: an intended difference needs a justification"
            );
            alts.as_array()
                .expect("git: list of alternatives")
                .iter()
                .map(pairs)
                .collect()
        });
        let anomalies = e["anomalies"]
            .as_array()
            .expect("anomalies")
            .iter()
            .map(|a| a.as_str().expect("kind").to_string())
            .collect();
        cases.push(Case {
            strict: pairs(&e["strict"]),
            anomalies,
            git,
            file,
            message,
            object,
        });
    }
    cases
}

/// Writes all objects into one repository and asks git for the trailers of each.
fn git_trailers(cases: &[Case]) -> Vec<Pairs> {
    let tmp = tempfile::tempdir().expect("tempdir");
    let home = tmp.path().join("home");
    let repo = tmp.path().join("repo");
    std::fs::create_dir_all(&home).expect("mkdir");
    std::fs::create_dir_all(&repo).expect("mkdir");
    let mut init = git(&repo, &home);
    init.args(["init", "-q"]);
    run(init);

    let mut hash = git(&repo, &home);
    hash.args(["hash-object", "-t", "commit", "-w", "--literally"]);
    for (i, c) in cases.iter().enumerate() {
        let p = tmp.path().join(format!("obj{i}"));
        std::fs::write(&p, &c.object).expect("write object");
        hash.arg(p);
    }
    let ids: Vec<String> = String::from_utf8(run(hash))
        .expect("hex ids")
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(ids.len(), cases.len(), "one id per object");

    let mut log = git(&repo, &home);
    log.args([
        "log",
        "--no-walk=unsorted",
        "--format=%H%x1d%(trailers:only,unfold,separator=%x1e,key_value_separator=%x1f)%x1c",
    ]);
    log.args(&ids);
    let out = run(log);
    let mut by_id: HashMap<String, Pairs> = HashMap::new();
    for rec in out.split(|&b| b == 0x1c) {
        let rec = rec.strip_prefix(b"\n").unwrap_or(rec);
        if rec.is_empty() {
            continue;
        }
        let mut parts = rec.splitn(2, |&b| b == 0x1d);
        let id = String::from_utf8_lossy(parts.next().expect("id")).into_owned();
        let body = parts.next().expect("trailer part");
        let mut kv = Vec::new();
        if !body.is_empty() {
            for t in body.split(|&b| b == 0x1e) {
                let mut f = t.splitn(2, |&b| b == 0x1f);
                let k = f.next().expect("key");
                let v = f.next().expect("git printed a key/value separator");
                kv.push((
                    String::from_utf8_lossy(k).into_owned(),
                    String::from_utf8_lossy(v).into_owned(),
                ));
            }
        }
        by_id.insert(id, kv);
    }
    ids.iter()
        .map(|id| by_id.get(id).cloned().expect("git printed every commit"))
        .collect()
}

#[test]
fn corpus_has_enough_messages() {
    let cases = load_corpus();
    assert!(cases.len() >= 60, "only {} messages", cases.len());
    let files: Vec<_> = std::fs::read_dir(corpus_dir())
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|f| f != "expected.json")
        .collect();
    for f in &files {
        assert!(
            cases.iter().any(|c| &c.file == f),
            "{f} is not in expected.json"
        );
    }
}

#[test]
fn strict_parser_matches_git_except_listed_differences() {
    let cases = load_corpus();
    let git_answers = git_trailers(&cases);
    let mut failures = Vec::new();
    let mut differences = 0;
    for (c, g) in cases.iter().zip(&git_answers) {
        let parsed = trailers::parse(&c.message);
        let got = strict_pairs(&parsed);
        if got != c.strict {
            failures.push(format!(
                "{}: strict parser gave {got:?}, manifest says {:?}",
                c.file, c.strict
            ));
        }
        let kinds = anomaly_kinds(&parsed);
        if kinds != c.anomalies {
            failures.push(format!(
                "{}: anomalies {kinds:?}, manifest says {:?}",
                c.file, c.anomalies
            ));
        }
        for t in &parsed.trailers {
            let key = c.message.get(t.key_span.clone()).unwrap_or_default();
            let whole = c.message.get(t.span.clone()).unwrap_or_default();
            if key != t.key.as_bytes() || !whole.starts_with(key) {
                failures.push(format!("{}: bad spans for {:?}", c.file, t.key));
            }
        }
        // Near misses never point at an accepted trailer with a known key.
        let keys = ["Reviewed-by", "Change-Record", "Refs", "Co-authored-by"];
        for nm in countersign::message::nearmiss::near_misses(&c.message, &parsed, &keys) {
            if parsed
                .trailers
                .iter()
                .any(|t| t.span.start == nm.span.start && keys.iter().any(|k| t.key_is(k)))
            {
                failures.push(format!("{}: near miss on accepted trailer {nm:?}", c.file));
            }
        }
        match &c.git {
            None => {
                if g != &c.strict {
                    failures.push(format!(
                        "{}: git says {g:?}, strict manifest says {:?} (no difference listed)",
                        c.file, c.strict
                    ));
                }
            }
            Some(alts) => {
                if !alts.contains(g) {
                    failures.push(format!(
                        "{}: git says {g:?}, listed git answers are {alts:?}",
                        c.file
                    ));
                }
                if g != &c.strict {
                    differences += 1;
                }
            }
        }
        // The git-compatible profile must reproduce this git's answer wherever git versions agree.
        let single_git_answer = c.git.as_ref().is_none_or(|a| a.len() == 1);
        if single_git_answer {
            let compat = trailers::parse_git_compatible(&c.message);
            if &compat != g {
                failures.push(format!(
                    "{}: parse_git_compatible gave {compat:?}, git says {g:?}",
                    c.file
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // The corpus must actually exercise intended differences.
    assert!(
        differences >= 10,
        "only {differences} intended differences seen"
    );
}

/// `message::cleanup` must produce what `git commit -v --cleanup=strip -F <file>` stores, for
/// every UTF-8 corpus message (without NUL) and a few cleanup-specific ones, with `#` and `;` as the
/// comment string.
#[test]
fn cleanup_matches_git_commit() {
    use countersign::message::cleanup;

    let mut inputs: Vec<(String, Vec<u8>)> = load_corpus()
        .into_iter()
        // `git commit` refuses NUL and re-encodes invalid UTF-8 as Latin-1: not cleanup.
        .filter(|c| !c.message.contains(&0) && std::str::from_utf8(&c.message).is_ok())
        .map(|c| (c.file, c.message))
        .collect();
    let extra: [&[u8]; 6] = [
        b"\n\n  subj  \n# comment\n\n\n\nbody\t\r\n\n\n",
        b"subj\n\nReviewed-by: X <x@y>\n# ------------------------ >8 ------------------------\ndiff --git a/x b/x\n",
        b"subj\n#no space comment\n\tindented body\n\x0bvt\n",
        b"subj\n\nbody\n; ------------------------ >8 ------------------------\nbelow\n",
        b"subj\n\nReviewed-by: X\n# ------------------------ >8 ------------------------",
        b"# only a comment\n",
    ];
    for (i, m) in extra.iter().enumerate() {
        inputs.push((format!("extra-{i}"), m.to_vec()));
    }

    let tmp = tempfile::tempdir().expect("tempdir");
    let home = tmp.path().join("home");
    let repo = tmp.path().join("repo");
    std::fs::create_dir_all(&home).expect("mkdir");
    std::fs::create_dir_all(&repo).expect("mkdir");
    let mut init = git(&repo, &home);
    init.args(["init", "-q"]);
    run(init);
    let file = tmp.path().join("msg");
    let mut failures = Vec::new();
    let n_extra = extra.len();
    for comment in ["#", ";"] {
        // `;` only for the cleanup-specific inputs (and the comment-heading corpus case).
        let skip = if comment == "#" {
            0
        } else {
            inputs.len() - n_extra
        };
        let with_semicolon = inputs.iter().filter(|(n, _)| n.contains("comment"));
        let chosen: Vec<&(String, Vec<u8>)> = if comment == "#" {
            inputs.iter().collect()
        } else {
            inputs.iter().skip(skip).chain(with_semicolon).collect()
        };
        for (name, msg) in chosen {
            std::fs::write(&file, msg).expect("write");
            let mut commit = git(&repo, &home);
            commit
                .args(["-c", &format!("core.commentChar={comment}")])
                .args([
                    "commit",
                    "-q",
                    "--allow-empty",
                    "--allow-empty-message",
                    "-v",
                ])
                .args(["--cleanup=strip", "-F"])
                .arg(&file);
            run(commit);
            let mut cat = git(&repo, &home);
            cat.args(["cat-file", "commit", "HEAD"]);
            let obj = run(cat);
            let stored = message_of_object(&obj).to_vec();
            let ours = cleanup::cleanup(msg, comment);
            if ours != stored {
                failures.push(format!(
                    "{name} (comment {comment:?}): ours {:?}, git {:?}",
                    String::from_utf8_lossy(&ours),
                    String::from_utf8_lossy(&stored)
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
