//! Uploaded files on their way to an import: spooled inside the data directory (never the system's
//! temporary directory, which may be small, shared or wiped), removed on every path out of the request
//! (the spool file deletes itself when dropped, also when the client goes away mid-upload), and swept
//! at start-up for what a killed process left behind. Imports run at most
//! [`ServerConfig::max_imports`](crate::ServerConfig) at a time; one more waits a little, then is told
//! to retry.

use std::path::{Path, PathBuf};

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use jaring_app::AppError;
use tempfile::NamedTempFile;
use tokio::sync::OwnedSemaphorePermit;

use crate::AppState;

/// What a refused upload is told to wait, in seconds.
pub(crate) const RETRY_AFTER_SECONDS: u64 = 30;

/// The directory uploads are spooled in.
pub(crate) fn spool_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("uploads")
}

/// Removes what a killed process left in the spool directory; returns how many files went.
pub(crate) fn sweep(data_dir: &Path) -> usize {
    let dir = spool_dir(data_dir);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return 0;
    };
    entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter(|e| std::fs::remove_file(e.path()).is_ok())
        .count()
}

/// A fresh spool file with `suffix` (`.csv`, `.xlsx`), deleted when dropped.
pub(crate) fn spool(state: &AppState, suffix: &str) -> Result<NamedTempFile, AppError> {
    spool_file(&spool_dir(&state.config.data_dir), suffix)
}

/// A fresh file with `suffix` in the spool directory `dir`, deleted when dropped.
pub(crate) fn spool_file(dir: &Path, suffix: &str) -> Result<NamedTempFile, AppError> {
    let io = |e| AppError::Io("berkas sementara / temporary file".into(), e);
    std::fs::create_dir_all(dir).map_err(io)?;
    tempfile::Builder::new()
        .prefix("upload-")
        .suffix(suffix)
        .tempfile_in(dir)
        .map_err(io)
}

/// Why a body was not spooled.
pub(crate) enum Received {
    /// Refused (too large).
    Refused(Refusal),
    /// The client went away, or the spool could not be written.
    Failed(AppError),
}

/// Streams a raw request body into a spool file, at most `max_upload` bytes.
pub(crate) async fn receive(
    state: &AppState,
    suffix: &str,
    body: axum::body::Body,
) -> Result<NamedTempFile, Received> {
    use http_body_util::BodyExt;
    use std::io::Write;
    let limit = state.config.max_upload;
    let mut file = spool(state, suffix).map_err(Received::Failed)?;
    let mut body = body;
    let mut written = 0usize;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| {
            Received::Failed(AppError::Input(format!(
                "unggahan terputus / upload cut off: {e}"
            )))
        })?;
        let Ok(data) = frame.into_data() else {
            continue;
        };
        written += data.len();
        if written > limit {
            return Err(Received::Refused(Refusal::TooLarge(limit)));
        }
        file.write_all(&data)
            .map_err(|e| Received::Failed(AppError::Io("unggahan / upload".into(), e)))?;
    }
    Ok(file)
}

/// Why an upload was not taken.
pub(crate) enum Refusal {
    /// Imports are running at the limit; come back later.
    Busy,
    /// The body is larger than the configured limit.
    TooLarge(usize),
}

impl Refusal {
    /// The message, in Indonesian and English.
    pub(crate) fn message(&self) -> String {
        match self {
            Refusal::Busy => format!(
                "server sedang mengimpor berkas lain; coba lagi dalam {RETRY_AFTER_SECONDS} detik / the server is busy with other imports; try again in {RETRY_AFTER_SECONDS} seconds"
            ),
            Refusal::TooLarge(limit) => format!(
                "berkas lebih besar dari batas {} MiB; pecah per desa atau kirim CSV / the file is larger than the {} MiB limit; split it by village or send CSV",
                limit >> 20,
                limit >> 20
            ),
        }
    }

    pub(crate) fn status(&self) -> StatusCode {
        match self {
            Refusal::Busy => StatusCode::TOO_MANY_REQUESTS,
            Refusal::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
        }
    }

    /// Adds `Retry-After` to a response for [`Refusal::Busy`].
    pub(crate) fn decorate(&self, mut response: Response) -> Response {
        if let Refusal::Busy = self {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECONDS));
        }
        response
    }

    /// The refusal as an API error body.
    pub(crate) fn api(&self) -> Response {
        let code = match self {
            Refusal::Busy => "busy",
            Refusal::TooLarge(_) => "too_large",
        };
        self.decorate(crate::api::error_body(self.status(), code, &self.message()))
    }

    /// The refusal as a page.
    pub(crate) fn page(&self) -> Response {
        let page = crate::ui::error_page(self.status(), &self.message()).into_string();
        self.decorate((self.status(), axum::response::Html(page)).into_response())
    }
}

/// A place among the running imports, waited for at most the configured time.
pub(crate) async fn import_slot(state: &AppState) -> Result<OwnedSemaphorePermit, Refusal> {
    let wait = state.config.timeouts.import_wait;
    match tokio::time::timeout(wait, state.imports.clone().acquire_owned()).await {
        Ok(Ok(permit)) => Ok(permit),
        _ => Err(Refusal::Busy),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sweep_removes_leftover_uploads_only_in_the_spool_directory() {
        let data = tempfile::tempdir().unwrap();
        let dir = spool_dir(data.path());
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("upload-abc.xlsx"), b"left by a killed server").unwrap();
        std::fs::write(dir.join("upload-def.csv"), b"another").unwrap();
        std::fs::create_dir_all(data.path().join("errors")).unwrap();
        std::fs::write(data.path().join("errors/1-ab.kesalahan.csv"), b"kept").unwrap();
        assert_eq!(sweep(data.path()), 2);
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
        assert!(data.path().join("errors/1-ab.kesalahan.csv").exists());
        assert_eq!(sweep(&data.path().join("nothing here")), 0);
    }
}
