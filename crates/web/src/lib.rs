//! jaring's HTTP adapter: server-rendered pages (Bahasa Indonesia first) and the JSON API, both thin
//! layers over the app crate. Store calls are blocking, so handlers run them on the blocking pool.

mod api;
mod pages;

use std::net::SocketAddr;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use jaring_store::Database;

/// Shared state of the server.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub db: Database,
}

/// An error turned into a response: 503 when the database has no data yet, 500 otherwise.
pub(crate) struct WebError(jaring_app::AppError);

impl From<jaring_app::AppError> for WebError {
    fn from(e: jaring_app::AppError) -> Self {
        WebError(e)
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let status = match self.0 {
            jaring_app::AppError::NoRegency => StatusCode::SERVICE_UNAVAILABLE,
            jaring_app::AppError::UnknownRegion(_) => StatusCode::NOT_FOUND,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        tracing::warn!(error = %self.0, "request failed");
        (status, self.0.to_string()).into_response()
    }
}

/// Runs a blocking store call on the blocking pool.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, jaring_app::AppError> + Send + 'static,
) -> Result<T, WebError> {
    match tokio::task::spawn_blocking(f).await {
        Ok(r) => r.map_err(WebError),
        Err(e) => Err(WebError(jaring_app::AppError::Store(
            jaring_store::StoreError::Decode(format!("worker failed: {e}")),
        ))),
    }
}

/// The router with every page and API route.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(pages::home))
        .route("/wilayah/{code}", get(pages::district))
        .route("/healthz", get(health))
        .route("/api/v1/overview", get(api::overview_handler))
        .route("/api/v1/coverage", get(api::coverage_handler))
        .with_state(state)
}

async fn health(axum::extract::State(state): axum::extract::State<AppState>) -> Response {
    let db = state.db.clone();
    let ok = tokio::task::spawn_blocking(move || {
        db.conn().and_then(|mut c| c.query_i64("SELECT 1", &[]))
    })
    .await
    .map(|r| r.is_ok())
    .unwrap_or(false);
    if ok {
        (StatusCode::OK, "ok").into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
    }
}

/// Serves until Ctrl-C or SIGTERM, then finishes open requests.
pub async fn serve(state: AppState, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    let addr: Option<SocketAddr> = listener.local_addr().ok();
    tracing::info!(?addr, "jaring listening");
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown_signal())
        .await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down");
}
