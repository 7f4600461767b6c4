//! The files jaring exchanges with villages and agencies: reading CSV and Excel lists as they really
//! come (any delimiter, UTF-8 or Windows-1252, title rows above the header, Excel-damaged cells),
//! mapping their columns, turning rows into typed records with row-level problems, and writing the
//! annotated error file an operator fixes and re-imports.

mod annotate;
mod csv_safe;
pub mod fields;
pub mod mapping;
pub mod people;
pub mod records;
mod spool;
pub mod table;
pub mod values;
mod xls;
mod xlsx_rows;
mod zip_guard;

use std::path::Path;

pub use annotate::ErrorFileWriter;
pub use csv_safe::{csv_safe, csv_safe_record};
pub use fields::{Field, KindFields};
pub use jaring_domain::{ExternalRecord, ListKind, RegistryRecord};
pub use mapping::{ColumnMap, MappingFile};
pub use records::{Evidence, Issue, RowReader, RowResult};
pub use table::{Cell, RawRow, SourceFormat, Table};
pub use values::{DateEvidence, DateOrder};
pub use xls::MAX_SHEET_CELLS;
pub use xlsx_rows::MAX_COLUMNS;
pub use zip_guard::{MAX_SHARED_STRINGS, MAX_XML_RUN};

/// Why a file could not be read at all (row-level problems are [`Issue`]s instead).
#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    /// The file could not be opened or read.
    #[error("berkas {path} tidak dapat dibaca / cannot read {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The file or sheet holds no rows.
    #[error("berkas atau sheet kosong / the file or sheet is empty")]
    Empty,
    /// No header row was recognised in the first rows.
    #[error("baris judul kolom tidak ditemukan di 20 baris pertama; periksa jenis daftar atau gunakan --mapping / no header row recognised in the first 20 rows; check the list kind or use --mapping")]
    NoHeader,
    /// A required column is missing.
    #[error("kolom wajib tidak ada untuk daftar {kind}: {missing} (judul di berkas: {headers}) / required columns missing for {kind} list: {missing}")]
    MissingColumns {
        /// List kind.
        kind: &'static str,
        /// Missing field keys.
        missing: String,
        /// The headings found.
        headers: String,
    },
    /// The mapping file is wrong.
    #[error("mapping: {0}")]
    Mapping(String),
    /// The workbook could not be read.
    #[error("berkas Excel {path} tidak dapat dibaca / cannot read Excel file {path}: {reason}")]
    Excel {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// The requested sheet does not exist.
    #[error("sheet '{wanted}' tidak ada; tersedia / sheet '{wanted}' not found; available: {available:?}")]
    NoSuchSheet {
        /// Requested.
        wanted: String,
        /// Present.
        available: Vec<String>,
    },
    /// The CSV text is malformed beyond row level.
    #[error("CSV {path}: {reason}")]
    Csv {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// Writing the error file failed.
    #[error("tidak dapat menulis berkas kesalahan / cannot write the error file {path}: {reason}")]
    ErrorFile {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
}

impl FormatError {
    /// The same error naming the file `name` instead of its path: an uploaded file is read from a
    /// spool path on the server, which is nobody's business and means nothing to the uploader.
    pub fn naming(self, name: &str) -> FormatError {
        match self {
            FormatError::Io { source, .. } => FormatError::Io {
                path: name.to_string(),
                source,
            },
            FormatError::Excel { reason, .. } => FormatError::Excel {
                path: name.to_string(),
                reason,
            },
            FormatError::Csv { reason, .. } => FormatError::Csv {
                path: name.to_string(),
                reason,
            },
            FormatError::ErrorFile { reason, .. } => FormatError::ErrorFile {
                path: "laporan kesalahan / error report".into(),
                reason,
            },
            other => other,
        }
    }

    pub(crate) fn io(path: &Path, source: std::io::Error) -> FormatError {
        FormatError::Io {
            path: path.display().to_string(),
            source,
        }
    }
}
