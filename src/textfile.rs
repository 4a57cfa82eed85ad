//! METRICS_FILE's target, checked before a run writes anything and by `wfm
//! check`: a regular file (or nothing yet), the null device (metrics off), or
//! something refused (a pipe would hang the run, a folder would be replaced).

use std::path::Path;

/// What METRICS_FILE points at.
#[derive(Debug, PartialEq)]
pub enum MetricsTarget {
    /// A regular file, a link, or nothing yet: written.
    File,
    /// The null device (`/dev/null`): metrics are off, nothing is written.
    Off,
}

/// Whether METRICS_FILE can be written: the null device means off; any other
/// existing thing that is not a regular file (a named pipe, another device, a
/// folder) is refused, never replaced or opened (a pipe would hang the run).
pub fn metrics_target(path: &Path) -> Result<MetricsTarget, String> {
    let Ok(meta) = std::fs::metadata(path) else {
        return Ok(MetricsTarget::File);
    };
    if meta.is_file() {
        return Ok(MetricsTarget::File);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::{FileTypeExt, MetadataExt};
        let null = std::fs::metadata("/dev/null").map(|m| m.rdev()).ok();
        if meta.file_type().is_char_device() && (path == Path::new("/dev/null") || Some(meta.rdev()) == null) {
            return Ok(MetricsTarget::Off);
        }
    }
    Err(format!(
        "METRICS_FILE {}: {}",
        path.display(),
        crate::atomic::check_replaceable(path)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_else(|| "not a regular file".into())
    ) + "; set METRICS_FILE to a regular file's path, /dev/null (metrics off), or remove the line")
}
