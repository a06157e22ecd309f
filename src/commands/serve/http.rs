//! The HTTP side: `/metrics`, `/healthz` and `/verify`, served by axum on a
//! single-threaded tokio runtime of its own thread. Handlers only copy what
//! the last cycle left in the [`Cache`]; parsing HTTP is hyper's job.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::mpsc;
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use http_body::{Frame, SizeHint};
use prometheus_client::encoding::prometheus_text::CONTENT_TYPE as PROMETHEUS_TEXT;
use tokio::sync::oneshot;

use super::cache::Cache;
use super::metrics;
use crate::error::{Error, Result};

const PLAIN_TEXT: &str = "text/plain; charset=utf-8";

/// How long a stop waits for requests in flight before giving up on them.
const STOP_GRACE: Duration = Duration::from_secs(2);

/// The running server.
pub struct Server {
    stop: Option<oneshot::Sender<()>>,
    stopped: mpsc::Receiver<()>,
}

/// Starts serving on `listener` (already bound, so a busy port is found
/// before anything else starts).
pub fn start(listener: std::net::TcpListener, cache: Arc<Cache>) -> Result<Server> {
    let addr = listener
        .local_addr()
        .map_or_else(|_| "?".to_owned(), |a| a.to_string());
    let place = |e: std::io::Error| Error::io(std::path::Path::new(&format!("--listen {addr}")), e);
    listener.set_nonblocking(true).map_err(place)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .build()
        .map_err(place)?;
    let (stop, stop_signal) = oneshot::channel::<()>();
    let (stopped_tx, stopped) = mpsc::channel();
    std::thread::Builder::new()
        .name("killscope-http".into())
        .spawn(move || {
            let served = runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener)?;
                axum::serve(listener, routes(cache))
                    .with_graceful_shutdown(async {
                        let _ = stop_signal.await;
                    })
                    .await
            });
            if let Err(e) = served {
                crate::output::log("ERROR", &format!("HTTP server stopped: {e}"));
            }
            let _ = stopped_tx.send(());
        })
        .map_err(place)?;
    Ok(Server {
        stop: Some(stop),
        stopped,
    })
}

impl Server {
    /// Stops accepting, lets requests in flight finish for a moment, and
    /// returns.
    pub fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = self.stopped.recv_timeout(STOP_GRACE);
    }

    /// Whether the server thread has ended by itself.
    pub fn ended(&self) -> bool {
        !matches!(self.stopped.try_recv(), Err(mpsc::TryRecvError::Empty))
    }
}

fn routes(cache: Arc<Cache>) -> Router {
    Router::new()
        .route("/metrics", get(scrape))
        .route("/healthz", get(healthz))
        .route("/verify", get(verify))
        .fallback(not_found)
        .with_state(cache)
}

async fn scrape(State(cache): State<Arc<Cache>>) -> Response {
    let served = cache.current();
    let age = served.last_success.map(|at| {
        SystemTime::now()
            .duration_since(at)
            .unwrap_or_default()
            .as_secs_f64()
    });
    match metrics::cache_age(age) {
        Ok(tail) => (
            [(header::CONTENT_TYPE, PROMETHEUS_TEXT)],
            Body::new(Chunks([Some(served.metrics.clone()), Some(tail)])),
        )
            .into_response(),
        Err(_) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            [(header::CONTENT_TYPE, PLAIN_TEXT)],
            "cannot encode the cache age\n",
        )
            .into_response(),
    }
}

async fn healthz(State(cache): State<Arc<Cache>>) -> Response {
    let health = cache.current().health.clone();
    let status = if health.ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, [(header::CONTENT_TYPE, PLAIN_TEXT)], health.body).into_response()
}

async fn verify(State(cache): State<Arc<Cache>>) -> Response {
    match cache.current().verify.clone() {
        Some(report) => ([(header::CONTENT_TYPE, "application/json")], report).into_response(),
        None => (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::CONTENT_TYPE, PLAIN_TEXT)],
            "no verification cycle has completed yet\n",
        )
            .into_response(),
    }
}

async fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, PLAIN_TEXT)],
        "not found: killscope serve answers /metrics, /healthz and /verify\n",
    )
        .into_response()
}

/// A body of a few shared buffers sent one after another: the cycle's
/// exposition goes out without being copied, followed by what the scrape
/// itself adds. Its exact length becomes the Content-Length.
struct Chunks<const N: usize>([Option<Bytes>; N]);

impl<const N: usize> http_body::Body for Chunks<N> {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<std::result::Result<Frame<Bytes>, Infallible>>> {
        let next = self.get_mut().0.iter_mut().find_map(Option::take);
        Poll::Ready(next.map(|bytes| Ok(Frame::data(bytes))))
    }

    fn is_end_stream(&self) -> bool {
        self.0.iter().all(Option::is_none)
    }

    fn size_hint(&self) -> SizeHint {
        let len: usize = self.0.iter().flatten().map(Bytes::len).sum();
        SizeHint::with_exact(len as u64)
    }
}

/// Where the server listens, for the start-up line.
pub fn url(addr: SocketAddr) -> String {
    format!("http://{addr}")
}
