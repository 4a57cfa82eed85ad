//! `config.navomi`: `KEY=VALUE` lines read as bash sources them (`shell`), overridden
//! by `WFM_<KEY>` environment variables, validated into a typed [`Config`].
//! Secrets are wrapped in [`Secret`] so they cannot leak through `Debug`.
//!
//! Every key is one entry of the table in [`keys`] (kind, default, secret, doc);
//! `parse` reads the file and each kind of key, `validate` applies the rules
//! between keys.

pub mod keys;
mod parse;
mod places;
mod shell;
mod validate;

pub use crate::select::{Channel, FileStamp, IdSelection, UnmappedAgents};
pub use parse::RawConfig;

use crate::mapping::MapError;
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
    pub(crate) fn expose(&self) -> &str {
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
    #[error("cannot read config file {path}: {reason}. Pass the right file with --config FILE (without it: WFM_CONFIG, else /etc/wfm/config.navomi when installed, else config.navomi in the working directory)")]
    Unreadable { path: String, reason: String },
    #[error("{path}, line {line}: cannot parse {what}: use KEY=VALUE, quote values that hold spaces or '#', and close every quote")]
    Syntax { path: String, line: usize, what: String },
    #[error("{path}, line {line}: {key}: {problem}")]
    Shell {
        path: String,
        line: usize,
        key: String,
        problem: String,
    },
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

impl From<MapError> for ConfigError {
    fn from(e: MapError) -> Self {
        match e {
            MapError::Unreadable { path, reason } => ConfigError::Invalid {
                key: "AGENT_MAP_FILE".into(),
                where_: format!("({path})"),
                problem: format!("cannot read the agent map: {reason}"),
            },
            MapError::Empty { path } => ConfigError::Invalid {
                key: "AGENT_MAP_FILE".into(),
                where_: format!("({path})"),
                problem: crate::mapping::EMPTY_MAP.into(),
            },
            MapError::Line { path, line, problem } => ConfigError::AgentMap { path, line, problem },
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FtpTls {
    None,
    Explicit,
    Implicit,
}

/// FTP_PROTOCOL: how push talks to the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FtpProtocol {
    Ftp,
    Sftp,
}

/// The SSH side of an SFTP push (FTP_PROTOCOL=sftp).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SftpConfig {
    /// SFTP_KNOWN_HOSTS: the only source of trust for the server's host key.
    pub known_hosts: PathBuf,
    /// SFTP_KEY_FILE; `None`: FTP_PASSWORD logs in.
    pub key_file: Option<PathBuf>,
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
    /// `Some` with FTP_PROTOCOL=sftp: push over SSH instead of FTP (`tls` unused).
    pub sftp: Option<SftpConfig>,
}

impl FtpConfig {
    /// How logs and messages name the protocol.
    pub(crate) fn protocol_name(&self) -> &'static str {
        if self.sftp.is_some() {
            "SFTP"
        } else {
            "FTP"
        }
    }
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
    /// LP_CHANNEL: which source builds the quarters.
    pub channel: Channel,
    /// LP_KMM_URI: the Key Messaging Metrics host; `None` = Domain API service `agentManagerWorkspace`.
    pub kmm_uri: Option<String>,
    pub domain_api: String,
    pub interval: u32,
    pub version: String,
    pub agents: IdSelection,
    pub skills: IdSelection,
    pub agent_map_file: Option<PathBuf>,
    pub unmapped_agents: UnmappedAgents,
    pub report_dir: PathBuf,
    /// FILE_STAMP: report file names carry the quarter's start or its end.
    pub file_stamp: FileStamp,
    pub log_dir: PathBuf,
    pub json_dir: PathBuf,
    /// STATE_FILE, or `<STATE_DIR>/wfm-state-<LP_ACCOUNT>.json`; the lock is `<STATE_FILE>.lock`.
    pub state_file: PathBuf,
    /// Where the state was by default before STATE_DIR (`<REPORT_DIR>/.wfm-state.json`),
    /// moved to `state_file` once; `None` when STATE_FILE is set.
    pub legacy_state_file: Option<PathBuf>,
    pub settle_seconds: u32,
    pub lp_timeout_seconds: u32,
    pub log_keep_days: u32,
    /// The deadline of a whole run (RUN_TIMEOUT_SECONDS).
    pub run_timeout_seconds: u32,
    /// `None` when FTP_HOST is not set; push mode then fails validation.
    /// DELIVERY: how a run delivers unless `--ftp` / FTP_OPT says otherwise.
    pub delivery: crate::job::DeliveryMode,
    pub ftp: Option<FtpConfig>,
    /// `None` when EMAIL_SERVER is not set: failures are only logged.
    pub email: Option<EmailConfig>,
    /// METRICS_FILE: the Prometheus textfile written after every run; `None`: none.
    pub metrics_file: Option<PathBuf>,
    /// PING_URL (without a trailing slash): pinged after every run; `None`: no ping.
    pub ping_url: Option<String>,
    /// Warnings found while loading (unknown keys, loose file permissions).
    pub warnings: Vec<String>,
}

/// `LP_BASE_URI`: a bare host (`va.data.liveperson.net`, HTTPS implied) or a full
/// `http(s)://host[:port]` URL. Returns the URL without a trailing slash.
pub(crate) fn normalize_base_uri(v: &str) -> Result<String, String> {
    let v = v.trim().trim_end_matches('/');
    // First: the messages below show the value, which must not show a password.
    url_prefix_problem(v, "va.data.liveperson.net")?;
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

/// Why `v`, a LivePerson host or the Domain API root that wfm appends request
/// paths to (`{v}/api/account/...?version=1.0`), cannot be one; `example` names a
/// good value. Never shows `v` when it holds `@`: the part before is a password.
pub(crate) fn url_prefix_problem(v: &str, example: &str) -> Result<(), String> {
    // `https://a:1@b:2` would connect to b: a URL with userinfo is never a LivePerson host.
    if v.contains('@') {
        return Err(format!(
            "the URL holds a user name or password before `@` (not shown); give only the host, like {example}"
        ));
    }
    // The appended path would land inside the query or fragment: every request
    // would go to the host's root (a `#...` is never even sent).
    if v.contains(['?', '#']) {
        return Err(format!(
            "{v:?} holds a query or fragment (`?`, `#`), where the request paths wfm appends would end up; give only the host, like {example}"
        ));
    }
    Ok(())
}

/// The most a config file may hold: a real one is a few kilobytes.
pub(crate) const CONFIG_MAX_BYTES: u64 = 1 << 20;

/// Load, override from the process environment and validate the config at `path`.
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    load_with_env(path, |k| std::env::var(k).ok())
}

/// [`load`] with an explicit environment lookup, for `WFM_*` overrides and `$NAME`
/// in values (the demo passes none).
pub fn load_with_env(path: &Path, env: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
    let unreadable = |reason: String| ConfigError::Unreadable {
        path: path.display().to_string(),
        reason,
    };
    // Never blocks (a named pipe) and never grows without end (`/dev/zero`).
    let bytes = crate::atomic::read_capped(path, CONFIG_MAX_BYTES).map_err(|e| unreadable(e.to_string()))?;
    let text = String::from_utf8(bytes).map_err(|_| unreadable("it is not UTF-8 text".into()))?;
    let mut raw = RawConfig::parse_with_env(&text, &path.display().to_string(), &env)?;
    raw.apply_env(env);
    let base = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    let mut cfg = raw.validate(path, &base)?;
    places::outside_report_dir(&raw, &cfg)?;
    if raw.holds_secret_in_file() {
        if let Some(w) = loose_permissions_warning(path, "holds secrets") {
            cfg.warnings.push(w);
        }
    }
    // A private key others can read is a secret in the open (ssh itself refuses such a key).
    let key_file = cfg
        .ftp
        .as_ref()
        .and_then(|f| f.sftp.as_ref())
        .and_then(|s| s.key_file.clone());
    if let Some(w) = key_file.and_then(|k| loose_permissions_warning(&k, "(SFTP_KEY_FILE) is a private key")) {
        cfg.warnings.push(w);
    }
    Ok(cfg)
}

#[cfg(unix)]
fn loose_permissions_warning(path: &Path, what: &str) -> Option<String> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).ok()?.permissions().mode();
    (mode & 0o077 != 0).then(|| {
        format!(
            "{} {what} but is readable by group or others (mode {:o}); run: chmod 600 {}",
            path.display(),
            mode & 0o777,
            path.display()
        )
    })
}

#[cfg(not(unix))]
fn loose_permissions_warning(_path: &Path, _what: &str) -> Option<String> {
    None
}

#[cfg(test)]
mod tests;
