//! A real FTP server for the tests: libunftp with the filesystem back end on a
//! temp dir, on 127.0.0.1 with an ephemeral port, one accepted user, and
//! faults that can be injected into uploads.

use std::fmt::Debug;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use libunftp::options::{FtpsRequired, PassiveHost};
use libunftp::ServerBuilder;
use tokio::io::AsyncReadExt;
use unftp_core::auth::{AuthenticationError, Authenticator, Credentials, DefaultUser, Principal};
use unftp_core::storage::{self, ErrorKind, Fileinfo, StorageBackend};
use unftp_sbe_fs::{Filesystem, Meta};

use super::TestPki;

pub const USER: &str = "wfm";
pub const PASS: &str = "s3cret-ftp-pw";

// ---------------------------------------------------------------- server

/// [`USER`] with this exact password (byte for byte: blanks count).
#[derive(Debug)]
pub struct OneUser(pub String);

#[async_trait]
impl Authenticator for OneUser {
    async fn authenticate(&self, username: &str, creds: &Credentials) -> Result<Principal, AuthenticationError> {
        if username == USER && creds.password.as_deref() == Some(self.0.as_str()) {
            Ok(Principal {
                username: username.to_string(),
            })
        } else {
            Err(AuthenticationError::BadPassword)
        }
    }
}

/// What the storage back end does to an upload.
#[derive(Debug, Clone)]
pub enum Fault {
    None,
    /// Store the first N bytes, then fail the transfer (server replies 451).
    ErrorAfter(usize),
    /// Store the first N bytes, then have the whole server vanish (connections dropped).
    DropAfter(usize, mpsc::Sender<()>),
    /// Store only the first N bytes but report success (226), as a full disk might.
    Truncate(usize),
    /// Refuse to rename over an existing file, as IIS does.
    RefuseOverwrite,
    /// As RefuseOverwrite, and while the flag is set also refuse to rename any
    /// `.part` upload: the replacement of an existing file fails half-way.
    RefuseOverwriteAndParts(Arc<std::sync::atomic::AtomicBool>),
    /// Each upload stores half of its bytes, waits this long, then completes: a
    /// slow link, so that a client can be killed while a half file is on the server.
    SlowPut(Duration),
    /// Fail the first upload of the server's life (451), then work: a passing glitch.
    FailFirstUpload(Arc<std::sync::atomic::AtomicBool>),
}

/// The filesystem back end with a fault injected into `put`.
#[derive(Debug)]
pub struct TestFs {
    inner: Filesystem,
    fault: Fault,
}

#[async_trait]
impl StorageBackend<DefaultUser> for TestFs {
    type Metadata = Meta;

    fn supported_features(&self) -> u32 {
        StorageBackend::<DefaultUser>::supported_features(&self.inner)
    }

    async fn metadata<P: AsRef<Path> + Send + Debug>(&self, user: &DefaultUser, path: P) -> storage::Result<Meta> {
        self.inner.metadata(user, path).await
    }

    async fn list<P: AsRef<Path> + Send + Debug>(
        &self,
        user: &DefaultUser,
        path: P,
    ) -> storage::Result<Vec<Fileinfo<PathBuf, Meta>>>
    where
        <Self as StorageBackend<DefaultUser>>::Metadata: unftp_core::storage::Metadata,
    {
        self.inner.list(user, path).await
    }

    async fn get<P: AsRef<Path> + Send + Debug>(
        &self,
        user: &DefaultUser,
        path: P,
        start_pos: u64,
    ) -> storage::Result<Box<dyn tokio::io::AsyncRead + Send + Sync + Unpin>> {
        self.inner.get(user, path, start_pos).await
    }

    async fn put<P: AsRef<Path> + Send + Debug, R: tokio::io::AsyncRead + Send + Sync + Unpin + 'static>(
        &self,
        user: &DefaultUser,
        input: R,
        path: P,
        start_pos: u64,
    ) -> storage::Result<u64> {
        let limit = match &self.fault {
            Fault::FailFirstUpload(failed) => {
                if failed.swap(true, std::sync::atomic::Ordering::SeqCst) {
                    return self.inner.put(user, input, path, start_pos).await;
                }
                0
            }
            Fault::None | Fault::RefuseOverwrite | Fault::RefuseOverwriteAndParts(_) => {
                return self.inner.put(user, input, path, start_pos).await
            }
            Fault::SlowPut(pause) => {
                let mut input = input;
                let mut all = Vec::new();
                input.read_to_end(&mut all).await.map_err(storage::Error::from)?;
                let half = std::io::Cursor::new(all[..all.len() / 2].to_vec());
                self.inner.put(user, half, path.as_ref(), start_pos).await?;
                tokio::time::sleep(*pause).await;
                return self.inner.put(user, std::io::Cursor::new(all), path, start_pos).await;
            }
            Fault::ErrorAfter(n) | Fault::DropAfter(n, _) | Fault::Truncate(n) => *n as u64,
        };
        let mut input = input;
        let mut partial = Vec::new();
        (&mut input)
            .take(limit)
            .read_to_end(&mut partial)
            .await
            .map_err(storage::Error::from)?;
        let stored = self
            .inner
            .put(user, std::io::Cursor::new(partial), path, start_pos)
            .await?;
        match &self.fault {
            Fault::DropAfter(_, tx) => {
                let _ = tx.send(());
                std::future::pending::<()>().await;
                unreachable!()
            }
            Fault::Truncate(_) => {
                let mut rest = Vec::new();
                input.read_to_end(&mut rest).await.map_err(storage::Error::from)?;
                Ok(stored)
            }
            _ => Err(ErrorKind::LocalError.into()),
        }
    }

    async fn del<P: AsRef<Path> + Send + Debug>(&self, user: &DefaultUser, path: P) -> storage::Result<()> {
        self.inner.del(user, path).await
    }

    async fn mkd<P: AsRef<Path> + Send + Debug>(&self, user: &DefaultUser, path: P) -> storage::Result<()> {
        self.inner.mkd(user, path).await
    }

    async fn rename<P: AsRef<Path> + Send + Debug>(&self, user: &DefaultUser, from: P, to: P) -> storage::Result<()> {
        let refuse_overwrite = matches!(self.fault, Fault::RefuseOverwrite | Fault::RefuseOverwriteAndParts(_));
        if refuse_overwrite && self.inner.metadata(user, to.as_ref()).await.is_ok() {
            return Err(ErrorKind::PermanentFileNotAvailable.into());
        }
        if let Fault::RefuseOverwriteAndParts(flag) = &self.fault {
            let part = from.as_ref().to_string_lossy().ends_with(".part");
            if part && flag.load(std::sync::atomic::Ordering::SeqCst) {
                return Err(ErrorKind::PermanentFileNotAvailable.into());
            }
        }
        self.inner.rename(user, from, to).await
    }

    async fn rmd<P: AsRef<Path> + Send + Debug>(&self, user: &DefaultUser, path: P) -> storage::Result<()> {
        self.inner.rmd(user, path).await
    }

    async fn cwd<P: AsRef<Path> + Send + Debug>(&self, user: &DefaultUser, path: P) -> storage::Result<()> {
        self.inner.cwd(user, path).await
    }
}

/// A libunftp server on 127.0.0.1; its root holds the folder `in`.
pub struct FtpServer {
    pub port: u16,
    pub root: tempfile::TempDir,
    pub rt: Arc<Mutex<Option<tokio::runtime::Runtime>>>,
}

impl FtpServer {
    pub fn inbox(&self) -> PathBuf {
        self.root.path().join("in")
    }

    /// Names in the server's `in` folder, sorted.
    pub fn names(&self) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(self.inbox())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }
}

impl Drop for FtpServer {
    fn drop(&mut self) {
        if let Some(rt) = self.rt.lock().unwrap().take() {
            rt.shutdown_background();
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
pub enum ServerTls {
    Off,
    /// FTPS configured and required on control and data (explicit AUTH TLS).
    Required,
    /// FTPS configured but not required (used behind the implicit-TLS proxy).
    Optional,
}

/// The config lines of plain FTP to the server on `port`, logging in as [`USER`] with `password`.
pub fn lines(port: u16, password: &str) -> String {
    format!(
        "FTP_HOST=127.0.0.1\nFTP_PORT={port}\nFTP_USER={USER}\nFTP_PASSWORD={password}\nFTP_REMOTE_DIR=/in\nFTP_TLS=none\n"
    )
}

/// A plain FTP server with no fault, started off the async runtime.
pub async fn start_plain() -> FtpServer {
    tokio::task::spawn_blocking(|| start_server(ServerTls::Off, None, Fault::None))
        .await
        .unwrap()
}

pub fn start_server(tls: ServerTls, pki: Option<&TestPki>, fault: Fault) -> FtpServer {
    start_server_for(PASS, tls, pki, fault)
}

/// [`start_server`] accepting [`USER`] with `password` only.
pub fn start_server_for(password: &str, tls: ServerTls, pki: Option<&TestPki>, fault: Fault) -> FtpServer {
    let password = password.to_string();
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir(root.path().join("in")).unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let port = listener.local_addr().unwrap().port();
    let root_path = root.path().to_path_buf();
    let certs = pki.map(|p| (p.chain_path.clone(), p.key_path.clone()));
    rt.spawn(async move {
        // Our own accept loop (Server::service) so the port can be ephemeral.
        while let Ok((tcp, _)) = listener.accept().await {
            let root_path = root_path.clone();
            let fault = fault.clone();
            let password = password.clone();
            let mut b = ServerBuilder::with_authenticator(
                Box::new(move || TestFs {
                    inner: Filesystem::new(root_path.clone()).unwrap(),
                    fault: fault.clone(),
                }),
                Arc::new(OneUser(password)),
            )
            .greeting("wfm test FTP server")
            .passive_host(PassiveHost::Ip(Ipv4Addr::LOCALHOST))
            .idle_session_timeout(30);
            if let Some((chain, key)) = &certs {
                b = b.ftps(chain.clone(), key.clone());
                if tls == ServerTls::Required {
                    b = b.ftps_required(FtpsRequired::All, FtpsRequired::All);
                }
            }
            let server = b.build().unwrap();
            tokio::spawn(server.service(tcp));
        }
    });
    FtpServer {
        port,
        root,
        rt: Arc::new(Mutex::new(Some(rt))),
    }
}

/// A server whose storage stops after `n` bytes of an upload and then drops every connection.
pub fn start_dropping_server(n: usize) -> FtpServer {
    let (tx, rx) = mpsc::channel();
    let server = start_server(ServerTls::Off, None, Fault::DropAfter(n, tx));
    let rt = Arc::clone(&server.rt);
    std::thread::spawn(move || {
        if rx.recv_timeout(Duration::from_secs(30)).is_ok() {
            if let Some(rt) = rt.lock().unwrap().take() {
                rt.shutdown_background();
            }
        }
    });
    server
}
