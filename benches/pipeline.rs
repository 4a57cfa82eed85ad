//! Throughput of the run's pipeline on generated replies: parse (reply JSON
//! into compact records), aggregate (records into a quarter's rows), render
//! (rows into the three XML files) and end to end (parse, spill, aggregate,
//! render and write the files, as `wfm rerun` does after the fetch; once with
//! plain writes, once with the run's atomic writes and their fsyncs).
//!
//! `cargo bench --bench pipeline` (criterion; `-- --quick` for a short run).
//! The replies are those of the simulator's generator (`lp_sim::Generator`,
//! seed 7), written here as LivePerson's JSON: 300 agents and 40 skills (the
//! benchmark's large account), 12 quarters (3 hours) and the reply's two edge
//! intervals. Throughput is in bytes of reply JSON, except for render (bytes
//! of XML written).

use chrono::{DateTime, Duration, Utc};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use lp_sim::{Generator, GeneratorConfig};
use std::collections::BTreeSet;
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use wfm::aggregate::{build_quarter, id_ranks, quarter_records, QuarterRecords, QuarterReport, RunIds, Selection};
use wfm::config::{IdSelection, UnmappedAgents};
use wfm::lp::model::{read_reply, AgentInterval, EngInterval, IdTable, Intervals, QueueInterval};
use wfm::mapping::AgentMap;
use wfm::quarter::FileStamp;
use wfm::quarter::{parse_quarter_arg, quarter_range, Quarter};
use wfm::report::render::render_quarter;

#[path = "support/replies.rs"]
mod replies;

const AGENTS: usize = 300;
const SKILLS: usize = 40;

/// The run's quarters: 12, from 14:00 to 16:45 UTC on 24 Nov 2026.
fn quarters() -> Vec<Quarter> {
    quarter_range(
        parse_quarter_arg("112426.1400").expect("a quarter"),
        parse_quarter_arg("112426.1645").expect("a quarter"),
    )
}

/// The three replies covering the quarters, with a partial oldest and an
/// in-progress newest interval around them, as LivePerson sends them.
fn replies(g: &Generator, qs: &[Quarter]) -> [String; 3] {
    let first = qs[0].start();
    let last = qs[qs.len() - 1].end() + Duration::minutes(5);
    let ends: Vec<DateTime<Utc>> = (0..)
        .map(|k| first + Duration::minutes(5 * k))
        .take_while(|e| *e <= last)
        .collect();
    let mut out: [Vec<u8>; 3] = Default::default();
    let [a, b, c] = &mut out;
    replies::write(g, &ends, [a, b, c]).expect("writing to memory");
    out.map(|b| String::from_utf8(b).expect("JSON is UTF-8"))
}

fn wanted(qs: &[Quarter]) -> BTreeSet<i64> {
    qs.iter()
        .flat_map(|q| q.interval_ends())
        .map(|e| e.timestamp_millis())
        .collect()
}

/// The run's parse: each reply's wanted intervals into records, kept by `keep`.
fn parse<T>(
    bodies: &[String; 3],
    wanted: &BTreeSet<i64>,
    ids: &mut IdTable,
    keep: &mut impl FnMut(i64, &[u8]) -> Result<T, String>,
) -> [Intervals<T>; 3] {
    let w = Some(wanted);
    [
        read_reply::<QueueInterval, _>(bodies[0].as_bytes(), w, ids, &mut *keep).expect("queuehealth parses"),
        read_reply::<EngInterval, _>(bodies[1].as_bytes(), w, ids, &mut *keep).expect("engactivity parses"),
        read_reply::<AgentInterval, _>(bodies[2].as_bytes(), w, ids, &mut *keep).expect("agentactivity parses"),
    ]
}

/// A quarter's records as the run reads them, each interval's bytes fetched by `read`.
fn records<T>(index: &[Intervals<T>; 3], q: Quarter, read: &mut impl FnMut(&T) -> Vec<u8>) -> QuarterRecords {
    quarter_records(index.each_ref().map(std::slice::from_ref), q, |b| Ok(read(b))).expect("a quarter's records")
}

fn bench(c: &mut Criterion) {
    let g = Generator::new(GeneratorConfig {
        seed: 7,
        agents: AGENTS,
        skills: SKILLS,
    });
    let qs = quarters();
    let bodies = replies(&g, &qs);
    let json_bytes: u64 = bodies.iter().map(|b| b.len() as u64).sum();
    let wanted = wanted(&qs);
    let (all, map) = (IdSelection::All, AgentMap::default());
    let sel = Selection {
        skills: &all,
        agents: &all,
        agent_map: &map,
        unmapped: UnmappedAgents::Keep,
    };
    let in_memory = |_: i64, b: &[u8]| Ok::<_, String>(b.to_vec());
    let mut ids = IdTable::default();
    let index = parse(&bodies, &wanted, &mut ids, &mut { in_memory });
    let rank = id_ranks(&ids);
    let run_ids = RunIds { ids: &ids, rank: &rank };
    let all_records: Vec<QuarterRecords> = qs.iter().map(|q| records(&index, *q, &mut |b| b.clone())).collect();
    let reports: Vec<QuarterReport> = qs
        .iter()
        .zip(&all_records)
        .map(|(q, r)| build_quarter(r, *q, &sel, run_ids).expect("a quarter builds"))
        .collect();
    let xml_bytes: u64 = reports
        .iter()
        .flat_map(|r| render_quarter(r, "12345678", FileStamp::Start))
        .map(|f| f.bytes.len() as u64)
        .sum();
    eprintln!(
        "{AGENTS} agents x {SKILLS} skills, {} quarters: {json_bytes} bytes of reply JSON, {xml_bytes} bytes of XML",
        qs.len()
    );

    let mut group = c.benchmark_group("pipeline");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(json_bytes));
    group.bench_function("parse", |b| {
        b.iter(|| {
            let mut ids = IdTable::default();
            parse(&bodies, &wanted, &mut ids, &mut { in_memory })
        })
    });
    group.bench_function("aggregate", |b| {
        b.iter(|| {
            for q in &qs {
                let r = records(&index, *q, &mut |b| b.clone());
                std::hint::black_box(build_quarter(&r, *q, &sel, run_ids).expect("a quarter builds"));
            }
        })
    });
    group.throughput(Throughput::Bytes(xml_bytes));
    group.bench_function("render", |b| {
        b.iter(|| {
            for r in &reports {
                std::hint::black_box(render_quarter(r, "12345678", FileStamp::Start));
            }
        })
    });
    group.throughput(Throughput::Bytes(json_bytes));
    // As the run: records spilled to a temporary file and read back per
    // quarter, then the files written: plainly (the work of one core), or as
    // the run writes them (temporary file, fsync, rename, fsync of the folder:
    // bound by the disk, not the core).
    let dir = tempfile::tempdir().expect("a temporary folder");
    for (name, atomic) in [("end_to_end", false), ("end_to_end_fsync", true)] {
        group.bench_function(name, |b| {
            b.iter(|| {
                let mut ids = IdTable::default();
                let mut out = BufWriter::new(tempfile::tempfile().expect("a spill file"));
                let mut offset = 0u64;
                let index = parse(&bodies, &wanted, &mut ids, &mut |_, bytes: &[u8]| {
                    out.write_all(bytes).map_err(|e| e.to_string())?;
                    offset += bytes.len() as u64;
                    Ok((offset - bytes.len() as u64, bytes.len()))
                });
                let mut spill = out.into_inner().expect("the spill is written");
                let rank = id_ranks(&ids);
                let run_ids = RunIds { ids: &ids, rank: &rank };
                for q in &qs {
                    let r = records(&index, *q, &mut |(at, len)| {
                        let mut bytes = vec![0; *len];
                        spill.seek(SeekFrom::Start(*at)).expect("seek");
                        spill.read_exact(&mut bytes).expect("read");
                        bytes
                    });
                    let report = build_quarter(&r, *q, &sel, run_ids).expect("a quarter builds");
                    let files = render_quarter(&report, "12345678", FileStamp::Start);
                    if atomic {
                        wfm::deliver::local::write_quarter(dir.path(), &files).expect("files written");
                    } else {
                        for f in &files {
                            std::fs::write(dir.path().join(&f.name), &f.bytes).expect("a file written");
                        }
                    }
                }
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
