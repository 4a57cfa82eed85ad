//! A LivePerson simulator (Domain API for every service, the sentinel token endpoint, and
//! queuehealth, engactivity, agentactivity) over plain HTTP on 127.0.0.1, for `wfm demo` and
//! the tests.
//!
//! Data comes from the deterministic [`Generator`]. Every data request is authorised the way
//! the simulated account is set up ([`SimAuth`]): an OAuth 1.0a signature checked by the
//! independent verifier in [`auth::oauth1`], or a Bearer token issued by [`auth::oauth2`]; the
//! other scheme is refused. Faults can be queued with [`Simulator::inject`].
//!
//! This crate never depends on the client it checks: it is written from LivePerson's API
//! description alone.
//!
//! Modules: `server` (listener, connections, response bodies), `routes` (paths, Domain API,
//! token and data routes), `faults` (queued faults), `data` (generator, slots, replies),
//! `auth` (OAuth 1.0a verifier, OAuth 2.0 issuer).

pub mod auth;
mod data;
mod faults;
mod routes;
mod server;
mod shared;
#[cfg(test)]
mod test_support;

pub use auth::oauth1::OAuthCredentials;
pub use auth::oauth2::{ClientCredentials, TokenOptions};
pub use data::generator::{self, *};

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use shared::{lock, Shared};

/// The simulator's idea of "now".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SimClock {
    Real,
    Fixed(DateTime<Utc>),
}

/// Order of `metricsByIntervals` in replies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntervalOrder {
    Ascending,
    Descending,
    /// A deterministic permutation (by seed and timestamp).
    Shuffled,
}

/// The three data methods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    QueueHealth,
    EngActivity,
    AgentActivity,
}

impl Method {
    /// The method's URL path segment.
    pub fn path_name(self) -> &'static str {
        match self {
            Method::QueueHealth => "queuehealth",
            Method::EngActivity => "engactivity",
            Method::AgentActivity => "agentactivity",
        }
    }

    pub fn from_path_name(name: &str) -> Option<Method> {
        match name {
            "queuehealth" => Some(Method::QueueHealth),
            "engactivity" => Some(Method::EngActivity),
            "agentactivity" => Some(Method::AgentActivity),
            _ => None,
        }
    }
}

/// A fault to answer a data request with (applied after the OAuth check passed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// 429, with `Retry-After` when `Some`.
    TooManyRequests { retry_after_secs: Option<u64> },
    /// This status (500 if not a valid status code) with a JSON error body.
    ServerError(u16),
    /// Sleep, then answer normally.
    Slow(Duration),
    /// 200 with valid JSON of the wrong shape.
    Malformed,
    /// 200, chunked, but only the first half of the body before the connection is closed
    /// (no terminating chunk): the client sees an incomplete body.
    Truncated,
}

/// How the simulated account's data calls must be authorised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SimAuth {
    /// Bearer tokens from the token endpoint (LivePerson's current way).
    OAuth2,
    /// OAuth 1.0a HMAC-SHA1 signatures with the app key.
    OAuth1,
}

/// One request as the simulator saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    /// HTTP method ("GET", "POST", ...).
    pub http_method: String,
    /// The data method, `None` for the Domain API and unknown paths.
    pub method: Option<Method>,
    pub path: String,
    /// Decoded URL query pairs; for a data POST, the JSON body's pairs follow.
    pub query: Vec<(String, String)>,
    /// The Authorization header's scheme (`OAuth`, `Bearer`), never its value.
    pub auth_scheme: Option<String>,
    /// The HTTP status answered.
    pub status: u16,
}

#[derive(Debug, Clone)]
pub struct SimOptions {
    pub account: String,
    /// Which scheme data calls must use.
    pub auth: SimAuth,
    /// The app key accepted with [`SimAuth::OAuth1`].
    pub credentials: OAuthCredentials,
    /// The client credentials and token lifetime of [`SimAuth::OAuth2`].
    pub tokens: TokenOptions,
    /// Per-service Domain API lookups answer in the list form (`baseURIs`).
    pub domain_list_form: bool,
    /// `false`: a messaging account, whose chat methods answer empty intervals.
    pub chat_data: bool,
    pub generator: GeneratorConfig,
    pub clock: SimClock,
    pub order: IntervalOrder,
}

impl SimOptions {
    /// 8 agents, 4 skills, seed 42, real clock, ascending order, OAuth 2.0 with fixed demo
    /// client credentials and one-hour tokens.
    pub fn demo(account: &str) -> Self {
        SimOptions {
            account: account.to_string(),
            auth: SimAuth::OAuth2,
            credentials: OAuthCredentials {
                consumer_key: "demo-app-key".into(),
                consumer_secret: "demo-app-secret".into(),
                token: "demo-access-token".into(),
                token_secret: "demo-access-token-secret".into(),
            },
            tokens: TokenOptions {
                client: ClientCredentials {
                    client_id: "demo-client-id".into(),
                    client_secret: "demo-client-secret".into(),
                },
                lifetime: Duration::from_secs(3600),
                expires_in_as_string: false,
            },
            domain_list_form: false,
            chat_data: true,
            generator: GeneratorConfig {
                seed: 42,
                agents: 8,
                skills: 4,
            },
            clock: SimClock::Real,
            order: IntervalOrder::Ascending,
        }
    }
}
/// A running simulator. Dropping it (or [`Simulator::shutdown`]) stops the server.
pub struct Simulator {
    shared: Arc<Shared>,
    addr: SocketAddr,
    shutdown_tx: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl Simulator {
    /// Binds 127.0.0.1:0 and spawns the server on the current tokio runtime.
    pub async fn start(opts: SimOptions) -> std::io::Result<Simulator> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared::new(opts, format!("http://{addr}")));
        let (shutdown_tx, shutdown_rx) = watch::channel(false);
        let task = tokio::spawn(server::serve(listener, shared.clone(), shutdown_rx));
        tracing::info!(%addr, "LivePerson simulator listening");
        Ok(Simulator {
            shared,
            addr,
            shutdown_tx,
            task,
        })
    }

    /// `http://127.0.0.1:PORT`: both the Domain API host and the data `baseURI`.
    pub fn base_url(&self) -> String {
        self.shared.base_url.clone()
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn account(&self) -> &str {
        &self.shared.account
    }

    pub fn credentials(&self) -> &OAuthCredentials {
        self.shared.auth.credentials()
    }

    pub fn auth(&self) -> SimAuth {
        self.shared.auth.scheme()
    }

    /// The client credentials the token endpoint accepts.
    pub fn client(&self) -> &ClientCredentials {
        self.shared.auth.issuer().client()
    }

    /// Every OAuth 2.0 token issued so far, oldest first.
    pub fn issued_tokens(&self) -> Vec<String> {
        self.shared.auth.issuer().issued()
    }

    /// Token requests received, refused ones included.
    pub fn token_requests(&self) -> usize {
        self.shared.token_requests.load(Ordering::SeqCst)
    }

    /// Answers the next `times` token requests with `status` (e.g. 503) and an error body.
    pub fn inject_token_fault(&self, status: u16, times: usize) {
        self.shared.faults.push_token(status, times);
    }

    /// After `uses` more accepted Bearer data calls, every token issued until then is
    /// revoked (0: at once). New tokens work.
    pub fn revoke_tokens_after(&self, uses: usize) {
        self.shared.auth.issuer().revoke_after(uses);
    }

    pub fn generator(&self) -> &Generator {
        &self.shared.data.generator
    }

    /// The simulator's current time.
    pub fn now(&self) -> DateTime<Utc> {
        self.shared.now()
    }

    /// Switches to a fixed clock at `now`.
    pub fn set_now(&self, now: DateTime<Utc>) {
        *lock(&self.shared.clock) = SimClock::Fixed(now);
    }

    pub fn set_clock(&self, clock: SimClock) {
        *lock(&self.shared.clock) = clock;
    }

    /// Answers the next `times` data requests (of `method`, or of any method when `None`)
    /// that pass the OAuth check with `fault`. Queued faults are used in order.
    pub fn inject(&self, method: Option<Method>, fault: Fault, times: usize) {
        self.shared.faults.push(method, fault, times);
    }

    /// Data-method requests received, rejected ones included.
    pub fn data_requests(&self) -> usize {
        self.shared.data_requests.load(Ordering::SeqCst)
    }

    /// Body bytes of data-call answers handed to the connections so far (all methods and
    /// statuses; a cut body counts what was sent). The replies are streamed, so this grows
    /// while a reply is being sent.
    pub fn data_bytes_sent(&self) -> u64 {
        self.shared.data_bytes.load(Ordering::SeqCst)
    }

    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.requests).clone()
    }

    /// Stops accepting, lets open connections finish (at most 2 s), then stops.
    pub async fn shutdown(self) {
        let _ = self.shutdown_tx.send(true);
        if let Err(e) = self.task.await {
            tracing::warn!("simulator task ended abnormally: {e}");
        }
    }
}
