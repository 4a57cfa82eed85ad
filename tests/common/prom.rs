//! METRICS_FILE read as a Prometheus scraper would: the text format's shape
//! checked here, by the test's own reading, not through wfm's parser.

use std::collections::BTreeMap;

/// The samples of a Prometheus textfile, keyed `name{labels}` as written, after
/// checking its shape: each family once, `# HELP` then `# TYPE name gauge`, its
/// samples right below, label values plain (`[0-9a-z_]`), values numbers.
pub fn prom_samples(text: &str) -> BTreeMap<String, f64> {
    let mut out = BTreeMap::new();
    let mut families: Vec<String> = Vec::new();
    let mut helped: Option<String> = None;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let name = rest.split_once(' ').map_or(rest, |(n, _)| n);
            assert!(!families.iter().any(|f| f == name), "{name} twice:\n{text}");
            helped = Some(name.to_string());
        } else if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').unwrap();
            assert_eq!(kind, "gauge", "{line}");
            assert_eq!(helped.take().as_deref(), Some(name), "HELP before {line}");
            families.push(name.to_string());
        } else {
            let (key, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("{line}"));
            let (name, labels) = key.split_once('{').unwrap_or_else(|| panic!("{line}"));
            assert_eq!(families.last().map(String::as_str), Some(name), "TYPE before {line}");
            let labels = labels.strip_suffix('}').unwrap_or_else(|| panic!("{line}"));
            for label in labels.split(',') {
                let (k, v) = label.split_once('=').unwrap_or_else(|| panic!("{line}"));
                assert!(k.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'), "{line}");
                let v = v.strip_prefix('"').and_then(|v| v.strip_suffix('"'));
                let plain = |v: &str| v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
                assert!(v.is_some_and(plain), "{line}");
            }
            let value: f64 = value.parse().unwrap_or_else(|_| panic!("{line}"));
            assert!(out.insert(key.to_string(), value).is_none(), "{key} twice");
        }
    }
    out
}

/// The `wfm_method_requests` samples of one job and account: method to value.
pub fn method_requests(samples: &BTreeMap<String, f64>, job: &str, account: &str) -> BTreeMap<String, f64> {
    let prefix = format!("wfm_method_requests{{job=\"{job}\",account=\"{account}\",method=\"");
    samples
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix(&prefix)?.strip_suffix("\"}")?.to_string(), *v)))
        .collect()
}

/// The gauge `name` of one job and account.
pub fn gauge(samples: &BTreeMap<String, f64>, name: &str, job: &str, account: &str) -> f64 {
    let key = format!("{name}{{job=\"{job}\",account=\"{account}\"}}");
    *samples.get(&key).unwrap_or_else(|| panic!("no {key}: {samples:?}"))
}

/// What the simulator counted so far, by the names of METRICS_FILE's `method` label.
pub fn counted(sim: &lp_sim::Simulator) -> BTreeMap<String, f64> {
    use lp_sim::Method;
    let mut out: BTreeMap<String, f64> = [
        ("queuehealth", Method::QueueHealth),
        ("engactivity", Method::EngActivity),
        ("agentactivity", Method::AgentActivity),
        ("msgskillsegments", Method::MsgSkillSegments),
        ("msgconversation", Method::MsgConversation),
        ("metrics", Method::Metrics),
        ("agent_view", Method::AgentView),
    ]
    .into_iter()
    .map(|(name, m)| (name.to_string(), sim.method_requests(m) as f64))
    .collect();
    out.insert("token".into(), sim.token_requests() as f64);
    out
}

/// The methods asked between two [`counted`], with how often.
pub fn asked(before: &BTreeMap<String, f64>, after: &BTreeMap<String, f64>) -> BTreeMap<String, f64> {
    after
        .iter()
        .map(|(k, v)| (k.clone(), v - before[k]))
        .filter(|(_, v)| *v > 0.0)
        .collect()
}
