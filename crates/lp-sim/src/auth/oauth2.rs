//! The simulator's OAuth 2.0 side: LivePerson's sentinel token endpoint
//! (client credentials grant) and the Bearer check of data calls. Written from
//! the API description, independent of the client's code.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::{json, Value};

use super::oauth1::parse_query;

/// An installed application's client credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientCredentials {
    pub client_id: String,
    pub client_secret: String,
}

/// How the token endpoint answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenOptions {
    pub client: ClientCredentials,
    /// `expires_in` of every token issued; the token stops working after it.
    pub lifetime: Duration,
    /// Send `expires_in` as a string (`"3600"`), as some LivePerson replies do.
    pub expires_in_as_string: bool,
}

/// Why a token request or a Bearer header was refused: status and message.
pub type Refusal = (u16, String);

struct Issued {
    expires: Instant,
    revoked: bool,
}

#[derive(Default)]
struct Tokens {
    issued: HashMap<String, Issued>,
    /// In issue order, for tests that search outputs for them.
    order: Vec<String>,
    /// Accepted uses left before every token issued so far is revoked.
    revoke_after: Option<usize>,
    accepted_uses: usize,
}

pub struct TokenIssuer {
    opts: TokenOptions,
    account: String,
    tokens: Mutex<Tokens>,
}

fn lock(m: &Mutex<Tokens>) -> std::sync::MutexGuard<'_, Tokens> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl TokenIssuer {
    pub fn new(opts: TokenOptions, account: &str) -> Self {
        TokenIssuer {
            opts,
            account: account.to_string(),
            tokens: Mutex::new(Tokens::default()),
        }
    }

    pub fn client(&self) -> &ClientCredentials {
        &self.opts.client
    }

    /// Every token issued so far, oldest first.
    pub fn issued(&self) -> Vec<String> {
        lock(&self.tokens).order.clone()
    }

    /// Bearer uses accepted so far.
    pub fn accepted_uses(&self) -> usize {
        lock(&self.tokens).accepted_uses
    }

    /// After `uses` more accepted data calls, every token issued until then is
    /// revoked (as when an application's secret is rotated).
    pub fn revoke_after(&self, uses: usize) {
        let mut t = lock(&self.tokens);
        if uses == 0 {
            t.issued.values_mut().for_each(|i| i.revoked = true);
            t.revoke_after = None;
        } else {
            t.revoke_after = Some(uses);
        }
    }

    /// `POST /sentinel/api/v2/account/{account}/app/token?v=2.0`: a form body
    /// with the client credentials grant, no Authorization header.
    pub fn token_request(
        &self,
        query: &[(String, String)],
        content_type: Option<&str>,
        authorization: Option<&str>,
        body: &[u8],
    ) -> Result<Value, Refusal> {
        if !query.iter().any(|(k, v)| k == "v" && v == "2.0") {
            return Err((400, "v=2.0 is required".into()));
        }
        let form = content_type
            .and_then(|c| c.split(';').next())
            .is_some_and(|c| c.trim().eq_ignore_ascii_case("application/x-www-form-urlencoded"));
        if !form {
            return Err((400, "Content-Type must be application/x-www-form-urlencoded".into()));
        }
        if authorization.is_some() {
            return Err((400, "credentials go in the body, not in an Authorization header".into()));
        }
        let Ok(text) = std::str::from_utf8(body) else {
            return Err((400, "the body is not UTF-8".into()));
        };
        let params = parse_query(text);
        let get = |k: &str| {
            let mut vals = params.iter().filter(|(n, _)| n == k).map(|(_, v)| v.as_str());
            match (vals.next(), vals.next()) {
                (Some(v), None) => Some(v),
                _ => None,
            }
        };
        if get("grant_type") != Some("client_credentials") {
            return Err((
                400,
                "unsupported_grant_type: grant_type must be client_credentials".into(),
            ));
        }
        let (Some(id), Some(secret)) = (get("client_id"), get("client_secret")) else {
            return Err((400, "invalid_request: client_id and client_secret are required".into()));
        };
        if id != self.opts.client.client_id || secret != self.opts.client.client_secret {
            return Err((401, "invalid_client".into()));
        }
        let token = self.new_token();
        let mut t = lock(&self.tokens);
        t.issued.insert(
            token.clone(),
            Issued {
                expires: Instant::now() + self.opts.lifetime,
                revoked: false,
            },
        );
        t.order.push(token.clone());
        let secs = self.opts.lifetime.as_secs();
        let expires_in = if self.opts.expires_in_as_string {
            json!(secs.to_string())
        } else {
            json!(secs)
        };
        Ok(json!({"access_token": token, "token_type": "Bearer", "expires_in": expires_in}))
    }

    /// A JWT-shaped token: header, claims and a random signature part.
    fn new_token(&self) -> String {
        let n = lock(&self.tokens).order.len();
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","typ":"JWT"}"#);
        let claims =
            URL_SAFE_NO_PAD.encode(json!({"aud": self.account, "sub": self.opts.client.client_id, "n": n}).to_string());
        let sig: Vec<u8> = (0..32).map(|_| fastrand::u8(..)).collect();
        format!("{header}.{claims}.{}", URL_SAFE_NO_PAD.encode(sig))
    }

    /// Check `Authorization: Bearer <token>` of a data call.
    pub fn verify_bearer(&self, authorization: Option<&str>) -> Result<(), String> {
        let Some(h) = authorization else {
            return Err("missing Authorization header".into());
        };
        let Some(token) = h
            .split_once(' ')
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("Bearer"))
            .map(|(_, t)| t.trim())
        else {
            return Err("this application uses OAuth 2.0: send Authorization: Bearer <token>".into());
        };
        let mut t = lock(&self.tokens);
        match t.issued.get(token) {
            None => return Err("unknown token".into()),
            Some(i) if i.revoked => return Err("token revoked".into()),
            Some(i) if Instant::now() >= i.expires => return Err("token expired".into()),
            Some(_) => {}
        }
        t.accepted_uses += 1;
        if let Some(left) = t.revoke_after.as_mut() {
            *left -= 1;
            if *left == 0 {
                t.revoke_after = None;
                t.issued.values_mut().for_each(|i| i.revoked = true);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issuer(lifetime_ms: u64) -> TokenIssuer {
        TokenIssuer::new(
            TokenOptions {
                client: ClientCredentials {
                    client_id: "id".into(),
                    client_secret: "s3cret".into(),
                },
                lifetime: Duration::from_millis(lifetime_ms),
                expires_in_as_string: false,
            },
            "1",
        )
    }

    const FORM: Option<&str> = Some("application/x-www-form-urlencoded");

    fn v2() -> Vec<(String, String)> {
        vec![("v".into(), "2.0".into())]
    }

    #[test]
    fn token_requests_are_checked() {
        let i = issuer(60_000);
        let good = b"client_id=id&client_secret=s3cret&grant_type=client_credentials";
        let reply = i.token_request(&v2(), FORM, None, good).unwrap();
        assert_eq!(reply["token_type"], "Bearer");
        assert_eq!(reply["expires_in"], 60);
        assert_eq!(reply["access_token"].as_str().unwrap().split('.').count(), 3);
        assert_eq!(i.token_request(&[], FORM, None, good).unwrap_err().0, 400);
        assert_eq!(
            i.token_request(&v2(), Some("application/json"), None, good)
                .unwrap_err()
                .0,
            400
        );
        assert_eq!(i.token_request(&v2(), FORM, Some("Basic x"), good).unwrap_err().0, 400);
        let wrong = b"client_id=id&client_secret=nope&grant_type=client_credentials";
        assert_eq!(i.token_request(&v2(), FORM, None, wrong).unwrap_err().0, 401);
        let grant = b"client_id=id&client_secret=s3cret&grant_type=password";
        assert_eq!(i.token_request(&v2(), FORM, None, grant).unwrap_err().0, 400);
        assert_eq!(i.issued().len(), 1);
    }

    #[test]
    fn bearer_checks_expiry_and_revocation() {
        let i = issuer(60_000);
        let body = b"grant_type=client_credentials&client_id=id&client_secret=s3cret";
        let tok = i.token_request(&v2(), FORM, None, body).unwrap()["access_token"]
            .as_str()
            .unwrap()
            .to_string();
        let h = format!("Bearer {tok}");
        assert_eq!(i.verify_bearer(Some(&h)), Ok(()));
        assert!(i.verify_bearer(Some("OAuth oauth_consumer_key=\"x\"")).is_err());
        assert!(i.verify_bearer(None).is_err());
        assert!(i.verify_bearer(Some("Bearer nope")).is_err());
        i.revoke_after(2);
        assert_eq!(i.verify_bearer(Some(&h)), Ok(()));
        assert_eq!(i.verify_bearer(Some(&h)), Ok(()));
        assert_eq!(i.verify_bearer(Some(&h)), Err("token revoked".into()));
        assert_eq!(i.accepted_uses(), 3);

        let short = issuer(1);
        let tok = short.token_request(&v2(), FORM, None, body).unwrap()["access_token"]
            .as_str()
            .unwrap()
            .to_string();
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(
            short.verify_bearer(Some(&format!("Bearer {tok}"))),
            Err("token expired".into())
        );
    }
}
