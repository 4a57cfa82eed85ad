//! Validation of the raw keys into a [`Config`]: the rules between keys (which
//! credentials, which features); each key is read by its kind in `parse`.

use super::keys::{self, AuthMethod};
use super::parse::RawConfig;
use super::{
    ClientCredentials, Config, ConfigError, EmailConfig, FtpConfig, FtpProtocol, LpAuth, LpCredentials, Secret,
    SftpConfig,
};
use crate::job::DeliveryMode;
use crate::select::UnmappedAgents;
use std::path::Path;

/// The state file's name in REPORT_DIR before STATE_DIR existed.
const LEGACY_STATE_NAME: &str = ".wfm-state.json";

impl RawConfig {
    /// LP_AUTH, explicit or implied by which credentials are set; only the
    /// chosen method's keys are required.
    fn auth(&self) -> Result<LpAuth, ConfigError> {
        let method = match self.choice_if_set("LP_AUTH", keys::AUTH_METHODS)? {
            Some(m) => m,
            // Any key of a method implies it, so a half-filled method names its missing key.
            None => match (
                keys::required_with("oauth2").any(|k| self.get(k).is_some()),
                keys::required_with("oauth1").any(|k| self.get(k).is_some()),
            ) {
                (true, false) => AuthMethod::OAuth2,
                (false, true) => AuthMethod::OAuth1,
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
        if method == AuthMethod::OAuth2 {
            let sentinel_uri = self.host("LP_SENTINEL_URI")?;
            return Ok(LpAuth::OAuth2(ClientCredentials {
                client_id: self.credential("LP_CLIENT_ID")?,
                client_secret: Secret::new(self.credential("LP_CLIENT_SECRET")?),
                sentinel_uri,
            }));
        }
        // Its own message rather than the list of one value: why, and how to fix it.
        if self.choice("LP_SIGNATURE_METHOD", keys::SIGNATURE_METHODS).is_err() {
            let m = self.get("LP_SIGNATURE_METHOD").unwrap_or_default();
            return Err(self.invalid(
                "LP_SIGNATURE_METHOD",
                format!("{m:?} is not supported: LivePerson's Operational API keys sign with HMAC-SHA1; set LP_SIGNATURE_METHOD=HMAC-SHA1 or remove the line"),
            ));
        }
        Ok(LpAuth::OAuth1(LpCredentials {
            app_key: self.credential("LP_APP_KEY")?,
            app_secret: Secret::new(self.credential("LP_APP_SECRET")?),
            access_token: self.credential("LP_ACCESS_TOKEN")?,
            access_token_secret: Secret::new(self.credential("LP_ACCESS_TOKEN_SECRET")?),
        }))
    }

    /// FTP_PROTOCOL=sftp: the known_hosts file (required) and the key file; both
    /// must be readable files now, so `check` and the first run name them, not a push at 3 am.
    fn sftp(&self, base: &Path) -> Result<Option<SftpConfig>, ConfigError> {
        if self.choice("FTP_PROTOCOL", keys::FTP_PROTOCOL)? == FtpProtocol::Ftp {
            return Ok(None);
        }
        let known_hosts = self
            .path("SFTP_KNOWN_HOSTS", base)
            .ok_or_else(|| self.missing("SFTP_KNOWN_HOSTS"))?;
        self.readable_file(
            "SFTP_KNOWN_HOSTS",
            &known_hosts,
            "put the server's host key there (ssh-keyscan, then compare its fingerprint with the server owner's)",
        )?;
        let key_file = self.path("SFTP_KEY_FILE", base);
        if let Some(k) = &key_file {
            self.readable_file(
                "SFTP_KEY_FILE",
                k,
                "point it at the private key (OpenSSH format) whose public half the server accepts",
            )?;
        }
        // An empty password is never a login an SSH server accepts: say so now.
        if key_file.is_none() && self.get("FTP_PASSWORD").is_none() {
            return Err(self.invalid(
                "SFTP_KEY_FILE",
                "is needed with FTP_PROTOCOL=sftp when FTP_PASSWORD is empty: set SFTP_KEY_FILE (a private key the server accepts) or FTP_PASSWORD",
            ));
        }
        Ok(Some(SftpConfig { known_hosts, key_file }))
    }

    /// `path` (the value of `key`) is a regular file this user can read.
    fn readable_file(&self, key: &str, path: &Path, fix: &str) -> Result<(), ConfigError> {
        let problem = match std::fs::metadata(path) {
            Ok(m) if !m.is_file() => "is not a regular file".to_string(),
            Ok(_) => match std::fs::File::open(path) {
                Ok(_) => return Ok(()),
                Err(e) => format!("cannot be read: {e}"),
            },
            Err(e) => format!("cannot be read: {e}"),
        };
        Err(self.invalid(key, format!("{} {problem}; {fix}", path.display())))
    }

    /// Validate into a [`Config`]. `base` is the folder relative paths are resolved against.
    pub fn validate(&self, source: &Path, base: &Path) -> Result<Config, ConfigError> {
        let account = self.digits("LP_ACCOUNT")?;
        let auth = self.auth()?;
        let base_uri = self.host("LP_BASE_URI")?;
        let channel = self.choice("LP_CHANNEL", keys::CHANNELS)?;
        let kmm_uri = self.host("LP_KMM_URI")?;
        let domain_api = self.domain_api()?;
        let interval = self.number("LP_INTERVAL")?;
        // The only supported value: the reports are built from 5-minute intervals.
        if interval != 5 {
            return Err(self.invalid(
                "LP_INTERVAL",
                format!(
                    "{interval} is not supported: the reports are built from 5-minute intervals; set LP_INTERVAL=5"
                ),
            ));
        }
        let version = self.digits("LP_VERSION")?;
        let unmapped_agents = self.choice("UNMAPPED_AGENTS", keys::UNMAPPED_AGENTS)?;
        if unmapped_agents == UnmappedAgents::Skip && self.get("AGENT_MAP_FILE").is_none() {
            return Err(self.invalid(
                "UNMAPPED_AGENTS",
                "skip leaves out every agent without an employee id, and no AGENT_MAP_FILE is set, so AQ_ and AS_ would always be empty; set AGENT_MAP_FILE or UNMAPPED_AGENTS=keep",
            ));
        }
        let report_dir = self
            .path("REPORT_DIR", base)
            .ok_or_else(|| self.missing("REPORT_DIR"))?;
        // The state and its lock stay out of REPORT_DIR (a folder others may write
        // to), one state per account. The old default is moved once (see `run::open`).
        let state_dir = self.path("STATE_DIR", base).unwrap_or_default();
        let (state_file, legacy_state_file) = match self.path("STATE_FILE", base) {
            Some(explicit) => (explicit, None),
            None => (
                state_dir.join(format!("wfm-state-{account}.json")),
                Some(report_dir.join(LEGACY_STATE_NAME)),
            ),
        };
        let ftp = match self.get("FTP_HOST") {
            None => None,
            Some(host) => {
                let sftp = self.sftp(base)?;
                Some(FtpConfig {
                    host: host.to_string(),
                    // SSH's port when unset with sftp; the table's 21 otherwise.
                    port: match (&sftp, self.get("FTP_PORT")) {
                        (Some(_), None) => 22,
                        _ => self.number("FTP_PORT")?,
                    },
                    user: {
                        self.login_part("FTP_USER")?;
                        self.required("FTP_USER")?
                    },
                    password: Secret::new(self.login_part("FTP_PASSWORD")?.unwrap_or_default()),
                    remote_dir: self.required("FTP_REMOTE_DIR")?,
                    tls: self.choice("FTP_TLS", keys::FTP_TLS)?,
                    sftp,
                })
            }
        };
        let delivery = match self.get("DELIVERY") {
            None if ftp.is_some() => DeliveryMode::Push,
            None => DeliveryMode::Pull,
            Some(_) => self.choice("DELIVERY", keys::DELIVERY)?,
        };
        if delivery == DeliveryMode::Push && ftp.is_none() {
            return Err(self.invalid(
                "DELIVERY",
                "push needs FTP_HOST (and FTP_USER, FTP_PASSWORD, FTP_REMOTE_DIR); set them, or DELIVERY=pull",
            ));
        }
        let email = match self.get("EMAIL_SERVER") {
            None => None,
            Some(server) => {
                let from = self.required("EMAIL_FROM")?;
                let to = self.required("EMAIL_TO")?;
                self.mail("EMAIL_FROM", &from)?;
                self.mail("EMAIL_TO", &to)?;
                Some(EmailConfig {
                    server: server.to_string(),
                    port: self.number("EMAIL_PORT")?,
                    user: self.login_part("EMAIL_USER")?.unwrap_or(&from).to_string(),
                    password: self.login_part("EMAIL_PASSWORD")?.map(Secret::new),
                    tls: self.choice("EMAIL_TLS", keys::EMAIL_TLS)?,
                    from,
                    to,
                    subject: self.required("EMAIL_SUBJECT")?,
                })
            }
        };
        Ok(Config {
            source: source.to_path_buf(),
            account,
            auth,
            base_uri,
            channel,
            kmm_uri,
            domain_api,
            interval,
            version,
            agents: self.ids("LP_AGENT_IDS")?,
            skills: self.ids("LP_SKILL_IDS")?,
            agent_map_file: self.path("AGENT_MAP_FILE", base),
            unmapped_agents,
            report_dir,
            file_stamp: self.choice("FILE_STAMP", keys::FILE_STAMPS)?,
            log_dir: self.path("LOG_DIR", base).unwrap_or_default(),
            json_dir: self.path("JSON_DIR", base).unwrap_or_default(),
            state_file,
            legacy_state_file,
            settle_seconds: self.number("SETTLE_SECONDS")?,
            lp_timeout_seconds: self.number("LP_TIMEOUT_SECONDS")?,
            log_keep_days: self.number("LOG_KEEP_DAYS")?,
            delivery,
            run_timeout_seconds: self.number("RUN_TIMEOUT_SECONDS")?,
            ftp,
            email,
            metrics_file: self.path("METRICS_FILE", base),
            ping_url: match self.get("PING_URL") {
                Some(_) => Some(self.ping_url()?),
                None => None,
            },
            warnings: self
                .warnings
                .iter()
                .cloned()
                .chain(self.blank_edged_secrets())
                .collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::config::ConfigError;
    use crate::mapping::AgentMap;

    #[test]
    fn an_agent_map_error_reads_the_same_as_a_config_error() {
        let e = AgentMap::parse("1,E1\n1,E2\n", "map.csv").unwrap_err();
        let c = ConfigError::from(e.clone());
        assert!(matches!(c, ConfigError::AgentMap { line: 2, .. }));
        assert_eq!(c.to_string(), e.to_string());
        let e = AgentMap::load(std::path::Path::new("/nonexistent/map.csv")).unwrap_err();
        let c = ConfigError::from(e.clone());
        assert!(c
            .to_string()
            .starts_with("AGENT_MAP_FILE (/nonexistent/map.csv): cannot read the agent map: "));
        assert!(matches!(c, ConfigError::Invalid { ref key, .. } if key == "AGENT_MAP_FILE"));
        assert_eq!(c.to_string(), e.to_string());
    }
}
