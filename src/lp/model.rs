//! Typed leaves of the three Operational Realtime API replies (a skill's, an
//! agent's or a state's figures), read by the run's parse ([`compact`]) into
//! per-interval indexes keyed by the interval's END timestamp (the API does
//! not guarantee the list order). Only the members `wfm` uses are modelled;
//! everything else in a reply is ignored.

use serde::{Deserialize, Deserializer};

pub mod compact;
pub mod ids;
pub mod kmm;
pub mod msgops;
mod seeds;
mod split;
pub use compact::{read_reply, AgentInterval, EngInterval, IntervalRecords, QueueInterval, Wanted};
pub use ids::IdTable;

use std::collections::BTreeMap;
use std::fmt;

/// One of the LivePerson data methods: the three chat methods, and the two of
/// Key Messaging Metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Method {
    QueueHealth,
    EngActivity,
    AgentActivity,
    /// KMM `metrics` (per skill).
    Metrics,
    /// KMM `agent_view` (per agent).
    AgentView,
    /// Messaging Operations `msgskillsegments` (v=2, per skill and quarter).
    MsgSkillSegments,
    /// Messaging Operations `msgconversation` (v=1, per skill and agent, 5-minute buckets).
    MsgConversation,
}

impl Method {
    /// The three chat methods.
    pub(crate) const ALL: [Method; 3] = [Method::QueueHealth, Method::EngActivity, Method::AgentActivity];

    /// The path segment, which is also the name operators see in messages.
    pub fn path(self) -> &'static str {
        match self {
            Method::QueueHealth => "queuehealth",
            Method::EngActivity => "engactivity",
            Method::AgentActivity => "agentactivity",
            Method::Metrics => "metrics",
            Method::AgentView => "agent_view",
            Method::MsgSkillSegments => "msgskillsegments",
            Method::MsgConversation => "msgconversation",
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.path())
    }
}

/// A count or a duration in seconds. The API sends integers, but some accounts
/// send integral floats (`140.0`); both are accepted. `-1` is the API's "no data".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Num(pub i64);

impl<'de> Deserialize<'de> for Num {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Num;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a whole number")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Num, E> {
                Ok(Num(v))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Num, E> {
                i64::try_from(v)
                    .map(Num)
                    .map_err(|_| E::custom(format!("number {v} is too large")))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Num, E> {
                whole_f64(v)
                    .map(Num)
                    .ok_or_else(|| E::custom(format!("{v} is not a whole number")))
            }
        }
        d.deserialize_any(V)
    }
}

/// An integral float as the integer it is; `None` for a fraction, or beyond
/// 2^53, where floats are not exact integers any more.
fn whole_f64(v: f64) -> Option<i64> {
    (v.is_finite() && v.fract() == 0.0 && v.abs() <= 9_007_199_254_740_992.0).then_some(v as i64)
}

/// A chat figure (queuehealth, engactivity, agentactivity): a whole number
/// read as [`Num`] reads it, or [`Figure::NOT_WHOLE`], the mark of a number
/// that is not one (a fraction like 12.5, a float beyond 2^53 like 1e300, an
/// integer beyond i64). The mark is kept rather than refused so that only the
/// quarter whose interval holds it fails (in `aggregate`), not the whole reply
/// and with it every quarter of the run. Key Messaging Metrics and Messaging
/// Operations read [`Num`], which refuses such a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Figure(pub i64);

impl Figure {
    /// The mark: -2^63, itself a number no figure can be (any negative but -1
    /// fails its quarter), so a reply sending it is marked the same way.
    pub const NOT_WHOLE: Figure = Figure(i64::MIN);

    /// The whole number, `None` for [`Figure::NOT_WHOLE`].
    pub fn whole(self) -> Option<i64> {
        (self != Self::NOT_WHOLE).then_some(self.0)
    }
}

impl<'de> Deserialize<'de> for Figure {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Figure;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Figure, E> {
                Ok(Figure(v))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Figure, E> {
                Ok(i64::try_from(v).map_or(Figure::NOT_WHOLE, Figure))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Figure, E> {
                Ok(whole_f64(v).map_or(Figure::NOT_WHOLE, Figure))
            }
        }
        d.deserialize_any(V)
    }
}

/// Ids arrive as strings in maps but as numbers in some lists (`"id": 4`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Id(pub String);

impl<'de> Deserialize<'de> for Id {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Id;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an id (string or integer)")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Id, E> {
                Ok(Id(v.to_string()))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Id, E> {
                Ok(Id(v.to_string()))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Id, E> {
                Ok(Id(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

/// `null` in a member is treated like an absent member.
pub(crate) fn nullable<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

// ---- queuehealth ----

#[derive(Debug, Default, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct QueueHealthSkill {
    #[serde(deserialize_with = "nullable")]
    pub entered_q_eng: Figure,
    #[serde(deserialize_with = "nullable")]
    pub connected_eng: Figure,
    #[serde(deserialize_with = "nullable")]
    pub abandoned_eng: Figure,
    #[serde(deserialize_with = "nullable")]
    pub total_time_to_answer: Figure,
    #[serde(deserialize_with = "nullable")]
    pub total_time_to_abandon: Figure,
    pub max_queue_size: Option<Figure>,
    #[serde(deserialize_with = "nullable")]
    pub queue_size_sum: Figure,
    #[serde(deserialize_with = "nullable")]
    pub queue_size_count: Figure,
    pub max_available_slots: Option<Figure>,
    #[serde(deserialize_with = "nullable")]
    pub available_slots_sum: Figure,
    #[serde(deserialize_with = "nullable")]
    pub available_slots_count: Figure,
    // currentQueueSize/currentQueueState are not reported, so not modelled:
    // the docs' own example repeats the member, which a modelled field would refuse.
}

// ---- engactivity ----

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct EngMetrics {
    #[serde(deserialize_with = "nullable")]
    pub total_interactive_chats: Figure,
    #[serde(deserialize_with = "nullable")]
    pub total_non_interactive_chats: Figure,
    #[serde(deserialize_with = "nullable")]
    pub total_handling_time: Figure,
    #[serde(deserialize_with = "nullable")]
    pub non_interactive_total_handling_time: Figure,
    #[serde(deserialize_with = "nullable")]
    pub connected_engagements: Figure,
}

// ---- agentactivity ----

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct AgentState {
    pub id: Num,
    #[serde(deserialize_with = "nullable", default)]
    pub value: StateTimes,
    #[serde(deserialize_with = "nullable", default)]
    pub reasons: Vec<AwayReason>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct AwayReason {
    pub id: Id,
    #[serde(deserialize_with = "nullable", default)]
    pub value: StateTimes,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct StateTimes {
    #[serde(deserialize_with = "nullable")]
    pub total: Figure,
    #[serde(deserialize_with = "nullable")]
    pub chatting: Figure,
    #[serde(deserialize_with = "nullable")]
    pub not_chatting: Figure,
    #[serde(deserialize_with = "nullable")]
    pub chatting_in_max_concurrency: Figure,
}

/// A reply indexed by interval END timestamp (epoch milliseconds): the wanted
/// intervals only, and the span of the whole reply (skipped intervals included).
#[derive(Debug, Default)]
pub struct Intervals<M> {
    pub by_end_ms: BTreeMap<i64, M>,
    /// The oldest and newest END timestamps the reply listed, kept or not.
    pub span: Option<(i64, i64)>,
}

impl<M> Intervals<M> {
    pub fn get(&self, end_ms: i64) -> Option<&M> {
        self.by_end_ms.get(&end_ms)
    }

    /// The reply's newest interval (still in progress), whether kept or not.
    pub(crate) fn newest_end(&self) -> Option<i64> {
        let kept = self.by_end_ms.keys().next_back().copied();
        kept.max(self.span.map(|(_, newest)| newest))
    }

    /// The reply's oldest interval (covering only part of its 5 minutes), whether kept or not.
    pub(crate) fn oldest_end(&self) -> Option<i64> {
        let kept = self.by_end_ms.keys().next().copied();
        match (kept, self.span.map(|(oldest, _)| oldest)) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

/// Why a reply body could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("the reply is not the expected JSON: {0}")]
    Json(String),
    #[error("the reply lists the interval ending {0} twice")]
    DuplicateInterval(String),
    #[error("cannot read the reply back from its temporary file: {0}")]
    Io(String),
    #[error("cannot keep the parsed reply in a temporary file: {0}; check the free space of TMPDIR")]
    Spill(String),
}

/// queuehealth asked without `interval`: only the totals of the timeframe.
#[derive(Debug, Default, Deserialize)]
struct TotalsReply {
    #[serde(rename = "metricsTotals", deserialize_with = "nullable", default)]
    totals: QueueHealthSkill,
}

/// The account's queue totals over a reply's whole timeframe (`wfm check`).
pub(crate) fn parse_queue_totals(body: &[u8]) -> Result<QueueHealthSkill, ParseError> {
    let r: TotalsReply = serde_json::from_slice(body).map_err(|e| ParseError::Json(e.to_string()))?;
    Ok(r.totals)
}

#[cfg(test)]
mod tests {
    use super::compact::{parse_reply, Marks};
    use super::*;

    /// A reply through the run's parse, each kept interval decoded, ids by name.
    fn parse<M: IntervalRecords>(body: &[u8], wanted: Wanted<'_>) -> Result<(IdTable, Intervals<M>), ParseError> {
        let mut ids = IdTable::default();
        let r = parse_reply::<M>(body, wanted, &mut ids)?;
        let mut marks = Marks::default();
        let by_end_ms = r
            .by_end_ms
            .into_iter()
            .map(|(end, b)| (end, M::decode_all([b.as_slice()], &mut marks).expect("records decode")))
            .collect();
        Ok((
            ids,
            Intervals {
                by_end_ms,
                span: r.span,
            },
        ))
    }

    fn skill<'a>(ids: &IdTable, iv: &'a QueueInterval, name: &str) -> &'a QueueHealthSkill {
        let id = ids.get(name).expect("the skill's id");
        &iv.skills.iter().find(|(i, _)| *i == id).expect("the skill").1
    }

    #[test]
    fn queue_health_from_the_spec_example() {
        let body = br#"{"metricsByIntervals": [
          {"timestamp": 1764064500000,
           "metricsData": {"skillsMetrics": {"199": {"enteredQEng": 9, "connectedEng": 7, "abandonedEng": 2,
               "totalTimeToAnswer": 140, "avgTimeToAnswer": 20, "totalTimeToAbandon": 300, "avgTimeToAbandon": 150,
               "abandonmentRate": 0.22, "maxQueueSize": 4, "minQueueSize": 0, "averageQueueSize": 1.5,
               "queueSizeSum": 45, "queueSizeCount": 30, "maxAvailableSlots": 12, "minAvailableSlots": 3,
               "averageAvailableSlots": 7.2, "availableSlotsSum": 216, "availableSlotsCount": 30,
               "currentQueueSize": -1, "currentAvailableSlots": -1}},
             "metricsTotals": {"enteredQEng": 9}}}],
          "skillsMetrics": {}, "metricsTotals": {}}"#;
        let (ids, r) = parse::<QueueInterval>(body, None).unwrap();
        let s = skill(&ids, r.get(1764064500000).unwrap(), "199");
        assert_eq!(s.entered_q_eng, Figure(9));
        assert_eq!(s.max_queue_size, Some(Figure(4)));
        assert_eq!(s.available_slots_sum, Figure(216));
        // Both spellings, and the docs' own example repeating the member in one object.
        let alt = br#"{"metricsByIntervals":[{"timestamp":1,"metricsData":{"skillsMetrics":{"5":{"currentQueueState":3,"connectedEng":2.0,
            "currentQueueSize":-1,"currentQueueSize":-1,"abandonmentRate":"n/a","avgTimeToAnswer":[]}}}}]}"#;
        let (ids, r) = parse::<QueueInterval>(alt, None).unwrap();
        let s = skill(&ids, r.get(1).unwrap(), "5");
        assert_eq!(s.connected_eng, Figure(2));
        assert_eq!(s.max_queue_size, None);
    }

    #[test]
    fn queue_totals_without_intervals() {
        let body = br#"{"skillsMetrics":{},"metricsTotals":{"enteredQEng":12,"connectedEng":10,"currentQueueSize":-1,"currentQueueSize":0}}"#;
        let t = parse_queue_totals(body).unwrap();
        assert_eq!((t.entered_q_eng, t.connected_eng), (Figure(12), Figure(10)));
        let t = parse_queue_totals(br#"{"metricsTotals":null}"#).unwrap();
        assert_eq!(t.entered_q_eng, Figure(0));
        assert!(parse_queue_totals(br#""totals""#).is_err());
    }

    #[test]
    fn eng_and_agent_activity_shapes() {
        let body = br#"{"metricsByIntervals":[{"timestamp":1764064500000,"metricsData":{
          "skillsMetricsPerAgent":{"metricsPerSkill":{"199":{"metricsPerAgent":{"2152260212":{
            "totalInteractiveChats":2,"totalNonInteractiveChats":1,"totalHandlingTime":610,
            "nonInteractiveTotalHandlingTime":40,"connectedEngagements":3}},
            "metricsTotals":{"totalInteractiveChats":2}}},"metricsTotals":{}},
          "agentsMetrics":{"metricsPerAgent":{},"metricsTotals":{}}}}]}"#;
        let (ids, r) = parse::<EngInterval>(body, None).unwrap();
        let sk = &r.get(1764064500000).unwrap().skills[0];
        assert_eq!(ids.name(sk.skill), "199");
        assert_eq!(ids.name(sk.agents[0].0), "2152260212");
        assert_eq!(sk.agents[0].1.total_handling_time, Figure(610));
        assert_eq!(sk.totals.unwrap().total_interactive_chats, Figure(2));
        assert_eq!(sk.totals.unwrap().connected_engagements, Figure(0));

        let body = br#"{"metricsByIntervals":[{"timestamp":1764064500000,"metricsData":{"agentsMetrics":{"metricsPerAgent":{
          "2152260212":[{"id":4,"name":"Away","value":{"total":100,"chatting":0,"notChatting":100,"chattingInMaxConcurrency":0},
             "reasons":[{"id":"2642559712","value":{"total":60,"chatting":0,"notChatting":60,"chattingInMaxConcurrency":0}}]},
            {"id":-1,"name":"Logged in","value":{"total":300,"chatting":120,"notChatting":180,"chattingInMaxConcurrency":30}},
            {"id":2,"name":"Online","value":{"total":200},"reasons":null}]},
          "metricsTotals":[]}}}],"agentsMetrics":{"metricsPerAgent":{},"metricsTotals":[]}}"#;
        let (ids, r) = parse::<AgentInterval>(body, None).unwrap();
        let (agent, states) = &r.get(1764064500000).unwrap().agents[0];
        assert_eq!(ids.name(*agent), "2152260212");
        assert_eq!(states.len(), 3);
        assert_eq!(ids.name(states[0].reasons[0].0), "2642559712");
        assert_eq!(states[1].id, -1);
        assert_eq!(states[2].value.total, Figure(200));
        assert!(states[2].reasons.is_empty());
    }

    #[test]
    fn order_does_not_matter_and_duplicates_are_refused() {
        let body =
            br#"{"metricsByIntervals":[{"timestamp":600000,"metricsData":{}},{"timestamp":300000,"metricsData":{}}]}"#;
        let (_, r) = parse::<QueueInterval>(body, None).unwrap();
        assert_eq!(r.by_end_ms.keys().copied().collect::<Vec<_>>(), [300000, 600000]);
        let body =
            br#"{"metricsByIntervals":[{"timestamp":300000,"metricsData":{}},{"timestamp":300000,"metricsData":{}}]}"#;
        assert!(matches!(
            parse::<QueueInterval>(body, None),
            Err(ParseError::DuplicateInterval(_))
        ));
    }

    #[test]
    fn only_wanted_intervals_are_kept_and_the_span_is_the_whole_reply() {
        let iv = |t: i64, data: &str| format!("{{\"timestamp\":{t},\"metricsData\":{data}}}");
        let good = r#"{"skillsMetrics":{"1":{"enteredQEng":3}}}"#;
        // Unwanted data is skipped unread (a bad number there is no error);
        // metricsData before the timestamp, and null, are handled either way.
        let body = format!(
            r#"{{"x":[1,{{"y":2}}],"metricsByIntervals":[{},{},{},{{"metricsData":{good},"timestamp":900000}},{}]}}"#,
            iv(300000, r#"{"skillsMetrics":{"1":{"enteredQEng":1.5}}}"#),
            iv(600000, good),
            iv(1200000, "null"),
            iv(1500000, good),
        );
        let wanted: std::collections::BTreeSet<i64> = [600000, 900000, 1200000, 1800000].into();
        let (ids, r) = parse::<QueueInterval>(body.as_bytes(), Some(&wanted)).unwrap();
        assert_eq!(
            r.by_end_ms.keys().copied().collect::<Vec<_>>(),
            [600000, 900000, 1200000]
        );
        assert_eq!(skill(&ids, r.get(900000).unwrap(), "1").entered_q_eng, Figure(3));
        assert!(r.get(1200000).unwrap().skills.is_empty());
        assert_eq!((r.oldest_end(), r.newest_end()), (Some(300000), Some(1500000)));
        // A duplicate is refused even among skipped intervals.
        let dup = format!(
            r#"{{"metricsByIntervals":[{},{}]}}"#,
            iv(300000, "{}"),
            iv(300000, "{}")
        );
        let e = parse::<QueueInterval>(dup.as_bytes(), Some(&wanted)).unwrap_err();
        assert!(matches!(e, ParseError::DuplicateInterval(_)), "{e}");
    }

    #[test]
    fn bad_replies_are_errors_not_panics() {
        for body in [
            &b""[..],
            b"{",
            b"[]",
            b"{}",
            b"{\"metricsByIntervals\": {}}",
            b"{\"metricsByIntervals\": [{\"timestamp\": \"x\"}]}",
            b"{\"metricsByIntervals\": [{\"timestamp\": 1, \"metricsData\": {\"skillsMetrics\": {\"1\": {\"enteredQEng\": \"9\"}}}}]}",
            b"{\"metricsByIntervals\": [{\"timestamp\": 1.5, \"metricsData\": {}}]}",
            b"{\"metricsByIntervals\": [{\"timestamp\": 1e300, \"metricsData\": {}}]}",
            b"{\"metricsByIntervals\": [{\"timestamp\": 99999999999999999999, \"metricsData\": {}}]}",
            b"{\"metricsByIntervals\": [], \"metricsByIntervals\": []}",
            b"{\"metricsByIntervals\": [{\"timestamp\": 1, \"timestamp\": 2}]}",
            b"{\"metricsByIntervals\": [{\"metricsData\": {}}]}",
            b"{\"metricsByIntervals\": []} x",
        ] {
            let all = parse::<QueueInterval>(body, None);
            assert!(all.is_err(), "{}", String::from_utf8_lossy(body));
        }
    }

    /// A chat figure that is not a whole number is marked, not refused: the
    /// aggregation fails the quarter holding it. Timestamps stay strict (above).
    #[test]
    fn figures_not_whole_are_marked() {
        let body = |v: &str| {
            format!(
                r#"{{"metricsByIntervals":[{{"timestamp":300000,"metricsData":{{"skillsMetrics":{{"1":{{"enteredQEng":{v},"maxQueueSize":{v}}}}}}}}}]}}"#
            )
        };
        for (v, want) in [
            ("12.5", Figure::NOT_WHOLE),
            ("-0.5", Figure::NOT_WHOLE),
            ("1e300", Figure::NOT_WHOLE),
            ("9007199254740994.0", Figure::NOT_WHOLE),
            ("9223372036854775808", Figure::NOT_WHOLE),
            ("99999999999999999999", Figure::NOT_WHOLE),
            ("-9223372036854775808", Figure::NOT_WHOLE),
            ("140.0", Figure(140)),
            ("-1", Figure(-1)),
            ("-1.0", Figure(-1)),
            ("9223372036854775807", Figure(i64::MAX)),
        ] {
            let (ids, r) = parse::<QueueInterval>(body(v).as_bytes(), None).unwrap();
            let s = skill(&ids, r.get(300000).unwrap(), "1");
            assert_eq!((s.entered_q_eng, s.max_queue_size), (want, Some(want)), "{v}");
            assert_eq!(want.whole(), (want != Figure::NOT_WHOLE).then_some(want.0));
        }
        // The other methods' figures too; a state's id stays strict.
        let eng =
            br#"{"metricsByIntervals":[{"timestamp":1,"metricsData":{"skillsMetricsPerAgent":{"metricsPerSkill":{"2":{
            "metricsPerAgent":{"3":{"totalHandlingTime":0.25}},"metricsTotals":{"connectedEngagements":1e300}}}}}}]}"#;
        let (_, r) = parse::<EngInterval>(eng, None).unwrap();
        let sk = &r.get(1).unwrap().skills[0];
        assert_eq!(sk.agents[0].1.total_handling_time, Figure::NOT_WHOLE);
        assert_eq!(sk.totals.unwrap().connected_engagements, Figure::NOT_WHOLE);
        let states = |st: &str| {
            format!(
                r#"{{"metricsByIntervals":[{{"timestamp":1,"metricsData":{{"agentsMetrics":{{"metricsPerAgent":{{"9":[{st}]}}}}}}}}]}}"#
            )
        };
        let aa = states(r#"{"id":4,"value":{"notChatting":12.5},"reasons":[{"id":"7","value":{"total":1e300}}]}"#);
        let (_, r) = parse::<AgentInterval>(aa.as_bytes(), None).unwrap();
        let st = &r.get(1).unwrap().agents[0].1[0];
        assert_eq!(
            (st.value.not_chatting, st.reasons[0].1.total),
            (Figure::NOT_WHOLE, Figure::NOT_WHOLE)
        );
        assert!(parse::<AgentInterval>(states(r#"{"id":4.5}"#).as_bytes(), None).is_err());
        // Kinds other than numbers are still the reply's error.
        for v in [r#""12.5""#, "[1]", "true"] {
            assert!(parse::<QueueInterval>(body(v).as_bytes(), None).is_err(), "{v}");
        }
    }
}
