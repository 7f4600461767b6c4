//! Uploading CSV and Excel lists, the report of what was taken and refused, and the annotated file of
//! refused rows to fix and upload again.

use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use jaring_app::import::{self, ImportReport};
use jaring_app::AppError;
use jaring_domain::ListKind;
use maud::html;

use crate::auth::Auth;
use crate::ui::{csrf_field, number, respond, Frame};
use crate::uploads::Refusal;
use crate::{blocking, AppState, WebError};

fn import_page(
    state: &AppState,
    auth: &Auth,
    report: Option<&ImportReport>,
    message: Option<&str>,
    recent: &[jaring_store::imports::ImportRecord],
) -> Response {
    let frame = Frame::of(auth, state.demo);
    let l = auth.lang;
    let kinds: Vec<ListKind> = ListKind::ALL
        .iter()
        .copied()
        .filter(|k| auth.who.grant.role.may(import::action_for(*k)))
        .collect();
    let body = html! {
        @if let Some(m) = message { p.err role="alert" { (m) } }
        @if let Some(r) = report {
            div.ok role="status" #hasil {
                p { b { (l.t("Impor selesai", "Import finished")) } " #" (r.import_id) " · " (r.format) }
                p { (l.t("baris", "rows")) " " (number(r.counts.rows_total as i64)) " · "
                    (l.t("baru", "new")) " " (number(r.counts.inserted as i64)) " · "
                    (l.t("diubah", "updated")) " " (number(r.counts.updated as i64)) " · "
                    (l.t("tetap", "unchanged")) " " (number(r.counts.unchanged as i64)) " · "
                    (l.t("ditolak", "rejected")) " " b #ditolak { (number(r.counts.rejected as i64)) }
                    @if r.counts.proposed > 0 {
                        " · " (l.t("menunggu tinjauan", "awaiting review")) " " (number(r.counts.proposed as i64))
                    } }
                @if !r.unused_columns.is_empty() {
                    p #tidak-dipakai { (l.t("Kolom tidak dipakai", "Columns not used")) ": " (r.unused_columns.join(", ")) }
                }
            }
            @if !r.rejected.is_empty() {
                h3 { (l.both("Baris yang ditolak", "rejected rows")) }
                table {
                    thead { tr { th { (l.both("Baris", "line")) } th { (l.both("Kolom", "column")) } th.opt { (l.both("Nilai", "value")) } th { (l.both("Alasan", "reason")) } } }
                    tbody {
                        @for p in r.rejected.iter().take(200) {
                            tr {
                                td { (p.line) }
                                td { (p.issue.column.clone().unwrap_or_default()) }
                                td.opt { (p.issue.value) }
                                td { (l.t(&p.issue.id, &p.issue.en)) @if l == crate::ui::Lang::Id { br; span.en { (p.issue.en) } } }
                            }
                        }
                    }
                }
            }
            @if r.error_file.is_some() {
                p { a #unduh href={ "/impor/" (r.import_id) "/galat" } download {
                    (l.t("Unduh berkas baris yang ditolak (perbaiki lalu impor lagi)", "Download the rejected rows (fix them and import again)")) } }
            }
        }
        @if kinds.is_empty() {
            p { (l.both("Peran Anda tidak mengimpor daftar.", "your role does not import lists")) }
        } @else {
            form method="post" action="/impor" enctype="multipart/form-data" {
                (csrf_field(&frame))
                label for="kind" { (l.both("Jenis daftar", "kind of list")) }
                select #kind name="kind" {
                    @for k in &kinds { option value=(k.as_code()) { (k.label_id()) } }
                }
                label for="file" { (l.both("Berkas CSV atau Excel", "CSV or Excel file")) }
                input #file type="file" name="file" accept=".csv,.txt,.xlsx,.xls" required;
                p { button type="submit" { (l.t("Impor", "Import")) } }
                p.en { (l.t("Berkas besar butuh beberapa detik; jangan tutup halaman sampai hasil tampil. Impor ulang berkas yang sama tidak mengubah apa pun.",
                    "Large files take a few seconds; keep the page open until the result shows. Importing the same file again changes nothing.")) }
            }
        }
        @if !recent.is_empty() {
            h3 { (l.both("Impor terakhir", "recent imports")) }
            table {
                thead { tr { th { "#" } th { (l.both("Berkas", "file")) } th.n { (l.both("Baris", "rows")) } th.n { (l.both("Ditolak", "rejected")) } th.opt { (l.both("Oleh", "by")) } } }
                tbody {
                    @for r in recent {
                        tr {
                            td { (r.id) }
                            td { (r.file_name) " " span.en { (r.kind) } }
                            td.n { (number(r.counts.rows_total as i64)) }
                            td.n { @if r.counts.rejected > 0 { a href={ "/impor/" (r.id) "/galat" } { (number(r.counts.rejected as i64)) } } @else { "0" } }
                            td.opt { (r.actor) }
                        }
                    }
                }
            }
        }
    };
    respond(&frame, l.t("Impor daftar", "Import lists"), body)
}

async fn recent(auth: &Auth) -> Result<Vec<jaring_store::imports::ImportRecord>, WebError> {
    let db = auth.db.clone();
    let who = auth.who.clone();
    blocking(move || import::recent_for(&db, &who, 10)).await
}

/// `GET /impor`
pub(crate) async fn form(State(state): State<AppState>, auth: Auth) -> Result<Response, WebError> {
    let recent = recent(&auth).await?;
    Ok(import_page(&state, &auth, None, None, &recent))
}

/// `POST /impor` (multipart: csrf, kind, file)
pub(crate) async fn upload(
    State(state): State<AppState>,
    auth: Auth,
    mut multipart: Multipart,
) -> Result<Response, WebError> {
    let mut csrf = String::new();
    let mut kind = None;
    let mut file: Option<(String, tempfile::NamedTempFile)> = None;
    let bad = |m: String| WebError(AppError::Input(m));
    let too_large = Refusal::TooLarge(state.config.max_upload);
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Ok(too_large.page()),
            Err(e) => return Err(bad(format!("unggahan rusak / broken upload: {e}"))),
        };
        let mut field = field;
        match field.name().unwrap_or("") {
            "csrf" => csrf = field.text().await.unwrap_or_default(),
            "kind" => kind = ListKind::from_code(field.text().await.unwrap_or_default().trim()),
            "file" => {
                // The form's token comes first; nothing is written for a request without it.
                auth.check_csrf(&csrf)?;
                let name = field.file_name().unwrap_or("unggahan.csv").to_string();
                let suffix = import::upload_suffix(&name).map_err(WebError)?;
                let mut tmp = crate::uploads::spool(&state, suffix).map_err(WebError)?;
                use std::io::Write;
                loop {
                    match field.chunk().await {
                        Ok(Some(chunk)) => tmp
                            .write_all(&chunk)
                            .map_err(|e| WebError(AppError::Io("unggahan / upload".into(), e)))?,
                        Ok(None) => break,
                        Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                            return Ok(too_large.page())
                        }
                        Err(e) => {
                            return Err(bad(format!("unggahan terputus / upload cut off: {e}")))
                        }
                    }
                }
                file = Some((name, tmp));
            }
            _ => {}
        }
    }
    auth.check_csrf(&csrf)?;
    let l = auth.lang;
    let Some(kind) = kind else {
        let recent = recent(&auth).await?;
        return Ok(import_page(
            &state,
            &auth,
            None,
            Some(l.t("Pilih jenis daftar.", "Choose the kind of list.")),
            &recent,
        ));
    };
    let Some((name, tmp)) = file else {
        let recent = recent(&auth).await?;
        return Ok(import_page(
            &state,
            &auth,
            None,
            Some(l.t("Pilih berkas.", "Choose a file.")),
            &recent,
        ));
    };
    let slot = match crate::uploads::import_slot(&state).await {
        Ok(slot) => slot,
        Err(refusal) => return Ok(refusal.page()),
    };
    let db = auth.db.clone();
    let who = auth.who.clone();
    let dir = state.errors_dir();
    let result = blocking(move || {
        let _slot = slot;
        let r = import::import_as(&db, &who, kind, tmp.path(), &name, &dir);
        drop(tmp);
        r
    })
    .await;
    let recent = recent(&auth).await?;
    match result {
        Ok(report) => {
            if report.counts.inserted + report.counts.updated > 0 {
                state.refresh_coverage();
            }
            Ok(import_page(&state, &auth, Some(&report), None, &recent))
        }
        Err(WebError(e)) if matches!(crate::status_of(&e).as_u16(), 422) => Ok(import_page(
            &state,
            &auth,
            None,
            Some(&e.to_string()),
            &recent,
        )),
        Err(e) => Err(e),
    }
}

/// `GET /impor/{id}/galat`: the annotated file of rejected rows.
pub(crate) async fn error_file(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let db = auth.db.clone();
    let who = auth.who.clone();
    let dir = state.errors_dir();
    let path = blocking(move || import::error_file_for(&db, &who, id, &dir)).await?;
    let bytes = tokio::fs::read(&path)
        .await
        .map_err(|e| WebError(AppError::Io("laporan kesalahan / error report".into(), e)))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "kesalahan.csv".into());
    // Roles that must not read NIKs get the report with every 16-digit number masked; a workbook
    // cannot be masked cell by cell here, so it is withheld from them.
    let bytes = if auth.who.grant.role.sees_full_nik() {
        bytes
    } else if name.ends_with(".xlsx") {
        return Err(WebError(AppError::Denied(
            "laporan Excel berisi NIK utuh; tidak tersedia untuk peran ini / the Excel report holds full NIKs and is not available to this role".into(),
        )));
    } else {
        jaring_domain::access::mask_numbers_in(&String::from_utf8_lossy(&bytes)).into_bytes()
    };
    Ok(crate::ui::attachment(&format!("impor-{name}"), bytes))
}
