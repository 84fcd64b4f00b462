//! Signing: the one I/O step of `review/`. Runs `ssh-keygen -Y sign -n countersign-review
//! -f KEY` (no shell; the statement on stdin, the armored signature on stdout), so every key
//! `ssh-keygen` can use works: a private key file, a public key whose private half is in
//! ssh-agent, a FIDO (`sk-`) key that asks for a touch.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use super::NAMESPACE;
use crate::{Error, Result};

/// The longest a signing step may print, in bytes.
const MAX_OUTPUT: usize = 64 * 1024;

/// Signs `message` with the key at `key_file` (private key, or public key with the private
/// half in ssh-agent). Returns the armored signature.
pub fn sign(key_file: &Path, message: &[u8]) -> Result<String> {
    let mut child = Command::new("ssh-keygen")
        .args(["-q", "-Y", "sign", "-n", NAMESPACE, "-f"])
        .arg(key_file)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| {
            Error::usage(format!("cannot run ssh-keygen to sign the review: {e}"))
                .with_help("install OpenSSH's ssh-keygen (8.2 or later) and put it on PATH")
        })?;
    let written = child
        .stdin
        .take()
        .map(|mut stdin| stdin.write_all(message))
        .unwrap_or(Ok(()));
    let out = child.wait_with_output().map_err(|e| {
        Error::usage(format!("ssh-keygen did not finish: {e}"))
            .with_help("check the key and ssh-agent")
    })?;
    if !out.status.success() || written.is_err() {
        return Err(Error::usage(format!(
            "ssh-keygen -Y sign failed with the key {} ({})",
            key_file.display(),
            out.status
        ))
        .with_help(
            "pass a private key, or a public key whose private half is loaded in ssh-agent, with --key FILE or `git config user.signingKey`",
        ));
    }
    if out.stdout.len() > MAX_OUTPUT {
        return Err(Error::usage("ssh-keygen printed an oversized signature"));
    }
    let text = String::from_utf8(out.stdout)
        .map_err(|_| Error::usage("ssh-keygen printed a signature that is not text"))?;
    if super::note::dearmor(&text).is_none() {
        return Err(Error::usage(
            "ssh-keygen did not print an armored SSH signature",
        ));
    }
    Ok(text)
}
