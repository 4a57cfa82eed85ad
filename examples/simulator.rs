//! Run the LivePerson simulator on its own, for benchmarks and manual trials:
//! `cargo run --release --example simulator -- AGENTS SKILLS [NOW]`
//! prints its base URL and OAuth 2.0 client credentials as config lines (and, as a
//! comment, every agent id, for accounts that must list them), then serves until SIGTERM or
//! SIGINT, and then prints the body bytes of the data replies it sent as
//! `# data bytes sent: N` (a comment, should the output be used as a config).

use chrono::{DateTime, Utc};
use lp_sim::{SimClock, SimOptions, Simulator};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let agents: usize = args.first().map(|s| s.parse()).transpose()?.unwrap_or(8);
    let skills: usize = args.get(1).map(|s| s.parse()).transpose()?.unwrap_or(4);
    let clock = match args.get(2) {
        Some(t) => SimClock::Fixed(DateTime::parse_from_rfc3339(t)?.with_timezone(&Utc)),
        None => SimClock::Real,
    };
    let mut opts = SimOptions::demo("12345678");
    opts.generator.agents = agents;
    opts.generator.skills = skills;
    opts.clock = clock;
    let sim = Simulator::start(opts).await?;
    let c = sim.client();
    println!(
        "LP_ACCOUNT=12345678\nLP_CLIENT_ID={}\nLP_CLIENT_SECRET={}\nLP_BASE_URI={2}\nLP_SENTINEL_URI={2}",
        c.client_id,
        c.client_secret,
        sim.base_url()
    );
    println!("# LP_AGENT_IDS={}", sim.generator().agent_ids().join(","));
    use std::io::Write;
    std::io::stdout().flush()?;
    stopped().await?;
    println!("# data bytes sent: {}", sim.data_bytes_sent());
    std::io::stdout().flush()?;
    sim.shutdown().await;
    Ok(())
}

/// Until SIGTERM or SIGINT.
async fn stopped() -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = signal(SignalKind::terminate())?;
        tokio::select! {
            _ = term.recv() => Ok(()),
            r = tokio::signal::ctrl_c() => r,
        }
    }
    #[cfg(not(unix))]
    tokio::signal::ctrl_c().await
}
