//! What one run asks of each chat method: the query, a long skill list in parts, a long
//! agent list as a POST body.

use crate::config::IdSelection;
use crate::lp::model::Method;

/// What to ask for in one run.
#[derive(Debug, Clone)]
pub struct FetchPlan {
    pub timeframe: u32,
    pub skills: IdSelection,
    pub agents: IdSelection,
}

impl FetchPlan {
    /// The query of `method`, in the order it is sent.
    pub fn query(&self, method: Method, version: &str) -> Vec<(&'static str, String)> {
        let mut q = vec![
            ("timeframe", self.timeframe.to_string()),
            ("interval", "5".to_string()),
            ("v", version.to_string()),
        ];
        match method {
            Method::QueueHealth => q.push(("skillIds", self.skills.query_value())),
            // Always every agent: Q_ reports whole-queue totals, and LivePerson's
            // per-skill totals only cover the agents asked for. AQ_ rows are
            // limited to the configured agents after the fetch.
            Method::EngActivity => {
                q.push(("skillIds", self.skills.query_value()));
                q.push(("agentIds", "all".to_string()));
            }
            Method::AgentActivity => q.push(("agentIds", self.agents.query_value())),
            // Key Messaging Metrics takes a JSON body instead (`LpClient::kmm_page`);
            // Messaging Operations its own query (`lp::model::msgops`).
            Method::Metrics | Method::AgentView | Method::MsgSkillSegments | Method::MsgConversation => {}
        }
        q
    }

    /// The queries of `method`, one per request: one, or for a skill list too
    /// long for one URL, one per part of the list (queuehealth and engactivity
    /// take only GET; agentactivity's long agent list goes as a POST body
    /// instead). Each part's reply covers its own skills; the run merges them.
    pub(crate) fn queries(&self, method: Method, version: &str) -> Vec<Vec<(&'static str, String)>> {
        let whole = self.query(method, version);
        let IdSelection::List(skills) = &self.skills else {
            return vec![whole];
        };
        if method == Method::AgentActivity || encoded_len(&whole) <= MAX_QUERY_LEN {
            return vec![whole];
        }
        // Each id once (a part must not repeat another's skill), in the configured order.
        let mut seen = std::collections::HashSet::new();
        let ids: Vec<&String> = skills.iter().filter(|id| seen.insert(id.as_str())).collect();
        let with = |part: &[&String]| {
            let plan = FetchPlan {
                skills: IdSelection::List(part.iter().map(|s| s.to_string()).collect()),
                ..self.clone()
            };
            plan.query(method, version)
        };
        let mut parts: Vec<Vec<&String>> = vec![Vec::new()];
        for id in ids {
            let last = parts.last_mut().filter(|p| !p.is_empty());
            match last {
                Some(p) if encoded_len(&with(&[&p[..], &[id]].concat())) > MAX_QUERY_LEN => parts.push(vec![id]),
                Some(p) => p.push(id),
                // An id too long for a URL of its own still goes alone: LivePerson's refusal names it.
                None => parts[0].push(id),
            }
        }
        parts.iter().map(|p| with(p)).collect()
    }
}

/// Longest query sent in a URL (the URL stays under 2,000 bytes with any host):
/// longer agentactivity queries go as a POST body, longer skill lists in parts.
pub(super) const MAX_QUERY_LEN: usize = 1500;

/// A query's length once percent-encoded as it is sent (`,` is `%2C`).
pub(super) fn encoded_len(query: &[(&'static str, String)]) -> usize {
    let enc = |s: &str| {
        s.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                    1
                } else {
                    3
                }
            })
            .sum::<usize>()
    };
    query.iter().map(|(k, v)| enc(k) + enc(v) + 2).sum()
}

/// Whether `query` goes as a JSON body (a POST) rather than in the URL: a long
/// agent list does not fit a URL, and agentactivity takes it as a body instead
/// (not part of the OAuth 1.0a signature). Measured as sent, percent-encoded,
/// like the skill lists of [`FetchPlan::queries`].
pub(super) fn goes_as_body(method: Method, query: &[(&'static str, String)]) -> bool {
    method == Method::AgentActivity && encoded_len(query) > MAX_QUERY_LEN
}
