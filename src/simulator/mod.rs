//! A LivePerson simulator (Domain API for every service, the sentinel token endpoint, and
//! queuehealth, engactivity, agentactivity) over plain HTTP on 127.0.0.1, for `wfm demo` and
//! the tests.
//!
//! Data comes from the deterministic [`Generator`]. Every data request is authorised the way
//! the simulated account is set up ([`SimAuth`]): an OAuth 1.0a signature checked by the
//! independent verifier in [`oauth_verify`], or a Bearer token issued by [`oauth2`]; the other
//! scheme is refused. Faults can be queued with [`Simulator::inject`].

pub mod generator;
pub mod oauth2;
pub mod oauth_verify;

pub use generator::*;
pub use oauth2::{ClientCredentials, TokenOptions};
pub use oauth_verify::OAuthCredentials;

use std::collections::VecDeque;
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, TimeZone, Utc};
use http_body_util::{BodyExt, Limited};
use hyper::body::{Frame, Incoming, SizeHint};
use hyper::header::{HeaderValue, ALLOW, AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, HOST, RETRY_AFTER};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{json, Map, Value};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};

use oauth_verify::{parse_query, NonceCache};

const SLOT_MS: i64 = 300_000;
const MAX_BODY: usize = 1 << 20;

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
    /// 200 with the full Content-Length, but only the first half of the body before the
    /// connection is closed.
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

struct Shared {
    account: String,
    auth: SimAuth,
    credentials: OAuthCredentials,
    issuer: oauth2::TokenIssuer,
    domain_list_form: bool,
    chat_data: bool,
    token_requests: AtomicUsize,
    /// Statuses to answer the next token requests with, in order.
    token_faults: Mutex<VecDeque<u16>>,
    generator: Generator,
    seed: u64,
    order: IntervalOrder,
    base_url: String,
    clock: Mutex<SimClock>,
    faults: Mutex<VecDeque<(Option<Method>, Fault, usize)>>,
    requests: Mutex<Vec<RecordedRequest>>,
    data_requests: AtomicUsize,
    nonces: NonceCache,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Shared {
    fn now(&self) -> DateTime<Utc> {
        match *lock(&self.clock) {
            SimClock::Real => Utc::now(),
            SimClock::Fixed(t) => t,
        }
    }

    fn pop_fault(&self, method: Method) -> Option<Fault> {
        let mut faults = lock(&self.faults);
        let i = faults.iter().position(|(m, _, _)| m.is_none_or(|m| m == method))?;
        let entry = faults.get_mut(i)?;
        let fault = entry.1.clone();
        entry.2 = entry.2.saturating_sub(1);
        if entry.2 == 0 {
            faults.remove(i);
        }
        Some(fault)
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
        let shared = Arc::new(Shared {
            issuer: oauth2::TokenIssuer::new(opts.tokens, &opts.account),
            account: opts.account,
            auth: opts.auth,
            credentials: opts.credentials,
            domain_list_form: opts.domain_list_form,
            chat_data: opts.chat_data,
            token_requests: AtomicUsize::new(0),
            token_faults: Mutex::new(VecDeque::new()),
            seed: opts.generator.seed,
            generator: Generator::new(opts.generator),
            order: opts.order,
            base_url: format!("http://{addr}"),
            clock: Mutex::new(opts.clock),
            faults: Mutex::new(VecDeque::new()),
            requests: Mutex::new(Vec::new()),
            data_requests: AtomicUsize::new(0),
            nonces: NonceCache::new(),
        });
        let (shutdown_tx, shutdown_rx) = watch::channel(false);
        let task = tokio::spawn(serve(listener, shared.clone(), shutdown_rx));
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
        &self.shared.credentials
    }

    pub fn auth(&self) -> SimAuth {
        self.shared.auth
    }

    /// The client credentials the token endpoint accepts.
    pub fn client(&self) -> &ClientCredentials {
        self.shared.issuer.client()
    }

    /// Every OAuth 2.0 token issued so far, oldest first.
    pub fn issued_tokens(&self) -> Vec<String> {
        self.shared.issuer.issued()
    }

    /// Token requests received, refused ones included.
    pub fn token_requests(&self) -> usize {
        self.shared.token_requests.load(Ordering::SeqCst)
    }

    /// Answers the next `times` token requests with `status` (e.g. 503) and an error body.
    pub fn inject_token_fault(&self, status: u16, times: usize) {
        lock(&self.shared.token_faults).extend(std::iter::repeat_n(status, times));
    }

    /// After `uses` more accepted Bearer data calls, every token issued until then is
    /// revoked (0: at once). New tokens work.
    pub fn revoke_tokens_after(&self, uses: usize) {
        self.shared.issuer.revoke_after(uses);
    }

    pub fn generator(&self) -> &Generator {
        &self.shared.generator
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
        if times > 0 {
            lock(&self.shared.faults).push_back((method, fault, times));
        }
    }

    /// Data-method requests received, rejected ones included.
    pub fn data_requests(&self) -> usize {
        self.shared.data_requests.load(Ordering::SeqCst)
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

async fn serve(listener: TcpListener, shared: Arc<Shared>, mut shutdown: watch::Receiver<bool>) {
    let mut conns = JoinSet::new();
    loop {
        tokio::select! {
            _ = shutdown.changed() => break,
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let shared = shared.clone();
                    let mut stop = shutdown.clone();
                    conns.spawn(async move {
                        let svc = service_fn(move |req| {
                            let shared = shared.clone();
                            async move { Ok::<_, Infallible>(handle(shared, req).await) }
                        });
                        let conn = http1::Builder::new().serve_connection(TokioIo::new(stream), svc);
                        tokio::pin!(conn);
                        tokio::select! {
                            r = conn.as_mut() => {
                                if let Err(e) = r {
                                    tracing::debug!(%peer, "simulator connection ended: {e}");
                                }
                            }
                            _ = stop.changed() => {
                                conn.as_mut().graceful_shutdown();
                                let _ = conn.await;
                            }
                        }
                    });
                }
                Err(e) => {
                    tracing::warn!("simulator accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
        }
    }
    drop(listener);
    let drain = async { while conns.join_next().await.is_some() {} };
    if tokio::time::timeout(Duration::from_secs(2), drain).await.is_err() {
        conns.abort_all();
    }
    tracing::info!("LivePerson simulator stopped");
}

/// Response body: whole, or (Truncated) the first part followed by an error after a pause,
/// so the part is flushed before hyper drops the connection.
struct SimBody {
    data: Option<Bytes>,
    fail: Option<Pin<Box<tokio::time::Sleep>>>,
    declared_left: u64,
}

impl SimBody {
    fn full(data: Bytes) -> Self {
        SimBody {
            declared_left: data.len() as u64,
            data: Some(data),
            fail: None,
        }
    }

    fn truncated(data: Bytes) -> Self {
        let full = data.len() as u64;
        SimBody {
            data: Some(data.slice(..data.len() / 2)),
            fail: Some(Box::pin(tokio::time::sleep(Duration::from_millis(50)))),
            declared_left: full,
        }
    }
}

impl hyper::body::Body for SimBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        if let Some(d) = self.data.take() {
            self.declared_left = self.declared_left.saturating_sub(d.len() as u64);
            return Poll::Ready(Some(Ok(Frame::data(d))));
        }
        if let Some(sleep) = self.fail.as_mut() {
            std::task::ready!(sleep.as_mut().poll(cx));
            self.fail = None;
            return Poll::Ready(Some(Err(std::io::Error::other("body truncated by fault injection"))));
        }
        Poll::Ready(None)
    }

    fn is_end_stream(&self) -> bool {
        self.data.is_none() && self.fail.is_none()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.declared_left)
    }
}

fn json_response(status: StatusCode, body: &Value) -> Response<SimBody> {
    let bytes = Bytes::from(body.to_string());
    let mut resp = Response::new(SimBody::full(bytes));
    *resp.status_mut() = status;
    resp.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    resp
}

fn error_response(status: StatusCode, msg: impl std::fmt::Display) -> Response<SimBody> {
    json_response(status, &json!({ "error": msg.to_string() }))
}

enum Route<'a> {
    /// `service` is `None` for the all-services lookup.
    Domain {
        account: &'a str,
        service: Option<&'a str>,
    },
    Token {
        account: &'a str,
    },
    Data {
        account: &'a str,
        method: Option<Method>,
    },
    NotFound,
}

fn route(path: &str) -> Route<'_> {
    let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match segs.as_slice() {
        ["api", "account", account, "service", service, "baseURI.json"] => Route::Domain {
            account,
            service: Some(service),
        },
        ["api", "account", account, "service", "baseURI.json"] => Route::Domain { account, service: None },
        ["sentinel", "api", "v2", "account", account, "app", "token"] => Route::Token { account },
        ["operations", "api", "account", account, method] => Route::Data {
            account,
            method: Method::from_path_name(method),
        },
        _ => Route::NotFound,
    }
}

async fn handle(shared: Arc<Shared>, req: Request<Incoming>) -> Response<SimBody> {
    let http_method = req.method().as_str().to_string();
    let path = req.uri().path().to_string();
    let mut query = req.uri().query().map(parse_query).unwrap_or_default();
    let method = match route(&path) {
        Route::Data { method, .. } => method,
        _ => None,
    };
    if method.is_some() {
        shared.data_requests.fetch_add(1, Ordering::SeqCst);
    }
    if matches!(route(&path), Route::Token { .. }) {
        shared.token_requests.fetch_add(1, Ordering::SeqCst);
    }
    let auth_scheme = req.headers().get(AUTHORIZATION).map(|v| {
        String::from_utf8_lossy(v.as_bytes())
            .split(' ')
            .next()
            .unwrap_or("")
            .to_string()
    });
    let resp = respond(&shared, req, &mut query).await;
    let status = resp.status().as_u16();
    tracing::debug!(%http_method, %path, status, "simulator request");
    lock(&shared.requests).push(RecordedRequest {
        http_method,
        method,
        path,
        query,
        auth_scheme,
        status,
    });
    resp
}

async fn respond(shared: &Shared, req: Request<Incoming>, query: &mut Vec<(String, String)>) -> Response<SimBody> {
    let path = req.uri().path().to_string();
    match route(&path) {
        Route::NotFound => error_response(StatusCode::NOT_FOUND, "not found"),
        Route::Domain { account, service } => {
            if req.method() != hyper::Method::GET {
                return method_not_allowed("GET");
            }
            if account != shared.account {
                return error_response(StatusCode::NOT_FOUND, format!("unknown account {account}"));
            }
            domain_reply(shared, service)
        }
        Route::Token { account } => {
            if req.method() != hyper::Method::POST {
                return method_not_allowed("POST");
            }
            if account != shared.account {
                return error_response(StatusCode::NOT_FOUND, format!("unknown account {account}"));
            }
            if let Some(status) = lock(&shared.token_faults).pop_front() {
                let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                return error_response(status, "simulated token endpoint failure");
            }
            token_reply(shared, req, query).await
        }
        Route::Data { method: None, .. } => error_response(StatusCode::NOT_FOUND, "unknown method"),
        Route::Data {
            account,
            method: Some(method),
        } => {
            let account = account.to_string();
            data_request(shared, req, method, &account, query).await
        }
    }
}

/// Every service this account has, all on the simulator's own address.
const SERVICES: [&str; 4] = ["leDataReporting", "sentinel", "agentManagerWorkspace", "agentVep"];

/// The Domain API: one service, or the list form (all-services lookup, or any lookup when
/// the simulator is set to answer in it).
fn domain_reply(shared: &Shared, service: Option<&str>) -> Response<SimBody> {
    let entry = |s: &str| json!({"service": s, "account": shared.account, "baseURI": shared.base_url});
    match service {
        Some(s) if !SERVICES.contains(&s) => error_response(StatusCode::NOT_FOUND, format!("unknown service {s}")),
        Some(s) if !shared.domain_list_form => json_response(StatusCode::OK, &entry(s)),
        _ => json_response(
            StatusCode::OK,
            &json!({"baseURIs": SERVICES.iter().map(|s| entry(s)).collect::<Vec<_>>()}),
        ),
    }
}

/// The sentinel token endpoint (client credentials grant).
async fn token_reply(shared: &Shared, req: Request<Incoming>, query: &[(String, String)]) -> Response<SimBody> {
    let header = |name| {
        req.headers()
            .get(name)
            .map(|v: &HeaderValue| String::from_utf8_lossy(v.as_bytes()).into_owned())
    };
    let (content_type, authorization) = (header(CONTENT_TYPE), header(AUTHORIZATION));
    let body = match Limited::new(req.into_body(), MAX_BODY).collect().await {
        Ok(b) => b.to_bytes(),
        Err(e) => return error_response(StatusCode::BAD_REQUEST, format!("cannot read the body: {e}")),
    };
    match shared
        .issuer
        .token_request(query, content_type.as_deref(), authorization.as_deref(), &body)
    {
        Ok(v) => json_response(StatusCode::OK, &v),
        Err((status, msg)) => {
            tracing::info!("simulator refused a token request: {msg}");
            error_response(StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST), msg)
        }
    }
}

fn method_not_allowed(allow: &'static str) -> Response<SimBody> {
    let mut resp = error_response(StatusCode::METHOD_NOT_ALLOWED, "method not allowed");
    resp.headers_mut().insert(ALLOW, HeaderValue::from_static(allow));
    resp
}

async fn data_request(
    shared: &Shared,
    req: Request<Incoming>,
    method: Method,
    account: &str,
    query: &mut Vec<(String, String)>,
) -> Response<SimBody> {
    let is_post = req.method() == hyper::Method::POST;
    if req.method() != hyper::Method::GET && !(is_post && method == Method::AgentActivity) {
        return method_not_allowed(if method == Method::AgentActivity {
            "GET, POST"
        } else {
            "GET"
        });
    }
    let header_text = |name| {
        req.headers()
            .get(name)
            .map(|v: &HeaderValue| String::from_utf8_lossy(v.as_bytes()).into_owned())
    };
    let host = header_text(HOST).unwrap_or_else(|| shared.base_url.trim_start_matches("http://").to_string());
    let authorization = header_text(AUTHORIZATION);
    let verdict = match shared.auth {
        SimAuth::OAuth1 => oauth_verify::verify(
            req.method().as_str(),
            "http",
            &host,
            req.uri().path(),
            req.uri().query(),
            authorization.as_deref(),
            &shared.credentials,
            &shared.nonces,
            Utc::now().timestamp(),
        )
        .map_err(|why| why.to_string()),
        SimAuth::OAuth2 => shared.issuer.verify_bearer(authorization.as_deref()),
    };
    if let Err(why) = verdict {
        tracing::info!("simulator rejected the authorization: {why}");
        let mut resp = error_response(StatusCode::UNAUTHORIZED, why);
        let scheme = match shared.auth {
            SimAuth::OAuth1 => "OAuth",
            SimAuth::OAuth2 => "Bearer",
        };
        resp.headers_mut()
            .insert("www-authenticate", HeaderValue::from_static(scheme));
        return resp;
    }

    let fault = shared.pop_fault(method);
    match &fault {
        Some(Fault::TooManyRequests { retry_after_secs }) => {
            let mut resp = error_response(StatusCode::TOO_MANY_REQUESTS, "Too many requests");
            if let Some(secs) = retry_after_secs {
                resp.headers_mut().insert(RETRY_AFTER, HeaderValue::from(*secs));
            }
            return resp;
        }
        Some(Fault::ServerError(code)) => {
            let status = StatusCode::from_u16(*code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            return error_response(status, "simulated server error");
        }
        Some(Fault::Slow(d)) => tokio::time::sleep(*d).await,
        Some(Fault::Malformed) => return malformed(shared.now()),
        Some(Fault::Truncated) | None => {}
    }

    if account != shared.account {
        return error_response(StatusCode::NOT_FOUND, format!("unknown account {account}"));
    }
    let mut params = query.clone();
    if is_post {
        match read_json_params(req.into_body()).await {
            Ok(body) => {
                query.extend(body.iter().cloned());
                params.extend(body);
            }
            Err(msg) => return error_response(StatusCode::BAD_REQUEST, msg),
        }
    }
    let resp = match DataParams::parse(&params, method) {
        Ok(p) => json_response(StatusCode::OK, &build_reply(shared, method, &p, shared.now())),
        Err(msg) => error_response(StatusCode::BAD_REQUEST, msg),
    };
    if fault == Some(Fault::Truncated) {
        let (mut parts, body) = resp.into_parts();
        let data = body.data.unwrap_or_default();
        parts.headers.insert(CONTENT_LENGTH, HeaderValue::from(data.len()));
        return Response::from_parts(parts, SimBody::truncated(data));
    }
    resp
}

fn malformed(now: DateTime<Utc>) -> Response<SimBody> {
    let ts = (now.timestamp_millis().div_euclid(SLOT_MS) * SLOT_MS + SLOT_MS).to_string();
    json_response(
        StatusCode::OK,
        &json!({
            "metricsByIntervals": {"timestamp": ts, "metricsData": []},
            "metricsTotals": "n/a"
        }),
    )
}

async fn read_json_params(body: Incoming) -> Result<Vec<(String, String)>, String> {
    let bytes = Limited::new(body, MAX_BODY)
        .collect()
        .await
        .map_err(|e| format!("cannot read body: {e}"))?
        .to_bytes();
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Vec::new());
    }
    let value: Value = serde_json::from_slice(&bytes).map_err(|e| format!("body is not JSON: {e}"))?;
    let Value::Object(obj) = value else {
        return Err("body must be a JSON object".into());
    };
    Ok(obj
        .into_iter()
        .filter_map(|(k, v)| match v {
            Value::String(s) => Some((k, s)),
            Value::Number(n) => Some((k, n.to_string())),
            _ => None,
        })
        .collect())
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum IdSel {
    Missing,
    All,
    List(Vec<String>),
}

impl IdSel {
    fn parse(v: Option<&str>) -> IdSel {
        match v.map(str::trim) {
            None | Some("") => IdSel::Missing,
            Some(s) if s.eq_ignore_ascii_case("all") => IdSel::All,
            Some(s) => {
                let mut ids: Vec<String> = Vec::new();
                for id in s.split(',').map(str::trim).filter(|i| !i.is_empty()) {
                    if !ids.iter().any(|x| x == id) {
                        ids.push(id.to_string());
                    }
                }
                IdSel::List(ids)
            }
        }
    }

    /// The ids to report; `all` (or missing) = every known id.
    fn resolve(&self, known: Vec<String>) -> Vec<String> {
        match self {
            IdSel::List(ids) => ids.clone(),
            _ => known,
        }
    }
}

struct DataParams {
    timeframe: i64,
    interval: Option<i64>,
    skills: IdSel,
    agents: IdSel,
}

impl DataParams {
    fn parse(params: &[(String, String)], method: Method) -> Result<DataParams, String> {
        let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        let int = |k: &str, v: &str| {
            v.trim()
                .parse::<i64>()
                .map_err(|_| format!("{k} must be an integer, got {v:?}"))
        };
        let timeframe = int("timeframe", get("timeframe").ok_or("timeframe is required")?)?;
        if !(1..=1440).contains(&timeframe) {
            return Err(format!("timeframe must be between 1 and 1440 minutes, got {timeframe}"));
        }
        let interval = match get("interval") {
            None => None,
            Some(v) => {
                let i = int("interval", v)?;
                if i < 5 || i % 5 != 0 {
                    return Err(format!("interval must be a multiple of 5 minutes, got {i}"));
                }
                if timeframe % i != 0 {
                    return Err(format!("interval {i} must divide timeframe {timeframe}"));
                }
                Some(i)
            }
        };
        if get("v").is_none_or(|v| v.trim().is_empty()) {
            return Err("v is required".into());
        }
        let agents = IdSel::parse(get("agentIds"));
        if method == Method::AgentActivity && agents == IdSel::Missing {
            return Err("agentIds is required".into());
        }
        Ok(DataParams {
            timeframe,
            interval,
            skills: IdSel::parse(get("skillIds")),
            agents,
        })
    }
}

/// A 5-minute slot (by its end) and how many of its milliseconds fall in the timeframe.
#[derive(Debug, Clone, Copy)]
struct Slot {
    end: DateTime<Utc>,
    covered_ms: i64,
}

impl Slot {
    fn scale(&self, v: i64) -> i64 {
        if v <= 0 || self.covered_ms >= SLOT_MS {
            v
        } else {
            (i128::from(v) * i128::from(self.covered_ms) / i128::from(SLOT_MS)) as i64
        }
    }
}

/// The 5-minute slots inside [start_ms, end_ms) that overlap the window (w, now], with
/// their coverage.
fn slots_between(start_ms: i64, end_ms: i64, w: i64, now: i64) -> Vec<Slot> {
    let mut out = Vec::new();
    let mut e = start_ms + SLOT_MS;
    while e <= end_ms {
        let covered = (e.min(now) - (e - SLOT_MS).max(w)).max(0);
        if covered > 0 {
            if let Some(end) = Utc.timestamp_millis_opt(e).single() {
                out.push(Slot {
                    end,
                    covered_ms: covered,
                });
            }
        }
        e += SLOT_MS;
    }
    out
}

fn floor_to(v: i64, step: i64) -> i64 {
    v.div_euclid(step) * step
}

fn build_reply(shared: &Shared, method: Method, p: &DataParams, now: DateTime<Utc>) -> Value {
    let now_ms = now.timestamp_millis();
    let w = now_ms - p.timeframe * 60_000;
    let all_slots = slots_between(floor_to(w, SLOT_MS), floor_to(now_ms, SLOT_MS) + SLOT_MS, w, now_ms);
    // A messaging account answers the chat methods with intervals but no data.
    let data = |slots: &[Slot]| {
        let slots = if shared.chat_data { slots } else { &[] };
        match method {
            Method::QueueHealth => queue_data(shared, p, slots),
            Method::EngActivity => eng_data(shared, p, slots),
            Method::AgentActivity => agent_data(shared, p, slots),
        }
    };
    let mut top = match data(&all_slots) {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    if let Some(interval) = p.interval {
        let b = interval * 60_000;
        let first = floor_to(w, b) + b;
        let last = floor_to(now_ms, b) + b;
        let mut ends: Vec<i64> = (0..).map(|k| first + k * b).take_while(|e| *e <= last).collect();
        match shared.order {
            IntervalOrder::Ascending => {}
            IntervalOrder::Descending => ends.reverse(),
            IntervalOrder::Shuffled => ends.sort_by_key(|e| generator::hash(&[shared.seed, *e as u64])),
        }
        let list: Vec<Value> = ends
            .into_iter()
            .map(|e| {
                let slots = slots_between(e - b, e, w, now_ms);
                json!({"timestamp": e, "metricsData": data(&slots)})
            })
            .collect();
        top.insert("metricsByIntervals".into(), Value::Array(list));
    }
    Value::Object(top)
}

/// Queue Health figures with the derived minima.
#[derive(Debug, Clone, Default)]
struct QStats {
    entered: i64,
    connected: i64,
    abandoned: i64,
    tta: i64,
    tab: i64,
    max_q: i64,
    min_q: i64,
    q_sum: i64,
    q_count: i64,
    max_s: i64,
    min_s: i64,
    s_sum: i64,
    s_count: i64,
}

/// A plausible minimum for samples with this max, sum and count (-1 without samples).
fn derived_min(max: i64, sum: i64, count: i64) -> i64 {
    if count <= 0 {
        -1
    } else {
        (sum - max * (count - 1)).clamp(0, max.max(0))
    }
}

fn merge_max(a: i64, b: i64) -> i64 {
    a.max(b)
}

fn merge_min(a: i64, b: i64) -> i64 {
    match (a, b) {
        (-1, x) | (x, -1) => x,
        (x, y) => x.min(y),
    }
}

impl QStats {
    fn empty() -> Self {
        QStats {
            max_q: -1,
            min_q: -1,
            max_s: -1,
            min_s: -1,
            ..Default::default()
        }
    }

    fn from_slot(v: &QueueHealthValues, slot: &Slot) -> Self {
        let q_count = slot.scale(v.queue_size_count);
        let s_count = slot.scale(v.available_slots_count);
        let q_sum = slot.scale(v.queue_size_sum);
        let s_sum = slot.scale(v.available_slots_sum);
        let max_q = if q_count > 0 { v.max_queue_size } else { -1 };
        let max_s = if s_count > 0 { v.max_available_slots } else { -1 };
        QStats {
            entered: slot.scale(v.entered_q_eng),
            connected: slot.scale(v.connected_eng),
            abandoned: slot.scale(v.abandoned_eng),
            tta: slot.scale(v.total_time_to_answer),
            tab: slot.scale(v.total_time_to_abandon),
            max_q,
            min_q: derived_min(max_q, q_sum, q_count),
            q_sum,
            q_count,
            max_s,
            min_s: derived_min(max_s, s_sum, s_count),
            s_sum,
            s_count,
        }
    }

    fn merge(&mut self, o: &QStats) {
        self.entered += o.entered;
        self.connected += o.connected;
        self.abandoned += o.abandoned;
        self.tta += o.tta;
        self.tab += o.tab;
        self.max_q = merge_max(self.max_q, o.max_q);
        self.min_q = merge_min(self.min_q, o.min_q);
        self.q_sum += o.q_sum;
        self.q_count += o.q_count;
        self.max_s = merge_max(self.max_s, o.max_s);
        self.min_s = merge_min(self.min_s, o.min_s);
        self.s_sum += o.s_sum;
        self.s_count += o.s_count;
    }

    fn to_json(&self, current_key: &str) -> Value {
        let ratio = |n: i64, d: i64| if d > 0 { n as f64 / d as f64 } else { 0.0 };
        let avg = |sum: i64, count: i64| {
            if count > 0 {
                json!(sum as f64 / count as f64)
            } else {
                json!(-1)
            }
        };
        let mut m = Map::new();
        m.insert("enteredQEng".into(), json!(self.entered));
        m.insert("connectedEng".into(), json!(self.connected));
        m.insert("abandonedEng".into(), json!(self.abandoned));
        m.insert("totalTimeToAnswer".into(), json!(self.tta));
        m.insert("avgTimeToAnswer".into(), json!(ratio(self.tta, self.connected)));
        m.insert("totalTimeToAbandon".into(), json!(self.tab));
        m.insert("avgTimeToAbandon".into(), json!(ratio(self.tab, self.abandoned)));
        m.insert("abandonmentRate".into(), json!(ratio(self.abandoned, self.entered)));
        m.insert("maxQueueSize".into(), json!(self.max_q));
        m.insert("minQueueSize".into(), json!(self.min_q));
        m.insert("averageQueueSize".into(), avg(self.q_sum, self.q_count));
        m.insert("queueSizeSum".into(), json!(self.q_sum));
        m.insert("queueSizeCount".into(), json!(self.q_count));
        m.insert("maxAvailableSlots".into(), json!(self.max_s));
        m.insert("minAvailableSlots".into(), json!(self.min_s));
        m.insert("averageAvailableSlots".into(), avg(self.s_sum, self.s_count));
        m.insert("availableSlotsSum".into(), json!(self.s_sum));
        m.insert("availableSlotsCount".into(), json!(self.s_count));
        m.insert(current_key.into(), json!(-1));
        m.insert("currentAvailableSlots".into(), json!(-1));
        Value::Object(m)
    }
}

fn queue_data(shared: &Shared, p: &DataParams, slots: &[Slot]) -> Value {
    let g = &shared.generator;
    let mut per_skill = Map::new();
    let mut totals = QStats::empty();
    for skill in p.skills.resolve(g.skill_ids()) {
        let mut acc: Option<QStats> = None;
        for slot in slots {
            if let Some(v) = g.queue_health(&skill, slot.end) {
                let s = QStats::from_slot(&v, slot);
                match acc.as_mut() {
                    Some(a) => a.merge(&s),
                    None => acc = Some(s),
                }
            }
        }
        if let Some(stats) = acc {
            totals.merge(&stats);
            // Account level (no skillIds): totals only.
            if p.skills != IdSel::Missing {
                let key = match g.skill_position(&skill) {
                    Some(i) if i % 2 == 1 => "currentQueueState",
                    _ => "currentQueueSize",
                };
                per_skill.insert(skill, stats.to_json(key));
            }
        }
    }
    json!({"skillsMetrics": per_skill, "metricsTotals": totals.to_json("currentQueueSize")})
}

fn add_eng(acc: &mut EngValues, v: &EngValues) {
    acc.total_interactive_chats += v.total_interactive_chats;
    acc.total_non_interactive_chats += v.total_non_interactive_chats;
    acc.total_handling_time += v.total_handling_time;
    acc.non_interactive_total_handling_time += v.non_interactive_total_handling_time;
    acc.connected_engagements += v.connected_engagements;
}

fn zero_eng() -> EngValues {
    EngValues {
        total_interactive_chats: 0,
        total_non_interactive_chats: 0,
        total_handling_time: 0,
        non_interactive_total_handling_time: 0,
        connected_engagements: 0,
    }
}

fn eng_json(v: &EngValues) -> Value {
    json!({
        "totalInteractiveChats": v.total_interactive_chats,
        "totalNonInteractiveChats": v.total_non_interactive_chats,
        "totalHandlingTime": v.total_handling_time,
        "nonInteractiveTotalHandlingTime": v.non_interactive_total_handling_time,
        "connectedEngagements": v.connected_engagements,
    })
}

fn eng_data(shared: &Shared, p: &DataParams, slots: &[Slot]) -> Value {
    let g = &shared.generator;
    let agents = p.agents.resolve(g.agent_ids());
    let mut per_skill = Map::new();
    let mut per_agent: Vec<(String, EngValues)> = Vec::new();
    let mut all_totals = zero_eng();
    for skill in p.skills.resolve(g.skill_ids()) {
        let mut skill_agents = Map::new();
        let mut skill_totals = zero_eng();
        for agent in &agents {
            let mut acc: Option<EngValues> = None;
            for slot in slots {
                if let Some(v) = g.eng_activity(&skill, agent, slot.end) {
                    let scaled = EngValues {
                        total_interactive_chats: slot.scale(v.total_interactive_chats),
                        total_non_interactive_chats: slot.scale(v.total_non_interactive_chats),
                        total_handling_time: slot.scale(v.total_handling_time),
                        non_interactive_total_handling_time: slot.scale(v.non_interactive_total_handling_time),
                        connected_engagements: slot.scale(v.connected_engagements),
                    };
                    add_eng(acc.get_or_insert_with(zero_eng), &scaled);
                }
            }
            if let Some(v) = acc {
                add_eng(&mut skill_totals, &v);
                match per_agent.iter_mut().find(|(a, _)| a == agent) {
                    Some((_, t)) => add_eng(t, &v),
                    None => per_agent.push((agent.clone(), v.clone())),
                }
                skill_agents.insert(agent.clone(), eng_json(&v));
            }
        }
        if !skill_agents.is_empty() || matches!(p.skills, IdSel::List(_)) {
            add_eng(&mut all_totals, &skill_totals);
            per_skill.insert(
                skill,
                json!({"metricsPerAgent": skill_agents, "metricsTotals": eng_json(&skill_totals)}),
            );
        }
    }
    let agents_json: Map<String, Value> = per_agent.iter().map(|(a, v)| (a.clone(), eng_json(v))).collect();
    json!({
        "skillsMetricsPerAgent": {"metricsPerSkill": per_skill, "metricsTotals": eng_json(&all_totals)},
        "agentsMetrics": {"metricsPerAgent": agents_json, "metricsTotals": eng_json(&all_totals)},
    })
}

fn scale_times(t: &StateTimes, slot: &Slot) -> StateTimes {
    let total = slot.scale(t.total);
    let chatting = slot.scale(t.chatting).min(total);
    StateTimes {
        total,
        chatting,
        not_chatting: total - chatting,
        chatting_in_max_concurrency: slot.scale(t.chatting_in_max_concurrency).min(chatting),
    }
}

fn add_times(acc: &mut StateTimes, t: &StateTimes) {
    *acc = sum_times([&*acc, t]);
}

/// Scales one slot's states by its coverage; "Logged in" stays the sum of the others.
fn scale_states(states: Vec<StateValues>, slot: &Slot) -> Vec<StateValues> {
    if slot.covered_ms >= SLOT_MS {
        return states;
    }
    let mut out: Vec<StateValues> = states
        .into_iter()
        .map(|s| StateValues {
            value: scale_times(&s.value, slot),
            reasons: s
                .reasons
                .map(|rs| rs.iter().map(|(id, t)| (id.clone(), scale_times(t, slot))).collect()),
            ..s
        })
        .collect();
    let others = sum_times(out.iter().filter(|s| s.id != STATE_LOGGED_IN).map(|s| &s.value));
    for s in out.iter_mut().filter(|s| s.id == STATE_LOGGED_IN) {
        s.value = others.clone();
    }
    out
}

/// Adds `states` into `acc`, state by state (and reason by reason).
fn merge_states(acc: &mut Vec<StateValues>, states: Vec<StateValues>) {
    for s in states {
        match acc.iter_mut().find(|a| a.id == s.id) {
            None => acc.push(s),
            Some(a) => {
                add_times(&mut a.value, &s.value);
                if let Some(rs) = s.reasons {
                    let list = a.reasons.get_or_insert_with(Vec::new);
                    for (id, t) in rs {
                        match list.iter_mut().find(|(rid, _)| *rid == id) {
                            Some((_, at)) => add_times(at, &t),
                            None => list.push((id, t)),
                        }
                    }
                }
            }
        }
    }
}

fn times_json(t: &StateTimes) -> Value {
    json!({
        "total": t.total,
        "chatting": t.chatting,
        "notChatting": t.not_chatting,
        "chattingInMaxConcurrency": t.chatting_in_max_concurrency,
    })
}

fn state_json(s: &StateValues) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), json!(s.id));
    m.insert("name".into(), json!(s.name));
    m.insert("value".into(), times_json(&s.value));
    if let Some(rs) = &s.reasons {
        let list: Vec<Value> = rs
            .iter()
            .map(|(id, t)| json!({"id": id, "value": times_json(t)}))
            .collect();
        m.insert("reasons".into(), Value::Array(list));
    }
    Value::Object(m)
}

fn agent_data(shared: &Shared, p: &DataParams, slots: &[Slot]) -> Value {
    let g = &shared.generator;
    let mut per_agent = Map::new();
    for agent in p.agents.resolve(g.agent_ids()) {
        let mut acc: Option<Vec<StateValues>> = None;
        for slot in slots {
            if let Some(states) = g.agent_states(&agent, slot.end) {
                merge_states(acc.get_or_insert_with(Vec::new), scale_states(states, slot));
            }
        }
        if let Some(states) = acc {
            per_agent.insert(agent, Value::Array(states.iter().map(state_json).collect()));
        }
    }
    json!({"agentsMetrics": {"metricsPerAgent": per_agent, "metricsTotals": []}})
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration as CDuration;
    use std::time::Instant;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    const ACCOUNT: &str = "12345678";

    fn at(h: u32, m: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 24, h, m, s).unwrap()
    }

    async fn start(now: Option<DateTime<Utc>>, order: IntervalOrder) -> Simulator {
        let mut opts = SimOptions::demo(ACCOUNT);
        opts.auth = SimAuth::OAuth1;
        if let Some(n) = now {
            opts.clock = SimClock::Fixed(n);
        }
        opts.order = order;
        Simulator::start(opts).await.unwrap()
    }

    fn data_url(sim: &Simulator, method: &str) -> String {
        format!("{}/operations/api/account/{ACCOUNT}/{method}", sim.base_url())
    }

    /// (full URL with query, Authorization header) signed by oauth1-request.
    fn sign(creds: &OAuthCredentials, http_method: &str, uri: &str, query: &[(&str, &str)]) -> (String, String) {
        let token = oauth1_request::Token::from_parts(
            creds.consumer_key.as_str(),
            creds.consumer_secret.as_str(),
            creds.token.as_str(),
            creds.token_secret.as_str(),
        );
        let req = oauth1_request::ParameterList::new(query.to_vec());
        let auth = oauth1_request::authorize(http_method, uri, &req, &token, oauth1_request::HMAC_SHA1);
        (oauth1_request::to_query(uri.to_string(), &req), auth)
    }

    async fn get_with(
        sim: &Simulator,
        creds: &OAuthCredentials,
        method: &str,
        query: &[(&str, &str)],
    ) -> reqwest::Response {
        let (url, auth) = sign(creds, "GET", &data_url(sim, method), query);
        reqwest::Client::new()
            .get(url)
            .header("Authorization", auth)
            .send()
            .await
            .unwrap()
    }

    async fn get(sim: &Simulator, method: &str, query: &[(&str, &str)]) -> reqwest::Response {
        get_with(sim, sim.credentials(), method, query).await
    }

    async fn get_json(sim: &Simulator, method: &str, query: &[(&str, &str)]) -> Value {
        let resp = get(sim, method, query).await;
        assert_eq!(resp.status(), 200);
        json_of(resp).await
    }

    async fn json_of(resp: reqwest::Response) -> Value {
        serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap()
    }

    fn ts(e: DateTime<Utc>) -> i64 {
        e.timestamp_millis()
    }

    fn timestamps(v: &Value) -> Vec<i64> {
        v["metricsByIntervals"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["timestamp"].as_i64().unwrap())
            .collect()
    }

    fn by_ts(v: &Value, e: DateTime<Utc>) -> Value {
        v["metricsByIntervals"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["timestamp"].as_i64() == Some(ts(e)))
            .unwrap()["metricsData"]
            .clone()
    }

    fn q_fields(q: &QueueHealthValues) -> [(&'static str, i64); 11] {
        [
            ("enteredQEng", q.entered_q_eng),
            ("connectedEng", q.connected_eng),
            ("abandonedEng", q.abandoned_eng),
            ("totalTimeToAnswer", q.total_time_to_answer),
            ("totalTimeToAbandon", q.total_time_to_abandon),
            ("maxQueueSize", q.max_queue_size),
            ("queueSizeSum", q.queue_size_sum),
            ("queueSizeCount", q.queue_size_count),
            ("maxAvailableSlots", q.max_available_slots),
            ("availableSlotsSum", q.available_slots_sum),
            ("availableSlotsCount", q.available_slots_count),
        ]
    }

    fn e_fields(v: &EngValues) -> [(&'static str, i64); 5] {
        [
            ("totalInteractiveChats", v.total_interactive_chats),
            ("totalNonInteractiveChats", v.total_non_interactive_chats),
            ("totalHandlingTime", v.total_handling_time),
            ("nonInteractiveTotalHandlingTime", v.non_interactive_total_handling_time),
            ("connectedEngagements", v.connected_engagements),
        ]
    }

    #[tokio::test]
    async fn domain_api() {
        let sim = start(None, IntervalOrder::Ascending).await;
        let client = reqwest::Client::new();
        let url = format!(
            "{}/api/account/{ACCOUNT}/service/leDataReporting/baseURI.json?version=1.0",
            sim.base_url()
        );
        let resp = client.get(&url).send().await.unwrap();
        assert_eq!(resp.status(), 200);
        let v: Value = json_of(resp).await;
        assert_eq!(
            v,
            json!({"service": "leDataReporting", "account": ACCOUNT, "baseURI": sim.base_url()})
        );
        let resp = client.get(url.replace(ACCOUNT, "999")).send().await.unwrap();
        assert_eq!(resp.status(), 404);
        assert_eq!(
            client
                .get(format!("{}/nope", sim.base_url()))
                .send()
                .await
                .unwrap()
                .status(),
            404
        );
        assert_eq!(sim.data_requests(), 0);
        let reqs = sim.requests();
        assert_eq!(reqs.len(), 3);
        assert_eq!(reqs[0].method, None);
        assert_eq!(reqs[0].query, vec![("version".to_string(), "1.0".to_string())]);
        assert_eq!(reqs.iter().map(|r| r.status).collect::<Vec<_>>(), vec![200, 404, 404]);
        sim.shutdown().await;
    }

    #[tokio::test]
    async fn domain_api_every_service_and_the_list_form() {
        let mut opts = SimOptions::demo(ACCOUNT);
        opts.domain_list_form = true;
        let sim = Simulator::start(opts).await.unwrap();
        let client = reqwest::Client::new();
        let lookup = |service: &str| {
            format!(
                "{}/api/account/{ACCOUNT}/service/{service}baseURI.json?version=1.0",
                sim.base_url()
            )
        };
        for url in [lookup("sentinel/"), lookup("")] {
            let v: Value = json_of(client.get(&url).send().await.unwrap()).await;
            let list = v["baseURIs"].as_array().unwrap();
            assert!(list
                .iter()
                .any(|e| e["service"] == "sentinel" && e["baseURI"] == sim.base_url()));
            assert!(list.iter().any(|e| e["service"] == "leDataReporting"));
        }
        assert_eq!(client.get(lookup("nosuch/")).send().await.unwrap().status(), 404);
        sim.shutdown().await;
    }

    #[tokio::test]
    async fn oauth2_tokens_and_bearer_calls() {
        let sim = start_oauth2().await;
        let client = reqwest::Client::new();
        let q = [("timeframe", "60"), ("interval", "5"), ("v", "1"), ("skillIds", "all")];
        let token = get_token(&sim).await;
        let bearer = |method: &str| {
            client
                .get(data_url(&sim, method))
                .query(&q)
                .header("Authorization", format!("Bearer {token}"))
        };
        assert_eq!(bearer("queuehealth").send().await.unwrap().status(), 200);
        // An OAuth 1.0a signature is refused in OAuth 2.0 mode.
        let (url, auth) = sign(sim.credentials(), "GET", &data_url(&sim, "queuehealth"), &q);
        let resp = client.get(&url).header("Authorization", &auth).send().await.unwrap();
        assert_eq!(resp.status(), 401);
        // Wrong secret, wrong content type.
        let token_url = format!("{}/sentinel/api/v2/account/{ACCOUNT}/app/token?v=2.0", sim.base_url());
        let resp = client
            .post(&token_url)
            .form(&[
                ("client_id", "demo-client-id"),
                ("client_secret", "wrong"),
                ("grant_type", "client_credentials"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 401);
        let resp = client
            .post(&token_url)
            .header("Content-Type", "application/json")
            .body(json!({"client_id": "demo-client-id"}).to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 400);
        // Revoked after one more use.
        sim.revoke_tokens_after(1);
        assert_eq!(bearer("engactivity").send().await.unwrap().status(), 200);
        assert_eq!(bearer("engactivity").send().await.unwrap().status(), 401);
        let fresh = get_token(&sim).await;
        let resp = client
            .get(data_url(&sim, "queuehealth"))
            .query(&q)
            .header("Authorization", format!("Bearer {fresh}"))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        assert_eq!(sim.token_requests(), 4);
        assert_eq!(sim.issued_tokens(), vec![token, fresh]);
        let schemes: Vec<Option<String>> = sim
            .requests()
            .iter()
            .filter(|r| r.method.is_some())
            .map(|r| r.auth_scheme.clone())
            .collect();
        assert_eq!(schemes[1].as_deref(), Some("OAuth"));
        assert_eq!(schemes[0].as_deref(), Some("Bearer"));
        sim.shutdown().await;
    }

    #[tokio::test]
    async fn oauth1_mode_refuses_bearer_tokens() {
        let sim = start(Some(at(12, 0, 0)), IntervalOrder::Ascending).await;
        let resp = reqwest::Client::new()
            .get(data_url(&sim, "queuehealth"))
            .query(&[("timeframe", "60"), ("v", "1")])
            .header("Authorization", "Bearer anything")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 401);
        sim.shutdown().await;
    }

    #[tokio::test]
    async fn a_messaging_account_has_empty_chat_intervals() {
        let mut opts = SimOptions::demo(ACCOUNT);
        opts.chat_data = false;
        opts.clock = SimClock::Fixed(at(12, 0, 0));
        let sim = Simulator::start(opts).await.unwrap();
        let token = get_token(&sim).await;
        let v: Value = json_of(
            reqwest::Client::new()
                .get(data_url(&sim, "queuehealth"))
                .query(&[("timeframe", "60"), ("interval", "5"), ("v", "1"), ("skillIds", "all")])
                .header("Authorization", format!("Bearer {token}"))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(timestamps(&v).len(), 13);
        assert_eq!(v["skillsMetrics"], json!({}));
        assert_eq!(v["metricsTotals"]["enteredQEng"], 0);
        sim.shutdown().await;
    }

    async fn start_oauth2() -> Simulator {
        let mut opts = SimOptions::demo(ACCOUNT);
        opts.clock = SimClock::Fixed(at(12, 0, 0));
        Simulator::start(opts).await.unwrap()
    }

    async fn get_token(sim: &Simulator) -> String {
        let c = sim.client();
        let v: Value = json_of(
            reqwest::Client::new()
                .post(format!(
                    "{}/sentinel/api/v2/account/{ACCOUNT}/app/token?v=2.0",
                    sim.base_url()
                ))
                .form(&[
                    ("client_id", c.client_id.as_str()),
                    ("client_secret", c.client_secret.as_str()),
                    ("grant_type", "client_credentials"),
                ])
                .send()
                .await
                .unwrap(),
        )
        .await;
        v["access_token"].as_str().unwrap().to_string()
    }

    #[tokio::test]
    async fn queuehealth_intervals_and_scaling() {
        let now = at(10, 8, 0);
        let sim = start(Some(now), IntervalOrder::Ascending).await;
        let g = sim.generator().clone();
        let v = get_json(
            &sim,
            "queuehealth",
            &[("timeframe", "60"), ("interval", "5"), ("v", "1"), ("skillIds", "all")],
        )
        .await;
        let ends: Vec<DateTime<Utc>> = (0..13).map(|k| at(9, 10, 0) + CDuration::minutes(5 * k)).collect();
        assert_eq!(timestamps(&v), ends.iter().map(|e| ts(*e)).collect::<Vec<_>>());
        assert!(v["skillsMetrics"].is_object() && v["metricsTotals"].is_object());
        let mut scaled_differs = false;
        for (k, e) in ends.iter().enumerate() {
            let data = by_ts(&v, *e);
            // Oldest covers 09:08-09:10 (2/5), newest 10:05-10:08 (3/5).
            let (num, den) = match k {
                0 => (2, 5),
                12 => (3, 5),
                _ => (1, 1),
            };
            let mut entered_sum = 0;
            for (i, skill) in g.skill_ids().iter().enumerate() {
                let got = &data["skillsMetrics"][skill];
                let Some(q) = g.queue_health(skill, *e) else {
                    assert!(got.is_null(), "{skill} at {e}");
                    continue;
                };
                for (name, want) in q_fields(&q) {
                    let want = if name.starts_with("max") {
                        let count = if name == "maxQueueSize" {
                            q.queue_size_count
                        } else {
                            q.available_slots_count
                        };
                        if count * num / den == 0 {
                            -1
                        } else {
                            want
                        }
                    } else {
                        want * num / den
                    };
                    if want != got[name].as_i64().unwrap() {
                        panic!("{skill} {e} {name}: want {want}, got {}", got[name]);
                    }
                    scaled_differs |= num != den && want != q_fields(&q).iter().find(|f| f.0 == name).unwrap().1;
                }
                entered_sum += got["enteredQEng"].as_i64().unwrap();
                let (present, absent) = if i % 2 == 0 {
                    ("currentQueueSize", "currentQueueState")
                } else {
                    ("currentQueueState", "currentQueueSize")
                };
                assert_eq!(got[present], json!(-1));
                assert!(got[absent].is_null());
                if got["queueSizeCount"].as_i64() == Some(0) {
                    assert_eq!(got["averageQueueSize"], json!(-1));
                    assert_eq!(got["minQueueSize"], json!(-1));
                }
            }
            assert_eq!(data["metricsTotals"]["enteredQEng"].as_i64(), Some(entered_sum));
        }
        assert!(scaled_differs);

        // A list with an unknown id; interval 15 sums three slots.
        let skill = g.skill_ids()[1].clone();
        let list = format!("{skill},424242");
        let v = get_json(
            &sim,
            "queuehealth",
            &[("timeframe", "60"), ("interval", "15"), ("v", "1"), ("skillIds", &list)],
        )
        .await;
        assert_eq!(timestamps(&v).len(), 5);
        let data = by_ts(&v, at(9, 45, 0));
        assert!(data["skillsMetrics"]["424242"].is_null());
        let want: i64 = [35, 40, 45]
            .iter()
            .filter_map(|m| g.queue_health(&skill, at(9, *m, 0)))
            .map(|q| q.entered_q_eng)
            .sum();
        assert_eq!(data["metricsTotals"]["enteredQEng"].as_i64(), Some(want));

        // No interval: totals only.
        let v = get_json(&sim, "queuehealth", &[("timeframe", "7"), ("v", "1")]).await;
        assert!(v.get("metricsByIntervals").is_none());
        assert_eq!(v["skillsMetrics"], json!({}));
        assert!(v["metricsTotals"]["enteredQEng"].is_i64());
        sim.shutdown().await;
    }

    #[tokio::test]
    async fn engactivity_agent_list_totals() {
        let now = at(15, 2, 10);
        let sim = start(Some(now), IntervalOrder::Ascending).await;
        let g = sim.generator().clone();
        let agents: Vec<String> = g.agent_ids().into_iter().take(3).collect();
        let skills = g.skill_ids();
        let (a, s) = (agents.join(","), skills.join(","));
        let v = get_json(
            &sim,
            "engactivity",
            &[
                ("timeframe", "30"),
                ("interval", "5"),
                ("v", "1"),
                ("skillIds", &s),
                ("agentIds", &a),
            ],
        )
        .await;
        let ts_list = timestamps(&v);
        assert_eq!(ts_list.len(), 7);
        assert_eq!(ts_list[0], ts(at(14, 35, 0)));
        let mut seen_agents = 0;
        for k in 1..6 {
            let e = at(14, 35, 0) + CDuration::minutes(5 * k);
            let data = by_ts(&v, e);
            let per_skill = &data["skillsMetricsPerAgent"]["metricsPerSkill"];
            let mut grand = zero_eng();
            for skill in &skills {
                // Every listed skill is present, with list-only totals.
                let entry = &per_skill[skill];
                assert!(entry.is_object(), "{skill} missing at {e}");
                let mut tot = zero_eng();
                for agent in &agents {
                    let got = &entry["metricsPerAgent"][agent];
                    match g.eng_activity(skill, agent, e) {
                        None => assert!(got.is_null()),
                        Some(want) => {
                            seen_agents += 1;
                            for (name, val) in e_fields(&want) {
                                assert_eq!(got[name].as_i64(), Some(val), "{skill}/{agent} {e} {name}");
                            }
                            add_eng(&mut tot, &want);
                        }
                    }
                }
                assert!(entry["metricsPerAgent"].as_object().unwrap().len() <= agents.len());
                for (name, val) in e_fields(&tot) {
                    assert_eq!(entry["metricsTotals"][name].as_i64(), Some(val));
                }
                add_eng(&mut grand, &tot);
            }
            for (name, val) in e_fields(&grand) {
                assert_eq!(data["skillsMetricsPerAgent"]["metricsTotals"][name].as_i64(), Some(val));
                assert_eq!(data["agentsMetrics"]["metricsTotals"][name].as_i64(), Some(val));
            }
        }
        assert!(seen_agents > 0);
        sim.shutdown().await;
    }

    fn assert_states(got: &Value, want: &[StateValues]) {
        let got = got.as_array().unwrap();
        assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(want) {
            assert_eq!(g["id"].as_i64(), Some(w.id));
            assert_eq!(g["name"].as_str(), Some(w.name.as_str()));
            let t = |v: &Value, s: &StateTimes| {
                assert_eq!(
                    (
                        v["total"].as_i64(),
                        v["chatting"].as_i64(),
                        v["notChatting"].as_i64(),
                        v["chattingInMaxConcurrency"].as_i64()
                    ),
                    (
                        Some(s.total),
                        Some(s.chatting),
                        Some(s.not_chatting),
                        Some(s.chatting_in_max_concurrency)
                    )
                )
            };
            t(&g["value"], &w.value);
            match &w.reasons {
                None => assert!(g.get("reasons").is_none()),
                Some(rs) => {
                    let list = g["reasons"].as_array().unwrap();
                    assert_eq!(list.len(), rs.len());
                    for (gr, (id, times)) in list.iter().zip(rs) {
                        assert_eq!(gr["id"].as_str(), Some(id.as_str()));
                        t(&gr["value"], times);
                    }
                }
            }
        }
    }

    #[tokio::test]
    async fn agentactivity_get_and_post() {
        let now = at(11, 31, 0);
        let sim = start(Some(now), IntervalOrder::Ascending).await;
        let g = sim.generator().clone();
        let v = get_json(
            &sim,
            "agentactivity",
            &[("timeframe", "60"), ("interval", "5"), ("v", "1"), ("agentIds", "all")],
        )
        .await;
        assert_eq!(timestamps(&v).len(), 13);
        assert_eq!(v["agentsMetrics"]["metricsTotals"], json!([]));
        let (mut present, mut absent) = (0, 0);
        for k in 1..12 {
            let e = at(10, 35, 0) + CDuration::minutes(5 * k);
            let data = by_ts(&v, e);
            assert_eq!(data["agentsMetrics"]["metricsTotals"], json!([]));
            for agent in g.agent_ids() {
                let got = &data["agentsMetrics"]["metricsPerAgent"][&agent];
                match g.agent_states(&agent, e) {
                    None => {
                        absent += 1;
                        assert!(got.is_null());
                    }
                    Some(states) => {
                        present += 1;
                        assert_states(got, &states);
                    }
                }
            }
        }
        assert!(present > 0 && absent > 0);
        // Newest (10:30-10:35, 1 of 5 minutes): scaled, Logged in still the sum of the others.
        let newest = by_ts(&v, at(11, 35, 0));
        for (_, states) in newest["agentsMetrics"]["metricsPerAgent"].as_object().unwrap() {
            let states = states.as_array().unwrap();
            let total = |logged_in: bool| -> i64 {
                states
                    .iter()
                    .filter(|s| (s["id"].as_i64() == Some(-1)) == logged_in)
                    .map(|s| s["value"]["total"].as_i64().unwrap())
                    .sum()
            };
            assert!(total(true) <= 60);
            assert_eq!(total(true), total(false));
        }

        // POST with a JSON body, signed over the (empty) URL query.
        let agents: Vec<String> = g.agent_ids().into_iter().take(2).collect();
        let list = agents.join(",");
        let url = data_url(&sim, "agentactivity");
        let (_, auth) = sign(sim.credentials(), "POST", &url, &[]);
        let body = json!({"timeframe": "60", "agentIds": list, "interval": "5", "v": "1"});
        let resp = reqwest::Client::new()
            .post(&url)
            .header("Authorization", auth)
            .header("Content-Type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        let posted: Value = json_of(resp).await;
        let got = get_json(
            &sim,
            "agentactivity",
            &[("timeframe", "60"), ("interval", "5"), ("v", "1"), ("agentIds", &list)],
        )
        .await;
        assert_eq!(posted, got);
        for item in got["metricsByIntervals"].as_array().unwrap() {
            for key in item["metricsData"]["agentsMetrics"]["metricsPerAgent"]
                .as_object()
                .unwrap()
                .keys()
            {
                assert!(agents.contains(key));
            }
        }
        let last = sim.requests().into_iter().rev().nth(1).unwrap();
        assert_eq!(
            (last.http_method.as_str(), last.method, last.status),
            ("POST", Some(Method::AgentActivity), 200)
        );
        assert!(last.query.contains(&("agentIds".to_string(), list.clone())));

        // agentIds is required.
        let resp = get(
            &sim,
            "agentactivity",
            &[("timeframe", "60"), ("interval", "5"), ("v", "1")],
        )
        .await;
        assert_eq!(resp.status(), 400);
        sim.shutdown().await;
    }

    #[tokio::test]
    async fn interval_orders() {
        let now = at(8, 7, 0);
        let q = [("timeframe", "60"), ("interval", "5"), ("v", "1"), ("skillIds", "all")];
        let asc = start(Some(now), IntervalOrder::Ascending).await;
        let a = timestamps(&get_json(&asc, "queuehealth", &q).await);
        assert_eq!(a.len(), 13);
        assert_eq!(*a.last().unwrap(), ts(at(8, 10, 0)));
        assert!(a.windows(2).all(|w| w[1] - w[0] == 300_000));
        let desc = start(Some(now), IntervalOrder::Descending).await;
        let d = timestamps(&get_json(&desc, "queuehealth", &q).await);
        assert_eq!(d, a.iter().rev().copied().collect::<Vec<_>>());
        let shuf = start(Some(now), IntervalOrder::Shuffled).await;
        let s1 = get_json(&shuf, "queuehealth", &q).await;
        let s = timestamps(&s1);
        assert_ne!(s, a);
        assert_ne!(s, d);
        let mut sorted = s.clone();
        sorted.sort();
        assert_eq!(sorted, a);
        assert_eq!(get_json(&shuf, "queuehealth", &q).await, s1);
        // Same data whatever the order.
        assert_eq!(
            by_ts(&s1, at(7, 30, 0)),
            by_ts(&get_json(&asc, "queuehealth", &q).await, at(7, 30, 0))
        );
        // On a 5-minute boundary the newest bucket is empty (no time elapsed in it).
        desc.set_now(at(8, 5, 0));
        let b = get_json(&desc, "queuehealth", &q).await;
        assert_eq!(timestamps(&b).len(), 13);
        assert_eq!(by_ts(&b, at(8, 10, 0))["skillsMetrics"], json!({}));
        for sim in [asc, desc, shuf] {
            sim.shutdown().await;
        }
    }

    #[tokio::test]
    async fn oauth_rejections() {
        let sim = start(Some(at(12, 0, 0)), IntervalOrder::Ascending).await;
        let q = [("timeframe", "60"), ("interval", "5"), ("v", "1"), ("skillIds", "all")];
        let mut bad = sim.credentials().clone();
        bad.token_secret = "wrong".into();
        let resp = get_with(&sim, &bad, "queuehealth", &q).await;
        assert_eq!(resp.status(), 401);
        let v: Value = json_of(resp).await;
        assert!(v["error"].as_str().unwrap().contains("signature"), "{v}");
        let mut bad_key = sim.credentials().clone();
        bad_key.consumer_key = "someone-else".into();
        assert_eq!(get_with(&sim, &bad_key, "queuehealth", &q).await.status(), 401);
        let resp = reqwest::get(format!("{}?timeframe=60&v=1", data_url(&sim, "queuehealth")))
            .await
            .unwrap();
        assert_eq!(resp.status(), 401);
        // A replayed header is refused.
        let (url, auth) = sign(sim.credentials(), "GET", &data_url(&sim, "engactivity"), &q);
        let client = reqwest::Client::new();
        assert_eq!(
            client
                .get(&url)
                .header("Authorization", &auth)
                .send()
                .await
                .unwrap()
                .status(),
            200
        );
        assert_eq!(
            client
                .get(&url)
                .header("Authorization", &auth)
                .send()
                .await
                .unwrap()
                .status(),
            401
        );
        // Tampering with the query breaks the signature.
        let (url, auth) = sign(sim.credentials(), "GET", &data_url(&sim, "engactivity"), &q);
        let tampered = url.replace("timeframe=60", "timeframe=30");
        assert_eq!(
            client
                .get(&tampered)
                .header("Authorization", &auth)
                .send()
                .await
                .unwrap()
                .status(),
            401
        );
        assert_eq!(sim.data_requests(), 6);
        let statuses: Vec<u16> = sim.requests().iter().map(|r| r.status).collect();
        assert_eq!(statuses, vec![401, 401, 401, 200, 401, 401]);
        sim.shutdown().await;
    }

    #[tokio::test]
    async fn bad_params_and_unknown_paths() {
        let sim = start(Some(at(12, 0, 0)), IntervalOrder::Ascending).await;
        let cases: &[&[(&str, &str)]] = &[
            &[("interval", "5"), ("v", "1")],
            &[("timeframe", "abc"), ("interval", "5"), ("v", "1")],
            &[("timeframe", "0"), ("interval", "5"), ("v", "1")],
            &[("timeframe", "1441"), ("interval", "5"), ("v", "1")],
            &[("timeframe", "60"), ("interval", "7"), ("v", "1")],
            &[("timeframe", "60"), ("interval", "25"), ("v", "1")],
            &[("timeframe", "60"), ("interval", "0"), ("v", "1")],
            &[("timeframe", "60"), ("interval", "5")],
        ];
        for q in cases {
            let resp = get(&sim, "queuehealth", q).await;
            assert_eq!(resp.status(), 400, "{q:?}");
            let v: Value = json_of(resp).await;
            assert!(v["error"].is_string());
        }
        let ok = [
            ("timeframe", "1440"),
            ("interval", "5"),
            ("v", "1"),
            ("skillIds", "all"),
        ];
        assert_eq!(timestamps(&get_json(&sim, "queuehealth", &ok).await).len(), 289);
        assert_eq!(get(&sim, "msgqueuehealth", &ok).await.status(), 404);
        let other = format!("{}/operations/api/account/999/queuehealth", sim.base_url());
        let (url, auth) = sign(sim.credentials(), "GET", &other, &ok);
        let resp = reqwest::Client::new()
            .get(url)
            .header("Authorization", auth)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 404);
        // POST is for agentactivity only.
        let (url, auth) = sign(sim.credentials(), "POST", &data_url(&sim, "queuehealth"), &ok);
        let resp = reqwest::Client::new()
            .post(url)
            .header("Authorization", auth)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 405);
        sim.shutdown().await;
    }

    #[tokio::test]
    async fn faults() {
        let sim = start(Some(at(12, 3, 0)), IntervalOrder::Ascending).await;
        let q = [("timeframe", "60"), ("interval", "5"), ("v", "1"), ("skillIds", "all")];
        let aq = [("timeframe", "60"), ("interval", "5"), ("v", "1"), ("agentIds", "all")];

        sim.inject(
            None,
            Fault::TooManyRequests {
                retry_after_secs: Some(7),
            },
            2,
        );
        // A request that fails OAuth does not use up the fault.
        let mut bad = sim.credentials().clone();
        bad.consumer_secret = "x".into();
        assert_eq!(get_with(&sim, &bad, "queuehealth", &q).await.status(), 401);
        for _ in 0..2 {
            let resp = get(&sim, "queuehealth", &q).await;
            assert_eq!(resp.status(), 429);
            assert_eq!(resp.headers()["retry-after"], "7");
        }
        assert_eq!(get(&sim, "queuehealth", &q).await.status(), 200);
        sim.inject(None, Fault::TooManyRequests { retry_after_secs: None }, 1);
        let resp = get(&sim, "engactivity", &q).await;
        assert_eq!(resp.status(), 429);
        assert!(resp.headers().get("retry-after").is_none());

        sim.inject(Some(Method::AgentActivity), Fault::ServerError(503), 1);
        assert_eq!(get(&sim, "queuehealth", &q).await.status(), 200);
        let resp = get(&sim, "agentactivity", &aq).await;
        assert_eq!(resp.status(), 503);
        assert!(json_of(resp).await["error"].is_string());
        assert_eq!(get(&sim, "agentactivity", &aq).await.status(), 200);
        sim.inject(None, Fault::ServerError(42), 1);
        assert_eq!(get(&sim, "queuehealth", &q).await.status(), 500);

        sim.inject(None, Fault::Slow(Duration::from_millis(300)), 1);
        let t0 = Instant::now();
        let slow = get_json(&sim, "queuehealth", &q).await;
        assert!(t0.elapsed() >= Duration::from_millis(300));
        assert_eq!(slow, get_json(&sim, "queuehealth", &q).await);

        sim.inject(None, Fault::Malformed, 1);
        let v = get_json(&sim, "queuehealth", &q).await;
        assert!(v["metricsByIntervals"].is_object());
        assert!(v["metricsByIntervals"]["timestamp"].is_string());

        sim.inject(None, Fault::Truncated, 1);
        let resp = get(&sim, "queuehealth", &q).await;
        assert_eq!(resp.status(), 200);
        let declared = resp.content_length().unwrap();
        assert!(declared > 100);
        assert!(resp.bytes().await.is_err());
        // The same over a raw socket: half the declared body, then the connection closes.
        sim.inject(None, Fault::Truncated, 1);
        let (url, auth) = sign(sim.credentials(), "GET", &data_url(&sim, "queuehealth"), &q);
        let target = url.trim_start_matches(&sim.base_url()).to_string();
        let raw = raw_request(
            &sim,
            format!(
                "GET {target} HTTP/1.1\r\nHost: {}\r\nAuthorization: {auth}\r\n\r\n",
                sim.addr()
            )
            .as_bytes(),
        )
        .await;
        let text = String::from_utf8_lossy(&raw);
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 200"));
        let len: usize = head
            .lines()
            .find_map(|l| {
                l.to_ascii_lowercase()
                    .strip_prefix("content-length: ")
                    .map(|v| v.trim().parse().unwrap())
            })
            .unwrap();
        assert!(!body.is_empty() && body.len() < len, "{} of {len}", body.len());
        assert_eq!(body.len(), len / 2);

        assert_eq!(get(&sim, "queuehealth", &q).await.status(), 200);
        let statuses: Vec<u16> = sim.requests().iter().map(|r| r.status).collect();
        assert_eq!(
            statuses,
            vec![401, 429, 429, 200, 429, 200, 503, 200, 500, 200, 200, 200, 200, 200, 200]
        );
        assert_eq!(sim.data_requests(), 15);
        sim.shutdown().await;
    }

    /// Sends raw bytes and reads until the server closes (or 5 s pass).
    async fn raw_request(sim: &Simulator, bytes: &[u8]) -> Vec<u8> {
        let mut s = tokio::net::TcpStream::connect(sim.addr()).await.unwrap();
        s.write_all(bytes).await.unwrap();
        let mut out = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(5), async {
            let mut buf = [0u8; 4096];
            while let Ok(n) = s.read(&mut buf).await {
                if n == 0 {
                    break;
                }
                out.extend_from_slice(&buf[..n]);
            }
        })
        .await;
        out
    }

    #[tokio::test]
    async fn survives_garbage() {
        let sim = start(None, IntervalOrder::Ascending).await;
        let path = format!("/operations/api/account/{ACCOUNT}/queuehealth");
        let mut req = format!(
            "GET {path}?timeframe=%FF%FE&x=%zz&=&&a HTTP/1.1\r\nHost: {}\r\nAuthorization: OAuth ",
            sim.addr()
        )
        .into_bytes();
        req.extend_from_slice(b"\xff\xfe=\"\x80\"\r\nConnection: close\r\n\r\n");
        let out = raw_request(&sim, &req).await;
        assert!(
            String::from_utf8_lossy(&out).starts_with("HTTP/1.1 401"),
            "{}",
            String::from_utf8_lossy(&out)
        );
        let out = raw_request(&sim, b"\x00\x01\x02 garbage\r\n\r\n").await;
        assert!(out.is_empty() || String::from_utf8_lossy(&out).starts_with("HTTP/1.1 4"));
        let out = raw_request(&sim, format!("POST /operations/api/account/{ACCOUNT}/agentactivity HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nConnection: close\r\n\r\n{{{{{{").as_bytes()).await;
        assert!(String::from_utf8_lossy(&out).starts_with("HTTP/1.1 401"));
        // Still serving, on the real clock: F/5 + 1 intervals.
        let v = get_json(
            &sim,
            "engactivity",
            &[("timeframe", "30"), ("interval", "5"), ("v", "1")],
        )
        .await;
        let t = timestamps(&v);
        assert_eq!(t.len(), 7);
        let newest = floor_to(Utc::now().timestamp_millis(), SLOT_MS) + SLOT_MS;
        assert!(t[6] == newest || t[6] == newest - SLOT_MS);
        sim.shutdown().await;
    }
}
