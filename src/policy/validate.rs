//! Validation: walk the spanned YAML tree, compile globs and regexes, resolve names, and
//! collect **every** problem (never stop at the first) before deciding.

use std::collections::{HashMap, HashSet};

use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};
use regex::{Regex, RegexBuilder};

use super::load::{DISCOVERY, PolicyDiagnostic};
use super::pathmatch::PathGlobs;
use super::protect::Protect;
use super::yaml::{Kind, Node};
use super::{
    AllowedSignersFile, AppliesTo, Detect, Evidence, Extra, HookMode, Hooks, IdentitySignature,
    Involvement, InvolvementExtras, Member, Policy, PolicySource, RecordFormat, ReviewMode,
    ReviewModes, Rule, SignedReviewSettings, Span, Team, Tier, TrailerSignature, Waiver,
    WaiverScope,
};
use crate::findings::{Code, Severity};
use crate::time::Date;

/// The most reviewers a tier (or an involvement extra) may ask for.
pub const MAX_REVIEWERS: u32 = 10;
/// The longest regex pattern accepted, in bytes.
pub const MAX_REGEX_LEN: usize = 1024;
/// The longest glob accepted, in bytes.
pub const MAX_GLOB_LEN: usize = 1024;
/// Compiled-program size limit for user regexes.
pub const REGEX_SIZE_LIMIT: usize = 1024 * 1024;
/// Lazy-DFA cache limit for user regexes.
pub const REGEX_DFA_SIZE_LIMIT: usize = 1024 * 1024;
/// Nesting limit for user regexes.
pub const REGEX_NEST_LIMIT: u32 = 64;

/// Paths that get the strongest requirement of every tier: the policy files and CI/hook
/// configuration.
pub const PROTECTED: &[&str] = &[
    ".countersign.yml",
    ".countersign.yaml",
    ".github/countersign.yml",
    ".gitlab/countersign.yml",
    ".github/workflows/**",
    ".github/actions/**",
    ".gitlab-ci.yml",
    ".gitlab/ci/**",
    "CODEOWNERS",
    ".github/CODEOWNERS",
    "docs/CODEOWNERS",
    ".gitlab/CODEOWNERS",
    ".pre-commit-config.yaml",
    // Where submodule content comes from (threats.md H6, AT-P07).
    ".gitmodules",
    ".pre-commit-hooks.yaml",
    "lefthook.yml",
    ".husky/**",
    "action.yml",
];

const TOP_KEYS: &[&str] = &[
    "version",
    "tiers",
    "default_tier",
    "rules",
    "involvement",
    "teams",
    "evidence",
    "detect",
    "waivers",
    "baseline",
    "hooks",
    "protect",
    "controls",
];
const TIER_KEYS: &[&str] = &[
    "name",
    "description",
    "reviewers",
    "change_record",
    "reviewers_from",
    "applies_to",
    "ai",
    "declaration",
];
const RULE_KEYS: &[&str] = &["name", "paths", "tier"];
const INVOLVEMENT_KEYS: &[&str] = &["assisted", "generated", "autonomous"];
const EXTRA_KEYS: &[&str] = &["extra_reviewers", "change_record"];
const TEAM_KEYS: &[&str] = &["name", "members"];
const MEMBER_KEYS: &[&str] = &["name", "email", "github", "gitlab", "ssh_keys"];
const EVIDENCE_KEYS: &[&str] = &[
    "review",
    "reviewer_trailers",
    "change_record",
    "declaration_trailers",
    "signed_review",
    "allowed_signers",
];
const SIGNED_REVIEW_KEYS: &[&str] = &["survives"];
/// The most SSH keys one member may register.
const MAX_SSH_KEYS: usize = 32;
const RECORD_KEYS: &[&str] = &["trailers", "formats"];
const FORMAT_KEYS: &[&str] = &["name", "regex"];
const DETECT_KEYS: &[&str] = &["builtin", "trailers", "identities", "labels", "branches"];
const DETECT_TRAILER_KEYS: &[&str] = &["key", "values", "involvement"];
const IDENTITY_KEYS: &[&str] = &["email", "involvement"];
const WAIVER_KEYS: &[&str] = &[
    "id",
    "commit",
    "paths",
    "rules",
    "codes",
    "reason",
    "approved_by",
    "requested_by",
    "expires",
];
const HOOK_KEYS: &[&str] = &["commit-msg", "pre-push"];
const PROTECT_KEYS: &[&str] = &["branches", "tags"];

const YAML11_BOOLS: &[&str] = &[
    "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "on", "On", "ON", "off", "Off",
    "OFF",
];

/// Collects diagnostics while walking the tree.
pub(crate) struct Ctx<'t> {
    text: &'t str,
    /// Everything found so far.
    pub diags: Vec<PolicyDiagnostic>,
}

/// The entries of a checked mapping: first occurrence of each known key.
struct Fields<'a> {
    map: HashMap<&'a str, (&'a Node, &'a Node)>,
    /// Span of the mapping itself (for "missing key" errors).
    span: Span,
}

impl<'a> Fields<'a> {
    fn get(&self, key: &str) -> Option<&'a Node> {
        self.map.get(key).map(|(_, v)| *v)
    }
}

/// The best did-you-mean candidate for `word` among `candidates`.
pub(crate) fn did_you_mean<'c>(word: &str, candidates: &[&'c str]) -> Option<&'c str> {
    let norm = |s: &str| s.to_ascii_lowercase().replace('-', "_");
    let w = norm(word);
    let mut best: Option<(&'c str, f32)> = None;
    for c in candidates {
        let n = norm(c);
        let r = if n == w {
            1.0
        } else {
            similar::TextDiff::from_chars(w.as_str(), n.as_str()).ratio()
        };
        if r >= 0.7 && best.is_none_or(|(_, b)| r > b) {
            best = Some((c, r));
        }
    }
    if let Some((c, _)) = best {
        return Some(c);
    }
    // `required_reviewers` → `reviewers`: a known name that is a whole `_`/`-` part of the word.
    candidates.iter().copied().find(|c| {
        c.len() >= 4
            && (w.ends_with(&format!("_{}", norm(c))) || w.starts_with(&format!("{}_", norm(c))))
    })
}

fn quote_list(items: &[&str]) -> String {
    items
        .iter()
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn non_empty(span: Span) -> Option<Span> {
    Some(span)
}

impl<'t> Ctx<'t> {
    /// A new collector over `text`.
    pub fn new(text: &'t str) -> Self {
        Ctx {
            text,
            diags: Vec::new(),
        }
    }

    /// Records an error.
    pub fn error(
        &mut self,
        span: Option<Span>,
        message: impl Into<String>,
        label: impl Into<String>,
        help: Option<String>,
    ) {
        self.diags.push(PolicyDiagnostic {
            severity: Severity::Error,
            message: message.into(),
            span,
            label: label.into(),
            help,
        });
    }

    fn line_of(&self, span: Span) -> usize {
        self.text
            .get(..span.offset)
            .map_or(0, |s| s.bytes().filter(|b| *b == b'\n').count())
            + 1
    }

    fn type_error(&mut self, node: &Node, what: &str, expected: &str) {
        let help = match &node.kind {
            Kind::Str(s) if expected == "true or false" && YAML11_BOOLS.contains(&s.as_str()) => {
                Some(format!(
                    "`{s}` is a YAML 1.1 boolean and is read as text here; use true/false"
                ))
            }
            _ => None,
        };
        let msg = match &node.kind {
            Kind::Str(s) if expected == "true or false" && YAML11_BOOLS.contains(&s.as_str()) => {
                format!("`{what}` must be true or false, found `{s}` (use true/false)")
            }
            k => format!("`{what}` must be {expected}, found {}", k.describe()),
        };
        self.error(
            non_empty(node.span),
            msg,
            format!("expected {expected}"),
            help,
        );
    }

    /// The raw source text of a plain scalar the YAML schema typed as bool/number.
    fn raw(&self, node: &Node) -> Option<&'t str> {
        let d = node.defined;
        self.text.get(d.offset..d.offset + d.len)
    }

    /// Checks `node` is a mapping with only `keys`, reporting unknown and duplicate keys.
    fn mapping<'a>(&mut self, node: &'a Node, what: &str, keys: &[&str]) -> Option<Fields<'a>> {
        let entries: &'a [(Node, Node)] = match &node.kind {
            Kind::Map(m) => m,
            Kind::Null => &[],
            _ => {
                self.type_error(node, what, "a mapping");
                return None;
            }
        };
        let mut map: HashMap<&'a str, (&'a Node, &'a Node)> = HashMap::new();
        for (k, v) in entries {
            let Kind::Str(name) = &k.kind else {
                let shown = self.raw(k).unwrap_or("?").to_string();
                self.error(
                    non_empty(k.span),
                    format!("keys in `{what}` must be names, found `{shown}`"),
                    "not a name",
                    Some(format!("valid keys here: {}", quote_list(keys))),
                );
                continue;
            };
            if let Some((first, _)) = map.get(name.as_str()) {
                let line = self.line_of(first.span);
                self.error(
                    non_empty(k.span),
                    format!("duplicate key `{name}` in `{what}` (first given on line {line})"),
                    "duplicate key",
                    Some("give each key once".to_string()),
                );
                continue;
            }
            if !keys.contains(&name.as_str()) {
                let help = if name == "<<" {
                    Some("YAML merge keys are not supported in a policy; write the keys out".into())
                } else if let Some(s) = did_you_mean(name, keys) {
                    Some(format!("did you mean `{s}`?"))
                } else {
                    Some(format!("valid keys here: {}", quote_list(keys)))
                };
                self.error(
                    non_empty(k.span),
                    format!("unknown key `{name}` in `{what}`"),
                    "unknown key",
                    help,
                );
                // Remember it so a repeated unknown key is reported as a duplicate too.
            }
            map.insert(name.as_str(), (k, v));
        }
        map.retain(|k, _| keys.contains(k));
        Some(Fields {
            map,
            span: node.span,
        })
    }

    fn missing(&mut self, fields: &Fields<'_>, what: &str, key: &str, help: Option<String>) {
        self.error(
            non_empty(fields.span),
            format!("`{what}` is missing the required key `{key}`"),
            format!("`{key}` missing here"),
            help,
        );
    }

    /// A string (plain numbers and booleans are taken as written).
    fn string(&mut self, node: &Node, what: &str) -> Option<(String, Span)> {
        match &node.kind {
            Kind::Str(s) => Some((s.clone(), node.span)),
            Kind::Bool(_) | Kind::Int(_) | Kind::Float => {
                self.raw(node).map(|s| (s.to_string(), node.span))
            }
            _ => {
                self.type_error(node, what, "a string");
                None
            }
        }
    }

    /// A non-empty string.
    fn text(&mut self, node: &Node, what: &str) -> Option<(String, Span)> {
        let (s, span) = self.string(node, what)?;
        if s.trim().is_empty() {
            self.error(
                non_empty(span),
                format!("`{what}` must not be empty"),
                "empty",
                None,
            );
            return None;
        }
        Some((s, span))
    }

    /// A name (tier, rule, team, format, waiver id): letters, digits, `-`, `_`, `.`.
    fn name(&mut self, node: &Node, what: &str) -> Option<(String, Span)> {
        let (s, span) = self.text(node, what)?;
        let ok = s.len() <= 100
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if !ok {
            self.error(
                non_empty(span),
                format!("invalid {what} `{s}`"),
                "invalid name",
                Some("use letters, digits, `-`, `_` and `.` (at most 100)".to_string()),
            );
            return None;
        }
        Some((s, span))
    }

    fn boolean(&mut self, node: &Node, what: &str) -> Option<bool> {
        match node.kind {
            Kind::Bool(b) => Some(b),
            _ => {
                self.type_error(node, what, "true or false");
                None
            }
        }
    }

    fn count(&mut self, node: &Node, what: &str) -> Option<u32> {
        match node.kind {
            Kind::Int(i) if (0..=i128::from(MAX_REVIEWERS)).contains(&i) => u32::try_from(i).ok(),
            Kind::Int(i) => {
                self.error(
                    non_empty(node.span),
                    format!("`{what}` must be between 0 and {MAX_REVIEWERS}, found {i}"),
                    "out of range",
                    None,
                );
                None
            }
            _ => {
                self.type_error(node, what, "a whole number");
                None
            }
        }
    }

    /// One of `allowed` (with did-you-mean).
    fn choice(
        &mut self,
        node: &Node,
        what: &str,
        allowed: &[&'static str],
    ) -> Option<&'static str> {
        let (s, span) = self.string(node, what)?;
        if let Some(c) = allowed.iter().find(|a| **a == s) {
            return Some(c);
        }
        let help = match did_you_mean(&s, allowed) {
            Some(d) => format!("did you mean `{d}`?"),
            None => format!("use one of {}", quote_list(allowed)),
        };
        self.error(
            non_empty(span),
            format!(
                "invalid {what} `{s}`; expected one of {}",
                quote_list(allowed)
            ),
            "invalid value",
            Some(help),
        );
        None
    }

    /// A list (null counts as empty).
    fn list<'a>(&mut self, node: &'a Node, what: &str) -> Option<&'a [Node]> {
        match &node.kind {
            Kind::Seq(s) => Some(s),
            Kind::Null => Some(&[]),
            _ => {
                self.type_error(node, what, "a list");
                None
            }
        }
    }

    fn string_list(&mut self, node: &Node, what: &str) -> Vec<(String, Span)> {
        let Some(items) = self.list(node, what) else {
            return Vec::new();
        };
        items.iter().filter_map(|n| self.text(n, what)).collect()
    }

    /// Trailer keys: letters, digits and `-`.
    fn trailer_keys(&mut self, node: &Node, what: &str) -> Vec<String> {
        let keys = self.string_list(node, what);
        if keys.is_empty() {
            self.error(
                non_empty(node.span),
                format!("`{what}` must name at least one trailer key"),
                "empty list",
                Some("remove the key to use the default".to_string()),
            );
        }
        keys.into_iter()
            .filter_map(|(k, span)| self.trailer_key(&k, span, what))
            .collect()
    }

    fn trailer_key(&mut self, k: &str, span: Span, what: &str) -> Option<String> {
        if k.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') && !k.starts_with('-') {
            Some(k.to_string())
        } else {
            self.error(
                non_empty(span),
                format!("invalid trailer key `{k}` in `{what}`"),
                "not a trailer key",
                Some("trailer keys are letters, digits and `-`, e.g. `Reviewed-by`".to_string()),
            );
            None
        }
    }

    /// Compiles a path glob (case-insensitive, `/` literal, backslash escapes on every OS).
    fn glob(&mut self, pattern: &str, span: Span, what: &str) -> Option<Glob> {
        if pattern.len() > MAX_GLOB_LEN {
            self.error(
                non_empty(span),
                format!("glob in `{what}` is longer than {MAX_GLOB_LEN} bytes"),
                "too long",
                None,
            );
            return None;
        }
        if what.ends_with("paths") && (pattern.starts_with('/') || pattern.starts_with("./")) {
            self.error(
                non_empty(span),
                format!("glob `{pattern}` in `{what}` never matches: paths are relative to the repository root"),
                "leading `/` or `./`",
                Some(format!(
                    "write `{}`",
                    pattern.trim_start_matches("./").trim_start_matches('/')
                )),
            );
            return None;
        }
        match compile_glob(pattern) {
            Ok(g) => Some(g),
            Err(e) => {
                self.error(
                    non_empty(span),
                    format!("invalid glob `{pattern}` in `{what}`: {}", e.kind()),
                    "invalid glob",
                    Some("globs use `*` (within one directory), `**` (any depth), `?`, `[abc]` and `{a,b}`".to_string()),
                );
                None
            }
        }
    }

    fn glob_set(&mut self, node: &Node, what: &str) -> (Vec<String>, GlobSet) {
        let items = self.string_list(node, what);
        let mut b = GlobSetBuilder::new();
        let mut written = Vec::new();
        for (p, span) in items {
            if let Some(g) = self.glob(&p, span, what) {
                b.add(g);
                written.push(p);
            }
        }
        let set = match b.build() {
            Ok(s) => s,
            Err(e) => {
                self.error(
                    non_empty(node.span),
                    format!("globs in `{what}` could not be compiled: {}", e.kind()),
                    "too many or too complex globs",
                    None,
                );
                GlobSet::empty()
            }
        };
        (written, set)
    }

    fn regex(&mut self, pattern: &str, span: Span, what: &str) -> Option<Regex> {
        if pattern.len() > MAX_REGEX_LEN {
            self.error(
                non_empty(span),
                format!("regex in `{what}` is longer than {MAX_REGEX_LEN} bytes"),
                "too long",
                None,
            );
            return None;
        }
        match RegexBuilder::new(pattern)
            .size_limit(REGEX_SIZE_LIMIT)
            .dfa_size_limit(REGEX_DFA_SIZE_LIMIT)
            .nest_limit(REGEX_NEST_LIMIT)
            .build()
        {
            Ok(r) => Some(r),
            Err(regex::Error::CompiledTooBig(limit)) => {
                self.error(
                    non_empty(span),
                    format!("regex in `{what}` is too big: it compiles to more than {limit} bytes"),
                    "regex too big",
                    Some("simplify the pattern (large counted repetitions such as `{1000}` multiply its size)".to_string()),
                );
                None
            }
            Err(e) => {
                let detail = e.to_string();
                let last = detail.lines().last().unwrap_or("").trim().to_string();
                self.error(
                    non_empty(span),
                    format!(
                        "invalid regex in `{what}`: {}",
                        last.trim_start_matches("error: ")
                    ),
                    "invalid regex",
                    Some(
                        "regexes use Rust `regex` syntax (no backreferences or look-around)"
                            .to_string(),
                    ),
                );
                None
            }
        }
    }

    /// Resolves a name among `defined` (with did-you-mean), reporting an undefined one.
    fn resolve(&mut self, name: &str, span: Span, kind: &str, defined: &[&str]) -> Option<usize> {
        if let Some(i) = defined.iter().position(|d| *d == name) {
            return Some(i);
        }
        let help = match did_you_mean(name, defined) {
            Some(d) => format!("did you mean `{d}`?"),
            None if defined.is_empty() => format!("no {kind}s are defined"),
            None => format!("defined {kind}s: {}", quote_list(defined)),
        };
        self.error(
            non_empty(span),
            format!("undefined {kind} `{name}`"),
            format!("no {kind} with this name"),
            Some(help),
        );
        None
    }

    fn unique(&mut self, seen: &mut HashMap<String, Span>, name: &str, span: Span, kind: &str) {
        if let Some(first) = seen.get(name) {
            let line = self.line_of(*first);
            self.error(
                non_empty(span),
                format!("duplicate {kind} `{name}` (first defined on line {line})"),
                format!("duplicate {kind}"),
                Some(format!("{kind} names must be unique")),
            );
        } else {
            seen.insert(name.to_string(), span);
        }
    }
}

/// Builds a glob with countersign's semantics.
pub(crate) fn compile_glob(pattern: &str) -> Result<Glob, globset::Error> {
    GlobBuilder::new(pattern)
        .case_insensitive(true)
        .literal_separator(true)
        .backslash_escape(true)
        .build()
}

/// `Name <email>` → (name, lowercase email).
pub(crate) fn parse_person(s: &str) -> Option<(String, String)> {
    let s = s.trim();
    let inner = s.strip_suffix('>')?;
    let lt = inner.rfind('<')?;
    let name = inner.get(..lt)?.trim();
    let email = inner.get(lt + 1..)?.trim();
    if name.is_empty() || name.contains(['<', '>']) || !valid_email(email) {
        return None;
    }
    Some((name.to_string(), email.to_ascii_lowercase()))
}

/// A plausible email: one `@`, non-empty parts, no spaces or angle brackets.
pub(crate) fn valid_email(e: &str) -> bool {
    let mut parts = e.split('@');
    matches!((parts.next(), parts.next(), parts.next()), (Some(l), Some(d), None) if !l.is_empty() && !d.is_empty())
        && !e
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ','))
}

/// Validates the whole document. Returns the policy when no error was found.
pub(crate) fn validate(root: &Node, source: PolicySource, ctx: &mut Ctx<'_>) -> Option<Policy> {
    let top = ctx.mapping(root, "policy", TOP_KEYS)?;

    // version
    match top.get("version") {
        None => ctx.error(
            Some(Span::new(0, 0)),
            "the policy has no `version`",
            "add `version: 1` here",
            Some("start the file with `version: 1`".to_string()),
        ),
        Some(n) => match n.kind {
            Kind::Int(1) => {}
            Kind::Int(v) => ctx.error(
                non_empty(n.span),
                format!("unsupported policy version {v}; this countersign reads version 1"),
                "unsupported version",
                Some("use `version: 1` or upgrade countersign".to_string()),
            ),
            _ => ctx.type_error(n, "version", "the number 1"),
        },
    }

    // teams first: tiers refer to them.
    let teams = teams(ctx, top.get("teams"));
    let team_names: Vec<&str> = teams.iter().map(|t| t.name.as_str()).collect();

    let tiers = tiers(ctx, top.get("tiers"), top.span, &team_names);
    let tier_names: Vec<&str> = tiers.iter().map(|t| t.name.as_str()).collect();

    let default_tier = match top.get("default_tier") {
        Some(n) => ctx
            .string(n, "default_tier")
            .and_then(|(s, span)| ctx.resolve(&s, span, "tier", &tier_names)),
        None if tiers.len() == 1 => Some(0),
        None => {
            if tiers.len() > 1 {
                ctx.missing(
                    &top,
                    "policy",
                    "default_tier",
                    Some(
                        "name the tier for paths no rule matches, e.g. `default_tier: standard`"
                            .to_string(),
                    ),
                );
            }
            None
        }
    };

    let rules = rules(ctx, top.get("rules"), &tier_names);
    let rule_names: Vec<&str> = rules.iter().map(|r| r.name.as_str()).collect();

    let involvement = involvement(ctx, top.get("involvement"));
    let evidence = evidence(ctx, top.get("evidence"));
    let detect = detect(ctx, top.get("detect"));
    let waivers = waivers(ctx, top.get("waivers"), &rule_names);

    let baseline = top
        .get("baseline")
        .and_then(|n| ctx.text(n, "baseline"))
        .and_then(|(s, span)| baseline_id(ctx, s.trim(), span));

    let hooks = hooks(ctx, top.get("hooks"));
    let protect = protect(ctx, top.get("protect"));
    let controls = controls(ctx, top.get("controls"), &tier_names);

    debug_assert!(DISCOVERY.iter().all(|d| PROTECTED.contains(d)));
    let protected = PathGlobs::new(PROTECTED).unwrap_or_else(|e| {
        ctx.error(None, format!("internal: protected globs: {e}"), "", None);
        PathGlobs::default()
    });

    if !ctx.diags.is_empty() {
        return None;
    }
    Some(Policy {
        source,
        tiers,
        default_tier: default_tier?,
        rules,
        protected,
        protected_paths: PROTECTED.iter().map(|s| s.to_string()).collect(),
        involvement,
        teams,
        evidence,
        detect,
        waivers,
        baseline,
        hooks,
        protect,
        controls,
    })
}

fn teams(ctx: &mut Ctx<'_>, node: Option<&Node>) -> Vec<Team> {
    let Some(items) = node.and_then(|n| ctx.list(n, "teams")) else {
        return Vec::new();
    };
    let mut seen = HashMap::new();
    let mut out = Vec::new();
    for item in items {
        let Some(f) = ctx.mapping(item, "teams", TEAM_KEYS) else {
            continue;
        };
        let name = match f.get("name") {
            Some(n) => ctx.name(n, "team name"),
            None => {
                ctx.missing(&f, "team", "name", None);
                None
            }
        };
        if let Some((n, span)) = &name {
            ctx.unique(&mut seen, n, *span, "team");
        }
        let mut members = Vec::new();
        match f.get("members") {
            None => ctx.missing(
                &f,
                "team",
                "members",
                Some("list the people who may review for this team".to_string()),
            ),
            Some(mn) => {
                let list = ctx.list(mn, "members").unwrap_or(&[]);
                if list.is_empty() && matches!(mn.kind, Kind::Seq(_) | Kind::Null) {
                    ctx.error(
                        non_empty(mn.span),
                        "a team must have at least one member",
                        "no members",
                        None,
                    );
                }
                let mut emails = HashMap::new();
                for m in list {
                    if let Some(member) = member(ctx, m, &mut emails) {
                        members.push(member);
                    }
                }
            }
        }
        if let Some((name, span)) = name {
            out.push(Team {
                name,
                members,
                span,
            });
        }
    }
    out
}

fn member(ctx: &mut Ctx<'_>, node: &Node, emails: &mut HashMap<String, Span>) -> Option<Member> {
    let f = ctx.mapping(node, "members", MEMBER_KEYS)?;
    let name = match f.get("name") {
        Some(n) => ctx.text(n, "member name"),
        None => {
            ctx.missing(&f, "member", "name", None);
            None
        }
    };
    let email = match f.get("email") {
        Some(n) => ctx.text(n, "email").and_then(|(e, span)| {
            if valid_email(e.trim()) {
                Some((e.trim().to_ascii_lowercase(), span))
            } else {
                ctx.error(
                    non_empty(span),
                    format!("invalid email `{e}`"),
                    "not an email address",
                    Some("write a plain address like `alice@example.com`".to_string()),
                );
                None
            }
        }),
        None => {
            ctx.missing(&f, "member", "email", None);
            None
        }
    };
    if let Some((e, span)) = &email {
        if let Some(first) = emails.get(e) {
            let line = ctx.line_of(*first);
            ctx.error(
                non_empty(*span),
                format!("duplicate member `{e}` (first listed on line {line})"),
                "duplicate member",
                None,
            );
        } else {
            emails.insert(e.clone(), *span);
        }
    }
    let github = f
        .get("github")
        .and_then(|n| ctx.text(n, "github"))
        .map(|s| s.0);
    let gitlab = f
        .get("gitlab")
        .and_then(|n| ctx.text(n, "gitlab"))
        .map(|s| s.0);
    let ssh_keys = f
        .get("ssh_keys")
        .map(|n| ssh_keys(ctx, n))
        .unwrap_or_default();
    Some(Member {
        name: name?.0.trim().to_string(),
        email: email?.0,
        github,
        gitlab,
        ssh_keys,
    })
}

/// `ssh_keys: ["ssh-ed25519 AAAA… comment", …]`: OpenSSH public key lines of a type that
/// can sign reviews, each once.
fn ssh_keys(ctx: &mut Ctx<'_>, node: &Node) -> Vec<String> {
    let items = ctx.string_list(node, "ssh_keys");
    if items.len() > MAX_SSH_KEYS {
        ctx.error(
            non_empty(node.span),
            format!("at most {MAX_SSH_KEYS} ssh_keys per member"),
            "too many keys",
            None,
        );
    }
    let mut out: Vec<String> = Vec::new();
    for (text, span) in items {
        let ktype = text.split_whitespace().next().unwrap_or_default();
        if !crate::review::sshsig::decodes(ktype) {
            ctx.error(
                non_empty(span),
                format!("`{ktype}` keys cannot sign reviews"),
                "unsupported key type",
                Some(
                    "register an `ssh-ed25519` or `ecdsa-sha2-nistp256` key (or their FIDO `sk-` forms): `ssh-keygen -t ed25519`"
                        .to_string(),
                ),
            );
            continue;
        }
        match crate::review::sshsig::parse_public_key(&text) {
            Ok(k) if out.contains(&k) => ctx.error(
                non_empty(span),
                "this key is listed twice",
                "duplicate key",
                None,
            ),
            Ok(k) => out.push(k),
            Err(e) => ctx.error(
                non_empty(span),
                format!("invalid SSH public key: {e}"),
                "not a public key",
                Some("paste one line of the `.pub` file: `ssh-ed25519 AAAA… comment`".to_string()),
            ),
        }
    }
    out
}

fn tiers(ctx: &mut Ctx<'_>, node: Option<&Node>, top: Span, teams: &[&str]) -> Vec<Tier> {
    let Some(n) = node else {
        ctx.error(
            Some(top),
            "the policy has no `tiers`",
            "`tiers` missing",
            Some(
                "define at least one tier, e.g. `tiers: [{ name: standard, reviewers: 1 }]`"
                    .to_string(),
            ),
        );
        return Vec::new();
    };
    let Some(items) = ctx.list(n, "tiers") else {
        return Vec::new();
    };
    if items.is_empty() {
        ctx.error(
            non_empty(n.span),
            "`tiers` must define at least one tier",
            "no tiers",
            None,
        );
    }
    let mut seen = HashMap::new();
    let mut out = Vec::new();
    for item in items {
        let Some(f) = ctx.mapping(item, "tiers", TIER_KEYS) else {
            continue;
        };
        let name = match f.get("name") {
            Some(n) => ctx.name(n, "tier name"),
            None => {
                ctx.missing(&f, "tier", "name", None);
                None
            }
        };
        if let Some((n, span)) = &name {
            ctx.unique(&mut seen, n, *span, "tier");
        }
        let description = f
            .get("description")
            .and_then(|n| ctx.string(n, "description"))
            .map(|s| s.0);
        let reviewers = f
            .get("reviewers")
            .and_then(|n| ctx.count(n, "reviewers"))
            .unwrap_or(0);
        let change_record = f
            .get("change_record")
            .and_then(|n| ctx.boolean(n, "change_record"))
            .unwrap_or(false);
        let declaration = f
            .get("declaration")
            .and_then(|n| ctx.boolean(n, "declaration"))
            .unwrap_or(false);
        let mut reviewers_from = Vec::new();
        if let Some(n) = f.get("reviewers_from") {
            for (t, span) in ctx.string_list(n, "reviewers_from") {
                if let Some(i) = ctx.resolve(&t, span, "team", teams)
                    && !reviewers_from.contains(&i)
                {
                    reviewers_from.push(i);
                }
            }
        }
        let applies_to = match f
            .get("applies_to")
            .and_then(|n| ctx.choice(n, "applies_to", &["ai", "all"]))
        {
            Some("all") => AppliesTo::All,
            _ => AppliesTo::Ai,
        };
        let ai_forbidden = matches!(
            f.get("ai")
                .and_then(|n| ctx.choice(n, "ai", &["allowed", "forbidden"])),
            Some("forbidden")
        );
        if let Some((name, span)) = name {
            out.push(Tier {
                name,
                description,
                reviewers,
                change_record,
                reviewers_from,
                applies_to,
                ai_forbidden,
                declaration,
                span,
            });
        }
    }
    out
}

fn rules(ctx: &mut Ctx<'_>, node: Option<&Node>, tiers: &[&str]) -> Vec<Rule> {
    let Some(items) = node.and_then(|n| ctx.list(n, "rules")) else {
        return Vec::new();
    };
    let mut seen = HashMap::new();
    let mut out = Vec::new();
    for item in items {
        let Some(f) = ctx.mapping(item, "rules", RULE_KEYS) else {
            continue;
        };
        let name = match f.get("name") {
            Some(n) => ctx.name(n, "rule name"),
            None => {
                ctx.missing(&f, "rule", "name", None);
                None
            }
        };
        if let Some((n, span)) = &name {
            ctx.unique(&mut seen, n, *span, "rule");
        }
        let globs = match f.get("paths") {
            Some(n) => {
                let (written, set) = ctx.glob_set(n, "paths");
                if matches!(&n.kind, Kind::Seq(s) if s.is_empty()) || matches!(n.kind, Kind::Null) {
                    ctx.error(
                        non_empty(n.span),
                        "a rule's `paths` must list at least one glob",
                        "empty paths",
                        Some("e.g. `paths: [\"src/auth/**\"]`".to_string()),
                    );
                }
                Some((written, set))
            }
            None => {
                ctx.missing(&f, "rule", "paths", None);
                None
            }
        };
        let tier = match f.get("tier") {
            Some(n) => ctx
                .string(n, "tier")
                .and_then(|(s, span)| ctx.resolve(&s, span, "tier", tiers).map(|i| (i, span))),
            None => {
                ctx.missing(&f, "rule", "tier", None);
                None
            }
        };
        if let (Some((name, span)), Some((paths, matcher)), Some((tier, tier_span))) =
            (name, globs, tier)
        {
            // The folded and directory-entry spellings (policy::pathmatch).
            let globs = PathGlobs::new(&paths).unwrap_or_else(|e| {
                ctx.error(
                    non_empty(span),
                    format!("rule `{name}`: {e}"),
                    "glob cannot be matched in every spelling",
                    Some("write the character class with plain lower-case letters".to_string()),
                );
                PathGlobs::default()
            });
            out.push(Rule {
                name,
                paths,
                matcher,
                globs,
                tier,
                span,
                tier_span,
            });
        }
    }
    out
}

fn involvement(ctx: &mut Ctx<'_>, node: Option<&Node>) -> InvolvementExtras {
    let mut out = InvolvementExtras::default();
    let Some(f) = node.and_then(|n| ctx.mapping(n, "involvement", INVOLVEMENT_KEYS)) else {
        return out;
    };
    for level in INVOLVEMENT_KEYS {
        let Some(n) = f.get(level) else { continue };
        let Some(e) = ctx.mapping(n, &format!("involvement.{level}"), EXTRA_KEYS) else {
            continue;
        };
        let extra = Extra {
            extra_reviewers: e
                .get("extra_reviewers")
                .and_then(|n| ctx.count(n, "extra_reviewers"))
                .unwrap_or(0),
            change_record: e
                .get("change_record")
                .and_then(|n| ctx.boolean(n, "change_record"))
                .unwrap_or(false),
        };
        match *level {
            "assisted" => out.assisted = extra,
            "generated" => out.generated = extra,
            _ => out.autonomous = extra,
        }
    }
    out
}

fn evidence(ctx: &mut Ctx<'_>, node: Option<&Node>) -> Evidence {
    let mut out = Evidence {
        review: ReviewModes::default(),
        review_span: None,
        signed_review: SignedReviewSettings::default(),
        allowed_signers: None,
        reviewer_trailers: vec!["Reviewed-by".to_string()],
        change_record_trailers: vec!["Change-Record".to_string(), "Refs".to_string()],
        change_record_formats: Vec::new(),
        declaration_trailers: vec!["AI-Assisted".to_string()],
    };
    let Some(f) = node.and_then(|n| ctx.mapping(n, "evidence", EVIDENCE_KEYS)) else {
        return out;
    };
    if let Some(n) = f.get("review") {
        out.review_span = non_empty(n.span);
        if let Some(m) = review_modes(ctx, n) {
            out.review = m;
        }
    }
    if let Some(sr) = f
        .get("signed_review")
        .and_then(|n| ctx.mapping(n, "signed_review", SIGNED_REVIEW_KEYS))
        && let Some(n) = sr.get("survives")
    {
        out.signed_review.survives_rebase =
            ctx.choice(n, "signed_review.survives", &["rebase", "nothing"]) == Some("rebase");
    }
    if let Some(n) = f.get("allowed_signers")
        && let Some((path, span)) = ctx.text(n, "allowed_signers")
    {
        let p = path.trim();
        let bad = p.starts_with('/')
            || p.contains('\\')
            || p.split('/').any(|c| c.is_empty() || c == "." || c == "..");
        if bad {
            ctx.error(
                non_empty(span),
                format!("`{p}` is not a path inside the repository"),
                "not a repository path",
                Some("write a path relative to the repository root, e.g. `.countersign/allowed_signers`".to_string()),
            );
        } else {
            out.allowed_signers = Some(AllowedSignersFile {
                path: p.to_string(),
                span,
                signers: None,
            });
        }
    }
    if let Some(n) = f.get("reviewer_trailers") {
        out.reviewer_trailers = ctx.trailer_keys(n, "reviewer_trailers");
    }
    if let Some(n) = f.get("declaration_trailers") {
        out.declaration_trailers = ctx.trailer_keys(n, "declaration_trailers");
    }
    if let Some(r) = f
        .get("change_record")
        .and_then(|n| ctx.mapping(n, "change_record", RECORD_KEYS))
    {
        if let Some(n) = r.get("trailers") {
            out.change_record_trailers = ctx.trailer_keys(n, "change_record.trailers");
        }
        if let Some(n) = r.get("formats") {
            let mut seen = HashMap::new();
            for item in ctx.list(n, "formats").unwrap_or(&[]) {
                let Some(ff) = ctx.mapping(item, "formats", FORMAT_KEYS) else {
                    continue;
                };
                let name = match ff.get("name") {
                    Some(n) => ctx.name(n, "format name"),
                    None => {
                        ctx.missing(&ff, "format", "name", None);
                        None
                    }
                };
                if let Some((n, span)) = &name {
                    ctx.unique(&mut seen, n, *span, "format");
                }
                let regex = match ff.get("regex") {
                    Some(n) => ctx
                        .text(n, "regex")
                        .and_then(|(p, span)| ctx.regex(&p, span, "regex").map(|r| (p, r))),
                    None => {
                        ctx.missing(&ff, "format", "regex", None);
                        None
                    }
                };
                if let (Some((name, _)), Some((pattern, regex))) = (name, regex) {
                    out.change_record_formats.push(RecordFormat {
                        name,
                        pattern,
                        regex,
                    });
                }
            }
        }
    }
    out
}

/// `review: MODE` or `review: [MODE, …]` (any of).
fn review_modes(ctx: &mut Ctx<'_>, n: &Node) -> Option<ReviewModes> {
    let names: Vec<&'static str> = ReviewMode::ALL.iter().map(|m| m.as_str()).collect();
    let one = |ctx: &mut Ctx<'_>, n: &Node| {
        ctx.choice(n, "review", &names)
            .and_then(|c| ReviewMode::ALL.into_iter().find(|m| m.as_str() == c))
    };
    if let Kind::Seq(items) = &n.kind {
        if items.is_empty() {
            ctx.error(
                non_empty(n.span),
                "`review` must name at least one mode",
                "empty list",
                Some(format!("use one or more of {}", quote_list(&names))),
            );
            return None;
        }
        let mut out = Vec::new();
        let mut ok = true;
        for item in items {
            match one(ctx, item) {
                Some(m) if out.contains(&m) => {
                    ctx.error(
                        non_empty(item.span),
                        format!("review mode `{}` is listed twice", m.as_str()),
                        "duplicate mode",
                        None,
                    );
                    ok = false;
                }
                Some(m) => out.push(m),
                None => ok = false,
            }
        }
        return ok.then_some(ReviewModes(out));
    }
    one(ctx, n).map(ReviewModes::one)
}

fn involvement_level(ctx: &mut Ctx<'_>, f: &Fields<'_>, what: &str) -> Option<Involvement> {
    match f.get("involvement") {
        Some(n) => ctx
            .choice(n, "involvement", &["assisted", "generated", "autonomous"])
            .and_then(Involvement::parse),
        None => {
            ctx.missing(
                f,
                what,
                "involvement",
                Some("one of `assisted`, `generated`, `autonomous`".to_string()),
            );
            None
        }
    }
}

fn detect(ctx: &mut Ctx<'_>, node: Option<&Node>) -> Detect {
    let mut out = Detect {
        builtin: true,
        trailers: Vec::new(),
        identities: Vec::new(),
        labels: Vec::new(),
        branches: Vec::new(),
        branch_matcher: GlobSet::empty(),
    };
    let Some(f) = node.and_then(|n| ctx.mapping(n, "detect", DETECT_KEYS)) else {
        return out;
    };
    if let Some(n) = f.get("builtin") {
        out.builtin = ctx.boolean(n, "builtin").unwrap_or(true);
    }
    if let Some(n) = f.get("trailers") {
        for item in ctx.list(n, "detect.trailers").unwrap_or(&[]) {
            let Some(t) = ctx.mapping(item, "detect.trailers", DETECT_TRAILER_KEYS) else {
                continue;
            };
            let key = match t.get("key") {
                Some(n) => ctx
                    .text(n, "key")
                    .and_then(|(k, span)| ctx.trailer_key(k.trim(), span, "detect.trailers")),
                None => {
                    ctx.missing(&t, "detect trailer", "key", None);
                    None
                }
            };
            let values = t
                .get("values")
                .map(|n| ctx.string_list(n, "values"))
                .unwrap_or_default()
                .into_iter()
                .map(|(v, _)| v.trim().to_string())
                .collect();
            let involvement = involvement_level(ctx, &t, "detect trailer");
            if let (Some(key), Some(involvement)) = (key, involvement) {
                out.trailers.push(TrailerSignature {
                    key,
                    values,
                    involvement,
                });
            }
        }
    }
    if let Some(n) = f.get("identities") {
        for item in ctx.list(n, "detect.identities").unwrap_or(&[]) {
            let Some(t) = ctx.mapping(item, "detect.identities", IDENTITY_KEYS) else {
                continue;
            };
            let email = match t.get("email") {
                Some(n) => ctx.text(n, "email").and_then(|(e, span)| {
                    let e = e.trim().to_string();
                    ctx.glob(&e, span, "detect.identities.email")
                        .map(|g| (e, g))
                }),
                None => {
                    ctx.missing(&t, "detect identity", "email", None);
                    None
                }
            };
            let involvement = involvement_level(ctx, &t, "detect identity");
            if let (Some((email, glob)), Some(involvement)) = (email, involvement) {
                out.identities.push(IdentitySignature {
                    email,
                    matcher: glob.compile_matcher(),
                    involvement,
                });
            }
        }
    }
    if let Some(n) = f.get("labels") {
        out.labels = ctx
            .string_list(n, "labels")
            .into_iter()
            .map(|(l, _)| l.trim().to_string())
            .collect();
    }
    if let Some(n) = f.get("branches") {
        let (written, set) = ctx.glob_set(n, "branches");
        out.branches = written;
        out.branch_matcher = set;
    }
    out
}

/// True for a full object id: 40 (SHA-1) or 64 (SHA-256) hex digits.
pub fn is_full_object_id(s: &str) -> bool {
    (s.len() == 40 || s.len() == 64) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// `baseline:` is a full commit id (lowercased): a tag, a branch or an abbreviated id can be
/// moved or shadowed by a new ref (issue 11, class 7). That it is an ancestor of the commit
/// the policy was read from is checked with git at run time (`git::baseline`).
fn baseline_id(ctx: &mut Ctx<'_>, b: &str, span: Span) -> Option<String> {
    if is_full_object_id(b) {
        return Some(b.to_ascii_lowercase());
    }
    ctx.error(
        non_empty(span),
        format!("`baseline: {b}` is not a full commit id: a tag, branch or abbreviated id can be moved or shadowed by a new ref"),
        "not a full commit id",
        Some(format!("write the full id of the commit: `git rev-parse {b}^{{commit}}` prints it")),
    );
    None
}

/// Paths every "match everything" glob matches; a waiver scoped by such a glob is a wildcard.
const WILDCARD_PROBES: &[&str] = &["a", "x/y/z.rs", ".github/workflows/ci.yml", "Z.TXT"];

fn waivers(ctx: &mut Ctx<'_>, node: Option<&Node>, rules: &[&str]) -> Vec<Waiver> {
    let Some(items) = node.and_then(|n| ctx.list(n, "waivers")) else {
        return Vec::new();
    };
    let code_names: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
    let mut seen = HashMap::new();
    let mut out = Vec::new();
    for item in items {
        let Some(f) = ctx.mapping(item, "waivers", WAIVER_KEYS) else {
            continue;
        };
        let id = match f.get("id") {
            Some(n) => ctx.name(n, "waiver id"),
            None => {
                ctx.missing(
                    &f,
                    "waiver",
                    "id",
                    Some("e.g. `id: W-2026-001`".to_string()),
                );
                None
            }
        };
        if let Some((n, span)) = &id {
            ctx.unique(&mut seen, n, *span, "waiver");
        }
        let mut scope = WaiverScope::default();
        if let Some(n) = f.get("commit") {
            let list: Vec<(String, Span)> = match &n.kind {
                Kind::Seq(_) => ctx.string_list(n, "commit"),
                _ => ctx.text(n, "commit").into_iter().collect(),
            };
            if list.is_empty() && matches!(n.kind, Kind::Seq(_)) {
                ctx.error(
                    non_empty(n.span),
                    "`commit` lists no commits",
                    "empty",
                    None,
                );
            }
            for (c, span) in list {
                let c = c.trim().to_ascii_lowercase();
                if is_full_object_id(&c) {
                    scope.commits.push(c);
                } else {
                    // An abbreviated id can be brute-forced onto an attacker's commit in
                    // seconds (issue 11, class 7): only the full id names one commit.
                    ctx.error(
                        non_empty(span),
                        format!("waiver `commit: {c}` is not a full commit id (40 hex digits, or 64 in a SHA-256 repository)"),
                        "not a full commit id",
                        Some(format!("write the full id: `git rev-parse {c}^{{commit}}` prints it")),
                    );
                }
            }
        }
        if let Some(n) = f.get("paths") {
            let (written, set) = ctx.glob_set(n, "waivers.paths");
            if written.is_empty() && matches!(n.kind, Kind::Seq(_) | Kind::Null) {
                ctx.error(non_empty(n.span), "`paths` lists no globs", "empty", None);
            }
            if !written.is_empty() && WILDCARD_PROBES.iter().all(|p| set.is_match(p)) {
                ctx.error(
                    non_empty(n.span),
                    "waiver `paths` match every path",
                    "wildcard scope",
                    Some("a waiver must name what it covers; list the specific paths".to_string()),
                );
            }
            scope.paths = written;
            scope.path_matcher = Some(set);
        }
        if let Some(n) = f.get("rules") {
            for (r, span) in ctx.string_list(n, "waivers.rules") {
                if let Some(i) = ctx.resolve(&r, span, "rule", rules)
                    && !scope.rules.contains(&i)
                {
                    scope.rules.push(i);
                }
            }
        }
        if f.get("commit").is_none() && f.get("paths").is_none() && f.get("rules").is_none() {
            ctx.error(
                id.as_ref().map(|(_, s)| *s).or(Some(f.span)),
                "waiver has no scope: it would waive every commit",
                "no `commit`, `paths` or `rules`",
                Some("add `commit: <id>`, `paths: [...]` or `rules: [...]`".to_string()),
            );
        }
        let mut codes = Vec::new();
        match f.get("codes") {
            None => ctx.missing(
                &f,
                "waiver",
                "codes",
                Some(
                    "name the finding codes it waives, e.g. `codes: [missing-change-record]`"
                        .to_string(),
                ),
            ),
            Some(n) => {
                let list = ctx.string_list(n, "codes");
                if list.is_empty() && matches!(n.kind, Kind::Seq(_) | Kind::Null) {
                    ctx.error(
                        non_empty(n.span),
                        "a waiver must name at least one finding code",
                        "no codes",
                        Some("e.g. `codes: [missing-change-record]`".to_string()),
                    );
                }
                for (c, span) in list {
                    match Code::parse(c.trim()) {
                        Some(Code::WaiverExpired) => ctx.error(
                            non_empty(span),
                            "a waiver cannot waive `waiver-expired`",
                            "not waivable",
                            Some("renew the expired waiver instead".to_string()),
                        ),
                        Some(code) => {
                            if !codes.contains(&code) {
                                codes.push(code);
                            }
                        }
                        None => {
                            let help = match did_you_mean(c.trim(), &code_names) {
                                Some(d) => format!("did you mean `{d}`?"),
                                None => format!("known codes: {}", quote_list(&code_names)),
                            };
                            ctx.error(
                                non_empty(span),
                                format!("unknown finding code `{c}`"),
                                "unknown code",
                                Some(help),
                            );
                        }
                    }
                }
            }
        }
        let reason = match f.get("reason") {
            Some(n) => ctx.text(n, "reason").map(|s| s.0.trim().to_string()),
            None => {
                ctx.missing(
                    &f,
                    "waiver",
                    "reason",
                    Some("say why the exception is needed".to_string()),
                );
                None
            }
        };
        let approved = match f.get("approved_by") {
            Some(n) => person(ctx, n, "approved_by"),
            None => {
                ctx.missing(
                    &f,
                    "waiver",
                    "approved_by",
                    Some("e.g. `approved_by: Carol Chief <carol@example.com>`".to_string()),
                );
                None
            }
        };
        let requested = f
            .get("requested_by")
            .and_then(|n| person(ctx, n, "requested_by"));
        if let (Some((_, a, _)), Some((_, r, span))) = (&approved, &requested)
            && a == r
        {
            ctx.error(
                non_empty(*span),
                "a waiver may not be approved by the person who requested it",
                "same person as `approved_by`",
                Some("have someone else approve the waiver".to_string()),
            );
        }
        let expires = match f.get("expires") {
            None => {
                ctx.error(
                    id.as_ref().map(|(_, s)| *s).or(Some(f.span)),
                    "waiver has no expiry: `expires` is required",
                    "no `expires`",
                    Some("add `expires: YYYY-MM-DD` (the last day it applies)".to_string()),
                );
                None
            }
            Some(n) => ctx
                .text(n, "expires")
                .and_then(|(s, span)| match Date::parse(&s) {
                    Some(d) => Some(d),
                    None => {
                        ctx.error(
                            non_empty(span),
                            format!("invalid date `{s}` in `expires`"),
                            "not a date",
                            Some(
                                "write a real calendar date as YYYY-MM-DD, e.g. `2026-12-31`"
                                    .to_string(),
                            ),
                        );
                        None
                    }
                }),
        };
        if let (Some((id, span)), Some(reason), Some((approved_by, _, _)), Some(expires)) =
            (id, reason, approved, expires)
        {
            out.push(Waiver {
                id,
                scope,
                codes,
                reason,
                approved_by,
                requested_by: requested.map(|r| r.0),
                expires,
                span,
            });
        }
    }
    out
}

/// A `Name <email>` value: (as written, lowercase email, span).
fn person(ctx: &mut Ctx<'_>, node: &Node, what: &str) -> Option<(String, String, Span)> {
    let (s, span) = ctx.text(node, what)?;
    match parse_person(&s) {
        Some((name, email)) => Some((format!("{name} <{email}>"), email, span)),
        None => {
            ctx.error(
                non_empty(span),
                format!("`{what}` must be `Name <email>`, found `{s}`"),
                "not `Name <email>`",
                Some("e.g. `Carol Chief <carol@example.com>`".to_string()),
            );
            None
        }
    }
}

fn hooks(ctx: &mut Ctx<'_>, node: Option<&Node>) -> Hooks {
    let mut out = Hooks::default();
    let Some(f) = node.and_then(|n| ctx.mapping(n, "hooks", HOOK_KEYS)) else {
        return out;
    };
    let mode =
        |ctx: &mut Ctx<'_>, n: &Node, what: &str| match ctx.choice(n, what, &["warn", "enforce"]) {
            Some("warn") => Some(HookMode::Warn),
            Some(_) => Some(HookMode::Enforce),
            None => None,
        };
    if let Some(m) = f.get("commit-msg").and_then(|n| mode(ctx, n, "commit-msg")) {
        out.commit_msg = m;
    }
    if let Some(m) = f.get("pre-push").and_then(|n| mode(ctx, n, "pre-push")) {
        out.pre_push = m;
    }
    out
}

/// `protect: { branches: [globs], tags: [globs] }`. Branch and tag names are matched as
/// globs without their `refs/heads/` / `refs/tags/` prefix, case-insensitively (a looser
/// match protects more, never less).
fn protect(ctx: &mut Ctx<'_>, node: Option<&Node>) -> Protect {
    let f = node.and_then(|n| ctx.mapping(n, "protect", PROTECT_KEYS));
    let (branches, branch_matcher) = match f.as_ref().and_then(|f| f.get("branches")) {
        Some(n) => {
            let (written, set) = ctx.glob_set(n, "protect.branches");
            (Some(written), Some(set))
        }
        None => (None, None),
    };
    let (tags, tag_matcher) = match f.as_ref().and_then(|f| f.get("tags")) {
        Some(n) => ctx.glob_set(n, "protect.tags"),
        None => {
            let d = Protect::default();
            (d.tags, d.tag_matcher)
        }
    };
    Protect {
        branches,
        branch_matcher,
        tags,
        tag_matcher,
    }
}

fn controls(ctx: &mut Ctx<'_>, node: Option<&Node>, tiers: &[&str]) -> Vec<(String, Vec<String>)> {
    let Some(n) = node else { return Vec::new() };
    let entries = match &n.kind {
        Kind::Map(m) => m.as_slice(),
        Kind::Null => return Vec::new(),
        _ => {
            ctx.type_error(
                n,
                "controls",
                "a mapping of tier name to a list of references",
            );
            return Vec::new();
        }
    };
    let mut seen: HashSet<String> = HashSet::new();
    let mut out = Vec::new();
    for (k, v) in entries {
        let Some((tier, span)) = ctx.string(k, "controls") else {
            continue;
        };
        if !seen.insert(tier.clone()) {
            ctx.error(
                non_empty(span),
                format!("duplicate key `{tier}` in `controls`"),
                "duplicate key",
                None,
            );
            continue;
        }
        let refs = ctx.string_list(v, "controls");
        if ctx.resolve(&tier, span, "tier", tiers).is_some() {
            out.push((tier, refs.into_iter().map(|r| r.0).collect()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions() {
        assert_eq!(did_you_mean("reveiwers", TIER_KEYS), Some("reviewers"));
        assert_eq!(
            did_you_mean("requried_reviewers", TIER_KEYS),
            Some("reviewers")
        );
        assert_eq!(
            did_you_mean("change-record", TIER_KEYS),
            Some("change_record")
        );
        assert_eq!(did_you_mean("zzz", TIER_KEYS), None);
    }

    #[test]
    fn persons() {
        assert_eq!(
            parse_person("Carol Chief <Carol@Example.com>"),
            Some(("Carol Chief".into(), "carol@example.com".into()))
        );
        assert_eq!(parse_person("carol@example.com"), None);
        assert_eq!(parse_person("<carol@example.com>"), None);
        assert_eq!(parse_person("C <a@b> <c@d>"), None);
    }

    /// Every key table of the validator equals the schema's `properties` at the same place, so
    /// the schema can neither offer a key the loader rejects nor miss one it accepts. A new
    /// `*_KEYS` table must be listed here (the source is scanned for them).
    #[test]
    fn key_tables_match_the_schema() {
        let tables: &[(&str, &[&str], &str)] = &[
            ("TOP_KEYS", TOP_KEYS, ""),
            ("TIER_KEYS", TIER_KEYS, "/properties/tiers/items"),
            ("RULE_KEYS", RULE_KEYS, "/properties/rules/items"),
            (
                "INVOLVEMENT_KEYS",
                INVOLVEMENT_KEYS,
                "/properties/involvement",
            ),
            (
                "EXTRA_KEYS",
                EXTRA_KEYS,
                "/properties/involvement/properties/assisted",
            ),
            (
                "EXTRA_KEYS",
                EXTRA_KEYS,
                "/properties/involvement/properties/generated",
            ),
            (
                "EXTRA_KEYS",
                EXTRA_KEYS,
                "/properties/involvement/properties/autonomous",
            ),
            ("TEAM_KEYS", TEAM_KEYS, "/properties/teams/items"),
            (
                "MEMBER_KEYS",
                MEMBER_KEYS,
                "/properties/teams/items/properties/members/items",
            ),
            ("EVIDENCE_KEYS", EVIDENCE_KEYS, "/properties/evidence"),
            (
                "RECORD_KEYS",
                RECORD_KEYS,
                "/properties/evidence/properties/change_record",
            ),
            (
                "FORMAT_KEYS",
                FORMAT_KEYS,
                "/properties/evidence/properties/change_record/properties/formats/items",
            ),
            ("DETECT_KEYS", DETECT_KEYS, "/properties/detect"),
            (
                "DETECT_TRAILER_KEYS",
                DETECT_TRAILER_KEYS,
                "/properties/detect/properties/trailers/items",
            ),
            (
                "IDENTITY_KEYS",
                IDENTITY_KEYS,
                "/properties/detect/properties/identities/items",
            ),
            ("WAIVER_KEYS", WAIVER_KEYS, "/properties/waivers/items"),
            ("HOOK_KEYS", HOOK_KEYS, "/properties/hooks"),
            ("PROTECT_KEYS", PROTECT_KEYS, "/properties/protect"),
            (
                "SIGNED_REVIEW_KEYS",
                SIGNED_REVIEW_KEYS,
                "/properties/evidence/properties/signed_review",
            ),
        ];
        for line in include_str!("validate.rs").lines() {
            let Some(rest) = line.trim_start().strip_prefix("const ") else {
                continue;
            };
            let name = rest.split(':').next().unwrap_or_default();
            if name.ends_with("_KEYS") && rest.contains("&[&str]") {
                assert!(
                    tables.iter().any(|t| t.0 == name),
                    "key table {name} is not compared with the schema: add it above"
                );
            }
        }
        let schema = crate::policy::schema::schema();
        for (name, keys, ptr) in tables {
            let props = schema
                .pointer(&format!("{ptr}/properties"))
                .and_then(|v| v.as_object())
                .unwrap_or_else(|| panic!("schema has no object at {ptr} (for {name})"));
            let mut in_schema: Vec<&str> = props.keys().map(String::as_str).collect();
            in_schema.sort_unstable();
            let mut in_table: Vec<&str> = keys.to_vec();
            in_table.sort_unstable();
            assert_eq!(in_table, in_schema, "{name} vs the schema at {ptr}");
        }
    }
}
