//! Helpers of the unit tests that talk to a running simulator over HTTP.

use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::{IntervalOrder, OAuthCredentials, SimAuth, SimClock, SimOptions, Simulator};

pub(crate) const ACCOUNT: &str = "12345678";

pub(crate) fn at(h: u32, m: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, h, m, s).unwrap()
}

pub(crate) async fn start(now: Option<DateTime<Utc>>, order: IntervalOrder) -> Simulator {
    let mut opts = SimOptions::demo(ACCOUNT);
    opts.auth = SimAuth::OAuth1;
    if let Some(n) = now {
        opts.clock = SimClock::Fixed(n);
    }
    opts.order = order;
    Simulator::start(opts).await.unwrap()
}

pub(crate) fn data_url(sim: &Simulator, method: &str) -> String {
    format!("{}/operations/api/account/{ACCOUNT}/{method}", sim.base_url())
}

/// (full URL with query, Authorization header) signed by oauth1-request.
pub(crate) fn sign(creds: &OAuthCredentials, http_method: &str, uri: &str, query: &[(&str, &str)]) -> (String, String) {
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

/// A client for the tests. Built together with wfm, reqwest has rustls without
/// a crypto provider and panics without one: ring is installed for the process.
pub(crate) fn http() -> reqwest::Client {
    // Err: a provider is installed already (another test did it).
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

pub(crate) async fn get_with(
    sim: &Simulator,
    creds: &OAuthCredentials,
    method: &str,
    query: &[(&str, &str)],
) -> reqwest::Response {
    let (url, auth) = sign(creds, "GET", &data_url(sim, method), query);
    http().get(url).header("Authorization", auth).send().await.unwrap()
}

pub(crate) async fn get(sim: &Simulator, method: &str, query: &[(&str, &str)]) -> reqwest::Response {
    get_with(sim, sim.credentials(), method, query).await
}

pub(crate) async fn get_json(sim: &Simulator, method: &str, query: &[(&str, &str)]) -> Value {
    let resp = get(sim, method, query).await;
    assert_eq!(resp.status(), 200);
    json_of(resp).await
}

pub(crate) async fn json_of(resp: reqwest::Response) -> Value {
    serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap()
}

pub(crate) fn ts(e: DateTime<Utc>) -> i64 {
    e.timestamp_millis()
}

pub(crate) fn timestamps(v: &Value) -> Vec<i64> {
    v["metricsByIntervals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["timestamp"].as_i64().unwrap())
        .collect()
}

pub(crate) fn by_ts(v: &Value, e: DateTime<Utc>) -> Value {
    v["metricsByIntervals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["timestamp"].as_i64() == Some(ts(e)))
        .unwrap()["metricsData"]
        .clone()
}

pub(crate) async fn start_oauth2() -> Simulator {
    let mut opts = SimOptions::demo(ACCOUNT);
    opts.clock = SimClock::Fixed(at(12, 0, 0));
    Simulator::start(opts).await.unwrap()
}

pub(crate) async fn get_token(sim: &Simulator) -> String {
    let c = sim.client();
    let v: Value = json_of(
        http()
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

/// Sends raw bytes and reads until the server closes (or 5 s pass).
pub(crate) async fn raw_request(sim: &Simulator, bytes: &[u8]) -> Vec<u8> {
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

/// A KMM method's URL (no query).
pub(crate) fn kmm_url(sim: &Simulator, method: &str) -> String {
    format!("{}/manager_workspace/api/account/{ACCOUNT}/{method}", sim.base_url())
}

/// POSTs a KMM body with a Bearer token; `page` is the URL query.
pub(crate) async fn kmm_bearer(
    sim: &Simulator,
    token: &str,
    method: &str,
    page: &[(&str, &str)],
    body: &Value,
) -> reqwest::Response {
    let url = reqwest::Url::parse_with_params(&kmm_url(sim, method), page).unwrap();
    post_json(url, Some(&format!("Bearer {token}")), body).await
}

/// POSTs `body` as JSON to `url`, with `authorization` as the Authorization header.
pub(crate) async fn post_json(
    url: impl reqwest::IntoUrl,
    authorization: Option<&str>,
    body: &Value,
) -> reqwest::Response {
    let mut req = http().post(url).header("Content-Type", "application/json");
    if let Some(a) = authorization {
        req = req.header("Authorization", a);
    }
    req.body(body.to_string()).send().await.unwrap()
}

/// A messaging account (chat methods answer empty intervals) at a fixed `now`.
pub(crate) async fn messaging_account(now: DateTime<Utc>) -> Simulator {
    let mut opts = crate::SimOptions::demo(ACCOUNT);
    opts.chat_data = false;
    opts.clock = crate::SimClock::Fixed(now);
    Simulator::start(opts).await.unwrap()
}

/// [`kmm_bearer`]'s reply as JSON.
pub(crate) async fn kmm_json(sim: &Simulator, token: &str, method: &str, page: &[(&str, &str)], body: &Value) -> Value {
    json_of(kmm_bearer(sim, token, method, page, body).await).await
}

/// POSTs a KMM body signed with OAuth 1.0a: the URL query is signed, the JSON body is not.
pub(crate) async fn kmm_signed(
    sim: &Simulator,
    creds: &OAuthCredentials,
    method: &str,
    page: &[(&str, &str)],
    body: &Value,
) -> reqwest::Response {
    let (url, auth) = sign(creds, "POST", &kmm_url(sim, method), page);
    post_json(url, Some(&auth), body).await
}

/// A `metrics` body asking for every metric wfm uses.
pub(crate) fn metrics_body(from: i64, to: i64) -> Value {
    serde_json::json!({
        "filters": {"time": {"from": from, "to": to}, "userTypes": ["HUMAN"]},
        "groupBy": "skillId",
        "responseSections": ["groupBy"],
        "metricsToRetrieveByTime": ["closed_conversations", "closed_by_agent", "closed_by_consumer",
                                    "auto_closed", "avg_wait_time", "avg_wait_time_first_response",
                                    "avg_time_to_response", "avg_time_to_first_response_first_assignment"]
    })
}

/// An `agent_view` body asking for every metric wfm uses; `statuses` `None` leaves
/// `effectiveAgentStatus` out.
pub(crate) fn agent_view_body(from: i64, to: i64, statuses: Option<&[&str]>) -> Value {
    let mut v = serde_json::json!({
        "filters": {"time": {"from": from, "to": to}, "userTypes": ["HUMAN"]},
        "includeAgentMetadata": false,
        "metricsToRetrieveByTime": ["agent_login_duration", "agent_online_duration", "agent_status_duration",
                                    "agent_status_with_reason_duration", "closed_conversations"]
    });
    if let Some(s) = statuses {
        v["filters"]["effectiveAgentStatus"] = serde_json::json!(s);
    }
    v
}

/// All four statuses, as wfm must send them.
pub(crate) const ALL_STATUSES: &[&str] = &["ONLINE", "BACK_SOON", "AWAY", "OFFLINE"];

/// The data of a chunked body as received, and whether its terminating chunk came.
pub(crate) fn dechunk(mut raw: &[u8]) -> (Vec<u8>, bool) {
    let mut body = Vec::new();
    loop {
        let Some(eol) = raw.windows(2).position(|w| w == b"\r\n") else {
            return (body, false);
        };
        let size = usize::from_str_radix(std::str::from_utf8(&raw[..eol]).unwrap().trim(), 16).unwrap();
        raw = &raw[eol + 2..];
        if size == 0 {
            return (body, raw.starts_with(b"\r\n"));
        }
        if raw.len() < size + 2 {
            body.extend_from_slice(&raw[..size.min(raw.len())]);
            return (body, false);
        }
        body.extend_from_slice(&raw[..size]);
        raw = &raw[size + 2..];
    }
}
