//! Tests only: the streamed replies are byte for byte the replies of the former whole-body
//! builder: their lengths and digests were recorded from it (commit 89cdfbd), and the
//! builder itself is retired (one implementation per rule, issue 20).

use chrono::{DateTime, TimeZone, Utc};
use sha1::{Digest, Sha1};

use super::generator::{Generator, GeneratorConfig};
use super::json::{to_vec, JsonOut, Stop, CHUNK};
use super::params::DataParams;
use super::reply::DataSource;
use crate::{IntervalOrder, Method};

pub(crate) struct Case {
    pub name: &'static str,
    pub cfg: GeneratorConfig,
    pub order: IntervalOrder,
    pub chat_data: bool,
    pub now: DateTime<Utc>,
    pub method: Method,
    pub params: Vec<(String, String)>,
}

/// One case a line: name, AGENTSxSKILLS/SEED (`/msg`: a messaging account), interval order,
/// now (2026-11-24, UTC), method, query. In the query `SKILLS1`, `AGENTS1`, `SKILLS2` and
/// `AGENTS2` stand for lists of ids in no order, with an unknown id and (but `AGENTS2`) a repeat.
const CASES: [&str; 17] = [
    "q-asc 8x4/42 asc 10:08:00 queuehealth timeframe=60&interval=5&v=1&skillIds=all",
    "q-desc-boundary 8x4/42 desc 08:05:00 queuehealth timeframe=60&interval=5&v=1&skillIds=all",
    "q-account-totals 8x4/42 asc 12:00:00 queuehealth timeframe=120&v=1",
    "q-list-shuffled-24h 30x12/7 shuffled 23:59:59 queuehealth timeframe=1440&interval=15&v=1&skillIds=SKILLS2",
    "q-account-intervals 8x4/42 asc 00:02:30 queuehealth timeframe=30&interval=5&v=1",
    "q-messaging 8x4/42/msg asc 12:00:00 queuehealth timeframe=60&interval=5&v=1&skillIds=all",
    "e-asc 8x4/42 asc 15:02:10 engactivity timeframe=30&interval=5&v=1&skillIds=all",
    "e-lists-desc 8x4/42 desc 15:02:10 engactivity timeframe=30&interval=15&v=1&skillIds=SKILLS1&agentIds=AGENTS1",
    "e-shuffled-24h 40x10/42 shuffled 18:07:00 engactivity timeframe=1440&interval=5&v=1&skillIds=all&agentIds=all",
    "e-totals 8x4/42 asc 09:59:00 engactivity timeframe=60&v=1&skillIds=all&agentIds=all",
    "e-messaging 8x4/42/msg asc 12:00:00 engactivity timeframe=60&interval=5&v=1&skillIds=SKILLS1",
    "e-seed7-desc 30x12/7 desc 03:33:03 engactivity timeframe=120&interval=30&v=1&skillIds=SKILLS2&agentIds=all",
    "a-asc 8x4/42 asc 11:31:00 agentactivity timeframe=60&interval=5&v=1&agentIds=all",
    "a-list-shuffled 8x4/42 shuffled 12:03:17 agentactivity timeframe=25&interval=5&v=1&agentIds=AGENTS2",
    "a-desc-24h 50x5/42 desc 18:07:00 agentactivity timeframe=1440&interval=60&v=1&agentIds=all",
    "a-totals 8x4/42 asc 06:44:59 agentactivity timeframe=45&v=1&agentIds=all",
    "a-messaging 8x4/42/msg asc 12:00:00 agentactivity timeframe=60&interval=5&v=1&agentIds=all",
];

pub(crate) fn cases() -> Vec<Case> {
    let ids = |seed, agents, skills| {
        let g = Generator::new(GeneratorConfig { seed, agents, skills });
        (g.agent_ids(), g.skill_ids())
    };
    let (a8, s8) = ids(42, 8, 4);
    let (_, s30) = ids(7, 30, 12);
    let lists = [
        ("SKILLS1", format!("{},{},77,{}", s8[2], s8[0], s8[2])),
        ("AGENTS1", format!("{},5,{},{},{}", a8[1], a8[6], a8[3], a8[1])),
        (
            "SKILLS2",
            format!("{},999,{},{},{},{},{}", s30[4], s30[0], s30[4], s30[9], s30[11], s30[3]),
        ),
        ("AGENTS2", format!("{},{},42,{}", a8[7], a8[0], a8[2])),
    ];
    CASES
        .iter()
        .map(|line| {
            let f: Vec<&str> = line.split(' ').collect();
            let [name, account, order, now, method, query] = f[..] else {
                panic!("{line}")
            };
            let (size, rest) = account.split_once('/').unwrap();
            let (agents, skills) = size.split_once('x').unwrap();
            let seed = rest.trim_end_matches("/msg");
            let hms: Vec<u32> = now.split(':').map(|n| n.parse().unwrap()).collect();
            let params = query
                .split('&')
                .map(|kv| {
                    let (k, v) = kv.split_once('=').unwrap();
                    let v = lists.iter().find(|(n, _)| *n == v).map_or(v, |(_, l)| l.as_str());
                    (k.to_string(), v.to_string())
                })
                .collect();
            Case {
                name,
                cfg: GeneratorConfig {
                    seed: seed.parse().unwrap(),
                    agents: agents.parse().unwrap(),
                    skills: skills.parse().unwrap(),
                },
                order: match order {
                    "asc" => IntervalOrder::Ascending,
                    "desc" => IntervalOrder::Descending,
                    _ => IntervalOrder::Shuffled,
                },
                chat_data: !rest.ends_with("/msg"),
                now: Utc.with_ymd_and_hms(2026, 11, 24, hms[0], hms[1], hms[2]).unwrap(),
                method: Method::from_path_name(method).unwrap(),
                params,
            }
        })
        .collect()
}

pub(crate) fn source(c: &Case) -> DataSource {
    DataSource::new(c.cfg, c.order, c.chat_data)
}

pub(crate) fn digest(bytes: &[u8]) -> String {
    Sha1::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// (case, length, SHA-1) of each case's body, recorded from the whole-body builder before
/// the replies were streamed (commit 89cdfbd).
const RECORDED: [(&str, usize, &str); 17] = [
    ("q-asc", 32646, "ca7e099bb54a0302e53bcad8088e8df3b7cd2f49"),
    ("q-desc-boundary", 29125, "c5cf69c475a5c07639906ffb4ee05be44a284b93"),
    ("q-account-totals", 556, "b374c60dad2768c3c7120223bb09e6f54912ce4b"),
    (
        "q-list-shuffled-24h",
        290253,
        "e7dcf630742f47411c3a2c9864c858e36e93821b",
    ),
    ("q-account-intervals", 4323, "5147bacf1c09086dbae305f45870932445a3bbee"),
    ("q-messaging", 7050, "011e536aaff1804bfd6eb62466ffc78b8f9a2821"),
    ("e-asc", 30948, "5564e94837ff931f25113263efd4a72bab7162dd"),
    ("e-lists-desc", 7135, "dba91da5d266cd14f7692f07d7046fc6aebd831b"),
    ("e-shuffled-24h", 8404404, "496511b53b8dd9178dceb595a73f89e998e29cb2"),
    ("e-totals", 4884, "9557d03459dcf29f0eac44181df1e4136c8eb4e3"),
    ("e-messaging", 14008, "e8e58cc67dea0a23a56bfa21b052d6bd3a481e4a"),
    ("e-seed7-desc", 96876, "f4d093f4a5f06697d3c049b5442200ec501e1a88"),
    ("a-asc", 45055, "4db56440204e3d2b609a98ca45ed621bf10762bb"),
    ("a-list-shuffled", 10294, "c0e7da9127a64edc6d8ab6d2fa41f3e5f0118ba1"),
    ("a-desc-24h", 1087908, "9919043a4fe4927e9b0b2798088e56bce509b21c"),
    ("a-totals", 6058, "ca85d6a5a0745c60796b8a0a9657e7b41e24c3ac"),
    ("a-messaging", 1408, "fee92b6526824cb98bfaaf25442c3aabab4e4dfd"),
];

/// The streamed body of a case, gathered from its chunks.
pub(crate) fn streamed(c: &Case) -> Vec<u8> {
    let p = DataParams::parse(&c.params, c.method).unwrap();
    let reply = source(c).reply(c.method, &p, c.now);
    to_vec(|out| reply.write(out))
}

#[test]
fn streamed_replies_are_the_whole_builders_bytes() {
    let cases = cases();
    assert_eq!(cases.len(), RECORDED.len());
    for (c, (name, len, sha)) in cases.iter().zip(RECORDED) {
        assert_eq!(c.name, name);
        let got = streamed(c);
        assert_eq!(
            (got.len(), digest(&got).as_str()),
            (len, sha),
            "{name}: not the recorded body of the whole-body builder"
        );
    }
}

#[test]
fn a_stopped_receiver_stops_the_writer() {
    let c = cases().into_iter().find(|c| c.name == "e-shuffled-24h").unwrap();
    let p = DataParams::parse(&c.params, c.method).unwrap();
    let reply = source(&c).reply(c.method, &p, c.now);
    let mut chunks = 0;
    let mut emit = |chunk: Vec<u8>| {
        assert!(chunk.len() >= CHUNK);
        chunks += 1;
        if chunks == 3 {
            Err(Stop)
        } else {
            Ok(())
        }
    };
    let mut out = JsonOut::new(&mut emit);
    assert_eq!(reply.write(&mut out), Err(Stop));
    assert_eq!(chunks, 3);
}
