//! Build information for `wfm --version`: the git commit (`WFM_GIT_COMMIT`,
//! "unknown" without git or `.git`, e.g. from a crate tarball) and the build date
//! (`WFM_BUILD_DATE`, UTC, from `SOURCE_DATE_EPOCH` when set, else now).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

fn main() {
    let root = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    println!("cargo:rerun-if-env-changed=SOURCE_DATE_EPOCH");
    println!("cargo:rerun-if-changed=build.rs");
    let dot_git = root.join(".git");
    let commit = if dot_git.exists() {
        for path in watched_git_files(&root, &dot_git) {
            println!("cargo:rerun-if-changed={}", path.display());
        }
        git_commit(&root)
    } else {
        None
    };
    println!(
        "cargo:rustc-env=WFM_GIT_COMMIT={}",
        commit.as_deref().unwrap_or("unknown")
    );
    println!("cargo:rustc-env=WFM_BUILD_DATE={}", build_date());
}

/// `git rev-parse --short HEAD` in the package's folder, if git runs and answers.
fn git_commit(root: &Path) -> Option<String> {
    let out = Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .current_dir(root)
        .output()
        .ok()?;
    let s = String::from_utf8(out.stdout).ok()?;
    let s = s.trim();
    (out.status.success() && !s.is_empty() && s.chars().all(|c| c.is_ascii_hexdigit())).then(|| s.to_string())
}

/// `.git/HEAD` and the branch it names, so a commit or a checkout rebuilds the version.
/// `.git` may be a folder or, in a worktree, a file naming the git folder.
fn watched_git_files(root: &Path, dot_git: &Path) -> Vec<PathBuf> {
    let git_dir = if dot_git.is_dir() {
        dot_git.to_path_buf()
    } else {
        match std::fs::read_to_string(dot_git) {
            Ok(s) => match s.trim().strip_prefix("gitdir:") {
                Some(d) => root.join(d.trim()),
                None => return Vec::new(),
            },
            Err(_) => return Vec::new(),
        }
    };
    let common = match std::fs::read_to_string(git_dir.join("commondir")) {
        Ok(c) => git_dir.join(c.trim()),
        Err(_) => git_dir.clone(),
    };
    let head = git_dir.join("HEAD");
    let mut files = vec![head.clone()];
    if let Some(r) = std::fs::read_to_string(&head)
        .ok()
        .and_then(|h| h.trim().strip_prefix("ref:").map(|r| r.trim().to_string()))
    {
        files.push(common.join(r));
        files.push(common.join("packed-refs"));
    }
    // A path that does not exist would make cargo run this script at every build.
    files.retain(|p| p.exists());
    files
}

/// YYYY-MM-DD (UTC) of SOURCE_DATE_EPOCH, else of now.
fn build_date() -> String {
    let secs = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .unwrap_or_else(|| {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0)
        });
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    format!("{y:04}-{m:02}-{d:02}")
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian (H. Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}
