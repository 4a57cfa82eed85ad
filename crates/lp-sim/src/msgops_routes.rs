//! The Messaging Operations `msgskillsegments` method over HTTP (`msgconversation` is a
//! chat-style data call answered by `routes`). Order of checks: HTTP method (405, GET
//! only), authorisation by version (401: v=2 takes only an OAuth 2.0 Bearer token, v=1
//! only an OAuth 1.0a signature, as LivePerson ties Queue Health's versions to them), queued
//! fault, account (404), version (400: v=1 is not served, its stamps are not rounded),
//! parameters (400), reply. Refusals carry `{"error": "..."}` as the chat methods' do.

use std::sync::atomic::Ordering;

use hyper::body::Incoming;
use hyper::header::{HeaderValue, AUTHORIZATION};
use hyper::{Request, Response, StatusCode};

use crate::data::msg_segments::{segments_reply, SegmentsParams};
use crate::faults;
use crate::routes::{header_text, method_not_allowed, request_host};
use crate::server::{error_response, json_response, SimBody};
use crate::shared::Shared;
use crate::Method;

fn unauthorized(why: impl std::fmt::Display, challenge: &'static str) -> Response<SimBody> {
    tracing::info!("simulator rejected the authorization: {why}");
    let mut resp = error_response(StatusCode::UNAUTHORIZED, why);
    resp.headers_mut()
        .insert("www-authenticate", HeaderValue::from_static(challenge));
    resp
}

/// A msgskillsegments call.
pub(crate) async fn skill_segments(
    shared: &Shared,
    req: Request<Incoming>,
    account: &str,
    query: &[(String, String)],
) -> Response<SimBody> {
    if req.method() != hyper::Method::GET {
        return method_not_allowed("GET");
    }
    let version = query.iter().find(|(k, _)| k == "v").map(|(_, v)| v.trim().to_string());
    let authorization = header_text(&req, AUTHORIZATION);
    let scheme = authorization
        .as_deref()
        .and_then(|h| h.split(' ').next())
        .unwrap_or("")
        .to_ascii_lowercase();
    let v1 = version.as_deref() == Some("1");
    if v1 && scheme != "oauth" {
        return unauthorized("msgskillsegments v=1 is tied to OAuth 1.0a: sign the request", "OAuth");
    }
    if !v1 && scheme != "bearer" {
        return unauthorized(
            "msgskillsegments v=2 is tied to OAuth 2.0: send Authorization: Bearer <token> (OAuth 1.0a is for v=1)",
            "Bearer",
        );
    }
    let verdict = shared.auth.check_data_call(
        req.method().as_str(),
        &request_host(shared, &req),
        req.uri().path(),
        req.uri().query(),
        authorization.as_deref(),
    );
    if let Err(why) = verdict {
        return unauthorized(why, shared.auth.challenge());
    }

    let fault = shared.faults.pop(Method::MsgSkillSegments);
    if let Some(resp) = faults::before_reply(fault.as_ref(), shared.now(), authorization.as_deref()).await {
        return resp;
    }
    if account != shared.account {
        return error_response(StatusCode::NOT_FOUND, format!("unknown account {account}"));
    }
    let resp = match version.as_deref() {
        None | Some("") => error_response(
            StatusCode::BAD_REQUEST,
            "v is required (v=2 with fromMillis and toMillis)",
        ),
        Some("1") => error_response(
            StatusCode::BAD_REQUEST,
            "msgskillsegments v=1 is not served by this simulator: its interval stamps are not rounded; use v=2",
        ),
        Some("2") => match SegmentsParams::parse(query, shared.now().timestamp_millis()) {
            Ok(p) => {
                let wrapped = shared.data.msg_segments_wrapped.load(Ordering::SeqCst);
                json_response(
                    StatusCode::OK,
                    &segments_reply(&shared.data.generator, &p, shared.data.order(), wrapped),
                )
            }
            Err(msg) => error_response(StatusCode::BAD_REQUEST, msg),
        },
        Some(other) => error_response(
            StatusCode::BAD_REQUEST,
            format!("unsupported version v={other} (msgskillsegments serves v=2)"),
        ),
    };
    faults::after_reply(fault.as_ref(), resp)
}

#[cfg(test)]
#[path = "msgops_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "msgconv_tests.rs"]
mod conv_tests;
