//! `countersign completions SHELL` and `countersign man`: shell completion scripts and man
//! pages, generated from the command-line definition itself so they cannot drift from it.
//! The release archives ship both (`.github/workflows/release.yml`).

use std::path::Path;

use clap::CommandFactory;

use crate::cli::{Cli, CompletionsArgs, ManArgs};
use crate::{Error, Result};

/// Prints the completion script for `args.shell`.
pub fn completions(args: &CompletionsArgs) -> Result<u8> {
    let mut cmd = Cli::command();
    super::write_stdout(|w| {
        clap_complete::generate(args.shell, &mut cmd, "countersign", w);
        Ok(())
    })?;
    Ok(0)
}

/// Prints `countersign.1`, or writes every page into `--dir` (relative to `-C`).
pub fn man(cwd: &Path, args: &ManArgs) -> Result<u8> {
    let cmd = Cli::command();
    match &args.dir {
        None => super::write_stdout(|w| clap_mangen::Man::new(cmd).render(w))?,
        Some(dir) => {
            let dir = cwd.join(dir);
            clap_mangen::generate_to(cmd, &dir).map_err(|e| {
                Error::output(format!("cannot write man pages to {}: {e}", dir.display()))
                    .with_help("give `--dir` an existing, writable directory")
            })?;
        }
    }
    Ok(0)
}
