//! Key Messaging Metrics (messaging accounts, `docs/liveperson-messaging.md`):
//! the request bodies of `metrics` and `agent_view`, the paging rule, and the
//! reply shapes (only the members `wfm` uses). Pure.

use super::{nullable, Id, Num};
use crate::quarter::Quarter;
use crate::select::IdSelection;
use serde::Deserialize;
use serde_json::{json, Value};

/// Groups (skills) or records (agents) per page: KMM's largest `limit`.
pub(crate) const PAGE_LIMIT: u64 = 50;
/// `offset + limit` may not exceed this in one `agent_view` filter; also the
/// most ids one filter may list.
pub(crate) const AGENT_VIEW_CAP: u64 = 1000;

/// The `metrics` figures `wfm` asks for (snake_case in requests).
const METRICS: [&str; 8] = [
    "closed_conversations",
    "closed_by_agent",
    "closed_by_consumer",
    "auto_closed",
    "avg_wait_time",
    "avg_wait_time_first_response",
    "avg_time_to_response",
    "avg_time_to_first_response_first_assignment",
];

/// The `agent_view` figures `wfm` asks for.
const AGENT_METRICS: [&str; 8] = [
    "agent_login_duration",
    "agent_online_duration",
    "agent_status_duration",
    "agent_status_with_reason_duration",
    "closed_conversations",
    "transfers",
    "back_to_queue",
    "concluded_conversations",
];

/// `filters.time` of a quarter: [S, S + 15 min) in epoch milliseconds.
fn time_filter(q: Quarter) -> Value {
    json!({"from": q.start().timestamp_millis(), "to": q.end().timestamp_millis()})
}

/// The `metrics` body for quarter `q`, grouped by skill.
pub(crate) fn metrics_body(q: Quarter, skills: &IdSelection) -> Value {
    let mut filters = json!({"time": time_filter(q), "userTypes": ["HUMAN"]});
    if let IdSelection::List(ids) = skills {
        filters["skillIds"] = json!(ids);
    }
    json!({
        "filters": filters,
        "groupBy": "skillId",
        "responseSections": ["groupBy"],
        "metricsToRetrieveByTime": METRICS,
    })
}

/// The `agent_view` body for quarter `q`: `agents` is one batch of at most
/// [`AGENT_VIEW_CAP`] ids, or `None` for every agent. `OFFLINE` is always among
/// the statuses: without it KMM returns only agents logged in now, and an agent
/// who logged out before the run would be missing.
pub(crate) fn agent_view_body(q: Quarter, agents: Option<&[String]>) -> Value {
    let mut filters = json!({
        "time": time_filter(q),
        "userTypes": ["HUMAN"],
        "effectiveAgentStatus": ["ONLINE", "BACK_SOON", "AWAY", "OFFLINE"],
    });
    if let Some(ids) = agents {
        filters["agentIds"] = json!(ids);
    }
    json!({
        "filters": filters,
        "includeAgentMetadata": false,
        "metricsToRetrieveByTime": AGENT_METRICS,
    })
}

/// The agent filters of one quarter: every agent (`None`), or the listed ids
/// in batches of at most [`AGENT_VIEW_CAP`].
pub(crate) fn agent_batches(agents: &IdSelection) -> Vec<Option<Vec<String>>> {
    match agents {
        IdSelection::All => vec![None],
        IdSelection::List(ids) => ids.chunks(AGENT_VIEW_CAP as usize).map(|c| Some(c.to_vec())).collect(),
    }
}

/// The offset of the page after the one at `offset`, or `None` when the
/// pages are done: offsets rise by the limit until they reach `count`.
pub(crate) fn next_offset(offset: u64, count: u64) -> Option<u64> {
    let next = offset.checked_add(PAGE_LIMIT)?;
    (next < count).then_some(next)
}

/// Why the pages of one paging cannot be trusted (the quarter fails; a later
/// run asks again).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum PagingError {
    #[error(
        "the page at offset {offset} has no metadata.count (a reply of another shape, or an error page sent with 200)"
    )]
    NoCount { offset: u64 },
    #[error("the page at offset {offset} says metadata.count is {count}, which is not a count")]
    NegativeCount { offset: u64, count: i64 },
    #[error("the page at offset {offset} says metadata.count is {count}, the first page said {first}: the figures changed while being read")]
    CountChanged { offset: u64, count: u64, first: u64 },
    #[error("the page at offset {offset} has no {list} although metadata.count is {count}")]
    NoList {
        offset: u64,
        list: &'static str,
        count: u64,
    },
    #[error("the page at offset {offset} holds {rows} rows, more than the {PAGE_LIMIT} asked for")]
    TooLong { offset: u64, rows: usize },
    #[error(
        "the page at offset {offset} repeats {id:?} from an earlier page (the offset ignored, or the pages shifted)"
    )]
    Repeated { offset: u64, id: String },
    #[error("metadata.count is {count}, more than the {asked} agents asked for")]
    MoreThanAsked { count: u64, asked: u64 },
    #[error("the pages hold {rows} distinct rows but metadata.count is {count}")]
    Short { rows: usize, count: u64 },
}

/// One paging (a quarter's `metrics`, or one agent batch of `agent_view`),
/// checked page by page: `metadata.count` present, not negative and the same
/// on every page; each page a list, within the limit, of rows not seen before;
/// and after the last page exactly `count` distinct rows.
#[derive(Debug, Default)]
pub(crate) struct Paging {
    offset: u64,
    count: Option<u64>,
    seen: std::collections::HashSet<String>,
}

impl Paging {
    /// The offset of the next page to ask for.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// Takes the page at [`Paging::offset`]: its `metadata.count`, and the ids
    /// of its list (`None`: the list member absent or `null`, which only an
    /// empty paging may send). `list` names the member for errors. Returns
    /// whether another page follows.
    pub fn take<'a>(
        &mut self,
        count: Option<Num>,
        ids: Option<impl ExactSizeIterator<Item = &'a str>>,
        list: &'static str,
    ) -> Result<bool, PagingError> {
        let offset = self.offset;
        let count = match count {
            None => return Err(PagingError::NoCount { offset }),
            Some(Num(n)) => u64::try_from(n).map_err(|_| PagingError::NegativeCount { offset, count: n })?,
        };
        match self.count {
            Some(first) if first != count => return Err(PagingError::CountChanged { offset, count, first }),
            _ => self.count = Some(count),
        }
        let Some(ids) = ids else {
            return if count == 0 {
                Ok(false)
            } else {
                Err(PagingError::NoList { offset, list, count })
            };
        };
        if ids.len() as u64 > PAGE_LIMIT {
            return Err(PagingError::TooLong {
                offset,
                rows: ids.len(),
            });
        }
        let before = self.seen.len();
        for id in ids {
            if !self.seen.insert(id.to_string()) {
                return Err(PagingError::Repeated {
                    offset,
                    id: id.to_string(),
                });
            }
        }
        let rows = self.seen.len();
        // An empty page before the count is reached would end the paging short.
        let next = if rows == before {
            None
        } else {
            next_offset(offset, count)
        };
        match next {
            Some(n) => {
                self.offset = n;
                Ok(true)
            }
            None if rows as u64 == count => Ok(false),
            None => Err(PagingError::Short { rows, count }),
        }
    }
}

/// `metadata` of a page: `count` is `None` when absent or `null`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Metadata {
    /// Groups or records in all pages.
    pub count: Option<Num>,
}

/// One page of `metrics`.
#[derive(Debug, Deserialize)]
pub(crate) struct MetricsPage {
    #[serde(default, deserialize_with = "nullable")]
    pub metadata: Metadata,
    #[serde(rename = "groupBy", default, deserialize_with = "nullable")]
    pub group_by: GroupBy,
}

/// `groups` is `None` when absent or `null` (told apart from an empty list:
/// a page that says it has groups must list them).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct GroupBy {
    pub groups: Option<Vec<Group>>,
}

/// One skill's figures over the window.
#[derive(Debug, Clone, Deserialize)]
pub struct Group {
    pub key: Id,
    #[serde(default, deserialize_with = "nullable")]
    pub metrics: GroupMetrics,
}

/// Counts are whole numbers; averages are milliseconds, `None` when absent or `null`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct GroupMetrics {
    #[serde(deserialize_with = "nullable")]
    pub closed_conversations: Num,
    #[serde(deserialize_with = "nullable")]
    pub closed_by_agent: Num,
    #[serde(deserialize_with = "nullable")]
    pub closed_by_consumer: Num,
    #[serde(deserialize_with = "nullable")]
    pub auto_closed: Num,
    pub avg_wait_time: Option<f64>,
    pub avg_wait_time_first_response: Option<f64>,
    pub avg_time_to_response: Option<f64>,
    pub avg_time_to_first_response_first_assignment: Option<f64>,
}

/// One page of `agent_view`.
#[derive(Debug, Deserialize)]
pub(crate) struct AgentViewPage {
    #[serde(default, deserialize_with = "nullable")]
    pub metadata: Metadata,
    /// `None` when absent or `null`.
    #[serde(rename = "agentViewRecords", default)]
    pub records: Option<Vec<AgentRecord>>,
}

/// One agent's figures over the window; durations in milliseconds.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentRecord {
    pub agent_id: Id,
    #[serde(default, deserialize_with = "nullable")]
    pub login_duration: Num,
    #[serde(default, deserialize_with = "nullable")]
    pub closed_conversations: Num,
    /// `transfers`, `backToQueue`, `concludedConversations`: absent = 0.
    #[serde(default, deserialize_with = "nullable")]
    pub transfers: Num,
    #[serde(default, deserialize_with = "nullable")]
    pub back_to_queue: Num,
    #[serde(default, deserialize_with = "nullable")]
    pub concluded_conversations: Num,
    #[serde(default, deserialize_with = "nullable")]
    pub agent_status_duration_list: Vec<StatusDuration>,
    #[serde(default, deserialize_with = "nullable")]
    pub agent_status_with_reason_duration_list: Vec<StatusDuration>,
}

/// Time in one status (and, in the reason list, for one reason).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusDuration {
    #[serde(default, deserialize_with = "nullable")]
    pub agent_status: String,
    #[serde(default, deserialize_with = "nullable")]
    pub agent_status_reason_id: Option<Id>,
    #[serde(default, deserialize_with = "nullable")]
    pub agent_status_duration: Num,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quarter::testing::q;

    /// The contract's own examples, as bodies and replies.
    #[test]
    fn bodies_are_the_contracts() {
        let quarter = q("112526.0900");
        let b = metrics_body(quarter, &IdSelection::List(vec!["12".into(), "13".into()]));
        assert_eq!(
            b["filters"]["time"],
            json!({"from": 1795597200000i64, "to": 1795598100000i64})
        );
        assert_eq!(b["filters"]["skillIds"], json!(["12", "13"]));
        assert_eq!(b["groupBy"], "skillId");
        assert_eq!(b["metricsToRetrieveByTime"].as_array().unwrap().len(), 8);
        assert!(metrics_body(quarter, &IdSelection::All)["filters"]
            .get("skillIds")
            .is_none());
        let a = agent_view_body(quarter, None);
        assert!(a["filters"]["effectiveAgentStatus"]
            .as_array()
            .unwrap()
            .contains(&json!("OFFLINE")));
        assert!(a["filters"].get("agentIds").is_none());
        let ids = vec!["7".to_string()];
        assert_eq!(
            agent_view_body(quarter, Some(&ids))["filters"]["agentIds"],
            json!(["7"])
        );
    }

    #[test]
    fn pages_and_batches() {
        assert_eq!(next_offset(0, 2), None);
        assert_eq!(next_offset(0, 50), None);
        assert_eq!(next_offset(0, 51), Some(50));
        assert_eq!(next_offset(50, 120), Some(100));
        assert_eq!(next_offset(100, 120), None);
        assert_eq!(next_offset(u64::MAX - 10, u64::MAX), None);
        assert_eq!(agent_batches(&IdSelection::All), vec![None]);
        let ids: Vec<String> = (0..2001).map(|i| i.to_string()).collect();
        let batches = agent_batches(&IdSelection::List(ids));
        assert_eq!(
            batches.iter().map(|b| b.as_ref().unwrap().len()).collect::<Vec<_>>(),
            [1000, 1000, 1]
        );
    }

    #[test]
    fn replies_of_the_contract_parse() {
        let m: MetricsPage = serde_json::from_str(
            r#"{"metadata": {"count": 2, "self": {"rel": "self", "href": "x"}, "next": {"rel": "next", "href": "y"}},
                "groupBy": {"groupByField": "skillId", "groups": [
                  {"key": "12", "keyDescription": "Billing",
                   "metrics": {"closedConversations": 14, "closedByAgent": 9, "closedByConsumer": 3,
                               "autoClosed": 2, "avgWaitTime": 41250.5, "avgWaitTimeFirstResponse": 95000.0,
                               "avgTimeToResponse": 30500.25, "avgTimeToFirstResponseFirstAssignment": null}}]}}"#,
        )
        .unwrap();
        assert_eq!(m.metadata.count, Some(Num(2)));
        let g = &m.group_by.groups.as_ref().unwrap()[0];
        assert_eq!(g.key, Id("12".into()));
        assert_eq!(g.metrics.closed_conversations, Num(14));
        assert_eq!(g.metrics.avg_wait_time, Some(41250.5));
        assert_eq!(g.metrics.avg_time_to_first_response_first_assignment, None);
        let a: AgentViewPage = serde_json::from_str(
            r#"{"metadata": {"count": 1},
                "agentViewRecords": [
                  {"agentId": "2434634412", "agentGroupId": -1,
                   "loginDuration": 900000, "onlineDuration": 600000, "closedConversations": 3,
                   "agentStatusDurationList": [{"agentStatus": "ONLINE", "agentStatusDuration": 600000}],
                   "agentStatusWithReasonDurationList": [
                     {"agentStatus": "AWAY", "agentStatusReasonId": "17", "agentStatusDuration": 100000},
                     {"agentStatus": "AWAY", "agentStatusReasonId": "NA", "agentStatusDuration": 80000}]}]}"#,
        )
        .unwrap();
        let r = &a.records.as_ref().unwrap()[0];
        assert_eq!(r.agent_id, Id("2434634412".into()));
        assert_eq!(r.login_duration, Num(900000));
        assert_eq!(
            r.agent_status_with_reason_duration_list[1].agent_status_reason_id,
            Some(Id("NA".into()))
        );
        // An empty page, and nulls where lists or objects belong: told apart
        // from an empty list, so the paging can refuse them with a count.
        let e: MetricsPage = serde_json::from_str(r#"{"metadata": {"count": 0}, "groupBy": null}"#).unwrap();
        assert!(e.group_by.groups.is_none());
        let e: AgentViewPage = serde_json::from_str(r#"{"metadata": null, "agentViewRecords": null}"#).unwrap();
        assert!(e.records.is_none() && e.metadata.count.is_none());
        let e: AgentViewPage = serde_json::from_str(r#"{"metadata": {"count": 0}, "agentViewRecords": []}"#).unwrap();
        assert_eq!(e.records.map(|r| r.len()), Some(0));
    }

    /// Feeds pages of ids to a paging: `Ok(offsets asked)` or the first error.
    fn pages(pages: &[(Option<i64>, Option<Vec<String>>)]) -> Result<Vec<u64>, PagingError> {
        let mut p = Paging::default();
        let mut asked = vec![];
        for (count, ids) in pages {
            asked.push(p.offset());
            let more = p.take(
                count.map(Num),
                ids.as_ref().map(|v| v.iter().map(String::as_str)),
                "groupBy.groups",
            )?;
            if !more {
                return Ok(asked);
            }
        }
        panic!("more pages wanted after {asked:?}");
    }

    fn ids(r: std::ops::Range<u32>) -> Option<Vec<String>> {
        Some(r.map(|i| i.to_string()).collect())
    }

    #[test]
    fn honest_paging_ends_at_the_count() {
        assert_eq!(pages(&[(Some(0), None)]), Ok(vec![0]));
        assert_eq!(pages(&[(Some(0), ids(0..0))]), Ok(vec![0]));
        assert_eq!(pages(&[(Some(2), ids(0..2))]), Ok(vec![0]));
        assert_eq!(
            pages(&[
                (Some(120), ids(0..50)),
                (Some(120), ids(50..100)),
                (Some(120), ids(100..120))
            ]),
            Ok(vec![0, 50, 100])
        );
    }

    #[test]
    fn inconsistent_paging_is_refused() {
        use PagingError::*;
        let err = |p: &[(Option<i64>, Option<Vec<String>>)]| pages(p).unwrap_err();
        assert_eq!(err(&[(None, ids(0..2))]), NoCount { offset: 0 });
        assert_eq!(err(&[(Some(-3), ids(0..2))]), NegativeCount { offset: 0, count: -3 });
        assert_eq!(
            err(&[(Some(101), None)]),
            NoList {
                offset: 0,
                list: "groupBy.groups",
                count: 101
            }
        );
        assert_eq!(err(&[(Some(120), ids(0..0))]), Short { rows: 0, count: 120 });
        // Page 1 served for every offset.
        assert_eq!(
            err(&[(Some(120), ids(0..50)), (Some(120), ids(0..50))]),
            Repeated {
                offset: 50,
                id: "0".into()
            }
        );
        // The count shrinking, or growing, between pages.
        assert_eq!(
            err(&[(Some(120), ids(0..50)), (Some(100), ids(50..100))]),
            CountChanged {
                offset: 50,
                count: 100,
                first: 120
            }
        );
        // Fewer rows than the count, or more.
        assert_eq!(err(&[(Some(40), ids(0..30))]), Short { rows: 30, count: 40 });
        assert_eq!(err(&[(Some(2), ids(0..3))]), Short { rows: 3, count: 2 });
        assert_eq!(
            err(&[
                (Some(120), ids(0..50)),
                (Some(120), ids(50..60)),
                (Some(120), ids(100..120))
            ]),
            Short { rows: 80, count: 120 }
        );
        assert_eq!(err(&[(Some(80), ids(0..51))]), TooLong { offset: 0, rows: 51 });
        assert_eq!(
            err(&[(Some(3), Some(vec!["7".into(), "7".into(), "8".into()]))]),
            Repeated {
                offset: 0,
                id: "7".into()
            }
        );
        let e = err(&[(Some(2), Some(vec!["1\u{1}".into(), "1\u{1}".into()]))]).to_string();
        assert!(e.contains(r#""1\u{1}""#), "escaped: {e}");
    }
}
