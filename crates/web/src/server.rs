//! The connection loop: HTTP/1.1 with a timer, so a client that opens a connection and sends its
//! headers slowly (or nothing at all, on a kept-alive connection) is dropped after
//! [`Timeouts::header`], a request body that stalls for [`Timeouts::body_idle`] is cut off, and a
//! request that needs more than [`Timeouts::request`] to be answered is answered 408.
//!
//! `axum::serve` starts hyper without a timer, and hyper's header timeout only runs with one: slow
//! clients were still holding connections after 65 s (issue 18). jaring runs behind a reverse proxy
//! that speaks HTTP/1.1 to it, so HTTP/2 is left to the proxy.

use std::net::SocketAddr;
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tower::ServiceExt;

/// How long the server waits for clients and for its own work.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    /// Time allowed for a request's headers, counted from the moment the server waits for them
    /// (also between two requests on a kept-alive connection, so it bounds idle connections too).
    pub header: Duration,
    /// Time a request body may go without sending a byte. A 64 MiB upload over a slow mobile link
    /// takes minutes but never stalls this long; a client that does is gone or hostile.
    pub body_idle: Duration,
    /// Time a whole request may take, upload and import included (a 64 MiB upload at 1 Mbit/s
    /// needs nine minutes).
    pub request: Duration,
    /// Time an upload waits for a place among the running imports before it is answered 429.
    pub import_wait: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            header: Duration::from_secs(10),
            body_idle: Duration::from_secs(30),
            request: Duration::from_secs(15 * 60),
            import_wait: Duration::from_secs(20),
        }
    }
}
/// Time open requests get to finish after Ctrl-C or SIGTERM.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(20);

/// Accepts connections on `listener` for `app` until `shutdown` completes, then lets open requests
/// finish for a while.
pub(crate) async fn run(
    app: Router,
    header_timeout: Duration,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()>,
) -> std::io::Result<()> {
    let graceful = GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(header_timeout)
        .keep_alive(true);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors, or a connection reset before it was taken: wait a
                    // moment instead of spinning, and go on.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request
                .extensions_mut()
                .insert(ConnectInfo::<SocketAddr>(peer));
            app.clone().oneshot(request.map(axum::body::Body::new))
        });
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, %peer, "connection ended");
            }
        });
    }
    tokio::select! {
        _ = graceful.shutdown() => {},
        _ = tokio::time::sleep(SHUTDOWN_GRACE) => {
            tracing::warn!("requests still open after the shutdown grace period");
        }
    }
    Ok(())
}
