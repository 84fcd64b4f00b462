//! The subcommands: each turns arguments into facts, evaluates, and reports.
