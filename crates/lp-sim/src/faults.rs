//! Injected faults: the queue of data-call faults (per method or for any) and of token
//! endpoint failures, and how a fault changes the answer to a data call.

use std::collections::VecDeque;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use hyper::header::{HeaderValue, RETRY_AFTER};
use hyper::{Response, StatusCode};
use serde_json::{json, Value};

use crate::data::json::to_vec;
use crate::data::slots::SLOT_MS;
use crate::data::Reply;
use crate::server::{error_response, json_response, truncate, SimBody};
use crate::shared::lock;
use crate::{Fault, Method};

#[derive(Default)]
pub(crate) struct FaultQueue {
    /// Used in order.
    data: Mutex<VecDeque<Queued>>,
    /// Failures to answer the next token requests with, in order.
    token: Mutex<VecDeque<TokenFault>>,
}

/// (method or any, fault, times left, matching requests still to let pass).
type Queued = (Option<Method>, Fault, usize, usize);

/// A token request's queued failure.
enum TokenFault {
    Status(u16),
    Redirect(u16, String),
}

impl FaultQueue {
    pub fn push(&self, method: Option<Method>, fault: Fault, times: usize) {
        self.push_after(method, 0, fault, times);
    }

    pub fn push_after(&self, method: Option<Method>, skip: usize, fault: Fault, times: usize) {
        if times > 0 {
            lock(&self.data).push_back((method, fault, times, skip));
        }
    }

    /// The fault for this data call, if one is queued for its method (or for any).
    pub fn pop(&self, method: Method) -> Option<Fault> {
        let mut faults = lock(&self.data);
        let i = faults.iter().position(|(m, _, _, _)| m.is_none_or(|m| m == method))?;
        let entry = faults.get_mut(i)?;
        if entry.3 > 0 {
            entry.3 -= 1;
            return None;
        }
        let fault = entry.1.clone();
        entry.2 = entry.2.saturating_sub(1);
        if entry.2 == 0 {
            faults.remove(i);
        }
        Some(fault)
    }

    pub fn push_token(&self, status: u16, times: usize) {
        lock(&self.token).extend(std::iter::repeat_n(status, times).map(TokenFault::Status));
    }

    pub fn push_token_redirect(&self, status: u16, location: &str) {
        lock(&self.token).push_back(TokenFault::Redirect(status, location.to_string()));
    }

    /// The failure to answer this token request with, if one is queued.
    pub fn pop_token(&self) -> Option<Response<SimBody>> {
        match lock(&self.token).pop_front()? {
            TokenFault::Status(status) => {
                let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                Some(error_response(status, "simulated token endpoint failure"))
            }
            TokenFault::Redirect(status, location) => Some(redirect(status, &location)),
        }
    }
}

/// Applies a data call's fault before its reply is built: the answer that replaces the
/// reply (429, 5xx, malformed), or `None` to reply (after the pause of `Slow`).
pub(crate) async fn before_reply(
    fault: Option<&Fault>,
    now: DateTime<Utc>,
    authorization: Option<&str>,
) -> Option<Response<SimBody>> {
    match fault {
        Some(Fault::Redirect { status, location }) => Some(redirect(*status, location)),
        Some(Fault::EchoAuthorization) => Some(json_response(
            StatusCode::OK,
            &json!({"echo": {"authorization": authorization.unwrap_or("")}}),
        )),
        Some(Fault::TooManyRequests { retry_after_secs }) => {
            let mut resp = error_response(StatusCode::TOO_MANY_REQUESTS, "Too many requests");
            if let Some(secs) = retry_after_secs {
                resp.headers_mut().insert(RETRY_AFTER, HeaderValue::from(*secs));
            }
            Some(resp)
        }
        Some(Fault::ServerError(code)) => {
            let status = StatusCode::from_u16(*code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            Some(error_response(status, "simulated server error"))
        }
        Some(Fault::Slow(d)) => {
            tokio::time::sleep(*d).await;
            None
        }
        Some(Fault::Malformed) => Some(malformed(now)),
        Some(Fault::Body(text)) => Some(body_response(text)),
        Some(
            Fault::Truncated | Fault::AsOffset(_) | Fault::Patch { .. } | Fault::PatchInterval { .. } | Fault::Pass,
        )
        | None => None,
    }
}

/// Applies a data call's fault to its built reply (`Truncated` cuts the body).
pub(crate) fn after_reply(fault: Option<&Fault>, resp: Response<SimBody>) -> Response<SimBody> {
    match fault {
        Some(Fault::Truncated) => truncate(resp),
        _ => resp,
    }
}

/// A chat reply with [`Fault::PatchInterval`]'s change: built whole (a test's small data)
/// rather than streamed.
pub(crate) fn patched_reply(reply: &Reply, end_ms: i64, pointer: &str, value: &Value) -> Response<SimBody> {
    let mut body: Value = serde_json::from_slice(&to_vec(|out| reply.write(out))).unwrap_or(Value::Null);
    if let Some(ivs) = body.get_mut("metricsByIntervals").and_then(Value::as_array_mut) {
        for iv in ivs.iter_mut().filter(|iv| iv["timestamp"] == end_ms) {
            set(&mut iv["metricsData"], pointer, value.clone());
        }
    }
    json_response(StatusCode::OK, &body)
}

/// Sets the member at `pointer` under `at`, making the objects missing on the way.
fn set(mut at: &mut Value, pointer: &str, value: Value) {
    for key in pointer.split('/').skip(1) {
        at = match at {
            Value::Array(items) => match key.parse::<usize>().ok().and_then(|i| items.get_mut(i)) {
                Some(item) => item,
                None => return,
            },
            other => {
                if !other.is_object() {
                    *other = Value::Object(serde_json::Map::new());
                }
                match other {
                    Value::Object(members) => members.entry(key.to_string()).or_insert(Value::Null),
                    _ => return,
                }
            }
        };
    }
    *at = value;
}

/// A redirect to `location` (a status outside 300-399 becomes 307).
pub(crate) fn redirect(status: u16, location: &str) -> Response<SimBody> {
    let status = StatusCode::from_u16(status)
        .ok()
        .filter(StatusCode::is_redirection)
        .unwrap_or(StatusCode::TEMPORARY_REDIRECT);
    let mut resp = error_response(status, "moved");
    if let Ok(v) = HeaderValue::from_str(location) {
        resp.headers_mut().insert(hyper::header::LOCATION, v);
    }
    resp
}

/// 200 with the given bytes as a JSON body.
fn body_response(text: &str) -> Response<SimBody> {
    let mut resp = Response::new(SimBody::full(bytes::Bytes::from(text.to_string())));
    resp.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

/// Valid JSON of the wrong shape.
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

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use crate::test_support::*;
    use crate::{Fault, IntervalOrder, Method};

    /// A patched chat reply is the built one with that one member set.
    #[tokio::test]
    async fn a_patched_interval_differs_in_its_one_member() {
        use serde_json::{json, Value};
        let sim = start(Some(at(12, 3, 0)), IntervalOrder::Descending).await;
        let q = [("timeframe", "60"), ("interval", "5"), ("v", "1"), ("skillIds", "all")];
        let body = |b: bytes::Bytes| serde_json::from_slice::<Value>(&b).unwrap();
        let plain = body(get(&sim, "queuehealth", &q).await.bytes().await.unwrap());
        let iv = &plain["metricsByIntervals"][2];
        let end_ms = iv["timestamp"].as_i64().unwrap();
        let skill = iv["metricsData"]["skillsMetrics"]
            .as_object()
            .unwrap()
            .keys()
            .next()
            .unwrap()
            .clone();
        let pointer = format!("/skillsMetrics/{skill}/enteredQEng");
        let fault = Fault::PatchInterval {
            end_ms,
            pointer,
            value: json!(12.5),
        };
        sim.inject(Some(Method::QueueHealth), fault, 1);
        let patched = body(get(&sim, "queuehealth", &q).await.bytes().await.unwrap());
        let mut want = plain.clone();
        want["metricsByIntervals"][2]["metricsData"]["skillsMetrics"][&skill]["enteredQEng"] = json!(12.5);
        assert_ne!(plain, want);
        assert_eq!(patched, want);
        sim.shutdown().await;

        // Objects missing on the way are made; a list's missing index changes nothing.
        let mut v = json!({"a": [{"b": 1}], "n": 2});
        super::set(&mut v, "/a/0/c/d", json!(2));
        super::set(&mut v, "/n/x", json!(3));
        assert_eq!(v, json!({"a": [{"b": 1, "c": {"d": 2}}], "n": {"x": 3}}));
        super::set(&mut v, "/a/5/c", json!(3));
        assert_eq!(v, json!({"a": [{"b": 1, "c": {"d": 2}}], "n": {"x": 3}}));
    }

    #[tokio::test]
    async fn hostile_answers() {
        let sim = start(Some(at(12, 3, 0)), IntervalOrder::Ascending).await;
        let q = [("timeframe", "60"), ("interval", "5"), ("v", "1"), ("skillIds", "all")];
        // The third queuehealth call only, redirected; then an echo of the header.
        sim.inject_after(
            Some(Method::QueueHealth),
            2,
            Fault::Redirect {
                status: 308,
                location: "http://127.0.0.1:9/x".into(),
            },
            1,
        );
        sim.inject_after(Some(Method::QueueHealth), 0, Fault::EchoAuthorization, 1);
        let no_redirects = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        for _ in 0..2 {
            assert_eq!(get(&sim, "queuehealth", &q).await.status(), 200);
        }
        let (url, auth) = sign(sim.credentials(), "GET", &data_url(&sim, "queuehealth"), &q);
        let resp = no_redirects
            .get(url)
            .header("Authorization", &auth)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 308);
        assert_eq!(resp.headers()["location"], "http://127.0.0.1:9/x");
        let (url, auth) = sign(sim.credentials(), "GET", &data_url(&sim, "queuehealth"), &q);
        let resp = no_redirects
            .get(url)
            .header("Authorization", &auth)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        assert_eq!(json_of(resp).await["echo"]["authorization"], auth.as_str());

        // The Domain API: another baseURI, or a redirect.
        let lookup = format!(
            "{}/api/account/{ACCOUNT}/service/sentinel/baseURI.json?version=1.0",
            sim.base_url()
        );
        sim.set_domain_base_uri(Some("http://a:1@127.0.0.1:9"));
        let v = json_of(no_redirects.get(&lookup).send().await.unwrap()).await;
        assert_eq!(v["baseURI"], "http://a:1@127.0.0.1:9");
        sim.set_domain_redirect(Some((307, "http://127.0.0.1:9/y")));
        assert_eq!(no_redirects.get(&lookup).send().await.unwrap().status(), 307);
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
        let body = get(&sim, "queuehealth", &q).await.bytes().await.unwrap();
        let want = r#"{"metricsByIntervals":{"metricsData":[],"timestamp":"1795521900000"},"metricsTotals":"n/a"}"#;
        assert_eq!(String::from_utf8_lossy(&body), want);

        // Truncated: chunked, and the connection closes mid-body.
        let whole = get(&sim, "queuehealth", &q).await.bytes().await.unwrap();
        sim.inject(None, Fault::Truncated, 1);
        let resp = get(&sim, "queuehealth", &q).await;
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.content_length(), None);
        assert!(resp.bytes().await.is_err());
        // The same over a raw socket: the first half of the body, then no terminating chunk.
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
        let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
        let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
        assert!(head.starts_with("http/1.1 200"), "{head}");
        assert!(head.contains("transfer-encoding: chunked") && !head.contains("content-length"));
        let (body, complete) = dechunk(&raw[split + 4..]);
        assert!(!complete, "the terminating chunk was sent");
        assert!(whole.len() > 1000);
        assert_eq!(body, whole[..whole.len() / 2]);

        // An answer that is not a reply (400 here) is cut in the same way.
        sim.inject(None, Fault::Truncated, 1);
        let resp = get(&sim, "queuehealth", &[("timeframe", "7")]).await;
        assert_eq!((resp.status().as_u16(), resp.content_length()), (400, None));
        assert!(resp.bytes().await.is_err());

        assert_eq!(get(&sim, "queuehealth", &q).await.status(), 200);
        let statuses: Vec<u16> = sim.requests().iter().map(|r| r.status).collect();
        assert_eq!(
            statuses,
            vec![401, 429, 429, 200, 429, 200, 503, 200, 500, 200, 200, 200, 200, 200, 200, 400, 200]
        );
        assert_eq!(sim.data_requests(), 17);
        sim.shutdown().await;
    }
}
