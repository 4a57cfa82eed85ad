//! The file's `KEY=VALUE` lines (read as bash reads them, [`shell`]) with their origins, `WFM_<KEY>`
//! overrides, and one reader per kind of key; defaults and ranges come from
//! the key table.

use super::keys::{self, choice_name, IfUnset, Kind, KEYS};
use super::shell;
use super::{normalize_base_uri, ConfigError};
use crate::select::IdSelection;
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// Where a value came from, for error messages.
#[derive(Debug, Clone)]
enum Origin {
    File { path: String, line: usize },
    Env,
}

/// Raw key/value pairs with their origins, before validation.
#[derive(Debug, Default)]
pub struct RawConfig {
    values: BTreeMap<String, (String, Origin)>,
    pub(super) path: String,
    pub(super) warnings: Vec<String>,
}

impl RawConfig {
    /// Parse the file's text, expanding `$NAME` from the process environment.
    /// `path` is only used in messages.
    pub fn parse(text: &str, path: &str) -> Result<Self, ConfigError> {
        Self::parse_with_env(text, path, |k| std::env::var(k).ok())
    }

    /// [`Self::parse`] with an explicit environment lookup for `$NAME` (see [`shell`]).
    pub(crate) fn parse_with_env(
        text: &str,
        path: &str,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let mut raw = RawConfig {
            path: path.to_string(),
            ..Default::default()
        };
        // Never echo a value: it may be a secret. Name the line and key.
        let assignments = shell::assignments(text, &env).map_err(|e| match (e.problem, e.key) {
            (Some(problem), Some(key)) => ConfigError::Shell {
                path: path.to_string(),
                line: e.line,
                key,
                problem,
            },
            (_, key) => ConfigError::Syntax {
                path: path.to_string(),
                line: e.line,
                what: key.map_or_else(|| "this line".to_string(), |k| format!("the value of {k}")),
            },
        })?;
        for shell::Assignment { key, value, line } in assignments {
            if !KEYS.iter().any(|k| k.name == key) {
                raw.warnings.push(format!(
                    "{path}, line {line}: unknown key {key} is ignored (see config.navomi.example for the keys)"
                ));
            }
            let origin = Origin::File {
                path: path.to_string(),
                line,
            };
            raw.values.insert(key, (value, origin));
        }
        Ok(raw)
    }

    /// Apply `WFM_<KEY>` overrides from `env` (a lookup, so tests need not touch the process env).
    pub(crate) fn apply_env(&mut self, env: impl Fn(&str) -> Option<String>) {
        for key in KEYS {
            if let Some(v) = env(&format!("WFM_{}", key.name)) {
                self.values.insert(key.name.to_string(), (v, Origin::Env));
            }
        }
    }

    pub(crate) fn holds_secret_in_file(&self) -> bool {
        self.values
            .iter()
            .any(|(k, (v, o))| keys::is_secret(k) && !v.is_empty() && matches!(o, Origin::File { .. }))
    }

    fn where_(&self, key: &str) -> String {
        match self.values.get(key) {
            Some((_, Origin::File { path, line })) => format!("({path}, line {line})"),
            Some((_, Origin::Env)) => format!("(environment variable WFM_{key})"),
            None => format!("(not set in {})", self.path),
        }
    }

    /// The value as set, `None` when absent or empty (an empty value means "use the default").
    /// A secret is taken verbatim: blanks inside quotes are part of it, as bash
    /// reads them (`WFM_*` overrides are literal too); one of blanks only is unset.
    pub(super) fn get(&self, key: &str) -> Option<&str> {
        let secret = keys::is_secret(key);
        self.values
            .get(key)
            .map(|(v, _)| if secret { v.as_str() } else { v.trim() })
            .filter(|v| !v.trim().is_empty())
    }

    /// Warnings for secrets that begin or end with a blank (sent as written; the
    /// value is never shown).
    pub(super) fn blank_edged_secrets(&self) -> Vec<String> {
        let mut keys: Vec<&String> = self
            .values
            .iter()
            .filter(|(k, (v, _))| keys::is_secret(k) && !v.trim().is_empty() && v.trim() != v.as_str())
            .map(|(k, _)| k)
            .collect();
        keys.sort();
        keys.into_iter()
            .map(|k| {
                format!(
                    "{k} {} begins or ends with a blank; it is used as written, blanks included",
                    self.where_(k)
                )
            })
            .collect()
    }

    /// The value as set, else the table's default value; `None` when neither.
    pub(super) fn value(&self, key: &str) -> Option<&str> {
        self.get(key).or(match keys::key(key).unset {
            IfUnset::Value(v) => Some(v),
            _ => None,
        })
    }

    pub(super) fn invalid(&self, key: &str, problem: impl Into<String>) -> ConfigError {
        ConfigError::Invalid {
            key: key.to_string(),
            where_: self.where_(key),
            problem: problem.into(),
        }
    }

    pub(super) fn required(&self, key: &str) -> Result<String, ConfigError> {
        self.value(key).map(str::to_string).ok_or_else(|| self.missing(key))
    }

    /// A required key that is absent, or present but empty (then with its line).
    pub(super) fn missing(&self, key: &str) -> ConfigError {
        ConfigError::Missing {
            key: key.to_string(),
            where_: if self.values.contains_key(key) {
                format!("empty {}", self.where_(key))
            } else {
                format!("not set in {}", self.path)
            },
        }
    }

    /// A LivePerson credential (key, secret, token, client id): required, and
    /// without control characters. LivePerson issues none; one there is a paste
    /// slip (a tab, a CR from a Windows file, a line end) that would only come
    /// back as a 401 blamed on the credentials. The value is never shown.
    pub(super) fn credential(&self, key: &str) -> Result<String, ConfigError> {
        let v = self.required(key)?;
        if v.contains(char::is_control) {
            return Err(self.invalid(
                key,
                "holds a control character (a tab, CR or LF line end, NUL, ...; the value is not shown), which no LivePerson key or secret holds: copy it again from LivePerson, on one line",
            ));
        }
        Ok(v)
    }

    /// A login name or password of FTP, SFTP or SMTP, as [`Self::get`], refused
    /// when it holds CR, LF or NUL: FTP sends `PASS <password>` as one command line
    /// (the rest would be read as further commands) and SMTP's AUTH PLAIN uses NUL
    /// as its separator. The value is never shown.
    pub(super) fn login_part(&self, key: &str) -> Result<Option<&str>, ConfigError> {
        match self.get(key) {
            Some(v) if v.contains(['\r', '\n', '\0']) => Err(self.invalid(
                key,
                "holds a line break (CR or LF) or NUL (the value is not shown), which no FTP or mail login can carry: write it on one line",
            )),
            v => Ok(v),
        }
    }

    /// A [`Kind::Number`] key, in the table's range.
    pub(super) fn number<T>(&self, key: &str) -> Result<T, ConfigError>
    where
        T: std::str::FromStr + TryFrom<u32> + PartialOrd + fmt::Display + Copy,
    {
        let Kind::Number { min, max } = keys::key(key).kind else {
            panic!("{key} is not a number in the config key table")
        };
        let (Ok(min), Ok(max)) = (T::try_from(min), T::try_from(max)) else {
            panic!("the range of {key} in the config key table does not fit its field")
        };
        let v = self.required(key)?;
        let n: T = v
            .parse()
            .map_err(|_| self.invalid(key, format!("{v:?} is not a whole number; expected {min} to {max}")))?;
        if n < min || n > max {
            return Err(self.invalid(key, format!("{n} is out of range; expected {min} to {max}")));
        }
        Ok(n)
    }

    /// A [`Kind::Digits`] key.
    pub(super) fn digits(&self, key: &str) -> Result<String, ConfigError> {
        let Kind::Digits(what) = keys::key(key).kind else {
            panic!("{key} is not digits in the config key table")
        };
        let v = self.required(key)?;
        if !v.bytes().all(|b| b.is_ascii_digit()) {
            return Err(self.invalid(key, format!("{v:?} is not {what}")));
        }
        Ok(v)
    }

    /// A [`Kind::Choice`] key: one of `choices` (labels as in [`keys::Choices`]),
    /// `None` when unset without a default value.
    pub(super) fn choice_if_set<T: Copy>(&self, key: &str, choices: &[(&str, T)]) -> Result<Option<T>, ConfigError> {
        let Some(v) = self.value(key).map(str::to_ascii_lowercase) else {
            return Ok(None);
        };
        if let Some((_, t)) = choices.iter().find(|(l, _)| choice_name(l).eq_ignore_ascii_case(&v)) {
            return Ok(Some(*t));
        }
        let labels: Vec<&str> = choices.iter().map(|(l, _)| *l).collect();
        let expected = match labels.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
            _ => labels.concat(),
        };
        Err(self.invalid(key, format!("{v:?} is not allowed; expected {expected}")))
    }

    /// [`Self::choice_if_set`] for a key with a default value.
    pub(super) fn choice<T: Copy>(&self, key: &str, choices: &[(&str, T)]) -> Result<T, ConfigError> {
        self.choice_if_set(key, choices)?.ok_or_else(|| self.missing(key))
    }

    /// A [`Kind::Ids`] key.
    pub(super) fn ids(&self, key: &str) -> Result<IdSelection, ConfigError> {
        let Some(v) = self.value(key) else {
            return Ok(IdSelection::All);
        };
        if v.eq_ignore_ascii_case("all") {
            return Ok(IdSelection::All);
        }
        let mut ids: Vec<String> = Vec::new();
        for part in v.split(',') {
            let id = part.trim();
            if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
                return Err(self.invalid(
                    key,
                    format!("{id:?} is not a LivePerson id; expected `all` or comma-separated numeric ids like 12,345"),
                ));
            }
            if !ids.iter().any(|i| i == id) {
                ids.push(id.to_string());
            }
        }
        Ok(IdSelection::List(ids))
    }

    /// A [`Kind::Path`] key, resolved against `base`.
    pub(super) fn path(&self, key: &str, base: &Path) -> Option<PathBuf> {
        let p = PathBuf::from(self.value(key)?);
        Some(if p.is_absolute() { p } else { base.join(p) })
    }

    /// A [`Kind::Host`] key, as a URL without a trailing slash.
    pub(super) fn host(&self, key: &str) -> Result<Option<String>, ConfigError> {
        self.value(key)
            .map(|v| normalize_base_uri(v).map_err(|p| self.invalid(key, p)))
            .transpose()
    }

    /// A [`Kind::Url`] key, without a trailing slash.
    pub(super) fn url(&self, key: &str) -> Result<String, ConfigError> {
        let url = self.required(key)?.trim_end_matches('/').to_string();
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            let example = match keys::key(key).unset {
                IfUnset::Value(v) => v,
                _ => "https://host",
            };
            // A value with `@` may hold a password (`ftp://user:pw@host`): not shown.
            let shown = if url.contains('@') {
                "the value (not shown: it holds `@`)".to_string()
            } else {
                format!("{url:?}")
            };
            return Err(self.invalid(key, format!("{shown} must be an http(s):// URL, e.g. {example}")));
        }
        Ok(url)
    }

    /// LP_DOMAIN_API: an http(s) URL wfm appends `/api/account/...` to, so
    /// without userinfo, query or fragment, as the hosts (a path prefix is kept).
    pub(super) fn domain_api(&self) -> Result<String, ConfigError> {
        const KEY: &str = "LP_DOMAIN_API";
        let example = "https://api.liveperson.net";
        let url = self.value(KEY).unwrap_or_default().trim_end_matches('/');
        super::url_prefix_problem(url, example).map_err(|p| self.invalid(KEY, p))?;
        let url = self.url(KEY)?;
        let host = url.split("://").nth(1).unwrap_or_default();
        if host.is_empty() || host.starts_with('/') || url.contains(char::is_whitespace) {
            return Err(self.invalid(
                KEY,
                format!("{url:?} must be an http(s):// URL with a host and no blanks, like {example}"),
            ));
        }
        Ok(url)
    }

    /// PING_URL: a URL without a fragment (a `#...` is never sent, so the failure
    /// ping, `/fail` on the path, could not differ from the success ping).
    pub(super) fn ping_url(&self) -> Result<String, ConfigError> {
        let url = self.url("PING_URL")?;
        if url.contains('#') {
            return Err(self.invalid(
                "PING_URL",
                "holds a fragment (`#...`), which is never sent to the server; remove it (a query `?key=...` is kept, and a failure pings PATH/fail?key=...)",
            ));
        }
        Ok(url)
    }

    /// A [`Kind::Mail`] value: one address.
    pub(super) fn mail(&self, key: &str, v: &str) -> Result<(), ConfigError> {
        if !v.contains('@') || v.contains(',') || v.contains(char::is_whitespace) {
            return Err(self.invalid(key, format!("{v:?} is not one mail address like ops@example.com")));
        }
        Ok(())
    }
}
