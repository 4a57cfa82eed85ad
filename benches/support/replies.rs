//! The three Operational Realtime replies as LivePerson writes them, from the
//! simulator's generator (`lp_sim::Generator`), written interval by interval
//! (a 24 h engactivity reply of a dense account is gigabytes): for the
//! benchmarks (`benches/pipeline.rs`, `examples/replies.rs`). Every interval's
//! figures are whole (the simulator scales the partial oldest one; the
//! benchmarks never use it).

use chrono::{DateTime, Utc};
use lp_sim::{Generator, StateTimes};
use std::io::{self, Write};

/// queuehealth, engactivity and agentactivity over the intervals ending at `ends`.
pub fn write(g: &Generator, ends: &[DateTime<Utc>], out: [&mut dyn Write; 3]) -> io::Result<()> {
    let [qh, ea, aa] = out;
    list(qh, ends, |w, e| queue_health(g, w, e))?;
    list(ea, ends, |w, e| eng_activity(g, w, e))?;
    list(aa, ends, |w, e| agent_activity(g, w, e))
}

fn list(
    w: &mut dyn Write,
    ends: &[DateTime<Utc>],
    mut data: impl FnMut(&mut dyn Write, DateTime<Utc>) -> io::Result<()>,
) -> io::Result<()> {
    w.write_all(b"{\"metricsByIntervals\":[")?;
    for (i, e) in ends.iter().enumerate() {
        let sep = if i > 0 { "," } else { "" };
        write!(w, "{sep}{{\"timestamp\":{},\"metricsData\":", e.timestamp_millis())?;
        data(w, *e)?;
        w.write_all(b"}")?;
    }
    w.write_all(b"]}")
}

fn queue_health(g: &Generator, w: &mut dyn Write, e: DateTime<Utc>) -> io::Result<()> {
    w.write_all(b"{\"skillsMetrics\":{")?;
    let mut sep = "";
    for s in g.skill_ids() {
        if let Some(v) = g.queue_health(&s, e) {
            write!(
                w,
                "{sep}\"{s}\":{{\"enteredQEng\":{},\"connectedEng\":{},\"abandonedEng\":{},\"totalTimeToAnswer\":{},\"totalTimeToAbandon\":{},\"maxQueueSize\":{},\"queueSizeSum\":{},\"queueSizeCount\":{},\"maxAvailableSlots\":{},\"availableSlotsSum\":{},\"availableSlotsCount\":{},\"currentQueueSize\":-1}}",
                v.entered_q_eng,
                v.connected_eng,
                v.abandoned_eng,
                v.total_time_to_answer,
                v.total_time_to_abandon,
                v.max_queue_size,
                v.queue_size_sum,
                v.queue_size_count,
                v.max_available_slots,
                v.available_slots_sum,
                v.available_slots_count
            )?;
            sep = ",";
        }
    }
    w.write_all(b"}}")
}

fn eng(w: &mut dyn Write, v: [i64; 5]) -> io::Result<()> {
    write!(
        w,
        "{{\"totalInteractiveChats\":{},\"totalNonInteractiveChats\":{},\"totalHandlingTime\":{},\"nonInteractiveTotalHandlingTime\":{},\"connectedEngagements\":{}}}",
        v[0], v[1], v[2], v[3], v[4]
    )
}

fn eng_activity(g: &Generator, w: &mut dyn Write, e: DateTime<Utc>) -> io::Result<()> {
    let agents = g.agent_ids();
    w.write_all(b"{\"skillsMetricsPerAgent\":{\"metricsPerSkill\":{")?;
    for (i, s) in g.skill_ids().iter().enumerate() {
        let sep = if i > 0 { "," } else { "" };
        write!(w, "{sep}\"{s}\":{{\"metricsPerAgent\":{{")?;
        let mut totals = [0i64; 5];
        let mut sep = "";
        for a in &agents {
            if let Some(v) = g.eng_activity(s, a, e) {
                let v = [
                    v.total_interactive_chats,
                    v.total_non_interactive_chats,
                    v.total_handling_time,
                    v.non_interactive_total_handling_time,
                    v.connected_engagements,
                ];
                for (t, x) in totals.iter_mut().zip(v) {
                    *t += x;
                }
                write!(w, "{sep}\"{a}\":")?;
                eng(w, v)?;
                sep = ",";
            }
        }
        w.write_all(b"},\"metricsTotals\":")?;
        eng(w, totals)?;
        w.write_all(b"}")?;
    }
    w.write_all(b"}}}")
}

fn times(w: &mut dyn Write, t: &StateTimes) -> io::Result<()> {
    write!(
        w,
        "{{\"total\":{},\"chatting\":{},\"notChatting\":{},\"chattingInMaxConcurrency\":{}}}",
        t.total, t.chatting, t.not_chatting, t.chatting_in_max_concurrency
    )
}

fn agent_activity(g: &Generator, w: &mut dyn Write, e: DateTime<Utc>) -> io::Result<()> {
    w.write_all(b"{\"agentsMetrics\":{\"metricsPerAgent\":{")?;
    let mut sep = "";
    for a in g.agent_ids() {
        let Some(states) = g.agent_states(&a, e) else {
            continue;
        };
        write!(w, "{sep}\"{a}\":[")?;
        sep = ",";
        for (i, st) in states.iter().enumerate() {
            let sep = if i > 0 { "," } else { "" };
            write!(w, "{sep}{{\"id\":{},\"name\":\"{}\",\"value\":", st.id, st.name)?;
            times(w, &st.value)?;
            if let Some(reasons) = &st.reasons {
                w.write_all(b",\"reasons\":[")?;
                for (k, (id, t)) in reasons.iter().enumerate() {
                    let sep = if k > 0 { "," } else { "" };
                    write!(w, "{sep}{{\"id\":\"{id}\",\"value\":")?;
                    times(w, t)?;
                    w.write_all(b"}")?;
                }
                w.write_all(b"]")?;
            }
            w.write_all(b"}")?;
        }
        w.write_all(b"]")?;
    }
    w.write_all(b"},\"metricsTotals\":[]}}")
}
