//! The sections and tables of an audit document ([`super::rows`]), one builder per section.

use crate::audit::rows::{
    Block, Cell, Inline, Kind, MAX_ROWS, Section, Table, code, code_cell, columns, commit_cell,
    key, key_cell, num_cell, prose, prose_cell, tier_cell, tier_figures, words,
};
use crate::audit::summary::{Count, NO_TIER, Summary, pct};

/// The sections after the summary and the charts.
pub fn sections(s: &Summary) -> Vec<Section> {
    let mut v = vec![
        sec(2, "Tiers and controls", vec![Block::Table(tiers(s))]),
        sec(
            3,
            "What each tier means",
            vec![
                Block::Para(vec![Inline::Text(
                    "A commit's tier is the highest tier of the paths it changes; a path gets the tier of the rules that match it, or the default tier when none does. The evidence is asked of AI-assisted commits (\"applies to: ai\") or of every commit (\"all\").".into(),
                )]),
                Block::Table(meanings(s)),
            ],
        ),
        attention(s),
        reviewers(s),
        waivers(s),
        sec(
            2,
            "AI involvement",
            vec![Block::Para(vec![Inline::Text(
                "Each AI-assisted commit counts for one tool — that of its strongest marker: a named tool before a generic convention such as Assisted-by, then the higher involvement — and for one model, named the same way whatever the spelling. Shares are of all AI-assisted commits and add up to 100%.".into(),
            )])],
        ),
        counts(3, "By tool", "tool", &s.tools, s.ai_assisted),
        counts(3, "By model", "model", &s.models, s.ai_assisted),
        sec(3, "Per ISO week", vec![Block::Table(weeks(s))]),
    ];
    if !s.run_findings.is_empty() {
        let items = s
            .run_findings
            .iter()
            .map(|(c, m)| {
                let mut line = code(c);
                line.push(Inline::Text(": ".into()));
                line.extend(prose(m));
                line
            })
            .collect();
        v.push(sec(2, "Policy findings", vec![Block::List(items)]));
    }
    v.push(legend());
    v
}

fn sec(level: u8, title: &str, blocks: Vec<Block>) -> Section {
    Section {
        level,
        title: title.to_string(),
        blocks,
    }
}

fn table(id: &'static str, spec: &[(&'static str, Kind)], rows: Vec<Vec<Cell>>) -> Table {
    let hidden = rows.len().saturating_sub(MAX_ROWS);
    let mut rows = rows;
    rows.truncate(MAX_ROWS);
    Table {
        id,
        columns: columns(spec),
        rows,
        hidden,
    }
}

fn tiers(s: &Summary) -> Table {
    use Kind::{Key, Num, Prose};
    table(
        "tiers",
        &[
            ("tier", Key),
            ("commits", Num),
            ("AI-assisted", Num),
            ("needs evidence", Num),
            ("evidenced", Num),
            ("waived", Num),
            ("missing", Num),
            ("coverage", Num),
            ("controls", Prose),
        ],
        s.tiers.iter().map(tier_figures).collect(),
    )
}

fn meanings(s: &Summary) -> Table {
    use Kind::{Key, Prose};
    let rows = s
        .tiers
        .iter()
        .map(|r| {
            let m = &r.meaning;
            let mut assigned: Vec<Vec<Inline>> = m
                .rules
                .iter()
                .map(|rule| {
                    let mut l = vec![Inline::Text("rule ".into())];
                    l.extend(code(rule));
                    l
                })
                .collect();
            if m.default {
                assigned.push(vec![Inline::Text("paths no rule matches (default)".into())]);
            }
            if r.tier == NO_TIER {
                assigned.push(vec![Inline::Text("commits that change no path".into())]);
            } else if assigned.is_empty() {
                assigned.push(vec![Inline::Text("no path (no rule names it)".into())]);
            }
            let asks = if m.asks.is_empty() {
                words("nothing")
            } else {
                m.asks
                    .iter()
                    .map(|a| vec![Inline::Text(a.clone())])
                    .collect()
            };
            vec![
                key_cell(&r.tier),
                assigned,
                asks,
                key_cell(m.applies_to),
                m.description
                    .as_deref()
                    .map_or_else(|| words("–"), prose_cell),
            ]
        })
        .collect();
    table(
        "tier-meanings",
        &[
            ("tier", Key),
            ("given to", Prose),
            ("asks for", Prose),
            ("applies to", Key),
            ("description", Prose),
        ],
        rows,
    )
}

fn attention(s: &Summary) -> Section {
    use Kind::{Key, Prose, Status};
    let waived = s.attention.len() - s.violations.min(s.attention.len());
    let title = format!(
        "Commits needing attention ({} failing, {waived} waived)",
        s.violations
    );
    if s.attention.is_empty() {
        return sec(
            2,
            &title,
            vec![Block::Para(vec![Inline::Text("None.".into())])],
        );
    }
    let rows = s
        .attention
        .iter()
        .map(|a| {
            // Date under the id and involvement under the tier: fewer columns leave the
            // subject room on an A4 page, with status and findings shown in full.
            vec![
                [
                    commit_cell(&a.commit),
                    key_cell(a.time.get(..10).unwrap_or(&a.time)),
                ]
                .concat(),
                prose_cell(&a.author),
                prose_cell(&a.subject),
                [
                    tier_cell(a.tier.as_deref()),
                    key_cell(a.involvement.as_str()),
                ]
                .concat(),
                key_cell(a.status),
                a.codes.iter().map(|c| key(c)).collect(),
            ]
        })
        .collect();
    let t = table(
        "attention",
        &[
            ("commit, date", Key),
            ("author", Prose),
            ("subject", Prose),
            ("tier, involvement", Key),
            ("status", Status),
            ("findings", Key),
        ],
        rows,
    );
    sec(2, &title, vec![Block::Table(t)])
}

fn reviewers(s: &Summary) -> Section {
    use Kind::{Key, Prose, Status};
    let title = "Reviewers of AI-assisted commits";
    let intro = Block::Para(vec![Inline::Text(
        "Every AI-assisted commit with each reviewer it names, one row per reviewer. Evidence: claimed — a trailer in the message, which anyone writing the message can type; platform — the review platform recorded the approval; signed — a review signed with a key the policy registers for the reviewer. A reviewer that did not count is shown with the reason.".into(),
    )]);
    if s.reviews.is_empty() {
        return sec(
            2,
            title,
            vec![
                intro,
                Block::Para(vec![Inline::Text("No AI-assisted commits.".into())]),
            ],
        );
    }
    let rows = s
        .reviews
        .iter()
        .map(|r| {
            let evidence = match (r.strength, r.rejected) {
                (Some(st), _) => key_cell(st),
                (None, Some(why)) => {
                    vec![vec![
                        Inline::Text("not counted: ".into()),
                        Inline::Key(why.into()),
                    ]]
                }
                (None, None) if r.reviewer.is_some() => key_cell("counted"),
                (None, None) => words("no reviewer named"),
            };
            let source = r.source.map_or_else(Vec::new, key_cell);
            vec![
                commit_cell(&r.commit),
                prose_cell(&r.subject),
                [tier_cell(Some(&r.tier)), key_cell(r.involvement.as_str())].concat(),
                r.reviewer.as_deref().map_or_else(|| words("–"), prose_cell),
                [evidence, source].concat(),
                key_cell(r.status),
            ]
        })
        .collect();
    let t = table(
        "reviewers",
        &[
            ("commit", Key),
            ("subject", Prose),
            ("tier, involvement", Key),
            ("reviewer", Prose),
            ("evidence, source", Prose),
            ("commit status", Status),
        ],
        rows,
    );
    sec(2, title, vec![intro, Block::Table(t)])
}

fn waivers(s: &Summary) -> Section {
    use Kind::{Key, Num, Prose};
    let title = format!("Waivers (as of {})", s.today);
    if s.waivers.is_empty() {
        return sec(
            2,
            &title,
            vec![Block::Para(vec![Inline::Text(
                "The policy grants no waivers.".into(),
            )])],
        );
    }
    let rows = s
        .waivers
        .iter()
        .map(|w| {
            let days = match w.days_to_expiry {
                0 => "expires today".to_string(),
                d if d < 0 => format!("{} day(s) ago", -d),
                d => format!("in {d} day(s)"),
            };
            let mut who = vec![prose(&w.approved_by)];
            if let Some(r) = &w.requested_by {
                let mut l = vec![Inline::Text("asked by ".into())];
                l.extend(prose(r));
                who.push(l);
            }
            // Approver and requester in one column, the days left under the date: the
            // reason, the one long text, keeps room on an A4 page.
            vec![
                code_cell(&w.id),
                who,
                prose_cell(&w.reason),
                vec![key(&w.expires), key(&days)],
                num_cell(w.used),
                key_cell(flags(w.expired, w.unused)),
            ]
        })
        .collect();
    let t = table(
        "waivers",
        &[
            ("id", Prose),
            ("approved by", Prose),
            ("reason", Prose),
            ("expires", Key),
            ("commits excused", Num),
            ("flags", Key),
        ],
        rows,
    );
    sec(2, &title, vec![Block::Table(t)])
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

fn counts(level: u8, title: &str, what: &'static str, rows: &[Count], total: usize) -> Section {
    if rows.is_empty() {
        return sec(
            level,
            title,
            vec![Block::Para(vec![Inline::Text(
                "No AI-assisted commits.".into(),
            )])],
        );
    }
    let rows = rows
        .iter()
        .map(|r| {
            vec![
                prose_cell(&r.name),
                num_cell(r.commits),
                num_cell(pct(r.commits, total)),
            ]
        })
        .collect();
    let id = if what == "tool" { "tools" } else { "models" };
    let t = table(
        id,
        &[
            (what, Kind::Prose),
            ("AI-assisted commits", Kind::Num),
            ("share of AI-assisted", Kind::Num),
        ],
        rows,
    );
    sec(level, title, vec![Block::Table(t)])
}

fn weeks(s: &Summary) -> Table {
    let rows = s
        .weeks
        .iter()
        .rev()
        .map(|w| {
            vec![
                key_cell(&w.week),
                num_cell(w.commits),
                num_cell(w.ai_assisted),
                num_cell(pct(w.ai_assisted, w.commits)),
            ]
        })
        .collect();
    table(
        "weeks",
        &[
            ("week", Kind::Key),
            ("commits", Kind::Num),
            ("AI-assisted", Kind::Num),
            ("share", Kind::Num),
        ],
        rows,
    )
}

fn legend() -> Section {
    let item = |k: &str, what: &str| vec![Inline::Key(k.into()), Inline::Text(format!(": {what}"))];
    sec(
        2,
        "Reading this audit",
        vec![Block::List(vec![
            item(
                "assisted",
                "a human drove, an AI tool helped (a co-author trailer, an Assisted-by line)",
            ),
            item("generated", "an AI tool wrote content a human committed"),
            item(
                "autonomous",
                "an agent authored or committed the change itself",
            ),
            item(
                "fail",
                "the commit lacks evidence its tier asks for, and no waiver covers it",
            ),
            item(
                "waived",
                "the commit lacks evidence, and a waiver of the policy excuses it",
            ),
            item("pass", "the commit shows what its tier asks for"),
            item(
                "claimed / platform / signed",
                "how strong a reviewer's evidence is, weakest first",
            ),
        ])],
    )
}
