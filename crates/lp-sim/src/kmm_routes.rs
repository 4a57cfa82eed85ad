//! The Key Messaging Metrics methods over HTTP: `POST
//! /manager_workspace/api/account/{account}/{metrics|agent_view}?offset=N&limit=M` with a JSON
//! body. Order of checks: HTTP method (405), body read and recorded, authorisation (401, as
//! for the chat methods: the URL query is signed, the body is not), queued fault, account
//! (404), `Content-Type` (415), JSON (400), paging and body rules (400), reply.
//! Refusals carry `{"message": "..."}`.

use hyper::body::Incoming;
use hyper::header::{HeaderValue, AUTHORIZATION, CONTENT_TYPE};
use hyper::{Request, Response, StatusCode};
use serde_json::{json, Value};

use crate::data::kmm_request::{kmm_reply, KmmBody, Page};
use crate::faults;
use crate::routes::{header_text, method_not_allowed, read_body, request_host};
use crate::server::{json_response, SimBody};
use crate::shared::Shared;
use crate::{Fault, Method};

fn refuse(status: StatusCode, msg: impl std::fmt::Display) -> Response<SimBody> {
    json_response(status, &json!({ "message": msg.to_string() }))
}

/// Valid JSON of the wrong shape for a KMM reply.
fn malformed(method: Method) -> Response<SimBody> {
    let v = match method {
        Method::AgentView => json!({"metadata": {"count": "many"}, "agentViewRecords": {"agentId": 1}}),
        _ => json!({"metadata": {"count": "many"}, "groupBy": {"groupByField": "skillId", "groups": "none"}}),
    };
    json_response(StatusCode::OK, &v)
}

/// Sets (or with `None` removes) the member at a JSON pointer; a pointer whose
/// parent is missing changes nothing.
fn patch(reply: &mut Value, pointer: &str, value: Option<Value>) {
    let (parent, key) = pointer.rsplit_once('/').unwrap_or(("", pointer));
    let Some(Value::Object(parent)) = reply.pointer_mut(parent) else {
        return;
    };
    match value {
        Some(v) => {
            parent.insert(key.to_string(), v);
        }
        None => {
            parent.remove(key);
        }
    }
}

/// A KMM call; `recorded` gets the request body.
pub(crate) async fn kmm_request(
    shared: &Shared,
    req: Request<Incoming>,
    method: Method,
    account: &str,
    recorded: &mut Option<String>,
) -> Response<SimBody> {
    if req.method() != hyper::Method::POST {
        return method_not_allowed("POST");
    }
    let host = request_host(shared, &req);
    let authorization = header_text(&req, AUTHORIZATION);
    let content_type = header_text(&req, CONTENT_TYPE);
    let path = req.uri().path().to_string();
    let raw_query = req.uri().query().map(str::to_string);
    let query = raw_query
        .as_deref()
        .map(crate::auth::oauth1::parse_query)
        .unwrap_or_default();

    let bytes = match read_body(req.into_body()).await {
        Ok(b) => b,
        Err(msg) => return refuse(StatusCode::BAD_REQUEST, msg),
    };
    *recorded = Some(String::from_utf8_lossy(&bytes).into_owned());

    if let Err(why) = shared
        .auth
        .check_data_call("POST", &host, &path, raw_query.as_deref(), authorization.as_deref())
    {
        tracing::info!("simulator rejected the authorization of a KMM call: {why}");
        let mut resp = refuse(StatusCode::UNAUTHORIZED, why);
        resp.headers_mut()
            .insert("www-authenticate", HeaderValue::from_static(shared.auth.challenge()));
        return resp;
    }

    let now = shared.now();
    let fault = shared.faults.pop(method);
    if fault == Some(Fault::Malformed) {
        return malformed(method);
    }
    if let Some(resp) = faults::before_reply(fault.as_ref(), now, authorization.as_deref()).await {
        return resp;
    }

    if account != shared.account {
        return refuse(StatusCode::NOT_FOUND, format!("unknown account {account}"));
    }
    let is_json = content_type
        .as_deref()
        .and_then(|c| c.split(';').next())
        .is_some_and(|c| c.trim().eq_ignore_ascii_case("application/json"));
    if !is_json {
        return refuse(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!(
                "Content-Type must be application/json, got {}",
                content_type.as_deref().unwrap_or("none")
            ),
        );
    }
    let body: Value = match serde_json::from_slice(&bytes) {
        Ok(v) => v,
        Err(e) => return refuse(StatusCode::BAD_REQUEST, format!("the body is not JSON: {e}")),
    };
    let now_ms = now.timestamp_millis();
    let checked = Page::parse(&query, method).and_then(|page| Ok((page, KmmBody::parse(&body, method, now_ms)?)));
    let resp = match checked {
        Ok((mut page, body)) => {
            if let Some(Fault::AsOffset(offset)) = &fault {
                page.offset = i64::try_from(*offset).unwrap_or(i64::MAX);
            }
            let href = format!("{}{path}", shared.base_url);
            let mut reply = kmm_reply(&shared.data.generator, method, &body, page, now_ms, &href);
            if let Some(Fault::Patch { pointer, value }) = &fault {
                patch(&mut reply, pointer, value.clone());
            }
            json_response(StatusCode::OK, &reply)
        }
        Err(msg) => refuse(StatusCode::BAD_REQUEST, msg),
    };
    faults::after_reply(fault.as_ref(), resp)
}

#[cfg(test)]
mod fault_tests;
#[cfg(test)]
mod tests;
