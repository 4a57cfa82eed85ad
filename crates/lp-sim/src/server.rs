//! The HTTP/1 server: the loopback listener, one task per connection, graceful shutdown,
//! and the response body type (whole, or streamed in chunks from a writer thread; cut off
//! mid-body for the `Truncated` fault).

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use hyper::body::{Frame, SizeHint};
use hyper::header::{HeaderValue, CONTENT_LENGTH, CONTENT_TYPE};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;

use crate::data::json::{JsonOut, Stop};
use crate::routes;
use crate::shared::Shared;

/// Accepts until `shutdown` changes, then lets open connections finish (at most 2 s).
pub(crate) async fn serve(listener: TcpListener, shared: Arc<Shared>, mut shutdown: watch::Receiver<bool>) {
    let mut conns = JoinSet::new();
    loop {
        tokio::select! {
            _ = shutdown.changed() => break,
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let shared = shared.clone();
                    let mut stop = shutdown.clone();
                    conns.spawn(async move {
                        let svc = service_fn(move |req| {
                            let shared = shared.clone();
                            async move { Ok::<_, Infallible>(routes::handle(shared, req).await) }
                        });
                        let conn = http1::Builder::new().serve_connection(TokioIo::new(stream), svc);
                        tokio::pin!(conn);
                        tokio::select! {
                            r = conn.as_mut() => {
                                if let Err(e) = r {
                                    tracing::debug!(%peer, "simulator connection ended: {e}");
                                }
                            }
                            _ = stop.changed() => {
                                conn.as_mut().graceful_shutdown();
                                let _ = conn.await;
                            }
                        }
                    });
                }
                Err(e) => {
                    tracing::warn!("simulator accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
        }
    }
    drop(listener);
    let drain = async { while conns.join_next().await.is_some() {} };
    if tokio::time::timeout(Duration::from_secs(2), drain).await.is_err() {
        conns.abort_all();
    }
    tracing::info!("LivePerson simulator stopped");
}

/// Chunks a streamed reply may have written ahead of the connection.
const CHUNKS_AHEAD: usize = 4;

/// How long a body cut on purpose waits before its error, so what was sent is flushed
/// before hyper drops the connection.
const CUT_PAUSE: Duration = Duration::from_millis(50);

/// Writes a streamed reply into a `JsonOut`; may run twice (a cut body is measured first).
type Writer = Box<dyn FnMut(&mut JsonOut) -> Result<(), Stop> + Send>;

/// Response body: whole (small answers, with their Content-Length), or a reply streamed in
/// chunks (chunked transfer) as a blocking task writes it. `Truncated` cuts either one off
/// mid-body: the connection closes before the end (no terminating chunk).
pub(crate) struct SimBody {
    state: BodyState,
    /// Counts the body bytes handed to the connection (data calls).
    sent: Option<Arc<AtomicU64>>,
}

enum BodyState {
    /// The whole body; `cut`: an error follows it (a body already cut in half).
    Whole {
        data: Option<Bytes>,
        cut: bool,
    },
    /// A reply not written yet: its writer starts on a blocking thread at the first poll.
    /// `cut`: only the first half of the reply is sent.
    Pending {
        writer: Writer,
        cut: bool,
    },
    /// Chunks as the writer sends them; the writer's `Piece::End` ends the body, its end
    /// without it (cut on purpose, or failed) fails it.
    Streaming(mpsc::Receiver<Piece>),
    /// The pause before the error of a cut body.
    Failing(Pin<Box<tokio::time::Sleep>>),
    Done,
}

/// What a reply's writer sends to its body.
enum Piece {
    Data(Bytes),
    /// The reply is complete.
    End,
}

impl SimBody {
    pub(crate) fn full(data: Bytes) -> Self {
        SimBody {
            state: BodyState::Whole {
                data: Some(data),
                cut: false,
            },
            sent: None,
        }
    }

    /// A reply written by `writer` in chunks, as the connection takes them.
    pub(crate) fn stream(writer: impl FnMut(&mut JsonOut) -> Result<(), Stop> + Send + 'static) -> Self {
        SimBody {
            state: BodyState::Pending {
                writer: Box::new(writer),
                cut: false,
            },
            sent: None,
        }
    }

    /// Counts the body bytes handed to the connection into `sent`.
    pub(crate) fn counted(mut self, sent: Arc<AtomicU64>) -> Self {
        self.sent = Some(sent);
        self
    }

    /// The same body, cut off mid-body: the first half is sent, then the connection closes.
    fn cut_in_half(self) -> Self {
        let state = match self.state {
            BodyState::Whole { data, .. } => {
                let data = data.unwrap_or_default();
                BodyState::Whole {
                    data: Some(data.slice(..data.len() / 2)),
                    cut: true,
                }
            }
            BodyState::Pending { writer, .. } => BodyState::Pending { writer, cut: true },
            other => other,
        };
        SimBody { state, ..self }
    }
}

/// Runs a reply's writer on this (blocking) thread, sending its chunks to `tx`: the whole
/// reply then `Piece::End`, or (`cut`) its first half only: the reply is written once to
/// learn its length, then again up to half of it.
fn run_writer(mut writer: Writer, cut: bool, tx: mpsc::Sender<Piece>) {
    let send = |tx: &mpsc::Sender<Piece>, chunk: Bytes| tx.blocking_send(Piece::Data(chunk)).map_err(|_| Stop);
    if !cut {
        let mut emit = |chunk: Vec<u8>| send(&tx, Bytes::from(chunk));
        let mut out = JsonOut::new(&mut emit);
        if writer(&mut out).and_then(|()| out.finish()).is_ok() {
            let _ = tx.blocking_send(Piece::End);
        }
        return;
    }
    let mut len = 0;
    let mut count = |chunk: Vec<u8>| {
        len += chunk.len();
        Ok(())
    };
    let mut out = JsonOut::new(&mut count);
    if writer(&mut out).and_then(|()| out.finish()).is_err() {
        return;
    }
    let mut left = len / 2;
    let mut emit = |chunk: Vec<u8>| {
        let n = left.min(chunk.len());
        left -= n;
        if n > 0 {
            send(&tx, Bytes::from(chunk).slice(..n))?;
        }
        if left == 0 {
            Err(Stop)
        } else {
            Ok(())
        }
    };
    let mut out = JsonOut::new(&mut emit);
    let _ = writer(&mut out).and_then(|()| out.finish());
}

impl hyper::body::Body for SimBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        loop {
            let data = match &mut self.state {
                BodyState::Whole { data, cut } => match data.take() {
                    Some(d) => d,
                    None if *cut => {
                        self.state = BodyState::Failing(Box::pin(tokio::time::sleep(CUT_PAUSE)));
                        continue;
                    }
                    None => {
                        self.state = BodyState::Done;
                        continue;
                    }
                },
                BodyState::Pending { .. } => {
                    let BodyState::Pending { writer, cut } = std::mem::replace(&mut self.state, BodyState::Done) else {
                        unreachable!()
                    };
                    let (tx, rx) = mpsc::channel(CHUNKS_AHEAD);
                    tokio::task::spawn_blocking(move || run_writer(writer, cut, tx));
                    self.state = BodyState::Streaming(rx);
                    continue;
                }
                BodyState::Streaming(rx) => match std::task::ready!(rx.poll_recv(cx)) {
                    Some(Piece::Data(d)) => d,
                    Some(Piece::End) => {
                        self.state = BodyState::Done;
                        continue;
                    }
                    None => {
                        self.state = BodyState::Failing(Box::pin(tokio::time::sleep(CUT_PAUSE)));
                        continue;
                    }
                },
                BodyState::Failing(sleep) => {
                    std::task::ready!(sleep.as_mut().poll(cx));
                    self.state = BodyState::Done;
                    return Poll::Ready(Some(Err(std::io::Error::other("body cut off by fault injection"))));
                }
                BodyState::Done => return Poll::Ready(None),
            };
            if let Some(sent) = &self.sent {
                sent.fetch_add(data.len() as u64, Ordering::Relaxed);
            }
            return Poll::Ready(Some(Ok(Frame::data(data))));
        }
    }

    fn is_end_stream(&self) -> bool {
        matches!(
            self.state,
            BodyState::Done | BodyState::Whole { data: None, cut: false }
        )
    }

    fn size_hint(&self) -> SizeHint {
        match &self.state {
            BodyState::Whole { data, cut: false } => SizeHint::with_exact(data.as_ref().map_or(0, |d| d.len() as u64)),
            BodyState::Done => SizeHint::with_exact(0),
            // Unknown: chunked transfer.
            _ => SizeHint::default(),
        }
    }
}

pub(crate) fn json_response(status: StatusCode, body: &Value) -> Response<SimBody> {
    let bytes = Bytes::from(body.to_string());
    let mut resp = Response::new(SimBody::full(bytes));
    *resp.status_mut() = status;
    resp.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    resp
}

/// A JSON reply written in chunks by `writer` as the connection takes them (chunked transfer).
pub(crate) fn stream_response(
    status: StatusCode,
    writer: impl FnMut(&mut JsonOut) -> Result<(), Stop> + Send + 'static,
) -> Response<SimBody> {
    let mut resp = Response::new(SimBody::stream(writer));
    *resp.status_mut() = status;
    resp.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    resp
}

pub(crate) fn error_response(status: StatusCode, msg: impl std::fmt::Display) -> Response<SimBody> {
    json_response(status, &json!({ "error": msg.to_string() }))
}

/// The same answer cut off mid-body: chunked, only the first half of the body is sent, and
/// the connection closes before the terminating chunk.
pub(crate) fn truncate(resp: Response<SimBody>) -> Response<SimBody> {
    let (mut parts, body) = resp.into_parts();
    parts.headers.remove(CONTENT_LENGTH);
    Response::from_parts(parts, body.cut_in_half())
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use crate::data::slots::{floor_to, SLOT_MS};
    use crate::test_support::*;
    use crate::IntervalOrder;

    #[tokio::test]
    async fn replies_are_streamed_chunked_and_counted() {
        let sim = start(Some(at(18, 7, 0)), IntervalOrder::Shuffled).await;
        let q = [
            ("timeframe", "1440"),
            ("interval", "5"),
            ("v", "1"),
            ("skillIds", "all"),
        ];
        let whole = get(&sim, "engactivity", &q).await.bytes().await.unwrap();
        assert!(whole.len() > 3 * crate::data::json::CHUNK);
        assert_eq!(sim.data_bytes_sent(), whole.len() as u64);
        let (url, auth) = sign(sim.credentials(), "GET", &data_url(&sim, "engactivity"), &q);
        let target = url.trim_start_matches(&sim.base_url()).to_string();
        let raw = raw_request(
            &sim,
            format!(
                "GET {target} HTTP/1.1\r\nHost: {}\r\nAuthorization: {auth}\r\nConnection: close\r\n\r\n",
                sim.addr()
            )
            .as_bytes(),
        )
        .await;
        let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
        let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
        assert!(
            head.starts_with("http/1.1 200") && head.contains("transfer-encoding: chunked"),
            "{head}"
        );
        assert!(head.contains("content-type: application/json") && !head.contains("content-length"));
        let (body, complete) = dechunk(&raw[split + 4..]);
        assert!(complete);
        assert_eq!(body, whole);
        assert_eq!(sim.data_bytes_sent(), 2 * whole.len() as u64);
        // Answers other than data calls are not counted; a refused data call is.
        let domain = format!("{}/api/account/{ACCOUNT}/service/sentinel/baseURI.json", sim.base_url());
        assert_eq!(
            crate::test_support::http().get(domain).send().await.unwrap().status(),
            200
        );
        assert_eq!(sim.data_bytes_sent(), 2 * whole.len() as u64);
        let refused = get(&sim, "engactivity", &[("v", "1")]).await.bytes().await.unwrap();
        assert_eq!(sim.data_bytes_sent(), (2 * whole.len() + refused.len()) as u64);
        sim.shutdown().await;
    }

    #[tokio::test]
    async fn survives_garbage() {
        let sim = start(None, IntervalOrder::Ascending).await;
        let path = format!("/operations/api/account/{ACCOUNT}/queuehealth");
        let mut req = format!(
            "GET {path}?timeframe=%FF%FE&x=%zz&=&&a HTTP/1.1\r\nHost: {}\r\nAuthorization: OAuth ",
            sim.addr()
        )
        .into_bytes();
        req.extend_from_slice(b"\xff\xfe=\"\x80\"\r\nConnection: close\r\n\r\n");
        let out = raw_request(&sim, &req).await;
        assert!(
            String::from_utf8_lossy(&out).starts_with("HTTP/1.1 401"),
            "{}",
            String::from_utf8_lossy(&out)
        );
        let out = raw_request(&sim, b"\x00\x01\x02 garbage\r\n\r\n").await;
        assert!(out.is_empty() || String::from_utf8_lossy(&out).starts_with("HTTP/1.1 4"));
        let out = raw_request(&sim, format!("POST /operations/api/account/{ACCOUNT}/agentactivity HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nConnection: close\r\n\r\n{{{{{{").as_bytes()).await;
        assert!(String::from_utf8_lossy(&out).starts_with("HTTP/1.1 401"));
        // Still serving, on the real clock: F/5 + 1 intervals.
        let v = get_json(
            &sim,
            "engactivity",
            &[("timeframe", "30"), ("interval", "5"), ("v", "1")],
        )
        .await;
        let t = timestamps(&v);
        assert_eq!(t.len(), 7);
        let newest = floor_to(Utc::now().timestamp_millis(), SLOT_MS) + SLOT_MS;
        assert!(t[6] == newest || t[6] == newest - SLOT_MS);
        sim.shutdown().await;
    }
}
