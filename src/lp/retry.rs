//! How LivePerson requests are retried: which failures, how long to wait, and
//! one budget for the whole run; the run's request and retry counts.

use super::model::Method;
use super::LpError;
use crate::select::Channel;
use chrono::{DateTime, Utc};
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// What one counted request asked LivePerson for: a data method, or an OAuth 2.0
/// token (Domain API lookups are not counted: a service is looked up once a run).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Asked {
    Data(Method),
    Token,
}

/// The order requests are reported in, by the name operators see (a method's
/// path, `token`): chat, then messaging as a run asks them, then the token.
pub const ASKED: [Asked; 8] = [
    Asked::Data(Method::QueueHealth),
    Asked::Data(Method::EngActivity),
    Asked::Data(Method::AgentActivity),
    Asked::Data(Method::MsgSkillSegments),
    Asked::Data(Method::MsgConversation),
    Asked::Data(Method::Metrics),
    Asked::Data(Method::AgentView),
    Asked::Token,
];

impl Asked {
    /// The name in the log and METRICS_FILE's `method` label.
    pub fn name(self) -> &'static str {
        match self {
            Asked::Data(m) => m.path(),
            Asked::Token => "token",
        }
    }

    /// Its place in [`ASKED`]; a match, so a new method cannot go uncounted.
    fn index(self) -> usize {
        match self {
            Asked::Data(Method::QueueHealth) => 0,
            Asked::Data(Method::EngActivity) => 1,
            Asked::Data(Method::AgentActivity) => 2,
            Asked::Data(Method::MsgSkillSegments) => 3,
            Asked::Data(Method::MsgConversation) => 4,
            Asked::Data(Method::Metrics) => 5,
            Asked::Data(Method::AgentView) => 6,
            Asked::Token => 7,
        }
    }

    /// What a run of `channel` may ask, whether or not it did: the series METRICS_FILE
    /// always carries (the token only with OAuth 2.0).
    pub fn of_channel(channel: Channel, oauth2: bool) -> Vec<Asked> {
        let data: &[Method] = match channel {
            Channel::Chat => &Method::ALL,
            Channel::Messaging => &[
                Method::MsgSkillSegments,
                Method::MsgConversation,
                Method::Metrics,
                Method::AgentView,
            ],
        };
        let token = oauth2.then_some(Asked::Token);
        data.iter().map(|m| Asked::Data(*m)).chain(token).collect()
    }
}

/// Requests and retries of a run, token requests included; requests also by what they asked.
#[derive(Debug, Default)]
pub struct Counters {
    requests: AtomicUsize,
    retries: AtomicUsize,
    asked: [AtomicUsize; ASKED.len()],
}

impl Counters {
    pub fn request(&self, asked: Asked) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        self.asked[asked.index()].fetch_add(1, Ordering::Relaxed);
    }
    /// The requests by what they asked, in [`ASKED`] order, those made only.
    pub fn by_method(&self) -> Vec<(&'static str, usize)> {
        ASKED
            .iter()
            .zip(&self.asked)
            .map(|(a, n)| (a.name(), n.load(Ordering::Relaxed)))
            .filter(|(_, n)| *n > 0)
            .collect()
    }
    pub fn retry(&self) {
        self.retries.fetch_add(1, Ordering::Relaxed);
    }
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::Relaxed)
    }
    pub fn retries(&self) -> usize {
        self.retries.load(Ordering::Relaxed)
    }
}

/// How failed requests are retried: 429 (honouring Retry-After), 5xx, connection
/// errors, timeouts and cut-off replies. Other 4xx are final.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Attempts per method, the first included.
    pub max_attempts: u32,
    /// First backoff; doubled on each retry, plus up to 25 % jitter.
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// The whole run's budget, shared by the Domain API lookup and the three
    /// methods: no retry starts unless its wait and its own timeout end within
    /// it, so a run ends well inside its 15 minutes.
    pub budget: Duration,
    /// The timeout of one attempt (LP_TIMEOUT_SECONDS).
    pub attempt_timeout: Duration,
    /// When the run's first request started; clones share it.
    pub started: std::time::Instant,
    /// The run's deadline for LivePerson: no retry starts unless its wait and
    /// its own timeout end before it (the run also stops waiting there).
    pub deadline: Option<std::time::Instant>,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy::for_run(30)
    }
}

impl RetryPolicy {
    /// The policy of one run whose requests time out after `timeout_secs`.
    pub fn for_run(timeout_secs: u32) -> Self {
        RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(30),
            budget: Duration::from_secs(300),
            attempt_timeout: Duration::from_secs(timeout_secs.into()),
            started: std::time::Instant::now(),
            deadline: None,
        }
    }

    /// The same policy, whose retries end no later than `deadline`.
    pub fn until(self, deadline: std::time::Instant) -> Self {
        RetryPolicy {
            deadline: Some(deadline),
            ..self
        }
    }

    /// The wait before retry number `retry` (1-based), or `None` when the wait
    /// plus the retry's own timeout would pass the budget, `elapsed` after the start.
    fn delay(&self, retry: u32, retry_after: Option<Duration>, elapsed: Duration) -> Option<Duration> {
        let backoff = self
            .base_delay
            .saturating_mul(1u32 << (retry - 1).min(16))
            .min(self.max_delay);
        let jitter = backoff.mul_f64(fastrand::f64() * 0.25);
        let wait = retry_after.map_or(backoff + jitter, |r| r.max(backoff));
        let fits_deadline = self
            .deadline
            .is_none_or(|d| std::time::Instant::now() + wait + self.attempt_timeout <= d);
        (elapsed + wait + self.attempt_timeout <= self.budget && fits_deadline).then_some(wait)
    }

    /// Run `attempt` until it succeeds, fails for good, or the attempts or the
    /// budget run out. Retries are counted in `counters` when given.
    pub async fn retrying<T, F, Fut>(&self, counters: Option<&Counters>, mut attempt: F) -> Result<T, LpError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, LpError>>,
    {
        let mut n = 1;
        loop {
            let err = match attempt().await {
                Ok(v) => return Ok(v),
                Err(e) => e,
            };
            let Some(retry_after) = err.retry() else {
                return Err(err);
            };
            if n >= self.max_attempts {
                return Err(err);
            }
            let Some(wait) = self.delay(n, retry_after, self.started.elapsed()) else {
                return Err(err);
            };
            tracing::warn!(
                "{err}; retry {n} of {} in {:.1} s",
                self.max_attempts - 1,
                wait.as_secs_f64()
            );
            if let Some(c) = counters {
                c.retry();
            }
            tokio::time::sleep(wait).await;
            n += 1;
        }
    }
}

/// A Retry-After header: seconds, or an HTTP date (RFC 7231), as a wait from `now`.
pub(crate) fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = DateTime::parse_from_rfc2822(v).ok()?.with_timezone(&Utc);
    Some((at - now).to_std().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_honours_retry_after_and_stops_at_the_budget() {
        let p = RetryPolicy::default();
        let zero = Duration::ZERO;
        for (retry, base) in [(1, 1.0), (2, 2.0), (3, 4.0)] {
            let d = p.delay(retry, None, zero).unwrap().as_secs_f64();
            assert!(d >= base && d <= base * 1.25, "{retry}: {d}");
        }
        assert_eq!(
            p.delay(1, Some(Duration::from_secs(7)), zero),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            p.delay(10, None, zero).map(|d| d <= Duration::from_secs(38)),
            Some(true)
        );
        assert_eq!(p.delay(1, Some(Duration::from_secs(600)), zero), None);
        // The retry's own 30 s timeout must fit in the budget too.
        assert!(p.delay(1, None, Duration::from_secs(268)).is_some());
        assert_eq!(p.delay(1, None, Duration::from_secs(270)), None);
        let slow = RetryPolicy::for_run(300);
        assert_eq!(
            slow.delay(1, None, zero),
            None,
            "a 300 s timeout leaves no room for a retry"
        );
    }

    #[test]
    fn every_asked_has_its_own_place_in_the_order() {
        for (i, a) in ASKED.iter().enumerate() {
            assert_eq!(a.index(), i, "{}", a.name());
        }
    }

    #[test]
    fn requests_are_counted_by_what_they_asked_in_a_fixed_order() {
        let c = Counters::default();
        assert!(c.by_method().is_empty());
        for a in [
            Asked::Token,
            Asked::Data(Method::Metrics),
            Asked::Data(Method::MsgConversation),
            Asked::Data(Method::Metrics),
        ] {
            c.request(a);
        }
        assert_eq!(c.requests(), 4);
        assert_eq!(
            c.by_method(),
            vec![("msgconversation", 1), ("metrics", 2), ("token", 1)]
        );
        let names = |ch, oauth2| {
            Asked::of_channel(ch, oauth2)
                .into_iter()
                .map(Asked::name)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            names(Channel::Chat, false),
            ["queuehealth", "engactivity", "agentactivity"]
        );
        assert_eq!(
            names(Channel::Messaging, true),
            ["msgskillsegments", "msgconversation", "metrics", "agent_view", "token"]
        );
        // Every kind has its own slot.
        let mut seen: Vec<usize> = ASKED.iter().map(|a| a.index()).collect();
        seen.dedup();
        assert_eq!(seen, (0..ASKED.len()).collect::<Vec<_>>());
    }

    #[test]
    fn no_retry_ends_after_the_run_deadline() {
        let p = RetryPolicy::default().until(std::time::Instant::now() + Duration::from_secs(20));
        assert_eq!(
            p.delay(1, None, Duration::ZERO),
            None,
            "1 s + a 30 s timeout pass a 20 s deadline"
        );
        let p = RetryPolicy::default().until(std::time::Instant::now() + Duration::from_secs(120));
        assert!(p.delay(1, None, Duration::ZERO).is_some());
    }

    #[test]
    fn retry_after_in_seconds_or_as_an_http_date() {
        let now = DateTime::parse_from_rfc3339("2026-11-24T10:16:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(parse_retry_after(" 7 ", now), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("Tue, 24 Nov 2026 10:16:20 GMT", now),
            Some(Duration::from_secs(20))
        );
        assert_eq!(
            parse_retry_after("Tue, 24 Nov 2026 10:15:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-3", now), None);
    }
}
