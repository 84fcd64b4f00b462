//! Benchmark helper: a signed review for every commit of a repository, as a `git fast-import`
//! stream of one commit on `refs/notes/countersign` (fast-import lays the notes out with
//! git's fan-out).
//!
//! `sign_notes REPO > stream && git --git-dir=REPO fast-import < stream`
//!
//! The reviewer is `Bench Reviewer <bench-reviewer@example.com>` with a deterministic ed25519
//! key (seed 7); `sign_notes --public-key` prints its public key for the policy
//! (`bench/history.sh` writes `bench/out/policy-signed.yml` with it). Signing is in-process
//! (ssh-key), the same SSHSIG `ssh-keygen -Y sign -n countersign-review` makes.

use std::io::Write;
use std::process::ExitCode;

use countersign::review::note;
use countersign::review::statement::{APPROVE, Reviewer, SCHEMA, Statement};
use ssh_key::private::Ed25519Keypair;
use ssh_key::{HashAlg, LineEnding, PrivateKey, SshSig};

fn key() -> PrivateKey {
    PrivateKey::from(Ed25519Keypair::from_seed(&[7; 32]))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--public-key") {
        match key().public_key().to_openssh() {
            Ok(k) => {
                println!("{k}");
                return ExitCode::SUCCESS;
            }
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        }
    }
    let repo = args.first().map_or(".", String::as_str);
    match run(repo) {
        Ok(n) => {
            eprintln!("signed reviews: {n}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn run(path: &str) -> Result<usize, Box<dyn std::error::Error>> {
    let repo = git2::Repository::open(path)?;
    let mut walk = repo.revwalk()?;
    for r in repo.references()? {
        let r = r?;
        if r.name_bytes().starts_with(b"refs/notes/") {
            continue;
        }
        if let Ok(c) = r.peel_to_commit() {
            walk.push(c.id())?;
        }
    }
    let key = key();
    let out = std::io::stdout();
    let mut out = std::io::BufWriter::new(out.lock());
    writeln!(out, "commit refs/notes/countersign")?;
    writeln!(
        out,
        "committer Bench Reviewer <bench-reviewer@example.com> 1700000000 +0000"
    )?;
    let msg = b"Signed reviews (benchmark)\n";
    writeln!(out, "data {}", msg.len())?;
    out.write_all(msg)?;
    let mut n = 0usize;
    for oid in walk {
        let c = repo.find_commit(oid?)?;
        let s = Statement {
            schema: SCHEMA.into(),
            commit: c.id().to_string(),
            tree: c.tree_id().to_string(),
            parents: c.parent_ids().map(|p| p.to_string()).collect(),
            patch_id: None,
            reviewer: Reviewer {
                name: "Bench Reviewer".into(),
                email: "bench-reviewer@example.com".into(),
            },
            verdict: APPROVE.into(),
            time: 1_700_000_000,
            tool: "countersign bench".into(),
            comment: None,
        };
        let bytes = s.to_bytes();
        let sig = SshSig::sign(
            &key,
            countersign::review::NAMESPACE,
            HashAlg::Sha512,
            &bytes,
        )?
        .to_pem(LineEnding::LF)?;
        let line = note::line(&sig, &bytes)?;
        writeln!(out, "N inline {}", c.id())?;
        writeln!(out, "data {}", line.len())?;
        out.write_all(&line)?;
        n += 1;
    }
    out.flush()?;
    Ok(n)
}
