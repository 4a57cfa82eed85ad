//! The query (and, for a POST, JSON body) parameters of a data call, checked as
//! LivePerson checks them.

use crate::Method;

/// `skillIds` or `agentIds`: missing, `all`, or a list (duplicates dropped, order kept).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum IdSel {
    Missing,
    All,
    List(Vec<String>),
}

impl IdSel {
    pub(crate) fn parse(v: Option<&str>) -> IdSel {
        match v.map(str::trim) {
            None | Some("") => IdSel::Missing,
            Some(s) if s.eq_ignore_ascii_case("all") => IdSel::All,
            Some(s) => {
                let mut ids: Vec<String> = Vec::new();
                for id in s.split(',').map(str::trim).filter(|i| !i.is_empty()) {
                    if !ids.iter().any(|x| x == id) {
                        ids.push(id.to_string());
                    }
                }
                IdSel::List(ids)
            }
        }
    }

    /// The ids to report; `all` (or missing) = every known id.
    pub fn resolve(&self, known: Vec<String>) -> Vec<String> {
        match self {
            IdSel::List(ids) => ids.clone(),
            _ => known,
        }
    }
}

pub(crate) struct DataParams {
    /// Minutes back from now (1..=1440).
    pub timeframe: i64,
    /// Minutes per interval (a multiple of 5 dividing the timeframe); `None`: totals only.
    pub interval: Option<i64>,
    pub skills: IdSel,
    pub agents: IdSel,
}

impl DataParams {
    pub fn parse(params: &[(String, String)], method: Method) -> Result<DataParams, String> {
        let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        let int = |k: &str, v: &str| {
            v.trim()
                .parse::<i64>()
                .map_err(|_| format!("{k} must be an integer, got {v:?}"))
        };
        let timeframe = int("timeframe", get("timeframe").ok_or("timeframe is required")?)?;
        if !(1..=1440).contains(&timeframe) {
            return Err(format!("timeframe must be between 1 and 1440 minutes, got {timeframe}"));
        }
        let interval = match get("interval") {
            None => None,
            Some(v) => {
                let i = int("interval", v)?;
                if i < 5 || i % 5 != 0 {
                    return Err(format!("interval must be a multiple of 5 minutes, got {i}"));
                }
                if timeframe % i != 0 {
                    return Err(format!("interval {i} must divide timeframe {timeframe}"));
                }
                Some(i)
            }
        };
        if get("v").is_none_or(|v| v.trim().is_empty()) {
            return Err("v is required".into());
        }
        // msgconversation documents v=1 only.
        if method == Method::MsgConversation && get("v").map(str::trim) != Some("1") {
            return Err(format!(
                "unsupported version v={} (msgconversation serves v=1)",
                get("v").unwrap_or_default().trim()
            ));
        }
        let agents = IdSel::parse(get("agentIds"));
        if method == Method::AgentActivity && agents == IdSel::Missing {
            return Err("agentIds is required".into());
        }
        Ok(DataParams {
            timeframe,
            interval,
            skills: IdSel::parse(get("skillIds")),
            agents,
        })
    }
}
