//! §6 "Paths": AT-P01 … AT-P12 (AT-P11, a million paths, lives in `tests/it/limits.rs`).
//!
//! Every case is a human commit without AI markers and without evidence: under the baseline
//! only the `auth` tier (`applies_to: all`) asks for evidence then, so DENY proves the path
//! was classified as risky.

use crate::adversarial::common::*;

/// Asserts DENY with tier `auth` for HEAD.
fn assert_risky(r: &mut TestRepo) {
    let out = check_approved(r);
    out.assert_deny("missing-reviewer");
    assert_eq!(out.json()["commits"][0]["tier"], "auth", "{}", out.stdout);
}

#[test]
fn at_p01_rename_out_of_risky_dir_is_risky() {
    let mut r = baseline();
    r.git(&["mv", "src/auth/login.rs", "docs/login.rs"]);
    r.git(&["commit", "-q", "-m", "Move login to docs"]);
    assert_risky(&mut r);
}

#[test]
fn at_p02_rename_with_rewrite_is_risky() {
    let mut r = baseline();
    r.git(&["mv", "src/auth/login.rs", "src/login2.rs"]);
    r.write(
        "src/login2.rs",
        "completely different content\nline 2\nline 3\n",
    );
    r.git(&["add", "-A"]);
    r.git(&["commit", "-q", "-m", "Rewrite login"]);
    assert_risky(&mut r);
}

#[test]
fn at_p03_case_variant_path_is_risky() {
    let mut r = baseline();
    r.commit_files("Add login", &[("SRC/Auth/Login.rs", "fn l() {}\n")]);
    assert_risky(&mut r);
}

#[test]
fn at_p04_non_ascii_path_is_risky_with_quote_path_on() {
    let mut r = baseline();
    r.git(&["config", "core.quotePath", "true"]);
    r.commit_files("Add cafe", &[("src/auth/caf\u{e9}.rs", "fn c() {}\n")]);
    assert_risky(&mut r);
}

#[test]
fn at_p05_ignorable_code_point_in_risky_dir_is_risky() {
    // `src/au<ZWNJ>th/x.rs` renders as `src/auth/x.rs`. (No separate SUSPICIOUS_PATH code: the
    // path is classified as if the invisible character were not there.)
    let mut r = baseline();
    r.commit_files("Add x", &[("src/au\u{200c}th/x.rs", "fn x() {}\n")]);
    assert_risky(&mut r);
}

#[cfg(unix)]
#[test]
fn at_p06_new_symlink_in_risky_dir_is_risky() {
    let mut r = baseline();
    r.write("misc/impl.rs", "fn i() {}\n");
    r.git(&["add", "-A"]);
    r.git(&["commit", "-q", "-m", "Add misc"]);
    r.symlink("../../misc/impl.rs", "src/auth/impl.rs");
    r.git(&["add", "-A"]);
    r.git(&["commit", "-q", "-m", "Link impl"]);
    assert_risky(&mut r);
}

#[test]
fn at_p07_gitlink_bump_under_risky_dir_is_risky() {
    let mut r = baseline();
    r.add_gitlink(
        "src/auth/vendor",
        "1111111111111111111111111111111111111111",
    );
    r.git(&["commit", "-q", "-m", "Add vendor"]);
    check_approved(&mut r).assert_deny("missing-reviewer");
    r.add_gitlink(
        "src/auth/vendor",
        "2222222222222222222222222222222222222222",
    );
    r.git(&["commit", "-q", "-m", "Bump vendor"]);
    assert_risky(&mut r);
}

#[test]
fn at_p07_gitmodules_url_change_is_risky() {
    // `.gitmodules` decides where submodule content comes from: it is a protected path
    // (at least the highest tier), like the policy file and CI configuration.
    let mut r = baseline();
    r.commit_files(
        "Add submodule config",
        &[(
            ".gitmodules",
            "[submodule \"v\"]\n\tpath = v\n\turl = https://a.example/v\n",
        )],
    );
    r.commit_files(
        "Point submodule elsewhere",
        &[(
            ".gitmodules",
            "[submodule \"v\"]\n\tpath = v\n\turl = https://evil.example/v\n",
        )],
    );
    assert_risky(&mut r);
}

#[test]
fn at_p08_deletion_in_risky_dir_is_risky() {
    let mut r = baseline();
    r.rm("src/auth/mfa.rs");
    r.git(&["commit", "-q", "-m", "Drop MFA"]);
    assert_risky(&mut r);
}

#[test]
fn at_p09_mode_change_on_risky_file_is_risky() {
    let mut r = baseline();
    r.git(&["update-index", "--chmod=+x", "src/auth/login.rs"]);
    r.git(&["commit", "-q", "-m", "Make executable"]);
    let out = check_approved(&mut r);
    out.assert_deny("missing-reviewer");
    assert_eq!(out.json()["commits"][0]["tier"], "auth");
}

#[cfg(unix)]
#[test]
fn at_p10_newline_in_file_name_is_parsed() {
    let mut r = baseline();
    r.commit_files("Add odd name", &[("src/auth/a\nb.rs", "fn ab() {}\n")]);
    assert_risky(&mut r);
}

#[test]
fn at_p12_single_star_does_not_cross_directories() {
    // Documented glob semantics: `*` never matches `/` (literal_separator), so `src/auth/*`
    // does not cover `src/auth/sub/x.rs`; `src/auth/**` does.
    let mut r = baseline();
    let policy = POLICY.replace("src/auth/**", "src/auth/*");
    r.commit_files("Narrow rule", &[(".countersign.yml", &policy)]);
    r.commit_files("Add nested", &[("src/auth/sub/x.rs", "fn x() {}\n")]);
    let out = check_approved(&mut r);
    out.assert_pass();
    assert_eq!(out.json()["commits"][0]["tier"], "standard");
    r.commit_files("Add direct", &[("src/auth/y.rs", "fn y() {}\n")]);
    assert_risky(&mut r);
}
