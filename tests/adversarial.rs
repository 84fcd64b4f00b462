//! The adversarial suite: one test per case of `reference/threats.md` §6 that can be decided
//! from git data, hook input, event files and review/approval files. Test names carry the case
//! ID (`at_t01_…`). Cases that need a live platform or ticket system are listed in the README
//! ("Hardening") with what countersign does instead.

mod support;

#[path = "adversarial/common.rs"]
mod common;

#[path = "adversarial/at_t.rs"]
mod at_t;

#[path = "adversarial/at_i.rs"]
mod at_i;

#[path = "adversarial/at_m.rs"]
mod at_m;

#[path = "adversarial/at_h.rs"]
mod at_h;

#[path = "adversarial/at_r.rs"]
mod at_r;

#[path = "adversarial/at_p.rs"]
mod at_p;

#[path = "adversarial/at_c.rs"]
mod at_c;

#[path = "adversarial/at_k.rs"]
mod at_k;

#[path = "adversarial/at_d.rs"]
mod at_d;
#[path = "adversarial/evidence_input.rs"]
mod evidence_input;
#[path = "adversarial/git_truth.rs"]
mod git_truth;
#[path = "adversarial/paths_reqs.rs"]
mod paths_reqs;
#[path = "adversarial/protect.rs"]
mod protect;
#[path = "adversarial/signed_review.rs"]
mod signed_review;
