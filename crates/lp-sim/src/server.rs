//! The HTTP/1 server: the loopback listener, one task per connection, graceful shutdown,
//! and the response body type (whole, or cut off for the `Truncated` fault).

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
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
use tokio::sync::watch;
use tokio::task::JoinSet;

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

/// Response body: whole, or (Truncated) the first part followed by an error after a pause,
/// so the part is flushed before hyper drops the connection.
pub(crate) struct SimBody {
    data: Option<Bytes>,
    fail: Option<Pin<Box<tokio::time::Sleep>>>,
    declared_left: u64,
}

impl SimBody {
    fn full(data: Bytes) -> Self {
        SimBody {
            declared_left: data.len() as u64,
            data: Some(data),
            fail: None,
        }
    }

    fn truncated(data: Bytes) -> Self {
        let full = data.len() as u64;
        SimBody {
            data: Some(data.slice(..data.len() / 2)),
            fail: Some(Box::pin(tokio::time::sleep(Duration::from_millis(50)))),
            declared_left: full,
        }
    }
}

impl hyper::body::Body for SimBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        if let Some(d) = self.data.take() {
            self.declared_left = self.declared_left.saturating_sub(d.len() as u64);
            return Poll::Ready(Some(Ok(Frame::data(d))));
        }
        if let Some(sleep) = self.fail.as_mut() {
            std::task::ready!(sleep.as_mut().poll(cx));
            self.fail = None;
            return Poll::Ready(Some(Err(std::io::Error::other("body truncated by fault injection"))));
        }
        Poll::Ready(None)
    }

    fn is_end_stream(&self) -> bool {
        self.data.is_none() && self.fail.is_none()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.declared_left)
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

pub(crate) fn error_response(status: StatusCode, msg: impl std::fmt::Display) -> Response<SimBody> {
    json_response(status, &json!({ "error": msg.to_string() }))
}

/// The same reply with its full Content-Length, but only the first half of the body is
/// sent before the connection is closed.
pub(crate) fn truncate(resp: Response<SimBody>) -> Response<SimBody> {
    let (mut parts, body) = resp.into_parts();
    let data = body.data.unwrap_or_default();
    parts.headers.insert(CONTENT_LENGTH, HeaderValue::from(data.len()));
    Response::from_parts(parts, SimBody::truncated(data))
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use crate::data::slots::{floor_to, SLOT_MS};
    use crate::test_support::*;
    use crate::IntervalOrder;

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
