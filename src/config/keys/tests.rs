//! The key table's own checks, and the test that keeps the generated texts committed.

use super::*;
use crate::config::{normalize_base_uri, RawConfig};
use std::path::Path;
use IfUnset::Value;
use Kind::{Choice, Digits, Host, Ids, Mail, Number, Path as PathKind, Text, Url};

const EXAMPLE: &str = include_str!("../../../config.navomi.example");

/// How to regenerate, said by every failure of the generated texts.
const BLESS: &str = "WFM_BLESS=1 cargo test --lib config::keys";

/// docs/cli-and-config.md's key table and config.navomi.example's key lines are what
/// the table gives; `WFM_BLESS=1` rewrites them (as golden-file tests do).
#[test]
fn the_generated_key_texts_are_committed() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let bless = std::env::var_os("WFM_BLESS").is_some_and(|v| v == "1");
    let mut stale = Vec::new();
    for (file, begin, end, block) in [
        (
            "docs/cli-and-config.md",
            "<!-- keys:begin",
            "<!-- keys:end",
            markdown_table(),
        ),
        ("config.navomi.example", "# keys:begin", "# keys:end", example_block()),
    ] {
        let path = root.join(file);
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let Some(expected) = splice(&text, begin, end, &block) else {
            panic!("{file} lacks the lines starting with {begin:?} and {end:?} around the generated keys")
        };
        if expected == text {
            continue;
        }
        if bless {
            std::fs::write(&path, &expected).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        } else {
            stale.push(format!("--- {file}, between {begin:?} and {end:?}, expected:\n{block}"));
        }
    }
    assert!(
        stale.is_empty(),
        "the key texts differ from src/config/keys/table.rs; run `{BLESS}` to rewrite them\n{}",
        stale.join("\n")
    );
}

#[test]
fn splice_replaces_only_between_the_markers() {
    let text = "a\n# keys:begin x\nold\n# keys:end\nb\n";
    assert_eq!(
        splice(text, "# keys:begin", "# keys:end", "new\n").as_deref(),
        Some("a\n# keys:begin x\nnew\n# keys:end\nb\n")
    );
    assert_eq!(splice("a\n# keys:begin\n", "# keys:begin", "# keys:end", ""), None);
}

/// Every heading stands before a key, and every doc is a sentence.
#[test]
fn headings_name_keys_and_docs_are_sentences() {
    for h in HEADINGS {
        assert!(
            KEYS.iter().any(|k| k.name == h.before),
            "heading before unknown key {}",
            h.before
        );
    }
    for key in KEYS {
        assert!(
            key.doc.ends_with('.') || key.doc.ends_with(')'),
            "{}'s doc is no sentence",
            key.name
        );
    }
    let block = example_block();
    assert!(
        block.contains("#FTP_USER=wfm") && block.contains("Default: anonymous"),
        "{block}"
    );
    assert!(
        markdown_table().contains("| FTP_PORT | 1-65535 | Push port; unset with FTP_PROTOCOL=sftp it is 22. | `21` |")
    );
}

/// The key a line of the example sets, commented out (`#KEY=`) or not.
fn key_of(line: &str) -> Option<&str> {
    let (k, _) = line.strip_prefix('#').unwrap_or(line).split_once('=')?;
    let is_name = !k.is_empty()
        && k.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
    is_name.then_some(k)
}

#[test]
fn the_table_is_consistent() {
    for (i, key) in KEYS.iter().enumerate() {
        assert!(!KEYS[..i].iter().any(|k| k.name == key.name), "{} twice", key.name);
        assert!(!key.doc.is_empty(), "{} has no doc", key.name);
        let Value(v) = key.unset else { continue };
        let ok = match key.kind {
            Text | PathKind => true,
            Digits(_) => v.bytes().all(|b| b.is_ascii_digit()),
            Number { min, max } => v.parse::<u32>().is_ok_and(|n| (min..=max).contains(&n)),
            Ids => v == "all",
            Choice(c) => c.labels().iter().any(|l| choice_name(l) == v),
            Host => normalize_base_uri(v).is_ok(),
            Url => v.starts_with("https://"),
            Mail => v.contains('@'),
        };
        assert!(ok, "the default {v:?} of {} is not valid for its kind", key.name);
    }
    assert!(is_secret("FTP_PASSWORD") && !is_secret("LP_ACCESS_TOKEN") && !is_secret("MYSTERY"));
    assert_eq!(
        required_with("oauth2").collect::<Vec<_>>(),
        ["LP_CLIENT_ID", "LP_CLIENT_SECRET"]
    );
}

/// Every key of the example, uncommented, is read (with either auth method).
#[test]
fn every_key_set_at_once_validates() {
    let all: String = EXAMPLE
        .lines()
        .filter(|l| key_of(l).is_some_and(|k| k != "LP_AUTH"))
        .map(|l| format!("{}\n", l.trim_start_matches('#')))
        .collect();
    for auth in ["oauth2", "oauth1"] {
        let text = format!("{all}LP_AUTH={auth}\n");
        let mut raw = RawConfig::parse(&text, "all").unwrap_or_else(|e| panic!("{e}"));
        raw.apply_env(|_| None);
        let c = raw
            .validate(Path::new("all"), Path::new("/w"))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.auth.name(), auth);
        assert!(c.ftp.is_some() && c.email.is_some() && c.agent_map_file.is_some());
    }
}

#[test]
fn a_wrong_choice_lists_the_allowed_values() {
    let base = "LP_ACCOUNT=1\nLP_CLIENT_ID=c\nLP_CLIENT_SECRET=s\nREPORT_DIR=r\nFTP_HOST=h\nEMAIL_SERVER=m\nEMAIL_FROM=a@b\nEMAIL_TO=c@d\n";
    for (line, expected) in [
        (
            "LP_AUTH=Bearer",
            "\"bearer\" is not allowed; expected oauth2 (client credentials) or oauth1 (app keys)",
        ),
        ("UNMAPPED_AGENTS=drop", "\"drop\" is not allowed; expected keep or skip"),
        (
            "FTP_TLS=ssl",
            "\"ssl\" is not allowed; expected none, explicit or implicit",
        ),
        (
            "EMAIL_TLS=maybe",
            "\"maybe\" is not allowed; expected starttls, tls or none",
        ),
    ] {
        let text = format!("{base}{line}\n");
        let e = RawConfig::parse(&text, "c")
            .unwrap()
            .validate(Path::new("c"), Path::new("/w"));
        let e = e.unwrap_err().to_string();
        assert!(e.ends_with(expected) && e.contains("line 9"), "{e}");
    }
}

/// `text` with the lines between the line starting with `begin` and the next line
/// starting with `end` replaced by `block`; `None` when a marker is missing.
fn splice(text: &str, begin: &str, end: &str, block: &str) -> Option<String> {
    let b = text
        .match_indices(begin)
        .find(|(i, _)| *i == 0 || text[..*i].ends_with('\n'))?
        .0;
    let body = b + text[b..].find('\n')? + 1;
    let e = body
        + text[body..]
            .match_indices(end)
            .find(|(i, _)| *i == 0 || text[body..body + i].ends_with('\n'))?
            .0;
    Some(format!("{}{block}{}", &text[..body], &text[e..]))
}
