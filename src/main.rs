//! The `countersign` binary: parse arguments, run, map the outcome to an exit code.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = countersign::cli::Cli::parse();
    // A panic must never look like a pass: catch it and exit 2 ("could not decide").
    std::panic::set_hook(Box::new(|info| {
        eprintln!("countersign: internal error: {info}");
        eprintln!("countersign: could not decide (exit 2); please report this as a bug");
    }));
    match std::panic::catch_unwind(|| {
        // Fault injection for the test suite (debug builds only): proves a panic exits 2.
        #[cfg(debug_assertions)]
        if std::env::var_os("COUNTERSIGN_DEBUG_PANIC").is_some() {
            panic!("injected panic (COUNTERSIGN_DEBUG_PANIC)");
        }
        countersign::commands::run(cli)
    }) {
        Ok(Ok(code)) => ExitCode::from(code),
        Ok(Err(e)) => {
            eprintln!("error[{}]: {}", e.kind.as_str(), e.message);
            if let Some(help) = &e.help {
                eprintln!("  help: {help}");
            }
            ExitCode::from(2)
        }
        Err(_) => ExitCode::from(2),
    }
}
