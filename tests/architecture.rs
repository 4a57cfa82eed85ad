//! The allowed directions of imports between the crate's modules (see
//! ARCHITECTURE.md, "Allowed directions"), enforced by reading the sources:
//! every `crate::MODULE` a module names must be one it may import, the table
//! must have no cycle, and the pure core names only pure modules.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Each top-level module and the modules it may import. Leaves first.
const ALLOWED: &[(&str, &[&str])] = &[
    ("quarter", &[]),
    ("select", &["quarter"]),
    ("atomic", &[]),
    ("lock", &["atomic"]),
    ("logging", &["atomic"]),
    ("deadline", &[]),
    ("outside", &[]),
    ("mapping", &["outside", "atomic"]),
    ("quarter_set", &["quarter"]),
    ("job", &["quarter"]),
    ("outcome", &["quarter", "quarter_set"]),
    ("config", &["select", "mapping", "job", "atomic"]),
    ("lp", &["config", "atomic", "quarter", "select", "outside"]),
    ("aggregate", &["lp", "mapping", "quarter", "select"]),
    ("report", &["aggregate", "quarter", "select"]),
    ("state", &["quarter", "quarter_set", "atomic"]),
    (
        "deliver",
        &["config", "atomic", "report", "quarter", "deadline", "outside"],
    ),
    (
        "alert",
        &[
            "config",
            "quarter",
            "quarter_set",
            "outcome",
            "state",
            "logging",
            "deadline",
            "outside",
        ],
    ),
    (
        "check",
        &[
            "config", "lp", "deliver", "alert", "mapping", "atomic", "deadline", "quarter", "select",
        ],
    ),
    (
        "run",
        &[
            "config",
            "job",
            "outcome",
            "quarter",
            "quarter_set",
            "lp",
            "aggregate",
            "report",
            "deliver",
            "state",
            "lock",
            "alert",
            "mapping",
            "atomic",
            "select",
            "deadline",
        ],
    ),
    ("demo", &["run", "config", "job", "outcome", "quarter", "atomic"]),
    (
        "status",
        &["config", "job", "quarter", "quarter_set", "state", "atomic"],
    ),
    ("cli", &["job"]),
    (
        "app",
        &[
            "cli", "config", "job", "outcome", "quarter", "run", "check", "demo", "lock", "logging", "mapping",
            "status",
        ],
    ),
    ("lib", &[]),
    ("main", &[]),
];

/// Files of the pure core (no clock, no I/O) and the paths they may name.
const PURE_FILES: &[&str] = &[
    "quarter.rs",
    "quarter_set.rs",
    "select.rs",
    "job.rs",
    "outcome.rs",
    "lp/model.rs",
    "lp/model",
    "aggregate",
    "report",
    "state/mod.rs",
    "alert/policy.rs",
];
const PURE_PATHS: &[&str] = &[
    "quarter",
    "quarter_set",
    "select",
    "job",
    "outcome",
    "lp::model",
    "aggregate",
    "report",
    "mapping",
    "state::Outage",
    "state::State",
];

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Every `crate::a::b...` path named in the non-test code of a file.
fn crate_paths(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let t = line.trim_start();
        if t.starts_with("#[cfg(test)]") {
            break;
        }
        if t.starts_with("//") {
            continue;
        }
        let mut rest = t;
        while let Some(i) = rest.find("crate::") {
            rest = &rest[i + "crate::".len()..];
            let path: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            if rest[path.len()..].starts_with('{') {
                // `crate::a::{b, c}`: each part under the prefix.
                let inner = rest[path.len() + 1..].split('}').next().unwrap_or("");
                for part in inner.split(',') {
                    out.push(format!("{path}{}", part.trim()));
                }
            } else {
                out.push(path.trim_end_matches(':').to_string());
            }
        }
    }
    out
}

#[test]
fn modules_import_only_in_the_allowed_directions() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let allowed: BTreeMap<&str, BTreeSet<&str>> = ALLOWED
        .iter()
        .map(|(m, deps)| (*m, deps.iter().copied().collect()))
        .collect();
    let mut wrong = Vec::new();
    for f in &files {
        let rel = f.strip_prefix(&src).unwrap().to_string_lossy().replace('\\', "/");
        let module = rel.split('/').next().unwrap().trim_end_matches(".rs").to_string();
        let Some(ok) = allowed.get(module.as_str()) else {
            wrong.push(format!(
                "{rel}: module `{module}` is not in the table of allowed directions"
            ));
            continue;
        };
        let text = std::fs::read_to_string(f).unwrap();
        let pure = PURE_FILES
            .iter()
            .any(|p| rel == *p || rel.starts_with(&format!("{p}/")));
        for path in crate_paths(&text) {
            let top = path.split("::").next().unwrap_or("");
            if top == module || top.is_empty() {
                continue;
            }
            if !ok.contains(top) {
                wrong.push(format!("{rel}: `{module}` may not import `crate::{path}`"));
            }
            if pure
                && !PURE_PATHS
                    .iter()
                    .any(|p| path == *p || path.starts_with(&format!("{p}::")))
            {
                wrong.push(format!("{rel} is pure core but names `crate::{path}`"));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports against ARCHITECTURE.md:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_allowed_directions_have_no_cycle() {
    // Each module may import only modules listed before it: a topological order.
    for (i, (m, deps)) in ALLOWED.iter().enumerate() {
        for d in *deps {
            let j = ALLOWED.iter().position(|(n, _)| n == d);
            assert!(
                j.is_some_and(|j| j < i),
                "{m} imports {d}, which is not listed before it"
            );
        }
    }
}

#[test]
fn the_scanner_sees_every_form_of_path() {
    let text = "use crate::a::b;\nlet x = crate::c::d(1);\nuse crate::e::{f, g::h};\n// crate::comment\n#[cfg(test)]\nuse crate::test_only;\n";
    assert_eq!(crate_paths(text), vec!["a::b", "c::d", "e::f", "e::g::h"]);
}

/// Every Markdown link of the project's documents resolves to a file in the
/// repository, and none points outside it (a clone has nothing beside it).
#[test]
fn every_document_link_resolves_inside_the_repo() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut docs = vec![
        root.join("README.md"),
        root.join("ARCHITECTURE.md"),
        root.join("BENCHMARKS.md"),
    ];
    for e in std::fs::read_dir(root.join("docs")).unwrap().flatten() {
        if e.path().extension().is_some_and(|x| x == "md") {
            docs.push(e.path());
        }
    }
    let mut wrong = Vec::new();
    let mut links = 0;
    for doc in &docs {
        let text = std::fs::read_to_string(doc).unwrap();
        let name = doc.strip_prefix(root).unwrap().display().to_string();
        // Spelled in two parts so this file does not itself point outside the repo.
        let outside = [concat!("..", "/shared"), concat!("shared", "/spec")];
        if outside.iter().any(|o| text.contains(o)) {
            wrong.push(format!("{name} refers to shared/, outside the repo"));
        }
        let mut rest = text.as_str();
        while let Some(i) = rest.find("](") {
            rest = &rest[i + 2..];
            let target = rest.split(')').next().unwrap_or("");
            let file = target.split('#').next().unwrap_or("");
            if file.is_empty() || file.starts_with("mailto:") {
                continue;
            }
            links += 1;
            if file.contains("://") {
                wrong.push(format!("{name} links outside the repo: {target}"));
                continue;
            }
            let resolved = doc.parent().unwrap().join(file);
            let inside = resolved
                .canonicalize()
                .is_ok_and(|p| p.starts_with(root.canonicalize().unwrap()));
            if !inside {
                wrong.push(format!("{name}: {target} is not a file in the repo"));
            }
        }
    }
    assert!(links >= 20, "the scan found only {links} links");
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
