//! What a failed call says: the hint of a refusal, a transport error in words, the API's
//! own error text (secrets hidden, control characters escaped).

use crate::lp::model::Method;
use crate::lp::redact;

/// The hint of a refused data call, by status, method and method of authorisation.
pub(super) fn refusal_hint(status: u16, method: Method, oauth2: bool, accepted_before: bool) -> &'static str {
    let kmm = matches!(method, Method::Metrics | Method::AgentView);
    let ops = matches!(method, Method::MsgSkillSegments | Method::MsgConversation);
    match status {
        401 if accepted_before && oauth2 => ". LivePerson accepted this application's token for this method earlier in the run, then refused a new one: the token was revoked or the application's client secret rotated during the run, so no privilege is missing; the next run starts with a new token and catches up. If it repeats, check the application in Management Console → Application Install",
        403 if kmm => ". The application lacks the Key Messaging Metrics privilege: in Management Console → Application Install, give it the agent manager workspace (Key Messaging Metrics) read privilege for this account, and check LP_ACCOUNT",
        401 if kmm && oauth2 => ". LivePerson refused a freshly issued token for Key Messaging Metrics: the application most likely lacks the Key Messaging Metrics privilege; in Management Console → Application Install, give it that privilege for this account, and check LP_ACCOUNT",
        403 if ops => ". The application lacks the Messaging Operations privilege: in Management Console → Application Install, give it the Messaging Operations (Operational Realtime) read privilege for this account, and check LP_ACCOUNT",
        401 if method == Method::MsgConversation && oauth2 => ". msgconversation refused the OAuth 2.0 token (LivePerson documents only v=1 of this method): the application most likely lacks the Messaging Operations privilege (Management Console → Application Install); if it has it, this account's msgconversation does not take OAuth 2.0 yet: tell LivePerson support",
        401 if ops && oauth2 => ". LivePerson refused a freshly issued token for msgskillsegments: the application most likely lacks the Messaging Operations privilege; in Management Console → Application Install, give it that privilege for this account, and check LP_ACCOUNT",
        400 if ops => ". Messaging Operations refused the request: it serves the last 24 hours only; check this machine's clock",
        400 if kmm => ". Key Messaging Metrics refused the request window: it keeps 14 days and at most 24 hours per window; check this machine's clock",
        500..=599 if kmm => ". LivePerson had a server error; try again later (wfm rerun can rebuild a messaging quarter within 14 days)",
        401 | 403 if oauth2 => ". LivePerson refused a freshly issued token: the application most likely lacks the privilege for this data; in Management Console → Application Install, give it the Operational Realtime (reporting) privileges for this account, and check LP_ACCOUNT",
        401 | 403 => ". Check LP_APP_KEY, LP_APP_SECRET, LP_ACCESS_TOKEN and LP_ACCESS_TOKEN_SECRET, and that this machine's clock is right (OAuth allows only a few minutes of skew)",
        429 => ". LivePerson is rate limiting this account; try again in a minute",
        500..=599 => ". LivePerson had a server error; try again later (wfm rerun can rebuild the quarter within 24 h)",
        _ => "",
    }
}

/// A reqwest error in words, with its causes (e.g. "connection refused").
pub(crate) fn describe(e: &reqwest::Error) -> String {
    let mut s = if e.is_timeout() {
        "timed out".to_string()
    } else if e.is_connect() {
        "connection failed".to_string()
    } else if e.is_body() || e.is_decode() {
        "the reply was cut off".to_string()
    } else {
        "request failed".to_string()
    };
    let mut src = std::error::Error::source(e);
    while let Some(cause) = src {
        s.push_str(": ");
        s.push_str(&cause.to_string());
        src = cause.source();
    }
    s
}

/// The API's own error text from a JSON body (`message`, `error`, ...), else
/// the start of the body: `secrets` hidden, at most 200 characters, control
/// characters escaped, so it is safe in a log line or a mail.
pub fn api_message(body: &[u8], secrets: &[&str]) -> String {
    #[derive(serde::Deserialize)]
    struct ErrorBody {
        #[serde(alias = "error", alias = "errorMessage", alias = "Message", alias = "reason")]
        message: Option<String>,
    }
    let raw = match serde_json::from_slice::<ErrorBody>(body) {
        Ok(ErrorBody { message: Some(m) }) => m,
        _ => String::from_utf8_lossy(body).trim().to_string(),
    };
    if raw.is_empty() {
        return "(empty reply)".to_string();
    }
    let hidden = redact(&raw, secrets);
    let short: String = hidden.chars().take(200).collect();
    redact(&short, &[])
}
