//! Commit objects read by `countersign::git::commit` against git itself as the oracle, over
//! crafted objects written with `git hash-object -t commit --literally -w`.
//!
//! Every variant is either read exactly as git reads it — tree (`%T`), parents
//! (`git rev-list --parents`), author and committer names and emails (`%an %ae %cn %ce`),
//! message (the body of `git cat-file commit`) — or refused (exit 2 in a run). A refusal
//! is only allowed for shapes git's own readers do not agree on or reject, and each one is
//! listed here with the reason the parser gives.

use crate::support;

use countersign::git::commit;
use support::TestRepo;

/// How a variant must come out.
enum Want {
    /// Read, and equal to git's reading.
    Agree,
    /// Refused with a reason containing this text.
    Refuse(&'static str),
}

const A: &str = "author Ada Author <ada@example.com> 1704067200 +0000\n";
const C: &str = "committer Carl Committer <carl@example.com> 1704067260 +0100\n";

fn write(r: &mut TestRepo, bytes: &[u8]) -> String {
    use std::io::Write;
    let mut child = r
        .command("git")
        .args([
            "hash-object",
            "-t",
            "commit",
            "-w",
            "--literally",
            "--stdin",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("hash-object");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(bytes)
        .expect("write");
    let out = child.wait_with_output().expect("wait");
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Runs git; `None` when it fails (git cannot read the object either).
fn git(r: &TestRepo, args: &[&str]) -> Option<Vec<u8>> {
    let out = r.command("git").args(args).output().expect("git");
    out.status.success().then_some(out.stdout)
}

#[test]
fn commit_objects_read_as_git_reads_them() {
    let mut r = TestRepo::new();
    r.commit_files("one", &[("a", "1\n")]);
    let p1 = r.head();
    r.commit_files("two", &[("a", "2\n")]);
    let p2 = r.head();
    r.commit_files("three", &[("a", "3\n")]);
    let p3 = r.head();
    let t = r.rev("HEAD^{tree}");
    let tp = format!("tree {t}\nparent {p1}\n");
    let sig = "gpgsig -----BEGIN PGP SIGNATURE-----\n \n iQEz\n author Mallory <m@x> 1 +0000\n -----END PGP SIGNATURE-----\n";
    let mergetag = format!(
        "mergetag object {p2}\n type commit\n tag v1\n tagger T <t@x> 1 +0000\n \n signed\n"
    );
    let variants: Vec<(&str, Vec<u8>, Want)> = vec![
        (
            "root",
            format!("tree {t}\n{A}{C}\nroot\n").into_bytes(),
            Want::Agree,
        ),
        (
            "one parent",
            format!("{tp}{A}{C}\nmsg\n").into_bytes(),
            Want::Agree,
        ),
        (
            "octopus",
            format!("{tp}parent {p2}\nparent {p3}\n{A}{C}\nm\n").into_bytes(),
            Want::Agree,
        ),
        (
            "late parent after committer",
            format!("{tp}{A}{C}parent {p2}\n\nm\n").into_bytes(),
            Want::Agree,
        ),
        (
            "late parent after a signature",
            format!("{tp}{A}{C}{sig}parent {p3}\n\nm\n").into_bytes(),
            Want::Agree,
        ),
        (
            "gpgsig with an author-like continuation",
            format!("{tp}{A}{C}{sig}\nm\n").into_bytes(),
            Want::Agree,
        ),
        (
            "mergetag",
            format!("{tp}parent {p3}\n{A}{C}{mergetag}\nm\n").into_bytes(),
            Want::Agree,
        ),
        (
            "encoding",
            format!("{tp}{A}{C}encoding ISO-8859-1\n\nm\n").into_bytes(),
            Want::Agree,
        ),
        (
            "no message, no blank line",
            format!("{tp}{A}{C}").into_bytes(),
            Want::Agree,
        ),
        (
            "empty message",
            format!("{tp}{A}{C}\n").into_bytes(),
            Want::Agree,
        ),
        (
            "blank lines before the message",
            format!("{tp}{A}{C}\n\n\nm\n").into_bytes(),
            Want::Agree,
        ),
        (
            "CR after the committer's zone",
            format!("{tp}{A}committer Carl <c@x> 1 +0000\r\n\nm\n").into_bytes(),
            Want::Agree,
        ),
        (
            "leading spaces in the name",
            format!("{tp}author   Ada <a@x> 1 +0000\n{C}\nm\n").into_bytes(),
            Want::Agree,
        ),
        (
            "trailing tab before the email",
            format!("{tp}author Ada\t <a@x> 1 +0000\n{C}\nm\n").into_bytes(),
            Want::Agree,
        ),
        (
            "no name",
            format!("{tp}author <a@x> 1 +0000\n{C}\nm\n").into_bytes(),
            Want::Agree,
        ),
        (
            "extra > in the email",
            format!("{tp}author Ada <a@x>y> 1 +0000\n{C}\nm\n").into_bytes(),
            Want::Agree,
        ),
        (
            "ident without date",
            format!("{tp}author Ada <a@x>\n{C}\nm\n").into_bytes(),
            Want::Agree,
        ),
        (
            "non-UTF-8 name",
            [
                format!("{tp}author Ad").as_bytes(),
                b"\xe9",
                format!("a <a@x> 1 +0000\n{C}\nm\n").as_bytes(),
            ]
            .concat(),
            Want::Agree,
        ),
        (
            "NUL and CRLF in the message",
            format!("{tp}{A}{C}\nsub\0ject\r\nbody\r\n").into_bytes(),
            Want::Agree,
        ),
        (
            "unknown headers",
            format!("{tp}{A}{C}x-custom value\nflag\n more\n\nm\n").into_bytes(),
            Want::Agree,
        ),
        // Refused: git's readers disagree, or git rejects the object.
        (
            "parent before tree",
            format!("parent {p1}\ntree {t}\n{A}{C}\nm\n").into_bytes(),
            Want::Refuse("first line"),
        ),
        (
            "missing tree",
            format!("parent {p1}\n{A}{C}\nm\n").into_bytes(),
            Want::Refuse("first line"),
        ),
        (
            "upper-case tree",
            format!("tree {}\n{A}{C}\nm\n", t.to_uppercase()).into_bytes(),
            Want::Refuse("first line"),
        ),
        (
            "upper-case parent",
            format!("tree {t}\nparent {}\n{A}{C}\nm\n", p1.to_uppercase()).into_bytes(),
            Want::Refuse("parent line"),
        ),
        (
            "short parent",
            format!("tree {t}\nparent {}\n{A}{C}\nm\n", &p1[..39]).into_bytes(),
            Want::Refuse("parent line"),
        ),
        (
            "parent with trailing space",
            format!("tree {t}\nparent {p1} \n{A}{C}\nm\n").into_bytes(),
            Want::Refuse("parent line"),
        ),
        (
            "CRLF tree line",
            format!("tree {t}\r\nparent {p1}\n{A}{C}\nm\n").into_bytes(),
            Want::Refuse("first line"),
        ),
        (
            "two authors",
            format!("{tp}{A}author Mallory <m@x> 1 +0000\n{C}\nm\n").into_bytes(),
            Want::Refuse("second author"),
        ),
        (
            "author after committer",
            format!("{tp}{C}{A}\nm\n").into_bytes(),
            Want::Refuse("author line"),
        ),
        (
            "author after other headers",
            format!("{tp}{C}encoding x\n{A}\nm\n").into_bytes(),
            Want::Refuse("author line"),
        ),
        (
            "no author",
            format!("{tp}{C}\nm\n").into_bytes(),
            Want::Refuse("author line"),
        ),
        (
            "no committer",
            format!("{tp}{A}\nm\n").into_bytes(),
            Want::Refuse("committer"),
        ),
        (
            "parent between author and committer",
            format!("{tp}{A}parent {p2}\n{C}\nm\n").into_bytes(),
            Want::Refuse("committer"),
        ),
        (
            "two committers",
            format!("{tp}{A}{C}{C}\nm\n").into_bytes(),
            Want::Refuse("second committer"),
        ),
        (
            "second tree later",
            format!("{tp}{A}{C}tree {t}\n\nm\n").into_bytes(),
            Want::Refuse("second tree"),
        ),
        (
            "two encodings",
            format!("{tp}{A}{C}encoding a\nencoding b\n\nm\n").into_bytes(),
            Want::Refuse("second encoding"),
        ),
        (
            "continuation of the committer",
            format!("{tp}{A}{C} more\n\nm\n").into_bytes(),
            Want::Refuse("continuation"),
        ),
        (
            "NUL in the header",
            [
                format!("{tp}{A}committer C").as_bytes(),
                b"\0",
                b" <c@x> 1 +0000\n\nm\n",
            ]
            .concat(),
            Want::Refuse("NUL"),
        ),
        (
            "unterminated header",
            format!("{tp}{A}committer C <c@x> 1 +0000").into_bytes(),
            Want::Refuse("newline"),
        ),
        (
            "author without email",
            format!("{tp}author Ada 1 +0000\n{C}\nm\n").into_bytes(),
            Want::Refuse("author is not"),
        ),
        (
            "committer with an open email",
            format!("{tp}{A}committer C <c@x 1 +0000\n\nm\n").into_bytes(),
            Want::Refuse("committer is not"),
        ),
    ];
    let mut agreed = 0;
    for (name, bytes, want) in &variants {
        let id = write(&mut r, bytes);
        let ours = commit::parse(bytes);
        match (want, ours) {
            (Want::Agree, Ok(c)) => {
                // Parents.
                let line = git(&r, &["rev-list", "--parents", "-n1", &id])
                    .unwrap_or_else(|| panic!("{name}: git cannot list it"));
                let line = String::from_utf8_lossy(&line);
                let git_parents: Vec<&str> = line.split_whitespace().skip(1).collect();
                let our_parents: Vec<String> = c.parents.iter().map(|p| p.to_string()).collect();
                assert_eq!(our_parents, git_parents, "{name}: parents");
                // Tree, author and committer.
                let f = git(
                    &r,
                    &["log", "-1", "--format=%T%x00%an%x00%ae%x00%cn%x00%ce", &id],
                )
                .unwrap_or_else(|| panic!("{name}: git log"));
                let f = String::from_utf8_lossy(&f);
                let fields: Vec<&str> = f.trim_end_matches('\n').split('\0').collect();
                let (a, _) = commit::identity(c.author);
                let (m, _) = commit::identity(c.committer);
                assert_eq!(
                    fields,
                    [
                        c.tree.to_string().as_str(),
                        a.name.as_str(),
                        a.email.as_str(),
                        m.name.as_str(),
                        m.email.as_str()
                    ],
                    "{name}: %T %an %ae %cn %ce"
                );
                // Message: the object after its header, as `git cat-file` prints it.
                let raw = git(&r, &["cat-file", "commit", &id]).expect("cat-file");
                assert_eq!(&raw, bytes, "{name}: cat-file");
                let body = match raw.windows(2).position(|w| w == b"\n\n") {
                    Some(i) => raw.get(i + 2..).unwrap_or_default().to_vec(),
                    None => Vec::new(),
                };
                assert_eq!(c.message, body.as_slice(), "{name}: message");
                agreed += 1;
            }
            (Want::Refuse(why), Err(e)) => {
                assert!(
                    e.0.contains(why),
                    "{name}: refused with `{e}`, expected `{why}`"
                );
            }
            (Want::Agree, Err(e)) => panic!("{name}: refused ({e}) but git reads it"),
            (Want::Refuse(why), Ok(_)) => panic!("{name}: accepted, expected a refusal ({why})"),
        }
    }
    assert_eq!(agreed, 20);
}

#[test]
fn refused_shapes_are_where_git_disagrees_with_itself() {
    // Two authors: `git log --format=%an` takes the last, `git fsck` and the sequencer's
    // `find_commit_header` the first. The parser cannot know which one a reader uses.
    let mut r = TestRepo::new();
    r.commit_files("one", &[("a", "1\n")]);
    let t = r.rev("HEAD^{tree}");
    let obj = format!("tree {t}\n{A}author Mallory <m@x> 1 +0000\n{C}\nm\n");
    let id = write(&mut r, obj.as_bytes());
    let an = git(&r, &["log", "-1", "--format=%an", &id]).expect("log");
    assert_eq!(String::from_utf8_lossy(&an).trim(), "Mallory");
    let fsck = r
        .command("git")
        .args(["fsck", "--no-dangling"])
        .output()
        .expect("fsck");
    let text =
        String::from_utf8_lossy(&fsck.stderr).to_string() + &String::from_utf8_lossy(&fsck.stdout);
    assert!(text.contains("multipleAuthors"), "{text}");
    assert!(commit::parse(obj.as_bytes()).is_err());
    // A late parent line: fsck accepts it and git does not follow it.
    let p = r.head();
    let obj = format!("tree {t}\n{A}{C}parent {p}\n\nm\n");
    let id = write(&mut r, obj.as_bytes());
    let line = git(&r, &["rev-list", "--parents", "-n1", &id]).expect("rev-list");
    assert_eq!(String::from_utf8_lossy(&line).split_whitespace().count(), 1);
    assert_eq!(
        commit::parse(obj.as_bytes()).map(|c| c.parents.len()),
        Ok(0)
    );
}
