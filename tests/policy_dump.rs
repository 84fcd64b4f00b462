use countersign::policy::{Origin, load};
#[test]
fn dump() {
    let mut entries: Vec<_> = std::fs::read_dir("fixtures/policies/invalid").unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for p in entries {
        let text = std::fs::read_to_string(&p).unwrap();
        match load(&text, Origin::File { path: p.file_name().unwrap().to_string_lossy().into() }) {
            Ok(_) => println!("!!! {} LOADED", p.display()),
            Err(e) => {
                for d in &e.diagnostics {
                    let (l, c) = d.span.map(|s| e.line_column(s.offset)).unwrap_or((0, 0));
                    let t = d.span.map(|s| &text[s.offset..s.offset + s.len]).unwrap_or("");
                    println!("{}:{l}:{c} [{t}] {} | {:?}", p.file_name().unwrap().to_string_lossy(), d.message, d.help);
                }
            }
        }
    }
    for v in ["design-example", "minimal", "full"] {
        let text = std::fs::read_to_string(format!("fixtures/policies/valid/{v}.yml")).unwrap();
        if let Err(e) = load(&text, Origin::Embedded) { println!("VALID {v} FAILED:\n{}", e.render_plain()); }
    }
    if let Err(e) = load(countersign::policy::load::DEFAULT_POLICY, Origin::Embedded) { println!("DEFAULT FAILED:\n{}", e.render_plain()); }
}
