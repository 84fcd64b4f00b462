//! Command-line parsing (clap derive). Parsing only, no I/O.
