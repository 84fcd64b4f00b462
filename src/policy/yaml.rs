//! A spanned YAML tree, read with serde-saphyr.
//!
//! Deriving the policy structs with `#[serde(deny_unknown_fields)]` would stop at the first
//! problem. Instead the document is read once into this small tree (every node keeps the byte
//! span serde-saphyr reports for it) and the validator walks it, collecting every problem.
//! serde-saphyr still does the parsing, enforces the resource budgets (alias bombs, depth,
//! event counts) and forwards duplicate keys so the validator can report each one.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::options::{DuplicateKeyPolicy, MergeKeyPolicy};
use serde_saphyr::{Location, Spanned};

use super::Span;

/// The largest policy text accepted (checked before parsing).
pub const MAX_POLICY_BYTES: usize = 1024 * 1024;

/// A YAML node with where it was used (`span`) and where it was written (`defined`; differs
/// from `span` only for aliases).
#[derive(Debug, Clone)]
pub(crate) struct Node {
    /// The value.
    pub kind: Kind,
    /// Where the node is used (for an alias: the `*alias` token).
    pub span: Span,
    /// Where the node's text is (for an alias: the anchored definition).
    pub defined: Span,
}

/// The value of a [`Node`], as YAML 1.2 core schema inference sees it.
#[derive(Debug, Clone)]
pub(crate) enum Kind {
    /// `null`, `~` or nothing.
    Null,
    /// `true` / `false` (YAML 1.2 spellings only).
    Bool(bool),
    /// An integer.
    Int(i128),
    /// A float.
    Float,
    /// A string (quoted, or a plain scalar that is not a bool/number/null).
    Str(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in document order, duplicates kept.
    Map(Vec<(Node, Node)>),
}

impl Kind {
    /// A short name for "expected X, found Y" messages.
    pub fn describe(&self) -> &'static str {
        match self {
            Kind::Null => "nothing (null)",
            Kind::Bool(_) => "a boolean",
            Kind::Int(_) => "an integer",
            Kind::Float => "a number",
            Kind::Str(_) => "a string",
            Kind::Seq(_) => "a list",
            Kind::Map(_) => "a mapping",
        }
    }
}

fn to_span(loc: &Location) -> Span {
    let s = loc.span();
    match (s.byte_offset(), s.byte_len()) {
        (Some(o), Some(l)) if *loc != Location::UNKNOWN => Span::new(
            usize::try_from(o).unwrap_or(usize::MAX),
            usize::try_from(l).unwrap_or(0),
        ),
        _ => Span::default(),
    }
}

/// Converts a serde-saphyr error location into a byte span of `text` (`None` when unknown).
///
/// Parser errors carry character offsets only; they are converted to byte offsets here.
pub(crate) fn location_span(text: &str, loc: &Location) -> Option<Span> {
    if *loc == Location::UNKNOWN {
        return None;
    }
    let s = loc.span();
    if s.byte_offset().is_some() {
        return Some(to_span(loc));
    }
    let chars = usize::try_from(s.offset()).ok()?;
    let len = usize::try_from(s.len()).unwrap_or(0);
    let mut it = text
        .char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(text.len()));
    let start = it.nth(chars)?;
    let end = if len == 0 {
        start
    } else {
        it.nth(len - 1).unwrap_or(text.len())
    };
    Some(Span::new(start, end.saturating_sub(start)))
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s: Spanned<Kind> = Spanned::deserialize(d)?;
        Ok(Node {
            kind: s.value,
            span: to_span(&s.referenced),
            defined: to_span(&s.defined),
        })
    }
}

struct KindVisitor;

impl<'de> Visitor<'de> for KindVisitor {
    type Value = Kind;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a YAML value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Kind, E> {
        Ok(Kind::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Kind, E> {
        Ok(Kind::Int(i128::from(v)))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Kind, E> {
        Ok(Kind::Int(i128::from(v)))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Kind, E> {
        Ok(Kind::Int(v))
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Kind, E> {
        Ok(i128::try_from(v).map_or(Kind::Float, Kind::Int))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Kind, E> {
        let _ = v;
        Ok(Kind::Float)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Kind, E> {
        Ok(Kind::Str(v.to_string()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Kind, E> {
        Ok(Kind::Str(v))
    }
    fn visit_bytes<E: de::Error>(self, _v: &[u8]) -> Result<Kind, E> {
        Err(E::custom("binary values are not allowed in a policy"))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Kind, E> {
        Ok(Kind::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Kind, E> {
        Ok(Kind::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Kind, D::Error> {
        d.deserialize_any(KindVisitor)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Kind, A::Error> {
        let mut items = Vec::new();
        while let Some(n) = seq.next_element::<Node>()? {
            items.push(n);
        }
        Ok(Kind::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Kind, A::Error> {
        let mut entries = Vec::new();
        while let Some(k) = map.next_key::<Node>()? {
            let v = map.next_value::<Node>()?;
            entries.push((k, v));
        }
        Ok(Kind::Map(entries))
    }
}

impl<'de> Deserialize<'de> for Kind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(KindVisitor)
    }
}

/// The serde-saphyr options for reading a policy: YAML 1.2 booleans only, duplicate keys
/// forwarded (the validator reports them), merge keys kept as ordinary keys (the validator
/// rejects `<<`), and small budgets: a policy is a few hundred lines, so a billion-laughs
/// document breaches a budget after a few thousand events with bounded memory.
pub(crate) fn options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_reader_input_bytes: Some(MAX_POLICY_BYTES),
            max_events: 200_000,
            max_aliases: 1_000,
            max_anchors: 1_000,
            max_recorded_anchor_events: 20_000,
            max_recorded_anchor_bytes: MAX_POLICY_BYTES,
            max_depth: 32,
            max_documents: 1,
            max_nodes: 100_000,
            max_total_scalar_bytes: 2 * MAX_POLICY_BYTES,
            max_merge_keys: 0,
        },
        alias_limits: serde_saphyr::alias_limits! {
            max_total_replayed_events: 20_000,
            max_replay_stack_depth: 16,
            max_alias_expansions_per_anchor: 1_000,
        },
        duplicate_keys: DuplicateKeyPolicy::PassThrough,
        merge_keys: MergeKeyPolicy::AsOrdinary,
        strict_booleans: true,
        leading_zero_numbers_as_strings: true,
        underscored_numbers_as_strings: true,
        reject_unsupported_tags: true,
    }
}

/// Parses `text` into a tree, or the serde-saphyr error.
pub(crate) fn parse(text: &str) -> Result<Node, serde_saphyr::Error> {
    serde_saphyr::from_str_with_options::<Node>(text, options())
}

/// The message of a serde-saphyr error without its rendered snippet or location suffix.
pub(crate) fn error_message(err: &serde_saphyr::Error) -> String {
    use serde_saphyr::MessageFormatter;
    let inner = err.without_snippet();
    let msg = serde_saphyr::DefaultMessageFormatter
        .format_message(inner)
        .into_owned();
    match msg.strip_prefix("budget breached: ") {
        Some(what) if what.starts_with("Documents") => {
            "a policy is a single YAML document; remove the `---` separators".to_string()
        }
        Some(what) => format!(
            "the document exceeds a safety limit ({}); a policy needs no deep nesting, mass aliases or huge lists",
            what.split_whitespace().next().unwrap_or(what)
        ),
        None => msg,
    }
}

/// Finds every explicit YAML tag (`!!binary`, `!!str`, `!custom` …): a policy has no use for
/// them, and some change a value silently (`!!binary` decodes base64, so what a reviewer reads is
/// not what countersign sees). Scans parser events only (aliases are not expanded), up to a
/// fixed number of events; syntax errors are left to the real parse.
pub(crate) fn find_tags(text: &str) -> Vec<(String, Span)> {
    use serde_saphyr::granit_parser::{Event, Parser};
    let mut found = Vec::new();
    for item in Parser::new_from_str(text).take(400_000) {
        let Ok((event, span)) = item else { break };
        let tag = match &event {
            Event::Scalar(_, _, _, tag)
            | Event::SequenceStart(_, _, tag)
            | Event::MappingStart(_, _, tag) => tag.as_ref().map(|t| t.to_string()),
            _ => None,
        };
        if let Some(tag) = tag {
            let start = span.start.byte_offset().unwrap_or(0);
            let end = span.end.byte_offset().unwrap_or(start);
            found.push((tag, Span::new(start, end.saturating_sub(start))));
            if found.len() >= 100 {
                break;
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text_at(text: &str, s: Span) -> &str {
        &text[s.offset..s.offset + s.len]
    }

    #[test]
    fn nodes_keep_byte_spans_and_yaml_1_2_types() {
        let text = "# é\nab: \"x\"\nc: [1, yes, true, 0123, ~]\nd: &a {e: 1}\nf: *a\n";
        let n = parse(text).unwrap();
        let Kind::Map(m) = &n.kind else {
            panic!("{n:?}")
        };
        assert_eq!(text_at(text, m[0].0.span), "ab");
        assert_eq!(
            m[0].0.span.offset, 5,
            "byte offset after a 2-byte character"
        );
        assert_eq!(text_at(text, m[0].1.span), "\"x\"");
        let Kind::Seq(items) = &m[1].1.kind else {
            panic!()
        };
        assert!(matches!(items[0].kind, Kind::Int(1)));
        assert!(
            matches!(&items[1].kind, Kind::Str(s) if s == "yes"),
            "YAML 1.1 booleans stay text"
        );
        assert!(matches!(items[2].kind, Kind::Bool(true)));
        assert!(matches!(&items[3].kind, Kind::Str(s) if s == "0123"));
        assert!(matches!(items[4].kind, Kind::Null));
        // An alias is used at `*a` and defined at the anchored mapping.
        assert_eq!(text_at(text, m[3].1.span), "*a");
        assert_eq!(text_at(text, m[3].1.defined), "{");
    }

    #[test]
    fn duplicate_keys_are_forwarded() {
        let n = parse("a: 1\na: 2\n").unwrap();
        assert!(matches!(&n.kind, Kind::Map(m) if m.len() == 2));
    }

    #[test]
    fn syntax_error_spans_are_converted_to_bytes() {
        let text = "é: [1\n";
        let e = parse(text).unwrap_err();
        let span = e.location().and_then(|l| location_span(text, &l)).unwrap();
        assert!(text.is_char_boundary(span.offset));
        assert!(
            error_message(&e).contains("bracket"),
            "{}",
            error_message(&e)
        );
    }

    #[test]
    fn tags_are_found() {
        let tags = find_tags("a: !!binary aGk=\nb: [!x 1]\nc: plain\n");
        assert_eq!(tags.len(), 2, "{tags:?}");
        assert_eq!(tags[1].0, "!x");
    }
}
