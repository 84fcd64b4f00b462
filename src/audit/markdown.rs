//! An audit as Markdown: the summary tables and the commits that need attention.
//! Untrusted text goes through [`crate::report::markdown::escape`].

use std::fmt::Write;

use crate::audit::summary::{Summary, pct};
use crate::report::markdown::escape;
use crate::report::short_id;

/// The most rows of the attention table (the JSON Lines output has every commit).
pub const MAX_ROWS: usize = 2000;

/// Renders `s` as Markdown.
pub fn render(s: &Summary) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "# countersign audit\n");
    let _ = writeln!(
        o,
        "Range `{}` · policy {} (blob `{}`) · generated {} · as `check` would decide: **{}**\n",
        escape(&s.range),
        escape(&s.policy),
        escape(&s.policy_digest),
        s.generated,
        s.verdict
    );
    let _ = writeln!(o, "## AI-assisted share\n");
    let _ = writeln!(
        o,
        "**{} of {} commits ({})** carry AI markers. Review coverage: **{} of {} ({})** AI-assisted commits that needed evidence had valid evidence.\n",
        s.ai_assisted,
        s.commits,
        pct(s.ai_assisted, s.commits),
        s.evidenced,
        s.needs_evidence,
        pct(s.evidenced, s.needs_evidence)
    );
    let _ = writeln!(o, "### Per ISO week\n");
    let _ = writeln!(
        o,
        "| week | commits | AI-assisted | share |\n| --- | ---: | ---: | ---: |"
    );
    for w in &s.weeks {
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} |",
            w.week,
            w.commits,
            w.ai_assisted,
            pct(w.ai_assisted, w.commits)
        );
    }
    for (title, rows) in [("By tool", &s.tools), ("By model", &s.models)] {
        let _ = writeln!(o, "\n### {title}\n");
        if rows.is_empty() {
            let _ = writeln!(o, "No AI-assisted commits.");
            continue;
        }
        let _ = writeln!(
            o,
            "| name | AI-assisted commits | share of AI-assisted |\n| --- | ---: | ---: |"
        );
        for r in rows {
            let _ = writeln!(
                o,
                "| {} | {} | {} |",
                escape(&r.name),
                r.commits,
                pct(r.commits, s.ai_assisted)
            );
        }
    }
    let _ = writeln!(o, "\n### By tier\n");
    let _ = writeln!(
        o,
        "| tier | commits | AI-assisted | needs evidence | evidenced | waived | missing | coverage | controls |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
    );
    for t in &s.tiers {
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            escape(&t.tier),
            t.commits,
            t.ai_assisted,
            t.needs_evidence,
            t.evidenced,
            t.waived,
            t.missing,
            pct(t.evidenced, t.needs_evidence),
            t.controls
                .iter()
                .map(|c| escape(c))
                .collect::<Vec<_>>()
                .join("; ")
        );
    }
    let _ = writeln!(
        o,
        "\n## Commits needing attention ({} failing)\n",
        s.violations
    );
    if s.attention.is_empty() {
        let _ = writeln!(o, "None.");
    } else {
        let _ = writeln!(
            o,
            "| commit | date | author | subject | tier | involvement | status | codes |\n| --- | --- | --- | --- | --- | --- | --- | --- |"
        );
        for a in s.attention.iter().take(MAX_ROWS) {
            let _ = writeln!(
                o,
                "| `{}` | {} | {} | {} | {} | {} | {} | {} |",
                short_id(&a.commit),
                a.time.get(..10).unwrap_or(&a.time),
                escape(&a.author),
                escape(&a.subject),
                escape(a.tier.as_deref().unwrap_or("–")),
                a.involvement.as_str(),
                a.status,
                a.codes.join(", ")
            );
        }
        if s.attention.len() > MAX_ROWS {
            let _ = writeln!(
                o,
                "\n{} more not shown; `--format jsonl` lists every commit.",
                s.attention.len() - MAX_ROWS
            );
        }
    }
    let _ = writeln!(o, "\n## Waivers (as of {})\n", s.today);
    if s.waivers.is_empty() {
        let _ = writeln!(o, "The policy grants no waivers.");
    } else {
        let _ = writeln!(
            o,
            "| id | approved by | requested by | reason | expires | days to expiry | commits excused | flags |\n| --- | --- | --- | --- | --- | ---: | ---: | --- |"
        );
        for w in &s.waivers {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} | {} | {} | {} |",
                escape(&w.id),
                escape(&w.approved_by),
                escape(w.requested_by.as_deref().unwrap_or("–")),
                escape(&w.reason),
                w.expires,
                w.days_to_expiry,
                w.used,
                flags(w.expired, w.unused)
            );
        }
    }
    if !s.run_findings.is_empty() {
        let _ = writeln!(o, "\n## Policy findings\n");
        for (code, msg) in &s.run_findings {
            let _ = writeln!(o, "- `{code}`: {}", escape(msg));
        }
    }
    o
}

/// `EXPIRED`, `UNUSED`, both, or `–`.
pub fn flags(expired: bool, unused: bool) -> &'static str {
    match (expired, unused) {
        (true, true) => "EXPIRED, UNUSED",
        (true, false) => "EXPIRED",
        (false, true) => "UNUSED",
        (false, false) => "–",
    }
}
