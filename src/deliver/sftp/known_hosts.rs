//! The SFTP server's host key against an OpenSSH known_hosts file. Pure: the
//! file's text, the host and port and the offered key in, a verdict out. Never
//! trust on first use, and the file is never written.

use russh::keys::ssh_key::known_hosts::{Entry, HostPatterns, Marker};
use russh::keys::ssh_key::{Algorithm, HashAlg, PublicKey};

/// One key recorded for the host: its line, type and SHA256 fingerprint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Recorded {
    pub line: usize,
    pub key: PublicKey,
}

/// What the file holds for one host.
#[derive(Debug, Default)]
pub(crate) struct HostKeys {
    /// Keys recorded for the host (no marker), in file order.
    pub keys: Vec<Recorded>,
    /// Keys marked `@revoked` for the host.
    pub revoked: Vec<Recorded>,
    /// Lines that could not be read (skipped, as OpenSSH skips them).
    pub unreadable: Vec<usize>,
}

/// The verdict on an offered key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verdict {
    Trusted,
    /// No key recorded for the host.
    Unknown,
    /// Keys recorded for the host, none of them the offered one.
    Changed(Vec<Recorded>),
    /// The offered key is marked `@revoked`.
    Revoked(usize),
}

/// The name OpenSSH looks a host up by: `host`, or `[host]:port` off port 22.
pub(crate) fn lookup_name(host: &str, port: u16) -> String {
    let host = host.to_ascii_lowercase();
    if port == 22 {
        host
    } else {
        format!("[{host}]:{port}")
    }
}

impl HostKeys {
    /// The entries of `text` that apply to `host`:`port`.
    pub fn read(text: &str, host: &str, port: u16) -> HostKeys {
        let name = lookup_name(host, port);
        let mut out = HostKeys::default();
        for (i, line) in text.lines().enumerate() {
            let line_no = i + 1;
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            // ssh-key's parser wants single spaces; OpenSSH allows any blanks.
            let normal = line.split_whitespace().collect::<Vec<_>>().join(" ");
            let entry: Entry = match normal.parse() {
                Ok(e) => e,
                Err(_) => {
                    out.unreadable.push(line_no);
                    continue;
                }
            };
            if !matches_host(entry.host_patterns(), &name) {
                continue;
            }
            let rec = Recorded {
                line: line_no,
                key: entry.public_key().clone(),
            };
            match entry.marker() {
                None => out.keys.push(rec),
                Some(Marker::Revoked) => out.revoked.push(rec),
                // Host certificates are not used: a CA line vouches for no plain key.
                Some(Marker::CertAuthority) => {}
            }
        }
        out
    }

    /// Whether `offered` may be trusted.
    pub fn verdict(&self, offered: &PublicKey) -> Verdict {
        if let Some(r) = self.revoked.iter().find(|r| r.key.key_data() == offered.key_data()) {
            return Verdict::Revoked(r.line);
        }
        if self.keys.iter().any(|r| r.key.key_data() == offered.key_data()) {
            return Verdict::Trusted;
        }
        if self.keys.is_empty() {
            Verdict::Unknown
        } else {
            Verdict::Changed(self.keys.clone())
        }
    }

    /// The host key algorithms to ask for first: those of the recorded keys, so
    /// a server with several host keys shows the one the file holds (as OpenSSH does).
    pub(crate) fn preferred_algorithms(&self, defaults: &[Algorithm]) -> Vec<Algorithm> {
        let mut out: Vec<Algorithm> = Vec::new();
        for r in &self.keys {
            let algs = match r.key.algorithm() {
                // An RSA key is shown with SHA-2 signatures (ssh-rsa/SHA-1 is off in OpenSSH).
                Algorithm::Rsa { .. } => vec![
                    Algorithm::Rsa {
                        hash: Some(HashAlg::Sha512),
                    },
                    Algorithm::Rsa {
                        hash: Some(HashAlg::Sha256),
                    },
                ],
                other => vec![other],
            };
            for a in algs {
                if defaults.contains(&a) && !out.contains(&a) {
                    out.push(a);
                }
            }
        }
        for a in defaults {
            if !out.contains(a) {
                out.push(a.clone());
            }
        }
        out
    }
}

/// `type SHA256:...`, as `ssh-keygen -lf` shows a key.
pub(crate) fn describe(key: &PublicKey) -> String {
    format!("{} {}", key.algorithm().as_str(), key.fingerprint(HashAlg::Sha256))
}

fn matches_host(patterns: &HostPatterns, name: &str) -> bool {
    match patterns {
        HostPatterns::HashedName { salt, hash } => {
            use ring::hmac;
            let k = hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, salt);
            hmac::verify(&k, name.as_bytes(), hash).is_ok()
        }
        HostPatterns::Patterns(list) => {
            // A negated pattern that matches rules the line out, whatever else matches.
            let mut hit = false;
            for p in list {
                match p.strip_prefix('!') {
                    Some(neg) if wildcard(&neg.to_ascii_lowercase(), name) => return false,
                    Some(_) => {}
                    None => hit |= wildcard(&p.to_ascii_lowercase(), name),
                }
            }
            hit
        }
    }
}

/// OpenSSH's `match_pattern`: `*` any run, `?` one character.
fn wildcard(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    const ED_A: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAuu4oikURAtPjm7KHbTuHQC5Ry3YjMQAQBn1fOjXM7V";
    const ED_B: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOFoB0QHtgYDJnySwmcN0AEZbeHahe/LJaKTWuFCBh3G";
    const RSA: &str = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQCsvVT2RpBI0msFtstQrjcmTYxIvVLgxVHRmVwX6mpc2CbIX564Fa6RchYRXPHTW9eIIR/bGzoTrtD0iXGjhstxm6EzDmRKB7SbEg4rqQNA5Sv8H0lc6yzFKb4ifMpi5Co6hU5cIPyncm0EZoJ5aAi2ZwfKZvH/YomFini3udt25w==";
    /// `[h.example]:2200` hashed by `ssh-keygen -H`.
    const HASHED: &str = "|1|NewET3GZoZPv5AVtQrBTEcAVju0=|CF/72sobeR6CjBg5My+nAs2KUX0=";

    fn key(s: &str) -> PublicKey {
        PublicKey::from_openssh(s).unwrap()
    }

    #[test]
    fn plain_port_and_hashed_forms_are_found() {
        let text = format!(
            "# comment\n\nsftp.example.com,10.0.0.1 {ED_A}\n[sftp.example.com]:2222\t{ED_B} me@host\n{} {ED_B}\n",
            HASHED
        );
        let k = HostKeys::read(&text, "SFTP.example.com", 22);
        assert_eq!(k.keys.len(), 1);
        assert_eq!(k.keys[0].line, 3);
        assert_eq!(k.verdict(&key(ED_A)), Verdict::Trusted);
        let k = HostKeys::read(&text, "sftp.example.com", 2222);
        assert_eq!(k.verdict(&key(ED_B)), Verdict::Trusted);
        assert!(matches!(k.verdict(&key(ED_A)), Verdict::Changed(r) if r[0].line == 4));
        let k = HostKeys::read(&text, "h.example", 2200);
        assert_eq!(k.verdict(&key(ED_B)), Verdict::Trusted);
        assert_eq!(
            HostKeys::read(&text, "h.example", 22).verdict(&key(ED_B)),
            Verdict::Unknown
        );
        assert_eq!(HostKeys::read(&text, "other", 22).verdict(&key(ED_A)), Verdict::Unknown);
    }

    #[test]
    fn wildcards_negation_markers_and_bad_lines() {
        let text = format!(
            "*.example.com,!bad.example.com {ED_A}\n@revoked * {ED_B}\n@cert-authority *.example.com {ED_B}\nnot a key line\n"
        );
        let k = HostKeys::read(&text, "a.example.com", 22);
        assert_eq!(k.verdict(&key(ED_A)), Verdict::Trusted);
        assert_eq!(k.verdict(&key(ED_B)), Verdict::Revoked(2));
        assert_eq!(k.unreadable, vec![4]);
        assert_eq!(
            HostKeys::read(&text, "bad.example.com", 22).verdict(&key(ED_A)),
            Verdict::Unknown
        );
        assert!(wildcard("h?st*", "host.a") && !wildcard("h?st", "hst") && wildcard("*", ""));
    }

    #[test]
    fn the_recorded_type_is_asked_for_first() {
        let k = HostKeys::read(&format!("h {RSA}\n"), "h", 22);
        let sha256 = Algorithm::Rsa {
            hash: Some(HashAlg::Sha256),
        };
        let defaults = [Algorithm::Ed25519, sha256.clone()];
        assert_eq!(k.preferred_algorithms(&defaults), [sha256, Algorithm::Ed25519]);
        assert!(describe(&key(ED_A)).starts_with("ssh-ed25519 SHA256:"));
    }
}
