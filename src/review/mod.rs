//! Signed reviews: evidence nobody can forge, stored in git itself.
//!
//! A reviewer runs `countersign review`: for each commit it builds a [`statement::Statement`]
//! (`countersign/review/v1`, canonical JSON bytes), signs those exact bytes with their SSH key
//! through `ssh-keygen -Y sign -n countersign-review` ([`sign`], the only I/O of this module,
//! so ssh-agent and FIDO keys work) and stores one line per review in the git note of the
//! commit under `refs/notes/countersign` ([`note`]: one line per review, so git's
//! `cat_sort_uniq` notes merge is a lossless union).
//!
//! Verification is pure and in-process ([`sshsig`], the `ssh-key` crate): the signature must
//! verify over the exact statement bytes in the namespace [`NAMESPACE`]. Which keys speak for
//! whom is the policy's business (team members' `ssh_keys`, or a file in git's
//! allowed-signers format, parsed by [`signers`]); the evaluator puts it together.

pub mod note;
pub mod pattern;
pub mod sign;
pub mod signers;
pub mod sshsig;
pub mod statement;

/// The SSHSIG namespace of every review signature (`ssh-keygen -Y sign -n …`). A signature
/// made for git commits (`git`) or files (`file`) never counts as a review.
pub const NAMESPACE: &str = "countersign-review";

/// The git notes ref that holds signed reviews.
pub const NOTES_REF: &str = "refs/notes/countersign";
