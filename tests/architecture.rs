//! The layering of `src/`, read from the source so that it stays true: every top-level module
//! sits on a floor and may use only the floors listed for it; the module graph (from the
//! `crate::…` paths) has no cycle; the model uses nothing of ours; rules never reach into
//! measuring; renderers never decode; the library never prints nor parses arguments.
//!
//! A new top-level module must be given its floor in `ALLOWED` below: that is the point.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// Each library module and the modules it may use (besides itself). `lib` (the façade that
/// declares the modules and re-exports the public API) and `cli` (the binary) are not in the
/// graph.
const ALLOWED: &[(&str, &[&str])] = &[
    ("model", &[]),
    ("error", &[]),
    ("cache", &["model"]),
    ("notes", &["model"]),
    ("media", &["model"]),
    ("discover", &["model", "media", "notes"]),
    ("rules", &["model"]),
    ("profile", &["model", "rules", "error"]),
    ("docs", &["model", "rules", "profile"]),
    ("render", &["model", "rules", "docs"]),
    ("stems", &["model", "media"]),
    ("plan", &["model", "profile", "discover", "error"]),
    (
        "engine",
        &[
            "model", "media", "notes", "discover", "rules", "profile", "stems", "plan", "error",
            "cache",
        ],
    ),
    // `stemlint diff`: scans pairs itself, tapping each stream as the null test does.
    (
        "diff",
        &[
            "model", "media", "stems", "discover", "plan", "profile", "error",
        ],
    ),
    // `stemlint session`: a check, then a project written from it.
    ("session", &["model", "engine", "profile", "error"]),
];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|extension| extension == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a source file belongs to: `src/rules/util.rs` → `rules`,
/// `src/engine.rs` → `engine`, `src/lib.rs` → `lib`, `src/main.rs` → `cli`.
fn module_of(path: &Path) -> String {
    let rel = path.strip_prefix(src()).expect("files come from src/");
    let first = rel
        .components()
        .next()
        .expect("a file has a name")
        .as_os_str()
        .to_string_lossy()
        .into_owned();
    match first.strip_suffix(".rs") {
        Some("main") => "cli".to_owned(),
        Some(module) => module.to_owned(),
        None => first,
    }
}

/// Source without comments (line and doc comments), so prose naming a module is not a use.
fn code_of(text: &str) -> String {
    text.lines()
        .map(|line| match line.find("//") {
            // `//` inside a string literal (a URL) is rare in this code base and harmless:
            // it can only hide a use, which the compiler would still need to be real.
            Some(at) => &line[..at],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Modules of ours a file uses: every `crate::NAME` (in `use` lines and in paths), and the
/// names inside `use crate::{a, b::c}` groups.
fn uses(code: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let bytes = code.as_bytes();
    let mut from = 0;
    while let Some(at) = code[from..].find("crate::") {
        let start = from + at;
        from = start + "crate::".len();
        // `$crate::` (in macros) is ours too; `foo_crate::` is not.
        if start > 0 && (bytes[start - 1].is_ascii_alphanumeric() || bytes[start - 1] == b'_') {
            continue;
        }
        let rest = &code[from..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for item in group[..end].split(',') {
                let name: String = item
                    .trim()
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    found.insert(name);
                }
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                found.insert(name);
            }
        }
    }
    found
}

struct Source {
    path: PathBuf,
    module: String,
    code: String,
}

fn sources() -> Vec<Source> {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    assert!(files.len() > 20, "the source tree is read: {files:?}");
    files
        .into_iter()
        .map(|path| {
            let text = fs::read_to_string(&path).expect("source files are UTF-8");
            Source {
                module: module_of(&path),
                code: code_of(&text),
                path,
            }
        })
        .collect()
}

/// Module → modules it uses (top-level granularity, self-uses left out).
fn graph(sources: &[Source]) -> BTreeMap<String, BTreeSet<String>> {
    let modules: BTreeSet<String> = sources.iter().map(|s| s.module.clone()).collect();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for source in sources {
        if source.module == "lib" || source.module == "cli" {
            continue;
        }
        let entry = graph.entry(source.module.clone()).or_default();
        for used in uses(&source.code) {
            // Items of the façade (`crate::Report`) resolve to the module that defines them;
            // the façade only re-exports, so a use of it is a use of `lib`, which is flagged.
            let target = if modules.contains(&used) {
                used
            } else {
                "lib".to_owned()
            };
            if target != source.module {
                entry.insert(target);
            }
        }
    }
    graph
}

#[test]
fn every_module_has_a_floor_and_uses_only_the_floors_below_it() {
    let sources = sources();
    let allowed: BTreeMap<&str, BTreeSet<&str>> = ALLOWED
        .iter()
        .map(|(module, uses)| (*module, uses.iter().copied().collect()))
        .collect();
    let mut problems = Vec::new();
    let modules: BTreeSet<String> = sources.iter().map(|s| s.module.clone()).collect();
    for (module, targets) in graph(&sources) {
        let Some(may) = allowed.get(module.as_str()) else {
            problems.push(format!(
                "src/{module}: no floor in tests/architecture.rs ALLOWED; add it with the modules it may use"
            ));
            continue;
        };
        for used in targets {
            if !may.contains(used.as_str()) {
                let files: Vec<String> = sources
                    .iter()
                    .filter(|source| source.module == module)
                    .filter(|source| {
                        uses(&source.code)
                            .iter()
                            .any(|name| name == &used || (used == "lib" && !modules.contains(name)))
                    })
                    .map(|source| source.path.display().to_string())
                    .collect();
                problems.push(format!("{module} uses {used} ({})", files.join(", ")));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "layering broken:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_module_graph_has_no_cycle() {
    let graph = graph(&sources());
    // Depth-first search for a back edge; report the cycle it closes.
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        stack: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = stack.iter().position(|entry| entry == node) {
            let mut cycle = stack[at..].to_vec();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        stack.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, stack, done) {
                return Some(cycle);
            }
        }
        stack.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        if let Some(cycle) = visit(node, &graph, &mut Vec::new(), &mut done) {
            panic!("import cycle: {}", cycle.join(" → "));
        }
    }
}

#[test]
fn the_model_uses_nothing_of_ours_but_itself() {
    for source in sources().iter().filter(|source| source.module == "model") {
        let foreign: Vec<String> = uses(&source.code)
            .into_iter()
            .filter(|used| used != "model")
            .collect();
        assert!(
            foreign.is_empty(),
            "{} uses {foreign:?}",
            source.path.display()
        );
    }
}

#[test]
fn the_library_never_prints_nor_parses_arguments() {
    for source in sources() {
        if source.module == "cli" {
            continue;
        }
        for banned in [
            "println!",
            "print!",
            "eprintln!",
            "eprint!",
            "dbg!",
            "std::env::args",
        ] {
            assert!(
                !source.code.contains(banned),
                "{} uses {banned}: the library returns data, the CLI prints",
                source.path.display()
            );
        }
        // clap may only be named in `cfg_attr(feature = "cli", …)` derives.
        for line in source.code.lines().filter(|line| line.contains("clap")) {
            assert!(
                line.contains("cfg_attr(feature = \"cli\""),
                "{}: `{}` — the library builds without clap",
                source.path.display(),
                line.trim()
            );
        }
    }
}

#[test]
fn the_checker_sees_real_violations() {
    // The parser finds uses in every form the code base writes them in.
    let found = uses(
        "use crate::media::{self, Block};\nuse crate::{discover, notes};\nlet x = crate::stems::run();\n$crate::rules::Meta",
    );
    let expected: BTreeSet<String> = ["media", "discover", "notes", "stems", "rules"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(found, expected);
    assert!(uses("use my_crate::media;").is_empty());
    assert!(code_of("// uses crate::media\nlet a = 1;")
        .find("crate::")
        .is_none());
}
