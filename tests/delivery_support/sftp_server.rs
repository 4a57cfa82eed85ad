//! A real OpenSSH sshd on 127.0.0.1 for the SFTP tests: its own config, host key
//! and authorized_keys in a temporary folder, `internal-sftp`, key login for the
//! user running the tests. CI installs it (`.ci/run`); without it the tests fail
//! and say so, rather than pass without testing anything.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const SSHD: &str = "/usr/sbin/sshd";

pub struct SshServer {
    pub port: u16,
    /// The folder uploads go to (FTP_REMOTE_DIR, absolute).
    pub inbox: PathBuf,
    /// A known_hosts file holding this server's host key for `[127.0.0.1]:port`.
    pub known_hosts: PathBuf,
    /// The client key the server accepts (mode 0600).
    pub client_key: PathBuf,
    /// `type SHA256:...` of the host key, as ssh-keygen -l prints it.
    pub host_fingerprint: String,
    pub user: String,
    pub dir: tempfile::TempDir,
    /// Whether sshd also takes passwords (`start_with_passwords`).
    passwords: bool,
    child: Option<Child>,
}

/// The throwaway system user for password login, `USER:PASSWORD`, that `.ci/run`
/// creates (no test creates a system account by itself). Without it the password
/// test says so and stops: under CI=true it fails, since CI must test it.
pub const PASSWORD_USER_ENV: &str = "WFM_TEST_SFTP_PASSWORD_USER";

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0")
}

/// `(user, password)` from [`PASSWORD_USER_ENV`]; `None` (a loud skip) on a
/// developer's machine without it, a failure in CI.
pub fn password_user() -> Option<(String, String)> {
    match std::env::var(PASSWORD_USER_ENV)
        .ok()
        .and_then(|v| v.split_once(':').map(|(u, p)| (u.to_string(), p.to_string())))
    {
        Some(up) => Some(up),
        None if std::env::var("CI").is_ok_and(|v| v == "true") && is_root() => {
            panic!("{PASSWORD_USER_ENV} is not set: CI's .ci/run creates a system user for the SFTP password test")
        }
        None => {
            eprintln!(
                "SKIPPED: SFTP password login accepted needs a throwaway system user: as root, `useradd -M -s /usr/sbin/nologin wfmsftp && echo wfmsftp:PW | chpasswd`, then {PASSWORD_USER_ENV}=wfmsftp:PW (CI's .ci/run does this)"
            );
            None
        }
    }
}

impl Drop for SshServer {
    fn drop(&mut self) {
        self.stop();
    }
}

fn keygen(path: &Path) {
    let out = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "wfm-test", "-f"])
        .arg(path)
        .output()
        .expect("ssh-keygen runs (install openssh-client)");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl SshServer {
    /// Start sshd on a free port (key login only).
    pub fn start() -> SshServer {
        Self::start_as(false)
    }

    /// Start sshd taking passwords too, with an inbox `owner` may write
    /// (a system user the tests run besides; the tests run as root).
    pub fn start_with_passwords(owner: &str) -> SshServer {
        let s = Self::start_as(true);
        let id = |flag: &str| -> u32 {
            let out = Command::new("id").args([flag, owner]).output().unwrap();
            assert!(out.status.success(), "id {flag} {owner}: no such user");
            String::from_utf8(out.stdout).unwrap().trim().parse().unwrap()
        };
        std::os::unix::fs::chown(&s.inbox, Some(id("-u")), Some(id("-g"))).unwrap();
        use std::os::unix::fs::PermissionsExt;
        // The user walks down to its inbox through the test's temporary folder.
        std::fs::set_permissions(s.dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        s
    }

    fn start_as(passwords: bool) -> SshServer {
        assert!(
            Path::new(SSHD).exists(),
            "{SSHD} is missing: the SFTP tests need a real OpenSSH server; install it with `apt-get install -y openssh-server openssh-client` (CI's .ci/run does)"
        );
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        keygen(&d.join("host_ed25519"));
        keygen(&d.join("client_ed25519"));
        std::fs::copy(d.join("client_ed25519.pub"), d.join("authorized_keys")).unwrap();
        let inbox = d.join("inbox");
        std::fs::create_dir(&inbox).unwrap();
        let user = String::from_utf8(Command::new("id").arg("-un").output().unwrap().stdout)
            .unwrap()
            .trim()
            .to_string();
        let pubkey = std::fs::read_to_string(d.join("host_ed25519.pub")).unwrap();
        let fp = Command::new("ssh-keygen")
            .args(["-l", "-E", "sha256", "-f"])
            .arg(d.join("host_ed25519.pub"))
            .output()
            .unwrap();
        // "256 SHA256:xxx wfm-test (ED25519)"
        let fp = String::from_utf8(fp.stdout).unwrap();
        let host_fingerprint = format!("ssh-ed25519 {}", fp.split_whitespace().nth(1).unwrap());
        let mut s = SshServer {
            port: 0,
            inbox,
            known_hosts: d.join("known_hosts"),
            client_key: d.join("client_ed25519"),
            host_fingerprint,
            user,
            dir,
            passwords,
            child: None,
        };
        let key_type_and_data: Vec<&str> = pubkey.split_whitespace().take(2).collect();
        s.start_on(free_port());
        std::fs::write(
            &s.known_hosts,
            format!("[127.0.0.1]:{} {}\n", s.port, key_type_and_data.join(" ")),
        )
        .unwrap();
        s
    }

    /// (Re)start sshd on `port`.
    pub fn start_on(&mut self, port: u16) {
        self.stop();
        let d = self.dir.path();
        // The privilege separation folder sshd insists on.
        let _ = std::fs::create_dir_all("/run/sshd");
        let config = d.join("sshd_config");
        std::fs::write(
            &config,
            format!(
                "Port {port}\nListenAddress 127.0.0.1\nHostKey {hk}\nPidFile {d}/sshd.pid\nAuthorizedKeysFile {d}/authorized_keys\nStrictModes no\nPubkeyAuthentication yes\nPasswordAuthentication {pw}\nKbdInteractiveAuthentication no\nPermitRootLogin prohibit-password\nUsePAM no\nSubsystem sftp internal-sftp\nLogLevel ERROR\n",
                hk = d.join("host_ed25519").display(),
                d = d.display(),
                pw = if self.passwords { "yes" } else { "no" }
            ),
        )
        .unwrap();
        let pid = d.join("sshd.pid");
        let _ = std::fs::remove_file(&pid);
        let child = Command::new(SSHD)
            .args(["-D", "-e", "-f"])
            .arg(&config)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("sshd starts");
        self.child = Some(child);
        self.port = port;
        // sshd writes its pid file once it listens (a probing connection would log noise).
        let until = Instant::now() + Duration::from_secs(10);
        while !pid.exists() {
            assert!(Instant::now() < until, "sshd did not listen on port {port}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Stop sshd (the port is then refused).
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// The names in the inbox, sorted.
    pub fn names(&self) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(&self.inbox)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    /// The config lines of an SFTP push to this server with key login.
    pub fn lines(&self) -> String {
        format!(
            "FTP_PROTOCOL=sftp\nFTP_HOST=127.0.0.1\nFTP_PORT={}\nFTP_USER={}\nFTP_REMOTE_DIR={}\nSFTP_KNOWN_HOSTS={}\nSFTP_KEY_FILE={}\n",
            self.port,
            self.user,
            self.inbox.display(),
            self.known_hosts.display(),
            self.client_key.display()
        )
    }
}
