//! The code map is enforced: every `crate::` path in `src/` must point at a unit that
//! ARCHITECTURE.md's "Layers" table lets the importing unit use, so the layering stays true.
//!
//! A unit is a top-level folder of `src/` (`task`, `net`, …), a top-level file (`panic`,
//! `coop`, …), or one of the runtime's two lower floors, `runtime/task` and `runtime/driver`.
//! Test modules (`#[cfg(test)] mod …` at the end of a file) and comments are not checked. Code
//! outside `lib.rs` names items by their module (`crate::time::sleep`), not by a crate-root
//! re-export, so every import is visible here. Only the reactor talks to mio.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The "Layers" table of ARCHITECTURE.md: unit → units it may import.
fn allowed() -> BTreeMap<String, BTreeSet<String>> {
    let map = fs::read_to_string(Path::new(ROOT).join("ARCHITECTURE.md")).unwrap();
    let section = map
        .split("\n## Layers")
        .nth(1)
        .expect("ARCHITECTURE.md has a `## Layers` section");
    let mut allowed = BTreeMap::new();
    for line in section.lines().skip_while(|l| !l.starts_with('|')) {
        if !line.starts_with('|') {
            break;
        }
        let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
        if cells.len() < 2 || cells[0].starts_with("---") || cells[0] == "unit" {
            continue;
        }
        let names = |cell: &str| -> BTreeSet<String> {
            cell.split(',')
                .map(|s| s.trim().trim_matches('`').to_owned())
                .filter(|s| !s.is_empty() && s != "—")
                .collect()
        };
        allowed.insert(cells[0].trim_matches('`').to_owned(), names(cells[1]));
    }
    allowed
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The unit a file of `src/` belongs to.
fn unit_of(rel: &Path) -> String {
    let parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    match parts.as_slice() {
        [file] => file.trim_end_matches(".rs").to_owned(),
        [top, floor, _, ..] if top == "runtime" && (floor == "task" || floor == "driver") => {
            format!("runtime/{floor}")
        }
        [top, ..] => top.clone(),
        [] => unreachable!(),
    }
}

/// The unit a `crate::a::b` path points at.
fn unit_of_path(first: &str, second: Option<&str>) -> String {
    match (first, second) {
        ("runtime", Some(floor @ ("task" | "driver"))) => format!("runtime/{floor}"),
        (first, _) => first.to_owned(),
    }
}

/// The source without comments and without a trailing `#[cfg(test)] mod …` block.
fn checked_source(text: &str) -> String {
    let cut = text
        .find("\n#[cfg(test)]\nmod ")
        .or_else(|| text.find("\n#[cfg(all(test"))
        .unwrap_or(text.len());
    text[..cut]
        .lines()
        .map(|line| match line.find("//") {
            Some(i) => &line[..i],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every `crate::x` or `crate::x::y` in `src`, with its line, including inside `crate::{…}`.
fn crate_paths(src: &str) -> Vec<(usize, String, Option<String>)> {
    let mut found = Vec::new();
    for (n, line) in src.lines().enumerate() {
        let mut rest = line;
        while let Some(i) = rest.find("crate::") {
            let after = &rest[i + "crate::".len()..];
            if rest[..i].ends_with('$') {
                // `$crate::…` in a macro must be a public path; the crate root is fine there.
                rest = after;
                continue;
            }
            let ident = |s: &str| -> String {
                s.chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect()
            };
            let first = ident(after);
            if first.is_empty() {
                // `crate::{a::b, c}`: the group may span lines; take what this line holds.
                let group = after.trim_start_matches('{');
                for item in group.split(',') {
                    let item = item.trim().trim_end_matches('}').trim_end_matches(';');
                    let mut segs = item.split("::");
                    let a = ident(segs.next().unwrap_or(""));
                    if !a.is_empty() {
                        let b = segs.next().map(ident);
                        found.push((n + 1, a, b));
                    }
                }
            } else {
                let second = after[first.len()..]
                    .strip_prefix("::")
                    .map(ident)
                    .filter(|s| !s.is_empty());
                found.push((n + 1, first, second));
            }
            rest = &rest[i + "crate::".len()..];
        }
    }
    found
}

#[test]
fn every_import_follows_the_layers_table() {
    let allowed = allowed();
    let src = Path::new(ROOT).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let units: BTreeSet<String> = files
        .iter()
        .map(|f| unit_of(f.strip_prefix(&src).unwrap()))
        .collect();
    let mut errors = Vec::new();
    for unit in &units {
        if unit != "lib" && !allowed.contains_key(unit) {
            errors.push(format!(
                "unit `{unit}` has no row in ARCHITECTURE.md's Layers table"
            ));
        }
    }
    for file in &files {
        let rel = file.strip_prefix(&src).unwrap();
        let unit = unit_of(rel);
        if unit == "lib" {
            continue;
        }
        let text = checked_source(&fs::read_to_string(file).unwrap());
        for (line, first, second) in crate_paths(&text) {
            let target = unit_of_path(&first, second.as_deref());
            if !units.contains(&target) {
                errors.push(format!(
                    "src/{}:{line}: `crate::{first}` is a crate-root re-export; name its module",
                    rel.display()
                ));
                continue;
            }
            // A unit may use itself; `runtime` may use its own floors.
            let own_floor = unit == "runtime" && target.starts_with("runtime/");
            if target == unit || own_floor {
                continue;
            }
            if !allowed.get(&unit).is_some_and(|a| a.contains(&target)) {
                errors.push(format!(
                    "src/{}:{line}: `{unit}` imports `{target}`, which the Layers table does not allow",
                    rel.display()
                ));
            }
        }
        if unit.starts_with("runtime/") && text.contains("super::super") {
            errors.push(format!(
                "src/{}: `{unit}` is a floor below the loop; it must not reach up with `super::super`",
                rel.display()
            ));
        }
        if text.contains("mio::") && !rel.ends_with("runtime/driver/reactor.rs") {
            errors.push(format!(
                "src/{}: only runtime/driver/reactor.rs talks to mio",
                rel.display()
            ));
        }
    }
    assert!(errors.is_empty(), "layering broken:\n{}", errors.join("\n"));
}

#[test]
fn the_layers_table_has_no_cycle() {
    let allowed = allowed();
    // Depth-first search for a path back to the start.
    fn reaches(
        allowed: &BTreeMap<String, BTreeSet<String>>,
        from: &str,
        to: &str,
        seen: &mut BTreeSet<String>,
    ) -> bool {
        allowed.get(from).into_iter().flatten().any(|next| {
            next == to || (seen.insert(next.clone()) && reaches(allowed, next, to, seen))
        })
    }
    for unit in allowed.keys() {
        assert!(
            !reaches(&allowed, unit, unit, &mut BTreeSet::new()),
            "the Layers table lets `{unit}` reach itself: a cycle"
        );
    }
}

#[test]
fn a_forbidden_import_is_caught() {
    let text = checked_source("use crate::net::TcpStream;\n// use crate::task::x;\n");
    let paths = crate_paths(&text);
    assert_eq!(
        paths,
        vec![(1, "net".to_owned(), Some("TcpStream".to_owned()))]
    );
    let grouped = crate_paths("use crate::{runtime::task::TaskRef, loom::Arc};");
    assert_eq!(
        grouped
            .iter()
            .map(|(_, a, b)| unit_of_path(a, b.as_deref()))
            .collect::<Vec<_>>(),
        vec!["runtime/task", "loom"]
    );
}
