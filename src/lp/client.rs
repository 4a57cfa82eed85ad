//! The LivePerson HTTP client: finds the data host (Domain API), authorises
//! every data call (OAuth 2.0 Bearer token or OAuth 1.0a HMAC-SHA1 signature)
//! and fetches the three methods. Each body is streamed as it arrives into a
//! spooled file (the debug-2 dump itself, or an anonymous temporary file), never
//! held in memory; parsing lives in [`super::model`].

use super::domain::{Domains, Service};
use super::model::Method;
use super::retry::{parse_retry_after, Counters, RetryPolicy};
use super::token::{Bearer, TokenSource};
use super::LpError;
use crate::config::{Config, LpAuth, LpCredentials};
use chrono::Utc;
use oauth1_request as oauth;
use std::fmt::Display;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

mod dump;
mod plan;
mod replay;
mod reply;
mod words;

use plan::goes_as_body;
pub use plan::FetchPlan;
pub use replay::Replay;
use reply::dump_name;
pub use reply::RawReply;
pub use words::api_message;
pub(crate) use words::describe;
use words::refusal_hint;

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
    /// `--replay`: every reply read from this folder's dumps, nothing sent.
    replay: Option<Replay>,
}

/// The HTTP client for LivePerson with the configured per-request timeout. A
/// redirect would carry the client secret (307/308 re-send the form) or the
/// Bearer token to whatever host it names: none is followed, each is an error.
pub(crate) fn http_client(timeout_secs: u32) -> Result<reqwest::Client, String> {
    crate::net::http_client(crate::net::Http {
        timeout: Duration::from_secs(timeout_secs.into()),
        connect_timeout: Duration::from_secs(timeout_secs.clamp(1, 10).into()),
        follow_redirects: false,
    })
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
            replay: None,
        }
    }

    pub(crate) fn with_dump_dir(mut self, dir: Option<std::path::PathBuf>) -> Self {
        self.dump_dir = dir;
        self
    }

    /// Read every reply from `replay`'s dumps instead of asking LivePerson.
    pub(crate) fn with_replay(mut self, replay: Option<Replay>) -> Self {
        self.replay = replay;
        self
    }

    pub(crate) fn with_policy(mut self, policy: RetryPolicy) -> Self {
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

    /// [`Self::requests`] by method (and `token`), those made only.
    pub fn requests_by_method(&self) -> Vec<(&'static str, usize)> {
        self.counters.by_method()
    }

    /// The data host (LP_BASE_URI, or the Domain API's answer, looked up once).
    pub(crate) async fn data_host(&self) -> Result<String, LpError> {
        if self.replay.is_some() {
            return Ok(String::new()); // no lookup: nothing is sent
        }
        self.domains.resolve(Service::DataReporting, &self.policy).await
    }

    /// The Key Messaging Metrics host (LP_KMM_URI, or the Domain API's answer, looked up once).
    pub(crate) async fn kmm_host(&self) -> Result<String, LpError> {
        if self.replay.is_some() {
            return Ok(String::new()); // no lookup: nothing is sent
        }
        self.domains.resolve(Service::AgentManagerWorkspace, &self.policy).await
    }

    /// One page of a Key Messaging Metrics method (`metrics` or `agent_view`):
    /// a POST of `body` at `offset`, with the run's retries and authorisation.
    /// `tag` names the page in the debug-2 dump file's name.
    pub(crate) async fn kmm_page(
        &self,
        method: Method,
        offset: u64,
        body: &[u8],
        tag: &str,
    ) -> Result<RawReply, LpError> {
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

    /// One Messaging Operations request (`msgskillsegments`, `msgconversation`) on the
    /// data host, with the run's retries, authorisation, spool and dump (named by the
    /// method, as every other dump).
    pub(crate) async fn msg_ops(
        &self,
        method: Method,
        query: &[(&'static str, String)],
        tag: &str,
    ) -> Result<RawReply, LpError> {
        self.fetch_query(method, query, Some(tag)).await
    }

    /// Whether this run authorises with OAuth 2.0 (Bearer tokens).
    pub(crate) fn is_oauth2(&self) -> bool {
        matches!(self.auth, Authorizer::OAuth2(_))
    }

    /// The run's OAuth 2.0 token (fetched if needed); `None` with OAuth 1.0a.
    pub async fn bearer(&self) -> Result<Option<Bearer>, LpError> {
        match &self.auth {
            _ if self.replay.is_some() => Ok(None),
            Authorizer::OAuth2(ts) => Ok(Some(
                ts.bearer(&self.http, &self.domains, &self.policy, &self.counters)
                    .await?,
            )),
            Authorizer::OAuth1(_) => Ok(None),
        }
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
    pub(crate) async fn day_totals(&self) -> Result<RawReply, LpError> {
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
        if let Some(replay) = &self.replay {
            // The transport substituted: the call's dump, read instead of sent.
            return replay.reply(call.method, call.tag);
        }
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
        self.counters.request(super::retry::Asked::Data(call.method));
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
    pub(crate) async fn fetch_all(&self, plan: &FetchPlan) -> Result<[Vec<RawReply>; 3], LpError> {
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

#[cfg(test)]
mod tests;
