//! Write the three replies of a 24 h `timeframe` for a generated account, as
//! files a plain HTTP server can serve to `wfm` (`bench/dense.sh`), for
//! accounts too large for the simulator to build in memory:
//! `cargo run --release --example replies -- AGENTS SKILLS NOW DIR`
//! writes DIR/operations/api/account/12345678/{queuehealth,engactivity,agentactivity}.

#[path = "../benches/support/replies.rs"]
mod replies;

use anyhow::Context;
use chrono::{DateTime, Duration, DurationRound, Utc};
use lp_sim::{Generator, GeneratorConfig};
use std::io::{BufWriter, Write};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [agents, skills, now, dir] = args.as_slice() else {
        anyhow::bail!("usage: replies AGENTS SKILLS NOW DIR (NOW in RFC 3339, e.g. 2026-11-24T18:07:00Z)");
    };
    let g = Generator::new(GeneratorConfig {
        seed: 7,
        agents: agents.parse().context("AGENTS")?,
        skills: skills.parse().context("SKILLS")?,
    });
    let now: DateTime<Utc> = DateTime::parse_from_rfc3339(now).context("NOW")?.with_timezone(&Utc);
    // As LivePerson: from the interval holding NOW - 24 h to the one in progress.
    let five = Duration::minutes(5);
    let first = (now - Duration::minutes(1440)).duration_trunc(five)? + five;
    let last = now.duration_trunc(five)? + five;
    let ends: Vec<DateTime<Utc>> = (0..).map(|k| first + five * k).take_while(|e| *e <= last).collect();
    let dir = std::path::Path::new(dir).join("operations/api/account/12345678");
    std::fs::create_dir_all(&dir)?;
    let file = |name: &str| -> anyhow::Result<BufWriter<std::fs::File>> {
        Ok(BufWriter::with_capacity(
            1 << 20,
            std::fs::File::create(dir.join(name))?,
        ))
    };
    let (mut qh, mut ea, mut aa) = (file("queuehealth")?, file("engactivity")?, file("agentactivity")?);
    replies::write(&g, &ends, [&mut qh, &mut ea, &mut aa])?;
    for mut f in [qh, ea, aa] {
        f.flush()?;
    }
    Ok(())
}
