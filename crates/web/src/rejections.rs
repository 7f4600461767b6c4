//! Answers made outside the handlers — a body over its limit (413), a request that took too long
//! (408) — in the shape of everything else: the JSON error body under `/api/`, an error page
//! elsewhere. axum and tower-http answer these in plain text, which an API client cannot parse.

use axum::extract::Request;
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};

/// The message for a body over its limit.
pub(crate) const TOO_LARGE: &str =
    "badan permintaan melebihi batas / the request body is over its limit";

/// The bilingual message for a status answered outside a handler, if it is one of those.
fn message(status: StatusCode) -> Option<(&'static str, &'static str)> {
    match status {
        StatusCode::PAYLOAD_TOO_LARGE => Some(("too_large", TOO_LARGE)),
        StatusCode::REQUEST_TIMEOUT => Some((
            "timeout",
            "permintaan terlalu lama; coba lagi / the request took too long; try again",
        )),
        _ => None,
    }
}

/// Rewrites plain-text 408 and 413 answers into the API's JSON error or an error page.
pub(crate) async fn shaped(request: Request, next: Next) -> Response {
    let api = request.uri().path().starts_with("/api/");
    let response = next.run(request).await;
    let Some((code, text)) = message(response.status()) else {
        return response;
    };
    let plain = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|v| v.starts_with("text/plain"));
    if !plain {
        return response;
    }
    let status = response.status();
    if api {
        crate::api::error_body(status, code, text)
    } else {
        (
            status,
            Html(crate::ui::error_page(status, text).into_string()),
        )
            .into_response()
    }
}
