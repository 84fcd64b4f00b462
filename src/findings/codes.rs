//! Finding codes: stable names, severities and the documentation `explain CODE` prints.
//!
//! A code's name never changes once shipped; reports, SARIF rule ids, waivers and CI
//! annotations all refer to it.

use serde::{Deserialize, Serialize};

crate::names::named_enum! {
/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Severity {
    /// Informational; never changes the verdict.
    Warning = "warning",
    /// Fails the verdict unless waived.
    Error = "error",
}
}

/// Documentation of one code: what it means, why it matters, how to fix it, an example.
#[derive(Debug, Clone, Copy)]
pub struct CodeDoc {
    /// One line: what the finding means.
    pub summary: &'static str,
    /// Why it matters.
    pub why: &'static str,
    /// How to fix it.
    pub fix: &'static str,
    /// An example that triggers it.
    pub example: &'static str,
}

macro_rules! codes {
    ($( $(#[$m:meta])* $variant:ident = $name:literal, $sev:ident, { $summary:literal, $why:literal, $fix:literal, $example:literal } ;)*) => {
        /// A stable finding code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        pub enum Code {
            $( $(#[$m])* #[serde(rename = $name)] $variant, )*
        }

        impl Code {
            /// Every code, in documentation order.
            pub const ALL: &'static [Code] = &[$(Code::$variant),*];

            /// The stable kebab-case name.
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $name,)* }
            }

            /// The default severity.
            pub fn severity(self) -> Severity {
                match self { $(Code::$variant => Severity::$sev,)* }
            }

            /// The documentation `explain CODE` prints.
            pub fn doc(self) -> CodeDoc {
                match self { $(Code::$variant => CodeDoc { summary: $summary, why: $why, fix: $fix, example: $example },)* }
            }

            /// Parses a code name.
            pub fn parse(s: &str) -> Option<Code> {
                match s { $($name => Some(Code::$variant),)* _ => None }
            }
        }
    };
}

codes! {
    /// AI involvement on a path whose tier forbids AI.
    AiForbidden = "ai-forbidden", Error, {
        "An AI-involved change touches a path whose tier has `ai: forbidden`.",
        "Some code (cryptography, licensing-sensitive or safety-critical paths) must be written by people; the policy says AI output may not land there at all.",
        "Rewrite the change without AI help and drop the AI markers only if that is true, or move the change out of the forbidden paths. A waiver in the policy can grant a named, expiring exception.",
        "A commit with `Co-authored-by: Claude <noreply@anthropic.com>` that edits `src/crypto/aes.rs` under a `restricted` tier with `ai: forbidden`."
    };
    /// Fewer valid named reviewers than required.
    MissingReviewer = "missing-reviewer", Error, {
        "The change has fewer valid named human reviewers than its tier requires.",
        "A named human must answer for AI-assisted work; review depth follows the risk of the paths touched.",
        "Have a reviewer who is not the author look at the change, then add their trailer: `git commit --amend --trailer \"Reviewed-by: Name <email>\"`. Each rejected reviewer is listed with the reason it did not count.",
        "An AI-assisted commit to `src/payments/charge.rs` (tier `high`, 2 reviewers) with a single `Reviewed-by:` trailer."
    };
    /// A change record is required and none is valid.
    MissingChangeRecord = "missing-change-record", Error, {
        "The tier requires a linked change record and no valid one was found.",
        "High-risk changes must be traceable to an approved change (a ticket, a change request) so an auditor can follow the decision.",
        "Add a change-record trailer whose value matches one of the policy's formats: `git commit --amend --trailer \"Change-Record: CHG0012345\"`.",
        "A commit to `migrations/0042.sql` (tier `high`, `change_record: true`) without a `Change-Record:` or `Refs:` trailer."
    };
    /// The tier requires a declaration and none is present.
    MissingDeclaration = "missing-declaration", Error, {
        "The tier requires an explicit AI declaration (`AI-Assisted: yes|no`) and the commit has none.",
        "AI markers are voluntary and can be switched off; for some paths the policy asks every author to state AI involvement either way.",
        "Add the declaration to the trailer block: `git commit --amend --trailer \"AI-Assisted: no\"` (or `yes`).",
        "A commit to a tier with `declaration: true` whose trailer block has no `AI-Assisted:` trailer."
    };
    /// A waiver would apply but has expired.
    WaiverExpired = "waiver-expired", Error, {
        "A waiver in the policy would cover this finding but its expiry date has passed.",
        "Exceptions must end; an expired waiver no longer excuses anything.",
        "Provide the evidence the finding asks for, or have the waiver renewed (new `expires:`, re-approved) in the policy on the base branch.",
        "Waiver `W-2026-001` with `expires: 2026-01-31`, evaluated on 2026-02-01."
    };
    /// An AI marker line sits outside git's trailer block.
    MarkerOutsideTrailers = "marker-outside-trailers", Warning, {
        "An AI marker line (e.g. `Co-Authored-By: Claude …`, `Assisted-by:`) is in the message but not in git's trailer block.",
        "git and GitHub only see trailers in the final paragraph; a marker elsewhere is still counted by countersign, but other tools will miss it. One warning per commit lists every such line; footer lines (`🤖 Generated with …`) and the lines of a squash body never warn.",
        "Move the marker line into the final paragraph of the message, with the other trailers and no blank line between them.",
        "`Assisted-by: Claude` followed by a blank line and `Signed-off-by: Jane <jane@example.com>`."
    };
    /// A near miss of a trailer countersign reads.
    SuspiciousTrailer = "suspicious-trailer", Warning, {
        "A line looks like an evidence trailer but is not one (a misspelled key, a space instead of a hyphen, a look-alike character, or the wrong paragraph).",
        "The author probably meant to give evidence; countersign does not count it, and a reviewer might think it does.",
        "Write the key exactly (`Reviewed-by: Name <email>`) in the final paragraph of the message.",
        "`Reviewed by: Jane Doe <jane@example.com>` or `Reveiwed-by: Jane Doe <jane@example.com>`."
    };
    /// A rule matched no changed path in this run.
    UnusedRule = "unused-rule", Warning, {
        "A rule of the policy matched no changed path in this run.",
        "A rule that never matches may have a typo in its globs (e.g. `src/auth/*` where `src/auth/**` was meant).",
        "Check the rule's globs with `countersign explain --path PATH`; remove the rule if it is obsolete.",
        "A rule with `paths: [\"srv/auth/**\"]` in a repository whose code lives under `src/auth/`."
    };
    /// A waiver matched nothing in this run.
    UnusedWaiver = "unused-waiver", Warning, {
        "A waiver of the policy waived nothing in this run.",
        "Unused exceptions accumulate and hide real risk; remove them once they are no longer needed.",
        "Delete the waiver from the policy if the work it covered has landed.",
        "A waiver for commit `1a2b3c4d` when that commit is not in the checked range."
    };
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_names_are_stable() {
        let names: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(
            names,
            [
                "ai-forbidden",
                "missing-reviewer",
                "missing-change-record",
                "missing-declaration",
                "waiver-expired",
                "marker-outside-trailers",
                "suspicious-trailer",
                "unused-rule",
                "unused-waiver"
            ]
        );
        for c in Code::ALL {
            assert_eq!(Code::parse(c.as_str()), Some(*c));
            assert!(!c.doc().summary.is_empty() && !c.doc().fix.is_empty());
        }
    }
}
