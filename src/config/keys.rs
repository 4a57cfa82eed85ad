//! Every key `config.navomi` may hold, in one table (documentation order): its
//! name, kind, what happens when it is unset, whether it is a secret and one line
//! of documentation. `config.navomi.example` is checked against this table.

use super::{EmailTls, FtpProtocol, FtpTls};
use crate::job::DeliveryMode;
use crate::select::{Channel, FileStamp, UnmappedAgents};

/// One key of the config file.
#[derive(Clone, Copy)]
pub struct Key {
    pub name: &'static str,
    pub kind: Kind,
    pub unset: IfUnset,
    /// Its value is hidden everywhere and a file holding it must be private.
    pub secret: bool,
    pub doc: &'static str,
}

/// How a value is read and checked.
#[derive(Clone, Copy)]
pub enum Kind {
    /// Free text.
    Text,
    /// ASCII digits only; the text is what a wrong value "is not", for its error.
    Digits(&'static str),
    /// A whole number from `min` to `max`.
    Number { min: u32, max: u32 },
    /// `all` or comma-separated numeric ids.
    Ids,
    /// A file or folder; a relative one is resolved against the config file's folder.
    Path,
    /// One of named values, case-insensitive.
    Choice(&'static dyn Choices),
    /// A host name (HTTPS implied) or an `http(s)://host[:port]` URL.
    Host,
    /// An `http(s)://` URL.
    Url,
    /// One mail address.
    Mail,
}

/// What an unset (or empty) key means, as documented.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IfUnset {
    /// An error: the key must be set.
    Required,
    /// An error when the method or feature named is used (`oauth2`, `EMAIL_SERVER`, ...).
    RequiredWith(&'static str),
    /// Nothing: the feature is off, or the value is looked up (documented as "none" or "empty").
    Nothing,
    /// This value, read like a set one.
    Value(&'static str),
    /// Computed from other keys, as described.
    Derived(&'static str),
}

/// The named values of a choice key, listed for the table and its errors.
pub trait Choices: Sync {
    /// Each value's label: its name, optionally followed by " (what it means)".
    fn labels(&self) -> Vec<&'static str>;
}

impl<T: Sync> Choices for &'static [(&'static str, T)] {
    fn labels(&self) -> Vec<&'static str> {
        self.iter().map(|(label, _)| *label).collect()
    }
}

/// The name a label stands for: `oauth2` for "oauth2 (client credentials)".
pub fn choice_name(label: &str) -> &str {
    label.split_once(" (").map_or(label, |(name, _)| name)
}

/// LP_AUTH values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethod {
    OAuth2,
    OAuth1,
}

pub const AUTH_METHODS: &[(&str, AuthMethod)] = &[
    ("oauth2 (client credentials)", AuthMethod::OAuth2),
    ("oauth1 (app keys)", AuthMethod::OAuth1),
];
pub const SIGNATURE_METHODS: &[(&str, ())] = &[("HMAC-SHA1", ())];
pub const UNMAPPED_AGENTS: &[(&str, UnmappedAgents)] =
    &[("keep", UnmappedAgents::Keep), ("skip", UnmappedAgents::Skip)];
pub const CHANNELS: &[(&str, Channel)] = &[("chat", Channel::Chat), ("messaging", Channel::Messaging)];
pub const DELIVERY: &[(&str, DeliveryMode)] = &[("push", DeliveryMode::Push), ("pull", DeliveryMode::Pull)];
pub const FTP_TLS: &[(&str, FtpTls)] = &[
    ("none", FtpTls::None),
    ("explicit", FtpTls::Explicit),
    ("implicit", FtpTls::Implicit),
];
pub const FTP_PROTOCOL: &[(&str, FtpProtocol)] = &[
    ("ftp (FTP or FTPS per FTP_TLS)", FtpProtocol::Ftp),
    ("sftp (SSH)", FtpProtocol::Sftp),
];
pub const FILE_STAMPS: &[(&str, FileStamp)] = &[("start", FileStamp::Start), ("end", FileStamp::End)];
pub const EMAIL_TLS: &[(&str, EmailTls)] = &[
    ("starttls", EmailTls::StartTls),
    ("tls", EmailTls::Tls),
    ("none", EmailTls::None),
];

use IfUnset::{Derived, Nothing, Required, RequiredWith, Value};
use Kind::{Choice, Digits, Host, Ids, Mail, Number, Path, Text, Url};

/// The table.
pub const KEYS: &[Key] = &[
    Key {
        name: "LP_ACCOUNT",
        kind: Digits("a LivePerson account id (digits only, e.g. 12345678)"),
        unset: Required,
        secret: false,
        doc: "LivePerson account (site) id",
    },
    Key {
        name: "LP_AUTH",
        kind: Choice(&AUTH_METHODS),
        unset: Derived("oauth2 when LP_CLIENT_ID is set, oauth1 when LP_APP_KEY is set"),
        secret: false,
        doc: "how data calls are authorised; keys of both methods need it",
    },
    Key {
        name: "LP_CLIENT_ID",
        kind: Text,
        unset: RequiredWith("oauth2"),
        secret: false,
        doc: "OAuth 2.0 client id",
    },
    Key {
        name: "LP_CLIENT_SECRET",
        kind: Text,
        unset: RequiredWith("oauth2"),
        secret: true,
        doc: "OAuth 2.0 client secret",
    },
    Key {
        name: "LP_SENTINEL_URI",
        kind: Host,
        unset: Nothing,
        secret: false,
        doc: "token host; empty: Domain API service sentinel",
    },
    Key {
        name: "LP_APP_KEY",
        kind: Text,
        unset: RequiredWith("oauth1"),
        secret: false,
        doc: "OAuth 1.0a consumer key",
    },
    Key {
        name: "LP_APP_SECRET",
        kind: Text,
        unset: RequiredWith("oauth1"),
        secret: true,
        doc: "OAuth 1.0a consumer secret",
    },
    Key {
        name: "LP_ACCESS_TOKEN",
        kind: Text,
        unset: RequiredWith("oauth1"),
        secret: false,
        doc: "OAuth 1.0a access token",
    },
    Key {
        name: "LP_ACCESS_TOKEN_SECRET",
        kind: Text,
        unset: RequiredWith("oauth1"),
        secret: true,
        doc: "OAuth 1.0a access token secret",
    },
    Key {
        name: "LP_SIGNATURE_METHOD",
        kind: Choice(&SIGNATURE_METHODS),
        unset: Value("HMAC-SHA1"),
        secret: false,
        doc: "OAuth 1.0a signature method",
    },
    Key {
        name: "LP_BASE_URI",
        kind: Host,
        unset: Nothing,
        secret: false,
        doc: "data host (leDataReporting); empty: looked up with the Domain API",
    },
    Key {
        name: "LP_CHANNEL",
        kind: Choice(&CHANNELS),
        unset: Value("chat"),
        secret: false,
        doc: "chat (Operational Realtime: Q_, AQ_, AS_) or messaging (Key Messaging Metrics: Q_, AS_)",
    },
    Key {
        name: "LP_KMM_URI",
        kind: Host,
        unset: Nothing,
        secret: false,
        doc: "Key Messaging Metrics host (agentManagerWorkspace); empty: looked up with the Domain API",
    },
    Key {
        name: "LP_DOMAIN_API",
        kind: Url,
        unset: Value("https://api.liveperson.net"),
        secret: false,
        doc: "Domain API root",
    },
    Key {
        name: "LP_INTERVAL",
        kind: Number { min: 0, max: u32::MAX },
        unset: Value("5"),
        secret: false,
        doc: "API interval in minutes; must be 5",
    },
    Key {
        name: "LP_VERSION",
        kind: Digits("an API version; expected 1"),
        unset: Value("1"),
        secret: false,
        doc: "API version parameter v",
    },
    Key {
        name: "LP_AGENT_IDS",
        kind: Ids,
        unset: Value("all"),
        secret: false,
        doc: "agents of AQ_ and AS_",
    },
    Key {
        name: "LP_SKILL_IDS",
        kind: Ids,
        unset: Value("all"),
        secret: false,
        doc: "skills of Q_",
    },
    Key {
        name: "AGENT_MAP_FILE",
        kind: Path,
        unset: Nothing,
        secret: false,
        doc: "CSV agent id -> NICE employee id",
    },
    Key {
        name: "UNMAPPED_AGENTS",
        kind: Choice(&UNMAPPED_AGENTS),
        unset: Value("keep"),
        secret: false,
        doc: "agents missing from the map: reported under their LivePerson id, or left out",
    },
    Key {
        name: "REPORT_DIR",
        kind: Path,
        unset: Required,
        secret: false,
        doc: "where reports are written; the FTP pull folder",
    },
    Key {
        name: "FILE_STAMP",
        kind: Choice(&FILE_STAMPS),
        unset: Value("start"),
        secret: false,
        doc: "which end of the quarter the file names carry: start (Q_112426.1000.xml for 10:00-10:15) or end (Q_112426.1015.xml); the start/end attributes inside never change",
    },
    Key {
        name: "LOG_DIR",
        kind: Path,
        unset: Value("logs"),
        secret: false,
        doc: "log files",
    },
    Key {
        name: "JSON_DIR",
        kind: Path,
        unset: Value("json"),
        secret: false,
        doc: "raw API replies, written at debug level 2; those older than LOG_KEEP_DAYS are removed",
    },
    Key {
        name: "STATE_DIR",
        kind: Path,
        unset: Value("state"),
        secret: false,
        doc:
            "folder of the state and lock files, created owner-only (0700); beside the config file, never in REPORT_DIR",
    },
    Key {
        name: "STATE_FILE",
        kind: Path,
        unset: Derived("<STATE_DIR>/wfm-state-<LP_ACCOUNT>.json"),
        secret: false,
        doc: "record of delivered quarters, one per account; the lock is <STATE_FILE>.lock",
    },
    Key {
        name: "SETTLE_SECONDS",
        kind: Number { min: 0, max: 840 },
        unset: Value("60"),
        secret: false,
        doc: "wait after a quarter ends before building it",
    },
    Key {
        name: "LP_TIMEOUT_SECONDS",
        kind: Number { min: 1, max: 300 },
        unset: Value("30"),
        secret: false,
        doc: "timeout of one HTTP request to LivePerson",
    },
    Key {
        name: "RUN_TIMEOUT_SECONDS",
        kind: Number { min: 60, max: 840 },
        unset: Value("600"),
        secret: false,
        doc: "deadline of a whole run (LivePerson, FTP push and failure mail together); when it passes the run stops, cleans up and fails",
    },
    Key {
        name: "LOG_KEEP_DAYS",
        kind: Number { min: 1, max: 3650 },
        unset: Value("30"),
        secret: false,
        doc: "daily log files, and raw replies in JSON_DIR, older than this are removed",
    },
    Key {
        name: "DELIVERY",
        kind: Choice(&DELIVERY),
        unset: Derived("push when FTP_HOST is set, else pull"),
        secret: false,
        doc: "push (upload by FTP) or pull (leave in REPORT_DIR); --ftp / FTP_OPT override it for one run",
    },
    Key {
        name: "FTP_HOST",
        kind: Text,
        unset: Nothing,
        secret: false,
        doc: "push destination; unset: no push",
    },
    Key {
        name: "FTP_PORT",
        kind: Number { min: 1, max: 65535 },
        unset: Value("21"),
        secret: false,
        doc: "push port; 22 when unset with FTP_PROTOCOL=sftp",
    },
    Key {
        name: "FTP_USER",
        kind: Text,
        unset: Value("anonymous"),
        secret: false,
        doc: "push login",
    },
    Key {
        name: "FTP_PASSWORD",
        kind: Text,
        unset: Nothing,
        secret: true,
        doc: "push password",
    },
    Key {
        name: "FTP_REMOTE_DIR",
        kind: Text,
        unset: Value("/"),
        secret: false,
        doc: "push folder",
    },
    Key {
        name: "FTP_TLS",
        kind: Choice(&FTP_TLS),
        unset: Value("none"),
        secret: false,
        doc: "FTPS: none, explicit (AUTH TLS) or implicit",
    },
    Key {
        name: "FTP_PROTOCOL",
        kind: Choice(&FTP_PROTOCOL),
        unset: Value("ftp"),
        secret: false,
        doc: "push protocol: ftp (FTP/FTPS per FTP_TLS) or sftp (SSH; FTP_TLS is not used)",
    },
    Key {
        name: "SFTP_KEY_FILE",
        kind: Path,
        unset: Nothing,
        secret: false,
        doc: "SFTP private key (OpenSSH format, no passphrase, readable by wfm only); none: FTP_PASSWORD logs in",
    },
    Key {
        name: "SFTP_KNOWN_HOSTS",
        kind: Path,
        unset: RequiredWith("sftp"),
        secret: false,
        doc: "OpenSSH known_hosts file holding the SFTP server's host key; a missing or different key fails the push (never trusted on first use, never written)",
    },
    Key {
        name: "EMAIL_SERVER",
        kind: Text,
        unset: Nothing,
        secret: false,
        doc: "SMTP relay for failure mail; unset: failures are only logged",
    },
    Key {
        name: "EMAIL_PORT",
        kind: Number { min: 1, max: 65535 },
        unset: Value("587"),
        secret: false,
        doc: "SMTP port",
    },
    Key {
        name: "EMAIL_USER",
        kind: Text,
        unset: Derived("EMAIL_FROM"),
        secret: false,
        doc: "SMTP login",
    },
    Key {
        name: "EMAIL_PASSWORD",
        kind: Text,
        unset: Nothing,
        secret: true,
        doc: "SMTP password; AUTH only when set",
    },
    Key {
        name: "EMAIL_TLS",
        kind: Choice(&EMAIL_TLS),
        unset: Value("starttls"),
        secret: false,
        doc: "SMTP security",
    },
    Key {
        name: "EMAIL_FROM",
        kind: Mail,
        unset: RequiredWith("EMAIL_SERVER"),
        secret: false,
        doc: "failure mail sender",
    },
    Key {
        name: "EMAIL_TO",
        kind: Mail,
        unset: RequiredWith("EMAIL_SERVER"),
        secret: false,
        doc: "failure mail recipient (one)",
    },
    Key {
        name: "EMAIL_SUBJECT",
        kind: Text,
        unset: Value("wfm: report failure"),
        secret: false,
        doc: "failure mail subject",
    },
    Key {
        name: "METRICS_FILE",
        kind: Path,
        unset: Nothing,
        secret: false,
        doc: "Prometheus textfile written atomically after every loop and rerun (node_exporter's textfile collector); none: not written",
    },
    Key {
        name: "PING_URL",
        kind: Url,
        unset: Nothing,
        secret: false,
        doc: "GET after every loop and rerun: PING_URL on success, PING_URL/fail on failure (/fail on the path, a query kept, no #fragment; healthchecks.io style, 10 s timeout); none: no ping",
    },
];

/// Every key the file may hold, in documentation order.
pub const KNOWN_KEYS: &[&str] = &names::<{ KEYS.len() }>(KEYS);

const fn names<const N: usize>(keys: &[Key]) -> [&'static str; N] {
    let mut out = [""; N];
    let mut i = 0;
    while i < N {
        out[i] = keys[i].name;
        i += 1;
    }
    out
}

/// The table's entry of a key the code reads (a name missing from the table is a bug).
pub fn key(name: &str) -> &'static Key {
    KEYS.iter()
        .find(|k| k.name == name)
        .unwrap_or_else(|| panic!("{name} is missing from the config key table"))
}

/// Whether `name` is a key whose value is a secret (unknown keys are not).
pub fn is_secret(name: &str) -> bool {
    KEYS.iter().any(|k| k.name == name && k.secret)
}

/// The keys required with a method or feature, e.g. the credentials of `oauth2`.
pub fn required_with(what: &'static str) -> impl Iterator<Item = &'static str> {
    KEYS.iter()
        .filter(move |k| k.unset == RequiredWith(what))
        .map(|k| k.name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{normalize_base_uri, RawConfig};
    use std::path::Path;

    const EXAMPLE: &str = include_str!("../../config.navomi.example");

    /// The key a line of the example sets, commented out (`#KEY=`) or not.
    fn key_of(line: &str) -> Option<&str> {
        let (k, _) = line.strip_prefix('#').unwrap_or(line).split_once('=')?;
        let is_name = !k.is_empty()
            && k.bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
        is_name.then_some(k)
    }

    /// Each key line of the example with the comment lines right above it, joined.
    fn example_keys() -> Vec<(&'static str, String)> {
        let (mut out, mut comment) = (Vec::new(), Vec::new());
        for line in EXAMPLE.lines() {
            if let Some(k) = key_of(line) {
                out.push((k, comment.join(" ")));
                comment.clear();
            } else if let Some(c) = line.strip_prefix('#') {
                comment.push(c.trim());
            } else {
                comment.clear();
            }
        }
        out
    }

    /// X of "Default X" / "default: X" / "Empty (default)" in a key's comment.
    fn stated_default(comment: &str) -> Option<String> {
        if comment.contains("Empty (default)") {
            return Some(String::new());
        }
        let lower = comment.to_ascii_lowercase();
        let (at, _) = lower.match_indices("default").find(|(i, w)| {
            let after = &comment[i + w.len()..];
            (*i == 0 || comment[..*i].ends_with(' ')) && (after.starts_with(' ') || after.starts_with(": "))
        })?;
        let rest = comment[at + "default".len()..].trim_start_matches(':').trim_start();
        if let Some(quoted) = rest.strip_prefix('"') {
            return quoted.split_once('"').map(|(x, _)| x.to_string());
        }
        let end = [". ", ": ", "; ", " ("]
            .iter()
            .filter_map(|t| rest.find(t))
            .min()
            .unwrap_or(rest.len());
        Some(rest[..end].trim_end_matches(['.', ':', ';']).to_string())
    }

    /// "(MIN-MAX)" in a key's comment.
    fn stated_range(comment: &str) -> Option<(u32, u32)> {
        comment.split('(').skip(1).find_map(|part| {
            let (min, rest) = part.split_once('-')?;
            let (max, _) = rest.split_once(')')?;
            Some((min.parse().ok()?, max.parse().ok()?))
        })
    }

    #[test]
    fn the_example_sets_every_key_of_the_table_and_states_its_defaults() {
        let example = example_keys();
        for key in KEYS {
            assert!(
                example.iter().any(|(k, _)| *k == key.name),
                "{} is not in config.navomi.example as {0}= (commented out or not)",
                key.name
            );
        }
        let mut stated = 0;
        for (name, comment) in &example {
            let key = KEYS.iter().find(|k| k.name == *name);
            let Some(key) = key else {
                panic!("config.navomi.example sets {name}, which is not a key of the table")
            };
            if let Some(x) = stated_default(comment) {
                let table: &[&str] = match key.unset {
                    Value(v) | Derived(v) => &[v],
                    Nothing => &["none", ""],
                    Required | RequiredWith(_) => &[],
                };
                assert!(
                    table.contains(&x.as_str()),
                    "config.navomi.example says {name} defaults to {x:?}; the table says {:?}",
                    key.unset
                );
                stated += 1;
            }
            if comment.contains("Required.") {
                assert_eq!(key.unset, Required, "config.navomi.example says {name} is required");
            }
            if let Some((min, max)) = stated_range(comment) {
                assert!(
                    matches!(key.kind, Number { min: a, max: b } if (a, b) == (min, max)),
                    "config.navomi.example gives {name} the range {min}-{max}, unlike the table"
                );
            }
        }
        assert!(
            stated >= 20,
            "only {stated} defaults found: did the example's wording change?"
        );
    }

    #[test]
    fn the_comment_parser_reads_the_example_wordings() {
        assert_eq!(stated_default("Default 60: at 10:16:00").as_deref(), Some("60"));
        assert_eq!(stated_default("Default: none (every agent).").as_deref(), Some("none"));
        assert_eq!(
            stated_default("Login user; default EMAIL_FROM. AUTH").as_deref(),
            Some("EMAIL_FROM")
        );
        assert_eq!(stated_default("Default \"a: b\". Quote").as_deref(), Some("a: b"));
        assert_eq!(
            stated_default("Domain API root. Default https://x.y").as_deref(),
            Some("https://x.y")
        );
        assert_eq!(
            stated_default("Token host. Empty (default): lookup.").as_deref(),
            Some("")
        );
        assert_eq!(stated_default("the defaults differ; (default)"), None);
        assert_eq!(stated_range("seconds (1-300). Default 30."), Some((1, 300)));
        assert_eq!(stated_range("(client credentials, since 2026-05-31)"), None);
    }

    #[test]
    fn the_table_is_consistent() {
        for (i, key) in KEYS.iter().enumerate() {
            assert!(!KEYS[..i].iter().any(|k| k.name == key.name), "{} twice", key.name);
            assert!(!key.doc.is_empty(), "{} has no doc", key.name);
            let Value(v) = key.unset else { continue };
            let ok = match key.kind {
                Text | Path => true,
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
        assert_eq!(KNOWN_KEYS.len(), KEYS.len());
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
}
