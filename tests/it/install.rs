//! What an installed countersign carries besides its checks: `--version` naming the commit
//! it was built from (build.rs), shell completions that shells really load, and man pages
//! that render with every subcommand.

use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_countersign");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn cs(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .output()
        .expect("run countersign")
}

fn stdout(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).expect("utf-8")
}

/// The top-level subcommands, from `--help` (so the tests follow the CLI as it grows).
fn subcommands() -> Vec<String> {
    let help = stdout(&cs(&["--help"]));
    let list = help
        .split("Commands:")
        .nth(1)
        .expect("a Commands: section")
        .split("Options:")
        .next()
        .unwrap_or_default();
    let names: Vec<String> = list
        .lines()
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|n| *n != "help")
        .map(str::to_string)
        .collect();
    for expected in ["check", "ci", "hook", "completions", "man"] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} in {names:?}"
        );
    }
    names
}

#[test]
fn version_names_the_commit_when_built_from_a_git_checkout() {
    let v = stdout(&cs(&["--version"]));
    let pkg = env!("CARGO_PKG_VERSION");
    let head = Command::new("git")
        .args(["-C", ROOT, "rev-parse", "--show-toplevel", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned());
    let is_checkout = head.as_ref().is_some_and(|h| {
        h.lines()
            .next()
            .map(Path::new)
            .and_then(|p| p.canonicalize().ok())
            == Path::new(ROOT).canonicalize().ok()
    });
    if is_checkout {
        let head = head.unwrap_or_default();
        let commit = head.lines().nth(1).unwrap_or_default();
        assert_eq!(
            v.trim(),
            format!("countersign {pkg} (commit {})", &commit[..12]),
            "built from this checkout's HEAD"
        );
    } else {
        // The published crate without .cargo_vcs_info.json, or git absent: version alone.
        assert!(v.trim().starts_with(&format!("countersign {pkg}")), "{v}");
    }
}

#[test]
fn bash_loads_the_completion_script_and_completes_subcommands() {
    let script = stdout(&cs(&["completions", "bash"]));
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("countersign.bash");
    std::fs::write(&file, script).expect("write");
    // Load it as a user's shell does, then ask what `countersign ch<TAB>` and
    // `countersign hook <TAB>` complete to.
    let probe = r#"
source "$1" || exit 3
complete -p countersign || exit 4
complete_words() {
  COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); COMPREPLY=()
  _countersign countersign "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
  printf '%s\n' "${COMPREPLY[@]}"
}
echo '--- ch'; complete_words countersign ch
echo '--- hook'; complete_words countersign hook ''
echo '--- completions'; complete_words countersign completions ''
"#;
    let out = Command::new("bash")
        .args(["--noprofile", "--norc", "-c", probe, "probe"])
        .arg(&file)
        .output()
        .expect("bash");
    let text = stdout(&out);
    let registered = text.lines().next().unwrap_or_default();
    assert!(
        registered.starts_with("complete ") && registered.ends_with(" countersign"),
        "`complete -p countersign` shows the registration: {text}"
    );
    assert!(registered.contains("-F _countersign"), "{registered}");
    let section = |name: &str| -> Vec<String> {
        text.split(&format!("--- {name}\n"))
            .nth(1)
            .unwrap_or_default()
            .split("---")
            .next()
            .unwrap_or_default()
            .split_whitespace()
            .map(str::to_string)
            .collect()
    };
    assert_eq!(section("ch"), vec!["check"], "{text}");
    let hook = section("hook");
    for h in [
        "commit-msg",
        "pre-push",
        "pre-receive",
        "install",
        "uninstall",
    ] {
        assert!(hook.iter().any(|w| w == h), "{h} in {hook:?}");
    }
    let shells = section("completions");
    for s in ["bash", "zsh", "fish", "powershell", "elvish"] {
        assert!(shells.iter().any(|w| w == s), "{s} in {shells:?}");
    }
}

#[test]
fn every_shell_gets_a_script_naming_every_subcommand() {
    let subs = subcommands();
    let marks = [
        ("bash", "complete -F _countersign"),
        ("zsh", "#compdef countersign"),
        ("fish", "complete -c countersign"),
        ("powershell", "Register-ArgumentCompleter"),
        ("elvish", "edit:completion:arg-completer[countersign]"),
    ];
    for (shell, mark) in marks {
        let script = stdout(&cs(&["completions", shell]));
        assert!(script.contains(mark), "{shell}: {mark}");
        for sub in &subs {
            assert!(script.contains(sub.as_str()), "{shell} script names {sub}");
        }
    }
    // Syntax-checked by the shells themselves where they are installed.
    for (shell, args) in [("zsh", ["-n"]), ("fish", ["-n"])] {
        let script = stdout(&cs(&["completions", shell]));
        let dir = tempfile::tempdir().expect("tmp");
        let f = dir.path().join("script");
        std::fs::write(&f, script).expect("write");
        match Command::new(shell).args(args).arg(&f).output() {
            Ok(o) => assert!(
                o.status.success(),
                "{shell} -n: {}",
                String::from_utf8_lossy(&o.stderr)
            ),
            Err(_) => eprintln!("{shell} not installed: syntax check skipped"),
        }
    }
    let bad = cs(&["completions", "tcsh"]);
    assert_eq!(bad.status.code(), Some(2), "unknown shell is a usage error");
}

#[test]
fn man_page_lists_every_subcommand_and_renders() {
    let roff = stdout(&cs(&["man"]));
    assert!(roff.contains(".TH countersign 1"), "{roff}");
    let subs_section = roff
        .split(".SH SUBCOMMANDS")
        .nth(1)
        .expect("a SUBCOMMANDS section");
    for sub in subcommands() {
        let escaped = format!("countersign\\-{}(1)", sub.replace('-', "\\-"));
        assert!(subs_section.contains(&escaped), "{escaped}");
    }
    // Rendered by groff, as `man` would (where groff is installed).
    let dir = tempfile::tempdir().expect("tmp");
    let page = dir.path().join("countersign.1");
    std::fs::write(&page, &roff).expect("write");
    match Command::new("groff")
        .args(["-man", "-Tascii", "-P", "-cbou"])
        .arg(&page)
        .output()
    {
        Ok(o) if o.status.success() => {
            let text = String::from_utf8_lossy(&o.stdout);
            assert!(text.contains("SUBCOMMANDS"), "{text}");
            assert!(text.contains("countersign-check(1)"), "{text}");
            assert!(text.contains("countersign-completions(1)"), "{text}");
        }
        _ => eprintln!("groff not installed: rendering skipped"),
    }
    // --dir writes one page per command, nested ones included.
    let out = dir.path().join("man");
    std::fs::create_dir(&out).expect("mkdir");
    stdout(&cs(&["man", "--dir", out.to_str().expect("utf-8 path")]));
    for page in [
        "countersign.1",
        "countersign-ci.1",
        "countersign-hook.1",
        "countersign-hook-pre-push.1",
        "countersign-policy-check.1",
    ] {
        let text = std::fs::read_to_string(out.join(page)).unwrap_or_default();
        assert!(text.contains(".TH "), "{page}");
    }
    let ci = std::fs::read_to_string(out.join("countersign-ci.1")).expect("ci page");
    assert!(
        ci.contains("pulls/NUMBER/reviews"),
        "the reviews endpoint prints whole"
    );
    let missing = cs(&["man", "--dir", "/nonexistent/countersign-man"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("help:"));
}

#[test]
fn ci_help_prints_the_reviews_endpoint_whole() {
    let help = stdout(&cs(&["ci", "--help"]));
    let flat = help.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("GET /repos/OWNER/REPO/pulls/NUMBER/reviews"),
        "{help}"
    );
}
