//! Security headers on every response. Pages carry no script at all and one inline stylesheet, so
//! the policy allows exactly that stylesheet (by its SHA-256) and nothing else: an injected
//! `<script>` or `style` attribute does not run, no other site may frame a page, and nothing is
//! kept in a shared or browser cache, since almost every answer holds personal data.

use std::sync::OnceLock;

use axum::extract::Request;
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS,
    X_FRAME_OPTIONS,
};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine;
use sha2::{Digest, Sha256};

/// The Content-Security-Policy of every response.
pub(crate) fn content_security_policy() -> &'static str {
    static POLICY: OnceLock<String> = OnceLock::new();
    POLICY.get_or_init(|| {
        let hash = base64::engine::general_purpose::STANDARD
            .encode(Sha256::digest(crate::ui::STYLE.as_bytes()));
        format!(
            "default-src 'none'; style-src 'sha256-{hash}'; img-src 'self' data:; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        )
    })
}

/// Adds the security headers; a handler that chose its own `Cache-Control` keeps it.
pub(crate) async fn secure(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    if let Ok(csp) = HeaderValue::from_str(content_security_policy()) {
        h.insert(CONTENT_SECURITY_POLICY, csp);
    }
    h.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    h.entry(CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_allows_the_pages_stylesheet_and_no_script() {
        let p = content_security_policy();
        assert!(p.contains("default-src 'none'"), "{p}");
        assert!(p.contains("frame-ancestors 'none'"), "{p}");
        assert!(
            !p.contains("unsafe-inline") && !p.contains("script-src"),
            "{p}"
        );
        let hash = p
            .split("'sha256-")
            .nth(1)
            .unwrap()
            .split('\'')
            .next()
            .unwrap();
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(hash)
            .unwrap();
        assert_eq!(
            decoded,
            Sha256::digest(crate::ui::STYLE.as_bytes()).to_vec()
        );
    }
}
