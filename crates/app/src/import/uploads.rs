//! Uploads through the web form and the API: the name checked, the file imported as the signed-in
//! user, and the annotated error report kept for download by whoever may see it.

use std::path::{Path, PathBuf};

use jaring_domain::ListKind;
use jaring_store::Database;

use super::{import_file, ImportReport, ImportRequest, NoProgress};
use crate::AppError;

/// The suffix to spool an upload named `file_name` under (`.csv`, `.xlsx`, …, or none), or why the
/// name is refused: longer than 255 characters, holding control characters, or with an extension
/// that is not a list format. The name goes into the import journal and the suffix decides how the
/// file is read, so neither may be anything a browser or a script happens to send.
pub fn upload_suffix(file_name: &str) -> Result<&'static str, AppError> {
    let name = crate::text::checked(("nama berkas", "the file name"), file_name, 255)?;
    if name.chars().any(char::is_control) {
        return Err(AppError::Input(
            "nama berkas memuat karakter kendali / the file name contains control characters"
                .into(),
        ));
    }
    let ext = match name.rsplit_once('.') {
        Some((_, ext)) => ext.to_ascii_lowercase(),
        None => return Ok(""),
    };
    // `.ods` is not among them: calamine lays its sheets out densely (see jaring_formats::table).
    const KNOWN: &[&str] = &[".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".xls"];
    KNOWN
        .iter()
        .copied()
        .find(|k| k[1..] == ext)
        .ok_or_else(|| {
            AppError::Input(format!(
                "berkas harus CSV atau Excel ({}) / the file must be CSV or Excel",
                KNOWN.join(", ")
            ))
        })
}

/// Imports an uploaded file as `who`: their right to the kind is checked, registry rows outside
/// their region are rejected row by row, and the annotated error file is kept in `errors_dir` as
/// `<import id>-<content hash>.kesalahan.<ext>` for download. The hash ties the report to the file it
/// describes: after a restore of an older database, import ids are handed out again, and a new
/// import must not be given the report of the old one that had its id.
pub fn import_as(
    db: &Database,
    who: &crate::accounts::Principal,
    kind: ListKind,
    path: &Path,
    file_name: &str,
    errors_dir: &Path,
) -> Result<ImportReport, AppError> {
    // Server paths stay out of messages: they mean nothing to the uploader.
    let report_io = |e| AppError::Io("laporan kesalahan / error report".into(), e);
    std::fs::create_dir_all(errors_dir).map_err(report_io)?;
    let lower = file_name.to_lowercase();
    let ext = if lower.ends_with(".xlsx") || lower.ends_with(".xls") || lower.ends_with(".xlsm") {
        "xlsx"
    } else {
        "csv"
    };
    let pending = errors_dir.join(format!(
        "upload-{}.kesalahan.{ext}",
        crate::accounts::random_secret()
    ));
    let scope = who.grant.scope;
    let request = ImportRequest {
        path: path.to_path_buf(),
        file_name: Some(file_name.to_string()),
        kind,
        mapping: None,
        sheet: None,
        village: (scope.level() == jaring_domain::RegionLevel::Village).then_some(scope),
        error_file: Some(pending),
        today: jaring_domain::today(),
    };
    let mut report = import_file(db, who, &request, &NoProgress).map_err(|e| match e {
        AppError::Format(f) => AppError::Format(f.naming(file_name)),
        AppError::Io(_, e) => AppError::Io(file_name.to_string(), e),
        other => other,
    })?;
    if let Some((written, rows)) = report.error_file.take() {
        let ext = written
            .extension()
            .map(|e| e.to_string_lossy().to_string())
            .unwrap_or_else(|| "csv".into());
        let kept = errors_dir.join(report_name(report.import_id, &report.sha256, &ext));
        std::fs::rename(&written, &kept).map_err(report_io)?;
        report.error_file = Some((kept, rows));
    }
    Ok(report)
}

/// The kept report's file name: the import's id and the first 16 hex digits of its content hash.
fn report_name(import_id: i64, sha256: &str, ext: &str) -> String {
    format!(
        "{import_id}-{}.kesalahan.{ext}",
        sha256.get(..16).unwrap_or(sha256)
    )
}

/// Recent imports `who` may see: every import for regency-wide roles, their own otherwise.
pub fn recent_for(
    db: &Database,
    who: &crate::accounts::Principal,
    limit: i64,
) -> Result<Vec<jaring_store::imports::ImportRecord>, AppError> {
    let all = jaring_store::imports::recent(&mut db.conn()?, limit.clamp(1, 500) * 4)?;
    let regency_wide = who.grant.scope.level() == jaring_domain::RegionLevel::Regency;
    Ok(all
        .into_iter()
        .filter(|r| regency_wide || r.actor == who.username)
        .take(limit.clamp(1, 500) as usize)
        .collect())
}

/// The kept error file of an import `who` may see, or `NotFound`.
pub fn error_file_for(
    db: &Database,
    who: &crate::accounts::Principal,
    import_id: i64,
    errors_dir: &Path,
) -> Result<PathBuf, AppError> {
    let regency_wide = who.grant.scope.level() == jaring_domain::RegionLevel::Regency;
    let (actor, sha256) = db
        .conn()?
        .query_opt(
            "SELECT actor, sha256 FROM imports WHERE id = $1",
            &[import_id.into()],
        )?
        .map(|r| Ok::<_, jaring_store::StoreError>((r.text(0)?, r.text(1)?)))
        .transpose()?
        .ok_or(AppError::NotFound)?;
    if !regency_wide && actor != who.username {
        return Err(AppError::NotFound);
    }
    let prefix = report_name(import_id, &sha256, "");
    std::fs::read_dir(errors_dir)
        .ok()
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(&prefix))
        })
        .ok_or(AppError::NotFound)
}

#[cfg(test)]
mod tests {
    use super::upload_suffix;

    #[test]
    fn an_upload_name_is_a_list_file_name_or_refused_with_a_reason() {
        assert_eq!(upload_suffix("Penduduk Dualasi.CSV").unwrap(), ".csv");
        assert_eq!(upload_suffix("opensid.xlsx").unwrap(), ".xlsx");
        assert_eq!(upload_suffix("kematian").unwrap(), "");
        for bad in [
            "a\u{0}.csv".to_string(),
            format!("f.{}", "x".repeat(300)),
            "x".repeat(256),
            "laporan.exe".into(),
            "baris\n.csv".into(),
        ] {
            assert!(upload_suffix(&bad).is_err(), "{bad:?}");
        }
    }
}
