//! What can go wrong talking to LivePerson. Every variant names the method or
//! URL and says what to do; none ever holds a secret or a token.

use super::model::Method;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum LpError {
    #[error("cannot look up the LivePerson {service} host at {url}: {reason}. Check LP_ACCOUNT and LP_DOMAIN_API, or set {key} (e.g. {example}) to skip the lookup")]
    Domain {
        service: &'static str,
        url: String,
        reason: String,
        key: &'static str,
        example: &'static str,
        retryable: bool,
    },
    #[error("LivePerson refused the client credentials: check LP_CLIENT_ID and LP_CLIENT_SECRET and that the application is installed for this account with the reporting privileges (HTTP {status}: {message})")]
    Credentials { status: u16, message: String },
    #[error("cannot get an OAuth 2.0 token from {url}: {reason}. Check this host's network and LP_SENTINEL_URI (or the Domain API's answer: `wfm check` shows it); the next run retries and catches up")]
    Token {
        url: String,
        reason: String,
        retryable: bool,
    },
    #[error("LivePerson {method} answered HTTP {status}: {message}{hint}")]
    Status {
        method: Method,
        status: u16,
        message: String,
        /// The server's Retry-After (seconds or an HTTP date), when it sent one.
        retry_after: Option<Duration>,
        hint: &'static str,
    },
    #[error("the OAuth 2.0 token endpoint at {url} answered a token wfm cannot use: {reason}. Check that LP_SENTINEL_URI (or the Domain API's answer: `wfm check` shows it) is LivePerson's sentinel host and that no proxy rewrites its replies; the next run tries again")]
    TokenReply { url: String, reason: String },
    #[error("{what} at {from} answered HTTP {status}, a redirect to {to}; wfm follows no redirect, so the credentials never go to another host. Check {key} (or the Domain API's answer: `wfm check` shows it) and any proxy between this host and LivePerson")]
    Redirect {
        /// What was asked: a method, the token endpoint, the Domain API.
        what: String,
        from: String,
        status: u16,
        /// The Location header, escaped (or "(no Location)").
        to: String,
        key: &'static str,
    },
    #[error("cannot keep LivePerson's {method} reply on this host: {reason}. Check free space and write access of TMPDIR (or of JSON_DIR at debug level 2); the next run retries and catches up")]
    Spool { method: Method, reason: String },
    #[error("cannot send the {method} request: {reason}")]
    Unsendable { method: Method, reason: String },
    #[error("replay: the folder {dir} holds no usable {method} reply for this request (wanted {wanted}: {reason}); it holds another run's dumps, or the run was not at DEBUG_LEVEL 2, or the dump was pruned (LOG_KEEP_DAYS). Replay the run whose dumps are there (the same command and window), or leave out --replay to ask LivePerson")]
    Replay {
        method: Method,
        dir: String,
        wanted: String,
        reason: String,
    },
    #[error("cannot reach LivePerson for {method} at {url}: {reason}. Check this host's network (DNS, firewall, HTTPS_PROXY) and the data host (LP_BASE_URI, or the Domain API's answer: `wfm check` shows it); the next run retries and catches up")]
    Transport {
        method: Method,
        url: String,
        reason: String,
    },
}

impl LpError {
    /// The HTTP status LivePerson answered a data call with, when it answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            LpError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Whether trying again may help, and the wait the server asked for.
    pub fn retry(&self) -> Option<Option<Duration>> {
        match self {
            LpError::Status {
                status, retry_after, ..
            } => (*status == 429 || *status >= 500).then_some(*retry_after),
            LpError::Transport { .. } => Some(None),
            LpError::Domain { retryable, .. } | LpError::Token { retryable, .. } => retryable.then_some(None),
            LpError::Credentials { .. }
            | LpError::TokenReply { .. }
            | LpError::Redirect { .. }
            | LpError::Spool { .. }
            | LpError::Replay { .. }
            | LpError::Unsendable { .. } => None,
        }
    }

    /// The same error, no longer worth retrying: its own retries are spent
    /// (a token request inside a data call's retry must not multiply them).
    pub(crate) fn exhausted(mut self) -> Self {
        if let LpError::Domain { retryable, .. } | LpError::Token { retryable, .. } = &mut self {
            *retryable = false;
        }
        self
    }
}

pub use crate::outside::redact;

/// A redirect's Location header as safe text for an error.
pub(crate) fn location_of(headers: &reqwest::header::HeaderMap, secrets: &[&str]) -> String {
    headers
        .get(reqwest::header::LOCATION)
        .map(|v| redact(&String::from_utf8_lossy(v.as_bytes()), secrets))
        .unwrap_or_else(|| "(no Location)".to_string())
}
