//! The evidence log: JSON Lines, append-only, hash-chained.
//!
//! Every line is one [`EvidenceRecord`] with two chain fields and a seal:
//! - `seq`: its position (0, 1, 2 …);
//! - `prev`: `sha256:<hex>` of the previous line's bytes (without the newline), `null` first;
//! - `hash` (the last field): `sha256:<hex>` of the line's own JSON *without* the `hash` field,
//!   so an edit of the last record (which no later `prev` covers) is detected too.
//!
//! [`verify`] detects any edited, removed, inserted or reordered record. What a hash chain
//! cannot show on its own is the loss of records at the *end* (or a rewrite of the whole
//! file): keep the head hash that `audit verify` prints somewhere the writer cannot change
//! (a CI log, a ticket) and pass it back with `--expect-head`.
//!
//! Appending takes an exclusive advisory lock ([`File::lock`]) on the log while it reads the
//! last record and writes the new ones in one `write_all` on a file opened in append mode; it
//! never truncates. A file that is not a countersign log, or whose last record is damaged, is
//! left untouched and the run ends with exit 2.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::audit::record::{Chain, EvidenceRecord, Mode, SCHEMA};
use crate::evaluate::Report;
use crate::policy::Policy;
use crate::time;
use crate::{Error, Result};

/// The largest record `append` and `verify` accept (a commit with thousands of findings fits).
pub const MAX_RECORD_BYTES: u64 = 64 << 20;

/// Every line starts with this (the schema is the first field we write).
const PREFIX: &str = "{\"schema\":\"countersign/evidence/v1\"";

/// `sha256:<lowercase hex>` of `bytes`.
pub fn hash(bytes: &[u8]) -> String {
    let d = Sha256::digest(bytes);
    let mut s = String::with_capacity(7 + 64);
    s.push_str("sha256:");
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for b in d.iter() {
        s.push(char::from(HEX[usize::from(b >> 4)]));
        s.push(char::from(HEX[usize::from(b & 15)]));
    }
    s
}

/// Appends one record per commit of `report` (oldest first) to the log at `path`, creating
/// it when missing. Returns the number of records written.
pub fn append(path: &Path, report: &Report, policy: &Policy, mode: Mode) -> Result<usize> {
    let now = time::now();
    let records: Vec<EvidenceRecord<'_>> = report
        .commits
        .iter()
        .rev()
        .map(|c| EvidenceRecord::new(report, policy, c, mode, now.clone()))
        .collect();
    append_records(path, records)
}

/// Appends `records` (their chain fields are filled here) under an exclusive lock.
pub fn append_records(path: &Path, mut records: Vec<EvidenceRecord<'_>>) -> Result<usize> {
    if records.is_empty() {
        return Ok(0);
    }
    let shown = path.display();
    let mut file = OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .open(path)
        .map_err(|e| {
            Error::output(format!("cannot open the evidence log {shown}: {e}")).with_help(
                "check that the directory exists and is writable, or pass another --evidence-log PATH",
            )
        })?;
    let meta = file
        .metadata()
        .map_err(|e| Error::output(format!("cannot read the evidence log {shown}: {e}")))?;
    if !meta.is_file() {
        return Err(
            Error::output(format!("the evidence log {shown} is not a regular file"))
                .with_help("pass a file path to --evidence-log"),
        );
    }
    file.lock().map_err(|e| {
        Error::output(format!("cannot lock the evidence log {shown}: {e}"))
            .with_help("the log must be on a file system that supports advisory locks")
    })?;
    // Re-read the length under the lock: another run may have appended meanwhile.
    let len = file
        .metadata()
        .map_err(|e| Error::output(format!("cannot read the evidence log {shown}: {e}")))?
        .len();
    let (mut seq, mut prev) = if len == 0 {
        (0, None)
    } else {
        check_first_line(&mut file, path)?;
        let last = read_last_line(&mut file, len, path)?;
        let seq = last_seq(&last).ok_or_else(|| corrupted(path, "its last record is damaged"))?;
        (seq + 1, Some(hash(&last)))
    };
    let mut out = Vec::new();
    for r in &mut records {
        r.chain = Some(Chain {
            seq,
            prev: prev.take(),
        });
        let line = seal(r).map_err(|e| Error::output(format!("cannot encode a record: {e}")))?;
        prev = Some(hash(line.as_bytes()));
        seq += 1;
        out.extend_from_slice(line.as_bytes());
        out.push(b'\n');
    }
    file.write_all(&out)
        .and_then(|()| file.sync_data())
        .map_err(|e| {
            Error::output(format!("cannot append to the evidence log {shown}: {e}")).with_help(
                "check free space and permissions; `countersign audit verify` checks the log",
            )
        })?;
    // Dropping the file releases the lock.
    Ok(records.len())
}

/// Serialises a record and appends its own hash as the last field.
fn seal(r: &EvidenceRecord<'_>) -> serde_json::Result<String> {
    let mut body = serde_json::to_string(r)?;
    let h = hash(body.as_bytes());
    body.pop(); // the closing brace
    body.push_str(",\"hash\":\"");
    body.push_str(&h);
    body.push_str("\"}");
    Ok(body)
}

/// Checks a line's seal: `Some(true)` intact, `Some(false)` wrong hash, `None` no seal.
fn seal_ok(line: &[u8]) -> Option<bool> {
    const TAIL: usize = ",\"hash\":\"sha256:".len() + 64 + 2;
    let cut = line.len().checked_sub(TAIL)?;
    let (body, tail) = (line.get(..cut)?, line.get(cut..)?);
    let tail = std::str::from_utf8(tail).ok()?;
    let h = tail.strip_prefix(",\"hash\":\"")?.strip_suffix("\"}")?;
    let mut whole = body.to_vec();
    whole.push(b'}');
    Some(hash(&whole) == h)
}

fn corrupted(path: &Path, what: &str) -> Error {
    Error::input(format!("the evidence log {} is corrupted: {what}", path.display())).with_help(
        "run `countersign audit verify` on it; a broken chain is never extended — start a new log and keep the old one as evidence",
    )
}

fn not_ours(path: &Path) -> Error {
    Error::input(format!(
        "{} exists and is not a countersign evidence log",
        path.display()
    ))
    .with_help("pass a new file or an existing countersign log to --evidence-log; the file was left untouched")
}

/// The first line must start like one of our records.
fn check_first_line(file: &mut File, path: &Path) -> Result<()> {
    let mut head = vec![0u8; PREFIX.len()];
    file.seek(SeekFrom::Start(0))
        .and_then(|_| file.read_exact(&mut head))
        .map_err(|_| not_ours(path))?;
    if head != PREFIX.as_bytes() {
        return Err(not_ours(path));
    }
    Ok(())
}

/// The bytes of the last line (without its newline). The file must end with a newline.
fn read_last_line(file: &mut File, len: u64, path: &Path) -> Result<Vec<u8>> {
    let io = |e: std::io::Error| {
        Error::output(format!(
            "cannot read the evidence log {}: {e}",
            path.display()
        ))
    };
    let mut last = [0u8; 1];
    file.seek(SeekFrom::Start(len - 1)).map_err(io)?;
    file.read_exact(&mut last).map_err(io)?;
    if last[0] != b'\n' {
        return Err(corrupted(
            path,
            "its last record is incomplete (no final newline)",
        ));
    }
    let end = len - 1;
    let mut start = end;
    let mut tail: Vec<u8> = Vec::new();
    const CHUNK: u64 = 64 * 1024;
    while start > 0 {
        let from = start.saturating_sub(CHUNK);
        let mut buf = vec![0u8; usize::try_from(start - from).unwrap_or(0)];
        file.seek(SeekFrom::Start(from)).map_err(io)?;
        file.read_exact(&mut buf).map_err(io)?;
        if let Some(nl) = buf.iter().rposition(|&b| b == b'\n') {
            buf.drain(..=nl);
            buf.extend_from_slice(&tail);
            return Ok(buf);
        }
        buf.extend_from_slice(&tail);
        tail = buf;
        start = from;
        if end - start > MAX_RECORD_BYTES {
            return Err(corrupted(path, "its last record is larger than 64 MiB"));
        }
    }
    Ok(tail)
}

/// The `seq` of a sealed record line of ours, when it is one.
fn last_seq(line: &[u8]) -> Option<u64> {
    if seal_ok(line) != Some(true) {
        return None;
    }
    let v: serde_json::Value = serde_json::from_slice(line).ok()?;
    if v.get("schema")?.as_str()? != SCHEMA {
        return None;
    }
    v.get("seq")?.as_u64()
}

/// The outcome of [`verify`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verification {
    /// Every record is in place.
    Intact {
        /// Number of records.
        records: u64,
        /// Hash of the last line: keep it to detect later truncation.
        head: String,
    },
    /// The first bad line (1-based) and what is wrong with it.
    Broken {
        /// Line number.
        line: u64,
        /// What is wrong.
        reason: String,
    },
}

/// Verifies the whole chain of the log at `path`. `Err` (exit 2) when the file cannot be read
/// or is not a countersign evidence log at all. With `expect_head` (a hash an earlier
/// verification printed and someone kept), some record must still have that hash: records
/// appended since are fine, records lost at the end are not.
pub fn verify(path: &Path, expect_head: Option<&str>) -> Result<Verification> {
    let file = File::open(path).map_err(|e| {
        Error::input(format!("cannot read {}: {e}", path.display()))
            .with_help("check the path and its permissions")
    })?;
    let mut reader = BufReader::new(file);
    let mut buf = Vec::new();
    let mut n: u64 = 0;
    let mut prev: Option<String> = None;
    let mut anchor_seen = false;
    loop {
        buf.clear();
        let read = (&mut reader)
            .take(MAX_RECORD_BYTES + 1)
            .read_until(b'\n', &mut buf)
            .map_err(|e| Error::input(format!("cannot read {}: {e}", path.display())))?;
        if read == 0 {
            break;
        }
        n += 1;
        if n == 1 && !buf.starts_with(PREFIX.as_bytes()) {
            return Err(not_ours(path));
        }
        let broken = |reason: &str| Verification::Broken {
            line: n,
            reason: reason.to_string(),
        };
        if buf.last() != Some(&b'\n') {
            if read as u64 > MAX_RECORD_BYTES {
                return Ok(broken("the record is larger than 64 MiB"));
            }
            return Ok(broken("the record is incomplete (no final newline)"));
        }
        buf.pop();
        match seal_ok(&buf) {
            None => return Ok(broken("not a sealed countersign evidence record")),
            Some(false) => {
                return Ok(broken(
                    "the record was edited (its content does not match its `hash`)",
                ));
            }
            Some(true) => {}
        }
        let Ok(v) = serde_json::from_slice::<serde_json::Value>(&buf) else {
            return Ok(broken("not valid JSON"));
        };
        if v.get("schema").and_then(|s| s.as_str()) != Some(SCHEMA) {
            return Ok(broken("not a countersign evidence record"));
        }
        let seq = v.get("seq").and_then(|s| s.as_u64());
        if seq != Some(n - 1) {
            return Ok(broken(&format!(
                "`seq` is {}, expected {}: a record was removed, inserted or reordered",
                seq.map_or("missing".to_string(), |s| s.to_string()),
                n - 1
            )));
        }
        let got = v.get("prev").and_then(|p| p.as_str());
        if got != prev.as_deref() {
            return Ok(broken(
                "`prev` does not match the previous record: a record was edited, removed, inserted or reordered",
            ));
        }
        let h = hash(&buf);
        anchor_seen |= expect_head == Some(h.as_str());
        prev = Some(h);
    }
    let Some(head) = prev else {
        return Err(
            Error::input(format!("{} is empty: no evidence records", path.display()))
                .with_help("an evidence log is written by `countersign check --evidence-log PATH`"),
        );
    };
    if let Some(want) = expect_head
        && !anchor_seen
    {
        return Ok(Verification::Broken {
            line: n,
            reason: format!(
                "no record has the expected hash {want}: records were removed from the end or the log was rewritten"
            ),
        });
    }
    Ok(Verification::Intact { records: n, head })
}

/// True when `path` is an existing file that starts like a countersign evidence log.
pub fn is_evidence_log(path: &Path) -> bool {
    let Ok(mut f) = File::open(path) else {
        return false;
    };
    let mut head = vec![0u8; PREFIX.len()];
    f.read_exact(&mut head).is_ok() && head == PREFIX.as_bytes()
}
