//! An audit as one self-contained HTML file: a formatter of the [`rows`] document plus two
//! inline SVG charts, inline CSS and a few lines of inline JavaScript to sort tables. No
//! external asset, no network.
//!
//! Built with [maud](https://maud.lambda.xyz): every value is escaped by construction (`&`,
//! `<`, `>`, `"`), so hostile commit, PR and policy text cannot open a tag or leave an
//! attribute; the model already neutralised control and invisible characters.
//!
//! Layout rules learnt from looking at real audits in headless Chromium at 1280 px and on A4
//! (tests/it/audit.rs checks them): tables take the page width with `table-layout: auto` and
//! no fixed cell widths; prose wraps between words only; ids, paths, code and over-long
//! words ([`Inline::Word`]) may wrap anywhere; keywords (status, finding codes, dates) never
//! wrap; numbers are right-aligned; print gets A4 pages, repeated table headers and rows kept
//! whole.

use maud::{DOCTYPE, Markup, PreEscaped, html};

use crate::audit::rows::{
    self, Block, Cell, Chart, Document, Inline, Kind, LONG_WORD, Section, Table, clean,
};
use crate::audit::summary::{Summary, pct};
use crate::report::short_id;

/// How many of the latest weeks the chart shows (the table lists them all).
pub const CHART_WEEKS: usize = 52;

/// The style sheet. No cell has a width; only the charts have a size (and shrink to fit).
pub const CSS: &str = r#"
:root{--ink:#1d2430;--muted:#5b6575;--line:#d9dee6;--ok:#2f8f5b;--warn:#b7791f;--bad:#c53030}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);margin:0 auto;max-width:1400px;padding:24px}
h1{font-size:22px;margin:0 0 8px}
h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}
h3{font-size:14px;margin:18px 0 6px}
p{max-width:75em}
dl.meta{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:2px 12px;margin:0 0 16px;color:var(--muted)}
dl.meta dt{font-weight:600}
dl.meta dd{margin:0;min-width:0}
.cards{display:flex;gap:12px;flex-wrap:wrap;margin:8px 0}
.card{border:1px solid var(--line);border-radius:6px;padding:10px 14px}
.card b{display:block;font-size:22px}
.card span{color:var(--muted);font-size:12px}
.pass{color:var(--ok)}.fail{color:var(--bad)}.waived{color:var(--warn)}
table{border-collapse:collapse;table-layout:auto;width:100%;margin:6px 0 12px;font-size:13px}
table.compact{width:auto;min-width:50%}
th,td{border-bottom:1px solid var(--line);padding:4px 6px;text-align:left;vertical-align:top;overflow-wrap:normal;word-break:normal}
th{background:#f3f5f8;font-weight:600}
th.n{text-align:right}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.k{white-space:nowrap}
code.long,.w{overflow-wrap:anywhere}
td.long{min-width:12em}
code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace}
table.sortable th{cursor:pointer;user-select:none}
table.sortable th:after{content:" \2195";color:var(--muted);font-size:11px}
.note{color:var(--muted);font-size:12px}
.charts{display:flex;gap:24px;flex-wrap:wrap}
figure{margin:0}
svg{max-width:100%;height:auto}
svg text{font:11px system-ui,sans-serif;fill:var(--ink)}
.legend span{display:inline-block;width:10px;height:10px;margin:0 4px 0 10px}
@page{size:A4;margin:12mm}
@media print{
 body{max-width:none;padding:0;font-size:9pt}
 table{font-size:8pt}
 th,td{padding:2px 4px}
 code{font-size:7.5pt}
 thead{display:table-header-group}
 table.sortable th:after{content:""}
 h2,h3{break-after:avoid}
 tr,.card,figure{break-inside:avoid}
 .card{padding:4px 8px}
 .card b{font-size:14pt}
 h1{font-size:16pt}
 h2{font-size:13pt}
 h3{font-size:10pt}
}
"#;

const JS: &str = r#"
document.querySelectorAll("table.sortable").forEach(function(t){
 t.querySelectorAll("th").forEach(function(th,i){
  th.addEventListener("click",function(){
   var b=t.tBodies[0],rows=Array.prototype.slice.call(b.rows),asc=th.dataset.dir!=="asc";
   t.querySelectorAll("th").forEach(function(h){delete h.dataset.dir});th.dataset.dir=asc?"asc":"desc";
   rows.sort(function(x,y){
    var a=x.cells[i].textContent,c=y.cells[i].textContent,
        na=parseFloat(a),nc=parseFloat(c),r=(!isNaN(na)&&!isNaN(nc))?na-nc:a.localeCompare(c);
    return asc?r:-r;});
   rows.forEach(function(r){b.appendChild(r)});
  });
 });
});
"#;

/// Renders `s` as one HTML document.
pub fn render(s: &Summary) -> String {
    let d = rows::document(s);
    let page = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (d.title) }
                style { (PreEscaped(CSS)) }
            }
            body {
                header {
                    h1 { "countersign audit" }
                    (meta(&d))
                }
                main {
                    @for sec in &d.sections { (section(s, sec)) }
                }
                script { (PreEscaped(JS)) }
            }
        }
    };
    let mut out = page.into_string();
    out.push('\n');
    out
}

fn meta(d: &Document) -> Markup {
    html! {
        dl.meta {
            @for (label, value) in &d.header {
                dt { (label) }
                dd {
                    @if *label == "Verdict" {
                        b class=(d.verdict) { (d.verdict) }
                        @for i in value.iter().skip(1) { (inline(i)) }
                    } @else {
                        (line(value))
                    }
                }
            }
        }
    }
}

fn section(s: &Summary, sec: &Section) -> Markup {
    let charts = sec.blocks.iter().all(|b| matches!(b, Block::Chart(_)));
    html! {
        section {
            @if sec.level <= 2 { h2 { (sec.title) } } @else { h3 { (sec.title) } }
            @if charts {
                div.charts { @for b in &sec.blocks { (block(s, b)) } }
            } @else {
                @for b in &sec.blocks { (block(s, b)) }
            }
        }
    }
}

fn block(s: &Summary, b: &Block) -> Markup {
    match b {
        Block::Para(p) => html! { p { (line(p)) } },
        Block::List(items) => html! { ul { @for i in items { li { (line(i)) } } } },
        Block::Figures(f) => html! {
            div.cards { @for x in f { div.card { b { (x.value) } span { (x.label) } } } }
        },
        Block::Table(t) => table(t),
        Block::Chart(Chart::Weeks) => weeks_chart(s),
        Block::Chart(Chart::Coverage) => coverage_chart(s),
    }
}

/// True when `i` may wrap anywhere: an over-long word, or code longer than a word.
fn is_long(i: &Inline) -> bool {
    match i {
        Inline::Word(_) => true,
        Inline::Code(s) => s.chars().count() > LONG_WORD,
        _ => false,
    }
}

/// The class of a cell: its column's layout, and `long` when it holds text that may wrap
/// anywhere (such a cell keeps a minimum width, or the table would starve its column: text
/// that may break anywhere has almost no minimum width of its own).
fn class_of(kind: Kind, cell: &Cell) -> Option<String> {
    let long = cell.iter().flatten().any(is_long);
    let base = match kind {
        Kind::Prose => None,
        Kind::Num => Some("n".to_string()),
        Kind::Key => Some("k".to_string()),
        Kind::Status => {
            let v = match cell.first().and_then(|l| l.first()) {
                Some(Inline::Key(v)) if matches!(v.as_str(), "fail" | "waived" | "pass") => {
                    v.as_str()
                }
                _ => "",
            };
            Some(format!("k {v}").trim_end().to_string())
        }
    };
    match (base, long) {
        (Some(b), true) => Some(format!("{b} long")),
        (None, true) => Some("long".to_string()),
        (b, false) => b,
    }
}

fn table(t: &Table) -> Markup {
    html! {
        table.sortable.compact[t.columns.len() <= 4] id=(t.id) {
            thead { tr {
                @for c in &t.columns {
                    th class=[(c.kind == Kind::Num).then_some("n")] { (c.title) }
                }
            } }
            tbody {
                @for row in &t.rows {
                    tr {
                        @for (c, cell) in t.columns.iter().zip(row) {
                            td class=[class_of(c.kind, cell)] { (cell_markup(cell)) }
                        }
                    }
                }
            }
        }
        @if t.hidden > 0 {
            p.note { (t.hidden) " more not shown; " code { "--format jsonl" } " lists every commit." }
        }
    }
}

fn cell_markup(cell: &Cell) -> Markup {
    html! {
        @for (i, l) in cell.iter().enumerate() {
            @if i > 0 { br; }
            (line(l))
        }
    }
}

fn line(l: &[Inline]) -> Markup {
    html! { @for i in l { (inline(i)) } }
}

fn inline(i: &Inline) -> Markup {
    match i {
        Inline::Text(s) => html! { (s) },
        Inline::Word(s) => html! { span.w { (s) } },
        Inline::Code(s) => html! { code class=[is_long(i).then_some("long")] { (s) } },
        Inline::Key(s) => html! { span.k { (s) } },
        Inline::Strong(s) => html! { b { (s) } },
        Inline::Commit(id) => html! { code title=(id) { (short_id(id)) } },
    }
}

/// Bars: commits per week (grey) with the AI-assisted ones over them (blue).
fn weeks_chart(s: &Summary) -> Markup {
    let weeks = &s.weeks[s.weeks.len().saturating_sub(CHART_WEEKS)..];
    let (w, h, left, bottom, top) = (560usize, 220usize, 36usize, 48usize, 10usize);
    let plot_w = w - left - 8;
    let plot_h = h - bottom - top;
    let max = weeks.iter().map(|x| x.commits).max().unwrap_or(0).max(1);
    let n = weeks.len().max(1);
    let slot = plot_w as f64 / n as f64;
    let bar = (slot * 0.8).max(1.0);
    let base = (top + plot_h) as f64;
    let label_every = n.div_ceil(8).max(1);
    let caption = if s.weeks.len() > CHART_WEEKS {
        format!(" (last {CHART_WEEKS} of {} weeks)", s.weeks.len())
    } else {
        String::new()
    };
    let f1 = |x: f64| format!("{x:.1}");
    html! {
        figure {
            svg xmlns="http://www.w3.org/2000/svg" width=(w) height=(h) viewBox=(format!("0 0 {w} {h}")) role="img" aria-label="AI-assisted commits per week" {
                line x1=(left) y1=(top + plot_h) x2=(w - 8) y2=(top + plot_h) stroke="#999" {}
                text x=(left - 4) y=(top + 8) text-anchor="end" { (max) }
                text x=(left - 4) y=(top + plot_h) text-anchor="end" { "0" }
                @for (i, wk) in weeks.iter().enumerate() {
                    @let x = left as f64 + slot * i as f64 + (slot - bar) / 2.0;
                    @let ht = plot_h as f64 * wk.commits as f64 / max as f64;
                    @let ha = plot_h as f64 * wk.ai_assisted as f64 / max as f64;
                    g {
                        title { (clean(&wk.week)) ": " (wk.ai_assisted) " of " (wk.commits) " commits AI-assisted (" (pct(wk.ai_assisted, wk.commits)) ")" }
                        rect x=(f1(x)) y=(f1(base - ht)) width=(f1(bar)) height=(f1(ht)) fill="#c9d0dc" {}
                        rect class="ai" x=(f1(x)) y=(f1(base - ha)) width=(f1(bar)) height=(f1(ha)) fill="#4b5fd6" {}
                    }
                    @if i % label_every == 0 {
                        text x=(f1(x + bar / 2.0)) y=(top + plot_h + 14) text-anchor="middle" { (clean(&wk.week)) }
                    }
                }
                text x=(left) y=(h - 8) { "AI-assisted commits per ISO week" (caption) }
            }
            figcaption.legend {
                span style="background:#4b5fd6" {} "AI-assisted"
                span style="background:#c9d0dc" {} "all commits"
            }
        }
    }
}

/// Horizontal bars: evidenced / waived / missing per tier, of those needing evidence.
fn coverage_chart(s: &Summary) -> Markup {
    let rows: Vec<_> = s.tiers.iter().filter(|t| t.needs_evidence > 0).collect();
    let (w, row_h, left, top) = (420usize, 26usize, 110usize, 10usize);
    let h = top + row_h * rows.len().max(1) + 30;
    let plot_w = w - left - 60;
    let f1 = |x: f64| format!("{x:.1}");
    html! {
        figure {
            svg xmlns="http://www.w3.org/2000/svg" width=(w) height=(h) viewBox=(format!("0 0 {w} {h}")) role="img" aria-label="Review coverage per tier" {
                @if rows.is_empty() {
                    text x="10" y=(top + 14) { "No AI-assisted commit needed evidence." }
                }
                @for (i, t) in rows.iter().enumerate() {
                    @let y = top + i * row_h;
                    @let tier = clean(&t.tier);
                    g {
                        title { (tier) ": " (t.evidenced) " of " (t.needs_evidence) " evidenced, " (t.waived) " waived, " (t.missing) " missing" }
                        text x=(left - 6) y=(y + 13) text-anchor="end" { (tier.chars().take(16).collect::<String>()) }
                        rect x=(left) y=(y) width=(plot_w) height="18" fill="#eef1f5" {}
                        @for (class, x, wd, color) in segments(t, left as f64, plot_w as f64) {
                            rect class=(class) x=(f1(x)) y=(y) width=(f1(wd)) height="18" fill=(color) {}
                        }
                        text x=(left + plot_w + 6) y=(y + 13) { (pct(t.evidenced, t.needs_evidence)) }
                    }
                }
                text x="10" y=(h - 8) { "Review coverage per tier (AI-assisted commits)" }
            }
            figcaption.legend {
                span style="background:#2f8f5b" {} "evidenced"
                span style="background:#d69e2e" {} "waived"
                span style="background:#c53030" {} "missing"
            }
        }
    }
}

/// The stacked bar of one tier: evidenced (green), waived (amber), missing (red), as
/// `(class, x, width, colour)`.
fn segments(
    t: &crate::audit::summary::TierRow,
    left: f64,
    plot_w: f64,
) -> Vec<(&'static str, f64, f64, &'static str)> {
    let mut x = left;
    let mut out = Vec::new();
    for (class, n, color) in [
        ("cov", t.evidenced, "#2f8f5b"),
        ("cov-waived", t.waived, "#d69e2e"),
        ("cov-missing", t.missing, "#c53030"),
    ] {
        let wd = plot_w * n as f64 / t.needs_evidence.max(1) as f64;
        out.push((class, x, wd, color));
        x += wd;
    }
    out
}
