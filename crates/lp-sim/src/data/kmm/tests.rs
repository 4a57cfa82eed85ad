use std::collections::{HashMap, HashSet};

use chrono::TimeZone;

use super::*;
use crate::GeneratorConfig;

fn generator(agents: usize, skills: usize) -> Generator {
    Generator::new(GeneratorConfig {
        seed: 42,
        agents,
        skills,
    })
}

fn day_start() -> i64 {
    Utc.with_ymd_and_hms(2026, 11, 24, 0, 0, 0).unwrap().timestamp_millis()
}

/// Every quarter of a day, then 300 windows of random bounds (to the ms) and lengths
/// (1 ms to 24 h).
fn windows() -> Vec<(i64, i64)> {
    let d = day_start();
    let mut w: Vec<(i64, i64)> = (0..96)
        .map(|q| (d + q * KMM_BLOCK_MS, d + (q + 1) * KMM_BLOCK_MS))
        .collect();
    let mut r = Rng::new(&[7]);
    for _ in 0..300 {
        let from = d + r.below(86_400_000);
        let len = match r.below(3) {
            0 => 1 + r.below(60_000),
            1 => 1 + r.below(3 * 3_600_000),
            _ => 1 + r.below(86_400_000),
        };
        w.push((from, from + len));
    }
    w
}

fn check_agent(a: &KmmAgent, from: i64, to: i64) {
    let by = |s| a.status_duration(s);
    assert!(a.login_duration > 0 && a.login_duration <= to - from, "{a:?}");
    assert_eq!(
        by(KmmStatus::Online) + by(KmmStatus::BackSoon) + by(KmmStatus::Away),
        a.login_duration
    );
    assert_eq!(a.online_duration, by(KmmStatus::Online));
    assert!(a.status_durations.iter().all(|d| d.duration > 0));
    assert!(a.status_durations.windows(2).all(|w| w[0].status < w[1].status));
    assert!(a.status_durations.iter().all(|d| d.status != KmmStatus::Offline));
    for s in [KmmStatus::BackSoon, KmmStatus::Away] {
        let reasons: i64 = a
            .reason_durations
            .iter()
            .filter(|r| r.status == s)
            .map(|r| r.duration)
            .sum();
        assert_eq!(reasons, by(s), "{a:?}");
    }
    assert!(a.reason_durations.iter().all(|r| r.duration > 0
        && matches!(r.status, KmmStatus::Away | KmmStatus::BackSoon)
        && (r.reason_id == KMM_NO_REASON || r.reason_id.parse::<u64>().is_ok())));
    let keys: HashSet<_> = a.reason_durations.iter().map(|r| (r.status, &r.reason_id)).collect();
    assert_eq!(keys.len(), a.reason_durations.len());
    assert!(a.closed_conversations >= 0);
}

fn check_skill(s: &KmmSkill) {
    assert!(s.closed_conversations > 0);
    assert_eq!(
        s.closed_conversations,
        s.closed_by_agent + s.closed_by_consumer + s.auto_closed
    );
    assert!(s.closed_by_agent >= 0 && s.closed_by_consumer >= 0 && s.auto_closed >= 0);
    for (_, a) in s.averages() {
        if let KmmAvg::Ms(v) = a {
            assert!(v.is_finite() && v >= 0.0);
        }
    }
}

#[test]
fn agent_records_are_consistent_over_many_windows() {
    let g = generator(12, 5);
    let (mut present, mut absent) = (0, 0);
    for (from, to) in windows() {
        for a in g.agent_ids() {
            match g.kmm_agent(&a, from, to) {
                Some(rec) => {
                    present += 1;
                    check_agent(&rec, from, to);
                    assert_eq!(rec.agent_id, a);
                }
                None => absent += 1,
            }
        }
    }
    assert!(present > 0 && absent > 0, "{present} {absent}");
}

#[test]
fn skill_groups_are_consistent_over_many_windows() {
    let g = generator(4, 12);
    let (mut present, mut absent) = (0, 0);
    for (from, to) in windows() {
        for s in g.skill_ids() {
            match g.kmm_skill(&s, from, to) {
                Some(rec) => {
                    present += 1;
                    check_skill(&rec);
                    assert_eq!(rec.skill_id, s);
                }
                None => absent += 1,
            }
        }
    }
    assert!(present > 0 && absent > 0, "{present} {absent}");
}

#[test]
fn quarters_add_up_to_the_hour() {
    let g = generator(10, 6);
    let d = day_start();
    for h in [3, 10, 15, 21] {
        let hour = d + h * 3_600_000;
        let quarters: Vec<(i64, i64)> = (0..4)
            .map(|q| (hour + q * KMM_BLOCK_MS, hour + (q + 1) * KMM_BLOCK_MS))
            .collect();
        for a in g.agent_ids() {
            let whole = g.kmm_agent(&a, hour, hour + 3_600_000);
            let parts: Vec<KmmAgent> = quarters.iter().filter_map(|(f, t)| g.kmm_agent(&a, *f, *t)).collect();
            let sum = |f: fn(&KmmAgent) -> i64| parts.iter().map(f).sum::<i64>();
            match whole {
                None => assert!(parts.is_empty()),
                Some(w) => {
                    assert_eq!(w.login_duration, sum(|p| p.login_duration));
                    assert_eq!(w.online_duration, sum(|p| p.online_duration));
                    assert_eq!(w.closed_conversations, sum(|p| p.closed_conversations));
                    for s in [KmmStatus::BackSoon, KmmStatus::Away] {
                        assert_eq!(
                            w.status_duration(s),
                            parts.iter().map(|p| p.status_duration(s)).sum::<i64>()
                        );
                    }
                }
            }
        }
        for s in g.skill_ids() {
            let whole = g.kmm_skill(&s, hour, hour + 3_600_000);
            let parts: Vec<KmmSkill> = quarters.iter().filter_map(|(f, t)| g.kmm_skill(&s, *f, *t)).collect();
            let closed: i64 = parts.iter().map(|p| p.closed_conversations).sum();
            assert_eq!(whole.map_or(0, |w| w.closed_conversations), closed);
        }
    }
}

#[test]
fn the_data_has_every_shape_wfm_must_handle() {
    let g = generator(16, 10);
    let mut avg_kinds: HashMap<&str, usize> = HashMap::new();
    let (mut half_seconds, mut fractional) = (0, 0);
    let (mut back_soon_reason, mut away_na, mut away_ids) = (0, 0, HashSet::new());
    let (mut missing_state, mut no_group) = (0, 0);
    let d = day_start();
    for q in 0..96 {
        let (from, to) = (d + q * KMM_BLOCK_MS, d + (q + 1) * KMM_BLOCK_MS);
        for s in g.skill_ids() {
            let Some(rec) = g.kmm_skill(&s, from, to) else {
                no_group += 1;
                continue;
            };
            for (_, a) in rec.averages() {
                let kind = match a {
                    KmmAvg::Ms(v) => {
                        if v.fract() == 0.0 && v.rem_euclid(1000.0) == 500.0 {
                            half_seconds += 1;
                        }
                        if v.fract() != 0.0 {
                            fractional += 1;
                        }
                        "ms"
                    }
                    KmmAvg::Null => "null",
                    KmmAvg::Absent => "absent",
                    KmmAvg::Negative => "negative",
                };
                *avg_kinds.entry(kind).or_default() += 1;
            }
        }
        for a in g.agent_ids() {
            let Some(rec) = g.kmm_agent(&a, from, to) else {
                continue;
            };
            if rec.status_durations.len() < 3 {
                missing_state += 1;
            }
            for r in &rec.reason_durations {
                match (r.status, r.reason_id.as_str()) {
                    (KmmStatus::BackSoon, id) if id != KMM_NO_REASON => back_soon_reason += 1,
                    (KmmStatus::Away, KMM_NO_REASON) => away_na += 1,
                    (KmmStatus::Away, id) => {
                        away_ids.insert(id.to_string());
                    }
                    _ => {}
                }
            }
        }
    }
    assert_eq!(avg_kinds.len(), 4, "{avg_kinds:?}");
    assert!(avg_kinds.values().all(|n| *n > 3), "{avg_kinds:?}");
    assert!(half_seconds > 3 && fractional > 3, "{half_seconds} {fractional}");
    assert!(back_soon_reason > 0 && away_na > 0 && away_ids.len() == AWAY_REASONS.len());
    assert!(missing_state > 0 && no_group > 0);
    // 41500.0 ms is 42 s, 41499.9 ms 41 s.
    assert_eq!(KmmAvg::Ms(41500.0).secs_half_up(), Some(42));
    assert_eq!(KmmAvg::Ms(41499.9).secs_half_up(), Some(41));
    assert_eq!(KmmAvg::Negative.secs_half_up(), None);
}

#[test]
fn status_now_matches_the_timeline_and_is_sometimes_offline() {
    let g = generator(30, 2);
    let now = Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap();
    let now_ms = now.timestamp_millis();
    let offline: Vec<String> = g
        .agent_ids()
        .into_iter()
        .filter(|a| g.kmm_agent_offline_now(a, now))
        .collect();
    assert!(!offline.is_empty() && offline.len() < 30, "{}", offline.len());
    for a in g.agent_ids() {
        // A 1 ms window at now holds the status now.
        let status = g.kmm_agent_status(&a, now_ms).unwrap();
        match g.kmm_agent(&a, now_ms, now_ms + 1) {
            None => assert_eq!(status, KmmStatus::Offline),
            Some(rec) => assert_eq!(rec.status_durations[0].status, status),
        }
    }
    assert_eq!(g.kmm_agent_status("nobody", now_ms), None);
    assert!(!g.kmm_agent_offline_now("nobody", now));
}

#[test]
fn deterministic_and_unknown_ids() {
    let (a, b) = (generator(8, 4), generator(8, 4));
    let d = day_start();
    for q in (0..96).step_by(5) {
        let (from, to) = (d + q * KMM_BLOCK_MS, d + (q + 1) * KMM_BLOCK_MS);
        for s in a.skill_ids() {
            assert_eq!(a.kmm_skill(&s, from, to), b.kmm_skill(&s, from, to));
        }
        for ag in a.agent_ids() {
            assert_eq!(a.kmm_agent(&ag, from, to), b.kmm_agent(&ag, from, to));
        }
    }
    assert_eq!(a.kmm_skill("nope", d, d + KMM_BLOCK_MS), None);
    assert_eq!(a.kmm_agent("nope", d, d + KMM_BLOCK_MS), None);
    let s = &a.skill_ids()[0];
    assert_eq!(a.kmm_skill(s, d, d), None);
    assert_eq!(a.kmm_skill_name(s).as_deref(), Some("Billing"));
    let many = generator(1, 30);
    let names: HashSet<String> = many
        .skill_ids()
        .iter()
        .map(|s| many.kmm_skill_name(s).unwrap())
        .collect();
    assert_eq!(names.len(), 30);
}

#[test]
fn two_thousand_agents_per_quarter_are_cheap() {
    let g = generator(2000, 60);
    let d = day_start() + 10 * 3_600_000;
    let t0 = std::time::Instant::now();
    let n = g
        .agent_ids()
        .iter()
        .filter(|a| g.kmm_agent(a, d, d + KMM_BLOCK_MS).is_some())
        .count();
    assert!(n > 1000);
    // Generous for debug builds on a busy machine; release takes about a millisecond.
    assert!(t0.elapsed() < std::time::Duration::from_secs(2), "{:?}", t0.elapsed());
}
