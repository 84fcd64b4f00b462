//! `Name <email>` parsing and email normalisation, including the AT-T17/T18/T20 shapes.

use countersign::facts::Identity;
use countersign::message::identity::{normalize_email, parse_identity, same_email};
use countersign::message::trailers;

fn reason(v: &str) -> String {
    match parse_identity(v) {
        Ok(id) => panic!("{v:?} was accepted as {id}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn accepts_real_identities() {
    for (v, name, email) in [
        ("Bob <bob@corp>", "Bob", "bob@corp"),
        (
            "Bob Builder <bob@example.com>",
            "Bob Builder",
            "bob@example.com",
        ),
        (
            "  José Müller   <jose@example.org> ",
            "José Müller",
            "jose@example.org",
        ),
        (
            "alice <1+alice@users.noreply.github.com>",
            "alice",
            "1+alice@users.noreply.github.com",
        ),
        ("O'Neil, Pat <pat@x.io>", "O'Neil, Pat", "pat@x.io"),
    ] {
        assert_eq!(parse_identity(v), Ok(Identity::new(name, email)), "{v}");
    }
}

#[test]
fn folded_value_is_one_identity() {
    // AT-T17: `Reviewed-by: Bob` + ` <bob@corp>` unfolds to one identity.
    let p = trailers::parse(b"s\n\nb\n\nReviewed-by: Bob\n <bob@corp>\n");
    let t = p.get("reviewed-by").next().expect("trailer");
    assert_eq!(
        parse_identity(&t.value),
        Ok(Identity::new("Bob", "bob@corp"))
    );
}

#[test]
fn folded_second_person_is_malformed() {
    // AT-T18: a continuation line adds a second person.
    let p = trailers::parse(b"s\n\nb\n\nReviewed-by: Bob <bob@corp>\n Mallory <m@x>\n");
    let t = p.get("Reviewed-by").next().expect("trailer");
    assert!(reason(&t.value).contains("more than one"));
    assert!(reason("Bob <bob@corp>, Mallory <m@x>").contains("more than one"));
    assert!(reason("Bob <bob@corp> and Carol").contains("after"));
}

#[test]
fn empty_and_placeholder_values_are_malformed() {
    // AT-T20.
    assert!(reason("").contains("empty"));
    assert!(reason("   ").contains("empty"));
    assert!(reason("TBD").contains("no `<email>`"));
    assert!(reason("TBD <tbd@corp>").contains("placeholder"));
    assert!(reason("todo <x@y>").contains("placeholder"));
    assert!(reason("N/A <x@y>").contains("placeholder"));
    assert!(reason("unknown <x@y>").contains("placeholder"));
    assert!(reason("- <x@y>").contains("letter"));
    assert!(reason("? <x@y>").contains("letter"));
    assert!(reason("<>").contains("no name"));
    assert!(reason("Bob <>").contains("empty `<>`"));
    assert!(reason("<bob@corp>").contains("no name"));
    assert!(reason("1234 <bob@corp>").contains("letter"));
}

#[test]
fn malformed_emails() {
    assert!(reason("Bob bob@corp").contains("no `<email>`"));
    assert!(reason("Bob <bob@corp").contains("unbalanced"));
    assert!(reason("Bob bob@corp>").contains("unbalanced"));
    assert!(reason("Bob >bob@corp<").contains("unbalanced"));
    assert!(reason("Bob <bobcorp>").contains("exactly one `@`"));
    assert!(reason("Bob <bob@x@corp>").contains("exactly one `@`"));
    assert!(reason("Bob <@corp>").contains("local part"));
    assert!(reason("Bob <bob@>").contains("domain"));
    assert!(reason("Bob <bob@.corp>").contains("domain"));
    assert!(reason("Bob <bob @corp>").contains("whitespace"));
    assert!(reason("B<o>b <bob@corp>").contains("more than one"));
}

#[test]
fn invisible_characters_are_rejected() {
    // AT-T11 / AT-T12 shapes, should they ever reach the identity parser.
    assert!(reason("B\u{200B}ob <bob@corp>").contains("control"));
    assert!(reason("Bob <bob@co\u{200B}rp>").contains("control"));
    assert!(reason("Bob <bob@corp>\u{202E}").contains("control"));
    assert!(reason("Bob\u{1b}[31m <bob@corp>").contains("control"));
}

#[test]
fn error_display_is_the_reason() {
    let e = parse_identity("Bob").unwrap_err();
    assert_eq!(e.to_string(), e.0);
    assert!(!e.0.is_empty());
}

#[test]
fn normalize_email_shapes() {
    assert_eq!(normalize_email("  Bob@Corp.COM "), "bob@corp.com");
    assert_eq!(
        normalize_email("12345+Alice@users.noreply.github.com"),
        "alice@users.noreply.github.com"
    );
    assert_eq!(
        normalize_email("alice@users.noreply.github.com"),
        "alice@users.noreply.github.com"
    );
    assert_eq!(
        normalize_email("198982749+Copilot@users.noreply.github.com"),
        "copilot@users.noreply.github.com"
    );
    assert_eq!(normalize_email("alice+x@corp"), "alice@corp");
    assert_eq!(normalize_email("alice+x+y@corp"), "alice@corp");
    assert_eq!(normalize_email("+tag@corp"), "+tag@corp");
    assert_eq!(normalize_email("no-at-sign"), "no-at-sign");
    // AT-I02: the author's alias is the same person.
    assert!(same_email("ALICE+x@corp", "alice@corp"));
    assert!(!same_email("alice@corp", "bob@corp"));
}
