//! The texts generated from the key table: docs/cli-and-config.md's key table and
//! the key lines of config.navomi.example, each between its markers (see
//! `keys/tests.rs`, which keeps the committed files equal to these).

use super::{choice_name, Example, Heading, IfUnset, Key, Kind, KEYS};

/// Headings and group introductions of the example config, each before its key.
pub const HEADINGS: &[Heading] = &[
    Heading {
        before: "LP_ACCOUNT",
        title: Some("LivePerson (required)"),
        text: "",
    },
    Heading {
        before: "LP_AUTH",
        title: None,
        text: "Credentials: one of the two methods below.",
    },
    Heading {
        before: "LP_CLIENT_ID",
        title: None,
        text: "OAuth 2.0 client credentials: Management Console -> Application Install -> an application \
               with the client_credentials grant and the reporting privileges. wfm gets one token per run, \
               kept in memory only.",
    },
    Heading {
        before: "LP_APP_KEY",
        title: None,
        text: "OAuth 1.0a app key (accounts that still have one): all four, instead of the two above.",
    },
    Heading {
        before: "LP_BASE_URI",
        title: Some("LivePerson (optional)"),
        text: "",
    },
    Heading {
        before: "AGENT_MAP_FILE",
        title: Some("Employee ids"),
        text: "",
    },
    Heading {
        before: "REPORT_DIR",
        title: Some("Files"),
        text: "",
    },
    Heading {
        before: "SETTLE_SECONDS",
        title: Some("Timing"),
        text: "",
    },
    Heading {
        before: "DELIVERY",
        title: Some("Delivery"),
        text: "",
    },
    Heading {
        before: "FTP_PROTOCOL",
        title: Some("FTP push (or SFTP, FTP_PROTOCOL=sftp)"),
        text: "",
    },
    Heading {
        before: "EMAIL_SERVER",
        title: Some("Failure mail (optional: without EMAIL_SERVER failures are only logged)"),
        text: "",
    },
    Heading {
        before: "METRICS_FILE",
        title: Some("Monitoring (optional)"),
        text: "",
    },
];

/// Width of the example's comment lines, `# ` included.
const WIDTH: usize = 96;

/// The rows of docs/cli-and-config.md's key table, header included.
pub fn markdown_table() -> String {
    let mut out = String::from("| key | value | meaning | default |\n|---|---|---|---|\n");
    for key in KEYS {
        let cell = |s: &str| s.replace('|', "\\|");
        out += &format!(
            "| {} | {} | {} | {} |\n",
            key.name,
            cell(&value_md(key)),
            cell(key.doc),
            cell(&default_md(key.unset))
        );
    }
    out
}

/// The key lines of config.navomi.example, with their headings and comments.
pub fn example_block() -> String {
    let mut out = String::new();
    for key in KEYS {
        if let Some(h) = HEADINGS.iter().find(|h| h.before == key.name) {
            out.push('\n');
            if let Some(title) = h.title {
                out += &format!("# ---- {title} ----\n");
            }
            out += &comment(h.text);
        }
        let mut text = plain(key.doc);
        if let Kind::Number { min, max } = key.kind {
            if max != u32::MAX {
                text += &format!(" Range {min}-{max}.");
            }
        }
        // The doc says what "none" means where it matters ("None: ...", "Empty: ...").
        let said = key.doc.contains("None:") || key.doc.contains("Empty:");
        text += &match key.unset {
            IfUnset::Required => " Required.".to_string(),
            IfUnset::RequiredWith(what) => format!(" Required with {what}."),
            IfUnset::Nothing if said => String::new(),
            IfUnset::Nothing => " Default: none".to_string(),
            // Kept on one line (NUL stands for a blank until the lines are wrapped).
            IfUnset::Value(v) if v.contains(' ') => format!(" Default:\0\"{}\"", v.replace(' ', "\0")),
            IfUnset::Value(v) => format!(" Default:\0{v}"),
            IfUnset::Derived(how) => format!(" Default: {how}"),
        };
        out += &comment(&text).replace('\0', " ");
        out += &match key.example {
            Example::Set(v) => format!("{}={v}\n", key.name),
            Example::Off(v) => format!("#{}={v}\n", key.name),
        };
    }
    out
}

/// What values a key takes, for the table.
fn value_md(key: &Key) -> String {
    let what = match key.kind {
        Kind::Text => "text".to_string(),
        Kind::Digits(_) => "digits".to_string(),
        Kind::Number { max: u32::MAX, .. } => "a whole number".to_string(),
        Kind::Number { min, max } => format!("{min}-{max}"),
        Kind::Ids => "`all` or ids, comma-separated".to_string(),
        Kind::Path => "path".to_string(),
        Kind::Choice(c) => c
            .labels()
            .iter()
            .map(|l| format!("`{}`", choice_name(l)))
            .collect::<Vec<_>>()
            .join(", "),
        Kind::Host => "host or `http(s)://` URL".to_string(),
        Kind::Url => "`http(s)://` URL".to_string(),
        Kind::Mail => "mail address".to_string(),
    };
    if key.secret {
        format!("{what}, secret")
    } else {
        what
    }
}

/// What an unset key means, for the table.
fn default_md(unset: IfUnset) -> String {
    match unset {
        IfUnset::Required => "required".to_string(),
        IfUnset::RequiredWith(what) => format!("required with {what}"),
        IfUnset::Nothing => "none".to_string(),
        IfUnset::Value(v) => format!("`{v}`"),
        IfUnset::Derived(how) => how.to_string(),
    }
}

/// Markdown as plain text for the example: links by their text, no backticks.
fn plain(md: &str) -> String {
    let mut out = String::new();
    let mut rest = md;
    while let Some(open) = rest.find('[') {
        let Some(mid) = rest[open..].find("](").map(|i| open + i) else {
            break;
        };
        let Some(close) = rest[mid..].find(')').map(|i| mid + i) else {
            break;
        };
        out += &rest[..open];
        out += &rest[open + 1..mid];
        rest = &rest[close + 1..];
    }
    out += rest;
    out.replace('`', "")
}

/// `text` as `# ` comment lines of at most `WIDTH` characters (a longer word stays whole).
fn comment(text: &str) -> String {
    let mut out = String::new();
    let mut line = String::from("#");
    for word in text.split_whitespace() {
        if line.len() > 1 && line.len() + 1 + word.len() > WIDTH {
            out += &line;
            out.push('\n');
            line = String::from("#");
        }
        line.push(' ');
        line += word;
    }
    if line.len() > 1 {
        out += &line;
        out.push('\n');
    }
    out
}
