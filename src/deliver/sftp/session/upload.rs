//! One file's upload: stored under a temporary name, its size checked, renamed (POSIX
//! rename when the server offers it), the temporary removed on failure.

use std::path::Path;

use futures_util::{StreamExt, TryStreamExt};
use russh_sftp::protocol::{FileAttributes, OpenFlags, StatusCode};

use super::Session;
use crate::deliver::sftp::{scrub, SftpError};

/// How much of a file goes in one SFTP write (OpenSSH accepts up to 255 KiB;
/// 32 KiB fits every server's packet limit).
const CHUNK: usize = 32 * 1024;
/// SFTP writes awaiting their answer at once.
const WRITES_IN_FLIGHT: usize = 16;

impl Session<'_> {
    /// Store `path` as `.<name>.part`, check its size, rename it to `name`. Returns the bytes sent.
    pub(in crate::deliver::sftp) async fn upload_one(&mut self, path: &Path, name: &str) -> Result<u64, SftpError> {
        let temp = format!("{}.{name}.part", self.dir);
        let target = format!("{}{name}", self.dir);
        let data = std::fs::read(path).map_err(|e| SftpError::LocalFile {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        let len = data.len() as u64;
        let upload_err = |reason: String| SftpError::Upload {
            addr: self.addr.clone(),
            file: path.display().to_string(),
            temp: temp.clone(),
            reason,
        };
        let step = self.step();
        let written: Result<(), String> = async {
            let handle = step
                .run(
                    "an upload",
                    self.sftp.open(
                        temp.as_str(),
                        OpenFlags::CREATE | OpenFlags::TRUNCATE | OpenFlags::WRITE,
                        FileAttributes::default(),
                    ),
                )
                .await
                .map_err(|e| e.to_string())?
                .map_err(|e| e.to_string())?
                .handle;
            // Several writes in flight, as OpenSSH's sftp does: one round trip per
            // 32 KiB would make a 26 MB AQ_ file take minutes over a slow link.
            let sftp = &self.sftp;
            let handle = handle.as_str();
            futures_util::stream::iter(data.chunks(CHUNK).enumerate())
                .map(|(i, chunk)| async move {
                    let offset = (i * CHUNK) as u64;
                    step.run("an upload", sftp.write(handle, offset, chunk.to_vec()))
                        .await
                        .map_err(|e| e.to_string())?
                        .map(|_| ())
                        .map_err(|e| e.to_string())
                })
                .buffer_unordered(WRITES_IN_FLIGHT)
                .try_collect::<Vec<()>>()
                .await?;
            // The server's verdict on the whole file comes with the close.
            step.run("an upload", self.sftp.close(handle))
                .await
                .map_err(|e| e.to_string())?
                .map_err(|e| e.to_string())?;
            Ok(())
        }
        .await;
        if let Err(reason) = written {
            if self.bounds.passed() {
                return Err(SftpError::Deadline {
                    addr: self.addr.clone(),
                    stage: "an upload",
                });
            }
            self.remove(&temp).await;
            return Err(upload_err(scrub(&reason, self.cfg)));
        }

        let size = step
            .run("a size check", self.sftp.stat(temp.as_str()))
            .await?
            .map(|a| a.attrs.size);
        let problem = match size {
            Ok(Some(n)) if n == len => None,
            Ok(Some(n)) => Some(format!("the server holds {n} bytes but {} has {len}", path.display())),
            // A server that does not report sizes cannot be checked; the writes were all acknowledged.
            Ok(None) => None,
            Err(e) => Some(scrub(&e.to_string(), self.cfg)),
        };
        if let Some(problem) = problem {
            self.remove(&temp).await;
            return Err(SftpError::SizeCheck {
                addr: self.addr.clone(),
                file: temp,
                problem,
            });
        }

        if let Err(reason) = self.rename(&temp, &target).await? {
            self.remove(&temp).await;
            return Err(SftpError::Rename {
                addr: self.addr.clone(),
                from: temp,
                to: target,
                reason: scrub(&reason, self.cfg),
            });
        }
        tracing::debug!("SFTP {}: uploaded {name} ({len} bytes)", self.addr);
        Ok(len)
    }

    /// `temp` to `target`, replacing a file delivered before: `posix-rename`
    /// (atomic) where offered; else plain SFTP rename, which refuses an existing
    /// target, so the old copy is moved aside first and dropped only after.
    async fn rename(&self, temp: &str, target: &str) -> Result<Result<(), String>, SftpError> {
        let step = self.step();
        if self.posix_rename {
            let mut data = Vec::new();
            for s in [temp, target] {
                data.extend_from_slice(&(s.len() as u32).to_be_bytes());
                data.extend_from_slice(s.as_bytes());
            }
            let r = step
                .run("a rename", self.sftp.extended("posix-rename@openssh.com", data))
                .await?;
            return Ok(match r {
                Ok(russh_sftp::protocol::Packet::Status(s)) if s.status_code == StatusCode::Ok => Ok(()),
                Ok(russh_sftp::protocol::Packet::Status(s)) => Err(format!("{}: {}", s.status_code, s.error_message)),
                Ok(_) => Err("unexpected reply to posix-rename".into()),
                Err(e) => Err(e.to_string()),
            });
        }
        match step.run("a rename", self.sftp.rename(temp, target)).await? {
            Ok(_) => return Ok(Ok(())),
            Err(e) => {
                let exists = step.run("a rename", self.sftp.stat(target)).await?.is_ok();
                if !exists {
                    return Ok(Err(e.to_string()));
                }
            }
        }
        let old = format!("{target}.old");
        if let Err(e) = step.run("a rename", self.sftp.rename(target, old.as_str())).await? {
            return Ok(Err(format!("the earlier {target} could not be moved aside: {e}")));
        }
        match step.run("a rename", self.sftp.rename(temp, target)).await? {
            Ok(_) => {
                self.remove(&old).await;
                Ok(Ok(()))
            }
            Err(e) => {
                // Never lose a delivered file: put the old copy back.
                let _ = step.run("a rename", self.sftp.rename(old.as_str(), target)).await;
                Ok(Err(e.to_string()))
            }
        }
    }

    /// Best effort: the connection may already be gone.
    async fn remove(&self, path: &str) {
        if self.bounds.passed() {
            return;
        }
        if let Ok(Err(e)) = self.step().run("a removal", self.sftp.remove(path)).await {
            tracing::debug!(
                "SFTP {}: could not remove {path}: {}",
                self.addr,
                scrub(&e.to_string(), self.cfg)
            );
        }
    }
}
