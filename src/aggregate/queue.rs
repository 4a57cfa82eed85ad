//! `Q_` rows: per skill, queuehealth and the skill's engactivity totals summed
//! over the quarter's three intervals, averages recomputed from the sums.

use super::limits::{check_id, COUNT, SUM};
use super::run_ids::{by_interval, ByInterval, RunIds};
use super::sums::{avg_hundredths, avg_rounded, Acc, Field, ENG_FIELDS};
use super::{AggregateError, QuarterRecords, QueueRow};
use crate::lp::model::compact::EngSkillRecords;
use crate::lp::model::{EngMetrics, Method, QueueHealthSkill};
use crate::select::IdSelection;

/// queuehealth's counters: the row's five sums, then the sums and counts
/// behind its two average sizes.
const QH_FIELDS: [Field<QueueHealthSkill>; 9] = [
    ("enteredQEng", |m| m.entered_q_eng, COUNT),
    ("connectedEng", |m| m.connected_eng, COUNT),
    ("abandonedEng", |m| m.abandoned_eng, COUNT),
    ("totalTimeToAnswer", |m| m.total_time_to_answer, SUM),
    ("totalTimeToAbandon", |m| m.total_time_to_abandon, SUM),
    ("queueSizeSum", |m| m.queue_size_sum, SUM),
    ("queueSizeCount", |m| m.queue_size_count, COUNT),
    ("availableSlotsSum", |m| m.available_slots_sum, SUM),
    ("availableSlotsCount", |m| m.available_slots_count, COUNT),
];

/// engactivity's counters a queue reports: all but `connectedEngagements`.
const ENG_QUEUE_FIELDS: [Field<EngMetrics>; 4] = [ENG_FIELDS[0], ENG_FIELDS[1], ENG_FIELDS[3], ENG_FIELDS[4]];

/// The `Q_` rows: every listed skill, or with `all` every skill in either
/// method's data. Queue figures cover the whole queue, whatever the agent list.
pub(super) fn rows(
    records: &QuarterRecords,
    skills: &IdSelection,
    ids: RunIds<'_>,
    quarter: &str,
) -> Result<Vec<QueueRow>, AggregateError> {
    let qh: ByInterval<'_, QueueHealthSkill> = by_interval(
        records
            .queue_health
            .each_ref()
            .map(|d| d.skills.iter().map(|(id, s)| (*id, s))),
    );
    let ea: ByInterval<'_, EngSkillRecords> = by_interval(
        records
            .eng_activity
            .each_ref()
            .map(|d| d.skills.iter().map(|s| (s.skill, s))),
    );
    let present = qh.keys().chain(ea.keys()).copied();
    ids.rows(skills, present)
        .into_iter()
        .map(|(name, id)| {
            let q = id.and_then(|i| qh.get(&i)).copied().unwrap_or_default();
            let e = id.and_then(|i| ea.get(&i)).copied().unwrap_or_default();
            check_skill(&name, q.iter().any(Option::is_some), quarter)?;
            let mut r = queue_health(&name, &q, quarter)?;
            add_eng_totals(&mut r, &name, &e, quarter)?;
            r.id = name;
            Ok(r)
        })
        .collect()
}

/// A `Q_` row's id, named by the method it came from (queuehealth when both
/// have it, as its figures are read first).
fn check_skill(skill: &str, from_queue_health: bool, quarter: &str) -> Result<(), AggregateError> {
    let method = if from_queue_health {
        Method::QueueHealth
    } else {
        Method::EngActivity
    };
    check_id(method, quarter, "skill", skill)
}

/// A row's queuehealth figures: sums, maxima ignoring -1, and averages.
fn queue_health(skill: &str, qh: &[Option<&QueueHealthSkill>; 3], quarter: &str) -> Result<QueueRow, AggregateError> {
    let acc = Acc {
        method: Method::QueueHealth,
        quarter,
    };
    let mut r = QueueRow::default();
    let (mut qs_sum, mut qs_count, mut as_sum, mut as_count) = (0, 0, 0, 0);
    for m in qh.iter().flatten() {
        let sums = [
            &mut r.offered,
            &mut r.handled,
            &mut r.abandoned,
            &mut r.time_to_answer,
            &mut r.time_to_abandon,
            &mut qs_sum,
            &mut qs_count,
            &mut as_sum,
            &mut as_count,
        ];
        acc.add_all(sums, *m, &QH_FIELDS, skill)?;
        acc.keep_max(&mut r.max_queue_size, m.max_queue_size, "maxQueueSize", skill)?;
        acc.keep_max(
            &mut r.max_available_slots,
            m.max_available_slots,
            "maxAvailableSlots",
            skill,
        )?;
    }
    r.avg_time_to_answer = avg_rounded(r.time_to_answer, r.handled);
    r.avg_time_to_abandon = avg_rounded(r.time_to_abandon, r.abandoned);
    r.avg_queue_size = avg_hundredths(qs_sum, qs_count);
    r.avg_available_slots = avg_hundredths(as_sum, as_count);
    Ok(r)
}

/// Adds the skill's engactivity totals, which cover every agent; a skill
/// without totals in an interval has its agents' rows summed instead.
fn add_eng_totals(
    r: &mut QueueRow,
    skill: &str,
    ea: &[Option<&EngSkillRecords>; 3],
    quarter: &str,
) -> Result<(), AggregateError> {
    let acc = Acc {
        method: Method::EngActivity,
        quarter,
    };
    for s in ea.iter().flatten() {
        let mut add = |t| {
            let sums = [
                &mut r.interactive_closed,
                &mut r.non_interactive_closed,
                &mut r.handle_time,
                &mut r.non_interactive_handle_time,
            ];
            acc.add_all(sums, t, &ENG_QUEUE_FIELDS, skill)
        };
        match &s.totals {
            Some(t) => add(t)?,
            None => {
                for (_, m) in &s.agents {
                    add(m)?;
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{build_all, replies};
    use super::super::Hundredths;

    #[test]
    fn queue_row_sums_and_recomputes_averages() {
        let s = replies(
            [
                r#"{"199":{"enteredQEng":2,"connectedEng":1,"abandonedEng":1,"totalTimeToAnswer":4,"totalTimeToAbandon":1111,"maxQueueSize":70,"queueSizeSum":100,"queueSizeCount":2,"maxAvailableSlots":-1,"availableSlotsSum":0,"availableSlotsCount":0}}"#,
                r#"{"199":{"enteredQEng":3,"connectedEng":2,"abandonedEng":1,"totalTimeToAnswer":3,"totalTimeToAbandon":1111,"maxQueueSize":78,"queueSizeSum":116,"queueSizeCount":1,"maxAvailableSlots":5,"availableSlotsSum":12,"availableSlotsCount":3}}"#,
                r#"{}"#,
            ],
            [
                r#"{"metricsPerSkill":{"199":{"metricsPerAgent":{"3":{"totalInteractiveChats":1,"connectedEngagements":2}},"metricsTotals":{"totalInteractiveChats":1,"totalNonInteractiveChats":1,"totalHandlingTime":12,"nonInteractiveTotalHandlingTime":5}}}}"#,
                r#"{"metricsPerSkill":{}}"#,
                r#"{"metricsPerSkill":{"199":{"metricsPerAgent":{"3":{"totalHandlingTime":7}}}}}"#,
            ],
            [r#"{}"#, r#"{}"#, r#"{}"#],
        );
        let r = build_all(&s, "112426.1000").unwrap();
        assert_eq!(r.queues.len(), 1);
        let q = &r.queues[0];
        assert_eq!((q.offered, q.handled, q.abandoned), (5, 3, 2));
        assert_eq!((q.time_to_answer, q.avg_time_to_answer), (7, 2));
        assert_eq!((q.time_to_abandon, q.avg_time_to_abandon), (2222, 1111));
        assert_eq!(q.max_queue_size, Some(78));
        assert_eq!(q.avg_queue_size, Some(Hundredths(7200))); // 216 / 3, not the mean of 50 and 116
        assert_eq!(q.max_available_slots, Some(5));
        assert_eq!(q.avg_available_slots, Some(Hundredths(400)));
        // totals where present, agents' rows summed where not
        assert_eq!(
            (
                q.interactive_closed,
                q.non_interactive_closed,
                q.handle_time,
                q.non_interactive_handle_time
            ),
            (1, 1, 19, 5)
        );
        assert_eq!(r.agent_queues.len(), 1);
        let aq = &r.agent_queues[0];
        assert_eq!(
            (aq.agent_id.as_str(), aq.queue_id.as_str(), aq.employee_id.as_str()),
            ("3", "199", "3")
        );
        assert_eq!((aq.interactive_closed, aq.connected, aq.handle_time), (1, 2, 7));
        assert!(r.unmapped_agents.contains("3"));
    }

    /// reports.md: MaxQueueSize / MaxAvailableSlots are omitted when every
    /// interval says -1 ("no data"), AvgQueueSize / AvgAvailableSlots when the
    /// count sum is 0, even for a skill with other data; a real maximum of 0 stays.
    #[test]
    fn no_data_maxima_and_zero_count_averages_are_omitted_from_the_row_and_the_file() {
        let none = r#""maxQueueSize":-1,"queueSizeSum":0,"queueSizeCount":0,"maxAvailableSlots":-1,"availableSlotsSum":0,"availableSlotsCount":0"#;
        let zero = r#""maxQueueSize":0,"queueSizeSum":0,"queueSizeCount":4,"maxAvailableSlots":0,"availableSlotsSum":0,"availableSlotsCount":2"#;
        let iv = |n: u64, eight: &str| {
            format!(
                r#"{{"7":{{"enteredQEng":{n},"connectedEng":1,"abandonedEng":0,"totalTimeToAnswer":10,{none}}},"8":{{"enteredQEng":1,{eight}}}}}"#
            )
        };
        let (a, b, c) = (iv(2, none), iv(3, zero), iv(1, none));
        let s = replies([&a, &b, &c], ["{}", "{}", "{}"], ["{}", "{}", "{}"]);
        let r = build_all(&s, "112426.1000").unwrap();
        assert_eq!(r.queues.len(), 2);
        let q7 = &r.queues[0];
        assert_eq!(q7.id, "7");
        assert_eq!(
            (q7.offered, q7.handled, q7.time_to_answer),
            (6, 3, 30),
            "the skill has data"
        );
        assert_eq!(q7.max_queue_size, None);
        assert_eq!(q7.avg_queue_size, None);
        assert_eq!(q7.max_available_slots, None);
        assert_eq!(q7.avg_available_slots, None);
        // One interval with a real 0 among two -1: the maximum is 0, not omitted.
        let q8 = &r.queues[1];
        assert_eq!(q8.max_queue_size, Some(0));
        assert_eq!(q8.avg_queue_size, Some(Hundredths(0)));
        assert_eq!(q8.max_available_slots, Some(0));
        assert_eq!(q8.avg_available_slots, Some(Hundredths(0)));

        let files = crate::report::render::render_quarter(&r, "1", crate::quarter::FileStamp::Start);
        let q = String::from_utf8(files[0].bytes.clone()).unwrap();
        let row7 = concat!(
            "  <Queue id=\"7\">\n",
            "    <Offered>6</Offered>\n",
            "    <Handled>3</Handled>\n",
            "    <Abandoned>0</Abandoned>\n",
            "    <TimeToAnswer>30</TimeToAnswer>\n",
            "    <TimeToAbandon>0</TimeToAbandon>\n",
            "    <AvgTimeToAnswer>10</AvgTimeToAnswer>\n",
            "    <AvgTimeToAbandon>0</AvgTimeToAbandon>\n",
            "    <InteractiveClosed>0</InteractiveClosed>\n",
            "    <NonInteractiveClosed>0</NonInteractiveClosed>\n",
            "    <HandleTime>0</HandleTime>\n",
            "    <NonInteractiveHandleTime>0</NonInteractiveHandleTime>\n",
            "  </Queue>\n",
        );
        assert!(q.contains(row7), "{q}");
        let row8 = &q[q.find("<Queue id=\"8\">").expect("row of skill 8")..];
        for e in [
            "<MaxQueueSize>0</MaxQueueSize>",
            "<AvgQueueSize>0.00</AvgQueueSize>",
            "<MaxAvailableSlots>0</MaxAvailableSlots>",
            "<AvgAvailableSlots>0.00</AvgAvailableSlots>",
        ] {
            assert!(row8.contains(e), "{e} in {q}");
        }
        for e in ["MaxQueueSize", "AvgQueueSize", "MaxAvailableSlots", "AvgAvailableSlots"] {
            assert_eq!(q.matches(&format!("<{e}>")).count(), 1, "{e} only in the row of 8: {q}");
        }
    }
}
