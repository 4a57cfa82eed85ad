//! LivePerson's Domain API: which host serves a service for an account. Each
//! service is looked up at most once per run; a configured host skips it.

use super::client::{api_message, describe};
use super::retry::RetryPolicy;
use super::LpError;
use crate::config::Config;
use std::collections::HashMap;

/// The LivePerson services `wfm` calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Service {
    /// leDataReporting: the Operational Realtime data methods.
    DataReporting,
    /// sentinel: OAuth 2.0 tokens.
    Sentinel,
    /// agentManagerWorkspace: Key Messaging Metrics (messaging accounts).
    AgentManagerWorkspace,
}

impl Service {
    /// The Domain API's name of the service.
    pub fn name(self) -> &'static str {
        match self {
            Service::DataReporting => "leDataReporting",
            Service::Sentinel => "sentinel",
            Service::AgentManagerWorkspace => "agentManagerWorkspace",
        }
    }

    /// The config key that names the host instead of a lookup, and an example value.
    pub fn key(self) -> (&'static str, &'static str) {
        match self {
            Service::DataReporting => ("LP_BASE_URI", "va.data.liveperson.net"),
            Service::Sentinel => ("LP_SENTINEL_URI", "va.sentinel.liveperson.net"),
            Service::AgentManagerWorkspace => ("LP_KMM_URI", "va.agentmanagerworkspace.liveperson.net"),
        }
    }
}

/// One entry of the Domain API's reply.
#[derive(Debug, serde::Deserialize)]
struct Entry {
    #[serde(default)]
    service: Option<String>,
    #[serde(rename = "baseURI")]
    base_uri: String,
}

/// The two forms of reply: one service, or the all-services list.
#[derive(Debug, serde::Deserialize)]
#[serde(untagged)]
enum DomainReply {
    List {
        #[serde(rename = "baseURIs")]
        base_uris: Vec<Entry>,
    },
    One(Entry),
}

/// Every (service, base URL) pair a reply names. A one-service reply without a
/// `service` member is taken as the service asked for. A Domain API reached over
/// https (`over_https`) may not name a plain http host: the client secret and the
/// Bearer token would then travel in clear (plain http only when configured).
pub fn parse_reply(body: &[u8], asked: Service, over_https: bool) -> Result<Vec<(String, String)>, String> {
    let reply: DomainReply = serde_json::from_slice(body).map_err(|e| format!("unexpected reply ({e})"))?;
    let entries = match reply {
        DomainReply::One(e) => vec![Entry {
            service: Some(e.service.unwrap_or_else(|| asked.name().to_string())),
            base_uri: e.base_uri,
        }],
        DomainReply::List { base_uris } => base_uris,
    };
    let mut out = Vec::new();
    for e in entries {
        let Some(service) = e.service else { continue };
        // LivePerson answers a bare host (HTTPS implied); a full URL is accepted too.
        let url = crate::config::normalize_base_uri(&e.base_uri).and_then(|url| {
            if over_https && !url.starts_with("https://") {
                let (key, _) = asked.key();
                Err(format!(
                    "{url:?} is plain http, though the Domain API was asked over https; wfm sends credentials to LivePerson over https only (set {key} to a plain http host on purpose)"
                ))
            } else {
                Ok(url)
            }
        });
        match url {
            Ok(url) => out.push((service, url)),
            Err(p) if service == asked.name() => return Err(format!("baseURI {p}")),
            Err(_) => {} // another service's oddity never fails this one
        }
    }
    Ok(out)
}

/// The hosts of one run: configured ones, and each looked-up service cached.
pub(crate) struct Domains {
    http: reqwest::Client,
    domain_api: String,
    account: String,
    known: tokio::sync::Mutex<HashMap<String, String>>,
}

impl Domains {
    pub fn new(http: reqwest::Client, cfg: &Config) -> Self {
        let mut known = HashMap::new();
        if let Some(b) = &cfg.base_uri {
            known.insert(Service::DataReporting.name().to_string(), b.clone());
        }
        if let Some(k) = &cfg.kmm_uri {
            known.insert(Service::AgentManagerWorkspace.name().to_string(), k.clone());
        }
        if let crate::config::LpAuth::OAuth2(c) = &cfg.auth {
            if let Some(s) = &c.sentinel_uri {
                known.insert(Service::Sentinel.name().to_string(), s.clone());
            }
        }
        Domains {
            http,
            domain_api: cfg.domain_api.clone(),
            account: cfg.account.clone(),
            known: tokio::sync::Mutex::new(known),
        }
    }

    /// The base URL of `service`, looked up (with retries) the first time only.
    /// The lock is held across the lookup, so concurrent callers share one.
    pub(crate) async fn resolve(&self, service: Service, policy: &RetryPolicy) -> Result<String, LpError> {
        let mut known = self.known.lock().await;
        if let Some(url) = known.get(service.name()) {
            return Ok(url.clone());
        }
        let found = policy.retrying(None, || self.lookup(service)).await?;
        let mut url = None;
        for (name, u) in found {
            if name == service.name() {
                url = Some(u.clone());
            }
            known.entry(name).or_insert(u);
        }
        url.ok_or_else(|| self.error(service, "the reply does not name this service".into(), false))
    }

    fn url(&self, service: Service) -> String {
        format!(
            "{}/api/account/{}/service/{}/baseURI.json?version=1.0",
            self.domain_api,
            self.account,
            service.name()
        )
    }

    fn error(&self, service: Service, reason: String, retryable: bool) -> LpError {
        let (key, example) = service.key();
        LpError::Domain {
            service: service.name(),
            url: self.url(service),
            reason,
            key,
            example,
            retryable,
        }
    }

    /// One lookup.
    async fn lookup(&self, service: Service) -> Result<Vec<(String, String)>, LpError> {
        let err = |reason: String, retryable: bool| self.error(service, reason, retryable);
        let resp = self
            .http
            .get(self.url(service))
            .send()
            .await
            .map_err(|e| err(describe(&e), true))?;
        let status = resp.status();
        if status.is_redirection() {
            let (key, _) = service.key();
            return Err(LpError::Redirect {
                what: format!("The Domain API (looking up {})", service.name()),
                from: self.url(service),
                status: status.as_u16(),
                to: super::error::location_of(resp.headers(), &[]),
                key,
            });
        }
        let body = resp.bytes().await.map_err(|e| err(describe(&e), true))?;
        if !status.is_success() {
            let retryable = status.as_u16() == 429 || status.is_server_error();
            return Err(err(
                format!("HTTP {}: {}", status.as_u16(), api_message(&body, &[])),
                retryable,
            ));
        }
        let over_https = self.domain_api.starts_with("https://");
        parse_reply(&body, service, over_https).map_err(|e| err(e, false))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_reply_forms() {
        let one = br#"{"service":"leDataReporting","account":"1","baseURI":"va.data.liveperson.net"}"#;
        assert_eq!(
            parse_reply(one, Service::DataReporting, true).unwrap(),
            vec![(
                "leDataReporting".to_string(),
                "https://va.data.liveperson.net".to_string()
            )]
        );
        let bare = br#"{"baseURI":"http://127.0.0.1:9"}"#;
        assert_eq!(
            parse_reply(bare, Service::Sentinel, false).unwrap(),
            vec![("sentinel".to_string(), "http://127.0.0.1:9".to_string())]
        );
        let list = br#"{"baseURIs":[
            {"service":"agentVep","account":"1","baseURI":"va.agentvep.liveperson.net"},
            {"service":"sentinel","account":"1","baseURI":"va.sentinel.liveperson.net"},
            {"service":"odd","account":"1","baseURI":"ftp://x/y"},
            {"service":"leDataReporting","account":"1","baseURI":"va.data.liveperson.net"}]}"#;
        let got = parse_reply(list, Service::Sentinel, true).unwrap();
        assert!(got.contains(&("sentinel".to_string(), "https://va.sentinel.liveperson.net".to_string())));
        assert!(got.contains(&(
            "leDataReporting".to_string(),
            "https://va.data.liveperson.net".to_string()
        )));
        assert_eq!(got.len(), 3, "the odd entry is skipped, not fatal");
        assert!(parse_reply(br#"{"baseURI":"ftp://x"}"#, Service::Sentinel, false).is_err());
        assert!(parse_reply(b"[]", Service::Sentinel, false).is_err());
        // Over https, no plain http host and no userinfo; over plain http (tests), http is fine.
        let e = parse_reply(bare, Service::Sentinel, true).unwrap_err();
        assert!(e.contains("plain http") && e.contains("LP_SENTINEL_URI"), "{e}");
        let e = parse_reply(br#"{"baseURI":"https://a:1@b:2"}"#, Service::Sentinel, false).unwrap_err();
        assert!(e.contains("user name") && !e.contains(":1@"), "{e}");
        let e = parse_reply(br#"{"baseURI":"a:1@b:2"}"#, Service::DataReporting, true).unwrap_err();
        assert!(e.contains("user name"), "{e}");
    }
}
