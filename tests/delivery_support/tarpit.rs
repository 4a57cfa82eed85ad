//! Servers that misbehave on purpose, on 127.0.0.1: a tarpit that greets
//! forever ("220-wait" every so often, never the final "220 " line; a valid
//! start of an FTP or SMTP greeting, each line well within any read timeout),
//! and a scripted FTP server whose login reply tries to forge a log line.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// A listening server that stops accepting (and ends its connections) when dropped.
pub struct Misbehaving {
    pub port: u16,
    /// Connections accepted so far.
    pub connections: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
}

impl Drop for Misbehaving {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

fn serve(handle: impl Fn(TcpStream, &AtomicBool) + Send + Sync + 'static) -> Misbehaving {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let stop = Arc::new(AtomicBool::new(false));
    let connections = Arc::new(AtomicUsize::new(0));
    let (s, c) = (stop.clone(), connections.clone());
    let handle = Arc::new(handle);
    std::thread::spawn(move || {
        while !s.load(Ordering::SeqCst) {
            match listener.accept() {
                Ok((conn, _)) => {
                    c.fetch_add(1, Ordering::SeqCst);
                    let _ = conn.set_nonblocking(false);
                    let (h, s) = (handle.clone(), s.clone());
                    std::thread::spawn(move || h(conn, &s));
                }
                Err(_) => std::thread::sleep(Duration::from_millis(10)),
            }
        }
    });
    Misbehaving {
        port,
        connections,
        stop,
    }
}

/// Accepts and greets forever: `220-wait` every `every`, never the final line.
pub fn start_tarpit(every: Duration) -> Misbehaving {
    serve(move |mut conn, stop| {
        while !stop.load(Ordering::SeqCst) {
            if conn.write_all(b"220-wait\r\n").is_err() {
                return;
            }
            std::thread::sleep(every);
        }
    })
}

/// An FTP server that greets, takes USER, and answers PASS with a multi-line
/// 530 whose lines hold `forged` (control characters included, as a server may send).
pub fn start_forging_ftp(forged: &'static str) -> Misbehaving {
    serve(move |mut conn, _| {
        let mut reader = BufReader::new(conn.try_clone().unwrap());
        let _ = conn.write_all(b"220 ready\r\n");
        let mut line = String::new();
        while reader.read_line(&mut line).unwrap_or(0) > 0 {
            let reply = if line.starts_with("USER") {
                "331 password please\r\n".to_string()
            } else if line.starts_with("PASS") {
                format!("530-Login incorrect\r\n{forged}\r\n530 \r{forged}\u{1b}[2K end\r\n")
            } else {
                "502 no\r\n".to_string()
            };
            if conn.write_all(reply.as_bytes()).is_err() {
                return;
            }
            line.clear();
        }
    })
}
