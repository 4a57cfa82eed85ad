//! The state every connection of one simulator shares: the account's setup, the clock,
//! the fault queue, the counters and the request log.

use std::sync::atomic::{AtomicU64, AtomicUsize};
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, Utc};

use crate::auth::Authorizer;
use crate::data::DataSource;
use crate::faults::FaultQueue;
use crate::{RecordedRequest, SimClock, SimOptions};

pub(crate) struct Shared {
    pub account: String,
    /// `http://127.0.0.1:PORT`, the address of every service.
    pub base_url: String,
    pub domain_list_form: bool,
    pub auth: Authorizer,
    pub data: DataSource,
    pub faults: FaultQueue,
    pub clock: Mutex<SimClock>,
    pub requests: Mutex<Vec<RecordedRequest>>,
    pub data_requests: AtomicUsize,
    /// Woken at each data request's arrival (for `refusals_wait_for`).
    pub arrived: tokio::sync::Notify,
    /// A refused data call (401) is answered only once this many data requests
    /// have arrived (0: at once), so tests can fix the order of a race.
    pub refusals_wait_for: AtomicUsize,
    pub token_requests: AtomicUsize,
    /// KMM requests being answered now, and the most there ever were at once.
    pub kmm_in_flight: AtomicUsize,
    pub kmm_max_in_flight: AtomicUsize,
    /// The same for the Messaging Operations methods.
    pub msgops_in_flight: AtomicUsize,
    pub msgops_max_in_flight: AtomicUsize,
    /// Body bytes of data-call answers handed to the connections.
    pub data_bytes: Arc<AtomicU64>,
    /// Members merged into 200 token replies (`Null`: none).
    pub token_patch: Mutex<serde_json::Value>,
    /// The `baseURI` every Domain API reply names instead of `base_url`.
    pub domain_base_uri: Mutex<Option<String>>,
    /// A redirect answering every Domain API lookup.
    pub domain_redirect: Mutex<Option<(u16, String)>>,
}

/// A poisoned lock still holds usable data: a panicking test must not stop the server.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Shared {
    pub fn new(opts: SimOptions, base_url: String) -> Self {
        Shared {
            auth: Authorizer::new(opts.auth, opts.credentials, opts.tokens, &opts.account),
            data: DataSource::new(opts.generator, opts.order, opts.chat_data),
            account: opts.account,
            base_url,
            domain_list_form: opts.domain_list_form,
            faults: FaultQueue::default(),
            clock: Mutex::new(opts.clock),
            requests: Mutex::new(Vec::new()),
            data_requests: AtomicUsize::new(0),
            arrived: tokio::sync::Notify::new(),
            refusals_wait_for: AtomicUsize::new(0),
            token_requests: AtomicUsize::new(0),
            kmm_in_flight: AtomicUsize::new(0),
            kmm_max_in_flight: AtomicUsize::new(0),
            msgops_in_flight: AtomicUsize::new(0),
            msgops_max_in_flight: AtomicUsize::new(0),
            data_bytes: Arc::new(AtomicU64::new(0)),
            token_patch: Mutex::new(serde_json::Value::Null),
            domain_base_uri: Mutex::new(None),
            domain_redirect: Mutex::new(None),
        }
    }

    /// The simulator's "now" (data replies; OAuth timestamps use the real clock).
    pub fn now(&self) -> DateTime<Utc> {
        match *lock(&self.clock) {
            SimClock::Real => Utc::now(),
            SimClock::Fixed(t) => t,
        }
    }
}
