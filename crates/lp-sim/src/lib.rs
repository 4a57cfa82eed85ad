//! A LivePerson simulator (Domain API for every service, the sentinel token endpoint, the
//! chat methods queuehealth, engactivity, agentactivity, the Key Messaging Metrics
//! methods metrics and agent_view, and the Messaging Operations methods msgskillsegments and
//! msgconversation) over plain HTTP on 127.0.0.1, for `wfm demo` and the tests.
//!
//! Data comes from the deterministic [`Generator`]. Every data request is authorised the way
//! the simulated account is set up ([`SimAuth`]): an OAuth 1.0a signature checked by the
//! independent verifier in [`auth::oauth1`], or a Bearer token issued by [`auth::oauth2`]; the
//! other scheme is refused. Faults can be queued with [`Simulator::inject`].
//!
//! This crate never depends on the client it checks: it is written from LivePerson's API
//! description alone.
//!
//! # Key Messaging Metrics
//!
//! `POST /manager_workspace/api/account/{account}/metrics?offset=N&limit=M` (per skill,
//! `groupBy: "skillId"`) and `.../agent_view?offset=N&limit=M` (per agent), on the same
//! listener (the Domain API's `agentManagerWorkspace` is the simulator's base URL). They
//! answer whatever [`SimOptions::chat_data`] says: a messaging account has empty chat
//! methods and full KMM. The figures over a window are [`Generator::kmm_skill`] and
//! [`Generator::kmm_agent`], public so that tests can compute the expected files; the data
//! is made per 15-minute block (see [`KMM_BLOCK_MS`]), so quarters are cheap and any window
//! adds up from its parts. Authorisation, faults ([`Method::Metrics`], [`Method::AgentView`])
//! and recording ([`RecordedRequest::body`] holds the JSON sent) work as for the chat
//! methods; with OAuth 1.0a the URL query (`offset`, `limit`) is signed, the body is not.
//!
//! Rules, where LivePerson's description is silent (refusals are 400 with
//! `{"message": "..."}` unless said otherwise):
//! - Checks in this order: HTTP method (405), authorisation (401), queued fault, account
//!   (404), `Content-Type: application/json` (415; parameters such as `charset` allowed),
//!   JSON (400), paging, body.
//! - `offset` defaults to 0 and must be ≥ 0; `limit` defaults to 50 and must be 1..=50
//!   ([`KMM_MAX_LIMIT`]); for agent_view `offset + limit` ≤ 1,000 ([`KMM_MAX_AGENT_RECORDS`]).
//! - `filters.time.from` and `to` are integer epoch ms, `from < to`, at most 24 h apart
//!   ([`KMM_MAX_WINDOW_MS`]); `from` at most 14 days before the simulator's now
//!   ([`KMM_RETENTION_MS`], exactly 14 days is accepted); `to` at most one minute after now
//!   ([`KMM_FUTURE_SLACK_MS`]). The bounds are used to the ms (no rounding to minutes), and
//!   the figures stop at now: the reply covers [from, min(to, now)).
//! - `metricsToRetrieveByTime` is required, non-empty, and only the named metrics are
//!   returned (`agentId` and `agentGroupId` always); an unknown name is refused. metrics
//!   requires `groupBy: "skillId"`. `skillIds` / `agentIds` (strings, or numbers) may be
//!   omitted for all but not empty; at most 1,000 agent ids ([`KMM_MAX_AGENT_IDS`]).
//!   Unknown ids give no group or record. `userTypes` without `HUMAN` gives nothing (all
//!   simulated agents are human).
//! - Groups and records come in the account's order ([`Generator::skill_ids`],
//!   [`Generator::agent_ids`]); `metadata.count` counts all pages, `next` is present while
//!   `offset + limit < count` (also past the 1,000 agent_view cap, where it cannot be
//!   followed).
//! - metrics: a skill without a conversation closed in the window has no group. An average
//!   without data in the window is `null`, left out, or `-1`, chosen deterministically per
//!   (skill, window, metric) ([`KmmAvg`]); the others are ms floats, often fractional, often
//!   a whole number of seconds and a half (e.g. `41500.0`).
//! - agent_view: an agent not logged in during the window has no record. Durations are whole
//!   ms; ONLINE + BACK_SOON + AWAY = `loginDuration` ≤ the window; `onlineDuration` is the
//!   ONLINE time; states with no time are left out. The reason list has AWAY entries (numeric
//!   ids such as "17", "3", "120", and "NA") summing to AWAY, and BACK_SOON entries (reason
//!   "8" or "NA") summing to BACK_SOON; ONLINE has none.
//! - The status *now* of an agent is its state at the simulator's now in the same timeline
//!   ([`Generator::kmm_agent_status`]; logged out = OFFLINE). agent_view returns only the
//!   agents whose status now is in `effectiveAgentStatus`; omitted, it means ONLINE,
//!   BACK_SOON, AWAY, so agents logged out now are missing unless `OFFLINE` is listed.
//! - A `Malformed` fault answers 200 with valid JSON of the wrong KMM shape.
//!
//! agent_view also serves `transfers`, `back_to_queue` and `concluded_conversations` (replied
//! as `transfers`, `backToQueue`, `concludedConversations`, [`KmmAgent::moves`]) when they are
//! asked for; a value of 0 is sometimes left out (absent = 0).
//!
//! # Messaging Operations
//!
//! On the chat methods' path (`/operations/api/account/{account}/...`, service
//! `leDataReporting`), answered on chat and messaging accounts alike:
//! - `GET msgskillsegments?v=2&fromMillis&toMillis&interval&skillIds&userType`: a Bearer token
//!   only (an OAuth 1.0a signature is 401); `v=1` takes a signature and is then refused (400,
//!   not served: its stamps are unrounded). `fromMillis` ≥ now − 24 h
//!   ([`MSG_SEGMENTS_REACH_MS`]), `toMillis` ≤ now, `from < to`, `interval` (optional) ≥ 5
//!   minutes and a divisor of the time frame, `userType` human, bot or all. Buckets are
//!   stamped with their start, from `fromMillis` on, in the [`IntervalOrder`]; each has
//!   `skillsMetrics` (skills without data left out, `{}` when none) and `metricsTotal` (every
//!   metric 0 when no skill has data), inside a `metricsData` object when
//!   [`Simulator::set_msg_skill_segments_wrapped`] says so; `timeframeSummary` covers the
//!   whole window. The truth: [`Generator::msg_skill_segments`] ([`SkillSegments`], the
//!   average in ms or no data as [`MsgAvg`]).
//! - `GET`/`POST msgconversation?v=1&timeframe&interval&skillIds&agentIds`: authorised as the
//!   chat methods, the engactivity parameters and 5-minute slots (stamps = bucket ends, the
//!   newest in progress), written interval by interval with the engactivity shape
//!   (`skillsMetricsPerAgent.metricsPerSkill[skill].{metricsPerAgent, metricsTotals}`,
//!   `agentsMetrics`), without the `metricsData` wrapper when
//!   [`Simulator::set_msg_conversation_unwrapped`] says so. A skill's `metricsTotals` is the
//!   whole queue, whichever agents were asked. The truth: [`Generator::msg_conversation`] per
//!   agent and [`Generator::msg_conversation_skill`] per skill ([`ConvFigures`], handling
//!   times in seconds, per whole 5-minute bucket).
//! - Faults are queued per [`Method::MsgSkillSegments`] and [`Method::MsgConversation`].
//!
//! Modules: `server` (listener, connections, response bodies), `routes` (paths, Domain API,
//! token and chat data routes, msgconversation), `kmm_routes` (the KMM methods), `simulator` (the running
//! simulator's handle),
//! `msgops_routes` (msgskillsegments), `faults` (queued faults), `data` (generator, slots,
//! chat replies, KMM data and requests, Messaging Operations data), `auth` (OAuth 1.0a
//! verifier, OAuth 2.0 issuer).

pub mod auth;
mod data;
mod faults;
mod kmm_routes;
mod msgops_routes;
mod routes;
mod server;
mod shared;
mod simulator;
#[cfg(test)]
mod test_support;

pub use auth::oauth1::OAuthCredentials;
pub use auth::oauth2::{ClientCredentials, TokenOptions};
pub use data::generator::{self, *};
pub use data::kmm::*;
pub use data::kmm_request::{
    KMM_FUTURE_SLACK_MS, KMM_MAX_AGENT_IDS, KMM_MAX_AGENT_RECORDS, KMM_MAX_LIMIT, KMM_MAX_WINDOW_MS, KMM_RETENTION_MS,
};
pub use data::msg_conversation::ConvFigures;
pub use data::msg_segments::{MsgAvg, SkillSegments, MSG_SEGMENTS_REACH_MS};
pub use simulator::Simulator;

use std::time::Duration;

use chrono::{DateTime, Utc};

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

/// The data methods: the three chat Operational Realtime methods, the two Key Messaging
/// Metrics methods and the two Messaging Operations methods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    QueueHealth,
    EngActivity,
    AgentActivity,
    /// KMM `metrics` (per skill).
    Metrics,
    /// KMM `agent_view` (per agent).
    AgentView,
    /// Messaging Operations `msgskillsegments` (v=2, Bearer only).
    MsgSkillSegments,
    /// Messaging Operations `msgconversation` (v=1).
    MsgConversation,
}

impl Method {
    /// The three chat methods (`/operations/api/account/{account}/{method}`).
    pub const CHAT: [Method; 3] = [Method::QueueHealth, Method::EngActivity, Method::AgentActivity];
    /// The two KMM methods (`/manager_workspace/api/account/{account}/{method}`).
    pub const KMM: [Method; 2] = [Method::Metrics, Method::AgentView];
    /// The two Messaging Operations methods (on the chat methods' path).
    pub const MSG_OPS: [Method; 2] = [Method::MsgSkillSegments, Method::MsgConversation];

    /// The method's URL path segment.
    pub fn path_name(self) -> &'static str {
        match self {
            Method::QueueHealth => "queuehealth",
            Method::EngActivity => "engactivity",
            Method::AgentActivity => "agentactivity",
            Method::Metrics => "metrics",
            Method::AgentView => "agent_view",
            Method::MsgSkillSegments => "msgskillsegments",
            Method::MsgConversation => "msgconversation",
        }
    }

    pub fn from_path_name(name: &str) -> Option<Method> {
        match name {
            "queuehealth" => Some(Method::QueueHealth),
            "engactivity" => Some(Method::EngActivity),
            "agentactivity" => Some(Method::AgentActivity),
            "metrics" => Some(Method::Metrics),
            "agent_view" => Some(Method::AgentView),
            "msgskillsegments" => Some(Method::MsgSkillSegments),
            "msgconversation" => Some(Method::MsgConversation),
            _ => None,
        }
    }

    /// A Key Messaging Metrics method (`metrics`, `agent_view`).
    pub fn is_kmm(self) -> bool {
        matches!(self, Method::Metrics | Method::AgentView)
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
    /// This 3xx status (307, 308, ...) with `Location: location` (a hostile or misconfigured
    /// proxy moving the call elsewhere).
    Redirect { status: u16, location: String },
    /// 200 with a JSON body echoing the request's Authorization header (a proxy page that
    /// reflects headers): `{"echo":{"authorization":"Bearer ..."}}`.
    EchoAuthorization,
    /// 200 with exactly this body (`application/json`), for hostile replies of any method.
    Body(String),
    /// Key Messaging Metrics only: the page as if the request had asked for this offset
    /// (an ignored offset, a page served twice). Other methods answer normally.
    AsOffset(u64),
    /// Key Messaging Metrics only: the built page with the member at this JSON pointer
    /// (`/metadata/count`) set to `value`, or removed when `None`. Other methods answer
    /// normally.
    Patch {
        pointer: String,
        value: Option<serde_json::Value>,
    },
    /// Chat methods only: the reply built whole, with the member at `pointer` (slash-separated
    /// names, or an index in a list; no `~` escapes) inside the `metricsData` of the interval
    /// ending `end_ms` set to `value`, objects missing on the way made: a hostile figure among
    /// true data. Other intervals, and replies without that interval, are left as built.
    PatchInterval {
        end_ms: i64,
        pointer: String,
        value: serde_json::Value,
    },
    /// Answer normally: lets a later queued fault of the same method hit a later call.
    Pass,
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
    /// Decoded URL query pairs; for a chat data POST, the JSON body's pairs follow. For KMM,
    /// the URL query only (`offset`, `limit`).
    pub query: Vec<(String, String)>,
    /// The raw request body (lossy UTF-8) of a data POST (KMM, agentactivity) when it was
    /// read (msgconversation's too); `None` otherwise (token requests are never recorded with their body).
    pub body: Option<String>,
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
    /// `false`: a messaging account, whose chat methods answer empty intervals. The KMM
    /// methods answer either way.
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
