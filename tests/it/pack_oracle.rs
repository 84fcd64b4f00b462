//! The pack reader (`countersign::git::odb::pack`) against git itself: every object of a packed
//! repository — with deep delta chains, in both delta encodings — must read back byte for byte
//! as `git cat-file --batch` prints it, with a tiny cache and a large one; a damaged pack must
//! give errors, never a panic or wrong success; and a scan over a packed (and partly loose)
//! history must report exactly the paths git reports.

use crate::support;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::process::Stdio;

use countersign::git::odb::pack::{PackReader, PackSet};
use countersign::git::{self, Limits, RangeSpec};
use support::TestRepo;

/// A history whose trees and blobs change a little at a time, so `git repack` stores most
/// of them as deltas in long chains.
fn deltified_history() -> TestRepo {
    let mut r = TestRepo::new();
    let mut big = String::new();
    for i in 0..60 {
        big.push_str(&format!(
            "line {i}: the quick brown fox jumps over the lazy dog\n"
        ));
        let mut files = vec![
            ("big.txt".to_string(), big.clone()),
            (format!("dir{}/f{}.txt", i % 5, i), format!("{i}\n")),
        ];
        if i % 7 == 0 {
            files.push(("dir0/sub/deep.txt".into(), format!("deep {i}\n")));
        }
        let refs: Vec<(&str, &str)> = files
            .iter()
            .map(|(p, c)| (p.as_str(), c.as_str()))
            .collect();
        r.commit_files(&format!("commit {i}\n\nbody {i}\n"), &refs);
    }
    r.git(&["tag", "-a", "-m", "annotated", "v1"]);
    r
}

/// Repacks everything into one pack with long delta chains (`config`: `-c k=v` before it).
fn deep_repack(r: &mut TestRepo, config: &[&str]) {
    let mut args = config.to_vec();
    args.extend([
        "repack",
        "-a",
        "-d",
        "-f",
        "-q",
        "--depth=50",
        "--window=50",
    ]);
    r.git(&args);
}

/// Every object id in the repository, with git's kind name.
fn all_objects(r: &mut TestRepo) -> Vec<(String, String)> {
    r.git(&[
        "cat-file",
        "--batch-all-objects",
        "--batch-check=%(objectname) %(objecttype)",
    ])
    .lines()
    .filter_map(|l| l.split_once(' '))
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect()
}

/// The content of each object, from `git cat-file --batch`.
fn git_contents(r: &TestRepo, ids: &[String]) -> BTreeMap<String, Vec<u8>> {
    let mut child = r
        .command("git")
        .args(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn cat-file");
    let mut stdin = child.stdin.take().expect("stdin");
    let input: String = ids.iter().map(|i| format!("{i}\n")).collect();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().expect("cat-file");
    writer.join().expect("join").expect("write");
    let mut map = BTreeMap::new();
    let mut rest = &out.stdout[..];
    for id in ids {
        let nl = rest.iter().position(|&b| b == b'\n').expect("header");
        let header = String::from_utf8_lossy(&rest[..nl]).to_string();
        let size: usize = header
            .rsplit(' ')
            .next()
            .and_then(|s| s.parse().ok())
            .expect("size");
        map.insert(id.clone(), rest[nl + 1..nl + 1 + size].to_vec());
        rest = &rest[nl + 1 + size + 1..];
    }
    map
}

fn raw(id: &str) -> [u8; 20] {
    let mut out = [0u8; 20];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(&id[2 * i..2 * i + 2], 16).expect("hex");
    }
    out
}

/// How many entries of the pack are deltas, and the longest chain (`git verify-pack -v`).
fn delta_stats(r: &mut TestRepo) -> (usize, usize) {
    let idx = std::fs::read_dir(r.path().join(".git/objects/pack"))
        .expect("pack dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|x| x == "idx"))
        .expect("an idx");
    let out = r.git(&["verify-pack", "-v", idx.to_str().expect("utf8")]);
    let mut deltas = 0;
    let mut longest = 0;
    for l in out.lines() {
        let f: Vec<&str> = l.split_whitespace().collect();
        if f.len() >= 7 && ["commit", "tree", "blob", "tag"].contains(&f[1]) {
            deltas += 1;
            longest = longest.max(f[5].parse::<usize>().unwrap_or(0));
        }
    }
    (deltas, longest)
}

fn check_every_object(r: &mut TestRepo) {
    let objects = all_objects(r);
    assert!(objects.len() > 200, "{} objects", objects.len());
    let ids: Vec<String> = objects.iter().map(|(i, _)| i.clone()).collect();
    let want = git_contents(r, &ids);
    let set = PackSet::open(&r.path().join(".git/objects"));
    assert_eq!(set.len(), 1, "one usable pack");
    // A cache too small to keep anything, and one that keeps everything: same bytes.
    for budget in [64, 64 << 20] {
        let mut reader = PackReader::new(&set, budget);
        for (id, kind) in &objects {
            let (k, data) = reader
                .read(&raw(id), u64::MAX)
                .expect("read")
                .unwrap_or_else(|| panic!("{id} not found in the pack"));
            assert_eq!(k.name(), kind, "{id}");
            assert_eq!(data.as_slice(), want[id].as_slice(), "{id} ({kind})");
        }
    }
    // An id that is not there is "not in the pack", not an error.
    let mut reader = PackReader::new(&set, 1 << 20);
    assert!(reader.read(&[0xab; 20], u64::MAX).expect("read").is_none());
}

#[test]
fn ofs_delta_packs_read_exactly_as_git_prints_them() {
    let mut r = deltified_history();
    deep_repack(&mut r, &[]);
    let (deltas, longest) = delta_stats(&mut r);
    assert!(
        deltas > 50 && longest >= 5,
        "deltas {deltas}, longest chain {longest}"
    );
    check_every_object(&mut r);
}

#[test]
fn ref_delta_packs_read_exactly_as_git_prints_them() {
    let mut r = deltified_history();
    deep_repack(&mut r, &["-c", "repack.useDeltaBaseOffset=false"]);
    let (deltas, _) = delta_stats(&mut r);
    assert!(deltas > 50, "deltas {deltas}");
    check_every_object(&mut r);
}

#[test]
fn size_limit_is_checked_before_inflating() {
    let mut r = deltified_history();
    r.git(&["repack", "-a", "-d", "-f", "-q"]);
    let big = r.git(&["rev-parse", "HEAD:big.txt"]).trim().to_string();
    let set = PackSet::open(&r.path().join(".git/objects"));
    let mut reader = PackReader::new(&set, 1 << 20);
    let e = reader.read(&raw(&big), 100).expect_err("over the limit");
    assert_eq!(e.kind, countersign::error::ErrorKind::Limit, "{e:?}");
    assert!(reader.read(&raw(&big), 1 << 20).expect("read").is_some());
    // An older version is stored as a delta: its chain is refused by size as well.
    let old = r.git(&["rev-parse", "HEAD~30:big.txt"]).trim().to_string();
    let e = reader.read(&raw(&old), 100).expect_err("over the limit");
    assert_eq!(e.kind, countersign::error::ErrorKind::Limit, "{e:?}");
    assert!(reader.read(&raw(&old), 1 << 20).expect("read").is_some());
}

/// Copies the repository's pack and index into `dir/pack/` with `edit` applied to the pack.
fn damaged_copy(src: &Path, dir: &Path, edit: impl Fn(&mut Vec<u8>)) -> PackSet {
    let pack_dir = dir.join("pack");
    let _ = std::fs::remove_dir_all(&pack_dir);
    std::fs::create_dir_all(&pack_dir).expect("mkdir");
    for e in std::fs::read_dir(src.join(".git/objects/pack")).expect("read_dir") {
        let p = e.expect("entry").path();
        let mut bytes = std::fs::read(&p).expect("read");
        if p.extension().is_some_and(|x| x == "pack") {
            edit(&mut bytes);
        }
        std::fs::write(pack_dir.join(p.file_name().expect("name")), bytes).expect("write");
    }
    PackSet::open(dir)
}

#[test]
fn damaged_packs_give_errors_never_panics() {
    let mut r = deltified_history();
    deep_repack(&mut r, &[]);
    let objects = all_objects(&mut r);
    let ids: Vec<String> = objects.iter().map(|(i, _)| i.clone()).collect();
    let want = git_contents(&r, &ids);
    let tmp = tempfile::tempdir().expect("tmp");
    let len = std::fs::metadata(
        std::fs::read_dir(r.path().join(".git/objects/pack"))
            .expect("dir")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .find(|p| p.extension().is_some_and(|x| x == "pack"))
            .expect("pack"),
    )
    .expect("meta")
    .len() as usize;
    let mut errors = 0;
    // Flip one byte at a time across the pack (past the 12-byte header, before the trailer).
    for pos in (12..len - 20).step_by((len / 150).max(1)) {
        let set = damaged_copy(r.path(), tmp.path(), |b| b[pos] ^= 0x5a);
        let mut reader = PackReader::new(&set, 1 << 20);
        for id in &ids {
            match reader.read(&raw(id), 1 << 24) {
                // Whatever reads must still be the right bytes: zlib's checksum and the
                // size checks catch every damage to what we use.
                Ok(Some((_, data))) => assert_eq!(data.as_slice(), want[id].as_slice(), "{id}"),
                Ok(None) => {}
                Err(_) => errors += 1,
            }
        }
    }
    assert!(errors > 0, "some damage must be detected");
    // A truncated pack or a damaged index: the pack is not used at all (libgit2 takes over).
    let set = damaged_copy(r.path(), tmp.path(), |b| b.truncate(b.len() / 2));
    let mut reader = PackReader::new(&set, 1 << 20);
    for id in &ids {
        let _ = reader.read(&raw(id), 1 << 24);
    }
    let set = damaged_copy(r.path(), tmp.path(), |b| b[..4].copy_from_slice(b"KCAP"));
    assert!(set.is_empty(), "a pack without its signature is not used");
}

/// (commit, path) pairs as `git log --name-only` prints them.
fn git_pairs(r: &mut TestRepo) -> Vec<(String, String)> {
    let out = r.git(&[
        "log",
        "--all",
        "--format=@%H",
        "--name-only",
        "--no-renames",
        "--diff-merges=combined",
    ]);
    let mut cur = String::new();
    let mut pairs = Vec::new();
    for l in out.lines() {
        if let Some(id) = l.strip_prefix('@') {
            cur = id.to_string();
        } else if !l.is_empty() {
            pairs.push((cur.clone(), l.to_string()));
        }
    }
    pairs.sort();
    pairs
}

fn our_pairs(r: &TestRepo) -> Vec<(String, String)> {
    let repo = git::open(r.path()).expect("open");
    let range = git::resolve(&repo, &RangeSpec::All, None).expect("resolve");
    let facts = git::scan(
        &repo,
        &range.commits,
        &range.base,
        &Limits::default(),
        |f| f,
    )
    .expect("scan");
    let mut pairs: Vec<(String, String)> = facts
        .iter()
        .flat_map(|f| f.paths.iter().map(|p| (f.id.clone(), p.path.clone())))
        .collect();
    pairs.sort();
    pairs
}

#[test]
fn scans_of_packed_and_mixed_histories_match_git() {
    let mut r = deltified_history();
    // Merges too, so the N-way diff reads packed trees of several parents.
    r.checkout(&["-b", "side", "HEAD~10"]);
    for i in 0..5 {
        r.commit_files(&format!("side {i}"), &[(&format!("side/{i}.txt"), "s\n")]);
    }
    r.checkout(&["main"]);
    r.merge("merge side", &["side"], None);
    let loose = our_pairs(&r);
    assert_eq!(loose, git_pairs(&mut r));
    deep_repack(&mut r, &[]);
    assert_eq!(our_pairs(&r), loose, "packed");
    // New loose commits on top of the pack: both readers in one scan.
    for i in 0..300 {
        r.commit_files(
            &format!("after {i}"),
            &[(&format!("late/{}.txt", i % 9), &format!("{i}\n"))],
        );
    }
    assert_eq!(our_pairs(&r), git_pairs(&mut r), "pack + loose");
    // Two packs (an incremental repack), the scan large enough to run in parallel.
    r.git(&["repack", "-d", "-q"]);
    assert_eq!(our_pairs(&r), git_pairs(&mut r), "two packs");
}
