//! Detection on real repositories (issue 14, items 1 and 5): a stable marker counts wherever
//! it stands (mid-line, after literal `\n` escapes, in squash bodies, under former names and
//! second addresses, footers without links); documented examples do not count; and a commit
//! gets at most one `marker-outside-trailers` warning however many lines match.

use crate::adversarial::common::*;

/// Commits `msg` as Alice on an ordinary path and checks it with Bob's approval but no
/// `Reviewed-by:` trailer: any AI marker makes it fail for want of a reviewer.
fn check_util(msg: &str) -> Run {
    let mut r = baseline();
    commit_bytes(
        &mut r,
        ALICE,
        msg.as_bytes(),
        &[("src/util.rs", "fn u() {}\n")],
    );
    check_approved(&mut r)
}

fn involvement(out: &Run) -> String {
    out.json()["commits"][0]["involvement"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn count(out: &Run, code: &str) -> usize {
    out.codes().iter().filter(|c| *c == code).count()
}

#[test]
fn at_d01_mid_line_markers_count() {
    for msg in [
        // A whole message with literal `\n` escapes on one line (the title line).
        r"Fix startup\n\n- Move keychain migration\n\nCo-Authored-By: Claude <noreply@anthropic.com>",
        // The same in the body, with escaped CRLF.
        "Fix startup\n\nMove it.\\r\\n\\r\\nCo-authored-by: Cursor Agent <cursoragent@cursor.com>\n",
        // After other text on a line.
        "Fix x\n\nDone, see PR. Co-authored-by: Claude <noreply@anthropic.com>\n",
        // Two trailers joined on one line.
        "Fix x\n\nSigned-off-by: Alice Author <alice@corp.example> Co-authored-by: Codex <noreply@openai.com>\n",
        // A bulleted, spaced key with a value after the address.
        "Fix x\n\n  - Assisted by: GLM-5 via Crush <crush@charm.land> (thanks)\n",
        // A literal `\n` escape before a footer.
        r"Fix x\n\n💘 Generated with Crush",
    ] {
        let out = check_util(msg);
        out.assert_deny("missing-reviewer");
        assert_ne!(involvement(&out), "none", "{msg}");
    }
}

#[test]
fn at_d02_app_bot_co_authors_count_as_autonomous() {
    for (co, level) in [
        (
            "chatgpt-codex-connector[bot] <199175422+chatgpt-codex-connector[bot]@users.noreply.github.com>",
            "autonomous",
        ),
        (
            "OpenAI Codex <215057067+openai-codex[bot]@users.noreply.github.com>",
            "autonomous",
        ),
        (
            "gemini-cli[bot] <218312386+gemini-cli[bot]@users.noreply.github.com>",
            "autonomous",
        ),
        (
            "claude-code-action[bot] <208546643+claude-code-action[bot]@users.noreply.github.com>",
            "autonomous",
        ),
        // Cursor's app co-authors Bugbot fixes a human applies: assisted, like Cursor's agent.
        (
            "cursor[bot] <206951365+cursor[bot]@users.noreply.github.com>",
            "assisted",
        ),
    ] {
        let out = check_util(&msg("Add helper", &[&format!("Co-authored-by: {co}")]));
        out.assert_deny("missing-reviewer");
        assert_eq!(involvement(&out), level, "{co}");
    }
    // And as the author of the commit.
    let mut r = baseline();
    commit_as(
        &mut r,
        "chatgpt-codex-connector[bot] <199175422+chatgpt-codex-connector[bot]@users.noreply.github.com>",
        "Add helper\n",
        &[("src/util.rs", "fn u() {}\n")],
    );
    let out = check_approved(&mut r);
    out.assert_deny("missing-reviewer");
    assert_eq!(involvement(&out), "autonomous");
}

#[test]
fn at_d03_former_names_and_second_addresses_count() {
    for co in [
        "Co-Authored-By: termai <noreply@termai.io>",
        "Co-Authored-By: Crush <noreply@crush.charm.land>",
        "Co-authored-by: OpenDevin <opendevin@opendevin.ai>",
        "Co-authored-by: OpenHands <opendevin@all-hands.dev>",
        "Co-authored-by: OpenHands-GPT-5 openhands@all-hands.dev",
        "Co-authored-by: Droid <droid@factory.ai>",
    ] {
        let out = check_util(&msg("Add helper", &[co]));
        out.assert_deny("missing-reviewer");
    }
}

#[test]
fn at_d04_footers_without_links_count() {
    for footer in [
        "🤖 Generated with Claude Code",
        "Generated with [Claude Code](https://claude.ai/code)",
        "🤖 Generated with opencode",
        "🐾 Generated with Crush",
        "🤖 Generated with termai",
    ] {
        let out = check_util(&format!("Add helper\n\nBody.\n\n{footer}\n"));
        out.assert_deny("missing-reviewer");
        assert_eq!(involvement(&out), "generated", "{footer}");
        // A footer belongs in the body: no marker-outside-trailers for it.
        assert_eq!(count(&out, "marker-outside-trailers"), 0, "{footer}");
    }
}

#[test]
fn at_d05_squash_bodies_count_and_do_not_warn() {
    for msg in [
        // GitHub squash merge: the squashed commits' trailers above `---------`.
        "Add helper (#7)\n\n* Add helper\n\nCo-Authored-By: Claude <noreply@anthropic.com>\n\n* Address review\n\nAssisted-by: Claude:claude-opus-4-6\n\n---------\n\nCo-authored-by: Bob Reviewer <bob@corp.example>\n",
        // GitHub squash without co-authors (no separator), two commits.
        "Add helper (#7)\n\n* Add helper\n\nCo-Authored-By: Claude <noreply@anthropic.com>\n\n* Address review\n",
        // GitLab `%{all_commits}` after a template line.
        "Add helper\n\nSquashed commits:\n* Add helper\n\nCo-authored-by: Cursor Agent <cursoragent@cursor.com>\n\n* Address review\n",
        // `git merge --squash`.
        "Add helper\n\nSquashed commit of the following:\n\ncommit 0123456789abcdef0123456789abcdef01234567\nAuthor: Claude <noreply@anthropic.com>\nDate:   Mon Jan 5 10:00:00 2026 +0000\n\n    Add helper\n\n    Co-Authored-By: Codex <noreply@openai.com>\n",
    ] {
        let out = check_util(msg);
        out.assert_deny("missing-reviewer");
        assert_eq!(count(&out, "marker-outside-trailers"), 0, "{msg}");
        let v = out.json();
        let markers = v["commits"][0]["markers"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert!(
            markers.iter().any(|m| m["source"] == "squash-body"),
            "{msg}: {markers:?}"
        );
    }
}

#[test]
fn at_d06_one_warning_per_commit_listing_every_line() {
    let m = "Add helper\n\nAssisted-by: Claude Opus 4.6 <noreply@anthropic.com>\nCo-authored-by: Codex <noreply@openai.com>\n\nAmp-Thread-ID: https://ampcode.com/threads/T-1\n\nBody continues.\n\nCo-authored-by: Cursor Agent <cursoragent@cursor.com>\n\nSigned-off-by: Alice Author <alice@corp.example>\n";
    let out = check_util(m);
    out.assert_deny("missing-reviewer");
    assert_eq!(count(&out, "marker-outside-trailers"), 1);
    let v = out.json();
    let c = &v["commits"][0];
    let f = c["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|f| f["code"] == "marker-outside-trailers")
        .expect("finding");
    let text = f["message"].as_str().unwrap_or_default();
    for needle in [
        "4 AI marker lines",
        "line 3:",
        "line 4:",
        "line 6:",
        "line 10:",
    ] {
        assert!(text.contains(needle), "{needle} in {text}");
    }
    // The JSON keeps every detail: four markers (one per line), the first naming both of
    // its signatures.
    let markers = c["markers"].as_array().cloned().unwrap_or_default();
    assert_eq!(markers.len(), 4, "{markers:?}");
    assert_eq!(
        markers[0]["signatures"],
        serde_json::json!(["claude-code/co-author", "convention/assisted-by"])
    );
    assert!(markers.iter().all(|m| m["source"] == "message"));
}

#[test]
fn at_d07_documented_examples_and_human_text_are_not_markers() {
    for m in [
        "Document the AI trailer\n\nUse this form:\n\n    Assisted-by: AGENT_NAME:MODEL_VERSION [TOOL1] [TOOL2]\n\nSigned-off-by: Alice Author <alice@corp.example>\n",
        "Document it\n\nGenerated-by: <Name of Tool> <Version>\nAssisted-By: <tool-name> [model-version]\n\nSigned-off-by: Alice Author <alice@corp.example>\n",
        "Document it\n\n```\nCo-Authored-By: Claude <noreply@anthropic.com>\n```\n\nSigned-off-by: Alice Author <alice@corp.example>\n",
        "Strip `Co-Authored-By: Claude <noreply@anthropic.com>` lines\n",
        "Drop the footer\n\nRemove the \"Generated with Crush\" line from commit messages.\n",
        "Fix x\n\nI asked Claude to find the bug; Copilot and Codex agreed.\n",
        "Fix x\n\nThanks. Reviewed-by: Claude <noreply@anthropic.com>\n",
        "Ship a hook\n\n- always append\n  ‘Co-authored-by: openhands <openhands@all-hands.dev>’\n",
    ] {
        let out = check_util(m);
        out.assert_pass();
        assert_eq!(involvement(&out), "none", "{m}");
    }
}

#[test]
fn at_d08_unfilled_templates_in_the_trailer_block_count() {
    // A tool that leaves its template unfilled still disclosed itself: in git's trailer block
    // a placeholder value is not documentation.
    for t in [
        "Assisted-by: <Model-Name> via Crush",
        "Assisted-by: AGENT_NAME:MODEL_VERSION",
        "Co-authored-by: {model} <noreply@anthropic.com>",
    ] {
        let out = check_util(&msg("Add helper", &[t]));
        out.assert_deny("missing-reviewer");
        assert_eq!(involvement(&out), "assisted", "{t}");
    }
}
