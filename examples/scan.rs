//! Benchmark driver: resolve a range and scan it, glob-matching every changed path.
//!
//! `scan REPO [--all | RANGE] [--pairs]` prints `commits=N pairs=M matched=K
//! non_merge_pairs=L` on stderr; with `--pairs`, every `<commit>\t<path>` pair on stdout
//! (for checking against git).

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use countersign::git::{self, Limits, RangeSpec};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let repo_path = args.first().map_or(".", String::as_str);
    let pairs = args.iter().any(|a| a == "--pairs");
    let spec = match args.iter().skip(1).find(|a| *a != "--pairs") {
        Some(a) if a == "--all" => RangeSpec::All,
        Some(a) => RangeSpec::Expr(a.clone()),
        None => RangeSpec::Default,
    };
    match run(Path::new(repo_path), &spec, pairs) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", e.message);
            if let Some(h) = e.help {
                eprintln!("help: {h}");
            }
            ExitCode::from(2)
        }
    }
}

fn run(path: &Path, spec: &RangeSpec, pairs: bool) -> countersign::Result<()> {
    let mut b = globset::GlobSetBuilder::new();
    for g in [
        "docs/**",
        "**/*.md",
        "src/**",
        "migrations/**",
        "infra/**",
        "**/*.yml",
        ".github/**",
        "vendor/**",
    ] {
        let glob = globset::GlobBuilder::new(g)
            .literal_separator(true)
            .case_insensitive(true)
            .build()
            .map_err(|e| countersign::Error::usage(e.to_string()))?;
        b.add(glob);
    }
    let set = b
        .build()
        .map_err(|e| countersign::Error::usage(e.to_string()))?;
    let repo = git::open(path)?;
    let t0 = std::time::Instant::now();
    let range = git::resolve(&repo, spec, None)?;
    let walked = t0.elapsed();
    eprintln!("range: {}", range.info.description);
    let results = git::scan(
        &repo,
        &range.commits,
        &range.base,
        &Limits::default(),
        |f| {
            let matched = f.paths.iter().filter(|p| set.is_match(&p.path)).count();
            let listed = if pairs {
                f.paths
                    .iter()
                    .map(|p| format!("{}\t{}\n", f.id, p.path))
                    .collect::<String>()
            } else {
                String::new()
            };
            (f.paths.len(), matched, f.is_merge(), listed)
        },
    )?;
    let (mut n, mut m, mut single) = (0usize, 0usize, 0usize);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for (paths, matched, merge, listed) in &results {
        n += paths;
        m += matched;
        if !merge {
            single += paths;
        }
        if pairs {
            let _ = out.write_all(listed.as_bytes());
        }
    }
    let _ = out.flush();
    eprintln!(
        "commits={} pairs={n} matched={m} non_merge_pairs={single}",
        results.len()
    );
    eprintln!(
        "walk={:.2}s scan={:.2}s",
        walked.as_secs_f64(),
        (t0.elapsed() - walked).as_secs_f64()
    );
    Ok(())
}
