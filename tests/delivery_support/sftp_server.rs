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
    child: Option<Child>,
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
    /// Start sshd on a free port.
    pub fn start() -> SshServer {
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
                "Port {port}\nListenAddress 127.0.0.1\nHostKey {hk}\nPidFile {d}/sshd.pid\nAuthorizedKeysFile {d}/authorized_keys\nStrictModes no\nPubkeyAuthentication yes\nPasswordAuthentication no\nKbdInteractiveAuthentication no\nPermitRootLogin prohibit-password\nUsePAM no\nSubsystem sftp internal-sftp\nLogLevel ERROR\n",
                hk = d.join("host_ed25519").display(),
                d = d.display()
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
