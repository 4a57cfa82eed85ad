use super::*;
use chrono::{Duration, TimeZone};

fn generator() -> Generator {
    Generator::new(GeneratorConfig {
        seed: 42,
        agents: 8,
        skills: 4,
    })
}

fn ends() -> Vec<DateTime<Utc>> {
    let start = Utc.with_ymd_and_hms(2026, 11, 24, 0, 0, 0).unwrap();
    (1..=288).map(|i| start + Duration::minutes(5 * i)).collect()
}

#[test]
fn ids_are_distinct_varied_and_unsorted() {
    let g = generator();
    for ids in [g.agent_ids(), g.skill_ids()] {
        let mut dedup = ids.clone();
        dedup.sort();
        dedup.dedup();
        assert_eq!(dedup.len(), ids.len());
        assert!(ids.iter().all(|i| i.parse::<u64>().is_ok() && !i.starts_with('0')));
        let lens: std::collections::HashSet<usize> = ids.iter().map(|i| i.len()).collect();
        assert!(lens.len() >= 3, "{ids:?}");
        let mut numeric = ids.clone();
        numeric.sort_by_key(|i| i.parse::<u64>().unwrap());
        let mut lexical = ids.clone();
        lexical.sort();
        assert_ne!(numeric, ids);
        assert_ne!(numeric, lexical);
    }
    assert_eq!(g.agent_ids().len(), 8);
    assert_eq!(g.skill_ids().len(), 4);
    // Many ids still come out distinct.
    let big = Generator::new(GeneratorConfig {
        seed: 7,
        agents: 60,
        skills: 30,
    });
    let mut a = big.agent_ids();
    a.sort();
    a.dedup();
    assert_eq!(a.len(), 60);
}

#[test]
fn deterministic() {
    let (a, b) = (generator(), generator());
    assert_eq!(a.agent_ids(), b.agent_ids());
    for end in ends().into_iter().step_by(7) {
        for s in a.skill_ids() {
            assert_eq!(a.queue_health(&s, end), b.queue_health(&s, end));
            for ag in a.agent_ids() {
                assert_eq!(a.eng_activity(&s, &ag, end), b.eng_activity(&s, &ag, end));
            }
        }
        for ag in a.agent_ids() {
            assert_eq!(a.agent_states(&ag, end), b.agent_states(&ag, end));
        }
    }
    let other = Generator::new(GeneratorConfig {
        seed: 43,
        agents: 8,
        skills: 4,
    });
    assert_ne!(other.agent_ids(), a.agent_ids());
}

#[test]
fn queue_health_is_plausible_with_minus_one_and_absence() {
    let g = generator();
    let (mut absent, mut minus_q, mut minus_s, mut total) = (0, 0, 0, 0);
    for end in ends() {
        for s in g.skill_ids() {
            total += 1;
            let Some(q) = g.queue_health(&s, end) else {
                absent += 1;
                continue;
            };
            assert!(q.connected_eng <= q.entered_q_eng);
            assert!(q.abandoned_eng <= q.entered_q_eng - q.connected_eng);
            assert!(q.total_time_to_answer <= 300 * q.connected_eng);
            assert!(q.total_time_to_abandon <= 300 * q.abandoned_eng);
            if q.queue_size_count == 0 {
                minus_q += 1;
                assert_eq!((q.max_queue_size, q.queue_size_sum), (-1, 0));
            } else {
                assert!(q.max_queue_size >= 0);
                assert!(q.queue_size_sum <= q.max_queue_size * q.queue_size_count);
            }
            if q.available_slots_count == 0 {
                minus_s += 1;
                assert_eq!(q.max_available_slots, -1);
            } else {
                assert!(q.available_slots_sum <= q.max_available_slots * q.available_slots_count);
            }
        }
    }
    assert!(absent > 0 && absent < total / 4, "{absent}/{total}");
    assert!(minus_q > total / 10 && minus_s > total / 10);
    assert_eq!(g.queue_health("no-such-skill", ends()[0]), None);
}

#[test]
fn eng_activity_subsets_and_absence() {
    let g = generator();
    // Not every agent works every skill.
    let pairs: usize = g.agent_ids().iter().map(|a| g.agent_skills(a).len()).sum();
    assert!((8..8 * 4).contains(&pairs));
    let (mut present, mut absent_worked) = (0, 0);
    for end in ends() {
        for a in g.agent_ids() {
            let worked = g.agent_skills(&a);
            for s in g.skill_ids() {
                let v = g.eng_activity(&s, &a, end);
                if !worked.contains(&s) {
                    assert_eq!(v, None);
                    continue;
                }
                match v {
                    Some(v) => {
                        present += 1;
                        assert!(g.agent_states(&a, end).is_some());
                        assert!(v.total_handling_time <= 300 * v.total_interactive_chats);
                        assert!(v.non_interactive_total_handling_time <= 300 * v.total_non_interactive_chats);
                    }
                    None => absent_worked += 1,
                }
            }
        }
    }
    assert!(present > 0 && absent_worked > 0);
}

#[test]
fn agent_states_sum_and_vary() {
    let g = generator();
    let (mut absent, mut extra, mut none_r, mut empty_r, mut some_r, mut back_names) =
        (0, 0, 0, 0, 0, std::collections::HashSet::new());
    for end in ends() {
        for a in g.agent_ids() {
            let Some(states) = g.agent_states(&a, end) else {
                absent += 1;
                continue;
            };
            let logged: Vec<_> = states.iter().filter(|s| s.id == STATE_LOGGED_IN).collect();
            assert_eq!(logged.len(), 1);
            let others = sum_times(states.iter().filter(|s| s.id != STATE_LOGGED_IN).map(|s| &s.value));
            assert_eq!(logged[0].value, others);
            assert!(others.total <= 300 && others.total > 0);
            for s in &states {
                let v = &s.value;
                assert_eq!(v.total, v.chatting + v.not_chatting);
                assert!(v.chatting_in_max_concurrency <= v.chatting);
                if ![-1, 2, 3, 4].contains(&s.id) {
                    extra += 1;
                }
                if s.id == STATE_BACK_SOON {
                    back_names.insert(s.name.clone());
                }
                if s.id == STATE_AWAY {
                    match &s.reasons {
                        None => none_r += 1,
                        Some(r) if r.is_empty() => empty_r += 1,
                        Some(r) => {
                            some_r += 1;
                            assert!(r.len() <= 2);
                            assert!(r.iter().map(|(_, t)| t.total).sum::<i64>() <= v.total);
                        }
                    }
                } else {
                    assert!(s.reasons.is_none());
                }
            }
        }
    }
    let total = 288 * 8;
    assert!(absent > 0 && absent < total / 4);
    assert!(extra > total / 25 && extra < total / 5, "{extra}");
    assert!(none_r > 0 && empty_r > 0 && some_r > 0);
    assert_eq!(back_names.len(), 2);
}
