//! The Key Messaging Metrics figures of a window, as the truth the tests compare against:
//! per skill ([`KmmSkill`], averages as [`KmmAvg`]) and per agent ([`KmmAgent`]: statuses,
//! reasons, moves).

use super::kmm_moves::KmmMoves;

/// An agent status as KMM names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KmmStatus {
    Online,
    BackSoon,
    Away,
    Offline,
}

impl KmmStatus {
    pub const ALL: [KmmStatus; 4] = [
        KmmStatus::Online,
        KmmStatus::BackSoon,
        KmmStatus::Away,
        KmmStatus::Offline,
    ];

    /// `ONLINE`, `BACK_SOON`, `AWAY`, `OFFLINE`.
    pub fn as_str(self) -> &'static str {
        match self {
            KmmStatus::Online => "ONLINE",
            KmmStatus::BackSoon => "BACK_SOON",
            KmmStatus::Away => "AWAY",
            KmmStatus::Offline => "OFFLINE",
        }
    }

    pub fn parse(s: &str) -> Option<KmmStatus> {
        KmmStatus::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// An average of `metrics` as the reply carries it. "No data" (no conversation in the
/// window contributed to the average) is sent in one of three ways, chosen
/// deterministically per (skill, window, metric).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum KmmAvg {
    /// Milliseconds (a float, often with a fractional part).
    Ms(f64),
    /// No data: `null`.
    Null,
    /// No data: the key is left out.
    Absent,
    /// No data: `-1`.
    Negative,
}

impl KmmAvg {
    /// The average in ms, `None` for no data.
    pub fn ms(self) -> Option<f64> {
        match self {
            KmmAvg::Ms(v) => Some(v),
            _ => None,
        }
    }

    /// Whole seconds, rounded half up (41500.0 ms → 42), `None` for no data.
    pub fn secs_half_up(self) -> Option<i64> {
        self.ms().map(|v| ((v + 500.0) / 1000.0).floor() as i64)
    }
}

/// One group of a `metrics` reply (groupBy skillId): the truth for one skill and window.
#[derive(Debug, Clone, PartialEq)]
pub struct KmmSkill {
    /// `key`.
    pub skill_id: String,
    /// `keyDescription`.
    pub name: String,
    /// `closedConversations` = closed_by_agent + closed_by_consumer + auto_closed (> 0).
    pub closed_conversations: i64,
    pub closed_by_agent: i64,
    pub closed_by_consumer: i64,
    pub auto_closed: i64,
    pub avg_wait_time: KmmAvg,
    pub avg_wait_time_first_response: KmmAvg,
    pub avg_time_to_response: KmmAvg,
    pub avg_time_to_first_response_first_assignment: KmmAvg,
}

impl KmmSkill {
    /// The four averages with their reply names, in the reply's order.
    pub fn averages(&self) -> [(&'static str, KmmAvg); 4] {
        [
            ("avgWaitTime", self.avg_wait_time),
            ("avgWaitTimeFirstResponse", self.avg_wait_time_first_response),
            ("avgTimeToResponse", self.avg_time_to_response),
            (
                "avgTimeToFirstResponseFirstAssignment",
                self.avg_time_to_first_response_first_assignment,
            ),
        ]
    }
}

/// An entry of `agentStatusDurationList`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KmmStatusDuration {
    pub status: KmmStatus,
    /// ms, > 0.
    pub duration: i64,
}

/// An entry of `agentStatusWithReasonDurationList`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KmmReasonDuration {
    /// AWAY or BACK_SOON.
    pub status: KmmStatus,
    /// A numeric string, or [`KMM_NO_REASON`] (`"NA"`).
    pub reason_id: String,
    /// ms, > 0.
    pub duration: i64,
}

/// One record of an `agent_view` reply: the truth for one agent and window. All durations
/// are whole milliseconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KmmAgent {
    pub agent_id: String,
    /// `agentGroupId` (-1 for some agents).
    pub agent_group_id: i64,
    /// `loginDuration` = ONLINE + BACK_SOON + AWAY (> 0, at most the window's length).
    pub login_duration: i64,
    /// `onlineDuration` = the ONLINE time.
    pub online_duration: i64,
    pub closed_conversations: i64,
    /// `agentStatusDurationList`: ONLINE, BACK_SOON, AWAY in that order, states with no
    /// time left out.
    pub status_durations: Vec<KmmStatusDuration>,
    /// `agentStatusWithReasonDurationList`: one entry per (status, reason) in order of first
    /// occurrence in the window. AWAY entries sum to the AWAY time, BACK_SOON entries to the
    /// BACK_SOON time; ONLINE has none.
    pub reason_durations: Vec<KmmReasonDuration>,
    /// `transfers`, `backToQueue`, `concludedConversations` ([`KmmMoves`]).
    pub moves: KmmMoves,
}

impl KmmAgent {
    /// Time in `status` (0 when absent from the list).
    pub fn status_duration(&self, status: KmmStatus) -> i64 {
        self.status_durations
            .iter()
            .filter(|d| d.status == status)
            .map(|d| d.duration)
            .sum()
    }
}
