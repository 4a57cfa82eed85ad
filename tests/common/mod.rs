//! Shared helpers of the integration tests: start the LivePerson simulator,
//! write a config for it, run the real `wfm` binary, read the XML it wrote,
//! and compute what it should contain straight from the simulator's generator.

use chrono::{DateTime, Duration, Utc};
use lp_sim::{
    ClientCredentials, Generator, GeneratorConfig, IntervalOrder, OAuthCredentials, SimAuth, SimClock, SimOptions,
    Simulator, TokenOptions, STATE_AWAY,
};
use quick_xml::events::Event;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod prom;
pub use prom::{asked, counted, gauge, method_requests, prom_samples};

pub const ACCOUNT: &str = "12345678";

pub fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn sim_options(now: DateTime<Utc>, order: IntervalOrder) -> SimOptions {
    SimOptions {
        account: ACCOUNT.into(),
        auth: SimAuth::OAuth1,
        credentials: OAuthCredentials {
            consumer_key: "test-key".into(),
            consumer_secret: "test-app-secret-XYZ".into(),
            token: "test-token".into(),
            token_secret: "test-token-secret-XYZ".into(),
        },
        tokens: TokenOptions {
            client: ClientCredentials {
                client_id: "test-client-id".into(),
                client_secret: "test-client-secret-XYZ".into(),
            },
            lifetime: std::time::Duration::from_secs(3600),
            expires_in_as_string: false,
        },
        domain_list_form: false,
        chat_data: true,
        generator: GeneratorConfig {
            seed: 7,
            agents: 10,
            skills: 5,
        },
        clock: SimClock::Fixed(now),
        order,
    }
}

/// The one way an end-to-end test sets up its LivePerson: `scenario(now)`, then
/// what differs from the default (OAuth 1.0a account, seed 7, 10 agents, 5 skills,
/// ascending intervals, the clock fixed at `now`), then `start()`. The test's
/// folder and config come from [`Setup`].
pub struct Scenario {
    opts: SimOptions,
}

pub fn scenario(now: DateTime<Utc>) -> Scenario {
    Scenario {
        opts: sim_options(now, IntervalOrder::Ascending),
    }
}

impl Scenario {
    pub fn order(mut self, order: IntervalOrder) -> Self {
        self.opts.order = order;
        self
    }

    /// An account with OAuth 2.0 client credentials.
    pub fn oauth2(mut self) -> Self {
        self.opts.auth = SimAuth::OAuth2;
        self
    }

    /// Any other option of the simulator.
    pub fn with(mut self, change: impl FnOnce(&mut SimOptions)) -> Self {
        change(&mut self.opts);
        self
    }

    pub async fn start(self) -> Simulator {
        Simulator::start(self.opts).await.expect("simulator starts")
    }
}

/// A test folder with a config for `sim`; `extra` lines are appended (later keys win).
pub struct Setup {
    pub dir: tempfile::TempDir,
    pub config: PathBuf,
    /// LP_ACCOUNT of the config: the simulator's.
    pub account: String,
}

impl Setup {
    /// A config with the credentials of the simulator's scheme and its hosts.
    pub fn new(sim: &Simulator, extra: &str) -> Setup {
        // Both data hosts (chat and Key Messaging Metrics): a config names the channel.
        let mut host = format!("LP_BASE_URI={}\nLP_KMM_URI={}\n", sim.base_url(), sim.base_url());
        if sim.auth() == SimAuth::OAuth2 {
            host += &format!("LP_SENTINEL_URI={}\n", sim.base_url());
        }
        Setup::with_lines(sim.account(), &(credential_lines(sim) + &host), extra)
    }

    /// A config as a newcomer writes it: account and credentials, no host (every host
    /// comes from the simulator's Domain API).
    pub fn without_hosts(sim: &Simulator, extra: &str) -> Setup {
        let domain = format!("LP_DOMAIN_API={}\n", sim.base_url());
        Setup::with_lines(sim.account(), &(credential_lines(sim) + &domain), extra)
    }

    /// `extra` comes last, so its keys win.
    fn with_lines(account: &str, lines: &str, extra: &str) -> Setup {
        let dir = tempfile::tempdir().unwrap();
        let text = format!("LP_ACCOUNT={account}\n{lines}REPORT_DIR=reports\nLOG_DIR=logs\nJSON_DIR=json\n{extra}\n");
        let config = dir.path().join("config.navomi");
        std::fs::write(&config, text).unwrap();
        // Owner-only, as the README installs it: a config holding secrets that others
        // can read is warned about on stderr, which tests of a quiet run must not see.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        Setup {
            dir,
            config,
            account: account.to_string(),
        }
    }

    /// The default state folder: `state` beside the config (STATE_DIR unset).
    pub fn state_dir(&self) -> PathBuf {
        self.dir.path().join("state")
    }

    /// The default state file (STATE_DIR and STATE_FILE unset): one per account.
    pub fn state_file(&self) -> PathBuf {
        self.state_dir().join(format!("wfm-state-{}.json", self.account))
    }

    /// The run lock: `<STATE_FILE>.lock`.
    pub fn lock_file(&self) -> PathBuf {
        let mut p = self.state_file().into_os_string();
        p.push(".lock");
        PathBuf::from(p)
    }

    /// The state file's JSON, if there is one.
    pub fn state_json(&self) -> Option<serde_json::Value> {
        std::fs::read(self.state_file())
            .ok()
            .map(|b| serde_json::from_slice(&b).expect("the state file is always whole JSON"))
    }

    /// Replace the config's text, keeping the folder (and so the state).
    pub fn rewrite_config(&self, replace: &str, with: &str) {
        let text = std::fs::read_to_string(&self.config).unwrap();
        assert!(text.contains(replace), "{replace:?} not in the config");
        std::fs::write(&self.config, text.replace(replace, with)).unwrap();
    }

    /// Remove the state file, so the next `loop` builds the newest quarter again.
    pub fn forget_state(&self) {
        let _ = std::fs::remove_file(self.state_file());
        let mut bak = self.state_file().into_os_string();
        bak.push(".bak");
        let _ = std::fs::remove_file(bak);
    }

    pub fn reports(&self) -> PathBuf {
        self.dir.path().join("reports")
    }

    pub fn path(&self, p: &str) -> PathBuf {
        self.dir.path().join(p)
    }
}

/// The config lines of the simulator's credentials, for its scheme.
pub fn credential_lines(sim: &Simulator) -> String {
    match sim.auth() {
        SimAuth::OAuth1 => {
            let c = sim.credentials();
            format!(
                "LP_APP_KEY={}\nLP_APP_SECRET={}\nLP_ACCESS_TOKEN={}\nLP_ACCESS_TOKEN_SECRET={}\n",
                c.consumer_key, c.consumer_secret, c.token, c.token_secret
            )
        }
        SimAuth::OAuth2 => {
            let c = sim.client();
            format!("LP_CLIENT_ID={}\nLP_CLIENT_SECRET={}\n", c.client_id, c.client_secret)
        }
    }
}

/// Run the real binary (off the async runtime, so the simulator keeps serving).
pub async fn wfm(args: &[&str], now: DateTime<Utc>) -> Output {
    wfm_env(args, now, &[]).await
}

pub async fn wfm_env(args: &[&str], now: DateTime<Utc>, env: &[(&str, &str)]) -> Output {
    let mut cmd = wfm_command(args, Some(now));
    for (k, v) in env {
        cmd.env(k, v);
    }
    tokio::task::spawn_blocking(move || cmd.output().expect("wfm runs"))
        .await
        .unwrap()
}

/// The one way tests start the real binary: stray `WFM_*` variables of the
/// test's own environment removed, `WFM_NOW` set to `now` when given, and no
/// real wait for a quarter to settle (`WFM_TEST_SETTLE_WAIT=0`: many tests run
/// at 10:15:00; the tests of that wait set it to 1).
pub fn wfm_command(args: &[&str], now: Option<DateTime<Utc>>) -> Command {
    LAST_COMMAND.with(|c| *c.borrow_mut() = args.iter().map(|a| a.to_string()).collect());
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_wfm"));
    cmd.args(args);
    // A proxy of the machine's own would stand between wfm and the test's servers.
    for (k, _) in std::env::vars() {
        let proxy = ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"].contains(&k.to_ascii_uppercase().as_str());
        if k.starts_with("WFM_") || proxy {
            cmd.env_remove(k);
        }
    }
    if let Some(now) = now {
        cmd.env("WFM_NOW", now.to_rfc3339());
    }
    cmd.env("WFM_TEST_SETTLE_WAIT", "0");
    cmd
}

/// How many quarters a state file's list of `[first, last]` ranges holds.
pub fn quarters_in(ranges: &serde_json::Value) -> usize {
    ranges
        .as_array()
        .map(|rs| {
            rs.iter()
                .map(|r| {
                    let at = |i: usize| t(r[i].as_str().unwrap_or_default());
                    ((at(1) - at(0)).num_minutes() / 15 + 1) as usize
                })
                .sum()
        })
        .unwrap_or(0)
}

/// Every file below `dir` (logs, dumps, reports, state) that holds one of `needles`.
pub fn files_holding(dir: &Path, needles: &[String]) -> Vec<(PathBuf, String)> {
    let mut found = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                todo.push(p);
            } else if let Ok(bytes) = std::fs::read(&p) {
                let text = String::from_utf8_lossy(&bytes);
                for n in needles.iter().filter(|n| text.contains(n.as_str())) {
                    found.push((p.clone(), n.clone()));
                }
            }
        }
    }
    found
}

/// The daily log files' text, concatenated.
pub fn log_text(dir: &Path) -> String {
    files_in(dir)
        .iter()
        .map(|n| std::fs::read_to_string(dir.join(n)).unwrap_or_default())
        .collect()
}

thread_local! {
    /// The arguments of the test's last `wfm` command, for [`assert_exit`].
    static LAST_COMMAND: std::cell::RefCell<Vec<String>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The run exited with `want`; otherwise the test fails showing the command, its
/// stdout and stderr, and the files around its config (state, logs, reports).
#[track_caller]
pub fn assert_exit(out: &Output, want: i32) {
    if out.status.code() == Some(want) {
        return;
    }
    let args = LAST_COMMAND.with(|c| c.borrow().clone());
    // The config is the argument after --config, else the first one naming a file.
    let config = args
        .iter()
        .position(|a| a == "--config")
        .and_then(|i| args.get(i + 1))
        .or_else(|| args.iter().skip(1).find(|a| Path::new(a).is_file()))
        .map(PathBuf::from);
    let listing = config
        .and_then(|c| c.parent().map(Path::to_path_buf))
        .map(|dir| {
            let mut names = Vec::new();
            list_tree(&dir, &dir, &mut names);
            format!("files under {}:\n  {}", dir.display(), names.join("\n  "))
        })
        .unwrap_or_default();
    let command = if args.is_empty() {
        "wfm (not started by common::wfm_command on this thread)".to_string()
    } else {
        format!("wfm {}", args.join(" "))
    };
    panic!(
        "`{command}` exited {:?}, not {want}\n--- stdout\n{}--- stderr\n{}{listing}",
        out.status.code(),
        stdout(out),
        stderr(out)
    );
}

fn list_tree(root: &Path, dir: &Path, out: &mut Vec<String>) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<_> = rd.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        let rel = p.strip_prefix(root).unwrap_or(&p).display().to_string();
        if p.is_dir() {
            out.push(format!("{rel}/"));
            list_tree(root, &p, out);
        } else {
            out.push(format!("{rel} ({} bytes)", p.metadata().map(|m| m.len()).unwrap_or(0)));
        }
    }
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Every name in `dir`, hidden ones included (empty when it does not exist).
pub fn all_names_in(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// The visible files in `dir` (temporaries are hidden); also
/// asserts that no temporary `.part` file is left behind.
pub fn files_in(dir: &Path) -> BTreeSet<String> {
    let all = all_names_in(dir);
    assert!(
        !all.iter().any(|n| n.ends_with(".part")),
        "temporary files left in {}: {all:?}",
        dir.display()
    );
    all.into_iter().filter(|n| !n.starts_with('.')).collect()
}

/// Validate files against the project's XSDs with xmllint: messaging files
/// (`channel="messaging"` on the root) against theirs, the others against the chat one.
pub fn xmllint(files: &[PathBuf]) {
    let (messaging, chat): (Vec<PathBuf>, Vec<PathBuf>) = files.iter().cloned().partition(|f| {
        std::fs::read_to_string(f)
            .map(|t| {
                t.lines()
                    .nth(1)
                    .is_some_and(|root| root.contains(" channel=\"messaging\""))
            })
            .unwrap_or(false)
    });
    xmllint_with("schema/wfm-reports.xsd", &chat);
    xmllint_with("schema/wfm-messaging-reports.xsd", &messaging);
}

fn xmllint_with(schema: &str, files: &[PathBuf]) {
    if files.is_empty() {
        return;
    }
    let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join(schema);
    let out = Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(&schema)
        .args(files)
        .output()
        .expect("xmllint is installed (Debian package libxml2-utils)");
    assert!(
        out.status.success(),
        "xmllint: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// One report row, flattened: attributes and child values by name.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Row {
    pub attrs: BTreeMap<String, String>,
    pub fields: BTreeMap<String, String>,
}

/// A report file: root attributes and its rows in order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Report {
    pub root: String,
    pub attrs: BTreeMap<String, String>,
    pub rows: Vec<Row>,
}

fn attrs_of(e: &quick_xml::events::BytesStart<'_>) -> BTreeMap<String, String> {
    e.attributes()
        .map(|a| {
            let a = a.unwrap();
            (
                a.key.into_inner().to_string(),
                a.normalized_value(quick_xml::XmlVersion::Explicit1_0)
                    .unwrap()
                    .into_owned(),
            )
        })
        .collect()
}

/// Read a report: depth-1 elements are rows; deeper elements become fields
/// (`Offered` -> text, `LoggedIn.total` -> attribute, `Away.Reason.17.total`).
pub fn read_report(path: &Path) -> Report {
    parse_report(&std::fs::read_to_string(path).unwrap())
}

/// [`read_report`] of a file's text.
pub fn parse_report(text: &str) -> Report {
    let mut r = quick_xml::Reader::from_str(text);
    let mut report = Report::default();
    let mut stack: Vec<String> = Vec::new();
    let mut row = Row::default();
    // A field's text: quick-xml hands entity references (`&amp;`) over as
    // events of their own between pieces of text, so they are joined here.
    let mut text = String::new();
    let open = |e: &quick_xml::events::BytesStart<'_>, stack: &Vec<String>, row: &mut Row, report: &mut Report| {
        let name = e.name().into_inner().to_string();
        let attrs = attrs_of(e);
        match stack.len() {
            0 => {
                report.root = name.clone();
                report.attrs = attrs;
            }
            1 => {
                *row = Row {
                    attrs,
                    fields: BTreeMap::new(),
                }
            }
            _ => {
                let mut key = stack[2..].join(".");
                if !key.is_empty() {
                    key.push('.');
                }
                key.push_str(&name);
                if name == "Reason" {
                    key = format!("{key}.{}", attrs["id"]);
                }
                for (k, v) in attrs {
                    if !(name == "Reason" && k == "id") {
                        row.fields.insert(format!("{key}.{k}"), v);
                    }
                }
            }
        }
        name
    };
    loop {
        match r.read_event().unwrap() {
            Event::Start(e) => {
                text.clear();
                let name = open(&e, &stack, &mut row, &mut report);
                stack.push(name);
            }
            Event::Empty(e) => {
                open(&e, &stack, &mut row, &mut report);
                if stack.len() == 1 {
                    report.rows.push(std::mem::take(&mut row));
                }
            }
            Event::Text(t) => text.push_str(&t.xml10_content()),
            Event::GeneralRef(g) => match g.resolve_char_ref().unwrap() {
                Some(c) => text.push(c),
                None => text.push_str(quick_xml::escape::resolve_predefined_entity(&g.into_inner()).unwrap()),
            },
            Event::End(_) => {
                let s = text.trim();
                if !s.is_empty() && stack.len() >= 3 {
                    row.fields.insert(stack[2..].join("."), s.to_string());
                }
                text.clear();
                stack.pop();
                if stack.len() == 1 {
                    report.rows.push(std::mem::take(&mut row));
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    report
}

/// Numeric order of numeric ids (9 < 10 < 199).
pub fn numeric_sort(v: &mut [String]) {
    v.sort_by_key(|s| (s.len(), s.clone()));
}

/// Half-up integer division, written independently of the product's code.
pub fn div_half_up(sum: i64, count: i64) -> i64 {
    let (q, r) = (sum / count, sum % count);
    if 2 * r >= count {
        q + 1
    } else {
        q
    }
}

/// What the three files of a quarter must hold, computed from the generator alone.
pub struct Expect<'a> {
    pub gen: &'a Generator,
    /// `None` = all.
    pub skills: Option<Vec<String>>,
    pub agents: Option<Vec<String>>,
    pub map: BTreeMap<String, String>,
    pub skip_unmapped: bool,
}

impl<'a> Expect<'a> {
    /// Every skill and agent, no agent map: the default config.
    pub fn all(gen: &'a Generator) -> Self {
        Expect {
            gen,
            skills: None,
            agents: None,
            map: BTreeMap::new(),
            skip_unmapped: false,
        }
    }

    fn ends(start: DateTime<Utc>) -> [DateTime<Utc>; 3] {
        [5, 10, 15].map(|m| start + Duration::minutes(m))
    }

    fn root(start: DateTime<Utc>, name: &str) -> Report {
        let f = |t: DateTime<Utc>| t.format("%Y-%m-%dT%H:%M:%SZ").to_string();
        Report {
            root: name.into(),
            attrs: BTreeMap::from([
                ("account".into(), ACCOUNT.into()),
                ("start".into(), f(start)),
                ("end".into(), f(start + Duration::minutes(15))),
            ]),
            rows: vec![],
        }
    }

    fn employee(&self, agent: &str) -> Option<String> {
        match self.map.get(agent) {
            Some(e) => Some(e.clone()),
            None if self.skip_unmapped => None,
            None => Some(agent.to_string()),
        }
    }

    fn agent_listed(&self, a: &str) -> bool {
        self.agents.as_ref().is_none_or(|l| l.iter().any(|x| x == a))
    }

    fn skill_listed(&self, s: &str) -> bool {
        self.skills.as_ref().is_none_or(|l| l.iter().any(|x| x == s))
    }

    pub fn queue(&self, start: DateTime<Utc>) -> Report {
        let ends = Self::ends(start);
        let g = self.gen;
        let mut skills: Vec<String> = match &self.skills {
            Some(l) => l.clone(),
            None => g
                .skill_ids()
                .into_iter()
                .filter(|s| {
                    ends.iter().any(|e| {
                        g.queue_health(s, *e).is_some()
                            || g.agent_ids().iter().any(|a| g.eng_activity(s, a, *e).is_some())
                    })
                })
                .collect(),
        };
        numeric_sort(&mut skills);
        let mut rep = Self::root(start, "QueueData");
        for s in skills {
            let qh: Vec<_> = ends.iter().filter_map(|e| g.queue_health(&s, *e)).collect();
            let sum = |f: fn(&lp_sim::QueueHealthValues) -> i64| qh.iter().map(f).sum::<i64>();
            let (offered, handled, abandoned) = (
                sum(|v| v.entered_q_eng),
                sum(|v| v.connected_eng),
                sum(|v| v.abandoned_eng),
            );
            let (tta, ttab) = (sum(|v| v.total_time_to_answer), sum(|v| v.total_time_to_abandon));
            let mut f = BTreeMap::new();
            let mut put = |k: &str, v: String| {
                f.insert(k.to_string(), v);
            };
            put("Offered", offered.to_string());
            put("Handled", handled.to_string());
            put("Abandoned", abandoned.to_string());
            put("TimeToAnswer", tta.to_string());
            put("TimeToAbandon", ttab.to_string());
            put(
                "AvgTimeToAnswer",
                if handled == 0 { 0 } else { div_half_up(tta, handled) }.to_string(),
            );
            put(
                "AvgTimeToAbandon",
                if abandoned == 0 {
                    0
                } else {
                    div_half_up(ttab, abandoned)
                }
                .to_string(),
            );
            if let Some(m) = qh.iter().map(|v| v.max_queue_size).filter(|m| *m >= 0).max() {
                put("MaxQueueSize", m.to_string());
            }
            let (qs, qc) = (sum(|v| v.queue_size_sum), sum(|v| v.queue_size_count));
            if qc > 0 {
                let c = div_half_up(qs * 100, qc);
                put("AvgQueueSize", format!("{}.{:02}", c / 100, c % 100));
            }
            if let Some(m) = qh.iter().map(|v| v.max_available_slots).filter(|m| *m >= 0).max() {
                put("MaxAvailableSlots", m.to_string());
            }
            let (avs, avc) = (sum(|v| v.available_slots_sum), sum(|v| v.available_slots_count));
            if avc > 0 {
                let c = div_half_up(avs * 100, avc);
                put("AvgAvailableSlots", format!("{}.{:02}", c / 100, c % 100));
            }
            // Whole queue: every agent of the account, whatever LP_AGENT_IDS says.
            let ea: Vec<_> = ends
                .iter()
                .flat_map(|e| {
                    let s = &s;
                    g.agent_ids().into_iter().filter_map(move |a| g.eng_activity(s, &a, *e))
                })
                .collect();
            put(
                "InteractiveClosed",
                ea.iter().map(|v| v.total_interactive_chats).sum::<i64>().to_string(),
            );
            put(
                "NonInteractiveClosed",
                ea.iter()
                    .map(|v| v.total_non_interactive_chats)
                    .sum::<i64>()
                    .to_string(),
            );
            put(
                "HandleTime",
                ea.iter().map(|v| v.total_handling_time).sum::<i64>().to_string(),
            );
            put(
                "NonInteractiveHandleTime",
                ea.iter()
                    .map(|v| v.non_interactive_total_handling_time)
                    .sum::<i64>()
                    .to_string(),
            );
            rep.rows.push(Row {
                attrs: BTreeMap::from([("id".into(), s.clone())]),
                fields: f,
            });
        }
        rep
    }

    pub fn agent_queue(&self, start: DateTime<Utc>) -> Report {
        let ends = Self::ends(start);
        let g = self.gen;
        let mut agents = g.agent_ids();
        numeric_sort(&mut agents);
        let mut skills = g.skill_ids();
        numeric_sort(&mut skills);
        let mut rep = Self::root(start, "AgentQueueData");
        for a in agents.iter().filter(|a| self.agent_listed(a)) {
            let Some(emp) = self.employee(a) else {
                continue;
            };
            for s in skills.iter().filter(|s| self.skill_listed(s)) {
                let v: Vec<_> = ends.iter().filter_map(|e| g.eng_activity(s, a, *e)).collect();
                if v.is_empty() {
                    continue;
                }
                let f = BTreeMap::from([
                    (
                        "InteractiveClosed".to_string(),
                        v.iter().map(|x| x.total_interactive_chats).sum::<i64>().to_string(),
                    ),
                    (
                        "NonInteractiveClosed".to_string(),
                        v.iter().map(|x| x.total_non_interactive_chats).sum::<i64>().to_string(),
                    ),
                    (
                        "Connected".to_string(),
                        v.iter().map(|x| x.connected_engagements).sum::<i64>().to_string(),
                    ),
                    (
                        "HandleTime".to_string(),
                        v.iter().map(|x| x.total_handling_time).sum::<i64>().to_string(),
                    ),
                    (
                        "NonInteractiveHandleTime".to_string(),
                        v.iter()
                            .map(|x| x.non_interactive_total_handling_time)
                            .sum::<i64>()
                            .to_string(),
                    ),
                ]);
                rep.rows.push(Row {
                    attrs: BTreeMap::from([
                        ("employeeId".into(), emp.clone()),
                        ("agentId".into(), a.clone()),
                        ("queueId".into(), s.clone()),
                    ]),
                    fields: f,
                });
            }
        }
        rep
    }

    pub fn agent_system(&self, start: DateTime<Utc>) -> Report {
        let ends = Self::ends(start);
        let g = self.gen;
        let mut agents: Vec<String> = match &self.agents {
            Some(l) => l.clone(),
            None => g
                .agent_ids()
                .into_iter()
                .filter(|a| ends.iter().any(|e| g.agent_states(a, *e).is_some()))
                .collect(),
        };
        numeric_sort(&mut agents);
        let mut rep = Self::root(start, "AgentSystemData");
        for a in agents {
            let Some(emp) = self.employee(&a) else {
                continue;
            };
            let states: Vec<_> = ends.iter().filter_map(|e| g.agent_states(&a, *e)).flatten().collect();
            let mut f = BTreeMap::new();
            for (id, name) in [(-1, "LoggedIn"), (2, "Online"), (3, "BackSoon"), (4, "Away")] {
                let sel: Vec<_> = states.iter().filter(|s| s.id == id).map(|s| &s.value).collect();
                let t = lp_sim::sum_times(sel);
                f.insert(format!("{name}.total"), t.total.to_string());
                f.insert(format!("{name}.chatting"), t.chatting.to_string());
                f.insert(format!("{name}.notChatting"), t.not_chatting.to_string());
                f.insert(
                    format!("{name}.maxConcurrency"),
                    t.chatting_in_max_concurrency.to_string(),
                );
            }
            let mut reasons: BTreeMap<String, Vec<&lp_sim::StateTimes>> = BTreeMap::new();
            for s in states.iter().filter(|s| s.id == STATE_AWAY) {
                for (rid, times) in s.reasons.iter().flatten() {
                    reasons.entry(rid.clone()).or_default().push(times);
                }
            }
            for (rid, times) in reasons {
                let t = lp_sim::sum_times(times);
                f.insert(format!("Away.Reason.{rid}.total"), t.total.to_string());
                f.insert(format!("Away.Reason.{rid}.chatting"), t.chatting.to_string());
                f.insert(format!("Away.Reason.{rid}.notChatting"), t.not_chatting.to_string());
                f.insert(
                    format!("Away.Reason.{rid}.maxConcurrency"),
                    t.chatting_in_max_concurrency.to_string(),
                );
            }
            rep.rows.push(Row {
                attrs: BTreeMap::from([("employeeId".into(), emp), ("agentId".into(), a.clone())]),
                fields: f,
            });
        }
        rep
    }

    /// Compare the three files of the quarter starting at `start` in `dir`, field by field.
    pub fn check_quarter(&self, dir: &Path, start: DateTime<Utc>) {
        let stem = start.format("%m%d%y.%H%M").to_string();
        let q = read_report(&dir.join(format!("Q_{stem}.xml")));
        assert_eq!(q, self.queue(start), "Q_{stem}");
        let aq = read_report(&dir.join(format!("AQ_{stem}.xml")));
        assert_eq!(aq, self.agent_queue(start), "AQ_{stem}");
        let as_ = read_report(&dir.join(format!("AS_{stem}.xml")));
        assert_eq!(as_, self.agent_system(start), "AS_{stem}");
    }
}

/// The three file names of the quarter starting at `start`.
pub fn names(start: DateTime<Utc>) -> [String; 3] {
    let stem = start.format("%m%d%y.%H%M").to_string();
    ["Q", "AQ", "AS"].map(|p| format!("{p}_{stem}.xml"))
}

/// A tiny tmpfs mounted at `dir` for the test's life (a real full disk), or
/// `None` with the reason printed when mounting is not allowed.
pub struct TinyFs(PathBuf);

impl TinyFs {
    pub fn mount(dir: &Path) -> Option<TinyFs> {
        std::fs::create_dir_all(dir).unwrap();
        let out = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=64k", "tmpfs"])
            .arg(dir)
            .output();
        match out {
            Ok(o) if o.status.success() => Some(TinyFs(dir.to_path_buf())),
            Ok(o) => {
                eprintln!("skipped: cannot mount a tmpfs: {}", String::from_utf8_lossy(&o.stderr));
                None
            }
            Err(e) => {
                eprintln!("skipped: cannot run mount: {e}");
                None
            }
        }
    }

    /// Fill it to the last byte; new empty files can still be created.
    pub fn fill(&self) {
        use std::io::Write;
        let mut f = std::fs::File::create(self.0.join("filler")).unwrap();
        let block = vec![0u8; 4096];
        while f.write_all(&block).is_ok() {}
        while f.write_all(&block[..1]).is_ok() {}
    }
}

impl Drop for TinyFs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.0).status();
    }
}
