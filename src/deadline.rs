//! Every run ends: the run's deadline (RUN_TIMEOUT_SECONDS), created once per
//! run and passed down, and the [`Watchdog`] that enforces it on blocking
//! sockets (FTP, SMTP), which a tokio timeout cannot stop: a server that
//! trickles one line every few seconds never trips a per-read timeout, so the
//! watchdog shuts its sockets down from outside when the time is up.
//! Imports nothing from the crate.

use std::net::{Shutdown, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

/// What the deadline keeps for the failure mail at most (a quarter of a short deadline).
pub(crate) const MAIL_RESERVE: Duration = Duration::from_secs(30);

/// The deadline of one run: LivePerson and the FTP push stop at [`Deadline::work_end`],
/// which leaves [`Deadline::reserve`] for the failure mail before [`Deadline::end`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Deadline {
    end: Instant,
    total: Duration,
    reserve: Duration,
}

impl Deadline {
    /// A deadline `total` from now.
    pub fn after(total: Duration) -> Self {
        Deadline {
            end: Instant::now() + total,
            total,
            reserve: MAIL_RESERVE.min(total / 4),
        }
    }

    /// The configured length, in whole seconds (for messages naming RUN_TIMEOUT_SECONDS).
    pub fn seconds(&self) -> u64 {
        self.total.as_secs()
    }

    /// The time kept for the failure mail.
    pub(crate) fn reserve(&self) -> Duration {
        self.reserve
    }

    /// When LivePerson and the FTP push must be over: the end less the mail's reserve.
    pub(crate) fn work_end(&self) -> Instant {
        self.end - self.reserve
    }

    /// Whether the work part of the run is over.
    pub(crate) fn work_passed(&self) -> bool {
        Instant::now() >= self.work_end()
    }

    /// The mail's own deadline: what is left of the run, but never less than the reserve.
    pub(crate) fn mail_until(&self) -> Instant {
        self.end.max(Instant::now() + self.reserve)
    }
}

/// Time left until `until`, zero when it has passed.
pub fn left(until: Instant) -> Duration {
    until.saturating_duration_since(Instant::now())
}

/// A socket timeout: `per_read`, but never past `until` (and never zero, which
/// std refuses).
pub(crate) fn socket_timeout(per_read: Duration, until: Instant) -> Duration {
    per_read.min(left(until)).max(Duration::from_millis(1))
}

/// How long blocking network code may take: each read or write `per_read`,
/// the whole exchange until `until` (none: only the per-read timeouts).
#[derive(Debug, Clone, Copy)]
pub struct Bounds {
    pub per_read: Duration,
    pub until: Option<Instant>,
}

impl Bounds {
    pub fn new(per_read: Duration, until: Instant) -> Self {
        Bounds {
            per_read,
            until: Some(until),
        }
    }

    /// A socket timeout for the next step: `per_read`, capped by the time left.
    pub fn step(&self) -> Duration {
        match self.until {
            Some(u) => socket_timeout(self.per_read, u),
            None => self.per_read,
        }
    }

    /// Whether `until` has passed.
    pub fn passed(&self) -> bool {
        self.until.is_some_and(|u| Instant::now() >= u)
    }
}

impl From<Duration> for Bounds {
    fn from(per_read: Duration) -> Self {
        Bounds { per_read, until: None }
    }
}

struct Watched {
    sockets: Mutex<Vec<TcpStream>>,
    fired: AtomicBool,
}

impl Watched {
    fn close_all(&self) {
        let socks = self.sockets.lock().unwrap_or_else(|p| p.into_inner());
        for s in socks.iter() {
            let _ = s.shutdown(Shutdown::Both);
        }
    }
}

/// `r`, its error restated by `cut` when the deadline (or the watchdog, at the
/// deadline) ended the exchange rather than the peer's answer.
pub(crate) fn restate_if_cut<T, E>(
    r: Result<T, E>,
    dog: &Watchdog,
    bounds: &Bounds,
    cut: impl FnOnce(E) -> E,
) -> Result<T, E> {
    r.map_err(|e| if dog.fired() || bounds.passed() { cut(e) } else { e })
}

/// Shuts down every socket it watches when `until` passes, so a blocked read
/// returns at once; dropping the last handle closes them too (the exchange is
/// over) and ends its thread. Clones share the sockets.
#[derive(Clone)]
pub(crate) struct Watchdog {
    shared: Arc<Watched>,
    _cancel: Arc<mpsc::Sender<()>>,
}

impl std::fmt::Debug for Watchdog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Watchdog")
            .field("fired", &self.fired())
            .finish_non_exhaustive()
    }
}

impl Watchdog {
    /// A watchdog for `until`; without one it never fires.
    pub fn start(until: Option<Instant>) -> Self {
        let shared = Arc::new(Watched {
            sockets: Mutex::new(Vec::new()),
            fired: AtomicBool::new(false),
        });
        let (tx, rx) = mpsc::channel::<()>();
        let inner = shared.clone();
        std::thread::spawn(move || {
            let wait = match until {
                Some(u) => rx.recv_timeout(left(u)),
                // Only the drop of the last handle ends it.
                None => rx.recv().map_err(|_| mpsc::RecvTimeoutError::Disconnected),
            };
            if let Err(mpsc::RecvTimeoutError::Timeout) = wait {
                inner.fired.store(true, Ordering::SeqCst);
            }
            // Timed out, or every handle dropped: either way the exchange is over.
            inner.close_all();
        });
        Watchdog {
            shared,
            _cancel: Arc::new(tx),
        }
    }

    /// Watch `socket` (a duplicate of its handle); shut at once if the time is up.
    pub(crate) fn watch(&self, socket: &TcpStream) {
        let Ok(dup) = socket.try_clone() else { return };
        if self.fired() {
            let _ = dup.shutdown(Shutdown::Both);
        }
        self.shared.sockets.lock().unwrap_or_else(|p| p.into_inner()).push(dup);
    }

    /// Whether the deadline passed and the sockets were shut.
    pub(crate) fn fired(&self) -> bool {
        self.shared.fired.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;
    use std::net::TcpListener;

    #[test]
    fn the_mail_reserve_is_30_s_or_a_quarter_of_a_short_deadline() {
        let d = Deadline::after(Duration::from_secs(600));
        assert_eq!(d.reserve(), MAIL_RESERVE);
        assert_eq!(d.end - d.work_end(), MAIL_RESERVE);
        assert_eq!(d.seconds(), 600);
        let short = Deadline::after(Duration::from_secs(4));
        assert_eq!(short.reserve(), Duration::from_secs(1));
        assert!(short.mail_until() >= short.end);
    }

    #[test]
    fn a_socket_timeout_never_passes_the_deadline_and_is_never_zero() {
        let now = Instant::now();
        assert_eq!(
            socket_timeout(Duration::from_secs(30), now - Duration::from_secs(1)),
            Duration::from_millis(1)
        );
        assert!(socket_timeout(Duration::from_secs(30), now + Duration::from_secs(5)) <= Duration::from_secs(5));
        assert_eq!(
            socket_timeout(Duration::from_secs(2), now + Duration::from_secs(50)),
            Duration::from_secs(2)
        );
    }

    #[test]
    fn the_watchdog_unblocks_a_read_at_the_deadline() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let mut c = TcpStream::connect(l.local_addr().unwrap()).unwrap();
        let _server = l.accept().unwrap();
        let started = Instant::now();
        let dog = Watchdog::start(Some(started + Duration::from_millis(300)));
        dog.watch(&c);
        let mut buf = [0u8; 8];
        // A read with no timeout would block forever; the watchdog ends it.
        let r = c.read(&mut buf);
        assert!(matches!(r, Ok(0) | Err(_)), "{r:?}");
        assert!(dog.fired());
        assert!(started.elapsed() < Duration::from_secs(5));
    }
}
