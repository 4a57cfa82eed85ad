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
