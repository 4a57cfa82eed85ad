//! Request routing: the Domain API, the sentinel token endpoint, the chat data methods and
//! the KMM methods (answered by `kmm_routes`), each request recorded with its status.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::header::{HeaderValue, ALLOW, AUTHORIZATION, CONTENT_TYPE, HOST};
use hyper::{Request, Response, StatusCode};
use serde_json::{json, Value};

use crate::auth::oauth1::parse_query;
use crate::data::DataParams;
use crate::faults;
use crate::kmm_routes;
use crate::msgops_routes;
use crate::server::{error_response, json_response, stream_response, SimBody};
use crate::shared::{lock, Shared};
use crate::{Fault, Method, RecordedRequest};

/// Largest request body read (token form, agentactivity and KMM JSON).
const MAX_BODY: usize = 1 << 20;

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
    /// Key Messaging Metrics (`metrics`, `agent_view`).
    Kmm {
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
            method: Method::from_path_name(method).filter(|m| !m.is_kmm()),
        },
        ["manager_workspace", "api", "account", account, method] => Route::Kmm {
            account,
            method: Method::from_path_name(method).filter(|m| m.is_kmm()),
        },
        _ => Route::NotFound,
    }
}

/// Answers one request, counts data and token requests, and records it.
pub(crate) async fn handle(shared: Arc<Shared>, req: Request<Incoming>) -> Response<SimBody> {
    let http_method = req.method().as_str().to_string();
    let path = req.uri().path().to_string();
    let mut query = req.uri().query().map(parse_query).unwrap_or_default();
    let method = match route(&path) {
        Route::Data { method, .. } | Route::Kmm { method, .. } => method,
        _ => None,
    };
    if method.is_some() {
        shared.data_requests.fetch_add(1, Ordering::SeqCst);
        shared.arrived.notify_waiters();
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
    let mut body = None;
    let kmm = method.is_some_and(Method::is_kmm);
    if kmm {
        let now = shared.kmm_in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        shared.kmm_max_in_flight.fetch_max(now, Ordering::SeqCst);
    }
    let msgops = method.is_some_and(|m| Method::MSG_OPS.contains(&m));
    if msgops {
        let now = shared.msgops_in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        shared.msgops_max_in_flight.fetch_max(now, Ordering::SeqCst);
    }
    let mut resp = respond(&shared, req, &mut query, &mut body).await;
    if kmm {
        shared.kmm_in_flight.fetch_sub(1, Ordering::SeqCst);
    }
    if msgops {
        shared.msgops_in_flight.fetch_sub(1, Ordering::SeqCst);
    }
    if method.is_some() {
        resp = resp.map(|body| body.counted(shared.data_bytes.clone()));
    }
    let status = resp.status().as_u16();
    tracing::debug!(%http_method, %path, status, "simulator request");
    lock(&shared.requests).push(RecordedRequest {
        http_method,
        method,
        path,
        query,
        body,
        auth_scheme,
        status,
    });
    resp
}

/// Hold a refusal until `refusals_wait_for` data requests have arrived (at most
/// 10 s, so a test that expects too many never hangs).
async fn wait_for_arrivals(shared: &Shared) {
    let want = shared.refusals_wait_for.load(Ordering::SeqCst);
    let until = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        // Created before the check: it receives every wake-up from then on.
        let arrived = shared.arrived.notified();
        if shared.data_requests.load(Ordering::SeqCst) >= want {
            return;
        }
        if tokio::time::timeout_at(until, arrived).await.is_err() {
            return;
        }
    }
}

/// The answer; `body` gets the request body of a data POST when it is read.
async fn respond(
    shared: &Shared,
    req: Request<Incoming>,
    query: &mut Vec<(String, String)>,
    body: &mut Option<String>,
) -> Response<SimBody> {
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
            if let Some((status, location)) = lock(&shared.domain_redirect).clone() {
                return faults::redirect(status, &location);
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
            if let Some(failure) = shared.faults.pop_token() {
                return failure;
            }
            token_reply(shared, req, query).await
        }
        Route::Data { method: None, .. } => error_response(StatusCode::NOT_FOUND, "unknown method"),
        Route::Data {
            account,
            method: Some(Method::MsgSkillSegments),
        } => {
            let account = account.to_string();
            msgops_routes::skill_segments(shared, req, &account, query).await
        }
        Route::Data {
            account,
            method: Some(method),
        } => {
            let account = account.to_string();
            data_request(shared, req, method, &account, query, body).await
        }
        Route::Kmm { method: None, .. } => error_response(StatusCode::NOT_FOUND, "unknown method"),
        Route::Kmm {
            account,
            method: Some(method),
        } => {
            let account = account.to_string();
            kmm_routes::kmm_request(shared, req, method, &account, body).await
        }
    }
}

/// Every service this account has, all on the simulator's own address.
const SERVICES: [&str; 4] = ["leDataReporting", "sentinel", "agentManagerWorkspace", "agentVep"];

/// The Domain API: one service, or the list form (all-services lookup, or any lookup when
/// the simulator is set to answer in it).
fn domain_reply(shared: &Shared, service: Option<&str>) -> Response<SimBody> {
    let base = lock(&shared.domain_base_uri)
        .clone()
        .unwrap_or_else(|| shared.base_url.clone());
    let entry = |s: &str| json!({"service": s, "account": shared.account, "baseURI": base});
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
    let (content_type, authorization) = (header_text(&req, CONTENT_TYPE), header_text(&req, AUTHORIZATION));
    let body = match Limited::new(req.into_body(), MAX_BODY).collect().await {
        Ok(b) => b.to_bytes(),
        Err(e) => return error_response(StatusCode::BAD_REQUEST, format!("cannot read the body: {e}")),
    };
    match shared
        .auth
        .issuer()
        .token_request(query, content_type.as_deref(), authorization.as_deref(), &body)
    {
        Ok(mut v) => {
            if let (Value::Object(reply), Value::Object(patch)) = (&mut v, lock(&shared.token_patch).clone()) {
                reply.extend(patch);
            }
            json_response(StatusCode::OK, &v)
        }
        Err((status, msg)) => {
            tracing::info!("simulator refused a token request: {msg}");
            error_response(StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST), msg)
        }
    }
}

/// A request header as text (lossy), if present.
pub(crate) fn header_text(req: &Request<Incoming>, name: hyper::header::HeaderName) -> Option<String> {
    req.headers()
        .get(name)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
}

/// The host the client addressed (what OAuth 1.0a signs), the simulator's own by default.
pub(crate) fn request_host(shared: &Shared, req: &Request<Incoming>) -> String {
    header_text(req, HOST).unwrap_or_else(|| shared.base_url.trim_start_matches("http://").to_string())
}

pub(crate) fn method_not_allowed(allow: &'static str) -> Response<SimBody> {
    let mut resp = error_response(StatusCode::METHOD_NOT_ALLOWED, "method not allowed");
    resp.headers_mut().insert(ALLOW, HeaderValue::from_static(allow));
    resp
}

/// A data call: HTTP method, authorisation, queued fault, account, parameters, reply.
async fn data_request(
    shared: &Shared,
    req: Request<Incoming>,
    method: Method,
    account: &str,
    query: &mut Vec<(String, String)>,
    raw_body: &mut Option<String>,
) -> Response<SimBody> {
    let is_post = req.method() == hyper::Method::POST;
    // agentactivity and msgconversation take long id lists in a JSON body.
    let posts = matches!(method, Method::AgentActivity | Method::MsgConversation);
    if req.method() != hyper::Method::GET && !(is_post && posts) {
        return method_not_allowed(if posts { "GET, POST" } else { "GET" });
    }
    let host = request_host(shared, &req);
    let authorization = header_text(&req, AUTHORIZATION);
    let verdict = shared.auth.check_data_call(
        req.method().as_str(),
        &host,
        req.uri().path(),
        req.uri().query(),
        authorization.as_deref(),
    );
    if let Err(why) = verdict {
        tracing::info!("simulator rejected the authorization: {why}");
        wait_for_arrivals(shared).await;
        let mut resp = error_response(StatusCode::UNAUTHORIZED, why);
        resp.headers_mut()
            .insert("www-authenticate", HeaderValue::from_static(shared.auth.challenge()));
        return resp;
    }

    let fault = shared.faults.pop(method);
    if let Some(resp) = faults::before_reply(fault.as_ref(), shared.now(), authorization.as_deref()).await {
        return resp;
    }

    if account != shared.account {
        return error_response(StatusCode::NOT_FOUND, format!("unknown account {account}"));
    }
    let mut params = query.clone();
    if is_post {
        match read_json_params(req.into_body(), raw_body).await {
            Ok(body) => {
                query.extend(body.iter().cloned());
                params.extend(body);
            }
            Err(msg) => return error_response(StatusCode::BAD_REQUEST, msg),
        }
    }
    let resp = match DataParams::parse(&params, method) {
        Ok(p) => {
            let reply = shared.data.reply(method, &p, shared.now());
            match &fault {
                Some(Fault::PatchInterval { end_ms, pointer, value }) => {
                    faults::patched_reply(&reply, *end_ms, pointer, value)
                }
                _ => stream_response(StatusCode::OK, move |out| reply.write(out)),
            }
        }
        Err(msg) => error_response(StatusCode::BAD_REQUEST, msg),
    };
    faults::after_reply(fault.as_ref(), resp)
}

/// The whole request body (at most [`MAX_BODY`] bytes).
pub(crate) async fn read_body(body: Incoming) -> Result<bytes::Bytes, String> {
    Ok(Limited::new(body, MAX_BODY)
        .collect()
        .await
        .map_err(|e| format!("cannot read body: {e}"))?
        .to_bytes())
}

/// The string and number members of a JSON object body, as parameters; the body as read
/// goes to `raw`.
async fn read_json_params(body: Incoming, raw: &mut Option<String>) -> Result<Vec<(String, String)>, String> {
    let bytes = read_body(body).await?;
    *raw = Some(String::from_utf8_lossy(&bytes).into_owned());
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

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use crate::test_support::*;
    use crate::{IntervalOrder, SimOptions, Simulator};

    #[tokio::test]
    async fn domain_api() {
        let sim = start(None, IntervalOrder::Ascending).await;
        let client = crate::test_support::http();
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
        let client = crate::test_support::http();
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
        let resp = crate::test_support::http()
            .get(url)
            .header("Authorization", auth)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 404);
        // POST is for agentactivity only.
        let (url, auth) = sign(sim.credentials(), "POST", &data_url(&sim, "queuehealth"), &ok);
        let resp = crate::test_support::http()
            .post(url)
            .header("Authorization", auth)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 405);
        sim.shutdown().await;
    }
}
