//! jaring's use cases, written once against the store and called by both the web server and the CLI.

pub mod accounts;
pub mod auditlog;
pub mod claims;
pub mod coverage;
pub mod demo;
pub mod events;
pub mod export;
pub mod import;
pub mod intake;
pub mod jobs;
pub mod letters;
pub mod overview;
pub mod report;
pub mod residents;
pub mod review;
pub mod schedules;
pub mod sync;
pub mod text;
pub mod upkeep;

pub use demo::{prepare_demo, DemoSummary};
pub use overview::{overview, Overview};

/// Why a use case failed.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The database failed.
    #[error(transparent)]
    Store(#[from] jaring_store::StoreError),
    /// Generating synthetic data failed.
    #[error(transparent)]
    Synth(#[from] jaring_synth::SynthError),
    /// The database has no regency configured yet (nothing imported, no demo).
    #[error("database belum berisi data kabupaten; jalankan `jaring demo` atau impor data / the database holds no regency yet; run `jaring demo` or import data")]
    NoRegency,
    /// A file could not be read as a list.
    #[error(transparent)]
    Format(#[from] jaring_formats::FormatError),
    /// A file could not be opened.
    #[error("berkas {0} tidak dapat dibaca / cannot read {0}: {1}")]
    Io(String, std::io::Error),
    /// The request itself is wrong (a missing option, a contradiction).
    #[error("{0}")]
    Input(String),
    /// A region code given by a user does not exist or is outside this deployment.
    #[error("wilayah {0} tidak dikenal / unknown region {0}")]
    UnknownRegion(String),
    /// Wrong user name or password (which one is not said).
    #[error("nama pengguna atau kata sandi salah / wrong username or password")]
    BadCredentials,
    /// The user's role or region does not allow this.
    #[error("{0}")]
    Denied(String),
    /// The thing asked for does not exist, or is outside the user's region (which is not said).
    #[error("tidak ditemukan / not found")]
    NotFound,
    /// A bug: a worker panicked. Logged; the user sees a server error.
    #[error("kesalahan internal / internal error: {0}")]
    Internal(String),
}

/// Setting key: the regency this database serves.
pub const SETTING_REGENCY: &str = "regency";
/// Setting key: present when the database holds generated demo data.
pub const SETTING_DEMO: &str = "demo";
