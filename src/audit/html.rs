//! An audit as one self-contained HTML file: inline CSS, inline SVG charts, a few lines of
//! inline JavaScript to sort tables. No external asset, no network. Every piece of untrusted
//! text (subjects, names, paths, policy strings) goes through [`escape`].

use std::fmt::Write;

use crate::audit::markdown::{MAX_ROWS, flags};
use crate::audit::summary::{Summary, pct};
use crate::report::short_id;

/// How many of the latest weeks the chart shows (the table lists them all).
pub const CHART_WEEKS: usize = 52;

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c != '\n' && crate::message::unicode::is_forbidden(c) => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

const CSS: &str = r#"
:root{--ink:#1d2430;--muted:#5b6575;--line:#d9dee6;--ai:#4b5fd6;--all:#c9d0dc;--ok:#2f8f5b;--warn:#b7791f;--bad:#c53030;}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);margin:0 auto;max-width:1100px;padding:24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}
h3{font-size:14px;margin:18px 0 6px}
.meta{color:var(--muted);margin:0 0 16px}
.cards{display:flex;gap:12px;flex-wrap:wrap}
.card{border:1px solid var(--line);border-radius:6px;padding:10px 14px;min-width:160px}
.card b{display:block;font-size:22px}
.card span{color:var(--muted);font-size:12px}
.pass{color:var(--ok)}.fail{color:var(--bad)}.waived{color:var(--warn)}
table{border-collapse:collapse;width:100%;margin:6px 0 12px;font-size:13px}
th,td{border-bottom:1px solid var(--line);padding:4px 6px;text-align:left;vertical-align:top}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
td.d{white-space:nowrap}
th{background:#f3f5f8}
table.sortable th{cursor:pointer;user-select:none}
table.sortable th:after{content:" \2195";color:var(--muted);font-size:11px}
code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace}
.flag{font-weight:600;color:var(--bad)}
svg text{font:11px system-ui,sans-serif;fill:var(--ink)}
.charts{display:flex;gap:24px;flex-wrap:wrap}
.legend span{display:inline-block;width:10px;height:10px;margin:0 4px 0 10px}
.note{color:var(--muted);font-size:12px}
@media print{
 body{max-width:none;padding:0;font-size:10pt}
 table.sortable th:after{content:""}
 h2{break-after:avoid}
 tr,.card,svg{break-inside:avoid}
 details>*{display:block}
 a{color:inherit;text-decoration:none}
}
"#;

const JS: &str = r#"
document.querySelectorAll("table.sortable").forEach(function(t){
 t.querySelectorAll("th").forEach(function(th,i){
  th.addEventListener("click",function(){
   var b=t.tBodies[0],rows=Array.prototype.slice.call(b.rows),asc=th.dataset.dir!=="asc";
   t.querySelectorAll("th").forEach(function(h){delete h.dataset.dir});th.dataset.dir=asc?"asc":"desc";
   rows.sort(function(x,y){
    var a=x.cells[i].dataset.v||x.cells[i].textContent,c=y.cells[i].dataset.v||y.cells[i].textContent,
        na=parseFloat(a),nc=parseFloat(c),r=(!isNaN(na)&&!isNaN(nc))?na-nc:a.localeCompare(c);
    return asc?r:-r;});
   rows.forEach(function(r){b.appendChild(r)});
  });
 });
});
"#;

/// Renders `s` as one HTML document.
pub fn render(s: &Summary) -> String {
    let mut o = String::with_capacity(64 * 1024);
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>countersign audit: {}</title>\n<style>{CSS}</style>\n</head>\n<body>\n",
        escape(&s.range)
    );
    let _ = writeln!(o, "<h1>countersign audit</h1>");
    let _ = writeln!(
        o,
        "<p class=\"meta\">Range <code>{}</code> · policy <code>{}</code> (blob <code>{}</code>) · generated {} · as <code>check</code> would decide: <b class=\"{}\">{}</b></p>",
        escape(&s.range),
        escape(&s.policy),
        escape(&s.policy_digest),
        escape(&s.generated),
        s.verdict,
        s.verdict
    );
    let _ = writeln!(o, "<div class=\"cards\">");
    card(&mut o, &s.commits.to_string(), "commits audited");
    card(
        &mut o,
        &pct(s.ai_assisted, s.commits),
        &format!("AI-assisted ({} of {})", s.ai_assisted, s.commits),
    );
    card(
        &mut o,
        &pct(s.evidenced, s.needs_evidence),
        &format!(
            "review coverage ({} of {} needing evidence)",
            s.evidenced, s.needs_evidence
        ),
    );
    card(&mut o, &s.violations.to_string(), "failing commits");
    let expired = s.waivers.iter().filter(|w| w.expired).count();
    card(
        &mut o,
        &s.waivers.len().to_string(),
        &format!("waivers ({expired} expired)"),
    );
    let _ = writeln!(o, "</div>");

    let _ = writeln!(o, "<h2>Charts</h2>\n<div class=\"charts\">");
    weeks_chart(&mut o, s);
    coverage_chart(&mut o, s);
    let _ = writeln!(o, "</div>");

    tiers_table(&mut o, s);
    attention_table(&mut o, s);
    waivers_table(&mut o, s);
    counts_tables(&mut o, s);
    if !s.run_findings.is_empty() {
        let _ = writeln!(o, "<h2>Policy findings</h2>\n<ul>");
        for (code, msg) in &s.run_findings {
            let _ = writeln!(o, "<li><code>{}</code>: {}</li>", escape(code), escape(msg));
        }
        let _ = writeln!(o, "</ul>");
    }
    let _ = write!(o, "<script>{JS}</script>\n</body>\n</html>\n");
    o
}

fn card(o: &mut String, big: &str, small: &str) {
    let _ = writeln!(
        o,
        "<div class=\"card\"><b>{}</b><span>{}</span></div>",
        escape(big),
        escape(small)
    );
}

/// Bars: commits per week (grey) with the AI-assisted ones over them (blue).
fn weeks_chart(o: &mut String, s: &Summary) {
    let weeks = &s.weeks[s.weeks.len().saturating_sub(CHART_WEEKS)..];
    let (w, h, left, bottom, top) = (560usize, 220usize, 36usize, 48usize, 10usize);
    let plot_w = w - left - 8;
    let plot_h = h - bottom - top;
    let max = weeks.iter().map(|x| x.commits).max().unwrap_or(0).max(1);
    let n = weeks.len().max(1);
    let slot = plot_w as f64 / n as f64;
    let bar = (slot * 0.8).max(1.0);
    let _ = writeln!(
        o,
        "<figure><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"AI-assisted commits per week\">"
    );
    let _ = writeln!(
        o,
        "<line x1=\"{left}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#999\"/>",
        top + plot_h,
        w - 8,
        top + plot_h
    );
    let _ = writeln!(
        o,
        "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{max}</text><text x=\"{}\" y=\"{}\" text-anchor=\"end\">0</text>",
        left - 4,
        top + 8,
        left - 4,
        top + plot_h
    );
    let label_every = n.div_ceil(8).max(1);
    for (i, wk) in weeks.iter().enumerate() {
        let x = left as f64 + slot * i as f64 + (slot - bar) / 2.0;
        let ht = plot_h as f64 * wk.commits as f64 / max as f64;
        let ha = plot_h as f64 * wk.ai_assisted as f64 / max as f64;
        let base = (top + plot_h) as f64;
        let _ = writeln!(
            o,
            "<g><title>{}: {} of {} commits AI-assisted ({})</title><rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{bar:.1}\" height=\"{ht:.1}\" fill=\"#c9d0dc\"/><rect class=\"ai\" x=\"{x:.1}\" y=\"{:.1}\" width=\"{bar:.1}\" height=\"{ha:.1}\" fill=\"#4b5fd6\"/></g>",
            escape(&wk.week),
            wk.ai_assisted,
            wk.commits,
            pct(wk.ai_assisted, wk.commits),
            base - ht,
            base - ha
        );
        if i % label_every == 0 {
            let _ = writeln!(
                o,
                "<text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                x + bar / 2.0,
                top + plot_h + 14,
                escape(&wk.week)
            );
        }
    }
    let _ = writeln!(
        o,
        "<text x=\"{left}\" y=\"{}\">AI-assisted commits per ISO week{}</text>",
        h - 8,
        if s.weeks.len() > CHART_WEEKS {
            format!(" (last {CHART_WEEKS} of {} weeks)", s.weeks.len())
        } else {
            String::new()
        }
    );
    let _ = writeln!(
        o,
        "</svg><figcaption class=\"legend\"><span style=\"background:#4b5fd6\"></span>AI-assisted<span style=\"background:#c9d0dc\"></span>all commits</figcaption></figure>"
    );
}

/// Horizontal bars: evidenced / needing evidence per tier.
fn coverage_chart(o: &mut String, s: &Summary) {
    let rows: Vec<_> = s.tiers.iter().filter(|t| t.needs_evidence > 0).collect();
    let (w, row_h, left, top) = (420usize, 26usize, 110usize, 10usize);
    let h = top + row_h * rows.len().max(1) + 30;
    let plot_w = w - left - 60;
    let _ = writeln!(
        o,
        "<figure><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"Review coverage per tier\">"
    );
    if rows.is_empty() {
        let _ = writeln!(
            o,
            "<text x=\"10\" y=\"{}\">No AI-assisted commit needed evidence.</text>",
            top + 14
        );
    }
    for (i, t) in rows.iter().enumerate() {
        let y = top + i * row_h;
        let _ = write!(
            o,
            "<g><title>{}: {} of {} evidenced, {} waived, {} missing</title><text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text><rect x=\"{left}\" y=\"{y}\" width=\"{plot_w}\" height=\"18\" fill=\"#eef1f5\"/>",
            escape(&t.tier),
            t.evidenced,
            t.needs_evidence,
            t.waived,
            t.missing,
            left - 6,
            y + 13,
            escape(&t.tier),
        );
        // Stacked: evidenced (green), waived (amber), missing (red).
        let mut x = left as f64;
        for (class, n, color) in [
            ("cov", t.evidenced, "#2f8f5b"),
            ("cov-waived", t.waived, "#d69e2e"),
            ("cov-missing", t.missing, "#c53030"),
        ] {
            let wd = plot_w as f64 * n as f64 / t.needs_evidence as f64;
            let _ = write!(
                o,
                "<rect class=\"{class}\" x=\"{x:.1}\" y=\"{y}\" width=\"{wd:.1}\" height=\"18\" fill=\"{color}\"/>"
            );
            x += wd;
        }
        let _ = writeln!(
            o,
            "<text x=\"{}\" y=\"{}\">{}</text></g>",
            left + plot_w + 6,
            y + 13,
            pct(t.evidenced, t.needs_evidence)
        );
    }
    let _ = writeln!(
        o,
        "<text x=\"10\" y=\"{}\">Review coverage per tier (AI-assisted commits)</text>\n</svg><figcaption class=\"legend\"><span style=\"background:#2f8f5b\"></span>evidenced<span style=\"background:#d69e2e\"></span>waived<span style=\"background:#c53030\"></span>missing</figcaption></figure>",
        h - 8
    );
}

fn tiers_table(o: &mut String, s: &Summary) {
    let _ = writeln!(
        o,
        "<h2>Tiers and controls</h2>\n<table class=\"sortable\"><thead><tr><th>tier</th><th class=\"n\">commits</th><th class=\"n\">AI-assisted</th><th class=\"n\">needs evidence</th><th class=\"n\">evidenced</th><th class=\"n\">waived</th><th class=\"n\">missing</th><th class=\"n\">coverage</th><th>controls</th></tr></thead><tbody>"
    );
    for t in &s.tiers {
        let _ = writeln!(
            o,
            "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
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
                .join("<br>")
        );
    }
    let _ = writeln!(o, "</tbody></table>");
}

fn attention_table(o: &mut String, s: &Summary) {
    let _ = writeln!(
        o,
        "<h2>Commits needing attention ({} failing, {} waived)</h2>",
        s.violations,
        s.attention.len() - s.violations.min(s.attention.len())
    );
    if s.attention.is_empty() {
        let _ = writeln!(o, "<p>None.</p>");
        return;
    }
    let _ = writeln!(
        o,
        "<table class=\"sortable\" id=\"attention\"><thead><tr><th>commit</th><th>date</th><th>author</th><th>subject</th><th>tier</th><th>involvement</th><th>status</th><th>findings</th></tr></thead><tbody>"
    );
    for a in s.attention.iter().take(MAX_ROWS) {
        let _ = writeln!(
            o,
            "<tr><td><code title=\"{}\">{}</code></td><td class=\"d\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"{}\">{}</td><td>{}</td></tr>",
            escape(&a.commit),
            escape(short_id(&a.commit)),
            escape(a.time.get(..10).unwrap_or(&a.time)),
            escape(&a.author),
            escape(&a.subject),
            escape(a.tier.as_deref().unwrap_or("–")),
            a.involvement.as_str(),
            a.status,
            a.status,
            escape(&a.codes.join(", "))
        );
    }
    let _ = writeln!(o, "</tbody></table>");
    if s.attention.len() > MAX_ROWS {
        let _ = writeln!(
            o,
            "<p class=\"note\">{} more not shown; <code>--format jsonl</code> lists every commit.</p>",
            s.attention.len() - MAX_ROWS
        );
    }
}

fn waivers_table(o: &mut String, s: &Summary) {
    let _ = writeln!(o, "<h2>Waivers (as of {})</h2>", escape(&s.today));
    if s.waivers.is_empty() {
        let _ = writeln!(o, "<p>The policy grants no waivers.</p>");
        return;
    }
    let _ = writeln!(
        o,
        "<table class=\"sortable\"><thead><tr><th>id</th><th>approved by</th><th>requested by</th><th>reason</th><th>expires</th><th class=\"n\">days to expiry</th><th class=\"n\">commits excused</th><th>flags</th></tr></thead><tbody>"
    );
    for w in &s.waivers {
        let _ = writeln!(
            o,
            "<tr><td class=\"d\">{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"d\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"flag\">{}</td></tr>",
            escape(&w.id),
            escape(&w.approved_by),
            escape(w.requested_by.as_deref().unwrap_or("–")),
            escape(&w.reason),
            escape(&w.expires),
            w.days_to_expiry,
            w.used,
            flags(w.expired, w.unused)
        );
    }
    let _ = writeln!(o, "</tbody></table>");
}

fn counts_tables(o: &mut String, s: &Summary) {
    let _ = writeln!(o, "<h2>AI involvement</h2>");
    for (title, rows) in [("By tool", &s.tools), ("By model", &s.models)] {
        let _ = writeln!(o, "<h3>{title}</h3>");
        if rows.is_empty() {
            let _ = writeln!(o, "<p>No AI-assisted commits.</p>");
            continue;
        }
        let _ = writeln!(
            o,
            "<table class=\"sortable\"><thead><tr><th>name</th><th class=\"n\">AI-assisted commits</th><th class=\"n\">share of AI-assisted</th></tr></thead><tbody>"
        );
        for r in rows {
            let _ = writeln!(
                o,
                "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                escape(&r.name),
                r.commits,
                pct(r.commits, s.ai_assisted)
            );
        }
        let _ = writeln!(o, "</tbody></table>");
    }
    let _ = writeln!(
        o,
        "<h3>Per ISO week</h3>\n<details open><summary>{} week(s)</summary>\n<table class=\"sortable\"><thead><tr><th>week</th><th class=\"n\">commits</th><th class=\"n\">AI-assisted</th><th class=\"n\">share</th></tr></thead><tbody>",
        s.weeks.len()
    );
    for w in s.weeks.iter().rev() {
        let _ = writeln!(
            o,
            "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            escape(&w.week),
            w.commits,
            w.ai_assisted,
            pct(w.ai_assisted, w.commits)
        );
    }
    let _ = writeln!(o, "</tbody></table>\n</details>");
}
