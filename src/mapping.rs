//! The agent-to-employee mapping file: CSV of `LivePerson agent id,NICE employee id`,
//! an optional header line (in words) and `#` comments; at least one entry.

use std::collections::HashMap;
use std::path::Path;

/// The most an agent map may hold: 64 MiB is about a million agents.
const MAP_MAX_BYTES: u64 = 64 << 20;

/// A problem with the agent map file: it names the file, and the line when the
/// content is at fault. The config turns it into a configuration error (exit status 2).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MapError {
    #[error("agent map {path}, line {line}: {problem}")]
    Line { path: String, line: usize, problem: String },
    #[error("AGENT_MAP_FILE ({path}): cannot read the agent map: {reason}")]
    Unreadable { path: String, reason: String },
    #[error("AGENT_MAP_FILE ({path}): {EMPTY_MAP}")]
    Empty { path: String },
}

/// Why a map without entries is refused (it would report every agent unmapped).
pub(crate) const EMPTY_MAP: &str =
    "the agent map has no entries; expected lines `agent id,employee id` (or leave AGENT_MAP_FILE unset)";

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

    /// Parse the file's text; `path` is only used in messages. Fields are
    /// trimmed, and a field in double quotes is unquoted, also after a space
    /// (`2, "E0002"`; see [`split_fields`]). The first line is a header only when it looks like
    /// words (see [`is_header`]); every other line must be an entry, and a map
    /// without entries is an error.
    pub fn parse(text: &str, path: &str) -> Result<Self, MapError> {
        let err = |line: usize, problem: String| MapError::Line {
            path: path.to_string(),
            line,
            problem,
        };
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut map = AgentMap::default();
        let mut first = true;
        for (i, raw) in text.split('\n').enumerate() {
            let line = i + 1;
            let raw = raw.strip_suffix('\r').unwrap_or(raw).trim();
            if raw.is_empty() || raw.starts_with('#') {
                continue;
            }
            let fields = split_fields(raw).map_err(|p| err(line, p))?;
            let [agent, employee] = <[String; 2]>::try_from(fields).map_err(|f| {
                err(
                    line,
                    format!("{} fields; expected two: `agent id,employee id`", f.len()),
                )
            })?;
            if std::mem::replace(&mut first, false) && is_header(&[&agent, &employee]) {
                continue;
            }
            if agent.is_empty() || !agent.bytes().all(|b| b.is_ascii_digit()) {
                return Err(err(
                    line,
                    format!("agent id {agent:?} is not a LivePerson agent id (digits only)"),
                ));
            }
            if employee.is_empty() {
                return Err(err(line, format!("agent {agent} has an empty employee id")));
            }
            // Written into every row's employeeId: XML 1.0 cannot hold most control characters.
            if employee
                .chars()
                .any(|c| c.is_control() || c == '\u{FFFE}' || c == '\u{FFFF}')
            {
                return Err(err(
                    line,
                    format!("agent {agent}'s employee id {employee:?} holds a control character, which a NICE WFM file cannot hold"),
                ));
            }
            if let Some(prev) = map.employees.get(&agent) {
                if *prev != employee {
                    return Err(err(
                        line,
                        format!("agent {agent} is mapped twice, to {prev:?} and to {employee:?}"),
                    ));
                }
            }
            map.insert(&agent, &employee);
        }
        if map.is_empty() {
            return Err(MapError::Empty { path: path.to_string() });
        }
        Ok(map)
    }

    pub fn load(path: &Path) -> Result<Self, MapError> {
        let unreadable = |reason: String| MapError::Unreadable {
            path: path.display().to_string(),
            reason,
        };
        // Never blocks (a named pipe) and never grows without end (`/dev/zero`).
        let bytes = crate::atomic::read_capped(path, MAP_MAX_BYTES).map_err(|e| unreadable(e.to_string()))?;
        let text = String::from_utf8(bytes).map_err(|_| unreadable("it is not UTF-8 text".into()))?;
        Self::parse(&text, &path.display().to_string())
    }
}

/// The trimmed fields of one line, split at commas. A field may be in double
/// quotes, blanks around them allowed (`2, "E0002"`), `""` inside standing for
/// one quote; a quote anywhere else is an error.
fn split_fields(line: &str) -> Result<Vec<String>, String> {
    let mut fields = Vec::new();
    let mut rest = line;
    loop {
        let t = rest.trim_start();
        let after = if let Some(q) = t.strip_prefix('"') {
            let mut field = String::new();
            let mut chars = q.char_indices().peekable();
            let mut end = None;
            while let Some((i, c)) = chars.next() {
                if c != '"' {
                    field.push(c);
                } else if chars.next_if(|(_, c)| *c == '"').is_some() {
                    field.push('"');
                } else {
                    end = Some(i + 1);
                    break;
                }
            }
            let Some(end) = end else {
                return Err(format!(
                    "{} fields; expected two: `agent id,employee id` (a quote is not closed)",
                    fields.len() + 1
                ));
            };
            fields.push(field.trim().to_string());
            let after = q[end..].trim_start();
            if !(after.is_empty() || after.starts_with(',')) {
                return Err("text after a closing quote; quote the whole field: `agent id,\"employee id\"`".into());
            }
            after
        } else {
            let end = t.find(',').unwrap_or(t.len());
            let field = t[..end].trim();
            if field.contains('"') {
                return Err("a quote inside a field; quote the whole field: `agent id,\"employee id\"`".into());
            }
            fields.push(field.to_string());
            &t[end..]
        };
        match after.strip_prefix(',') {
            Some(r) => rest = r,
            None => return Ok(fields),
        }
    }
}

/// A header names its columns in words (`agent_id,employee_id`, `LivePerson
/// agent, NICE employee`): letters, blanks, `_`, `-`, `.`, and no digits. An
/// entry always has digits (the agent id), so a mistyped entry such as
/// `2x,E0002` is never taken for a header.
fn is_header(fields: &[&str]) -> bool {
    fields.iter().all(|f| {
        f.chars().any(char::is_alphabetic)
            && f.chars()
                .all(|c| c.is_alphabetic() || matches!(c, ' ' | '\t' | '_' | '-' | '.'))
    })
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
            (
                "1,E1\n2,E\u{1}2\n",
                2,
                r#"employee id "E\u{1}2" holds a control character"#,
            ),
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

    #[test]
    fn fields_are_trimmed_and_unquoted_even_after_a_space() {
        let m = AgentMap::parse(
            "1, \"E0001\"\n2 ,\t\"E0002\" \n\"3\",\"E\"\"3\"\n 4 , \"E\"\"4\"\n",
            "map.csv",
        )
        .unwrap();
        assert_eq!(m.employee("1"), Some("E0001"));
        assert_eq!(m.employee("2"), Some("E0002"));
        assert_eq!(m.employee("3"), Some("E\"3"));
        assert_eq!(m.employee("4"), Some("E\"4"));
        for (text, what) in [
            ("1, \"E1\n", "not closed"),
            ("1, \"E\"1\"\n", "text after a closing quote"),
            ("1, E\"1\n", "a quote inside a field"),
        ] {
            let e = AgentMap::parse(text, "map.csv").unwrap_err().to_string();
            assert!(e.contains("map.csv, line 1") && e.contains(what), "{text:?}: {e}");
        }
    }

    #[test]
    fn a_header_is_recognised_by_its_words_not_by_failing() {
        for header in [
            "agent_id,employee_id",
            "LivePerson agent, NICE employee",
            "Agent ID,\"Employee ID\"",
        ] {
            let m = AgentMap::parse(&format!("\u{feff}# map\n{header}\n1,E1\n"), "map.csv").unwrap();
            assert_eq!((m.len(), m.employee("1")), (1, Some("E1")), "{header}");
        }
        // A first line with a typo is an entry, and wrong: named, not skipped.
        for (text, line) in [("2x,E0002\n1,E1\n", 1), ("\u{feff}# map\n\n 2x , E0002\r\n1,E1\n", 3)] {
            let e = AgentMap::parse(text, "map.csv").unwrap_err().to_string();
            assert!(
                e.contains(&format!("map.csv, line {line}:")) && e.contains("\"2x\""),
                "{text:?}: {e}"
            );
        }
        let m = AgentMap::parse("\u{feff}1,E1\r\n", "map.csv").unwrap();
        assert_eq!(m.employee("1"), Some("E1"), "a BOM is not part of the first agent id");
    }

    #[test]
    fn a_map_without_entries_is_an_error() {
        for text in [
            "",
            "\n\n",
            "# only\n# comments\n",
            "agent_id,employee_id\n",
            "\u{feff}agent,employee\n# none\n",
        ] {
            let e = AgentMap::parse(text, "map.csv").unwrap_err().to_string();
            assert!(e.contains("map.csv") && e.contains("no entries"), "{text:?}: {e}");
        }
    }

    #[test]
    fn a_line_of_empty_fields_is_an_error() {
        let e = AgentMap::parse("1,E1\n , \n", "map.csv").unwrap_err().to_string();
        assert!(
            e.contains("map.csv, line 2") && e.contains("not a LivePerson agent id"),
            "{e}"
        );
    }
}
