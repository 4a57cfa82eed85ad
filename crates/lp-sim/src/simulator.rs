//! The running simulator: start, faults, clock, request log and counters, shutdown.

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::shared::{lock, Shared};
use crate::*;

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

    /// Answers the next token request with a redirect (`status`, e.g. 307, to `location`).
    pub fn inject_token_redirect(&self, status: u16, location: &str) {
        self.shared.faults.push_token_redirect(status, location);
    }

    /// Members merged into every later 200 token reply (e.g. a huge `expires_in`, or an
    /// `access_token` holding CR/LF); `Value::Null` stops it.
    pub fn set_token_reply_patch(&self, patch: serde_json::Value) {
        *lock(&self.shared.token_patch) = patch;
    }

    /// Every later Domain API reply names `base_uri` as every service's `baseURI`
    /// (`None`: the simulator's own address again).
    pub fn set_domain_base_uri(&self, base_uri: Option<&str>) {
        *lock(&self.shared.domain_base_uri) = base_uri.map(str::to_string);
    }

    /// Answers every later Domain API lookup with a redirect (`status`, e.g. 307, to
    /// `location`); `None` stops it.
    pub fn set_domain_redirect(&self, redirect: Option<(u16, &str)>) {
        *lock(&self.shared.domain_redirect) = redirect.map(|(s, l)| (s, l.to_string()));
    }

    /// Like [`Simulator::inject`], but the first `skip` matching data requests pass
    /// untouched (e.g. a refusal of the third page only).
    pub fn inject_after(&self, method: Option<Method>, skip: usize, fault: Fault, times: usize) {
        self.shared.faults.push_after(method, skip, fault, times);
    }

    /// After `uses` more accepted Bearer data calls, every token issued until then is
    /// revoked (0: at once). New tokens work.
    pub fn revoke_tokens_after(&self, uses: usize) {
        self.shared.auth.issuer().revoke_after(uses);
    }

    /// Answer a refused data call (401) only once `requests` data requests have
    /// arrived in all (at most 10 s later): concurrent calls then all go out
    /// before any refusal can make the client fetch a new token.
    pub fn hold_refusals_until(&self, requests: usize) {
        self.shared.refusals_wait_for.store(requests, Ordering::SeqCst);
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

    /// msgskillsegments buckets with their members inside a `metricsData` object (default:
    /// directly in the bucket, as LivePerson's example).
    pub fn set_msg_skill_segments_wrapped(&self, wrapped: bool) {
        self.shared.data.msg_segments_wrapped.store(wrapped, Ordering::SeqCst);
    }

    /// msgconversation intervals without the `metricsData` wrapper (default: with it).
    pub fn set_msg_conversation_unwrapped(&self, unwrapped: bool) {
        self.shared
            .data
            .msg_conversation_unwrapped
            .store(unwrapped, Ordering::SeqCst);
    }

    /// The most Key Messaging Metrics requests answered at once so far (from
    /// arrival to the reply's head; a `Slow` fault keeps one in flight).
    pub fn kmm_max_in_flight(&self) -> usize {
        self.shared.kmm_max_in_flight.load(Ordering::SeqCst)
    }

    /// The most Messaging Operations requests (msgskillsegments, msgconversation together)
    /// answered at once so far (from arrival to the reply's head; a `Slow` fault keeps one
    /// in flight).
    pub fn msgops_max_in_flight(&self) -> usize {
        self.shared.msgops_max_in_flight.load(Ordering::SeqCst)
    }

    /// Data-method requests (chat, KMM, Messaging Operations) received, rejected ones included.
    pub fn data_requests(&self) -> usize {
        self.shared.data_requests.load(Ordering::SeqCst)
    }

    /// Requests of one data method received, rejected ones included.
    pub fn method_requests(&self, method: Method) -> usize {
        lock(&self.shared.requests)
            .iter()
            .filter(|r| r.method == Some(method))
            .count()
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
