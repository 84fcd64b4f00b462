//! The audit an auditor can hand on (issue 14 item 6): `countersign audit` on a hostile
//! repository — subjects with `<script>`, backticks, `|`, terminal escapes, an RTL override,
//! over-long words and paths; reviewers accepted and rejected; an empty commit and a merge;
//! the same model spelled three ways; a commit marked by two signatures of one tool.
//!
//! - the Markdown as a golden file (`fixtures/audit/hostile.md`; regenerate with
//!   `UPDATE_GOLDEN=1 cargo test --test it audit_report::` and review the diff);
//! - the HTML's structure: the lessons of looking at audits in headless Chromium at 1280 px
//!   and on A4 (`scripts/render-audit.sh`), kept as checks of the markup and style sheet;
//! - the figures: one tool and one model per commit, one row per reviewer, every tier value
//!   explained, the exact range with the policy's baseline.

use crate::audit::{balanced, commit_at, run};
use crate::support::TestRepo;

use serde_json::Value;

const POLICY: &str = include_str!("../../fixtures/audit/hostile-policy.yml");
/// 2024-01-02 (ISO week 2024-W01).
const T0: u64 = 1_704_153_600;
const HOUR: u64 = 3600;

const SCRIPT: &str = "fix: <script>alert(1)</script> & \"q\" | pipe | `a|b<c>` `code` `unclosed";
const ESCAPES: &str =
    "refactor: \u{1b}[31mred\u{1b}[0m, a bell \u{7} and RTL \u{202E}gnp.exe\u{202C} here";
const LONG_DIR: &str = "src/very_long_directory_name_for_the_reconciliation_of_interbank_transfers";

fn long_word() -> String {
    format!("Supercalifragilistic_{}", "A".repeat(100))
}

/// Eight commits; six AI-assisted (Claude Code five, Copilot one).
fn hostile() -> TestRepo {
    let mut r = TestRepo::new();
    let claude = "Co-authored-by: Claude <noreply@anthropic.com>";
    let rita = "Reviewed-by: Rita Reviewer <rita@example.com>";
    let otto = "Reviewed-by: Otto Other <otto@example.com>";
    commit_at(
        &mut r,
        T0,
        "Initial import",
        &[(".countersign.yml", POLICY), ("src/lib.rs", "\n")],
    );
    commit_at(
        &mut r,
        T0 + HOUR,
        &format!("{SCRIPT}\n\nCo-authored-by: Claude Opus 4.8 <noreply@anthropic.com>\n"),
        &[("src/script.rs", "\n")],
    );
    commit_at(
        &mut r,
        T0 + 2 * HOUR,
        &format!("{ESCAPES}\n\n{claude}\nReviewed-by: Ada Author <ada@example.com>\n"),
        &[("src/escapes.rs", "\n")],
    );
    let long_path = format!("{LONG_DIR}/and_a_file_name_that_goes_on_and_on_and_on.rs");
    commit_at(
        &mut r,
        T0 + 7 * 24 * HOUR,
        &format!(
            "feat: {} in {long_path}\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)\n\nCo-Authored-By: Claude <noreply@anthropic.com>\nAssisted-by: Claude:claude-opus-4-8\n{rita}\n",
            long_word()
        ),
        &[(long_path.as_str(), "\n")],
    );
    commit_at(
        &mut r,
        T0 + 7 * 24 * HOUR + HOUR,
        &format!(
            "pay: rounding\n\nCo-authored-by: Opus 4.8 <noreply@anthropic.com>\n{rita}\n{otto}\n"
        ),
        &[("src/payments/fx.rs", "\n")],
    );
    commit_at(
        &mut r,
        T0 + 14 * 24 * HOUR,
        &format!(
            "feat: parser | @everyone look\n\nCo-authored-by: Copilot <175728472+Copilot@users.noreply.github.com>\nAssisted-by: gpt-5.4\n{rita}\n"
        ),
        &[("src/parser.rs", "\n")],
    );
    commit_at(
        &mut r,
        T0 + 14 * 24 * HOUR + HOUR,
        &format!("empty: changes nothing\n\n{claude}\n"),
        &[],
    );
    commit_at(
        &mut r,
        T0 + 14 * 24 * HOUR + 2 * HOUR,
        "chore: plain human change",
        &[("src/lib.rs", "// tidy\n")],
    );
    r
}

fn audit(r: &TestRepo, format: &str) -> String {
    let out = run(r, &["audit", "--all", "--format", format]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    out.stdout
}

/// The summary line of a JSON Lines audit.
fn summary(r: &TestRepo) -> Value {
    let out = audit(r, "jsonl");
    let last = out.lines().last().expect("summary line");
    serde_json::from_str(last).expect("json")
}

/// The audit's volatile parts (run time, today's date, days to a waiver's expiry) replaced.
fn stable(md: &str) -> String {
    let re = |p: &str| regex::Regex::new(p).expect("regex");
    let md = re(r"\*\*Generated:\*\* \S+").replace_all(md, "**Generated:** <now>");
    let md = re(r"as of \d{4}-\d{2}-\d{2}").replace_all(&md, "as of <today>");
    let md = re(r"in \d+ day\(s\)").replace_all(&md, "in <n> day(s)");
    md.into_owned()
}

fn golden(name: &str, actual: &str) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/audit")
        .join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).expect("write golden");
        return;
    }
    let want = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run with UPDATE_GOLDEN=1)", path.display()));
    assert!(
        want == actual,
        "{name} differs from the golden file; if intended, regenerate with UPDATE_GOLDEN=1.\n--- expected\n{want}\n--- actual\n{actual}"
    );
}

/// No raw control character (but the line feed) and no bidi or invisible character.
fn assert_no_raw_controls(s: &str) {
    for (i, c) in s.char_indices() {
        assert!(
            c == '\n'
                || !(c.is_control()
                    || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{206F}' | '\u{FEFF}')),
            "raw {c:?} at byte {i}"
        );
    }
}

#[test]
fn hostile_markdown_matches_the_golden_file() {
    let r = hostile();
    golden("hostile.md", &stable(&audit(&r, "markdown")));
}

#[test]
fn hostile_markdown_escapes_every_cell_once() {
    let r = hostile();
    let md = audit(&r, "markdown");
    assert_no_raw_controls(&md);
    // Every `<` of the hostile text outside code spans is backslash-escaped.
    for (i, _) in md.match_indices('<') {
        assert!(
            md[..i].ends_with('\\') || md[..i].ends_with("`a\\|b"),
            "raw `<` at byte {i}: {}",
            &md[i..]
        );
    }
    assert!(md.contains("\\<script\\>alert(1)\\</script\\>"), "{md}");
    assert!(
        md.contains("Incident \\<img src=x onerror=alert(1)\\>"),
        "{md}"
    );
    assert!(
        !md.contains("&lt;"),
        "entities where a backslash does: {md}"
    );
    // The subject's code span stays a code span; its unpaired backtick is escaped text.
    // In a table a `|` in a code span is written `\|` (GitHub shows `|`); `<` stays verbatim.
    assert!(
        md.contains("\\| pipe \\| `a\\|b<c>` `code` \\`unclosed"),
        "{md}"
    );
    // Every table row has as many cell separators as its header: no `|` broke out.
    for table in md.split("\n\n").filter(|b| b.starts_with("| ")) {
        let seps = |l: &str| l.replace("\\|", "").matches('|').count();
        let mut rows = table.lines();
        let head = seps(rows.next().unwrap_or(""));
        for row in rows {
            assert_eq!(seps(row), head, "row breaks its table: {row}");
        }
    }
    // `@everyone` cannot ping; an address is left alone.
    assert!(md.contains("@&#8203;everyone"), "{md}");
    assert!(md.contains("rita@example.com"), "{md}");
}

#[test]
fn the_embedded_policy_is_named_once_escaped() {
    let mut r = TestRepo::new();
    commit_at(
        &mut r,
        T0,
        "feat: x\n\nCo-authored-by: Claude <noreply@anthropic.com>\n",
        &[("src/a.rs", "\n")],
    );
    let md = audit(&r, "markdown");
    assert!(md.contains("`<embedded default policy>`"), "{md}");
    assert!(!md.contains("&lt;embedded"), "{md}");
    let html = audit(&r, "html");
    assert!(html.contains("<code>&lt;embedded default policy&gt;</code>"));
}

/// The declarations of the CSS rule whose selector is exactly `selector`.
fn rule<'a>(css: &'a str, selector: &str) -> &'a str {
    let at = css
        .find(&format!("\n{selector}{{"))
        .or_else(|| css.find(&format!(" {selector}{{")))
        .unwrap_or_else(|| panic!("no rule `{selector}`"));
    let body = &css[at..];
    let open = body.find('{').unwrap_or(0) + 1;
    let close = body.find('}').unwrap_or(body.len());
    &body[open..close]
}

#[test]
fn hostile_html_keeps_its_layout_and_escapes_everything() {
    let r = hostile();
    let html = audit(&r, "html");
    balanced(&html).unwrap_or_else(|e| panic!("not well-formed: {e}"));
    assert_no_raw_controls(&html);
    assert_eq!(html.matches("<script").count(), 1, "only our own script");
    assert!(!html.contains("<img"));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    // Markdown code spans render as code, not as raw backticks.
    assert!(
        html.contains("| pipe | <code>a|b&lt;c&gt;</code> <code>code</code> `unclosed"),
        "{html}"
    );
    assert!(html.contains("records filed <code>later</code>"));
    assert!(html.contains("Docs: <code>*.md</code> and &lt;b&gt;examples&lt;/b&gt;"));

    let css_start = html.find("<style>").expect("style") + 7;
    let css = &html[css_start..html.find("</style>").expect("style end")];
    // Tables take the page width and let the browser size columns to their content: no
    // fixed layout, no width on a cell, in the style sheet or inline.
    assert!(rule(css, "table").contains("table-layout:auto"));
    assert!(!css.contains("table-layout:fixed"));
    let px_width = regex::Regex::new(r"(^|;)\s*(min-|max-)?width:\s*[\d.]+px").expect("re");
    for decl in css.split('}') {
        let (sel, body) = decl.split_once('{').unwrap_or(("", ""));
        if sel.split(',').any(|s| {
            let s = s.trim();
            s.starts_with("th") || s.starts_with("td") || s.starts_with("table")
        }) {
            assert!(!px_width.is_match(body), "fixed width in `{sel}{{{body}}}`");
        }
    }
    for tag in ["<td style", "<th style", "<col", "<colgroup"] {
        assert!(!html.contains(tag), "found {tag}");
    }
    // Prose wraps between words only; ids, code and over-long words may wrap anywhere;
    // keywords never wrap.
    let cells = rule(css, "th,td");
    assert!(cells.contains("overflow-wrap:normal") && cells.contains("word-break:normal"));
    assert!(rule(css, "code.long,.w").contains("overflow-wrap:anywhere"));
    assert!(rule(css, ".k").contains("white-space:nowrap"));
    assert!(rule(css, "td.long").contains("min-width:12em"));
    let word = long_word();
    assert!(html.contains(&format!("<span class=\"w\">{word}</span>")));
    // Print: A4 pages, table headers repeated on every page, rows kept whole.
    assert!(rule(css, "@page").contains("size:A4"));
    let print = &css[css.find("@media print{").expect("print rules")..];
    assert!(print.contains("thead{display:table-header-group}"));
    assert!(print.contains("tr,.card,figure{break-inside:avoid}"));

    // The attention table shows status and findings in full: keyword cells.
    let att = &html[html.find("id=\"attention\"").expect("attention")..];
    let att = &att[..att.find("</table>").expect("end")];
    assert!(att.contains("<td class=\"k fail\"><span class=\"k\">fail</span></td>"));
    assert!(att.contains("<span class=\"k\">missing-reviewer</span>"));
    assert!(att.contains("<th>status</th><th>findings</th>"));
    assert!(att.contains("<span class=\"k\">(none)</span>") || !att.contains("–"));
}

/// The rows of the table with this id.
fn rows_of<'a>(html: &'a str, id: &str) -> Vec<&'a str> {
    let t = &html[html.find(&format!("id=\"{id}\"")).expect("table")..];
    let t = &t[t.find("<tbody>").expect("tbody")..t.find("</tbody>").expect("end")];
    t.split("<tr>").skip(1).collect()
}

#[test]
fn every_reviewer_of_every_ai_commit_has_a_row_with_its_strength() {
    let r = hostile();
    let html = audit(&r, "html");
    let rows = rows_of(&html, "reviewers");
    // 6 AI-assisted commits: two without reviewers, one with two, three with one.
    assert_eq!(rows.len(), 7, "{rows:#?}");
    let pay: Vec<_> = rows
        .iter()
        .filter(|r| r.contains("pay: rounding"))
        .collect();
    assert_eq!(pay.len(), 2, "one row per reviewer");
    assert!(pay[0].contains("Rita Reviewer") && pay[1].contains("Otto Other"));
    assert!(
        pay.iter()
            .all(|r| r.contains(">claimed<") && r.contains(">trailer<"))
    );
    let own = rows
        .iter()
        .find(|r| r.contains("Ada Author"))
        .expect("self review");
    assert!(
        own.contains("not counted: <span class=\"k\">self-review</span>"),
        "{own}"
    );
    assert_eq!(
        rows.iter()
            .filter(|r| r.contains("no reviewer named"))
            .count(),
        2
    );
    // The same rows in Markdown.
    let md = audit(&r, "markdown");
    let sec = &md[md.find("## Reviewers").expect("section")..];
    let sec = &sec[..sec[3..].find("\n## ").expect("next") + 3];
    assert_eq!(
        sec.lines().filter(|l| l.starts_with("| `")).count(),
        7,
        "{sec}"
    );
    assert!(sec.contains("not counted: self-review"), "{sec}");
}

#[test]
fn one_commit_one_tool_and_one_name_per_model() {
    let r = hostile();
    let s = summary(&r);
    assert_eq!(s["ai_assisted"], 6);
    let counts = |k: &str| -> Vec<(String, u64)> {
        s[k].as_array()
            .expect("array")
            .iter()
            .map(|c| {
                (
                    c["name"].as_str().unwrap_or("").to_string(),
                    c["commits"].as_u64().unwrap_or(0),
                )
            })
            .collect()
    };
    // The long-word commit has three markers (footer, co-author, Assisted-by) and counts once.
    assert_eq!(
        counts("tools"),
        vec![("Claude Code".into(), 5), ("Copilot".into(), 1)]
    );
    assert_eq!(
        counts("models"),
        vec![
            ("Claude Opus 4.8".into(), 3),
            ("(not stated)".into(), 2),
            ("GPT-5.4".into(), 1)
        ]
    );
    for k in ["tools", "models"] {
        assert_eq!(
            counts(k).iter().map(|c| c.1).sum::<u64>(),
            6,
            "{k} sum to 100%"
        );
    }
    let html = audit(&r, "html");
    assert!(html.contains("83.3%") && html.contains("16.7%"));
}

#[test]
fn every_tier_value_is_explained_none_included() {
    let r = hostile();
    let s = summary(&r);
    let tiers = s["tiers"].as_array().expect("tiers");
    let none = tiers
        .iter()
        .find(|t| t["tier"] == "(none)")
        .expect("(none)");
    assert_eq!(none["commits"], 1, "the empty commit");
    assert!(
        none["meaning"]["description"]
            .as_str()
            .is_some_and(|d| d.contains("changes no path")),
        "{none}"
    );
    let high = tiers.iter().find(|t| t["tier"] == "high").expect("high");
    assert_eq!(high["meaning"]["rules"][0], "payments");
    assert_eq!(high["meaning"]["asks"][1], "a change record");
    let std_t = tiers
        .iter()
        .find(|t| t["tier"] == "standard")
        .expect("standard");
    assert_eq!(std_t["meaning"]["default"], true);

    let md = audit(&r, "markdown");
    assert!(
        md.contains(
            "| (none) | commits that change no path | nothing | ai | the commit changes no path"
        ),
        "{md}"
    );
    assert!(
        md.contains("| standard | paths no rule matches (default) | 1 named human reviewer |"),
        "{md}"
    );
    let html = audit(&r, "html");
    let meanings = rows_of(&html, "tier-meanings");
    assert_eq!(meanings.len(), 4, "three tiers and (none)");
    // A tier-less commit says `(none)` in every table, never a bare dash.
    assert!(
        rows_of(&html, "reviewers")
            .iter()
            .any(|r| r.contains("(none)"))
    );

    // `(none)` is explained even when no commit has it.
    let mut plain = TestRepo::new();
    commit_at(&mut plain, T0, "init", &[(".countersign.yml", POLICY)]);
    let s = summary(&plain);
    assert!(
        s["tiers"]
            .as_array()
            .expect("tiers")
            .iter()
            .any(|t| t["tier"] == "(none)")
    );
}

#[test]
fn the_header_states_the_exact_range_and_the_baseline() {
    let mut r = hostile();
    let out = run(&r, &["audit", "HEAD~3..HEAD", "--format", "markdown"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let head = r.rev("HEAD");
    let base = r.rev("HEAD~3");
    assert!(
        out.stdout.contains(&format!("- **Head:** `{head}`")),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains(&format!("- **Base:** `{base}`")),
        "{}",
        out.stdout
    );

    // A baseline cuts the range: the header says so, with the full id.
    let cut = r.rev("HEAD~4");
    let policy = format!("{POLICY}\nbaseline: {cut}\n");
    commit_at(
        &mut r,
        T0 + 20 * 24 * HOUR,
        "chore: set the baseline",
        &[(".countersign.yml", policy.as_str())],
    );
    let s = summary(&r);
    assert_eq!(
        s["range"],
        format!("--all (every commit reachable from any ref, not reachable from baseline {cut})")
    );
    assert_eq!(s["baseline"], cut.as_str());
    assert_eq!(
        s["commits"], 5,
        "the baseline and its four ancestors are not audited"
    );
    let md = audit(&r, "markdown");
    assert!(
        md.contains(&format!("not reachable from baseline {cut})")),
        "{md}"
    );
    assert!(
        md.contains(&format!("- **Baseline:** `{cut}` — the policy's baseline")),
        "{md}"
    );
    let html = audit(&r, "html");
    assert!(html.contains(&format!(
        "<dt>Baseline</dt><dd><code class=\"long\">{cut}</code>"
    )));
}
