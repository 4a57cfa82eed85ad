//! Replay (`--replay DIR`): the transport replaced by a folder of debug-2 dumps.
//! Each call the client would send is mapped to the name its accepted reply was
//! dumped under ([`dump_name`](super::reply::dump_name): method, tag, fetch time),
//! and that file is read instead; no host lookup, token or data request leaves
//! the machine. Any method whose dumps go through the same naming replays
//! without code of its own.

use super::reply::{dump_key, parse_dump_name};
use super::RawReply;
use crate::lp::model::Method;
use crate::lp::LpError;
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The folder a run replays, listed once: a catch-up asks thousands of pages.
#[derive(Debug, Clone)]
pub struct Replay {
    dir: PathBuf,
    /// [`dump_key`] → the newest accepted reply's fetch time and file name.
    newest: HashMap<String, (DateTime<Utc>, String)>,
}

impl Replay {
    /// `dir` must be a folder that can be listed (a usage error otherwise).
    pub fn open(dir: &Path) -> Result<Replay, String> {
        match std::fs::metadata(dir) {
            Ok(m) if m.is_dir() => {}
            Ok(_) => return Err(format!("--replay {}: not a folder; give the JSON_DIR of a run at DEBUG_LEVEL 2 (or a folder holding its dumps)", dir.display())),
            Err(e) => return Err(format!("--replay {}: {e}; give the JSON_DIR of a run at DEBUG_LEVEL 2 (or a folder holding its dumps)", dir.display())),
        }
        let entries =
            std::fs::read_dir(dir).map_err(|e| format!("--replay {}: cannot list the folder: {e}", dir.display()))?;
        Ok(Replay::index(dir, entries))
    }

    /// A folder already checked by [`Replay::open`].
    pub fn at(dir: &Path) -> Replay {
        match std::fs::read_dir(dir) {
            Ok(entries) => Replay::index(dir, entries),
            // Then every reply is missing, and each call says so.
            Err(_) => Replay::index(dir, std::iter::empty()),
        }
    }

    /// The folder's dumps by key, from one listing of it.
    fn index(dir: &Path, entries: impl IntoIterator<Item = std::io::Result<std::fs::DirEntry>>) -> Replay {
        let mut newest: HashMap<String, (DateTime<Utc>, String)> = HashMap::new();
        let names = entries
            .into_iter()
            .flatten()
            .filter_map(|e| e.file_name().into_string().ok());
        for name in names {
            let Some((key, at)) = parse_dump_name(&name) else {
                continue;
            };
            let (key, found) = (key.to_string(), (at, name));
            match newest.get(&key) {
                Some(kept) if *kept >= found => {}
                _ => {
                    newest.insert(key, found);
                }
            }
        }
        Replay {
            dir: dir.to_path_buf(),
            newest,
        }
    }

    /// The newest fetch time among the folder's dumps of accepted replies: the
    /// original run's clock, the replay's "now" when WFM_NOW does not say.
    pub(crate) fn newest_fetch(&self) -> Option<DateTime<Utc>> {
        self.newest.values().map(|(at, _)| *at).max()
    }

    /// The reply to (`method`, `tag`) as the dump holds it; when the folder holds
    /// several (several runs' dumps), the newest.
    pub fn reply(&self, method: Method, tag: Option<&str>) -> Result<RawReply, LpError> {
        let newest = self.newest.get(&dump_key(method, tag)).cloned();
        let missing = |reason: String| LpError::Replay {
            method,
            dir: self.dir.display().to_string(),
            wanted: wanted(method, tag),
            reason,
        };
        let Some((fetched_at, name)) = newest else {
            return Err(missing("no such file".into()));
        };
        let path = self.dir.join(&name);
        let body = crate::atomic::open_regular(&path, std::fs::OpenOptions::new().read(true), false)
            .map_err(|e| missing(format!("{name}: {e}")))?;
        tracing::debug!("replaying {method} from {}", path.display());
        Ok(RawReply {
            method,
            fetched_at,
            body,
        })
    }
}

/// The dump name a request's reply would have, its fetch time left open.
fn wanted(method: Method, tag: Option<&str>) -> String {
    format!("{}-YYYYMMDDTHHMMSS.mmmZ.json", dump_key(method, tag))
}

#[cfg(test)]
mod tests {
    use super::super::reply::{any_dump_time, dump_name, dump_time};
    use super::*;

    #[test]
    fn a_dump_name_maps_back_to_its_request_and_time() {
        let at = DateTime::parse_from_rfc3339("2026-11-24T10:16:01.234Z")
            .unwrap()
            .with_timezone(&Utc);
        let chat = dump_name(Method::QueueHealth, None, at, 200);
        assert_eq!(dump_time(&chat, Method::QueueHealth, None), Some(at));
        // Another method, a part, a refusal: not this request's reply.
        assert_eq!(dump_time(&chat, Method::EngActivity, None), None);
        let part = dump_name(Method::QueueHealth, Some("part1of2"), at, 200);
        assert_eq!(dump_time(&part, Method::QueueHealth, None), None);
        assert_eq!(dump_time(&part, Method::QueueHealth, Some("part1of2")), Some(at));
        let refused = dump_name(Method::QueueHealth, None, at, 401);
        assert_eq!(dump_time(&refused, Method::QueueHealth, None), None);
        assert_eq!(any_dump_time(&refused), None);
        let page = dump_name(Method::Metrics, Some("112426.1000-0"), at, 200);
        assert_eq!(dump_time(&page, Method::Metrics, Some("112426.1000-0")), Some(at));
        assert_eq!(dump_time(&page, Method::Metrics, Some("112426.1000-50")), None);
        assert_eq!(any_dump_time(&page), Some(at));
        assert_eq!(any_dump_time(&format!(".{page}.x1Yz.part")), None);
    }

    #[test]
    fn the_newest_of_several_dumps_is_replayed_and_a_missing_one_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        for (t, body) in [("2026-11-24T10:16:01Z", "old"), ("2026-11-24T10:31:01Z", "new")] {
            let name = dump_name(Method::AgentActivity, None, at(t), 200);
            std::fs::write(dir.path().join(name), body).unwrap();
        }
        let replay = Replay::open(dir.path()).unwrap();
        let r = replay.reply(Method::AgentActivity, None).unwrap();
        assert_eq!(r.fetched_at, at("2026-11-24T10:31:01Z"));
        assert_eq!(r.into_bytes().unwrap(), b"new");
        assert_eq!(replay.newest_fetch(), Some(at("2026-11-24T10:31:01Z")));
        let e = replay.reply(Method::QueueHealth, None).unwrap_err().to_string();
        assert!(e.contains("queuehealth-YYYYMMDDTHHMMSS.mmmZ.json"), "{e}");
        assert!(e.contains(&dir.path().display().to_string()), "{e}");
    }
}
