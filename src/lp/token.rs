//! OAuth 2.0 client credentials: one Bearer token per run, held in memory only,
//! renewed before it runs out and fetched again once when LivePerson revokes it.

use super::client::{api_message, describe};
use super::domain::{Domains, Service};
use super::retry::{Counters, RetryPolicy};
use super::LpError;
use crate::config::{ClientCredentials, Secret};
use std::time::{Duration, Instant};

/// Lifetime assumed when the reply gives none (LivePerson documents 3600 s);
/// a revoked token is caught by the 401 path anyway.
const DEFAULT_LIFETIME: Duration = Duration::from_secs(3600);

/// The longest lifetime believed: a run lasts minutes, and a huge `expires_in`
/// (up to u64::MAX seconds) must not overflow the clock arithmetic.
const MAX_LIFETIME: Duration = Duration::from_secs(24 * 3600);

/// A token as handed to a data call. `generation` tells tokens apart without
/// comparing their values.
#[derive(Debug, Clone)]
pub struct Bearer {
    pub token: Secret,
    pub generation: u64,
    /// The lifetime LivePerson gave it.
    pub lifetime: Duration,
}

/// The token endpoint's reply: `expires_in` arrives as a number or a string.
#[derive(serde::Deserialize)]
struct TokenReply {
    access_token: String,
    #[serde(default)]
    expires_in: Option<serde_json::Value>,
}

/// The token and its lifetime from a token endpoint body.
pub(crate) fn parse_token_reply(body: &[u8]) -> Result<(Secret, Duration), String> {
    let r: TokenReply =
        serde_json::from_slice(body).map_err(|e| format!("the token reply is not the expected JSON ({e})"))?;
    if r.access_token.trim().is_empty() {
        return Err("the token reply holds an empty access_token".into());
    }
    // A Bearer token is printable ASCII (RFC 6750); CR/LF or other control
    // characters could not go in a header, and no retry changes that.
    if !r.access_token.chars().all(|c| c.is_ascii_graphic()) {
        return Err(
            "its access_token holds characters a Bearer token cannot hold (control characters such as CR/LF, blanks or non-ASCII)"
                .into(),
        );
    }
    let lifetime = match r.expires_in {
        None | Some(serde_json::Value::Null) => DEFAULT_LIFETIME,
        Some(serde_json::Value::Number(n)) => n
            .as_u64()
            .map(Duration::from_secs)
            .ok_or_else(|| format!("expires_in {n} is not a whole number of seconds"))?,
        Some(serde_json::Value::String(s)) => s
            .trim()
            .parse::<u64>()
            .map(Duration::from_secs)
            .map_err(|_| format!("expires_in {s:?} is not a whole number of seconds"))?,
        Some(other) => return Err(format!("expires_in {other} is not a number of seconds")),
    };
    Ok((Secret::new(r.access_token), lifetime.min(MAX_LIFETIME)))
}

/// When a token got at `issued` with `lifetime` must be replaced: a margin
/// before it runs out (a quarter of its lifetime, at most a minute), so a
/// request never leaves with a token about to expire.
pub(crate) fn renew_at(issued: Instant, lifetime: Duration) -> Instant {
    let lifetime = lifetime.min(MAX_LIFETIME);
    let at = lifetime - (lifetime / 4).min(Duration::from_secs(60));
    issued.checked_add(at).unwrap_or(issued)
}

struct Held {
    bearer: Bearer,
    renew_at: Instant,
}

/// The run's token: fetched on first use, shared by the concurrent calls.
pub(crate) struct TokenSource {
    credentials: ClientCredentials,
    account: String,
    held: tokio::sync::Mutex<Option<Held>>,
    generations: std::sync::atomic::AtomicU64,
}

impl TokenSource {
    pub fn new(credentials: ClientCredentials, account: &str) -> Self {
        TokenSource {
            credentials,
            account: account.to_string(),
            held: tokio::sync::Mutex::new(None),
            generations: Default::default(),
        }
    }

    /// A token valid for a while yet: the held one, or a new one. The lock is
    /// held across the request, so concurrent callers wait for one token.
    pub async fn bearer(
        &self,
        http: &reqwest::Client,
        domains: &Domains,
        policy: &RetryPolicy,
        counters: &Counters,
    ) -> Result<Bearer, LpError> {
        let mut held = self.held.lock().await;
        if let Some(h) = held.as_ref().filter(|h| Instant::now() < h.renew_at) {
            return Ok(h.bearer.clone());
        }
        if held.is_some() {
            tracing::debug!("renewing the OAuth 2.0 token before it runs out");
        }
        let host = domains.resolve(Service::Sentinel, policy).await?;
        let url = format!("{host}/sentinel/api/v2/account/{}/app/token?v=2.0", self.account);
        let issued = Instant::now();
        let (token, lifetime) = policy
            .retrying(Some(counters), || self.request(http, &url, counters))
            .await?;
        let bearer = Bearer {
            token,
            generation: self.generations.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1,
            lifetime,
        };
        tracing::debug!("got an OAuth 2.0 token valid for {} s", lifetime.as_secs());
        *held = Some(Held {
            bearer: bearer.clone(),
            renew_at: renew_at(issued, lifetime),
        });
        Ok(bearer)
    }

    /// Drop the token of `generation` (LivePerson refused it); a newer one stays.
    pub(crate) async fn invalidate(&self, generation: u64) {
        let mut held = self.held.lock().await;
        if held.as_ref().is_some_and(|h| h.bearer.generation == generation) {
            *held = None;
        }
    }

    /// One token request: credentials in a form body, never in the URL or a header.
    async fn request(
        &self,
        http: &reqwest::Client,
        url: &str,
        counters: &Counters,
    ) -> Result<(Secret, Duration), LpError> {
        counters.request(super::retry::Asked::Token);
        let c = &self.credentials;
        let form = [
            ("client_id", c.client_id.as_str()),
            ("client_secret", c.client_secret.expose()),
            ("grant_type", "client_credentials"),
        ];
        let transport = |e: reqwest::Error| LpError::Token {
            url: url.to_string(),
            reason: describe(&e),
            retryable: true,
        };
        let resp = http
            .post(url)
            .header(reqwest::header::ACCEPT, "application/json")
            .form(&form)
            .send()
            .await
            .map_err(transport)?;
        let status = resp.status().as_u16();
        if resp.status().is_redirection() {
            return Err(LpError::Redirect {
                what: "The OAuth 2.0 token endpoint".into(),
                from: url.to_string(),
                status,
                to: super::error::location_of(resp.headers(), &[c.client_secret.expose()]),
                key: "LP_SENTINEL_URI",
            });
        }
        let body = resp.bytes().await.map_err(transport)?;
        let message = || api_message(&body, &[c.client_secret.expose()]);
        match status {
            200..=299 => parse_token_reply(&body).map_err(|reason| LpError::TokenReply {
                url: url.to_string(),
                reason,
            }),
            400 | 401 | 403 => Err(LpError::Credentials {
                status,
                message: message(),
            }),
            _ => Err(LpError::Token {
                url: url.to_string(),
                reason: format!("HTTP {status}: {}", message()),
                retryable: status == 429 || status >= 500,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_replies() {
        let (t, l) = parse_token_reply(br#"{"access_token":"a.b.c","token_type":"Bearer","expires_in":3600}"#).unwrap();
        assert_eq!((t.expose(), l), ("a.b.c", Duration::from_secs(3600)));
        let (_, l) = parse_token_reply(br#"{"access_token":"a","expires_in":"7200"}"#).unwrap();
        assert_eq!(l, Duration::from_secs(7200));
        let (_, l) = parse_token_reply(br#"{"access_token":"a"}"#).unwrap();
        assert_eq!(l, DEFAULT_LIFETIME);
        let (_, l) = parse_token_reply(br#"{"access_token":"a","expires_in":18446744073709551615}"#).unwrap();
        assert_eq!(l, MAX_LIFETIME);
        for bad in [
            &br#"{"access_token":"","expires_in":1}"#[..],
            br#"{"expires_in":1}"#,
            br#"{"access_token":"a","expires_in":"soon"}"#,
            br#"{"access_token":"a","expires_in":-5}"#,
            br#"{"access_token":"a","expires_in":[1]}"#,
            br#"{"access_token":"a.b.c\r\nX-Evil: 1","expires_in":60}"#,
            br#"{"access_token":"a.b c","expires_in":60}"#,
            b"<html>",
        ] {
            let e = parse_token_reply(bad).unwrap_err();
            assert!(!e.contains("a.b.c"), "{e}");
        }
    }

    #[test]
    fn renewal_leaves_a_margin() {
        let t0 = Instant::now();
        assert_eq!(renew_at(t0, Duration::from_secs(3600)), t0 + Duration::from_secs(3540));
        assert_eq!(renew_at(t0, Duration::from_secs(8)), t0 + Duration::from_secs(6));
        assert_eq!(renew_at(t0, Duration::ZERO), t0);
        // No lifetime overflows the clock.
        assert_eq!(renew_at(t0, Duration::MAX), renew_at(t0, MAX_LIFETIME));
    }
}
