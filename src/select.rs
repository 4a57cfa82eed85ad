//! Which ids a run asks LivePerson for, and what happens to agents without an
//! employee id: leaf types of the pure core (`aggregate`), set by the config.

/// FILE_STAMP, set by the config (which reaches `quarter` through here).
pub use crate::quarter::FileStamp;

/// Which ids to ask LivePerson for: every id, or a configured list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdSelection {
    All,
    List(Vec<String>),
}

impl IdSelection {
    /// The `skillIds`/`agentIds` query value.
    pub fn query_value(&self) -> String {
        match self {
            IdSelection::All => "all".to_string(),
            IdSelection::List(ids) => ids.join(","),
        }
    }
    pub fn contains(&self, id: &str) -> bool {
        match self {
            IdSelection::All => true,
            IdSelection::List(ids) => ids.iter().any(|i| i == id),
        }
    }
}

/// UNMAPPED_AGENTS: agents missing from the agent map are kept under their
/// LivePerson id, or left out of AQ_ and AS_.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnmappedAgents {
    Keep,
    Skip,
}

/// LP_CHANNEL: which LivePerson product the account's statistics come from,
/// and so which source builds its quarters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Channel {
    /// The chat Operational Realtime methods: `Q_`, `AQ_`, `AS_` over 24 hours.
    #[default]
    Chat,
    /// Key Messaging Metrics: `Q_` and `AS_` (`channel="messaging"`) over 14 days.
    Messaging,
}

impl Channel {
    /// The value of LP_CHANNEL, as operators write it.
    pub fn name(self) -> &'static str {
        match self {
            Channel::Chat => "chat",
            Channel::Messaging => "messaging",
        }
    }

    /// How far back this channel's LivePerson API serves a whole quarter.
    pub fn reach(self) -> crate::quarter::Reach {
        match self {
            Channel::Chat => crate::quarter::Reach::Timeframe,
            Channel::Messaging => crate::quarter::Reach::Days(crate::quarter::KMM_REACH_DAYS),
        }
    }
}
