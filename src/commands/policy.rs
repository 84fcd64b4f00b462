//! `countersign policy check | show | schema | diff REV`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use miette::NamedSource;

use crate::cli::{ExplainFormat, PolicyArgs, PolicyCommand};
use crate::commands::{note, policy_failed, print_stdout, print_text, read_input, use_color};
use crate::git;
use crate::message::unicode::neutralize;
use crate::policy::load::DEFAULT_POLICY;
use crate::policy::load::WithSource;
use crate::policy::{
    DISCOVERY, Origin, Policy, PolicyDiagnostic, diff, lint, load, load_with_warnings, schema, show,
};
use crate::{Error, ErrorKind, Result};

/// Runs `policy …`: 0 valid / no weakening, 1 the diff weakens the policy, 2 errors.
pub fn run(cwd: &Path, args: &PolicyArgs) -> Result<u8> {
    match &args.command {
        PolicyCommand::Check { policy } => check(cwd, policy.as_deref()),
        PolicyCommand::Show { policy } => {
            let root = workdir(cwd);
            let (text, origin) = policy_text(root.as_deref(), policy.as_deref())?;
            let p = load(&text, origin).map_err(policy_failed)?;
            print_text(&show::to_yaml(&p))?;
            Ok(0)
        }
        PolicyCommand::Schema => {
            print_stdout(&schema::schema_text())?;
            Ok(0)
        }
        PolicyCommand::Diff {
            rev,
            policy,
            format,
        } => diff_cmd(cwd, rev, policy.as_deref(), *format),
    }
}

/// The working tree of the repository around `cwd`, when there is one.
fn workdir(cwd: &Path) -> Option<PathBuf> {
    git::open(cwd)
        .ok()
        .and_then(|r| r.workdir().map(Path::to_path_buf))
}

/// The policy text and its origin: `--policy FILE`, else the file discovered under `root`,
/// else the embedded default (said on stderr).
pub fn policy_text(root: Option<&Path>, explicit: Option<&Path>) -> Result<(String, Origin)> {
    let path = match explicit {
        Some(p) => Some(p.to_path_buf()),
        None => root.and_then(crate::policy::discover),
    };
    let Some(path) = path else {
        note(
            "no policy file found (.countersign.yml); using the embedded default policy — `countersign init` writes one",
        );
        return Ok((DEFAULT_POLICY.to_string(), Origin::Embedded));
    };
    let bytes = read_input(&path, 1 << 20).map_err(|e| {
        if e.kind == ErrorKind::Limit {
            Error::policy(format!(
                "policy {} is larger than 1 MiB; a policy is a short file",
                path.display()
            ))
            .with_help("move data out of the policy; it should be a few hundred lines")
        } else {
            Error::policy(e.message).with_help("check the --policy path")
        }
    })?;
    let text = String::from_utf8(bytes).map_err(|_| {
        Error::policy(format!("policy {} is not valid UTF-8", path.display()))
            .with_help("save the policy file as UTF-8")
    })?;
    let shown = match root.and_then(|r| path.strip_prefix(r).ok()) {
        Some(rel) => rel.display().to_string(),
        None => path.display().to_string(),
    };
    Ok((text, Origin::File { path: shown }))
}

/// Renders diagnostics (warnings) of `policy`'s text with miette, one after the other.
pub fn render_diagnostics(policy: &Policy, diags: &[PolicyDiagnostic]) -> String {
    let theme = if use_color(&std::io::stderr()) {
        miette::GraphicalTheme::unicode()
    } else {
        miette::GraphicalTheme::unicode_nocolor()
    };
    let handler = miette::GraphicalReportHandler::new_themed(theme);
    let source = Arc::new(
        NamedSource::new(
            neutralize(&policy.source.name()),
            neutralize(&policy.source.text).into_owned(),
        )
        .with_language("yaml"),
    );
    let mut out = String::new();
    for d in diags {
        let mut d = d.clone();
        d.neutralize();
        let _ = handler.render_report(
            &mut out,
            &WithSource {
                diag: &d,
                source: &source,
            },
        );
    }
    out
}

fn check(cwd: &Path, explicit: Option<&Path>) -> Result<u8> {
    let repo = git::open(cwd).ok();
    let root = repo
        .as_ref()
        .and_then(|r| r.workdir().map(Path::to_path_buf));
    let (text, origin) = policy_text(root.as_deref(), explicit)?;
    let (mut policy, mut warnings) = load_with_warnings(&text, origin).map_err(policy_failed)?;
    // The allowed-signers file the policy names must exist and parse (exit 2 otherwise).
    crate::commands::load_signers(repo.as_ref(), &mut policy, root.as_deref())?;
    match repo.as_ref().map(|r| git::tree_paths_at(r, "HEAD")) {
        Some(Ok(paths)) => warnings.extend(lint::unmatched_rules(&policy, &paths, "HEAD's tree")),
        Some(Err(_)) => note("no commit yet: rules are not checked against the repository's files"),
        None => note("not in a git repository: rules are not checked against files"),
    }
    warnings.sort_by_key(|d| d.span.map(|s| (s.offset, s.len)));
    if !warnings.is_empty() {
        eprint!("{}", render_diagnostics(&policy, &warnings));
    }
    print_text(&format!(
        "policy {} is valid: {} tier(s), {} rule(s), {} waiver(s); {} warning(s)\n",
        policy.source.name(),
        policy.tiers.len(),
        policy.rules.len(),
        policy.waivers.len(),
        warnings.len()
    ))?;
    Ok(0)
}

fn diff_cmd(cwd: &Path, rev: &str, explicit: Option<&Path>, format: ExplainFormat) -> Result<u8> {
    let repo = git::open(cwd)?;
    let root = repo.workdir().map(Path::to_path_buf);
    let (text, origin) = policy_text(root.as_deref(), explicit)?;
    let current_path = match &origin {
        Origin::File { path } => Some(path.clone()),
        _ => None,
    };
    let new = load(&text, origin).map_err(policy_failed)?;
    let commit = git::resolve_commit(&repo, rev)?.to_string();
    let mut candidates: Vec<String> = current_path
        .into_iter()
        .filter(|p| !Path::new(p).is_absolute())
        .collect();
    candidates.extend(DISCOVERY.iter().map(|s| s.to_string()));
    let names: Vec<&str> = candidates.iter().map(String::as_str).collect();
    let old = match crate::commands::policy_text_at(&repo, &commit, &names)? {
        Some((path, t)) => load(
            &t,
            Origin::Commit {
                path,
                commit: commit.clone(),
            },
        )
        .map_err(policy_failed)?,
        None => {
            note(&format!(
                "{rev} has no policy file; comparing with the embedded default policy"
            ));
            crate::policy::default_policy()
        }
    };
    let tree = git::tree_paths_at(&repo, "HEAD").unwrap_or_default();
    let paths = diff::comparison_paths(&old, &new, &tree);
    let d = diff::compare(&old, &new, &paths);
    let text = match format {
        ExplainFormat::Json => {
            let mut s = serde_json::to_string_pretty(&d)
                .map_err(|e| Error::output(format!("cannot serialise the diff: {e}")))?;
            s.push('\n');
            s
        }
        ExplainFormat::Human => diff::render(&d, &old.source.name(), &new.source.name()),
    };
    match format {
        ExplainFormat::Human => print_text(&text)?,
        ExplainFormat::Json => print_stdout(&text)?,
    }
    Ok(u8::from(d.weakens))
}
