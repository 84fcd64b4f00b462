//! The streamed, parallel JSON writer (`report::json::write`, which `render` uses too) against
//! serde_json's pretty printer over the same `Report`: byte for byte, on a history large
//! enough to span several parallel windows, with markers, findings and merges in it.

use crate::support;

use std::io::Write;
use std::process::Stdio;

use countersign::cli::{LimitArgs, RangeArgs};
use countersign::commands::evaluate_range;
use countersign::report::json;
use countersign::time::Date;
use support::TestRepo;

/// `n` commits through `git fast-import` (fast), every third one AI-assisted, some reviewed,
/// some with quotes, tabs and non-ASCII in the message; a merge every 50.
fn history(n: usize) -> TestRepo {
    let r = TestRepo::new();
    let mut s = String::new();
    for i in 1..=n {
        let mut msg = format!("change {i}: \"quoted\"\ttab ünïcode\n\nbody {i}\n");
        if i % 3 == 0 {
            msg.push_str("\nCo-authored-by: Claude <noreply@anthropic.com>\n");
            if i % 2 == 0 {
                msg.push_str("Reviewed-by: Rita Reviewer <rita@example.com>\n");
            }
        }
        s.push_str(&format!(
            "commit refs/heads/main\nmark :{i}\nauthor Ada Author <ada@example.com> {t} +0000\ncommitter Carl Committer <carl@example.com> {t} +0000\ndata {len}\n{msg}",
            t = 1_704_067_200 + i * 60,
            len = msg.len(),
        ));
        if i > 1 {
            s.push_str(&format!("from :{}\n", i - 1));
            if i % 50 == 0 && i > 2 {
                s.push_str(&format!("merge :{}\n", i - 2));
            }
        }
        s.push_str(&format!(
            "M 100644 inline src/f{}.rs\ndata {}\n{i}\n\n",
            i % 17,
            format!("{i}\n").len()
        ));
    }
    let mut child = r
        .command("git")
        .args(["fast-import", "--quiet"])
        .stdin(Stdio::piped())
        .spawn()
        .expect("fast-import");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(s.as_bytes())
        .expect("write");
    assert!(child.wait().expect("wait").success());
    r
}

fn report_of(r: &TestRepo) -> countersign::evaluate::Report {
    let (_, report) = evaluate_range(
        r.path(),
        &RangeArgs {
            range: None,
            all: true,
        },
        None,
        &LimitArgs {
            max_commits: 5_000_000,
            max_paths: 200_000,
            max_message_bytes: 1 << 20,
        },
        None,
        "checking",
        Date::parse("2026-01-01").expect("date"),
    )
    .expect("evaluate");
    report
}

#[test]
fn streamed_json_is_byte_for_byte_the_pretty_printer() {
    let r = history(2_600);
    let report = report_of(&r);
    assert_eq!(report.commits.len(), 2_600);
    assert!(report.commits.iter().any(|c| !c.findings.is_empty()));
    assert!(report.commits.iter().any(|c| !c.markers.is_empty()));
    let mut streamed = Vec::new();
    json::write(&mut streamed, &report).expect("write");
    let want = serde_json::to_string_pretty(&report).expect("serialise") + "\n";
    assert!(
        streamed == want.as_bytes(),
        "streamed JSON differs from serde_json's pretty printer"
    );
    assert_eq!(json::render(&report), want);
    // And the empty edge cases: no commits, no findings.
    let mut empty = report.clone();
    empty.commits.clear();
    empty.findings.clear();
    let mut streamed = Vec::new();
    json::write(&mut streamed, &empty).expect("write");
    assert_eq!(
        String::from_utf8(streamed).expect("utf8"),
        json::render(&empty)
    );
}
