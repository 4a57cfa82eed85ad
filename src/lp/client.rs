//! The LivePerson HTTP client: finds the data host (Domain API) and fetches the
//! three methods, each request signed with OAuth 1.0a HMAC-SHA1. Returns the
//! raw bodies; parsing lives in [`super::model`].

use super::model::Method;
use crate::config::{Config, IdSelection, LpCredentials};
use bytes::Bytes;
use chrono::{DateTime, Utc};
use oauth1_request as oauth;
use std::fmt::Display;
use std::time::Duration;

/// A failure talking to LivePerson. Every variant names the method or URL.
#[derive(Debug, thiserror::Error)]
pub enum LpError {
    #[error("cannot look up the LivePerson data host at {url}: {reason}. Check LP_ACCOUNT and LP_DOMAIN_API, or set LP_BASE_URI (e.g. va.data.liveperson.net) to skip the lookup")]
    Domain { url: String, reason: String },
    #[error("LivePerson {method} answered HTTP {status}: {message}{hint}")]
    Status {
        method: Method,
        status: u16,
        message: String,
        /// The server's Retry-After (seconds or an HTTP date), when it sent one.
        retry_after: Option<Duration>,
        hint: &'static str,
    },
    #[error("cannot reach LivePerson for {method} at {url}: {reason}. Check this host's network (DNS, firewall, HTTPS_PROXY) and the data host (LP_BASE_URI, or the Domain API's answer: `wfm check` shows it); the next run retries and catches up")]
    Transport {
        method: Method,
        url: String,
        reason: String,
    },
}

impl LpError {
    /// The HTTP status LivePerson answered, when it answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            LpError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// One raw reply, as received.
#[derive(Debug, Clone)]
pub struct RawReply {
    pub method: Method,
    pub fetched_at: DateTime<Utc>,
    pub body: Bytes,
}

/// What to ask for in one run.
#[derive(Debug, Clone)]
pub struct FetchPlan {
    pub timeframe: u32,
    pub skills: IdSelection,
    pub agents: IdSelection,
}

impl FetchPlan {
    /// The query of `method`, in the order it is sent.
    pub fn query(&self, method: Method, version: &str) -> Vec<(&'static str, String)> {
        let mut q = vec![
            ("timeframe", self.timeframe.to_string()),
            ("interval", "5".to_string()),
            ("v", version.to_string()),
        ];
        match method {
            Method::QueueHealth => q.push(("skillIds", self.skills.query_value())),
            // Always every agent: Q_ reports whole-queue totals, and LivePerson's
            // per-skill totals only cover the agents asked for. AQ_ rows are
            // limited to the configured agents after the fetch.
            Method::EngActivity => {
                q.push(("skillIds", self.skills.query_value()));
                q.push(("agentIds", "all".to_string()));
            }
            Method::AgentActivity => q.push(("agentIds", self.agents.query_value())),
        }
        q
    }
}

/// How failed requests are retried: 429 (honouring Retry-After), 5xx, connection
/// errors, timeouts and cut-off replies. Other 4xx are final.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Attempts per method, the first included.
    pub max_attempts: u32,
    /// First backoff; doubled on each retry, plus up to 25 % jitter.
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// The whole run's budget, shared by the Domain API lookup and the three
    /// methods: no retry starts unless its wait and its own timeout end within
    /// it, so a run ends well inside its 15 minutes.
    pub budget: Duration,
    /// The timeout of one attempt (LP_TIMEOUT_SECONDS).
    pub attempt_timeout: Duration,
    /// When the run's first request started; clones share it.
    pub started: std::time::Instant,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy::for_run(30)
    }
}

impl RetryPolicy {
    /// The policy of one run whose requests time out after `timeout_secs`.
    pub fn for_run(timeout_secs: u32) -> Self {
        RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(30),
            budget: Duration::from_secs(300),
            attempt_timeout: Duration::from_secs(timeout_secs.into()),
            started: std::time::Instant::now(),
        }
    }

    /// The wait before retry number `retry` (1-based), or `None` when the wait
    /// plus the retry's own timeout would pass the budget, `elapsed` after the start.
    fn delay(&self, retry: u32, retry_after: Option<Duration>, elapsed: Duration) -> Option<Duration> {
        let backoff = self
            .base_delay
            .saturating_mul(1u32 << (retry - 1).min(16))
            .min(self.max_delay);
        let jitter = backoff.mul_f64(fastrand::f64() * 0.25);
        let wait = retry_after.map_or(backoff + jitter, |r| r.max(backoff));
        (elapsed + wait + self.attempt_timeout <= self.budget).then_some(wait)
    }
}

/// A Retry-After header: seconds, or an HTTP date (RFC 7231), as a wait from `now`.
pub fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = DateTime::parse_from_rfc2822(v).ok()?.with_timezone(&Utc);
    Some((at - now).to_std().unwrap_or(Duration::ZERO))
}

/// Longest query sent in a URL; longer agentactivity queries go as a POST body.
const MAX_QUERY_LEN: usize = 1500;

pub struct LpClient {
    http: reqwest::Client,
    base_url: String,
    account: String,
    version: String,
    credentials: LpCredentials,
    policy: RetryPolicy,
    retries: std::sync::atomic::AtomicUsize,
    requests: std::sync::atomic::AtomicUsize,
    /// Where every raw reply is saved (debug level 2), refusals included.
    dump_dir: Option<std::path::PathBuf>,
}

/// The HTTP client with the configured per-request timeout.
pub fn http_client(timeout_secs: u32) -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(timeout_secs.into()))
        .connect_timeout(Duration::from_secs(timeout_secs.clamp(1, 10).into()))
        .user_agent(concat!("wfm/", env!("CARGO_PKG_VERSION")))
        .build()
        .unwrap_or_else(|_| reqwest::Client::new())
}

/// The data host's base URL: LP_BASE_URI, or the Domain API's answer. A failed
/// lookup is retried like a data request (DNS hiccups and 5xx pass).
pub async fn resolve_base_url(http: &reqwest::Client, cfg: &Config, policy: &RetryPolicy) -> Result<String, LpError> {
    if let Some(b) = &cfg.base_uri {
        return Ok(b.clone());
    }
    let mut attempt = 1;
    loop {
        let (e, retryable) = match lookup_base_url(http, cfg).await {
            Ok(b) => return Ok(b),
            Err(e) => e,
        };
        match policy.delay(attempt, None, policy.started.elapsed()) {
            Some(wait) if retryable && attempt < policy.max_attempts => {
                tracing::warn!(
                    "{e}; retry {attempt} of {} in {:.1} s",
                    policy.max_attempts - 1,
                    wait.as_secs_f64()
                );
                tokio::time::sleep(wait).await;
                attempt += 1;
            }
            _ => return Err(e),
        }
    }
}

/// One Domain API lookup; the flag says whether trying again may help.
async fn lookup_base_url(http: &reqwest::Client, cfg: &Config) -> Result<String, (LpError, bool)> {
    let url = format!(
        "{}/api/account/{}/service/leDataReporting/baseURI.json?version=1.0",
        cfg.domain_api, cfg.account
    );
    let err = |reason: String, retryable: bool| {
        (
            LpError::Domain {
                url: url.clone(),
                reason,
            },
            retryable,
        )
    };
    let resp = http.get(&url).send().await.map_err(|e| err(describe(&e), true))?;
    let status = resp.status();
    let body = resp.bytes().await.map_err(|e| err(describe(&e), true))?;
    if !status.is_success() {
        let retryable = status.as_u16() == 429 || status.is_server_error();
        return Err(err(
            format!("HTTP {}: {}", status.as_u16(), api_message(&body)),
            retryable,
        ));
    }
    #[derive(serde::Deserialize)]
    struct DomainReply {
        #[serde(rename = "baseURI")]
        base_uri: String,
    }
    let reply: DomainReply =
        serde_json::from_slice(&body).map_err(|e| err(format!("unexpected reply ({e})"), false))?;
    // LivePerson answers a bare host (HTTPS implied); a full URL is accepted too.
    crate::config::normalize_base_uri(&reply.base_uri).map_err(|p| err(format!("baseURI {p}"), false))
}

impl LpClient {
    pub fn new(http: reqwest::Client, base_url: String, cfg: &Config) -> Self {
        LpClient {
            http,
            base_url,
            account: cfg.account.clone(),
            version: cfg.version.clone(),
            credentials: cfg.credentials.clone(),
            policy: RetryPolicy::default(),
            retries: Default::default(),
            requests: Default::default(),
            dump_dir: None,
        }
    }

    pub fn with_dump_dir(mut self, dir: Option<std::path::PathBuf>) -> Self {
        self.dump_dir = dir;
        self
    }

    /// Save a raw reply in the dump folder, named by method, fetch time and,
    /// for a refusal, the status. Failing to save is only a warning.
    fn dump(&self, method: Method, fetched_at: DateTime<Utc>, status: u16, body: &[u8]) {
        let Some(dir) = &self.dump_dir else { return };
        let status = if status == 200 {
            String::new()
        } else {
            format!("-http{status}")
        };
        let name = format!(
            "{}-{}{status}.json",
            method.path(),
            fetched_at.format("%Y%m%dT%H%M%S%.3fZ")
        );
        match crate::deliver::local::write_atomic(dir, &name, body) {
            Ok(p) => tracing::debug!("saved the raw {method} reply to {}", p.display()),
            Err(e) => tracing::warn!("cannot save the raw {method} reply: {e:#}"),
        }
    }

    pub fn with_policy(mut self, policy: RetryPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Retries made so far (all methods).
    pub fn retries(&self) -> usize {
        self.retries.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Data requests sent so far, retries included.
    pub fn requests(&self) -> usize {
        self.requests.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Fetch one method, retrying what is worth retrying. Each attempt is signed
    /// anew (fresh nonce and timestamp).
    pub async fn fetch(&self, method: Method, plan: &FetchPlan) -> Result<RawReply, LpError> {
        let mut attempt = 1;
        loop {
            let err = match self.fetch_once(method, plan).await {
                Ok(r) => return Ok(r),
                Err(e) => e,
            };
            let (retryable, retry_after) = match &err {
                LpError::Status {
                    status, retry_after, ..
                } => (*status == 429 || *status >= 500, *retry_after),
                LpError::Transport { .. } => (true, None),
                LpError::Domain { .. } => (false, None),
            };
            if !retryable || attempt >= self.policy.max_attempts {
                return Err(err);
            }
            let Some(wait) = self.policy.delay(attempt, retry_after, self.policy.started.elapsed()) else {
                return Err(err);
            };
            tracing::warn!(
                "{err}; retry {attempt} of {} in {:.1} s",
                self.policy.max_attempts - 1,
                wait.as_secs_f64()
            );
            self.retries.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }

    pub fn method_url(&self, method: Method) -> String {
        format!(
            "{}/operations/api/account/{}/{}",
            self.base_url,
            self.account,
            method.path()
        )
    }

    /// One signed GET.
    async fn fetch_once(&self, method: Method, plan: &FetchPlan) -> Result<RawReply, LpError> {
        self.requests.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let url = self.method_url(method);
        let query = plan.query(method, &self.version);
        let params: oauth::ParameterList<&str, &dyn Display> =
            oauth::ParameterList::new(query.iter().map(|(k, v)| (*k, v as &dyn Display)).collect::<Vec<_>>());
        let c = &self.credentials;
        let token = oauth::Token::from_parts(
            c.app_key.as_str(),
            c.app_secret.expose(),
            c.access_token.as_str(),
            c.access_token_secret.expose(),
        );
        // A long agent list does not fit a URL: agentactivity takes it as a JSON
        // body instead (not part of the OAuth signature).
        let post = method == Method::AgentActivity
            && query.iter().map(|(k, v)| k.len() + v.len() + 2).sum::<usize>() > MAX_QUERY_LEN;
        let no_params: oauth::ParameterList<&str, &dyn Display> = oauth::ParameterList::new(Vec::new());
        let (http_method, signed) = if post { ("POST", &no_params) } else { ("GET", &params) };
        let authorization = oauth::authorize(http_method, &url, signed, &token, oauth::HMAC_SHA1);
        let full_url = oauth::to_query(url.clone(), signed);
        let transport = |e: reqwest::Error| LpError::Transport {
            method,
            url: url.clone(),
            reason: describe(&e),
        };
        let request = if post {
            let body: std::collections::BTreeMap<&str, &str> = query.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let json = serde_json::to_vec(&body).unwrap_or_default();
            self.http
                .post(&full_url)
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(json)
        } else {
            self.http.get(&full_url)
        };
        let resp = request
            .header(reqwest::header::AUTHORIZATION, authorization)
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(transport)?;
        let status = resp.status();
        let retry_after = resp
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, Utc::now()));
        let fetched_at = Utc::now();
        let body = resp.bytes().await.map_err(transport)?;
        self.dump(method, fetched_at, status.as_u16(), &body);
        if !status.is_success() {
            return Err(LpError::Status {
                method,
                status: status.as_u16(),
                message: api_message(&body),
                retry_after,
                hint: match status.as_u16() {
                    401 | 403 => ". Check LP_APP_KEY, LP_APP_SECRET, LP_ACCESS_TOKEN and LP_ACCESS_TOKEN_SECRET, and that this machine's clock is right (OAuth allows only a few minutes of skew)",
                    429 => ". LivePerson is rate limiting this account; try again in a minute",
                    500..=599 => ". LivePerson had a server error; try again later (wfm rerun can rebuild the quarter within 24 h)",
                    _ => "",
                },
            });
        }
        Ok(RawReply {
            method,
            fetched_at,
            body,
        })
    }

    /// Fetch the three methods concurrently. All or nothing: the first method's failure is returned.
    pub async fn fetch_all(&self, plan: &FetchPlan) -> Result<[RawReply; 3], LpError> {
        // join, not try_join: a refusal of one method does not cut the others
        // short, so the request count is the same every time and debug level 2
        // keeps all three replies of a failed run.
        let (qh, ea, aa) = tokio::join!(
            self.fetch(Method::QueueHealth, plan),
            self.fetch(Method::EngActivity, plan),
            self.fetch(Method::AgentActivity, plan),
        );
        Ok([qh?, ea?, aa?])
    }
}

/// A reqwest error in words, with its causes (e.g. "connection refused").
fn describe(e: &reqwest::Error) -> String {
    let mut s = if e.is_timeout() {
        "timed out".to_string()
    } else if e.is_connect() {
        "connection failed".to_string()
    } else if e.is_body() || e.is_decode() {
        "the reply was cut off".to_string()
    } else {
        "request failed".to_string()
    };
    let mut src = std::error::Error::source(e);
    while let Some(cause) = src {
        s.push_str(": ");
        s.push_str(&cause.to_string());
        src = cause.source();
    }
    s
}

/// The API's own error text from a JSON body (`message`, `error`, ...), else the start of the body.
pub fn api_message(body: &[u8]) -> String {
    #[derive(serde::Deserialize)]
    struct ErrorBody {
        #[serde(alias = "error", alias = "errorMessage", alias = "Message", alias = "reason")]
        message: Option<String>,
    }
    if let Ok(ErrorBody { message: Some(m) }) = serde_json::from_slice::<ErrorBody>(body) {
        return m;
    }
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        "(empty reply)".to_string()
    } else {
        text.chars().take(200).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_per_method() {
        let plan = FetchPlan {
            timeframe: 25,
            skills: IdSelection::List(vec!["199".into(), "10".into()]),
            agents: IdSelection::List(vec!["7".into()]),
        };
        let q = |m| {
            plan.query(m, "1")
                .into_iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("&")
        };
        assert_eq!(q(Method::QueueHealth), "timeframe=25&interval=5&v=1&skillIds=199,10");
        assert_eq!(
            q(Method::EngActivity),
            "timeframe=25&interval=5&v=1&skillIds=199,10&agentIds=all"
        );
        assert_eq!(q(Method::AgentActivity), "timeframe=25&interval=5&v=1&agentIds=7");
    }

    #[test]
    fn backoff_doubles_honours_retry_after_and_stops_at_the_budget() {
        let p = RetryPolicy::default();
        let zero = Duration::ZERO;
        for (retry, base) in [(1, 1.0), (2, 2.0), (3, 4.0)] {
            let d = p.delay(retry, None, zero).unwrap().as_secs_f64();
            assert!(d >= base && d <= base * 1.25, "{retry}: {d}");
        }
        assert_eq!(
            p.delay(1, Some(Duration::from_secs(7)), zero),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            p.delay(10, None, zero).map(|d| d <= Duration::from_secs(38)),
            Some(true)
        );
        assert_eq!(p.delay(1, Some(Duration::from_secs(600)), zero), None);
        // The retry's own 30 s timeout must fit in the budget too.
        assert!(p.delay(1, None, Duration::from_secs(268)).is_some());
        assert_eq!(p.delay(1, None, Duration::from_secs(270)), None);
        let slow = RetryPolicy::for_run(300);
        assert_eq!(
            slow.delay(1, None, zero),
            None,
            "a 300 s timeout leaves no room for a retry"
        );
    }

    #[test]
    fn retry_after_in_seconds_or_as_an_http_date() {
        let now = DateTime::parse_from_rfc3339("2026-11-24T10:16:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(parse_retry_after(" 7 ", now), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("Tue, 24 Nov 2026 10:16:20 GMT", now),
            Some(Duration::from_secs(20))
        );
        assert_eq!(
            parse_retry_after("Tue, 24 Nov 2026 10:15:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-3", now), None);
    }

    #[test]
    fn api_messages() {
        assert_eq!(api_message(br#"{"error":"Invalid signature"}"#), "Invalid signature");
        assert_eq!(api_message(b"  "), "(empty reply)");
        assert_eq!(api_message(b"<html>Bad Gateway</html>"), "<html>Bad Gateway</html>");
    }
}
