//! The agent-to-employee mapping file: CSV of `LivePerson agent id,NICE employee id`,
//! an optional header line and `#` comments.

use std::collections::HashMap;
use std::path::Path;

/// A problem with the agent map file: it names the file, and the line when the
/// content is at fault. The config turns it into a configuration error (exit status 2).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MapError {
    #[error("agent map {path}, line {line}: {problem}")]
    Line { path: String, line: usize, problem: String },
    #[error("AGENT_MAP_FILE ({path}): cannot read the agent map: {reason}")]
    Unreadable { path: String, reason: String },
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AgentMap {
    employees: HashMap<String, String>,
}

impl AgentMap {
    pub fn employee(&self, agent: &str) -> Option<&str> {
        self.employees.get(agent).map(String::as_str)
    }

    pub fn insert(&mut self, agent: &str, employee: &str) {
        self.employees.insert(agent.to_string(), employee.to_string());
    }

    pub fn len(&self) -> usize {
        self.employees.len()
    }

    pub fn is_empty(&self) -> bool {
        self.employees.is_empty()
    }

    /// Parse the file's text; `path` is only used in messages. The first record
    /// is a header when its agent id is not numeric (LivePerson agent ids are).
    pub fn parse(text: &str, path: &str) -> Result<Self, MapError> {
        let err = |line: usize, problem: String| MapError::Line {
            path: path.to_string(),
            line,
            problem,
        };
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .comment(Some(b'#'))
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let mut map = AgentMap::default();
        let mut first = true;
        for rec in rdr.records() {
            let rec = rec.map_err(|e| {
                let line = e.position().map(|p| p.line() as usize).unwrap_or(0);
                err(line, format!("not valid CSV ({e}); expected `agent id,employee id`"))
            })?;
            let line = rec.position().map(|p| p.line() as usize).unwrap_or(0);
            if rec.iter().all(str::is_empty) {
                continue;
            }
            if rec.len() != 2 {
                return Err(err(
                    line,
                    format!("{} fields; expected two: `agent id,employee id`", rec.len()),
                ));
            }
            let (agent, employee) = (&rec[0], &rec[1]);
            let numeric = !agent.is_empty() && agent.bytes().all(|b| b.is_ascii_digit());
            if first && !numeric {
                first = false;
                continue; // header
            }
            first = false;
            if !numeric {
                return Err(err(
                    line,
                    format!("agent id {agent:?} is not a LivePerson agent id (digits only)"),
                ));
            }
            if employee.is_empty() {
                return Err(err(line, format!("agent {agent} has an empty employee id")));
            }
            if let Some(prev) = map.employees.get(agent) {
                if prev != employee {
                    return Err(err(
                        line,
                        format!("agent {agent} is mapped twice, to {prev:?} and to {employee:?}"),
                    ));
                }
            }
            map.insert(agent, employee);
        }
        Ok(map)
    }

    pub fn load(path: &Path) -> Result<Self, MapError> {
        let text = std::fs::read_to_string(path).map_err(|e| MapError::Unreadable {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        Self::parse(&text, &path.display().to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_comments_and_blank_lines() {
        let m = AgentMap::parse(
            "# LivePerson agent, NICE employee\nagent_id,employee_id\n\n2152260212, E1001\n7,E<7>&\n",
            "map.csv",
        )
        .unwrap();
        assert_eq!(m.len(), 2);
        assert_eq!(m.employee("2152260212"), Some("E1001"));
        assert_eq!(m.employee("7"), Some("E<7>&"));
        let m = AgentMap::parse("1,E1\n2,E2\n", "map.csv").unwrap();
        assert_eq!(m.employee("1"), Some("E1"));
    }

    #[test]
    fn malformed_lines_name_file_and_line() {
        for (text, line, what) in [
            ("1,E1\n2\n", 2, "1 fields"),
            ("1,E1\n2,E2,x\n", 2, "3 fields"),
            ("1,E1\nabc,E2\n", 2, "not a LivePerson agent id"),
            ("1,E1\n2,\n", 2, "empty employee id"),
            ("1,E1\n1,E9\n", 2, "mapped twice"),
            ("h,h\n\"1,E1\n", 2, "1 fields"), // an unclosed quote swallows the comma
        ] {
            let e = AgentMap::parse(text, "map.csv").unwrap_err().to_string();
            assert!(
                e.contains(&format!("map.csv, line {line}")) && e.contains(what),
                "{text:?}: {e}"
            );
        }
    }
}
