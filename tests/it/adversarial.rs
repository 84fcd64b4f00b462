//! The adversarial suite: one test per case of `reference/threats.md` §6 that can be decided
//! from git data, hook input, event files and review/approval files. Test names carry the case
//! ID (`at_t01_…`). Cases that need a live platform or ticket system are listed in the README
//! ("Hardening") with what countersign does instead.

mod common;

mod at_t;

mod at_i;

mod at_m;

mod at_h;

mod at_r;

mod at_p;

mod at_c;

mod at_k;

mod at_d;
mod evidence_input;
mod git_truth;
mod paths_reqs;
mod protect;
mod signed_review;
