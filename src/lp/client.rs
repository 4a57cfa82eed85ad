//! The LivePerson HTTP client: finds the data host (Domain API), authorises
//! every data call (OAuth 2.0 Bearer token or OAuth 1.0a HMAC-SHA1 signature)
//! and fetches the three methods. Each body is streamed as it arrives into a
//! spooled file (the debug-2 dump itself, or an anonymous temporary file), never
//! held in memory; parsing lives in [`super::model`].

use super::domain::{Domains, Service};
use super::model::Method;
use super::retry::{parse_retry_after, Counters, RetryPolicy};
use super::token::{Bearer, TokenSource};
use super::{redact, LpError};
use crate::config::{Config, IdSelection, LpAuth, LpCredentials};
use chrono::{DateTime, Utc};
use oauth1_request as oauth;
use std::fmt::Display;
use std::fs::File;
use std::io::{BufReader, Read, Seek, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// One raw reply, as received: its body spooled in a file, from the start.
#[derive(Debug)]
pub struct RawReply {
    pub method: Method,
    pub fetched_at: DateTime<Utc>,
    pub body: File,
}

impl RawReply {
    /// A reply whose body is `bytes` (tests, and small replies).
    pub fn from_bytes(method: Method, fetched_at: DateTime<Utc>, bytes: &[u8]) -> std::io::Result<Self> {
        let mut body = tempfile::tempfile()?;
        body.write_all(bytes)?;
        body.rewind()?;
        Ok(RawReply {
            method,
            fetched_at,
            body,
        })
    }

    /// The body, buffered, for a streaming parse.
    pub fn reader(self) -> BufReader<File> {
        BufReader::with_capacity(1 << 16, self.body)
    }

    /// The whole body in memory: only for small replies (`wfm check`).
    pub fn into_bytes(self) -> std::io::Result<Vec<u8>> {
        let mut out = Vec::new();
        self.reader().read_to_end(&mut out)?;
        Ok(out)
    }
}

/// The dump file's name: method, the call's tag (a KMM page: quarter and
/// offset, so concurrent pages never share a name), fetch time and, for a
/// refusal, the status.
fn dump_name(method: Method, tag: Option<&str>, fetched_at: DateTime<Utc>, status: u16) -> String {
    let suffix = if status == 200 {
        String::new()
    } else {
        format!("-http{status}")
    };
    let tag = tag.map(|t| format!("-{t}")).unwrap_or_default();
    format!(
        "{}{tag}-{}{suffix}.json",
        method.path(),
        fetched_at.format("%Y%m%dT%H%M%S%.3fZ")
    )
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
            // Key Messaging Metrics takes a JSON body instead (`LpClient::kmm_page`).
            Method::Metrics | Method::AgentView => {}
        }
        q
    }

    /// The queries of `method`, one per request: one, or for a skill list too
    /// long for one URL, one per part of the list (queuehealth and engactivity
    /// take only GET; agentactivity's long agent list goes as a POST body
    /// instead). Each part's reply covers its own skills; the run merges them.
    pub fn queries(&self, method: Method, version: &str) -> Vec<Vec<(&'static str, String)>> {
        let whole = self.query(method, version);
        let IdSelection::List(skills) = &self.skills else {
            return vec![whole];
        };
        if method == Method::AgentActivity || encoded_len(&whole) <= MAX_QUERY_LEN {
            return vec![whole];
        }
        // Each id once (a part must not repeat another's skill), in the configured order.
        let mut seen = std::collections::HashSet::new();
        let ids: Vec<&String> = skills.iter().filter(|id| seen.insert(id.as_str())).collect();
        let with = |part: &[&String]| {
            let plan = FetchPlan {
                skills: IdSelection::List(part.iter().map(|s| s.to_string()).collect()),
                ..self.clone()
            };
            plan.query(method, version)
        };
        let mut parts: Vec<Vec<&String>> = vec![Vec::new()];
        for id in ids {
            let last = parts.last_mut().filter(|p| !p.is_empty());
            match last {
                Some(p) if encoded_len(&with(&[&p[..], &[id]].concat())) > MAX_QUERY_LEN => parts.push(vec![id]),
                Some(p) => p.push(id),
                // An id too long for a URL of its own still goes alone: LivePerson's refusal names it.
                None => parts[0].push(id),
            }
        }
        parts.iter().map(|p| with(p)).collect()
    }
}

/// Longest query sent in a URL (the URL stays under 2,000 bytes with any host):
/// longer agentactivity queries go as a POST body, longer skill lists in parts.
const MAX_QUERY_LEN: usize = 1500;

/// A query's length once percent-encoded as it is sent (`,` is `%2C`).
fn encoded_len(query: &[(&'static str, String)]) -> usize {
    let enc = |s: &str| {
        s.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                    1
                } else {
                    3
                }
            })
            .sum::<usize>()
    };
    query.iter().map(|(k, v)| enc(k) + enc(v) + 2).sum()
}

/// Whether `query` goes as a JSON body (a POST) rather than in the URL: a long
/// agent list does not fit a URL, and agentactivity takes it as a body instead
/// (not part of the OAuth 1.0a signature). Measured as sent, percent-encoded,
/// like the skill lists of [`FetchPlan::queries`].
fn goes_as_body(method: Method, query: &[(&'static str, String)]) -> bool {
    method == Method::AgentActivity && encoded_len(query) > MAX_QUERY_LEN
}

/// One data call: the URL, its query (in the URL, signed with OAuth 1.0a) and,
/// for a POST, its JSON body (never signed).
struct Call<'a> {
    method: Method,
    url: String,
    query: &'a [(&'static str, String)],
    body: Option<&'a [u8]>,
    /// Added to the dump file's name.
    tag: Option<&'a str>,
}

/// How this run authorises data calls.
enum Authorizer {
    OAuth2(TokenSource),
    OAuth1(LpCredentials),
}

pub struct LpClient {
    http: reqwest::Client,
    domains: Domains,
    auth: Authorizer,
    /// Secrets of the configured method, never to be echoed from a reply.
    secrets: Vec<String>,
    account: String,
    version: String,
    policy: RetryPolicy,
    counters: Counters,
    /// Where every raw reply is saved (debug level 2), refusals included.
    dump_dir: Option<std::path::PathBuf>,
    /// Methods LivePerson has answered with 200 in this run: a later 401 is then
    /// no missing privilege (the same privilege served the earlier pages).
    accepted: std::sync::Mutex<std::collections::HashSet<Method>>,
}

/// The HTTP client with the configured per-request timeout.
pub fn http_client(timeout_secs: u32) -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(timeout_secs.into()))
        .connect_timeout(Duration::from_secs(timeout_secs.clamp(1, 10).into()))
        .user_agent(concat!("wfm/", env!("CARGO_PKG_VERSION")))
        // A redirect would carry the client secret (307/308 re-send the form) or the
        // Bearer token to whatever host it names: none is followed, each is an error.
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap_or_else(|_| reqwest::Client::new())
}

/// Whether `secrets` occur in `file` (read from its start), in chunks: a 200 MB
/// reply is never in memory.
fn holds_any(file: &mut File, secrets: &[&str]) -> std::io::Result<bool> {
    let longest = secrets.iter().map(|s| s.len()).max().unwrap_or(0);
    if longest == 0 {
        return Ok(false);
    }
    file.rewind()?;
    let mut buf = vec![0u8; (1 << 16) + longest];
    let mut kept = 0;
    loop {
        let n = file.read(&mut buf[kept..])?;
        let end = kept + n;
        let window = &buf[..end];
        if secrets
            .iter()
            .any(|s| window.windows(s.len()).any(|w| w == s.as_bytes()))
        {
            return Ok(true);
        }
        if n == 0 {
            return Ok(false);
        }
        // Keep the tail a secret may straddle.
        kept = (longest - 1).min(end);
        buf.copy_within(end - kept..end, 0);
    }
}

/// Copy `src` (from its start) to `dst` with every secret replaced by `***`, in
/// chunks. A secret is written inside JSON strings as plain text, so the copy
/// stays the same JSON.
fn copy_redacted(src: &mut File, dst: &mut impl Write, secrets: &[&str]) -> std::io::Result<()> {
    src.rewind()?;
    let longest = secrets.iter().map(|s| s.len()).max().unwrap_or(0);
    let mut pending: Vec<u8> = Vec::new();
    let mut chunk = vec![0u8; 1 << 16];
    loop {
        let n = src.read(&mut chunk)?;
        pending.extend_from_slice(&chunk[..n]);
        let done = n == 0;
        // Bytes before `safe` cannot start a secret that continues past the buffer.
        let safe = if done {
            pending.len()
        } else {
            pending.len().saturating_sub(longest.saturating_sub(1))
        };
        let mut i = 0;
        let mut from = 0;
        while i < safe {
            match secrets.iter().find(|s| pending[i..].starts_with(s.as_bytes())) {
                Some(s) => {
                    dst.write_all(&pending[from..i])?;
                    dst.write_all(b"***")?;
                    i += s.len();
                    from = i;
                }
                None => i += 1,
            }
        }
        dst.write_all(&pending[from..i])?;
        pending.drain(..i);
        if done {
            return Ok(());
        }
    }
}

/// The hint of a refused data call, by status, method and method of authorisation.
fn refusal_hint(status: u16, method: Method, oauth2: bool, accepted_before: bool) -> &'static str {
    let kmm = matches!(method, Method::Metrics | Method::AgentView);
    match status {
        401 if accepted_before && oauth2 => ". LivePerson accepted this application's token for this method earlier in the run, then refused a new one: the token was revoked or the application's client secret rotated during the run, so no privilege is missing; the next run starts with a new token and catches up. If it repeats, check the application in Management Console → Application Install",
        403 if kmm => ". The application lacks the Key Messaging Metrics privilege: in Management Console → Application Install, give it the agent manager workspace (Key Messaging Metrics) read privilege for this account, and check LP_ACCOUNT",
        401 if kmm && oauth2 => ". LivePerson refused a freshly issued token for Key Messaging Metrics: the application most likely lacks the Key Messaging Metrics privilege; in Management Console → Application Install, give it that privilege for this account, and check LP_ACCOUNT",
        400 if kmm => ". Key Messaging Metrics refused the request window: it keeps 14 days and at most 24 hours per window; check this machine's clock",
        500..=599 if kmm => ". LivePerson had a server error; try again later (wfm rerun can rebuild a messaging quarter within 14 days)",
        401 | 403 if oauth2 => ". LivePerson refused a freshly issued token: the application most likely lacks the privilege for this data; in Management Console → Application Install, give it the Operational Realtime (reporting) privileges for this account, and check LP_ACCOUNT",
        401 | 403 => ". Check LP_APP_KEY, LP_APP_SECRET, LP_ACCESS_TOKEN and LP_ACCESS_TOKEN_SECRET, and that this machine's clock is right (OAuth allows only a few minutes of skew)",
        429 => ". LivePerson is rate limiting this account; try again in a minute",
        500..=599 => ". LivePerson had a server error; try again later (wfm rerun can rebuild the quarter within 24 h)",
        _ => "",
    }
}

impl LpClient {
    pub fn new(http: reqwest::Client, cfg: &Config) -> Self {
        let auth = match &cfg.auth {
            LpAuth::OAuth2(c) => Authorizer::OAuth2(TokenSource::new(c.clone(), &cfg.account)),
            LpAuth::OAuth1(c) => Authorizer::OAuth1(c.clone()),
        };
        LpClient {
            domains: Domains::new(http.clone(), cfg),
            http,
            auth,
            secrets: cfg.auth.secrets().into_iter().map(str::to_string).collect(),
            account: cfg.account.clone(),
            version: cfg.version.clone(),
            policy: RetryPolicy::default(),
            counters: Counters::default(),
            dump_dir: None,
            accepted: Default::default(),
        }
    }

    pub fn with_dump_dir(mut self, dir: Option<std::path::PathBuf>) -> Self {
        self.dump_dir = dir;
        self
    }

    pub fn with_policy(mut self, policy: RetryPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Retries made so far: backoffs, and data calls repeated with a new token.
    pub fn retries(&self) -> usize {
        self.counters.retries()
    }

    /// Requests sent so far (data and token requests), retries included.
    pub fn requests(&self) -> usize {
        self.counters.requests()
    }

    /// The data host (LP_BASE_URI, or the Domain API's answer, looked up once).
    pub async fn data_host(&self) -> Result<String, LpError> {
        self.domains.resolve(Service::DataReporting, &self.policy).await
    }

    /// The Key Messaging Metrics host (LP_KMM_URI, or the Domain API's answer, looked up once).
    pub async fn kmm_host(&self) -> Result<String, LpError> {
        self.domains.resolve(Service::AgentManagerWorkspace, &self.policy).await
    }

    /// One page of a Key Messaging Metrics method (`metrics` or `agent_view`):
    /// a POST of `body` at `offset`, with the run's retries and authorisation.
    /// `tag` names the page in the debug-2 dump file's name.
    pub async fn kmm_page(&self, method: Method, offset: u64, body: &[u8], tag: &str) -> Result<RawReply, LpError> {
        let host = self.kmm_host().await?;
        let query = [
            ("offset", offset.to_string()),
            ("limit", super::model::kmm::PAGE_LIMIT.to_string()),
        ];
        let call = Call {
            method,
            url: format!(
                "{host}/manager_workspace/api/account/{}/{}",
                self.account,
                method.path()
            ),
            query: &query,
            body: Some(body),
            tag: Some(tag),
        };
        self.call_retrying(&call).await
    }

    /// The run's OAuth 2.0 token (fetched if needed); `None` with OAuth 1.0a.
    pub async fn bearer(&self) -> Result<Option<Bearer>, LpError> {
        match &self.auth {
            Authorizer::OAuth2(ts) => Ok(Some(
                ts.bearer(&self.http, &self.domains, &self.policy, &self.counters)
                    .await?,
            )),
            Authorizer::OAuth1(_) => Ok(None),
        }
    }

    /// Save a refused call's reply in the dump folder (debug level 2), the
    /// token cut out. Failing to save is only a warning.
    fn dump_refusal(
        &self,
        method: Method,
        tag: Option<&str>,
        fetched_at: DateTime<Utc>,
        status: u16,
        body: &[u8],
        bearer: Option<&Bearer>,
    ) {
        let Some(dir) = &self.dump_dir else { return };
        // A refusal might quote the token or a secret; the dump must not hold them.
        let mut text = String::from_utf8_lossy(body).into_owned();
        for secret in self.dump_secrets(bearer) {
            text = text.replace(secret, "***");
        }
        match crate::atomic::write_atomic(dir, &dump_name(method, tag, fetched_at, status), text.as_bytes()) {
            Ok(p) => tracing::debug!("saved the raw {method} reply to {}", p.display()),
            Err(e) => tracing::warn!("cannot save the raw {method} reply: {e:#}"),
        }
    }

    /// Stream an accepted reply's body into a file as it arrives: at debug
    /// level 2 the dump itself (renamed to its final name once complete, byte
    /// for byte as received), else an anonymous temporary file. The file is
    /// returned rewound, for the streaming parse.
    async fn spool(
        &self,
        method: Method,
        tag: Option<&str>,
        fetched_at: DateTime<Utc>,
        mut resp: reqwest::Response,
        url: &str,
        bearer: Option<&Bearer>,
    ) -> Result<File, LpError> {
        let failed = |reason: String| LpError::Transport {
            method,
            url: url.to_string(),
            reason,
        };
        // A local disk failing is not LivePerson being unreachable: no retry, no network hint.
        let spool_failed = |e: std::io::Error| LpError::Spool {
            method,
            reason: format!("cannot write the reply to a temporary file: {e}"),
        };
        let name = dump_name(method, tag, fetched_at, 200);
        let dump = self.dump_dir.as_deref().map(|dir| (dir, name.as_str()));
        let mut spool = super::spool::Spool::new(method, dump).map_err(spool_failed)?;
        while let Some(chunk) = resp.chunk().await.map_err(|e| failed(describe(&e)))? {
            spool.write(&chunk).map_err(spool_failed)?;
        }
        let (mut file, staged) = spool.finish().map_err(spool_failed)?;
        if let Some(staged) = staged {
            match self.redacted_dump(method, tag, fetched_at, &mut file, staged, bearer) {
                Ok(p) => tracing::debug!("saved the raw {method} reply to {}", p.display()),
                // The open file still holds the body: the run goes on without the dump.
                Err(e) => tracing::warn!("cannot save the raw {method} reply: {e:#}"),
            }
        }
        file.rewind().map_err(spool_failed)?;
        Ok(file)
    }

    /// The secrets a dump must not hold: the configured ones and the run's token.
    fn dump_secrets<'a>(&'a self, bearer: Option<&'a Bearer>) -> Vec<&'a str> {
        let mut secrets: Vec<&str> = self.secrets.iter().map(String::as_str).collect();
        secrets.extend(bearer.map(|b| b.token.expose()));
        // As `outside::redact`: a secret of under 4 characters would star out data.
        secrets.retain(|s| s.len() >= 4);
        secrets
    }

    /// Give a complete accepted reply's dump its final name. A reply that echoes
    /// the token or a secret (a proxy page reflecting headers) is dumped as a
    /// redacted copy instead; the run parses the unredacted spool (`file`).
    fn redacted_dump(
        &self,
        method: Method,
        tag: Option<&str>,
        fetched_at: DateTime<Utc>,
        file: &mut File,
        staged: crate::atomic::Staged,
        bearer: Option<&Bearer>,
    ) -> anyhow::Result<std::path::PathBuf> {
        let secrets = self.dump_secrets(bearer);
        if !holds_any(file, &secrets)? {
            return staged.commit();
        }
        let dir = self.dump_dir.as_deref().unwrap_or(std::path::Path::new("."));
        let mut copy = crate::atomic::staged(dir, &dump_name(method, tag, fetched_at, 200))?;
        {
            let mut out = std::io::BufWriter::with_capacity(1 << 16, copy.file());
            copy_redacted(file, &mut out, &secrets)?;
            out.flush()?;
        }
        tracing::warn!("the {method} reply quoted the run's token or a secret; its dump has it replaced by ***");
        // Dropping the unredacted staged file removes it; `file` keeps its bytes for the parse.
        drop(staged);
        copy.commit()
    }

    /// Fetch one method, retrying what is worth retrying: one reply per
    /// query of [`FetchPlan::queries`], asked one after the other (so no more
    /// than three requests are ever in flight). Each attempt is authorised
    /// anew (a fresh OAuth 1.0a nonce, or the current token).
    pub async fn fetch(&self, method: Method, plan: &FetchPlan) -> Result<Vec<RawReply>, LpError> {
        let queries = plan.queries(method, &self.version);
        let mut replies = Vec::new();
        for (n, query) in queries.iter().enumerate() {
            // Parts asked within the same millisecond must not share a dump file.
            let tag = (queries.len() > 1).then(|| format!("part{}of{}", n + 1, queries.len()));
            replies.push(self.fetch_query(method, query, tag.as_deref()).await?);
        }
        Ok(replies)
    }

    /// queuehealth totals of the last 24 hours for the whole account, without
    /// intervals: one light request (`wfm check`).
    pub async fn day_totals(&self) -> Result<RawReply, LpError> {
        let query = vec![("timeframe", "1440".to_string()), ("v", self.version.clone())];
        self.fetch_query(Method::QueueHealth, &query, None).await
    }

    async fn fetch_query(
        &self,
        method: Method,
        query: &[(&'static str, String)],
        tag: Option<&str>,
    ) -> Result<RawReply, LpError> {
        let host = self.data_host().await?;
        let url = self.method_url(&host, method);
        let json;
        let (query, body) = if goes_as_body(method, query) {
            let body: std::collections::BTreeMap<&str, &str> = query.iter().map(|(k, v)| (*k, v.as_str())).collect();
            json = serde_json::to_vec(&body).unwrap_or_default();
            (&[][..], Some(json.as_slice()))
        } else {
            (query, None)
        };
        let call = Call {
            method,
            url,
            query,
            body,
            tag,
        };
        self.call_retrying(&call).await
    }

    async fn call_retrying(&self, call: &Call<'_>) -> Result<RawReply, LpError> {
        let refreshed = AtomicBool::new(false);
        self.policy
            .retrying(Some(&self.counters), || self.fetch_authorised(call, &refreshed))
            .await
    }

    /// One data call; with OAuth 2.0, a 401 to a token that should still be
    /// valid (revoked or rotated) gets one new token and one repeat per method.
    async fn fetch_authorised(&self, call: &Call<'_>, refreshed: &AtomicBool) -> Result<RawReply, LpError> {
        let method = call.method;
        loop {
            let bearer = self.bearer().await.map_err(LpError::exhausted)?;
            match self.fetch_once(call, bearer.as_ref()).await {
                Err(e) if e.status() == Some(401) => match (&self.auth, &bearer) {
                    (Authorizer::OAuth2(ts), Some(b)) if !refreshed.swap(true, Ordering::Relaxed) => {
                        tracing::warn!(
                            "LivePerson refused the token for {method} (revoked or rotated); getting a new token and repeating the call once"
                        );
                        ts.invalidate(b.generation).await;
                        self.counters.retry();
                    }
                    _ => return Err(e),
                },
                other => return other,
            }
        }
    }

    fn method_url(&self, host: &str, method: Method) -> String {
        format!("{host}/operations/api/account/{}/{}", self.account, method.path())
    }

    /// One authorised GET, or POST when the call has a body.
    async fn fetch_once(&self, call: &Call<'_>, bearer: Option<&Bearer>) -> Result<RawReply, LpError> {
        self.counters.request();
        let method = call.method;
        let url = call.url.clone();
        let in_url: oauth::ParameterList<&str, &dyn Display> = oauth::ParameterList::new(
            call.query
                .iter()
                .map(|(k, v)| (*k, v as &dyn Display))
                .collect::<Vec<_>>(),
        );
        let http_method = if call.body.is_some() { "POST" } else { "GET" };
        let mut authorization = match (&self.auth, bearer) {
            (Authorizer::OAuth1(c), _) => {
                let token = oauth::Token::from_parts(
                    c.app_key.as_str(),
                    c.app_secret.expose(),
                    c.access_token.as_str(),
                    c.access_token_secret.expose(),
                );
                reqwest::header::HeaderValue::from_str(&oauth::authorize(
                    http_method,
                    &url,
                    &in_url,
                    &token,
                    oauth::HMAC_SHA1,
                ))
            }
            (Authorizer::OAuth2(_), Some(b)) => {
                reqwest::header::HeaderValue::from_str(&format!("Bearer {}", b.token.expose()))
            }
            (Authorizer::OAuth2(_), None) => reqwest::header::HeaderValue::from_str(""),
        }
        .map_err(|_| LpError::Unsendable {
            method,
            reason: "the credentials cannot be sent in an HTTP header (they hold control characters); check the LP_* credentials in the config".into(),
        })?;
        // Keeps the header out of any Debug output.
        authorization.set_sensitive(true);
        let full_url = oauth::to_query(url.clone(), &in_url);
        let transport = |e: reqwest::Error| LpError::Transport {
            method,
            url: url.clone(),
            reason: describe(&e),
        };
        let request = if let Some(json) = call.body {
            self.http
                .post(&full_url)
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(json.to_vec())
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
        if status.is_redirection() {
            let secrets = self.dump_secrets(bearer);
            return Err(LpError::Redirect {
                what: format!("LivePerson {method}"),
                from: url.clone(),
                status: status.as_u16(),
                to: super::error::location_of(resp.headers(), &secrets),
                key: if matches!(method, Method::Metrics | Method::AgentView) {
                    "LP_KMM_URI"
                } else {
                    "LP_BASE_URI"
                },
            });
        }
        if !status.is_success() {
            let body = resp.bytes().await.map_err(transport)?;
            self.dump_refusal(method, call.tag, fetched_at, status.as_u16(), &body, bearer);
            let mut secrets: Vec<&str> = self.secrets.iter().map(String::as_str).collect();
            secrets.extend(bearer.map(|b| b.token.expose()));
            return Err(LpError::Status {
                method,
                status: status.as_u16(),
                message: api_message(&body, &secrets),
                retry_after,
                hint: refusal_hint(
                    status.as_u16(),
                    method,
                    matches!(self.auth, Authorizer::OAuth2(_)),
                    self.accepted.lock().is_ok_and(|a| a.contains(&method)),
                ),
            });
        }
        if let Ok(mut a) = self.accepted.lock() {
            a.insert(method);
        }
        let body = self.spool(method, call.tag, fetched_at, resp, &url, bearer).await?;
        Ok(RawReply {
            method,
            fetched_at,
            body,
        })
    }

    /// Fetch the three methods concurrently, each as one or more replies (a
    /// long skill list in parts). All or nothing: the first method's failure is returned.
    pub async fn fetch_all(&self, plan: &FetchPlan) -> Result<[Vec<RawReply>; 3], LpError> {
        // The host and the token first, once: the three calls then share them.
        self.data_host().await?;
        self.bearer().await?;
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
pub(crate) fn describe(e: &reqwest::Error) -> String {
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

/// The API's own error text from a JSON body (`message`, `error`, ...), else
/// the start of the body: `secrets` hidden, at most 200 characters, control
/// characters escaped, so it is safe in a log line or a mail.
pub fn api_message(body: &[u8], secrets: &[&str]) -> String {
    #[derive(serde::Deserialize)]
    struct ErrorBody {
        #[serde(alias = "error", alias = "errorMessage", alias = "Message", alias = "reason")]
        message: Option<String>,
    }
    let raw = match serde_json::from_slice::<ErrorBody>(body) {
        Ok(ErrorBody { message: Some(m) }) => m,
        _ => String::from_utf8_lossy(body).trim().to_string(),
    };
    if raw.is_empty() {
        return "(empty reply)".to_string();
    }
    let hidden = redact(&raw, secrets);
    let short: String = hidden.chars().take(200).collect();
    redact(&short, &[])
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
    fn a_long_skill_list_is_asked_in_parts_that_each_fit_a_url() {
        let skills: Vec<String> = (0..400).map(|i| (2_000_000_000u64 + i * 7919).to_string()).collect();
        let mut listed = skills.clone();
        listed.push(skills[3].clone()); // a repeat is asked once
        let plan = FetchPlan {
            timeframe: 1440,
            skills: IdSelection::List(listed),
            agents: IdSelection::All,
        };
        for method in [Method::QueueHealth, Method::EngActivity] {
            let parts = plan.queries(method, "1");
            assert!(parts.len() >= 3, "{}", parts.len());
            let mut asked = Vec::new();
            for q in &parts {
                assert!(encoded_len(q) <= MAX_QUERY_LEN, "{}", encoded_len(q));
                let ids = &q.iter().find(|(k, _)| *k == "skillIds").unwrap().1;
                asked.extend(ids.split(',').map(str::to_string));
                assert_eq!(
                    q.iter().filter(|(k, _)| *k == "agentIds").count(),
                    usize::from(method == Method::EngActivity)
                );
            }
            assert_eq!(asked, skills, "every skill once, in order");
        }
        // agentactivity does not split (its agents go as a POST body); short lists stay whole.
        // The body is chosen by the encoded length: 200 ids of 6 digits are 1,399 bytes
        // as written but 1,797 once each comma is %2C, too long for the URL.
        let agents: Vec<String> = (0..200).map(|i| (100_000 + i).to_string()).collect();
        let aa = FetchPlan {
            timeframe: 1440,
            skills: IdSelection::All,
            agents: IdSelection::List(agents),
        }
        .query(Method::AgentActivity, "1");
        assert!(aa.iter().map(|(k, v)| k.len() + v.len() + 2).sum::<usize>() < MAX_QUERY_LEN);
        assert!(goes_as_body(Method::AgentActivity, &aa));
        assert!(!goes_as_body(Method::EngActivity, &aa));
        assert!(!goes_as_body(Method::AgentActivity, &aa[..3]));
        assert_eq!(plan.queries(Method::AgentActivity, "1").len(), 1);
        let short = FetchPlan {
            skills: IdSelection::List(vec!["199".into(), "199".into()]),
            ..plan
        };
        assert_eq!(
            short.queries(Method::QueueHealth, "1"),
            vec![short.query(Method::QueueHealth, "1")]
        );
    }

    #[test]
    fn dumps_are_redacted_in_chunks_whole_json_kept() {
        let secret = "tok-ABCDEFGH";
        // The secret straddles the 64 KiB chunk border, and appears twice more.
        let mut text = String::from("{\"pad\":\"");
        text.push_str(&"x".repeat((1 << 16) - text.len() - 5));
        text.push_str(&format!("{secret}\",\"echo\":\"Bearer {secret}\",\"b\":\"{secret}\"}}"));
        let mut f = tempfile::tempfile().unwrap();
        f.write_all(text.as_bytes()).unwrap();
        assert!(holds_any(&mut f, &[secret]).unwrap());
        assert!(!holds_any(&mut f, &["not-there"]).unwrap());
        let mut out = Vec::new();
        copy_redacted(&mut f, &mut out, &["zzzz", secret]).unwrap();
        let out = String::from_utf8(out).unwrap();
        assert_eq!(out, text.replace(secret, "***"));
        assert_eq!(out.matches("***").count(), 3);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["echo"], "Bearer ***");
    }

    #[test]
    fn a_401_after_accepted_calls_is_not_blamed_on_a_privilege() {
        let fresh = refusal_hint(401, Method::Metrics, true, false);
        assert!(fresh.contains("privilege"), "{fresh}");
        let later = refusal_hint(401, Method::Metrics, true, true);
        assert!(
            later.contains("revoked") && later.contains("no privilege is missing"),
            "{later}"
        );
        assert!(refusal_hint(403, Method::Metrics, true, true).contains("lacks"));
    }

    #[test]
    fn api_messages() {
        assert_eq!(
            api_message(br#"{"error":"Invalid signature"}"#, &[]),
            "Invalid signature"
        );
        assert_eq!(api_message(b"  ", &[]), "(empty reply)");
        assert_eq!(
            api_message(b"<html>Bad Gateway</html>", &[]),
            "<html>Bad Gateway</html>"
        );
        // A body cannot forge a log line, nor echo a secret.
        assert_eq!(
            api_message(b"{\"error\":\"no\\nINFO run finished: ok\"}", &[]),
            "no\\nINFO run finished: ok"
        );
        assert_eq!(
            api_message(b"bad client_secret=hunter22", &["hunter22"]),
            "bad client_secret=***"
        );
    }
}
