//! How data calls are authorised: the simulated account uses one scheme ([`SimAuth`]) and
//! refuses the other. [`oauth1`] is an independent RFC 5849 verifier, [`oauth2`] the
//! sentinel token endpoint and the Bearer check.

pub mod oauth1;
pub mod oauth2;

use chrono::Utc;

use crate::SimAuth;
use oauth1::{NonceCache, OAuthCredentials};
use oauth2::{TokenIssuer, TokenOptions};

/// The account's credentials of both schemes and which one data calls must use.
pub(crate) struct Authorizer {
    scheme: SimAuth,
    credentials: OAuthCredentials,
    issuer: TokenIssuer,
    nonces: NonceCache,
}

impl Authorizer {
    pub fn new(scheme: SimAuth, credentials: OAuthCredentials, tokens: TokenOptions, account: &str) -> Self {
        Authorizer {
            scheme,
            credentials,
            issuer: TokenIssuer::new(tokens, account),
            nonces: NonceCache::new(),
        }
    }

    pub fn scheme(&self) -> SimAuth {
        self.scheme
    }

    /// The app key accepted with [`SimAuth::OAuth1`].
    pub fn credentials(&self) -> &OAuthCredentials {
        &self.credentials
    }

    /// The token endpoint and Bearer check of [`SimAuth::OAuth2`].
    pub fn issuer(&self) -> &TokenIssuer {
        &self.issuer
    }

    /// Checks a data call's `Authorization` header with the account's scheme. OAuth 1.0a
    /// timestamps are checked against the real clock, whatever the simulator's clock.
    pub fn check_data_call(
        &self,
        http_method: &str,
        host: &str,
        path: &str,
        raw_query: Option<&str>,
        authorization: Option<&str>,
    ) -> Result<(), String> {
        match self.scheme {
            SimAuth::OAuth1 => oauth1::verify(
                http_method,
                "http",
                host,
                path,
                raw_query,
                authorization,
                &self.credentials,
                &self.nonces,
                Utc::now().timestamp(),
            )
            .map_err(|why| why.to_string()),
            SimAuth::OAuth2 => self.issuer.verify_bearer(authorization),
        }
    }

    /// The `WWW-Authenticate` scheme of a refusal.
    pub fn challenge(&self) -> &'static str {
        match self.scheme {
            SimAuth::OAuth1 => "OAuth",
            SimAuth::OAuth2 => "Bearer",
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use crate::test_support::*;
    use crate::IntervalOrder;

    #[tokio::test]
    async fn oauth2_tokens_and_bearer_calls() {
        let sim = start_oauth2().await;
        let client = crate::test_support::http();
        let q = [("timeframe", "60"), ("interval", "5"), ("v", "1"), ("skillIds", "all")];
        let token = get_token(&sim).await;
        let bearer = |method: &str| {
            client
                .get(data_url(&sim, method))
                .query(&q)
                .header("Authorization", format!("Bearer {token}"))
        };
        assert_eq!(bearer("queuehealth").send().await.unwrap().status(), 200);
        // An OAuth 1.0a signature is refused in OAuth 2.0 mode.
        let (url, auth) = sign(sim.credentials(), "GET", &data_url(&sim, "queuehealth"), &q);
        let resp = client.get(&url).header("Authorization", &auth).send().await.unwrap();
        assert_eq!(resp.status(), 401);
        // Wrong secret, wrong content type.
        let token_url = format!("{}/sentinel/api/v2/account/{ACCOUNT}/app/token?v=2.0", sim.base_url());
        let resp = client
            .post(&token_url)
            .form(&[
                ("client_id", "demo-client-id"),
                ("client_secret", "wrong"),
                ("grant_type", "client_credentials"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 401);
        let resp = client
            .post(&token_url)
            .header("Content-Type", "application/json")
            .body(json!({"client_id": "demo-client-id"}).to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 400);
        // Revoked after one more use.
        sim.revoke_tokens_after(1);
        assert_eq!(bearer("engactivity").send().await.unwrap().status(), 200);
        assert_eq!(bearer("engactivity").send().await.unwrap().status(), 401);
        let fresh = get_token(&sim).await;
        let resp = client
            .get(data_url(&sim, "queuehealth"))
            .query(&q)
            .header("Authorization", format!("Bearer {fresh}"))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        assert_eq!(sim.token_requests(), 4);
        assert_eq!(sim.issued_tokens(), vec![token, fresh]);
        let schemes: Vec<Option<String>> = sim
            .requests()
            .iter()
            .filter(|r| r.method.is_some())
            .map(|r| r.auth_scheme.clone())
            .collect();
        assert_eq!(schemes[1].as_deref(), Some("OAuth"));
        assert_eq!(schemes[0].as_deref(), Some("Bearer"));
        sim.shutdown().await;
    }

    #[tokio::test]
    async fn oauth1_mode_refuses_bearer_tokens() {
        let sim = start(Some(at(12, 0, 0)), IntervalOrder::Ascending).await;
        let resp = crate::test_support::http()
            .get(data_url(&sim, "queuehealth"))
            .query(&[("timeframe", "60"), ("v", "1")])
            .header("Authorization", "Bearer anything")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 401);
        sim.shutdown().await;
    }

    #[tokio::test]
    async fn oauth_rejections() {
        let sim = start(Some(at(12, 0, 0)), IntervalOrder::Ascending).await;
        let q = [("timeframe", "60"), ("interval", "5"), ("v", "1"), ("skillIds", "all")];
        let mut bad = sim.credentials().clone();
        bad.token_secret = "wrong".into();
        let resp = get_with(&sim, &bad, "queuehealth", &q).await;
        assert_eq!(resp.status(), 401);
        let v: Value = json_of(resp).await;
        assert!(v["error"].as_str().unwrap().contains("signature"), "{v}");
        let mut bad_key = sim.credentials().clone();
        bad_key.consumer_key = "someone-else".into();
        assert_eq!(get_with(&sim, &bad_key, "queuehealth", &q).await.status(), 401);
        let resp = crate::test_support::http()
            .get(format!("{}?timeframe=60&v=1", data_url(&sim, "queuehealth")))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 401);
        // A replayed header is refused.
        let (url, auth) = sign(sim.credentials(), "GET", &data_url(&sim, "engactivity"), &q);
        let client = crate::test_support::http();
        assert_eq!(
            client
                .get(&url)
                .header("Authorization", &auth)
                .send()
                .await
                .unwrap()
                .status(),
            200
        );
        assert_eq!(
            client
                .get(&url)
                .header("Authorization", &auth)
                .send()
                .await
                .unwrap()
                .status(),
            401
        );
        // Tampering with the query breaks the signature.
        let (url, auth) = sign(sim.credentials(), "GET", &data_url(&sim, "engactivity"), &q);
        let tampered = url.replace("timeframe=60", "timeframe=30");
        assert_eq!(
            client
                .get(&tampered)
                .header("Authorization", &auth)
                .send()
                .await
                .unwrap()
                .status(),
            401
        );
        assert_eq!(sim.data_requests(), 6);
        let statuses: Vec<u16> = sim.requests().iter().map(|r| r.status).collect();
        assert_eq!(statuses, vec![401, 401, 401, 200, 401, 401]);
        sim.shutdown().await;
    }
}
