//! Text from outside (a server's reply, an error body, a line of a file) made
//! safe for a log line or a mail: secrets hidden, control characters escaped,
//! so a newline in a reply can never forge a line of the daily log. A leaf:
//! LivePerson, FTP, SMTP and the agent map all quote outside text through it.

/// Outside text made safe for a log line or a mail: every `secret` replaced
/// by `***`, control characters (a newline could forge a log line) escaped.
pub fn redact(text: &str, secrets: &[&str]) -> String {
    let mut t = text.to_string();
    for s in secrets.iter().filter(|s| s.len() >= 4) {
        t = t.replace(s, "***");
    }
    escape(&t)
}

/// Control characters of outside text shown as escapes (`\n`, `\u{1b}`).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_hides_secrets_and_escapes_control_characters() {
        assert_eq!(
            redact("bad secret s3cr3t\nrun finished: ok", &["s3cr3t", ""]),
            "bad secret ***\\nrun finished: ok"
        );
        assert_eq!(redact("tab\there\u{1b}[31m", &[]), "tab\\there\\u{1b}[31m");
        assert_eq!(escape("a\r\nb\u{85}c"), "a\\r\\nb\\u{85}c");
    }
}
