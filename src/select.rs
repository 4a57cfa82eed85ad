//! Which ids a run asks LivePerson for, and what happens to agents without an
//! employee id: leaf types of the pure core (`aggregate`), set by the config.

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
