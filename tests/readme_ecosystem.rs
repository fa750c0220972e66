//! README's "Ecosystem" section stays true: every row names the features it needs and the tests
//! that prove it works, and this test fails when a named feature or test no longer exists, and
//! when a Rust snippet of the section is no longer, verbatim, part of the example it quotes.

use std::fs;
use std::path::Path;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn read(path: &str) -> String {
    fs::read_to_string(Path::new(ROOT).join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The lines of README's `## Ecosystem` section.
fn section() -> Vec<String> {
    let readme = read("README.md");
    let section = readme
        .split("\n## Ecosystem")
        .nth(1)
        .expect("README.md has an `## Ecosystem` section");
    let end = section.find("\n## ").unwrap_or(section.len());
    section[..end].lines().map(str::to_owned).collect()
}

/// The words between backticks in `cell`.
fn quoted(cell: &str) -> Vec<&str> {
    cell.split('`').skip(1).step_by(2).collect()
}

/// The rows of the section's first table (`what | how | feature | proved by`): cells split,
/// header and rule skipped. (The table after it maps tokio's names to baton's.)
fn rows() -> Vec<Vec<String>> {
    section()
        .iter()
        .skip_while(|l| !l.starts_with("| what |"))
        .take_while(|l| l.starts_with('|'))
        .map(|l| {
            l.trim_matches('|')
                .split(" | ")
                .map(|c| c.trim().to_owned())
                .collect::<Vec<_>>()
        })
        .filter(|cells| !cells[0].starts_with("---") && cells[0] != "what")
        .collect()
}

#[test]
fn every_row_names_real_features_and_real_tests() {
    let manifest = read("Cargo.toml");
    let features = manifest
        .split("\n[features]")
        .nth(1)
        .expect("Cargo.toml has features")
        .split("\n[")
        .next()
        .unwrap()
        .to_owned();
    let rows = rows();
    assert!(
        rows.len() >= 8,
        "the Ecosystem table has {} rows",
        rows.len()
    );
    for row in rows {
        assert_eq!(
            row.len(),
            4,
            "a row is `what | how | feature | proved by`: {row:?}"
        );
        for feature in quoted(&row[2]) {
            assert!(
                features.contains(&format!("\n{feature} = [")),
                "{row:?} needs feature `{feature}`, which Cargo.toml does not have"
            );
        }
        let proofs = quoted(&row[3]);
        assert!(!proofs.is_empty(), "{row:?} names no test that proves it");
        for proof in proofs {
            let (file, test) = proof
                .split_once("::")
                .unwrap_or_else(|| panic!("`{proof}` is not `tests/<file>.rs::<test>`"));
            let source = read(file);
            assert!(
                source.contains(&format!("fn {test}(")),
                "{row:?}: {file} has no test `{test}`"
            );
        }
    }
}

#[test]
fn the_sections_snippets_are_quoted_from_examples_that_compile() {
    let lines = section();
    let mut snippets = Vec::new();
    let mut open: Option<(String, Vec<String>)> = None;
    for line in &lines {
        match &mut open {
            None if line.starts_with("```rust") => {
                open = Some((line.clone(), Vec::new()));
            }
            Some((_, body)) if line.starts_with("```") => {
                snippets.push(body.join("\n"));
                open = None;
            }
            Some((_, body)) => body.push(line.clone()),
            None => {}
        }
    }
    assert!(!snippets.is_empty(), "the Ecosystem section shows code");
    for snippet in snippets {
        let source = snippet
            .lines()
            .next()
            .and_then(|first| first.strip_prefix("// examples/"))
            .unwrap_or_else(|| panic!("a snippet starts by naming its example:\n{snippet}"));
        let file = source.split_whitespace().next().unwrap();
        let example = read(&format!("examples/{file}"));
        for line in snippet.lines().skip(1) {
            assert!(
                example.contains(line.trim()),
                "examples/{file} no longer has this README line: {line}"
            );
        }
    }
}
