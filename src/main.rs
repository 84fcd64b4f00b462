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
        fault_injection();
        countersign::commands::run(cli)
    }) {
        Ok(Ok(code)) => ExitCode::from(code),
        Ok(Err(e)) => {
            // Error messages quote input (ref names, event fields, policy values): neutralised.
            use countersign::message::unicode::neutralize;
            eprintln!("error[{}]: {}", e.kind.as_str(), neutralize(&e.message));
            if let Some(help) = &e.help {
                eprintln!("  help: {}", neutralize(help));
            }
            ExitCode::from(2)
        }
        Err(_) => ExitCode::from(2),
    }
}

/// Debug builds only: `COUNTERSIGN_FAULT_INJECT=panic` panics inside the run, so the test
/// suite can prove that a crash ends with exit 2 (threats.md AT-K02). Release builds have no
/// such switch, and it can only make a run fail, never pass.
fn fault_injection() {
    #[cfg(debug_assertions)]
    if std::env::var_os("COUNTERSIGN_FAULT_INJECT").is_some_and(|v| v == "panic") {
        panic!("fault injection (COUNTERSIGN_FAULT_INJECT=panic)");
    }
}
