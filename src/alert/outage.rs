//! One mail per outage: the first failing run of a streak mails the operators,
//! later failing runs of the same streak only log, and the first good run after
//! it mails "recovered" with what was caught up. The streak lives in the state file.
//! A failing `rerun`, or a run that could not read its state, mails on its own.

use super::mail;
use super::policy::{decide, Action};
use crate::config::{Config, EmailConfig};
use crate::outcome::{FailureKind, RunSummary};
use crate::state::State;
use chrono::{DateTime, Utc};
use std::time::Instant;
use tracing::{error, info};

/// Timeout of the SMTP connection and of each reply (capped by the mail's deadline).
const MAIL_TIMEOUT_SECONDS: u64 = 30;

/// After a `loop`: one mail per outage (see [`decide`]); the streak is kept in `st`.
/// The mail must be over by `until` (the run's deadline gives it what is left).
/// `ftp` is the run's delivery mode (`push`/`pull`), for the mail's rerun hint.
pub(crate) async fn notify_loop(
    cfg: &Config,
    now: DateTime<Utc>,
    summary: &RunSummary,
    st: &mut State,
    until: Instant,
    ftp: &str,
) {
    // Cron mails what a run prints: only news reaches stderr (a first failure,
    // new lost quarters, a recovery), never the repeats of a known outage.
    let first_failure = st.outage.is_none();
    let (outage, action) = decide(
        st.outage.take(),
        now,
        &summary.failures(),
        &summary.errored_quarters(),
        !summary.lost.is_empty(),
    );
    st.outage = outage;
    let news = match &action {
        Action::MailFailure => first_failure || !summary.lost.is_empty(),
        Action::AlreadyMailed { .. } => !summary.lost.is_empty(),
        Action::Recovered(_) | Action::Nothing => true,
    };
    if !news {
        info!("this failure continues a known outage: this run prints nothing (cron had the first failure)");
    }
    crate::logging::release_stderr(news);
    match action {
        Action::Nothing => {}
        Action::AlreadyMailed { since } => info!(
            "failure mail for this outage (since {}) was sent already",
            since.format("%Y-%m-%d %H:%M UTC")
        ),
        Action::MailFailure => {
            if mail_failure(cfg, "wfm loop", summary, until, ftp).await {
                if let Some(o) = st.outage.as_mut() {
                    o.mailed = true;
                }
            }
        }
        Action::Recovered(outage) => {
            // One line, whatever the debug level: cron mails the recovery once.
            crate::logging::say(&format!(
                "wfm: recovered: delivering again after the failures since {}",
                outage.since.format("%Y-%m-%d %H:%M UTC")
            ));
            let (Some(mail_cfg), true) = (mail_config(cfg), outage.mailed) else {
                return;
            };
            let caught_up: Vec<String> = summary.quarters.iter().map(|q| format!("  {}", q.quarter)).collect();
            // The operator's subject ("wfm: report failure") would read oddly with
            // "recovered" after it: the news comes first.
            let subject = format!("RECOVERED: {}", mail_cfg.subject);
            let body = format!(
                "`wfm loop` on {} succeeded again.\n\nFailing since: {} ({} on this host)\nLast failure: {}\n\nDelivered in this run (caught up):\n{}\n",
                host_name(),
                outage.since.format("%Y-%m-%d %H:%M UTC"),
                outage.since.with_timezone(&chrono::Local).format("%Y-%m-%d %H:%M %:z"),
                outage.last_error,
                if caught_up.is_empty() { "  (nothing was pending)".to_string() } else { caught_up.join("\n") },
            );
            send_mail(mail_cfg, subject, body, until).await;
        }
    }
}

/// EMAIL_SUBJECT with the account after it (`wfm: report failure (account 12345678)`):
/// one host may run many accounts, and their mails share a subject. Every mail a run
/// sends (failure, recovery, notice) goes through here.
fn mail_config(cfg: &Config) -> Option<EmailConfig> {
    cfg.email.clone().map(|mut m| {
        m.subject = with_account(&m.subject, &cfg.account);
        m
    })
}

/// `subject (account N)` (pure).
fn with_account(subject: &str, account: &str) -> String {
    format!("{subject} (account {account})")
}

/// Mail the operators something they must know although the run went on (a
/// damaged state file that was recovered). Returns whether the mail went out.
pub(crate) async fn mail_notice(cfg: &Config, what: &str, text: &str, until: Instant) -> bool {
    let Some(mail_cfg) = mail_config(cfg) else {
        return false;
    };
    let subject = format!("{}: {what}", mail_cfg.subject);
    let body = format!(
        "`wfm` on {} went on, but needs a look:\n\n{text}\n\nLog file: {}\n\n-- \nSent by wfm (LivePerson -> NICE WFM reports).\n",
        host_name(),
        crate::logging::current_log_file(&cfg.log_dir).display()
    );
    send_mail(mail_cfg, subject, body, until).await
}

/// The failures, and the log file's own failure when this run lost log lines
/// (a full LOG_DIR): the mail may be the only record of the run.
fn with_log_failure(what: String) -> String {
    match crate::logging::write_failure() {
        Some(w) => format!("{what}\nAlso: {w}"),
        None => what,
    }
}

/// Mail the operators about a failed run, when mail is configured: `rerun`
/// (each failing rerun is its own event, outside `loop`'s streak), a run that
/// failed before it could read the state, and the first run of a `loop` outage.
/// Returns whether the mail went out; it must be over by `until`.
pub(crate) async fn mail_failure(cfg: &Config, command: &str, summary: &RunSummary, until: Instant, ftp: &str) -> bool {
    let failures = summary.failures();
    let Some(mail_cfg) = mail_config(cfg) else {
        return false;
    };
    if failures.is_empty() {
        return false;
    }
    let keeps = cfg.channel.reach().describe();
    let report = mail::FailureReport {
        command: command.to_string(),
        quarters: summary.failed_quarters(),
        what_failed: with_log_failure(failures.join("\n")),
        hint: failure_hint(summary, &keeps),
        host: host_name(),
        log_file: std::path::absolute(crate::logging::current_log_file(&cfg.log_dir)).ok(),
        config: std::path::absolute(&cfg.source).ok(),
        rebuildable: summary.errored_quarters(),
        ftp: Some(ftp.to_string()),
        keeps,
        partial: summary.partial_quarters(),
    };
    let (subject, body) = mail::compose(&mail_cfg, &report);
    send_mail(mail_cfg, subject, body, until).await
}

/// Send a mail off the async runtime; a mail that cannot be sent is logged and
/// never hides the failure it reports.
/// The blocking send stops by itself at `until` (see [`mail::Bounds`]).
async fn send_mail(mail_cfg: EmailConfig, subject: String, body: String, until: Instant) -> bool {
    let bounds = mail::Bounds::new(std::time::Duration::from_secs(MAIL_TIMEOUT_SECONDS), until);
    let to = mail_cfg.to.clone();
    match tokio::task::spawn_blocking(move || mail::send(&mail_cfg, &subject, &body, bounds)).await {
        Ok(Ok(())) => {
            info!("mail sent to {to}");
            true
        }
        Ok(Err(e)) if e.is_deadline() => {
            error!(
                "the mail to {to} could not be sent: {e}. The failure mail stopped at the run's deadline (RUN_TIMEOUT_SECONDS bounds the mail too)"
            );
            false
        }
        Ok(Err(e)) => {
            error!("the mail to {to} could not be sent: {e}");
            false
        }
        Err(e) => {
            error!("the mail to {to} could not be sent: {e}");
            false
        }
    }
}

/// What to try, from what failed.
fn failure_hint(summary: &RunSummary, keeps: &str) -> String {
    let kinds = summary.kinds();
    let mut hint = String::new();
    if kinds.contains(&FailureKind::Refused) {
        hint.push_str(
            "LivePerson refused the credentials: check the LP_* keys, the application's privileges and, for OAuth 1.0a app keys, this machine's clock (wfm check tests them). ",
        );
    } else if kinds.contains(&FailureKind::Upload) {
        hint.push_str(
            "The files are kept locally (the error names the folder); check the FTP server (wfm check logs in to it). ",
        );
    } else if !summary.lost.is_empty() {
        hint.push_str(&format!("Lost quarters cannot be rebuilt: LivePerson keeps {keeps}. "));
    }
    hint.push_str(&format!(
        "wfm retries on its next run from cron and catches up every quarter LivePerson still serves ({keeps}); run `wfm check` to test the config, LivePerson, FTP and mail."
    ));
    hint
}

/// This machine's name, for mails.
fn host_name() -> String {
    hostname::get()
        .ok()
        .and_then(|h| h.into_string().ok())
        .unwrap_or_else(|| "this host".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quarter::testing::q;

    #[test]
    fn the_hint_says_how_long_the_channel_keeps_its_data() {
        let mut summary = RunSummary::default();
        summary.lost.insert(q("112426.1000"));
        let hint = failure_hint(&summary, "14 days");
        assert!(
            hint.contains("Lost quarters cannot be rebuilt: LivePerson keeps 14 days."),
            "{hint}"
        );
        assert!(hint.contains("still serves (14 days)"), "{hint}");
    }
}
