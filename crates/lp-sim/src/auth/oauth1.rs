//! An independent RFC 5849 (OAuth 1.0a, HMAC-SHA1) verifier, used by the simulator to
//! check the client's signatures without sharing its code path.

use std::collections::HashMap;
use std::sync::Mutex;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use sha1::Sha1;

/// RFC 3986 unreserved characters stay as they are; everything else is %XX (RFC 5849 3.6).
const ENCODE_SET: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// Allowed distance between `oauth_timestamp` and the real clock.
pub const MAX_CLOCK_SKEW_SECS: i64 = 300;

/// The four credentials of a LivePerson API key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthCredentials {
    pub consumer_key: String,
    pub consumer_secret: String,
    pub token: String,
    pub token_secret: String,
}

/// Why a request was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OAuthRejection {
    #[error("missing Authorization header")]
    MissingHeader,
    #[error("Authorization header is not OAuth")]
    NotOAuth,
    #[error("malformed OAuth Authorization header: {0}")]
    MalformedHeader(String),
    #[error("missing OAuth parameter {0}")]
    MissingParam(&'static str),
    #[error("OAuth parameter {0} given more than once")]
    DuplicateParam(String),
    #[error("unknown consumer key")]
    WrongConsumerKey,
    #[error("unknown token")]
    WrongToken,
    #[error("unsupported signature method {0}")]
    UnsupportedSignatureMethod(String),
    #[error("unsupported OAuth version {0}")]
    UnsupportedVersion(String),
    #[error("invalid timestamp {0}")]
    InvalidTimestamp(String),
    #[error("timestamp {timestamp} is more than {MAX_CLOCK_SKEW_SECS} s from the server clock {now}")]
    TimestampOutOfRange { timestamp: i64, now: i64 },
    #[error("nonce already used")]
    NonceReused,
    #[error("invalid signature")]
    BadSignature,
}

/// RFC 5849 3.6 percent-encoding.
pub fn encode(s: &str) -> String {
    utf8_percent_encode(s, ENCODE_SET).to_string()
}

/// Percent-decoding; invalid UTF-8 is replaced (which then fails the signature check).
fn decode(s: &str) -> String {
    percent_decode_str(s).decode_utf8_lossy().into_owned()
}

/// Decoding of `application/x-www-form-urlencoded` (`+` is a space).
fn form_decode(s: &str) -> String {
    decode(&s.replace('+', " "))
}

/// Parses a raw query (or form body) into decoded name/value pairs.
pub fn parse_query(raw: &str) -> Vec<(String, String)> {
    raw.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (form_decode(k), form_decode(v)),
            None => (form_decode(p), String::new()),
        })
        .collect()
}

/// RFC 5849 3.4.1.2: lowercase scheme and host, default port dropped, then the path.
pub fn base_string_uri(scheme: &str, host_header: &str, path: &str) -> String {
    let scheme = scheme.to_ascii_lowercase();
    let host = host_header.trim().to_ascii_lowercase();
    let (name, port) = if let Some(rest) = host.strip_prefix('[') {
        match rest.split_once(']') {
            Some((ip6, tail)) => (format!("[{ip6}]"), tail.strip_prefix(':')),
            None => (host.clone(), None),
        }
    } else {
        match host.rsplit_once(':') {
            Some((n, p)) => (n.to_string(), Some(p)),
            None => (host.clone(), None),
        }
    };
    let default_port = match scheme.as_str() {
        "http" => "80",
        "https" => "443",
        _ => "",
    };
    let authority = match port {
        Some(p) if !p.is_empty() && p != default_port => format!("{name}:{p}"),
        _ => name,
    };
    let path = if path.is_empty() { "/" } else { path };
    format!("{scheme}://{authority}{path}")
}

/// RFC 5849 3.4.1.3.2: encode, sort by name then value, join.
pub fn normalize_parameters(params: &[(String, String)]) -> String {
    let mut enc: Vec<(String, String)> = params
        .iter()
        .filter(|(k, _)| k != "oauth_signature")
        .map(|(k, v)| (encode(k), encode(v)))
        .collect();
    enc.sort();
    enc.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// RFC 5849 3.4.1.1. `params` are decoded (query, body and protocol parameters, without realm).
pub fn signature_base_string(method: &str, base_uri: &str, params: &[(String, String)]) -> String {
    format!(
        "{}&{}&{}",
        encode(&method.to_ascii_uppercase()),
        encode(base_uri),
        encode(&normalize_parameters(params))
    )
}

fn mac(base_string: &str, consumer_secret: &str, token_secret: &str) -> Hmac<Sha1> {
    let key = format!("{}&{}", encode(consumer_secret), encode(token_secret));
    // HMAC accepts keys of any length.
    let mut mac = <Hmac<Sha1> as Mac>::new_from_slice(key.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
    mac.update(base_string.as_bytes());
    mac
}

/// RFC 5849 3.4.2: base64 of HMAC-SHA1 keyed with `enc(consumer_secret)&enc(token_secret)`.
pub fn hmac_sha1_signature(base_string: &str, consumer_secret: &str, token_secret: &str) -> String {
    BASE64.encode(mac(base_string, consumer_secret, token_secret).finalize().into_bytes())
}

/// Parses `OAuth k="v", ...` into decoded pairs (RFC 5849 3.5.1).
pub fn parse_authorization(header: &str) -> Result<Vec<(String, String)>, OAuthRejection> {
    let header = header.trim_start();
    let (scheme, rest) = match header.find(|c: char| c.is_ascii_whitespace()) {
        Some(i) => (&header[..i], &header[i..]),
        None => (header, ""),
    };
    if !scheme.eq_ignore_ascii_case("OAuth") {
        return Err(OAuthRejection::NotOAuth);
    }
    let bad = |m: &str| OAuthRejection::MalformedHeader(m.to_string());
    let mut out = Vec::new();
    let mut s = rest;
    loop {
        s = s.trim_start_matches(|c: char| c.is_ascii_whitespace() || c == ',');
        if s.is_empty() {
            break;
        }
        let (name, after) = s.split_once('=').ok_or_else(|| bad("parameter without '='"))?;
        let name = name.trim();
        if name.is_empty() || name.contains(|c: char| c.is_ascii_whitespace() || c == ',') {
            return Err(bad("bad parameter name"));
        }
        let after = after.trim_start();
        let after = after.strip_prefix('"').ok_or_else(|| bad("value not quoted"))?;
        let (value, tail) = after.split_once('"').ok_or_else(|| bad("unterminated value"))?;
        out.push((decode(name), decode(value)));
        let tail = tail.trim_start();
        if !(tail.is_empty() || tail.starts_with(',')) {
            return Err(bad("missing ',' between parameters"));
        }
        s = tail;
    }
    Ok(out)
}

/// Remembers (token, timestamp, nonce) combinations seen recently.
#[derive(Debug, Default)]
pub struct NonceCache {
    seen: Mutex<HashMap<(String, i64, String), ()>>,
}

impl NonceCache {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records the nonce; false if it was seen before.
    pub fn check_and_insert(&self, token: &str, timestamp: i64, nonce: &str, now: i64) -> bool {
        let mut seen = match self.seen.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        if seen.len() > 10_000 {
            seen.retain(|(_, ts, _), _| (now - ts).abs() <= 2 * MAX_CLOCK_SKEW_SECS);
        }
        seen.insert((token.to_string(), timestamp, nonce.to_string()), ())
            .is_none()
    }
}

/// Verifies an OAuth 1.0a HMAC-SHA1 request (signature over the URL query only).
#[allow(clippy::too_many_arguments)]
pub fn verify(
    method: &str,
    scheme: &str,
    host_header: &str,
    path: &str,
    raw_query: Option<&str>,
    authorization: Option<&str>,
    creds: &OAuthCredentials,
    nonces: &NonceCache,
    real_now_unix: i64,
) -> Result<(), OAuthRejection> {
    let header = authorization.ok_or(OAuthRejection::MissingHeader)?;
    let oauth = parse_authorization(header)?;
    let mut one: HashMap<&str, &str> = HashMap::new();
    for (k, v) in &oauth {
        if k.starts_with("oauth_") && one.insert(k.as_str(), v.as_str()).is_some() {
            return Err(OAuthRejection::DuplicateParam(k.clone()));
        }
    }
    let get = |k: &'static str| one.get(k).copied().ok_or(OAuthRejection::MissingParam(k));
    let consumer_key = get("oauth_consumer_key")?;
    let token = get("oauth_token")?;
    let sig_method = get("oauth_signature_method")?;
    let timestamp = get("oauth_timestamp")?;
    let nonce = get("oauth_nonce")?;
    let signature = get("oauth_signature")?;
    if sig_method != "HMAC-SHA1" {
        return Err(OAuthRejection::UnsupportedSignatureMethod(sig_method.to_string()));
    }
    if let Some(v) = one.get("oauth_version") {
        if *v != "1.0" {
            return Err(OAuthRejection::UnsupportedVersion(v.to_string()));
        }
    }
    if consumer_key != creds.consumer_key {
        return Err(OAuthRejection::WrongConsumerKey);
    }
    if token != creds.token {
        return Err(OAuthRejection::WrongToken);
    }
    let ts: i64 = timestamp
        .parse()
        .map_err(|_| OAuthRejection::InvalidTimestamp(timestamp.to_string()))?;
    if (ts - real_now_unix).abs() > MAX_CLOCK_SKEW_SECS {
        return Err(OAuthRejection::TimestampOutOfRange {
            timestamp: ts,
            now: real_now_unix,
        });
    }

    let mut params = raw_query.map(parse_query).unwrap_or_default();
    params.extend(
        oauth
            .iter()
            .filter(|(k, _)| k != "realm" && k != "oauth_signature")
            .cloned(),
    );
    let base = signature_base_string(method, &base_string_uri(scheme, host_header, path), &params);
    let given = BASE64
        .decode(signature.as_bytes())
        .map_err(|_| OAuthRejection::BadSignature)?;
    mac(&base, &creds.consumer_secret, &creds.token_secret)
        .verify_slice(&given)
        .map_err(|_| {
            tracing::debug!(base_string = %base, "OAuth signature mismatch");
            OAuthRejection::BadSignature
        })?;
    if !nonces.check_and_insert(token, ts, nonce, real_now_unix) {
        return Err(OAuthRejection::NonceReused);
    }
    Ok(())
}

#[cfg(test)]
mod tests;
