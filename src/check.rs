//! `wfm check`: is this config ready for cron? Validates it, reaches
//! LivePerson with one small signed request, and, when configured, logs in to
//! the FTP server and the SMTP relay, sending and uploading nothing.

use crate::config::Config;
use crate::deliver::{ftp, local};
use crate::lp::client::{http_client, resolve_base_url, FetchPlan, LpClient, RetryPolicy};
use crate::lp::model::{self, Method};
use crate::mapping::AgentMap;
use std::time::Duration;

/// One line of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub what: String,
    pub result: Result<String, String>,
}

impl Item {
    fn new(what: &str, result: Result<String, String>) -> Self {
        Item {
            what: what.to_string(),
            result,
        }
    }
}

/// Run every check; never stops at the first failure, so one run names every broken part.
pub async fn run(cfg: &Config) -> Vec<Item> {
    let mut items = vec![Item::new(
        "config",
        Ok(if cfg.warnings.is_empty() {
            format!("{} is valid", cfg.source.display())
        } else {
            format!(
                "{} is valid; warnings: {}",
                cfg.source.display(),
                cfg.warnings.join("; ")
            )
        }),
    )];
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

    // LivePerson: the host, then one small signed request.
    let http = http_client(cfg.lp_timeout_seconds);
    match resolve_base_url(&http, cfg, &RetryPolicy::for_run(cfg.lp_timeout_seconds)).await {
        Err(e) => {
            items.push(Item::new("LivePerson host", Err(e.to_string())));
            items.push(Item::new("LivePerson credentials", Err("not tried: no host".into())));
        }
        Ok(base) => {
            items.push(Item::new("LivePerson host", Ok(base.clone())));
            // No retries: check answers at once, with LivePerson's own status.
            let client = LpClient::new(http, base, cfg).with_policy(RetryPolicy {
                max_attempts: 1,
                ..Default::default()
            });
            let plan = FetchPlan {
                timeframe: 5,
                skills: cfg.skills.clone(),
                agents: cfg.agents.clone(),
            };
            let result = match client.fetch(Method::QueueHealth, &plan).await {
                Ok(reply) => match model::parse_queue_health(&reply.body) {
                    Ok(_) => Ok(format!(
                        "a signed queuehealth request for account {} was accepted",
                        cfg.account
                    )),
                    Err(e) => Err(format!("signed request accepted, but the reply is unusable: {e}")),
                },
                Err(e) => Err(e.to_string()),
            };
            items.push(Item::new("LivePerson credentials", result));
        }
    }

    let timeout = Duration::from_secs(cfg.lp_timeout_seconds.into());
    items.push(Item::new(
        "FTP push",
        match cfg.ftp.clone() {
            None => Ok("FTP_HOST not set: pull mode only".into()),
            Some(f) => tokio::task::spawn_blocking(move || ftp::check(&f, timeout).map_err(|e| e.to_string()))
                .await
                .unwrap_or_else(|e| Err(format!("the check did not finish: {e}"))),
        },
    ));
    items.push(Item::new(
        "failure mail",
        match cfg.email.clone() {
            None => Ok("EMAIL_SERVER not set: failures are only logged".into()),
            Some(m) => {
                tokio::task::spawn_blocking(move || crate::alert::mail::check(&m, timeout).map_err(|e| e.to_string()))
                    .await
                    .unwrap_or_else(|e| Err(format!("the check did not finish: {e}")))
            }
        },
    ));
    items
}

/// A folder exists (or can be made) and takes a file.
fn writable(dir: &std::path::Path) -> Result<String, String> {
    local::ensure_dir(dir, "REPORT_DIR").map_err(|e| format!("{e:#}"))?;
    tempfile::Builder::new()
        .prefix(".wfm-check.")
        .suffix(".part")
        .tempfile_in(dir)
        .map(|_| format!("{} is writable", dir.display()))
        .map_err(|e| format!("cannot write in {}: {e}", dir.display()))
}

/// The report as printed: one line per item.
pub fn render(items: &[Item]) -> String {
    let width = items.iter().map(|i| i.what.len()).max().unwrap_or(0);
    items
        .iter()
        .map(|i| match &i.result {
            Ok(m) => format!("{:<width$}  ok      {m}\n", i.what),
            Err(e) => format!("{:<width$}  FAILED  {e}\n", i.what),
        })
        .collect()
}
