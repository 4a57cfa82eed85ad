//! `config.navomi`: `KEY=VALUE` lines as a shell would source them, overridden
//! by `WFM_<KEY>` environment variables, validated into a typed [`Config`].
//! Secrets are wrapped in [`Secret`] so they cannot leak through `Debug`.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// A value that must never be printed: `Debug`/`Display` show `***`.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    /// The secret itself, for the one place that needs it (signing, login).
    pub fn expose(&self) -> &str {
        &self.0
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// A configuration problem: always names the key, and the line when it came from the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {reason}. Pass the right file with --config FILE (default: config.navomi in the working directory)")]
    Unreadable { path: String, reason: String },
    #[error("{path}, line {line}: cannot parse {what}: use KEY=VALUE, quote values that hold spaces or '#', and close every quote")]
    Syntax { path: String, line: usize, what: String },
    #[error("{key} is required but {where_}; set it in the config file (see config.navomi.example) or as WFM_{key}")]
    Missing { key: String, where_: String },
    #[error("no LivePerson credentials in {path}: set LP_CLIENT_ID and LP_CLIENT_SECRET (OAuth 2.0 client credentials, LivePerson's current way) or, for an OAuth 1.0a app key, LP_APP_KEY, LP_APP_SECRET, LP_ACCESS_TOKEN and LP_ACCESS_TOKEN_SECRET (see config.navomi.example)")]
    NoCredentials { path: String },
    #[error("{key} {where_}: {problem}")]
    Invalid {
        key: String,
        where_: String,
        problem: String,
    },
    #[error("agent map {path}, line {line}: {problem}")]
    AgentMap { path: String, line: usize, problem: String },
}

/// Which ids to ask LivePerson for: every id, or a configured list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdSelection {
    All,
    List(Vec<String>),
}

impl IdSelection {
    /// The `skillIds`/`agentIds` query value.
    pub fn query_value(&self) -> String {
        match self {
            IdSelection::All => "all".to_string(),
            IdSelection::List(ids) => ids.join(","),
        }
    }
    pub fn contains(&self, id: &str) -> bool {
        match self {
            IdSelection::All => true,
            IdSelection::List(ids) => ids.iter().any(|i| i == id),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnmappedAgents {
    Keep,
    Skip,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FtpTls {
    None,
    Explicit,
    Implicit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailTls {
    StartTls,
    Tls,
    None,
}

/// OAuth 1.0a app key: the four credentials every request is signed with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LpCredentials {
    pub app_key: String,
    pub app_secret: Secret,
    pub access_token: String,
    pub access_token_secret: Secret,
}

/// OAuth 2.0 client credentials, exchanged for a Bearer token once per run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientCredentials {
    pub client_id: String,
    pub client_secret: Secret,
    /// LP_SENTINEL_URI: the token host; `None` = Domain API service `sentinel`.
    pub sentinel_uri: Option<String>,
}

/// How data calls are authorised (LP_AUTH).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LpAuth {
    /// LivePerson's current way: client credentials for a Bearer token.
    OAuth2(ClientCredentials),
    /// The original scripts' way: every request signed with an app key.
    OAuth1(LpCredentials),
}

impl LpAuth {
    /// How operators name the method (`LP_AUTH` values).
    pub fn name(&self) -> &'static str {
        match self {
            LpAuth::OAuth2(_) => "oauth2",
            LpAuth::OAuth1(_) => "oauth1",
        }
    }

    /// Every secret value of the method, for redaction of outside text.
    pub fn secrets(&self) -> Vec<&str> {
        match self {
            LpAuth::OAuth2(c) => vec![c.client_secret.expose()],
            LpAuth::OAuth1(c) => vec![c.app_secret.expose(), c.access_token_secret.expose()],
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FtpConfig {
    pub host: String,
    pub port: u16,
    pub user: String,
    pub password: Secret,
    pub remote_dir: String,
    pub tls: FtpTls,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailConfig {
    pub server: String,
    pub port: u16,
    pub user: String,
    pub password: Option<Secret>,
    pub tls: EmailTls,
    pub from: String,
    pub to: String,
    pub subject: String,
}

/// The validated configuration. Relative paths are already resolved against
/// the config file's folder (cron starts jobs in $HOME, not beside the config).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub source: PathBuf,
    pub account: String,
    pub auth: LpAuth,
    pub base_uri: Option<String>,
    pub domain_api: String,
    pub interval: u32,
    pub version: String,
    pub agents: IdSelection,
    pub skills: IdSelection,
    pub agent_map_file: Option<PathBuf>,
    pub unmapped_agents: UnmappedAgents,
    pub report_dir: PathBuf,
    pub log_dir: PathBuf,
    pub json_dir: PathBuf,
    pub state_file: PathBuf,
    pub settle_seconds: u32,
    pub lp_timeout_seconds: u32,
    pub log_keep_days: u32,
    /// `None` when FTP_HOST is not set; push mode then fails validation.
    pub ftp: Option<FtpConfig>,
    /// `None` when EMAIL_SERVER is not set: failures are only logged.
    pub email: Option<EmailConfig>,
    /// Warnings found while loading (unknown keys, loose file permissions).
    pub warnings: Vec<String>,
}

/// Every key the file may hold, in documentation order.
pub const KNOWN_KEYS: &[&str] = &[
    "LP_ACCOUNT",
    "LP_AUTH",
    "LP_CLIENT_ID",
    "LP_CLIENT_SECRET",
    "LP_SENTINEL_URI",
    "LP_APP_KEY",
    "LP_APP_SECRET",
    "LP_ACCESS_TOKEN",
    "LP_ACCESS_TOKEN_SECRET",
    "LP_SIGNATURE_METHOD",
    "LP_BASE_URI",
    "LP_DOMAIN_API",
    "LP_INTERVAL",
    "LP_VERSION",
    "LP_AGENT_IDS",
    "LP_SKILL_IDS",
    "AGENT_MAP_FILE",
    "UNMAPPED_AGENTS",
    "REPORT_DIR",
    "LOG_DIR",
    "JSON_DIR",
    "STATE_FILE",
    "SETTLE_SECONDS",
    "LP_TIMEOUT_SECONDS",
    "LOG_KEEP_DAYS",
    "FTP_HOST",
    "FTP_PORT",
    "FTP_USER",
    "FTP_PASSWORD",
    "FTP_REMOTE_DIR",
    "FTP_TLS",
    "EMAIL_SERVER",
    "EMAIL_PORT",
    "EMAIL_USER",
    "EMAIL_PASSWORD",
    "EMAIL_TLS",
    "EMAIL_FROM",
    "EMAIL_TO",
    "EMAIL_SUBJECT",
];

/// The credentials of each method, whose presence implies it when LP_AUTH is unset.
const OAUTH2_KEYS: &[&str] = &["LP_CLIENT_ID", "LP_CLIENT_SECRET"];
const OAUTH1_KEYS: &[&str] = &[
    "LP_APP_KEY",
    "LP_APP_SECRET",
    "LP_ACCESS_TOKEN",
    "LP_ACCESS_TOKEN_SECRET",
];

/// Keys whose values are secrets (permission warning, redaction).
pub const SECRET_KEYS: &[&str] = &[
    "LP_CLIENT_SECRET",
    "LP_APP_SECRET",
    "LP_ACCESS_TOKEN_SECRET",
    "FTP_PASSWORD",
    "EMAIL_PASSWORD",
];

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
    path: String,
    warnings: Vec<String>,
}

impl RawConfig {
    /// Parse the file's text. `path` is only used in messages.
    pub fn parse(text: &str, path: &str) -> Result<Self, ConfigError> {
        let line_of = key_lines(text);
        let mut raw = RawConfig {
            path: path.to_string(),
            ..Default::default()
        };
        for item in dotenvy::from_read_iter(text.as_bytes()) {
            match item {
                Ok((key, value)) => {
                    let line = line_of.get(&key).copied().unwrap_or(0);
                    if !KNOWN_KEYS.contains(&key.as_str()) {
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
                Err(dotenvy::Error::LineParse(bad, _)) => {
                    // Never echo the line: it may hold a secret. Name its number and key.
                    let (line, key) = locate_syntax_error(text, &bad);
                    let what = match key {
                        Some(k) => format!("the value of {k}"),
                        None => "this line".to_string(),
                    };
                    return Err(ConfigError::Syntax {
                        path: path.to_string(),
                        line,
                        what,
                    });
                }
                Err(e) => {
                    return Err(ConfigError::Unreadable {
                        path: path.to_string(),
                        reason: e.to_string(),
                    })
                }
            }
        }
        Ok(raw)
    }

    /// Apply `WFM_<KEY>` overrides from `env` (a lookup, so tests need not touch the process env).
    pub fn apply_env(&mut self, env: impl Fn(&str) -> Option<String>) {
        for key in KNOWN_KEYS {
            if let Some(v) = env(&format!("WFM_{key}")) {
                self.values.insert(key.to_string(), (v, Origin::Env));
            }
        }
    }

    pub fn holds_secret_in_file(&self) -> bool {
        self.values
            .iter()
            .any(|(k, (v, o))| SECRET_KEYS.contains(&k.as_str()) && !v.is_empty() && matches!(o, Origin::File { .. }))
    }

    fn where_(&self, key: &str) -> String {
        match self.values.get(key) {
            Some((_, Origin::File { path, line })) => format!("({path}, line {line})"),
            Some((_, Origin::Env)) => format!("(environment variable WFM_{key})"),
            None => format!("(not set in {})", self.path),
        }
    }

    /// The value, `None` when absent or empty (an empty value means "use the default").
    fn get(&self, key: &str) -> Option<&str> {
        self.values.get(key).map(|(v, _)| v.trim()).filter(|v| !v.is_empty())
    }

    fn invalid(&self, key: &str, problem: impl Into<String>) -> ConfigError {
        ConfigError::Invalid {
            key: key.to_string(),
            where_: self.where_(key),
            problem: problem.into(),
        }
    }

    fn required(&self, key: &str) -> Result<String, ConfigError> {
        self.get(key).map(str::to_string).ok_or_else(|| self.missing(key))
    }

    /// A required key that is absent, or present but empty (then with its line).
    fn missing(&self, key: &str) -> ConfigError {
        ConfigError::Missing {
            key: key.to_string(),
            where_: if self.values.contains_key(key) {
                format!("empty {}", self.where_(key))
            } else {
                format!("not set in {}", self.path)
            },
        }
    }

    fn number<T: std::str::FromStr + PartialOrd + fmt::Display + Copy>(
        &self,
        key: &str,
        default: T,
        min: T,
        max: T,
    ) -> Result<T, ConfigError> {
        let Some(v) = self.get(key) else {
            return Ok(default);
        };
        let n: T = v
            .parse()
            .map_err(|_| self.invalid(key, format!("{v:?} is not a whole number; expected {min} to {max}")))?;
        if n < min || n > max {
            return Err(self.invalid(key, format!("{n} is out of range; expected {min} to {max}")));
        }
        Ok(n)
    }

    fn ids(&self, key: &str) -> Result<IdSelection, ConfigError> {
        let Some(v) = self.get(key) else {
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

    fn path(&self, key: &str, base: &Path, default: Option<&str>) -> Option<PathBuf> {
        let v = self.get(key).or(default)?;
        let p = PathBuf::from(v);
        Some(if p.is_absolute() { p } else { base.join(p) })
    }

    /// LP_AUTH, explicit or implied by which credentials are set; only the
    /// chosen method's keys are required.
    fn auth(&self) -> Result<LpAuth, ConfigError> {
        let oauth2 = match self.get("LP_AUTH").map(str::to_ascii_lowercase).as_deref() {
            Some("oauth2") => true,
            Some("oauth1") => false,
            Some(v) => {
                return Err(self.invalid(
                    "LP_AUTH",
                    format!("{v:?} is not allowed; expected oauth2 (client credentials) or oauth1 (app keys)"),
                ))
            }
            // Any key of a method implies it, so a half-filled method names its missing key.
            None => match (
                OAUTH2_KEYS.iter().any(|k| self.get(k).is_some()),
                OAUTH1_KEYS.iter().any(|k| self.get(k).is_some()),
            ) {
                (true, false) => true,
                (false, true) => false,
                (true, true) => {
                    return Err(self.invalid(
                        "LP_AUTH",
                        "is needed: both OAuth 2.0 keys (LP_CLIENT_ID, LP_CLIENT_SECRET) and OAuth 1.0a keys (LP_APP_KEY, ...) are set; set LP_AUTH=oauth2 or LP_AUTH=oauth1, or remove the other method's keys",
                    ))
                }
                (false, false) => {
                    return Err(ConfigError::NoCredentials {
                        path: self.path.clone(),
                    })
                }
            },
        };
        if oauth2 {
            let sentinel_uri = match self.get("LP_SENTINEL_URI") {
                None => None,
                Some(v) => Some(normalize_base_uri(v).map_err(|p| self.invalid("LP_SENTINEL_URI", p))?),
            };
            return Ok(LpAuth::OAuth2(ClientCredentials {
                client_id: self.required("LP_CLIENT_ID")?,
                client_secret: Secret::new(self.required("LP_CLIENT_SECRET")?),
                sentinel_uri,
            }));
        }
        if let Some(m) = self.get("LP_SIGNATURE_METHOD") {
            if !m.eq_ignore_ascii_case("HMAC-SHA1") {
                return Err(self.invalid(
                    "LP_SIGNATURE_METHOD",
                    format!("{m:?} is not supported: LivePerson's Operational API keys sign with HMAC-SHA1; set LP_SIGNATURE_METHOD=HMAC-SHA1 or remove the line"),
                ));
            }
        }
        Ok(LpAuth::OAuth1(LpCredentials {
            app_key: self.required("LP_APP_KEY")?,
            app_secret: Secret::new(self.required("LP_APP_SECRET")?),
            access_token: self.required("LP_ACCESS_TOKEN")?,
            access_token_secret: Secret::new(self.required("LP_ACCESS_TOKEN_SECRET")?),
        }))
    }

    /// Validate into a [`Config`]. `base` is the folder relative paths are resolved against.
    pub fn validate(&self, source: &Path, base: &Path) -> Result<Config, ConfigError> {
        let account = self.required("LP_ACCOUNT")?;
        if !account.bytes().all(|b| b.is_ascii_digit()) {
            return Err(self.invalid(
                "LP_ACCOUNT",
                format!("{account:?} is not a LivePerson account id (digits only, e.g. 12345678)"),
            ));
        }
        let auth = self.auth()?;
        let base_uri = match self.get("LP_BASE_URI") {
            None => None,
            Some(v) => Some(normalize_base_uri(v).map_err(|p| self.invalid("LP_BASE_URI", p))?),
        };
        let domain_api = self
            .get("LP_DOMAIN_API")
            .unwrap_or("https://api.liveperson.net")
            .trim_end_matches('/')
            .to_string();
        if !(domain_api.starts_with("https://") || domain_api.starts_with("http://")) {
            return Err(self.invalid(
                "LP_DOMAIN_API",
                format!("{domain_api:?} must be an http(s):// URL, e.g. https://api.liveperson.net"),
            ));
        }
        let interval = self.number("LP_INTERVAL", 5u32, 0, u32::MAX)?;
        if interval != 5 {
            return Err(self.invalid(
                "LP_INTERVAL",
                format!(
                    "{interval} is not supported: the reports are built from 5-minute intervals; set LP_INTERVAL=5"
                ),
            ));
        }
        let version = self.get("LP_VERSION").unwrap_or("1").to_string();
        if version.is_empty() || !version.bytes().all(|b| b.is_ascii_digit()) {
            return Err(self.invalid("LP_VERSION", format!("{version:?} is not an API version; expected 1")));
        }
        let unmapped_agents = match self.get("UNMAPPED_AGENTS").map(str::to_ascii_lowercase).as_deref() {
            None | Some("keep") => UnmappedAgents::Keep,
            Some("skip") => UnmappedAgents::Skip,
            Some(v) => {
                return Err(self.invalid(
                    "UNMAPPED_AGENTS",
                    format!("{v:?} is not allowed; expected keep or skip"),
                ))
            }
        };
        if unmapped_agents == UnmappedAgents::Skip && self.get("AGENT_MAP_FILE").is_none() {
            return Err(self.invalid(
                "UNMAPPED_AGENTS",
                "skip leaves out every agent without an employee id, and no AGENT_MAP_FILE is set, so AQ_ and AS_ would always be empty; set AGENT_MAP_FILE or UNMAPPED_AGENTS=keep",
            ));
        }
        let report_dir = self
            .path("REPORT_DIR", base, None)
            .ok_or_else(|| self.missing("REPORT_DIR"))?;
        let state_file = self
            .path("STATE_FILE", base, None)
            .unwrap_or_else(|| report_dir.join(".wfm-state.json"));
        let ftp = match self.get("FTP_HOST") {
            None => None,
            Some(host) => Some(FtpConfig {
                host: host.to_string(),
                port: self.number("FTP_PORT", 21u16, 1, u16::MAX)?,
                user: self.get("FTP_USER").unwrap_or("anonymous").to_string(),
                password: Secret::new(self.get("FTP_PASSWORD").unwrap_or("")),
                remote_dir: self.get("FTP_REMOTE_DIR").unwrap_or("/").to_string(),
                tls: match self.get("FTP_TLS").map(str::to_ascii_lowercase).as_deref() {
                    None | Some("none") => FtpTls::None,
                    Some("explicit") => FtpTls::Explicit,
                    Some("implicit") => FtpTls::Implicit,
                    Some(v) => {
                        return Err(self.invalid(
                            "FTP_TLS",
                            format!("{v:?} is not allowed; expected none, explicit or implicit"),
                        ))
                    }
                },
            }),
        };
        let email = match self.get("EMAIL_SERVER") {
            None => None,
            Some(server) => {
                let from = self.required("EMAIL_FROM")?;
                let to = self.required("EMAIL_TO")?;
                for (k, v) in [("EMAIL_FROM", &from), ("EMAIL_TO", &to)] {
                    if !v.contains('@') || v.contains(',') || v.contains(char::is_whitespace) {
                        return Err(self.invalid(k, format!("{v:?} is not one mail address like ops@example.com")));
                    }
                }
                Some(EmailConfig {
                    server: server.to_string(),
                    port: self.number("EMAIL_PORT", 587u16, 1, u16::MAX)?,
                    user: self.get("EMAIL_USER").unwrap_or(&from).to_string(),
                    password: self.get("EMAIL_PASSWORD").map(Secret::new),
                    tls: match self.get("EMAIL_TLS").map(str::to_ascii_lowercase).as_deref() {
                        None | Some("starttls") => EmailTls::StartTls,
                        Some("tls") => EmailTls::Tls,
                        Some("none") => EmailTls::None,
                        Some(v) => {
                            return Err(self.invalid(
                                "EMAIL_TLS",
                                format!("{v:?} is not allowed; expected starttls, tls or none"),
                            ))
                        }
                    },
                    from,
                    to,
                    subject: self.get("EMAIL_SUBJECT").unwrap_or("wfm: report failure").to_string(),
                })
            }
        };
        Ok(Config {
            source: source.to_path_buf(),
            account,
            auth,
            base_uri,
            domain_api,
            interval,
            version,
            agents: self.ids("LP_AGENT_IDS")?,
            skills: self.ids("LP_SKILL_IDS")?,
            agent_map_file: self.path("AGENT_MAP_FILE", base, None),
            unmapped_agents,
            report_dir,
            log_dir: self.path("LOG_DIR", base, Some("logs")).unwrap_or_default(),
            json_dir: self.path("JSON_DIR", base, Some("json")).unwrap_or_default(),
            state_file,
            settle_seconds: self.number("SETTLE_SECONDS", 60u32, 0, 840)?,
            lp_timeout_seconds: self.number("LP_TIMEOUT_SECONDS", 30u32, 1, 300)?,
            log_keep_days: self.number("LOG_KEEP_DAYS", 30u32, 1, 3650)?,
            ftp,
            email,
            warnings: self.warnings.clone(),
        })
    }
}

/// `LP_BASE_URI`: a bare host (`va.data.liveperson.net`, HTTPS implied) or a full
/// `http(s)://host[:port]` URL. Returns the URL without a trailing slash.
pub fn normalize_base_uri(v: &str) -> Result<String, String> {
    let v = v.trim().trim_end_matches('/');
    let url = if v.starts_with("https://") || v.starts_with("http://") {
        v.to_string()
    } else if v.contains("://") {
        return Err(format!("{v:?} must be a host name or an http(s):// URL"));
    } else {
        format!("https://{v}")
    };
    let host = url.split("://").nth(1).unwrap_or("");
    if host.is_empty() || host.contains('/') || host.contains(char::is_whitespace) {
        return Err(format!(
            "{v:?} must be a host name like va.data.liveperson.net or a URL like http://127.0.0.1:8080 (no path)"
        ));
    }
    Ok(url)
}

/// Line number and key of a line dotenvy refused: the first line that fails on
/// its own, else the line holding the refused text (dotenvy reports the value only).
fn locate_syntax_error(text: &str, bad: &str) -> (usize, Option<String>) {
    let first_bad = bad.lines().next().unwrap_or("");
    let idx = text
        .lines()
        .position(|l| dotenvy::from_read_iter(l.as_bytes()).any(|r| r.is_err()))
        .or_else(|| {
            text.lines()
                .position(|l| !first_bad.is_empty() && l.contains(first_bad))
        });
    match idx {
        Some(i) => {
            let line = text.lines().nth(i).unwrap_or("");
            let key = key_lines(line).into_keys().next();
            (i + 1, key)
        }
        None => (0, None),
    }
}

/// The line each key is (last) set on, for messages.
fn key_lines(text: &str) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        let l = line.trim_start();
        let l = l.strip_prefix("export ").unwrap_or(l).trim_start();
        if let Some((k, _)) = l.split_once('=') {
            let k = k.trim_end();
            if !k.is_empty() && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                out.insert(k.to_string(), i + 1);
            }
        }
    }
    out
}

/// Load, override from the process environment and validate the config at `path`.
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    load_with_env(path, |k| std::env::var(k).ok())
}

/// [`load`] with an explicit environment lookup (the demo ignores `WFM_*` overrides).
pub fn load_with_env(path: &Path, env: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Unreadable {
        path: path.display().to_string(),
        reason: e.to_string(),
    })?;
    let mut raw = RawConfig::parse(&text, &path.display().to_string())?;
    raw.apply_env(env);
    let base = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    let mut cfg = raw.validate(path, &base)?;
    if raw.holds_secret_in_file() {
        if let Some(w) = loose_permissions_warning(path) {
            cfg.warnings.push(w);
        }
    }
    Ok(cfg)
}

#[cfg(unix)]
fn loose_permissions_warning(path: &Path) -> Option<String> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).ok()?.permissions().mode();
    (mode & 0o077 != 0).then(|| {
        format!(
            "{} holds secrets but is readable by group or others (mode {:o}); run: chmod 600 {}",
            path.display(),
            mode & 0o777,
            path.display()
        )
    })
}

#[cfg(not(unix))]
fn loose_permissions_warning(_path: &Path) -> Option<String> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = "LP_ACCOUNT=12345678\nLP_APP_KEY=key\nLP_APP_SECRET=appsecret\nLP_ACCESS_TOKEN=tok\nLP_ACCESS_TOKEN_SECRET=toksecret\nREPORT_DIR=reports\n";

    fn validate(text: &str) -> Result<Config, ConfigError> {
        RawConfig::parse(text, "config.navomi")?.validate(Path::new("/etc/wfm/config.navomi"), Path::new("/etc/wfm"))
    }

    #[test]
    fn defaults() {
        let c = validate(MINIMAL).unwrap();
        assert_eq!(c.account, "12345678");
        assert_eq!(c.agents, IdSelection::All);
        assert_eq!(c.skills, IdSelection::All);
        assert_eq!(c.report_dir, PathBuf::from("/etc/wfm/reports"));
        assert_eq!(c.state_file, PathBuf::from("/etc/wfm/reports/.wfm-state.json"));
        assert_eq!(c.log_dir, PathBuf::from("/etc/wfm/logs"));
        assert_eq!(c.json_dir, PathBuf::from("/etc/wfm/json"));
        assert_eq!(c.settle_seconds, 60);
        assert_eq!(c.lp_timeout_seconds, 30);
        assert_eq!(c.log_keep_days, 30);
        assert_eq!(c.domain_api, "https://api.liveperson.net");
        assert_eq!(c.base_uri, None);
        assert!(c.ftp.is_none() && c.email.is_none());
        assert!(c.warnings.is_empty());
    }

    #[test]
    fn shell_syntax_quotes_comments_and_env_override() {
        let text = format!(
            "# comment\n\n{MINIMAL}LP_SKILL_IDS=\"199, 10,199\"\nLP_AGENT_IDS='all'\nexport LOG_DIR=/var/log/wfm # trailing\nFTP_HOST=ftp.example.com\nFTP_PASSWORD='p#ss word'\nMYSTERY=1\n"
        );
        let mut raw = RawConfig::parse(&text, "config.navomi").unwrap();
        raw.apply_env(|k| (k == "WFM_LP_APP_SECRET").then(|| "fromenv".to_string()));
        let c = raw.validate(Path::new("c"), Path::new("/x")).unwrap();
        assert_eq!(c.skills, IdSelection::List(vec!["199".into(), "10".into()]));
        assert_eq!(c.agents, IdSelection::All);
        assert_eq!(c.log_dir, PathBuf::from("/var/log/wfm"));
        let LpAuth::OAuth1(creds) = &c.auth else {
            panic!("app keys mean oauth1")
        };
        assert_eq!(creds.app_secret.expose(), "fromenv");
        let ftp = c.ftp.unwrap();
        assert_eq!(ftp.password.expose(), "p#ss word");
        assert_eq!((ftp.port, ftp.remote_dir.as_str(), ftp.tls), (21, "/", FtpTls::None));
        assert_eq!(c.warnings.len(), 1);
        assert!(c.warnings[0].contains("MYSTERY") && c.warnings[0].contains("line 14"));
    }

    #[test]
    fn errors_name_key_and_line() {
        let e = validate("LP_ACCOUNT=1\nLP_APP_KEY=k\n").unwrap_err().to_string();
        assert!(e.contains("LP_APP_SECRET is required"), "{e}");
        let e = validate(&format!("{MINIMAL}LP_INTERVAL=15\n")).unwrap_err().to_string();
        assert!(
            e.contains("LP_INTERVAL") && e.contains("line 7") && e.contains("LP_INTERVAL=5"),
            "{e}"
        );
        let e = validate(&format!("{MINIMAL}LP_SIGNATURE_METHOD=PLAINTEXT\n"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("LP_SIGNATURE_METHOD") && e.contains("HMAC-SHA1"), "{e}");
        let e = validate(&format!("{MINIMAL}FTP_HOST=h\nFTP_PORT=70000\n"))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("FTP_PORT") && e.contains("line 8") && e.contains("1 to 65535"),
            "{e}"
        );
        let e = validate(&format!("{MINIMAL}FTP_HOST=h\nFTP_TLS=sometimes\n"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("FTP_TLS") && e.contains("explicit"), "{e}");
        let e = validate(&format!("{MINIMAL}EMAIL_SERVER=smtp\nEMAIL_TO=a@b\n"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("EMAIL_FROM is required"), "{e}");
        let e = validate(&format!("{MINIMAL}LP_SKILL_IDS=1,,2\n"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("LP_SKILL_IDS"), "{e}");
        let e = validate(&MINIMAL.replace("12345678", "12ab")).unwrap_err().to_string();
        assert!(e.contains("LP_ACCOUNT") && e.contains("line 1"), "{e}");
        let e = validate(&format!("{MINIMAL}LP_BASE_URI=ftp://x\n"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("LP_BASE_URI"), "{e}");
        let e = validate(&format!("{MINIMAL}UNMAPPED_AGENTS=drop\n"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("UNMAPPED_AGENTS") && e.contains("keep or skip"), "{e}");
    }

    const OAUTH2: &str = "LP_ACCOUNT=12345678\nLP_CLIENT_ID=cid\nLP_CLIENT_SECRET=csecret\nREPORT_DIR=reports\n";

    #[test]
    fn the_auth_method_is_chosen_by_lp_auth_or_by_the_keys_present() {
        let c = validate(OAUTH2).unwrap();
        assert_eq!(
            c.auth,
            LpAuth::OAuth2(ClientCredentials {
                client_id: "cid".into(),
                client_secret: Secret::new("csecret"),
                sentinel_uri: None,
            })
        );
        assert_eq!(validate(MINIMAL).unwrap().auth.name(), "oauth1");
        // Both kinds: LP_AUTH decides, and is required.
        let both = format!("{MINIMAL}LP_CLIENT_ID=cid\nLP_CLIENT_SECRET=csecret\n");
        let e = validate(&both).unwrap_err().to_string();
        assert!(e.starts_with("LP_AUTH") && e.contains("both"), "{e}");
        assert_eq!(
            validate(&format!("{both}LP_AUTH=oauth2\n")).unwrap().auth.name(),
            "oauth2"
        );
        assert_eq!(
            validate(&format!("{both}LP_AUTH=OAuth1\n")).unwrap().auth.name(),
            "oauth1"
        );
        // The other method's keys are then not required.
        let e = validate(&format!("{OAUTH2}LP_AUTH=oauth1\n")).unwrap_err().to_string();
        assert!(e.contains("LP_APP_KEY is required"), "{e}");
        let e = validate(&format!("{MINIMAL}LP_AUTH=oauth2\n")).unwrap_err().to_string();
        assert!(e.contains("LP_CLIENT_ID is required"), "{e}");
        let e = validate(&OAUTH2.replace("LP_CLIENT_SECRET=csecret\n", ""))
            .unwrap_err()
            .to_string();
        assert!(e.contains("LP_CLIENT_SECRET is required"), "{e}");
        let e = validate(&format!("{OAUTH2}LP_AUTH=jwt\n")).unwrap_err().to_string();
        assert!(
            e.contains("LP_AUTH") && e.contains("line 5") && e.contains("oauth2"),
            "{e}"
        );
        let e = validate("LP_ACCOUNT=1\nREPORT_DIR=r\n").unwrap_err().to_string();
        assert!(e.contains("LP_CLIENT_ID") && e.contains("LP_APP_KEY"), "{e}");
        // The token host, in the forms of LP_BASE_URI.
        let c = validate(&format!("{OAUTH2}LP_SENTINEL_URI=va.sentinel.liveperson.net\n")).unwrap();
        let LpAuth::OAuth2(cc) = c.auth else { panic!() };
        assert_eq!(cc.sentinel_uri.as_deref(), Some("https://va.sentinel.liveperson.net"));
        let e = validate(&format!("{OAUTH2}LP_SENTINEL_URI=ftp://x\n"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("LP_SENTINEL_URI"), "{e}");
        let dbg = format!("{:?}", validate(OAUTH2).unwrap());
        assert!(!dbg.contains("csecret"), "{dbg}");
    }

    #[test]
    fn syntax_error_never_echoes_the_secret() {
        let text = format!("{MINIMAL}LP_APP_SECRET=\"s3cr3t-value\n");
        let e = RawConfig::parse(&text, "config.navomi").unwrap_err().to_string();
        assert!(!e.contains("s3cr3t"), "{e}");
        assert!(e.contains("line 7") && e.contains("LP_APP_SECRET"), "{e}");
    }

    #[test]
    fn unquoted_spaces_are_a_syntax_error_naming_line_and_key() {
        let text = format!("{MINIMAL}LP_SKILL_IDS=1, 2\n");
        let e = RawConfig::parse(&text, "config.navomi").unwrap_err().to_string();
        assert!(e.contains("line 7") && e.contains("LP_SKILL_IDS"), "{e}");
    }

    #[test]
    fn secrets_are_redacted_in_debug() {
        let c = validate(MINIMAL).unwrap();
        let dbg = format!("{c:?}");
        assert!(!dbg.contains("appsecret") && !dbg.contains("toksecret"), "{dbg}");
    }

    #[test]
    fn the_shipped_example_is_valid_and_documents_every_key() {
        let text = include_str!("../config.navomi.example");
        let c = validate(text).unwrap();
        assert!(c.warnings.is_empty(), "{:?}", c.warnings);
        for key in KNOWN_KEYS {
            assert!(
                text.contains(&format!("{key}=")),
                "{key} is not documented in config.navomi.example"
            );
        }
    }

    #[test]
    fn base_uri_forms() {
        assert_eq!(
            normalize_base_uri("va.data.liveperson.net").unwrap(),
            "https://va.data.liveperson.net"
        );
        assert_eq!(
            normalize_base_uri("http://127.0.0.1:8080/").unwrap(),
            "http://127.0.0.1:8080"
        );
        assert!(normalize_base_uri("http://h/path").is_err());
    }
}
