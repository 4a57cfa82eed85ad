//! Messaging accounts (`LP_CHANNEL=messaging`) end to end: the real binary
//! against the simulator's Key Messaging Metrics and Messaging Operations
//! methods. Expected figures come from the simulator's own truth
//! (`Generator::kmm_skill`, `kmm_agent`, `msg_skill_segments`, `msg_conversation`,
//! `msg_conversation_skill`), turned into seconds here, independently of the
//! product's code.

mod hostile;

use crate::common::*;
use chrono::{DateTime, Duration, Utc};
use lp_sim::{Fault, Generator, KmmStatus, Method, Simulator};
use std::collections::BTreeMap;
use std::path::Path;

mod metrics;
mod ops;
mod refusals;

/// A reply body of `v`, for the tests of hostile and unusable replies.
fn body(v: serde_json::Value) -> Fault {
    Fault::Body(v.to_string())
}

/// The starts of the quarters from `first` to `last`, both included.
fn stems(first: &str, last: &str) -> Vec<DateTime<Utc>> {
    let (mut q, last) = (t(first), t(last));
    let mut out = vec![];
    while q <= last {
        out.push(q);
        q += Duration::minutes(15);
    }
    out
}

/// Half up, ms to whole seconds.
fn secs(ms: i64) -> String {
    div_half_up(ms, 1000).to_string()
}

/// The skills KMM has a group for in the quarter at `start`.
fn skills_with_data(g: &Generator, start: DateTime<Utc>) -> Vec<String> {
    let (from, to) = ExpectKmm::window(start);
    g.skill_ids()
        .into_iter()
        .filter(|s| g.kmm_skill(s, from, to).is_some())
        .collect()
}

/// The agents KMM has a record for in the quarter at `start`.
fn agents_with_data(g: &Generator, start: DateTime<Utc>) -> Vec<String> {
    let (from, to) = ExpectKmm::window(start);
    g.agent_ids()
        .into_iter()
        .filter(|a| g.kmm_agent(a, from, to).is_some())
        .collect()
}

/// Which files and elements a messaging quarter has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Within Messaging Operations' 24 h: Q_, AQ_, AS_ (`segments`: OAuth 2.0,
    /// msgskillsegments asked).
    Full { segments: bool },
    /// Older: Q_ with the KMM elements, AS_, no AQ_.
    Partial,
}

/// What the messaging files of a quarter must hold.
struct ExpectKmm<'a> {
    gen: &'a Generator,
    skills: Option<Vec<String>>,
    agents: Option<Vec<String>>,
    mode: Mode,
}

/// The three msgconversation bucket ends of the quarter at `start`.
fn bucket_ends(start: DateTime<Utc>) -> [DateTime<Utc>; 3] {
    [5, 10, 15].map(|m| start + Duration::minutes(m))
}

impl<'a> ExpectKmm<'a> {
    fn all(gen: &'a Generator) -> Self {
        ExpectKmm {
            gen,
            skills: None,
            agents: None,
            mode: Mode::Full { segments: true },
        }
    }

    fn partial(mut self) -> Self {
        self.mode = Mode::Partial;
        self
    }

    fn oauth1(mut self) -> Self {
        self.mode = Mode::Full { segments: false };
        self
    }

    /// The mode of the quarter at `start` for a run at `now`: the 1430-minute rule.
    fn at(mut self, now: DateTime<Utc>, start: DateTime<Utc>) -> Self {
        if start < now - Duration::minutes(1430) {
            self.mode = Mode::Partial;
        }
        self
    }

    /// A skill's whole-queue msgconversation figures over the quarter.
    fn conv_skill(&self, skill: &str, start: DateTime<Utc>) -> Option<lp_sim::ConvFigures> {
        let mut acc: Option<lp_sim::ConvFigures> = None;
        for end in bucket_ends(start) {
            if let Some(f) = self.gen.msg_conversation_skill(skill, end) {
                acc.get_or_insert_with(Default::default).add(&f);
            }
        }
        acc
    }

    /// Every skill the quarter's rows cover with `all`.
    fn skills_present(&self, start: DateTime<Utc>) -> Vec<String> {
        let (from, to) = Self::window(start);
        let g = self.gen;
        g.skill_ids()
            .into_iter()
            .filter(|s| {
                g.kmm_skill(s, from, to).is_some()
                    || match self.mode {
                        Mode::Partial => false,
                        Mode::Full { segments } => {
                            (segments && g.msg_skill_segments(s, from, to).is_some())
                                || self.conv_skill(s, start).is_some()
                        }
                    }
            })
            .collect()
    }

    fn root(start: DateTime<Utc>, name: &str) -> Report {
        Report {
            root: name.into(),
            attrs: BTreeMap::from([
                ("account".into(), "12345678".into()),
                ("channel".into(), "messaging".into()),
                ("start".into(), start.format("%Y-%m-%dT%H:%M:%SZ").to_string()),
                (
                    "end".into(),
                    (start + Duration::minutes(15)).format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                ),
            ]),
            rows: vec![],
        }
    }

    fn window(start: DateTime<Utc>) -> (i64, i64) {
        let from = start.timestamp_millis();
        (from, from + 15 * 60_000)
    }

    fn queue(&self, start: DateTime<Utc>) -> Report {
        let (from, to) = Self::window(start);
        let g = self.gen;
        let mut skills = self.skills.clone().unwrap_or_else(|| self.skills_present(start));
        numeric_sort(&mut skills);
        let mut rep = Self::root(start, "QueueData");
        for s in skills {
            let mut f = BTreeMap::new();
            let k = g.kmm_skill(&s, from, to);
            let n = |v: Option<i64>| v.unwrap_or(0).to_string();
            if let Mode::Full { segments } = self.mode {
                if segments {
                    let seg = g.msg_skill_segments(&s, from, to);
                    let c = |f: fn(&lp_sim::SkillSegments) -> i64| n(seg.as_ref().map(f));
                    f.insert("Offered".into(), c(|x| x.total));
                    f.insert("Abandoned".into(), c(|x| x.abandoned_by_consumers_in_queue));
                    f.insert("AbandonedNoResponse".into(), c(|x| x.abandoned_by_consumers));
                    f.insert("InteractiveSegments".into(), c(|x| x.interactive));
                    f.insert("NonResponsiveAgentSegments".into(), c(|x| x.non_responsive_agents));
                    f.insert(
                        "NonResponsiveConsumerSegments".into(),
                        c(|x| x.non_responsive_consumers),
                    );
                    if let Some(v) = seg.and_then(|x| x.avg_first_agent_message.secs_half_up()) {
                        f.insert("AvgTimeToFirstAgentMessage".into(), v.to_string());
                    }
                }
                let conv = self.conv_skill(&s, start).unwrap_or_default();
                let (handled, time) = (conv.total(), conv.total_time());
                f.insert("Handled".into(), handled.to_string());
                f.insert("HandleTime".into(), time.to_string());
                let avg = if handled == 0 { 0 } else { div_half_up(time, handled) };
                f.insert("AvgHandleTime".into(), avg.to_string());
            }
            f.insert("Closed".into(), n(k.as_ref().map(|k| k.closed_conversations)));
            f.insert("ClosedByAgent".into(), n(k.as_ref().map(|k| k.closed_by_agent)));
            f.insert("ClosedByConsumer".into(), n(k.as_ref().map(|k| k.closed_by_consumer)));
            f.insert("AutoClosed".into(), n(k.as_ref().map(|k| k.auto_closed)));
            if let Some(k) = &k {
                for (name, avg) in k.averages() {
                    // avgWaitTime -> AvgWaitTime
                    let element = format!("A{}", &name[1..]);
                    if let Some(v) = avg.secs_half_up() {
                        f.insert(element, v.to_string());
                    }
                }
            }
            rep.rows.push(Row {
                attrs: BTreeMap::from([("id".into(), s)]),
                fields: f,
            });
        }
        rep
    }

    fn agent_system(&self, start: DateTime<Utc>) -> Report {
        let (from, to) = Self::window(start);
        let g = self.gen;
        let mut agents = self.agents.clone().unwrap_or_else(|| agents_with_data(g, start));
        numeric_sort(&mut agents);
        let mut rep = Self::root(start, "AgentSystemData");
        for a in agents {
            let mut f = BTreeMap::new();
            let rec = g.kmm_agent(&a, from, to);
            let d = |s: KmmStatus| rec.as_ref().map(|r| r.status_duration(s)).unwrap_or(0);
            f.insert(
                "LoggedIn.total".into(),
                secs(rec.as_ref().map(|r| r.login_duration).unwrap_or(0)),
            );
            f.insert("Online.total".into(), secs(d(KmmStatus::Online)));
            f.insert("BackSoon.total".into(), secs(d(KmmStatus::BackSoon)));
            f.insert("Away.total".into(), secs(d(KmmStatus::Away)));
            f.insert(
                "Closed".into(),
                rec.as_ref().map(|r| r.closed_conversations).unwrap_or(0).to_string(),
            );
            let moves = |f: fn(&lp_sim::KmmMoves) -> i64| rec.as_ref().map(|r| f(&r.moves)).unwrap_or(0).to_string();
            f.insert("Transfers".into(), moves(|m| m.transfers()));
            f.insert("BackToQueue".into(), moves(|m| m.back_to_queue()));
            f.insert("Concluded".into(), moves(|m| m.concluded()));
            let mut reasons: BTreeMap<String, i64> = BTreeMap::new();
            for r in rec.iter().flat_map(|r| &r.reason_durations) {
                if r.status == KmmStatus::Away && r.reason_id != "NA" {
                    *reasons.entry(r.reason_id.clone()).or_default() += r.duration;
                }
            }
            for (id, ms) in reasons {
                f.insert(format!("Away.Reason.{id}.total"), secs(ms));
            }
            rep.rows.push(Row {
                attrs: BTreeMap::from([("employeeId".into(), a.clone()), ("agentId".into(), a)]),
                fields: f,
            });
        }
        rep
    }

    /// The messaging `AQ_`: every (agent, skill) pair with a msgconversation record in
    /// one of the quarter's buckets, the configured agents and skills only.
    fn agent_queue(&self, start: DateTime<Utc>) -> Report {
        let g = self.gen;
        let mut agents = self.agents.clone().unwrap_or_else(|| g.agent_ids());
        numeric_sort(&mut agents);
        let mut skills = self.skills.clone().unwrap_or_else(|| g.skill_ids());
        numeric_sort(&mut skills);
        let mut rep = Self::root(start, "AgentQueueData");
        for a in &agents {
            for s in &skills {
                let mut sum: Option<lp_sim::ConvFigures> = None;
                for end in bucket_ends(start) {
                    if let Some(f) = g.msg_conversation(s, a, end) {
                        sum.get_or_insert_with(Default::default).add(&f);
                    }
                }
                let Some(c) = sum else { continue };
                let (handled, time) = (c.total(), c.total_time());
                let avg = if handled == 0 { 0 } else { div_half_up(time, handled) };
                rep.rows.push(Row {
                    attrs: BTreeMap::from([
                        ("employeeId".into(), a.clone()),
                        ("agentId".into(), a.clone()),
                        ("queueId".into(), s.clone()),
                    ]),
                    fields: BTreeMap::from([
                        ("Handled".into(), handled.to_string()),
                        ("ClosedByAgent".into(), c.by_ccp.to_string()),
                        ("ClosedByConsumer".into(), c.by_consumer.to_string()),
                        ("AutoClosed".into(), c.by_system.to_string()),
                        ("HandleTime".into(), time.to_string()),
                        ("AvgHandleTime".into(), avg.to_string()),
                    ]),
                });
            }
        }
        rep
    }

    /// The files of the quarter at `start` in `dir`, field by field: Q_, AQ_ and AS_,
    /// or for a partial quarter Q_ and AS_ only.
    fn check_quarter(&self, dir: &Path, start: DateTime<Utc>) {
        let stem = start.format("%m%d%y.%H%M").to_string();
        assert_eq!(
            read_report(&dir.join(format!("Q_{stem}.xml"))),
            self.queue(start),
            "Q_{stem}"
        );
        assert_eq!(
            read_report(&dir.join(format!("AS_{stem}.xml"))),
            self.agent_system(start),
            "AS_{stem}"
        );
        let aq = dir.join(format!("AQ_{stem}.xml"));
        match self.mode {
            Mode::Partial => assert!(!aq.exists(), "no AQ_ in a partial quarter: {stem}"),
            Mode::Full { .. } => assert_eq!(read_report(&aq), self.agent_queue(start), "AQ_{stem}"),
        }
    }
}

/// A messaging account: chat methods empty, KMM full, OAuth 2.0.
fn messaging(now: DateTime<Utc>) -> Scenario {
    scenario(now).oauth2().with(|o| o.chat_data = false)
}

/// A messaging account of 160 skills and 170 agents: four pages of each method.
fn paged_messaging(now: DateTime<Utc>) -> Scenario {
    messaging(now).with(|o| {
        o.generator.skills = 160;
        o.generator.agents = 170;
    })
}

fn kmm_requests(sim: &Simulator, method: Method) -> usize {
    sim.requests().iter().filter(|r| r.method == Some(method)).count()
}

fn chat_requests(sim: &Simulator) -> usize {
    sim.requests()
        .iter()
        .filter(|r| matches!(r.method, Some(m) if Method::CHAT.contains(&m)))
        .count()
}

const CHANNEL: &str = "LP_CHANNEL=messaging\n";

/// `wfm rerun` in pull mode from `start` to `end` into `out`.
async fn rerun(s: &Setup, out: &Path, start: &str, end: &str, debug: u8, now: DateTime<Utc>) -> std::process::Output {
    let debug = debug.to_string();
    let args = [
        "rerun",
        "--config",
        s.config.to_str().unwrap(),
        "--ftp",
        "pull",
        "--debug",
        &debug,
        "--output",
        out.to_str().unwrap(),
        "--start",
        start,
        "--end",
        end,
    ];
    wfm(&args, now).await
}

fn xml_files(dir: &Path) -> Vec<std::path::PathBuf> {
    files_in(dir).into_iter().map(|n| dir.join(n)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_messaging_loop_delivers_q_aq_and_as_from_both_apis() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = messaging(now).start().await;
    // A newcomer's config: every host from the Domain API (agentManagerWorkspace too).
    let s = Setup::without_hosts(&sim, CHANNEL);
    let out = wfm(&["loop", s.config.to_str().unwrap(), "2", "2", "0"], now).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stderr(&out), "");
    let q = t("2026-11-24T10:00:00Z");
    ExpectKmm::all(sim.generator()).check_quarter(&s.reports(), q);
    assert_eq!(files_in(&s.reports()).len(), 3);
    xmllint(&xml_files(&s.reports()));
    // 5 skills and 10 agents: one page each; one request per Messaging Operations
    // method; no chat method called.
    assert_eq!(kmm_requests(&sim, Method::Metrics), 1);
    assert_eq!(kmm_requests(&sim, Method::AgentView), 1);
    assert_eq!(kmm_requests(&sim, Method::MsgSkillSegments), 1);
    assert_eq!(kmm_requests(&sim, Method::MsgConversation), 1);
    assert_eq!(chat_requests(&sim), 0);
    assert_eq!(sim.token_requests(), 1);
    let reqs = sim.requests();
    let query = |m: Method| {
        let r = reqs.iter().find(|r| r.method == Some(m)).unwrap();
        assert_eq!(r.auth_scheme.as_deref(), Some("Bearer"), "{m:?}");
        r.query.iter().cloned().collect::<BTreeMap<String, String>>()
    };
    let seg = query(Method::MsgSkillSegments);
    assert_eq!(seg["v"], "2");
    assert_eq!(seg["fromMillis"], q.timestamp_millis().to_string());
    assert_eq!(seg["toMillis"], (q.timestamp_millis() + 900_000).to_string());
    assert_eq!(seg["interval"], "15");
    assert_eq!(seg["userType"], "human");
    let conv = query(Method::MsgConversation);
    assert_eq!(conv["v"], "1");
    assert_eq!(conv["timeframe"], "20", "5 × ⌈16.5 min / 5⌉");
    assert_eq!(conv["agentIds"], "all");
    let reqs = sim.requests();
    let view = reqs.iter().find(|r| r.method == Some(Method::AgentView)).unwrap();
    assert_eq!(view.auth_scheme.as_deref(), Some("Bearer"));
    let body: serde_json::Value = serde_json::from_str(view.body.as_deref().unwrap()).unwrap();
    assert!(body["filters"]["effectiveAgentStatus"]
        .as_array()
        .unwrap()
        .contains(&serde_json::json!("OFFLINE")));
    assert_eq!(
        body["filters"]["time"],
        serde_json::json!({"from": q.timestamp_millis(), "to": q.timestamp_millis() + 900_000})
    );
    // Agents logged out by now are there too (the OFFLINE trap).
    let offline_now: Vec<String> = sim
        .generator()
        .agent_ids()
        .into_iter()
        .filter(|a| sim.generator().kmm_agent_offline_now(a, now))
        .filter(|a| {
            sim.generator()
                .kmm_agent(a, q.timestamp_millis(), q.timestamp_millis() + 900_000)
                .is_some()
        })
        .collect();
    let as_text = std::fs::read_to_string(s.reports().join("AS_112426.1000.xml")).unwrap();
    assert!(!offline_now.is_empty(), "the scenario has an agent logged out now");
    for a in &offline_now {
        assert!(as_text.contains(&format!("agentId=\"{a}\"")), "{a} missing");
    }
    // Away reasons in numeric id order within each agent ("3" before "17" before "120").
    let mut saw_several = false;
    for agent in as_text.split("<Agent ").skip(1) {
        let ids: Vec<u64> = agent
            .split("<Reason id=\"")
            .skip(1)
            .map(|r| r.split('"').next().unwrap().parse().unwrap())
            .collect();
        saw_several |= ids.len() > 1;
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    }
    assert!(saw_several, "an agent with several away reasons: {as_text}");
    let log = log_text(&s.path("logs"));
    assert!(
        log.contains("1 of 1 quarter(s) delivered, 3 file(s), 5 request(s)"),
        "4 data and 1 token request: {log}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_past_fifty_skills_and_agents_are_followed_to_the_end() {
    let now = t("2026-11-24T14:20:00Z");
    let sim = paged_messaging(now).start().await;
    let s = Setup::new(&sim, CHANNEL);
    let out = wfm(&["loop", s.config.to_str().unwrap(), "2", "2", "0"], now).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let q = t("2026-11-24T14:00:00Z");
    let exp = ExpectKmm::all(sim.generator());
    exp.check_quarter(&s.reports(), q);
    let skills = skills_with_data(sim.generator(), q).len();
    let agents = agents_with_data(sim.generator(), q).len();
    assert!(
        (101..=150).contains(&skills) && (101..=150).contains(&agents),
        "{skills} skills, {agents} agents: 3 pages each"
    );
    assert!(
        exp.queue(q).rows.len() >= skills,
        "KMM's skills and those of Messaging Operations"
    );
    assert_eq!(kmm_requests(&sim, Method::Metrics), skills.div_ceil(50));
    assert_eq!(kmm_requests(&sim, Method::AgentView), agents.div_ceil(50));
    let offsets: Vec<String> = sim
        .requests()
        .iter()
        .filter(|r| r.method == Some(Method::Metrics))
        .filter_map(|r| r.query.iter().find(|(k, _)| k == "offset").map(|(_, v)| v.clone()))
        .collect();
    assert_eq!(offsets, ["0", "50", "100"]);
    xmllint(&xml_files(&s.reports()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listed_ids_without_data_get_zero_rows_and_the_lists_are_sent() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = messaging(now).start().await;
    let skill = sim.generator().skill_ids()[1].clone();
    let agent = sim.generator().agent_ids()[2].clone();
    let extra = format!("{CHANNEL}LP_SKILL_IDS={skill},999999\nLP_AGENT_IDS={agent},888888\n");
    let s = Setup::new(&sim, &extra);
    let out = wfm(&["loop", s.config.to_str().unwrap(), "2", "2", "0"], now).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let q = t("2026-11-24T10:00:00Z");
    let exp = ExpectKmm {
        gen: sim.generator(),
        skills: Some(vec![skill.clone(), "999999".into()]),
        agents: Some(vec![agent.clone(), "888888".into()]),
        mode: Mode::Full { segments: true },
    };
    exp.check_quarter(&s.reports(), q);
    let zero = &read_report(&s.reports().join("Q_112426.1000.xml")).rows[1];
    assert_eq!(zero.attrs["id"], "999999");
    assert_eq!(zero.fields["Closed"], "0");
    assert!(!zero.fields.contains_key("AvgWaitTime"), "no data: omitted");
    let reqs = sim.requests();
    let metrics = reqs.iter().find(|r| r.method == Some(Method::Metrics)).unwrap();
    let body: serde_json::Value = serde_json::from_str(metrics.body.as_deref().unwrap()).unwrap();
    assert_eq!(body["filters"]["skillIds"], serde_json::json!([skill, "999999"]));
    let view = reqs.iter().find(|r| r.method == Some(Method::AgentView)).unwrap();
    let body: serde_json::Value = serde_json::from_str(view.body.as_deref().unwrap()).unwrap();
    assert_eq!(body["filters"]["agentIds"], serde_json::json!([agent, "888888"]));
    xmllint(&xml_files(&s.reports()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rerun_days_back_with_oauth1_and_debug_2() {
    let now = t("2026-11-24T10:16:30Z");
    // OAuth 1.0a app keys work with KMM too (the query signed, the body not).
    let sim = scenario(now).with(|o| o.chat_data = false).start().await;
    let s = Setup::new(&sim, CHANNEL);
    let out_dir = s.path("out");
    let out = rerun(&s, &out_dir, "112026.2300", "112126.0045", 2, now).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // Days back: partial quarters (KMM alone), so no Messaging Operations request.
    let exp = ExpectKmm::all(sim.generator()).partial();
    let mut q = t("2026-11-20T23:00:00Z");
    while q <= t("2026-11-21T00:45:00Z") {
        exp.check_quarter(&out_dir, q);
        exp.check_quarter(&s.reports(), q);
        q += Duration::minutes(15);
    }
    assert_eq!(files_in(&out_dir).len(), 16, "8 quarters, Q_ and AS_ each");
    assert_eq!(kmm_requests(&sim, Method::Metrics), 8);
    assert_eq!(kmm_requests(&sim, Method::AgentView), 8);
    assert!(sim
        .requests()
        .iter()
        .filter(|r| r.method.is_some())
        .all(|r| r.auth_scheme.as_deref() == Some("OAuth")));
    // Debug 2: every raw page saved, named by method, quarter and offset.
    let dumps = files_in(&s.path("json"));
    assert_eq!(dumps.len(), 16, "{dumps:?}");
    assert!(
        dumps.iter().any(|n| n.starts_with("metrics-112026.2300-0-")),
        "{dumps:?}"
    );
    assert!(
        dumps.iter().any(|n| n.starts_with("agent_view-112126.0045-0-")),
        "{dumps:?}"
    );
    xmllint(&xml_files(&out_dir));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn push_uploads_the_three_files_later_and_a_lost_state_is_rebuilt_from_them() {
    use crate::delivery_support::ftp_server;
    let ftp = |port: u16| ftp_server::lines(port, ftp_server::PASS);
    let first = t("2026-11-24T10:16:30Z");
    let sim = messaging(first).start().await;
    let down = crate::delivery_support::refused_port();
    let s = Setup::new(&sim, &format!("{CHANNEL}{}", ftp(down)));
    let out = wfm(&["loop", s.config.to_str().unwrap(), "1", "2", "0"], first).await;
    assert_eq!(out.status.code(), Some(1), "FTP is down: {}", stderr(&out));
    assert_eq!(files_in(&s.reports()).len(), 3, "Q_, AQ_ and AS_ written, waiting");
    assert_eq!(quarters_in(&s.state_json().unwrap()["written"]), 1);

    // An hour later FTP is back: the waiting quarter goes from REPORT_DIR, the gap is built.
    let server = ftp_server::start_plain().await;
    s.rewrite_config(&format!("FTP_PORT={down}"), &format!("FTP_PORT={}", server.port));
    let later = t("2026-11-24T11:16:30Z");
    sim.set_now(later);
    let out = wfm(&["loop", s.config.to_str().unwrap(), "1", "2", "0"], later).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let pushed = server.names();
    for q in ["112426.1000", "112426.1015", "112426.1045", "112426.1100"] {
        for p in ["Q", "AQ", "AS"] {
            assert!(pushed.contains(&format!("{p}_{q}.xml")), "{p}_{q}: {pushed:?}");
        }
    }
    assert_eq!(pushed.len(), 3 * 5);
    let st = s.state_json().unwrap();
    assert_eq!(quarters_in(&st["delivered"]), 5, "{st}");
    assert_eq!(quarters_in(&st["written"]), 0, "{st}");

    // A damaged state without its backup is rebuilt from the Q_, AQ_ and AS_ files.
    std::fs::write(s.state_file(), b"garbage").unwrap();
    let mut bak = s.state_file().into_os_string();
    bak.push(".bak");
    std::fs::remove_file(bak).unwrap();
    let out = wfm(&["loop", s.config.to_str().unwrap(), "2", "2", "0"], later).await;
    let err = stderr(&out);
    assert!(
        err.contains("the 5 quarter(s) whose files (Q_, AQ_, AS_) are all in"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_most_two_requests_are_in_flight() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = messaging(now).start().await;
    // Every request of a 6-quarter rerun is slow: a client sending more at once would show.
    sim.inject(None, Fault::Slow(std::time::Duration::from_millis(150)), 14);
    let s = Setup::new(&sim, CHANNEL);
    let out_dir = s.path("out");
    let out = rerun(&s, &out_dir, "112426.0830", "112426.0945", 0, now).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(files_in(&out_dir).len(), 18);
    assert_eq!(sim.kmm_max_in_flight(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn catch_up_after_a_day_and_a_half_off_reaches_further_than_chat_would() {
    let before = t("2026-11-22T08:16:30Z");
    let sim = messaging(before).start().await;
    let s = Setup::new(&sim, CHANNEL);
    let out = wfm(&["loop", s.config.to_str().unwrap(), "2", "2", "0"], before).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // The machine is off for 30 hours: chat would have lost 6 of them; messaging
    // builds them partial from KMM (older than now − 1430 min), the rest whole.
    let now = t("2026-11-23T14:16:30Z");
    sim.set_now(now);
    let requests_before = sim.requests().len();
    let out = wfm(&["loop", s.config.to_str().unwrap(), "2", "2", "0"], now).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let mut q = t("2026-11-22T08:00:00Z");
    let (mut n, mut partial) = (0, 0);
    while q <= t("2026-11-23T14:00:00Z") {
        // The first quarter was whole when the first loop built it.
        let exp = ExpectKmm::all(sim.generator());
        let exp = if n == 0 { exp } else { exp.at(now, q) };
        partial += usize::from(exp.mode == Mode::Partial);
        exp.check_quarter(&s.reports(), q);
        q += Duration::minutes(15);
        n += 1;
    }
    assert_eq!(n, 121);
    // 08:15 to 14:15 yesterday: 25 partial quarters; 14:30 on: 95 whole ones.
    assert_eq!(partial, 25);
    assert_eq!(files_in(&s.reports()).len(), 3 * 96 + 2 * 25);
    xmllint(&xml_files(&s.reports()));
    let state = s.state_json().unwrap();
    assert_eq!(quarters_in(&state["lost"]), 0, "nothing lost: {state}");
    assert_eq!(quarters_in(&state["delivered"]), 121);
    assert_eq!(quarters_in(&state["partial"]), 25, "{state}");
    // One request per Messaging Operations method for the 95 whole quarters, the
    // oldest of them 14:30 yesterday.
    let reqs: Vec<_> = sim.requests().into_iter().skip(requests_before).collect();
    let of = |m: Method| reqs.iter().filter(|r| r.method == Some(m)).collect::<Vec<_>>();
    assert_eq!(of(Method::MsgSkillSegments).len(), 1);
    assert_eq!(of(Method::MsgConversation).len(), 1);
    let from = of(Method::MsgSkillSegments)[0]
        .query
        .iter()
        .find(|(k, _)| k == "fromMillis")
        .unwrap()
        .1
        .clone();
    assert_eq!(from, t("2026-11-22T14:30:00Z").timestamp_millis().to_string());
    let tf = of(Method::MsgConversation)[0]
        .query
        .iter()
        .find(|(k, _)| k == "timeframe")
        .unwrap()
        .1
        .clone();
    assert_eq!(tf, "1430", "5 × ⌈1426.5 min / 5 min⌉");
    let log = log_text(&s.path("logs"));
    // 120 quarters, 2 KMM requests each, 2 Messaging Operations requests, one token.
    assert!(
        log.contains("120 of 120 quarter(s) delivered (25 partial: Q_ and AS_ only, Messaging Operations serves 24 h), 335 file(s), 243 request(s)"),
        "{log}"
    );
    assert!(
        log.contains("25 quarter(s) older than now − 1430 min are built partial"),
        "{log}"
    );
    // The next loop has nothing to do: partial quarters are settled, not retried.
    let later = t("2026-11-23T14:20:00Z");
    sim.set_now(later);
    let before = sim.requests().len();
    let out = wfm(&["loop", s.config.to_str().unwrap(), "2", "2", "0"], later).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(sim.requests().len(), before, "nothing to build");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rerun_beyond_fourteen_days_is_a_usage_error() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = messaging(now).start().await;
    let s = Setup::new(&sim, CHANNEL);
    let out = rerun(&s, &s.path("out"), "111026.0900", "111126.0900", 0, now).await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("LivePerson keeps 14 days"), "{err}");
    assert!(err.contains("111026.1045"), "names the oldest quarter served: {err}");
    assert_eq!(sim.data_requests(), 0);
    // 13 days back is fine.
    let out = rerun(&s, &s.path("out"), "111126.1100", "111126.1100", 0, now).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    ExpectKmm::all(sim.generator())
        .partial()
        .check_quarter(&s.path("out"), t("2026-11-11T11:00:00Z"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_kmm_privilege_is_exit_1_naming_it() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = messaging(now).start().await;
    sim.inject(Some(Method::Metrics), Fault::ServerError(403), 5);
    let s = Setup::new(&sim, CHANNEL);
    let out = wfm(&["loop", s.config.to_str().unwrap(), "2", "2", "0"], now).await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("HTTP 403"), "{err}");
    assert!(err.contains("Key Messaging Metrics privilege"), "{err}");
    assert_eq!(files_in(&s.reports()), Default::default());
    // A refusal is not retried, and no other quarter is asked for.
    assert_eq!(kmm_requests(&sim, Method::Metrics), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_busy_quarter_is_retried_and_a_refused_window_fails_only_its_quarter() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = messaging(now).start().await;
    sim.inject(
        Some(Method::AgentView),
        Fault::TooManyRequests {
            retry_after_secs: Some(1),
        },
        1,
    );
    let s = Setup::new(&sim, CHANNEL);
    let out = wfm(&["loop", s.config.to_str().unwrap(), "2", "2", "0"], now).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    ExpectKmm::all(sim.generator()).check_quarter(&s.reports(), t("2026-11-24T10:00:00Z"));
    assert_eq!(kmm_requests(&sim, Method::AgentView), 2);
    assert!(log_text(&s.path("logs")).contains("1 retry"), "the retry is counted");

    // One quarter's window refused (400), the next ones delivered.
    sim.inject(Some(Method::Metrics), Fault::ServerError(400), 1);
    let out_dir = s.path("out");
    let out = rerun(&s, &out_dir, "112426.0900", "112426.0930", 0, now).await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    // Two quarters are asked at once: the refusal hits whichever metrics call comes first.
    let failed: Vec<DateTime<Utc>> = ["2026-11-24T09:00:00Z", "2026-11-24T09:15:00Z", "2026-11-24T09:30:00Z"]
        .into_iter()
        .map(t)
        .filter(|q| !out_dir.join(format!("Q_{}.xml", q.format("%m%d%y.%H%M"))).exists())
        .collect();
    assert_eq!(failed.len(), 1, "{err}");
    assert!(
        err.contains(&failed[0].format("%m%d%y.%H%M").to_string()) && err.contains("HTTP 400"),
        "{err}"
    );
    for q in ["2026-11-24T09:00:00Z", "2026-11-24T09:15:00Z", "2026-11-24T09:30:00Z"].map(t) {
        if q != failed[0] {
            ExpectKmm::all(sim.generator()).check_quarter(&out_dir, q);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn more_than_a_thousand_agents_need_a_list_which_goes_in_batches() {
    let now = t("2026-11-24T14:20:00Z");
    let sim = messaging(now)
        .with(|o| {
            o.generator.agents = 1500;
            o.generator.skills = 3;
        })
        .start()
        .await;
    let s = Setup::new(&sim, CHANNEL);
    let out = wfm(&["loop", s.config.to_str().unwrap(), "2", "2", "0"], now).await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("list the agent ids in LP_AGENT_IDS"), "{err}");
    assert_eq!(files_in(&s.reports()), Default::default());

    // The same account with every id listed: two batches, 1,000 and 500.
    let ids = sim.generator().agent_ids();
    s.rewrite_config(
        "LP_CHANNEL=messaging",
        &format!("LP_CHANNEL=messaging\nLP_AGENT_IDS={}", ids.join(",")),
    );
    s.forget_state();
    let before = kmm_requests(&sim, Method::AgentView);
    // At debug 2, so the batches' replies are kept and can be replayed.
    let out = wfm(&["loop", s.config.to_str().unwrap(), "2", "2", "2"], now).await;
    assert_exit(&out, 0);
    let exp = ExpectKmm {
        gen: sim.generator(),
        skills: None,
        agents: Some(ids.clone()),
        mode: Mode::Full { segments: true },
    };
    exp.check_quarter(&s.reports(), t("2026-11-24T14:00:00Z"));
    let batches: Vec<usize> = sim
        .requests()
        .iter()
        .filter(|r| r.method == Some(Method::AgentView))
        .skip(before)
        .filter(|r| r.query.iter().any(|(k, v)| k == "offset" && v == "0"))
        .map(|r| {
            let body: serde_json::Value = serde_json::from_str(r.body.as_deref().unwrap()).unwrap();
            body["filters"]["agentIds"].as_array().unwrap().len()
        })
        .collect();
    assert_eq!(batches, [1000, 500]);

    // Each batch has a dump of its own, so a replay reads both back.
    let dumps = files_in(&s.path("json"));
    for batch in ["batch1", "batch2"] {
        let prefix = format!("agent_view-112426.1400-{batch}-0-");
        assert!(dumps.iter().any(|n| n.starts_with(&prefix)), "{prefix} in {dumps:?}");
    }
    let original = s.path("original");
    std::fs::rename(s.reports(), &original).unwrap();
    std::fs::create_dir(s.reports()).unwrap();
    let json = s.path("json");
    let out = wfm(
        &[
            "loop",
            "--config",
            s.config.to_str().unwrap(),
            "--replay",
            json.to_str().unwrap(),
        ],
        now,
    )
    .await;
    assert_exit(&out, 0);
    for name in files_in(&original) {
        assert_eq!(
            std::fs::read(original.join(&name)).unwrap(),
            std::fs::read(s.reports().join(&name)).unwrap(),
            "{name} replayed"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_on_the_messaging_channel_names_host_call_and_counts() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = messaging(now).start().await;
    let s = Setup::without_hosts(&sim, CHANNEL);
    let out = wfm(&["check", "--config", s.config.to_str().unwrap()], now).await;
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}{}", stderr(&out));
    assert!(
        text.contains("channel") && text.contains("messaging: Key Messaging Metrics"),
        "{text}"
    );
    assert!(
        text.contains(&format!("LivePerson host          ok      {}", sim.base_url()))
            || text.contains(&sim.base_url()),
        "{text}"
    );
    assert!(
        text.contains("Key Messaging Metrics request (metrics, quarter 112426.1000"),
        "{text}"
    );
    let q = t("2026-11-24T10:00:00Z");
    let skills = skills_with_data(sim.generator(), q).len();
    let agents = agents_with_data(sim.generator(), q).len();
    assert!(
        text.contains(&format!(
            "{skills} skill(s) and {agents} agent(s) in quarter 112426.1000"
        )),
        "{text}"
    );
    assert_eq!(chat_requests(&sim), 0);
    // The chat channel on the same account points to messaging.
    s.rewrite_config("LP_CHANNEL=messaging", "LP_CHANNEL=chat");
    let out = wfm(&["check", "--config", s.config.to_str().unwrap()], now).await;
    assert!(stdout(&out).contains("set LP_CHANNEL=messaging"), "{}", stdout(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_shows_a_messaging_account() {
    let dir = tempfile::tempdir().unwrap();
    let out = wfm_command(
        &[
            "demo",
            "--channel",
            "messaging",
            "--output",
            dir.path().join("d").to_str().unwrap(),
        ],
        None,
    )
    .output()
    .unwrap();
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}{}", stderr(&out));
    assert!(text.contains("a messaging account"), "{text}");
    let reports = dir.path().join("d/reports");
    let names = files_in(&reports);
    // The loop's quarter whole (Q_, AQ_, AS_); the rerun two days back partial.
    assert_eq!(
        text.matches("partial: Q_ and AS_ only, Messaging Operations serves 24 h")
            .count(),
        3,
        "{text}"
    );
    assert_eq!(names.iter().filter(|n| n.starts_with("AQ_")).count(), 1, "{names:?}");
    assert_eq!(names.len(), 9, "loop and a 3-quarter rerun two days back: {names:?}");
    xmllint(&xml_files(&reports));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn file_stamp_end_names_the_files_by_the_quarter_end_and_recovers_from_them() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = messaging(now).start().await;
    let s = Setup::new(&sim, &format!("{CHANNEL}FILE_STAMP=end\n"));
    let cfg = s.config.to_str().unwrap().to_string();
    let out = wfm(&["loop", &cfg, "2", "2", "0"], now).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let want: std::collections::BTreeSet<String> = ["Q_112426.1015.xml", "AQ_112426.1015.xml", "AS_112426.1015.xml"]
        .map(String::from)
        .into_iter()
        .collect();
    assert_eq!(files_in(&s.reports()), want);
    for n in &want {
        let text = std::fs::read_to_string(s.reports().join(n)).unwrap();
        assert!(
            text.contains(r#"start="2026-11-24T10:00:00Z""#) && text.contains(r#"end="2026-11-24T10:15:00Z""#),
            "{n}: {text}"
        );
    }
    // A damaged state without its backup: the end-stamped Q_, AQ_ and AS_ name 10:00-10:15.
    std::fs::write(s.state_file(), b"garbage").unwrap();
    let mut bak = s.state_file().into_os_string();
    bak.push(".bak");
    std::fs::remove_file(bak).unwrap();
    let before = kmm_requests(&sim, Method::Metrics);
    let out = wfm(&["loop", &cfg, "2", "2", "0"], now).await;
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("the 1 quarter(s) whose files (Q_, AQ_, AS_) are all in") && err.contains("112426.1000"),
        "{err}"
    );
    assert_eq!(kmm_requests(&sim, Method::Metrics), before, "not fetched again: {err}");
}

/// A catch-up's failure mail says how many quarters were delivered partial and why,
/// beside the quarter that failed (issue 18: "the log, summary line, status and mail").
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_catch_ups_failure_mail_counts_the_partial_quarters_and_says_why() {
    use crate::delivery_support::smtp_server::start_smtp;
    let smtp = start_smtp(None);
    let mail = format!(
        "EMAIL_SERVER=127.0.0.1\nEMAIL_PORT={}\nEMAIL_TLS=none\nEMAIL_FROM=wfm@example.com\nEMAIL_TO=ops@example.com\n",
        smtp.port
    );
    let before = t("2026-11-22T08:16:30Z");
    let sim = messaging(before).start().await;
    let s = Setup::new(&sim, &format!("{CHANNEL}{mail}"));
    let cfg = s.config.to_str().unwrap().to_string();
    assert_exit(&wfm(&["loop", &cfg, "2", "2", "0"], before).await, 0);
    // 30 hours off; one quarter's KMM window is refused, the others are built.
    let now = t("2026-11-23T14:16:30Z");
    sim.set_now(now);
    sim.inject(Some(Method::Metrics), Fault::ServerError(400), 1);
    let out = wfm(&["loop", &cfg, "2", "2", "0"], now).await;
    assert_exit(&out, 1);
    let state = s.state_json().unwrap();
    let partial = quarters_in(&state["partial"]);
    // 25 quarters are beyond Messaging Operations' 24 h; the refused one may be among them.
    assert!(partial == 24 || partial == 25, "{state}");
    let mails = smtp.mails();
    assert_eq!(mails.len(), 1, "one failure mail");
    let text = mails[0].data.replace("=\r\n", "").replace("=\n", "");
    assert!(
        text.contains(&format!("Delivered partial ({partial})")) && text.contains("Messaging Operations serves 24 h"),
        "{text}"
    );
    assert!(text.contains("HTTP 400"), "names the failure too: {text}");
}
