//! After a run (not a dry run): the Prometheus textfile (METRICS_FILE) and the
//! dead man's switch ping (PING_URL). Neither changes the run's result: a
//! failure is a warning in the log.

use crate::config::Config;
use crate::job::Job;
use crate::lp::retry::Asked;
use crate::outcome::RunSummary;
use crate::textfile::{metrics_target, MetricsTarget};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::path::Path;
use tracing::{debug, warn};

use crate::net::PING_TIMEOUT;

/// What one run reports.
pub struct RunReport<'a> {
    pub job: &'a Job,
    pub summary: &'a RunSummary,
    /// The run's time (the logical clock).
    pub now: DateTime<Utc>,
    /// The outage streak is on after this run.
    pub outage: bool,
}

impl RunReport<'_> {
    fn job_label(&self) -> &'static str {
        match self.job {
            Job::Loop => "loop",
            Job::Rerun { .. } => "rerun",
        }
    }
}

/// The metrics, in file order: name, help.
const METRICS: &[(&str, &str)] = &[
    (
        "wfm_last_run_timestamp_seconds",
        "When the last run ran (Unix time, the run's clock).",
    ),
    (
        "wfm_last_success_timestamp_seconds",
        "When the last successful run ran (Unix time); 0 if none yet.",
    ),
    ("wfm_quarters_delivered", "Quarters the last run delivered."),
    (
        "wfm_quarters_lost",
        "Quarters the last run found lost (out of LivePerson's window, never delivered).",
    ),
    (
        "wfm_requests",
        "Requests the last run sent to LivePerson (data and token, retries included).",
    ),
    ("wfm_retries", "Retries of the last run."),
    ("wfm_run_duration_seconds", "How long the last run took."),
    ("wfm_outage", "1 while runs keep failing (the outage streak), else 0."),
    // After the first eight, so a file's beginning stays as it was before them.
    (
        PARTIAL,
        "Quarters the last run delivered partial (messaging beyond Messaging Operations' 24 h: Q_ and AS_ only); 0 on chat.",
    ),
    (
        BY_METHOD,
        "Requests the last run sent to LivePerson, by method (token: OAuth 2.0 token requests); they add up to wfm_requests.",
    ),
];

const PARTIAL: &str = "wfm_quarters_partial";
/// The one metric with a `method` label.
const BY_METHOD: &str = "wfm_method_requests";

const JOBS: [&str; 2] = ["loop", "rerun"];

/// A sample's key: metric, job, account, method (empty but for [`BY_METHOD`]).
type Key = (String, String, String, String);

/// One sample line `name{job="loop",account="123"} value` (pure), and
/// `wfm_method_requests{job="loop",account="123",method="metrics"} value`. A line of the
/// format before accounts (`name{job="loop"} value`) is read as `account`'s: the
/// last success survives the upgrade. Anything else is not a sample of wfm's.
fn parse_sample(line: &str, account: &str) -> Option<(Key, String)> {
    let (name, rest) = line.split_once('{')?;
    let (labels, value) = rest.split_once('}')?;
    let (mut job, mut acct, mut method) = (None, None, None);
    for label in labels.split(',') {
        let (k, v) = label.split_once('=')?;
        let v = v.strip_prefix('"')?.strip_suffix('"')?;
        match k {
            "job" => job = Some(v),
            "account" => acct = Some(v),
            "method" => method = Some(v),
            _ => return None,
        }
    }
    // Only what wfm writes comes back: the file stays valid Prometheus text.
    let value = value.trim();
    let digits = |a: &str| !a.is_empty() && a.bytes().all(|b| b.is_ascii_digit());
    // A method's name (a path segment or `token`) needs no escape in a label value.
    let method_name = |m: &str| !m.is_empty() && m.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
    if name.is_empty() || value.parse::<f64>().is_err() || acct.is_some_and(|a| !digits(a)) {
        return None;
    }
    // The method label on its metric only, and always there.
    match method {
        Some(m) if name != BY_METHOD || !method_name(m) => return None,
        None if name == BY_METHOD => return None,
        _ => {}
    }
    Some((
        (
            name.to_string(),
            job?.to_string(),
            acct.unwrap_or(account).to_string(),
            method.unwrap_or_default().to_string(),
        ),
        value.to_string(),
    ))
}

/// The samples of a textfile: (metric, job, account, method) to value, as written (pure).
fn parse_samples(text: &str, account: &str) -> BTreeMap<Key, String> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| parse_sample(l, account))
        .collect()
}

/// The textfile after this run: this job's samples of `account` replaced, the
/// other job's and other accounts' kept from `previous` (a file shared by
/// instances loses none), and this job's last success kept when it failed (pure).
/// LP_ACCOUNT is digits (config checks it): a label value needing no escape.
/// `methods` are the `method` series this run always writes (its channel's methods,
/// the token with OAuth 2.0), 0 when not asked; any other it asked is added.
pub fn render(previous: &str, r: &RunReport<'_>, account: &str, methods: &[&str]) -> String {
    let mut samples = parse_samples(previous, account);
    let job = r.job_label();
    let key = |name: &str| (name.to_string(), job.to_string(), account.to_string(), String::new());
    let ts = r.now.timestamp().to_string();
    let delivered = r.summary.quarters.iter().filter(|q| q.error.is_none()).count();
    let last_success = if r.summary.ok() {
        ts.clone()
    } else {
        samples
            .get(&key("wfm_last_success_timestamp_seconds"))
            .cloned()
            .unwrap_or_else(|| "0".into())
    };
    let values = [
        ts,
        last_success,
        delivered.to_string(),
        r.summary.lost.len().to_string(),
        r.summary.requests.to_string(),
        r.summary.retries.to_string(),
        format!("{:.3}", r.summary.seconds),
        u8::from(r.outage).to_string(),
        r.summary.partial().to_string(),
    ];
    // BY_METHOD, the last of METRICS, has a sample per method (below).
    for ((name, _), v) in METRICS.iter().zip(values) {
        samples.insert(key(name), v);
    }
    // This job's series of the previous run go: a method not asked now must not linger.
    samples.retain(|(n, j, a, _), _| !(n == BY_METHOD && j == job && a == account));
    let asked = |m: &str| r.summary.by_method.iter().find(|(n, _)| *n == m).map_or(0, |(_, c)| *c);
    let extra = r.summary.by_method.iter().map(|(m, _)| *m);
    for m in methods.iter().copied().chain(extra) {
        let k = (
            BY_METHOD.to_string(),
            job.to_string(),
            account.to_string(),
            m.to_string(),
        );
        samples.insert(k, asked(m).to_string());
    }
    let mut out = String::new();
    for (name, help) in METRICS {
        out += &format!("# HELP {name} {help}\n# TYPE {name} gauge\n");
        for j in JOBS {
            for ((n, sj, a, m), v) in &samples {
                if n == name && sj == j {
                    let method = if m.is_empty() {
                        String::new()
                    } else {
                        format!(",method=\"{m}\"")
                    };
                    out += &format!("{name}{{job=\"{j}\",account=\"{a}\"{method}}} {v}\n");
                }
            }
        }
    }
    out
}

/// The `method` series a run of this config always writes (pure but for the config).
fn methods_of(cfg: &Config) -> Vec<&'static str> {
    let oauth2 = matches!(cfg.auth, crate::config::LpAuth::OAuth2(_));
    Asked::of_channel(cfg.channel, oauth2)
        .into_iter()
        .map(Asked::name)
        .collect()
}

/// Write METRICS_FILE atomically; a failure is a warning.
fn write_metrics(path: &Path, r: &RunReport<'_>, account: &str, methods: &[&str]) {
    match metrics_target(path) {
        Ok(MetricsTarget::File) => {}
        Ok(MetricsTarget::Off) => {
            debug!("METRICS_FILE is the null device: no metrics written");
            return;
        }
        Err(e) => {
            warn!("{e}; no metrics written");
            return;
        }
    }
    // Read without blocking and only from a regular file (checked above, and again on the handle).
    let previous = crate::atomic::read_capped(path, METRICS_MAX_BYTES)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    let text = render(&previous, r, account, methods);
    let (dir, name) = match (path.parent(), path.file_name().and_then(|n| n.to_str())) {
        (Some(d), Some(n)) => (if d.as_os_str().is_empty() { Path::new(".") } else { d }, n),
        _ => {
            warn!("METRICS_FILE {} is not a file path; no metrics written", path.display());
            return;
        }
    };
    match crate::atomic::write_atomic(dir, name, text.as_bytes()) {
        Ok(_) => debug!("metrics written to {}", path.display()),
        Err(e) => warn!("cannot write METRICS_FILE {}: {e:#}", path.display()),
    }
}

/// The failure ping of PING_URL: `/fail` appended to its path, its query kept
/// (`https://h/ping?key=abc` → `https://h/ping/fail?key=abc`).
fn fail_url(base: &str) -> String {
    match reqwest::Url::parse(base) {
        Ok(mut url) => {
            let path = url.path().trim_end_matches('/').to_string();
            url.set_path(&format!("{path}/fail"));
            url.set_fragment(None);
            url.to_string()
        }
        Err(_) => format!("{base}/fail"),
    }
}

/// The most of a previous METRICS_FILE read back (its own is under 2 KiB).
const METRICS_MAX_BYTES: u64 = 1 << 20;

/// GET PING_URL (success) or PING_URL/fail (failure); a failure is a warning.
async fn ping(base: &str, ok: bool) {
    let url = if ok { base.to_string() } else { fail_url(base) };
    let what = if ok { "PING_URL" } else { "PING_URL/fail" };
    let client = match crate::net::http_client(crate::net::Http {
        timeout: PING_TIMEOUT,
        connect_timeout: PING_TIMEOUT,
        // A monitor may move its ping URL; nothing secret goes with a ping.
        follow_redirects: true,
    }) {
        Ok(c) => c,
        Err(e) => {
            warn!("cannot ping {what}: {e}");
            return;
        }
    };
    match client.get(&url).send().await {
        Ok(r) if r.status().is_success() => debug!("pinged {what}"),
        Ok(r) => warn!(
            "the ping of {what} was answered HTTP {}; the run's result stands",
            r.status()
        ),
        Err(e) => warn!("cannot ping {what}: {}; the run's result stands", e.without_url()),
    }
}

/// The metrics file of one run, and the ping of a `loop`. A rerun never pings:
/// PING_URL watches the cron loop, which a good rerun by hand does not prove alive
/// (and a failed one must not page for). Its metrics carry `job="rerun"`.
pub async fn after_run(cfg: &Config, r: &RunReport<'_>) {
    if let Some(path) = &cfg.metrics_file {
        write_metrics(path, r, &cfg.account, &methods_of(cfg));
    }
    if let (Some(url), Job::Loop) = (&cfg.ping_url, r.job) {
        ping(url, r.summary.ok()).await;
    }
}

#[cfg(test)]
mod tests;
