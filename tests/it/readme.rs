//! The README's promises, checked: the policy example loads, every finding code is listed,
//! and `.ci/run` calls the README's test command.

use countersign::findings::Code;
use countersign::policy::Origin;

const README: &str = include_str!("../../README.md");

/// The first ```yaml block after `marker`.
fn yaml_block_after(marker: &str) -> &'static str {
    let at = README.find(marker).expect("marker in README");
    let rest = &README[at..];
    let start = rest.find("```yaml\n").expect("yaml block") + "```yaml\n".len();
    let end = rest[start..].find("```").expect("closing fence");
    &rest[start..start + end]
}

#[test]
fn readme_policy_example_is_a_valid_policy() {
    let text = yaml_block_after("A complete example");
    let policy = countersign::policy::load::load(
        text,
        Origin::File {
            path: "README.md".into(),
        },
    )
    .unwrap_or_else(|e| panic!("README example does not load:\n{}", e.render_plain()));
    assert_eq!(policy.tiers.len(), 5);
    assert_eq!(policy.waivers.len(), 1);
    assert!(policy.rules.iter().any(|r| r.name == "payments"));
}

#[test]
fn readme_lists_every_finding_code() {
    for code in Code::ALL {
        assert!(
            README.contains(&format!("| `{}` |", code.as_str())),
            "README finding-code table lacks {code}"
        );
    }
}

#[test]
fn ci_runs_the_readme_test_command() {
    let ci = include_str!("../../.ci/run");
    assert!(README.contains("cargo test\n"), "README names `cargo test`");
    assert!(
        ci.contains("cargo test"),
        ".ci/run must run the README's test command"
    );
    assert!(
        ci.contains("cargo clippy --all-targets"),
        ".ci/run must run clippy"
    );
    assert!(
        ci.contains("cargo fmt --all -- --check"),
        ".ci/run must check formatting"
    );
}
