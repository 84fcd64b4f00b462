//! The audit as one document — header, sections, paragraphs and tables of typed cells — built
//! once from a [`Summary`]. [`super::markdown`] and [`super::html`] only format it, so the two
//! renderings cannot disagree about what a table holds.
//!
//! Untrusted text (subjects, names, paths, policy text, finding messages) enters the model
//! only through [`prose`], [`code`] and [`key`], which neutralise control and invisible
//! characters ([`crate::message::unicode::neutralize`]) and fold line breaks into spaces; the
//! formatters escape what is left for their syntax. Prose keeps its Markdown code spans
//! (`` `x` `` becomes [`Inline::Code`]) so neither rendering shows raw backticks.

use crate::audit::spans::spans;
use crate::audit::summary::{NO_TIER, Summary, TierRow, pct};
use crate::message::unicode::neutralize;

/// The most rows of the attention and reviewer tables (the JSON Lines output has every commit).
pub const MAX_ROWS: usize = 2000;

/// A prose word longer than this is an identifier, a path or a URL: it may break anywhere.
pub const LONG_WORD: usize = 30;

/// A piece of inline text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inline {
    /// Prose: wraps between words only.
    Text(String),
    /// One unbreakable run inside prose longer than [`LONG_WORD`] (a path, a URL, an id):
    /// it may wrap anywhere rather than push the table off the page.
    Word(String),
    /// Code: an id, a path, a name, or a `` `span` `` of prose. May wrap anywhere.
    Code(String),
    /// A short keyword that never wraps (a status, a finding code, a date).
    Key(String),
    /// Emphasised prose.
    Strong(String),
    /// A full commit id, shown short (the full id stays in reach: an HTML tooltip).
    Commit(String),
}

/// A table cell: one or more lines of inline text.
pub type Cell = Vec<Vec<Inline>>;

/// How a column lays out its cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Prose: left aligned, wraps between words.
    Prose,
    /// Numbers: right aligned.
    Num,
    /// Keywords that never wrap.
    Key,
    /// A commit's or reviewer's status: a keyword coloured by its value.
    Status,
}

/// A column: its title and kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// Header text (ours, never untrusted).
    pub title: &'static str,
    /// Layout.
    pub kind: Kind,
}

/// A table of typed cells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// Stable id (an HTML id, a test handle).
    pub id: &'static str,
    /// Columns.
    pub columns: Vec<Column>,
    /// Rows, one cell per column.
    pub rows: Vec<Vec<Cell>>,
    /// Rows left out (past [`MAX_ROWS`]).
    pub hidden: usize,
}

/// A chart (HTML only: the tables beside it hold the same figures).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chart {
    /// AI-assisted commits per ISO week.
    Weeks,
    /// Review coverage per tier.
    Coverage,
}

/// A headline figure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Figure {
    /// The figure.
    pub value: String,
    /// What it counts.
    pub label: String,
}

/// A block of a section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// A paragraph.
    Para(Vec<Inline>),
    /// A bulleted list.
    List(Vec<Vec<Inline>>),
    /// A table.
    Table(Table),
    /// Headline figures.
    Figures(Vec<Figure>),
    /// A chart.
    Chart(Chart),
}

/// A titled section (`level` 2) or subsection (3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// 2 or 3.
    pub level: u8,
    /// Title (built from our words and figures only).
    pub title: String,
    /// Content.
    pub blocks: Vec<Block>,
}

/// A whole audit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// The page title (plain text: the range).
    pub title: String,
    /// Header lines: label and value.
    pub header: Vec<(&'static str, Vec<Inline>)>,
    /// The verdict (`pass` or `fail`).
    pub verdict: &'static str,
    /// Sections in order.
    pub sections: Vec<Section>,
}

/// Untrusted text made safe to show: forbidden characters neutralised, line breaks and tabs
/// folded into spaces.
pub fn clean(s: &str) -> String {
    neutralize(s)
        .chars()
        .map(|c| if matches!(c, '\n' | '\t') { ' ' } else { c })
        .collect()
}

/// Prose: code spans kept as [`Inline::Code`], words over [`LONG_WORD`] as [`Inline::Word`].
pub fn prose(s: &str) -> Vec<Inline> {
    let mut out = Vec::new();
    for (is_code, part) in spans(&clean(s)) {
        if is_code {
            out.push(Inline::Code(part));
            continue;
        }
        let mut text = String::new();
        for (i, word) in part.split(' ').enumerate() {
            if i > 0 {
                text.push(' ');
            }
            if word.chars().count() > LONG_WORD {
                if !text.is_empty() {
                    out.push(Inline::Text(std::mem::take(&mut text)));
                }
                out.push(Inline::Word(word.to_string()));
            } else {
                text.push_str(word);
            }
        }
        if !text.is_empty() {
            out.push(Inline::Text(text));
        }
    }
    out
}

/// Code: one [`Inline::Code`].
pub fn code(s: &str) -> Vec<Inline> {
    vec![Inline::Code(clean(s))]
}

/// A keyword: one [`Inline::Key`], or [`Inline::Word`] when it is too long never to wrap.
pub fn key(s: &str) -> Vec<Inline> {
    let s = clean(s);
    if s.chars().count() > LONG_WORD {
        vec![Inline::Word(s)]
    } else {
        vec![Inline::Key(s)]
    }
}

fn t(s: &str) -> Inline {
    Inline::Text(s.to_string())
}

fn col(title: &'static str, kind: Kind) -> Column {
    Column { title, kind }
}

fn one(line: Vec<Inline>) -> Cell {
    vec![line]
}

fn num(n: impl ToString) -> Cell {
    one(vec![Inline::Key(n.to_string())])
}

/// The audit of `s` as a document.
pub fn document(s: &Summary) -> Document {
    let mut sections = vec![
        Section {
            level: 2,
            title: "Summary".into(),
            blocks: vec![
                Block::Figures(figures(s)),
                Block::Para(coverage_sentence(s)),
            ],
        },
        Section {
            level: 2,
            title: "Charts".into(),
            blocks: vec![Block::Chart(Chart::Weeks), Block::Chart(Chart::Coverage)],
        },
    ];
    sections.extend(crate::audit::tables::sections(s));
    Document {
        title: format!("countersign audit: {}", clean(&s.range)),
        header: header(s),
        verdict: s.verdict,
        sections,
    }
}

fn header(s: &Summary) -> Vec<(&'static str, Vec<Inline>)> {
    let mut h = Vec::new();
    let range = clean(&s.range);
    let mut r = match range.split_once(" (") {
        Some((spec, rest)) => vec![Inline::Code(spec.to_string()), t(" (")]
            .into_iter()
            .chain(prose(rest))
            .collect(),
        None => code(&range),
    };
    if r.is_empty() {
        r = vec![t("–")];
    }
    h.push(("Range", r));
    if let Some(head) = &s.head {
        h.push(("Head", code(head)));
    }
    if let Some(base) = &s.base {
        h.push(("Base", code(base)));
    }
    if let Some(b) = &s.baseline {
        let mut v = code(b);
        v.push(t(
            " — the policy's baseline: this commit and every commit reachable from it are history, not audited",
        ));
        h.push(("Baseline", v));
    }
    let mut p = code(&s.policy);
    p.push(t(" (blob "));
    p.extend(code(&s.policy_digest));
    p.push(t(")"));
    h.push(("Policy", p));
    h.push(("Generated", key(&s.generated)));
    h.push((
        "Verdict",
        vec![
            Inline::Strong(s.verdict.to_string()),
            t(", as "),
            Inline::Code("countersign check".into()),
            t(" would decide on this range"),
        ],
    ));
    h
}

fn figures(s: &Summary) -> Vec<Figure> {
    let expired = s.waivers.iter().filter(|w| w.expired).count();
    vec![
        Figure {
            value: s.commits.to_string(),
            label: "commits audited".into(),
        },
        Figure {
            value: pct(s.ai_assisted, s.commits),
            label: format!("AI-assisted ({} of {})", s.ai_assisted, s.commits),
        },
        Figure {
            value: pct(s.evidenced, s.needs_evidence),
            label: format!(
                "review coverage ({} of {} needing evidence)",
                s.evidenced, s.needs_evidence
            ),
        },
        Figure {
            value: s.violations.to_string(),
            label: "failing commits".into(),
        },
        Figure {
            value: s.waivers.len().to_string(),
            label: format!("waivers ({expired} expired)"),
        },
    ]
}

fn coverage_sentence(s: &Summary) -> Vec<Inline> {
    vec![
        Inline::Strong(format!(
            "{} of {} commits ({})",
            s.ai_assisted,
            s.commits,
            pct(s.ai_assisted, s.commits)
        )),
        t(" carry AI markers. Review coverage: "),
        Inline::Strong(format!(
            "{} of {} ({})",
            s.evidenced,
            s.needs_evidence,
            pct(s.evidenced, s.needs_evidence)
        )),
        t(" AI-assisted commits that needed evidence had valid evidence."),
    ]
}

/// A commit cell: its id, shown short.
pub fn commit_cell(id: &str) -> Cell {
    one(vec![Inline::Commit(clean(id))])
}

/// A tier cell (`(none)` for no tier).
pub fn tier_cell(tier: Option<&str>) -> Cell {
    one(key(tier.unwrap_or(NO_TIER)))
}

/// The cells of one row of the tier figures table.
pub fn tier_figures(r: &TierRow) -> Vec<Cell> {
    vec![
        one(key(&r.tier)),
        num(r.commits),
        num(r.ai_assisted),
        num(r.needs_evidence),
        num(r.evidenced),
        num(r.waived),
        num(r.missing),
        num(pct(r.evidenced, r.needs_evidence)),
        r.controls.iter().map(|c| prose(c)).collect(),
    ]
}

/// Columns, for the table builders.
pub fn columns(spec: &[(&'static str, Kind)]) -> Vec<Column> {
    spec.iter().map(|&(n, k)| col(n, k)).collect()
}

/// A one-line cell of prose.
pub fn prose_cell(s: &str) -> Cell {
    one(prose(s))
}

/// A one-line cell of code.
pub fn code_cell(s: &str) -> Cell {
    one(code(s))
}

/// A one-line keyword cell.
pub fn key_cell(s: &str) -> Cell {
    one(key(s))
}

/// A number cell.
pub fn num_cell(n: impl ToString) -> Cell {
    num(n)
}

/// A cell of our own words.
pub fn words(s: &str) -> Cell {
    one(vec![t(s)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prose_keeps_code_spans_and_isolates_long_words() {
        let long = "a".repeat(LONG_WORD + 1);
        assert_eq!(
            prose(&format!("fix `x|y` in {long} now\u{1b}[31m\n")),
            vec![
                Inline::Text("fix ".into()),
                Inline::Code("x|y".into()),
                Inline::Text(" in ".into()),
                Inline::Word(long),
                Inline::Text(" now?[31m ".into()),
            ]
        );
        assert_eq!(prose("a ` b"), vec![Inline::Text("a ` b".into())]);
        assert_eq!(clean("\u{202E}x"), "\u{FFFD}x");
    }
}
