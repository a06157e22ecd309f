//! The shape of the code, held in place: no source file over 600 lines, no
//! module that imports (directly or through others) a module that imports
//! it, and one list of check ids everywhere they are written down.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use killscope::checks::{CHECKS, CheckId};

use crate::support::cmd::root;

const MAX_LINES: usize = 600;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|x| x == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn no_source_file_is_over_600_lines() {
    let mut files = Vec::new();
    for dir in ["src", "tests", "benches"] {
        rust_files(&root().join(dir), &mut files);
    }
    let long: Vec<String> = files
        .iter()
        .filter_map(|path| {
            let lines = std::fs::read_to_string(path).ok()?.lines().count();
            (lines > MAX_LINES).then(|| format!("{} ({lines} lines)", path.display()))
        })
        .collect();
    assert!(long.is_empty(), "files over {MAX_LINES} lines: {long:?}");
}

/// A source file's module path: `src/checks/context.rs` → `checks::context`.
fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let relative = file.strip_prefix(src).unwrap_or(file).with_extension("");
    let mut parts: Vec<String> = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

/// The code of a file without comments, string literals and its test
/// module (which `use super::*`s the file it tests).
fn code_of(text: &str) -> String {
    let text = text.split("#[cfg(test)]").next().unwrap_or_default();
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '\'' && chars.get(i + 2) == Some(&'\'') {
            i += 3; // 'x'
        } else if c == '\'' && next == Some('\\') {
            i += 2;
            while i < chars.len() && chars[i] != '\'' {
                i += 1;
            }
            i += 1; // '\n', '\''
        } else if c == 'r'
            && (next == Some('"') || next == Some('#'))
            && !out.ends_with(|p: char| p.is_alphanumeric() || p == '_')
        {
            let hashes = chars[i + 1..].iter().take_while(|h| **h == '#').count();
            if chars.get(i + 1 + hashes) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            i += 2 + hashes;
            let close: String = std::iter::once('"')
                .chain("#".repeat(hashes).chars())
                .collect();
            while i < chars.len() && !chars[i..].iter().collect::<String>().starts_with(&close) {
                i += 1;
            }
            i += close.len();
            out.push_str("\"\"");
        } else if c == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("\"\"");
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// Expands a `use` tree into its paths: `a::{b, c::{d, e}}` → `a::b`,
/// `a::c::d`, `a::c::e`.
fn expand_use(tree: &str) -> Vec<String> {
    let tree = tree.trim();
    let Some(open) = tree.find('{') else {
        let path = tree.split(" as ").next().unwrap_or("").trim();
        return vec![path.to_owned()];
    };
    let head = tree[..open].trim_end_matches(':').trim();
    let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    // Split the inner list on commas at depth 0.
    let (mut depth, mut start, mut items) = (0, 0, Vec::new());
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(&inner[start..]);
    items
        .into_iter()
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .flat_map(|item| {
            if item == "self" {
                vec![head.to_owned()]
            } else {
                expand_use(item)
                    .into_iter()
                    .map(|rest| format!("{head}::{rest}"))
                    .collect()
            }
        })
        .collect()
}

/// Every path in some code that names a module of this crate — through
/// `crate::`, `super::`, `self::` or a child module's name — as an absolute
/// module path (the last parts may be items; resolution trims them).
fn referenced_paths(
    code: &str,
    module: &[String],
    modules: &BTreeSet<Vec<String>>,
) -> Vec<Vec<String>> {
    let mut texts: Vec<String> = Vec::new();
    // `use` trees first (they may hold groups), then every other path.
    let use_statement =
        regex::Regex::new(r"(?s)\buse\s+([^;]+);").unwrap_or_else(|e| panic!("{e}"));
    for caps in use_statement.captures_iter(code) {
        texts.extend(expand_use(&caps[1]));
    }
    let rest = use_statement.replace_all(code, "");
    let path = regex::Regex::new(r"\b[A-Za-z_][A-Za-z0-9_]*(?:::[A-Za-z_][A-Za-z0-9_]*)+")
        .unwrap_or_else(|e| panic!("{e}"));
    texts.extend(path.find_iter(&rest).map(|m| m.as_str().to_owned()));
    texts
        .iter()
        .filter_map(|text| {
            let mut parts: Vec<String> = text.split("::").map(|p| p.trim().to_owned()).collect();
            let mut base: Vec<String> = module.to_vec();
            match parts.first().map(String::as_str) {
                Some("crate") => {
                    parts.remove(0);
                    base.clear();
                }
                // `a/b.rs` and `a/b/mod.rs` are both module `a::b`, whose
                // `super` is `a`.
                Some("super") => {
                    while parts.first().map(String::as_str) == Some("super") {
                        parts.remove(0);
                        base.pop();
                    }
                }
                Some("self") => {
                    parts.remove(0);
                }
                Some(first) => {
                    let mut child = module.to_vec();
                    child.push(first.to_owned());
                    if !modules.contains(&child) {
                        return None;
                    }
                }
                None => return None,
            }
            base.extend(parts);
            Some(base)
        })
        .collect()
}

/// The longest prefix of `path` that names a source file's module.
fn resolve(path: &[String], modules: &BTreeSet<Vec<String>>) -> Option<Vec<String>> {
    (0..=path.len())
        .rev()
        .map(|n| path[..n].to_vec())
        .find(|prefix| modules.contains(prefix))
}

#[test]
fn no_module_imports_a_module_that_imports_it() {
    let src = root().join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.retain(|f| !f.ends_with("main.rs"));
    let modules: BTreeSet<Vec<String>> = files.iter().map(|f| module_of(&src, f)).collect();
    let mut graph: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    for file in &files {
        let module = module_of(&src, file);
        let text = std::fs::read_to_string(file).unwrap_or_default();
        for path in referenced_paths(&code_of(&text), &module, &modules) {
            let Some(target) = resolve(&path, &modules) else {
                continue;
            };
            // A folder module imports what any of its files imports: the
            // `table` of `report::table` is one module however it is split.
            if target != module {
                graph
                    .entry(module.clone())
                    .or_default()
                    .insert(target.clone());
            }
            for depth in 1..module.len() {
                let folder = &module[..depth];
                if !target.starts_with(folder) {
                    graph
                        .entry(folder.to_vec())
                        .or_default()
                        .insert(target.clone());
                }
            }
        }
        graph.entry(module).or_default();
    }
    // Depth-first search for a back edge.
    fn visit(
        node: &Vec<String>,
        graph: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
        state: &mut BTreeMap<Vec<String>, u8>,
        stack: &mut Vec<Vec<String>>,
    ) -> Option<Vec<String>> {
        state.insert(node.clone(), 1);
        stack.push(node.clone());
        for next in graph.get(node).into_iter().flatten() {
            match state.get(next) {
                Some(1) => {
                    let at = stack.iter().position(|n| n == next).unwrap_or(0);
                    let mut cycle: Vec<String> = stack[at..]
                        .iter()
                        .map(|m| format!("crate::{}", m.join("::")))
                        .collect();
                    cycle.push(format!("crate::{}", next.join("::")));
                    return Some(cycle);
                }
                Some(_) => {}
                None => {
                    if let Some(cycle) = visit(next, graph, state, stack) {
                        return Some(cycle);
                    }
                }
            }
        }
        stack.pop();
        state.insert(node.clone(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for node in graph.keys() {
        if !state.contains_key(node)
            && let Some(cycle) = visit(node, &graph, &mut state, &mut Vec::new())
        {
            panic!("import cycle: {}", cycle.join(" → "));
        }
    }
    // The check is only worth something if it sees the imports at all.
    let edges: usize = graph.values().map(BTreeSet::len).sum();
    assert!(
        edges > 100,
        "only {edges} imports found: the parser is broken"
    );
}

#[test]
fn the_registry_the_ids_the_readme_and_the_schema_list_the_same_checks() {
    let registry: Vec<&str> = CHECKS.iter().map(|c| c.id().as_str()).collect();
    let ids: Vec<&str> = CheckId::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(registry, ids, "CHECKS and CheckId::ALL disagree");

    let readme = std::fs::read_to_string(root().join("README.md")).unwrap_or_default();
    let section = readme
        .split("\n## Proof checks")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .unwrap_or_default();
    let documented: Vec<&str> = section
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split('`').next())
        .collect();
    assert_eq!(documented, ids, "the README's check table disagrees");

    let schema: serde_json::Value = serde_json::from_str(&crate::support::fixtures::read(
        "schemas/verify.schema.json",
    ))
    .unwrap_or_default();
    let in_schema: Vec<String> = schema
        .pointer("/definitions/check/properties/id/enum")
        .or_else(|| find_enum_of_ids(&schema))
        .and_then(|v| v.as_array().cloned())
        .unwrap_or_default()
        .iter()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    assert_eq!(in_schema, ids, "the JSON schema's check ids disagree");

    // History judges each entry with the checks that need no live state.
    let history: serde_json::Value = serde_json::from_str(&crate::support::fixtures::read(
        "schemas/history.schema.json",
    ))
    .unwrap_or_default();
    let in_history: Vec<String> = find_enum_of_ids(&history)
        .and_then(|v| v.as_array().cloned())
        .unwrap_or_default()
        .iter()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    let per_entry: Vec<&str> = killscope::checks::entry_checks()
        .map(|c| c.id().as_str())
        .collect();
    assert_eq!(
        in_history, per_entry,
        "the history schema's check ids disagree with the per-entry checks"
    );
}

/// The `enum` that lists `proposal-present`, wherever the schema keeps it.
fn find_enum_of_ids(v: &serde_json::Value) -> Option<&serde_json::Value> {
    match v {
        serde_json::Value::Object(map) => {
            if let Some(e) = map.get("enum")
                && e.as_array()
                    .is_some_and(|a| a.iter().any(|x| x == "proposal-present"))
            {
                return Some(e);
            }
            map.values().find_map(find_enum_of_ids)
        }
        serde_json::Value::Array(items) => items.iter().find_map(find_enum_of_ids),
        _ => None,
    }
}
