//! `wfm check`: is this config ready for cron? Validates it, gets a token (OAuth
//! 2.0), reaches LivePerson with one light authorised request, and, when
//! configured, logs in to the FTP server and the SMTP relay, sending and
//! uploading nothing.

use crate::config::{Config, LpAuth};
use crate::lp::client::{http_client, LpClient};
use crate::lp::model;
use crate::lp::retry::RetryPolicy;
use crate::mapping::AgentMap;
use crate::quarter::Quarter;
use crate::select::{Channel, IdSelection};
use chrono::{DateTime, Utc};
use std::time::Duration;

/// One line of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub what: String,
    pub result: Result<String, String>,
    /// Works, but needs a look (does not fail the check).
    pub warning: bool,
}

impl Item {
    fn new(what: &str, result: Result<String, String>) -> Self {
        Item {
            what: what.to_string(),
            result,
            warning: false,
        }
    }

    fn warn(what: &str, text: String) -> Self {
        Item {
            warning: true,
            ..Item::new(what, Ok(text))
        }
    }
}

/// What the day's queue totals say about the chat channel.
fn chat_data_item(totals: &model::QueueHealthSkill) -> Item {
    let (entered, connected) = (totals.entered_q_eng.0.max(0), totals.connected_eng.0.max(0));
    if entered > 0 || connected > 0 {
        Item::new(
            "chat data",
            Ok(format!(
                "{entered} chat(s) entered the queue and {connected} were connected in the last 24 hours"
            )),
        )
    } else {
        Item::warn(
            "chat data",
            "none in the last 24 hours: the reports would be empty. If this is a messaging account, set LP_CHANNEL=messaging (Key Messaging Metrics); a chat account that was simply quiet is fine".into(),
        )
    }
}

/// Run every check; never stops at the first failure, so one run names every broken part.
pub async fn run(cfg: &Config, now: DateTime<Utc>) -> Vec<Item> {
    let mut items = vec![Item::new("config", Ok(format!("{} is valid", cfg.source.display())))];
    // Each warning on a WARN line of its own: an `ok` line is read as "nothing to do".
    items.extend(cfg.warnings.iter().map(|w| Item::warn("config", w.clone())));
    items.push(Item::new(
        "agent map",
        match &cfg.agent_map_file {
            None => Ok("none configured: agents are reported under their LivePerson id".into()),
            Some(p) => AgentMap::load(p)
                .map(|m| format!("{} maps {} agent(s)", p.display(), m.len()))
                .map_err(|e| e.to_string()),
        },
    ));
    items.push(Item::new("REPORT_DIR", writable(&cfg.report_dir)));

    items.extend(liveperson(cfg, now).await);

    let timeout = Duration::from_secs(cfg.lp_timeout_seconds.into());
    // A server that trickles its greeting must not hold the check: each part gets 3 timeouts.
    let bounds = move || crate::deadline::Bounds::new(timeout, std::time::Instant::now() + timeout * 3);
    let push = match cfg.ftp.as_ref() {
        None => Item::new("FTP push", Ok("FTP_HOST not set: pull mode only".into())),
        Some(f) => Item::new(
            if f.sftp.is_some() { "SFTP push" } else { "FTP push" },
            crate::deliver::check(f, bounds()).await.map_err(|e| e.to_string()),
        ),
    };
    items.push(push);
    items.extend(cfg.metrics_file.as_deref().map(metrics_item));
    if let Some(url) = &cfg.ping_url {
        items.push(ping_item(url).await);
    }
    items.push(Item::new(
        "failure mail",
        match cfg.email.clone() {
            None => Ok("EMAIL_SERVER not set: failures are only logged".into()),
            Some(m) => {
                tokio::task::spawn_blocking(move || crate::alert::mail::check(&m, bounds()).map_err(|e| e.to_string()))
                    .await
                    .unwrap_or_else(|e| Err(format!("the check did not finish: {e}")))
            }
        },
    ));
    items
}

/// LivePerson: the host, the token (OAuth 2.0), then one light authorised
/// request: for chat the day's queue totals, which also tell whether the chat
/// channel has data; for messaging a `metrics` call for the last closed quarter.
async fn liveperson(cfg: &Config, now: DateTime<Utc>) -> Vec<Item> {
    // No retries: check answers at once, with LivePerson's own status.
    let policy = RetryPolicy {
        max_attempts: 1,
        ..RetryPolicy::for_run(cfg.lp_timeout_seconds)
    };
    let client = match http_client(cfg.lp_timeout_seconds) {
        Ok(http) => LpClient::new(http, cfg).with_policy(policy),
        Err(e) => return vec![Item::new("LivePerson", Err(e))],
    };
    let mut items = vec![Item::new(
        "channel",
        Ok(match cfg.channel {
            Channel::Chat => "chat: the Operational Realtime methods; files Q_, AQ_ and AS_".to_string(),
            Channel::Messaging => {
                "messaging: Key Messaging Metrics and Messaging Operations; files Q_, AQ_ and AS_ within 24 hours, Q_ and AS_ (partial) from Key Messaging Metrics alone up to 14 days back".to_string()
            }
        }),
    )];
    let host = match cfg.channel {
        Channel::Chat => client.data_host().await,
        Channel::Messaging => client.kmm_host().await,
    };
    match host {
        Ok(base) => items.push(Item::new("LivePerson host", Ok(base))),
        Err(e) => {
            items.push(Item::new("LivePerson host", Err(e.to_string())));
            items.push(Item::new("LivePerson credentials", Err("not tried: no host".into())));
            return items;
        }
    }
    let auth = match &cfg.auth {
        LpAuth::OAuth1(c) => Ok(format!(
            "oauth1: every request is signed with app key {} (HMAC-SHA1); LivePerson ended OAuth 1.0 on 2026-05-31, so ask for OAuth 2.0 client credentials",
            c.app_key
        )),
        LpAuth::OAuth2(c) => match client.bearer().await {
            Ok(b) => Ok(format!(
                "oauth2: client {} was issued a token, valid for {} s",
                c.client_id,
                b.map(|b| b.lifetime.as_secs()).unwrap_or(0)
            )),
            Err(e) => Err(format!("oauth2: {e}")),
        },
    };
    let auth_failed = auth.is_err();
    items.push(match auth {
        Ok(text) if matches!(cfg.auth, LpAuth::OAuth1(_)) => Item::warn("LivePerson auth", text),
        other => Item::new("LivePerson auth", other),
    });
    if auth_failed {
        items.push(Item::new("LivePerson credentials", Err("not tried: no token".into())));
        return items;
    }
    if cfg.channel == Channel::Messaging {
        items.extend(messaging_items(cfg, &client, now).await);
        items.push(messaging_operations_item(cfg, &client).await);
        return items;
    }
    match client.day_totals().await {
        Ok(reply) => match reply
            .into_bytes()
            .map_err(|e| e.to_string())
            .and_then(|b| model::parse_queue_totals(&b).map_err(|e| e.to_string()))
        {
            Ok(totals) => {
                items.push(Item::new(
                    "LivePerson credentials",
                    Ok(format!(
                        "an authorised queuehealth request for account {} was accepted",
                        cfg.account
                    )),
                ));
                items.push(chat_data_item(&totals));
            }
            Err(e) => items.push(Item::new(
                "LivePerson credentials",
                Err(format!("the request was accepted, but the reply is unusable: {e}")),
            )),
        },
        Err(e) => items.push(Item::new("LivePerson credentials", Err(e.to_string()))),
    }
    items
}

/// Messaging: one authorised `metrics` call for the last closed quarter (its
/// first page), and the skills and agents it saw.
async fn messaging_items(cfg: &Config, client: &LpClient, now: DateTime<Utc>) -> Vec<Item> {
    use crate::lp::model::kmm;
    let q = Quarter::containing(now).prev();
    let page = |method, body: serde_json::Value| async move {
        let body = serde_json::to_vec(&body).unwrap_or_default();
        let reply = client
            .kmm_page(method, 0, &body, &format!("check-{}", q.stem()))
            .await
            .map_err(|e| e.to_string())?;
        reply.into_bytes().map_err(|e| e.to_string())
    };
    let metrics = page(model::Method::Metrics, kmm::metrics_body(q, &cfg.skills))
        .await
        .and_then(|b| {
            serde_json::from_slice::<kmm::MetricsPage>(&b).map_err(|e| format!("the reply is unusable: {e}"))
        });
    let mut items = Vec::new();
    let skills = match metrics {
        Ok(m) => {
            items.push(Item::new(
                "LivePerson credentials",
                Ok(format!(
                    "an authorised Key Messaging Metrics request (metrics, quarter {q}) for account {} was accepted",
                    cfg.account
                )),
            ));
            m.metadata.count.unwrap_or_default().0.max(0)
        }
        Err(e) => {
            items.push(Item::new("LivePerson credentials", Err(e)));
            return items;
        }
    };
    let batch = kmm::agent_batches(&cfg.agents).into_iter().next().flatten();
    let agents = page(model::Method::AgentView, kmm::agent_view_body(q, batch.as_deref()))
        .await
        .and_then(|b| {
            serde_json::from_slice::<kmm::AgentViewPage>(&b).map_err(|e| format!("the reply is unusable: {e}"))
        });
    let item = match agents {
        Err(e) => Item::new("messaging data", Err(format!("agent_view: {e}"))),
        Ok(a) => {
            let n = a.metadata.count.unwrap_or_default().0.max(0);
            let seen = format!("{skills} skill(s) and {n} agent(s) in quarter {q}");
            if matches!(cfg.agents, IdSelection::All) && n > kmm::AGENT_VIEW_CAP as i64 {
                Item::new(
                    "messaging data",
                    Err(format!(
                        "{seen}: agent_view serves at most {} agents with LP_AGENT_IDS=all, so every quarter would fail; list the agent ids in LP_AGENT_IDS",
                        kmm::AGENT_VIEW_CAP
                    )),
                )
            } else if skills == 0 {
                Item::warn(
                    "messaging data",
                    format!("{seen}: no skill had closed conversations; a quiet quarter is fine, an account without messaging traffic would deliver empty Q_ files"),
                )
            } else {
                Item::new("messaging data", Ok(seen))
            }
        }
    };
    items.push(item);
    items
}

/// Messaging Operations: one light authorised `msgconversation` call (the last 5
/// minutes), the method both LP_AUTH schemes use; a refusal names the missing
/// privilege (403) or the refused OAuth 2.0 token (401).
async fn messaging_operations_item(cfg: &Config, client: &LpClient) -> Item {
    use crate::lp::model::msgops;
    let query = msgops::conversation_query(5, &cfg.skills);
    let what = "Messaging Operations";
    match client.msg_ops(model::Method::MsgConversation, &query, "check").await {
        Err(e) => Item::new(what, Err(e.to_string())),
        Ok(_) if matches!(cfg.auth, LpAuth::OAuth1(_)) => Item::warn(
            what,
            format!(
                "an authorised msgconversation request for account {} was accepted; msgskillsegments is not called with LP_AUTH=oauth1 (v=2 takes only OAuth 2.0), so Q_ has no Offered/Abandoned: messaging: Offered/Abandoned need LP_AUTH=oauth2",
                cfg.account
            ),
        ),
        Ok(_) => Item::new(
            what,
            Ok(format!(
                "an authorised msgconversation request (the last 5 minutes) for account {} was accepted",
                cfg.account
            )),
        ),
    }
}

/// A folder exists (or can be made) and takes a file.
fn writable(dir: &std::path::Path) -> Result<String, String> {
    crate::atomic::ensure_dir(dir, "REPORT_DIR").map_err(|e| format!("{e:#}"))?;
    probe_write(dir)
        .map(|_| format!("{} is writable", dir.display()))
        .map_err(|e| format!("cannot write in {}: {e}", dir.display()))
}

/// Whether a file can be made in `dir` (a temporary one, removed at once).
fn probe_write(dir: &std::path::Path) -> std::io::Result<()> {
    tempfile::Builder::new()
        .prefix(".wfm-check.")
        .suffix(".part")
        .tempfile_in(dir)
        .map(drop)
}

/// METRICS_FILE: a target a run refuses (a pipe, a folder) fails the check, as it
/// stops every run (exit 2); a folder where the file cannot be written is a WARN
/// (runs go on, only the metrics are missing).
fn metrics_item(path: &std::path::Path) -> Item {
    use crate::textfile::{metrics_target, MetricsTarget};
    match metrics_target(path) {
        Err(e) => Item::new("METRICS_FILE", Err(e)),
        Ok(MetricsTarget::Off) => Item::new("METRICS_FILE", Ok(format!("{}: metrics off", path.display()))),
        Ok(MetricsTarget::File) => {
            let dir = match path.parent() {
                Some(d) if !d.as_os_str().is_empty() => d,
                _ => std::path::Path::new("."),
            };
            let what = if path.exists() {
                "a regular file"
            } else {
                "not there yet"
            };
            match probe_write(dir) {
                Ok(_) => Item::new(
                    "METRICS_FILE",
                    Ok(format!("{} is {what}, and its folder is writable", path.display())),
                ),
                Err(e) => Item::warn(
                    "METRICS_FILE",
                    format!(
                        "{} cannot be written: no file can be made in {} ({e}); runs go on without metrics. Create the folder or give wfm's user write access to it",
                        path.display(),
                        dir.display()
                    ),
                ),
            }
        }
    }
}

/// PING_URL: a HEAD of its host's root (`scheme://host:port/`), never of the ping
/// URL itself: on healthchecks.io and the like any request of the ping URL (HEAD
/// included) counts as a ping, and a check must not tell the monitor that a run
/// succeeded. Any HTTP answer proves name, route and TLS; no answer is a WARN (a
/// failed ping never fails a run either).
async fn ping_item(url: &str) -> Item {
    let root = match reqwest::Url::parse(url) {
        Ok(mut u) => {
            u.set_path("/");
            u.set_query(None);
            u.set_fragment(None);
            u
        }
        Err(e) => return Item::new("PING_URL", Err(format!("not a URL: {e}"))),
    };
    let host = format!("{}://{}", root.scheme(), root.host_str().unwrap_or(""));
    let host = match root.port() {
        Some(p) => format!("{host}:{p}"),
        None => host,
    };
    let client = crate::net::http_client(crate::net::Http {
        timeout: crate::net::PING_TIMEOUT,
        connect_timeout: crate::net::PING_TIMEOUT,
        follow_redirects: false,
    });
    let answer = match client {
        Ok(c) => c.head(root).send().await.map_err(|e| e.without_url().to_string()),
        Err(e) => Err(e),
    };
    match answer {
        Ok(r) => Item::new(
            "PING_URL",
            Ok(format!(
                "{host} answers (HTTP {} to HEAD /); the ping itself was not sent, so the monitor's state is unchanged",
                r.status().as_u16()
            )),
        ),
        Err(e) => Item::warn(
            "PING_URL",
            format!("{host} cannot be reached: {e}; the runs' pings would be lost (a run's result does not depend on them). Check the URL and this host's network"),
        ),
    }
}

/// The report as printed: one line per item.
pub fn render(items: &[Item]) -> String {
    let width = items.iter().map(|i| i.what.len()).max().unwrap_or(0);
    items
        .iter()
        .map(|i| match &i.result {
            Ok(m) if i.warning => format!("{:<width$}  WARN    {m}\n", i.what),
            Ok(m) => format!("{:<width$}  ok      {m}\n", i.what),
            Err(e) => format!("{:<width$}  FAILED  {e}\n", i.what),
        })
        .collect()
}
