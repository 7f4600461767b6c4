//! `/tugas`: the regency's background jobs — start one, watch it (the page refreshes itself without
//! script while the job runs), download what it wrote — its schedules and the civil-registry intake.

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use jaring_app::jobs::{self, JobKind, JobView};
use jaring_app::schedules::{self, Cadence};
use jaring_app::AppError;
use maud::{html, Markup};
use serde::Deserialize;

use crate::auth::Auth;
use crate::ui::{csrf_field, notice, number, respond, Frame, Lang};
use crate::{blocking, AppState, WebError};

/// Seconds between refreshes of a running job's page.
const REFRESH_SECONDS: u32 = 2;

fn status_label(l: Lang, j: &JobView) -> &'static str {
    l.t(j.status.label_id(), j.status.label_en())
}

fn when(t: Option<chrono::DateTime<chrono::Utc>>) -> String {
    t.map(|t| {
        (t + chrono::Duration::hours(8))
            .format("%Y-%m-%d %H:%M")
            .to_string()
    })
    .unwrap_or_default()
}

/// Progress as a bar readers and screen readers both understand.
fn progress(l: Lang, j: &JobView) -> Markup {
    html! {
        @if let Some(p) = j.percent {
            progress max="100" value=(p) aria-label=(l.t("kemajuan", "progress")) { (p) "%" }
            " " (p) "% · " (number(j.done as i64)) " / " (number(j.total as i64)) " " (l.t("baris", "rows"))
            @if let Some(eta) = j.eta {
                " · " (l.t("sisa sekitar", "about")) " " (eta.as_secs().max(1)) " " (l.t("detik", "s left"))
            }
        }
    }
}

/// `GET /tugas`
pub(crate) async fn index(State(state): State<AppState>, auth: Auth) -> Result<Response, WebError> {
    page(&state, &auth, None).await
}

async fn page(
    state: &AppState,
    auth: &Auth,
    message: Option<(bool, String)>,
) -> Result<Response, WebError> {
    let db = state.db.clone();
    let who = auth.who.clone();
    let (list, plans, intake) = blocking(move || {
        Ok((
            jobs::recent(&db, &who, 30)?,
            schedules::list(&db, &who)?,
            jaring_app::intake::overview(&db, &who)?,
        ))
    })
    .await?;
    let l = auth.lang;
    let frame = Frame::of(auth, state.demo);
    let body = html! {
        (notice(message.as_ref().map(|(ok, m)| (*ok, m.as_str()))))
        h2 { (l.t("Mulai tugas", "Start a job")) }
        @for kind in JobKind::ALL {
            form method="post" action="/tugas" {
                (csrf_field(&frame))
                input type="hidden" name="jenis" value=(kind.as_code());
                button type="submit" { (l.t(kind.label_id(), kind.label_en())) }
            }
        }
        h2 { (l.t("Tugas terakhir", "Latest jobs")) }
        @if list.is_empty() {
            p { (l.t("Belum ada tugas.", "No jobs yet.")) }
        } @else {
            table {
                tr { th { "#" } th { (l.t("Tugas", "Job")) } th { (l.t("Status", "Status")) } th { (l.t("Oleh", "By")) } th { (l.t("Mulai", "Queued")) } }
                @for j in &list {
                    tr {
                        td { a href={ "/tugas/" (j.id) } { (j.id) } }
                        td { (l.t(j.kind.label_id(), j.kind.label_en())) }
                        td { (status_label(l, j)) }
                        td { (j.started_by) }
                        td { (when(j.created_at)) }
                    }
                }
            }
        }
        h2 { (l.t("Jadwal", "Schedules")) }
        p.en { (l.t("Waktu setempat (WITA). Tugas terjadwal dicatat seperti tugas lain.",
            "Local time (WITA). Scheduled runs are recorded like any other job.")) }
        @for s in &plans {
            form method="post" action="/tugas/jadwal" {
                (csrf_field(&frame))
                input type="hidden" name="jenis" value=(s.kind.as_code());
                fieldset {
                    legend { (l.t(s.kind.label_id(), s.kind.label_en())) }
                    label { (l.t("Irama", "Cadence")) " "
                        input name="irama" value=(s.cadence.to_string()) size="16" required; }
                    label { input type="checkbox" name="aktif" value="1" checked[s.enabled]; " " (l.t("aktif", "on")) }
                    @if s.kind == JobKind::Sync {
                        label { input type="checkbox" name="hanya_baru" value="1" checked[s.only_if_new];
                            " " (l.t("hanya bila ada daftar baru", "only when a list was staged")) }
                    }
                    button type="submit" { (l.t("Simpan", "Save")) }
                    @if let Some(next) = s.next_run_at {
                        " " (l.t("berikutnya", "next")) " " (when(Some(next)))
                    }
                }
            }
        }
        h2 { (l.t("Peristiwa kematian dari Dukcapil", "Death events from the civil registry")) }
        p {
            @for (status, n) in &intake.counts { (status) ": " (number(*n)) " · " }
            (l.t("Lihat docs/OPERATIONS.md untuk menghubungkan Dukcapil atau OpenCRVS.",
                "See docs/OPERATIONS.md to connect Dukcapil or OpenCRVS."))
        }
        @if !intake.recent.is_empty() {
            table {
                tr { th { (l.t("Sumber", "Source")) } th { "ID" } th { (l.t("Status", "Status")) } th { (l.t("Keterangan", "Note")) } }
                @for e in &intake.recent {
                    tr { td { (e.source) } td { (e.event_id) } td { (e.status) } td { (e.error.clone().unwrap_or_default()) } }
                }
            }
        }
    };
    Ok(respond(&frame, l.t("Tugas", "Jobs"), body))
}

/// Form of `POST /tugas`.
#[derive(Deserialize)]
pub(crate) struct StartForm {
    csrf: String,
    jenis: Option<String>,
}

/// `POST /tugas`: queues the job (or joins the one queued) and shows it.
pub(crate) async fn start(
    State(state): State<AppState>,
    auth: Auth,
    Form(f): Form<StartForm>,
) -> Result<Response, WebError> {
    auth.check_csrf(&f.csrf)?;
    auth.who
        .require_any(jaring_domain::access::Action::Synchronise)?;
    let Some(kind) = f.jenis.as_deref().and_then(JobKind::from_code) else {
        return Err(WebError(AppError::Input(
            "jenis tugas tidak dikenal / unknown job kind".into(),
        )));
    };
    let db = auth.db.clone();
    let who = auth.who.clone();
    let job = blocking(move || jobs::start(&db, &who, kind)).await?;
    state.wake_jobs();
    Ok(Redirect::to(&format!("/tugas/{}", job.id)).into_response())
}

/// `GET /tugas/{job}`: the job, refreshing itself every few seconds until it ends.
pub(crate) async fn detail(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let id: i64 = id.parse().map_err(|_| WebError(AppError::NotFound))?;
    let db = auth.db.clone();
    let who = auth.who.clone();
    let j = blocking(move || jobs::get(&db, &who, id)).await?;
    let l = auth.lang;
    let frame = Frame::of(&auth, state.demo);
    let body = html! {
        p { a href="/tugas" { "← " (l.t("Semua tugas", "All jobs")) } }
        h2 { (l.t(j.kind.label_id(), j.kind.label_en())) " #" (j.id) }
        p role="status" { strong { (status_label(l, &j)) } " · " (j.phase) }
        p { (progress(l, &j)) }
        @if !j.summary.is_empty() {
            ul { @for line in &j.summary { li { (line) } } }
        }
        @if let Some(e) = &j.error { p.err role="alert" { (e) } }
        @if let Some(file) = &j.file {
            p { a href={ "/tugas/" (j.id) "/berkas" } { (l.t("Unduh", "Download")) " " (file) } }
        }
        @if j.kind == JobKind::Sync && j.status == jobs::JobStatus::Done {
            p { a href="/tinjau" { (l.t("Buka antrean tinjauan", "Open the review queue")) } }
        }
        @if !j.status.is_final() {
            p.en { (l.t("Halaman ini diperbarui sendiri.", "This page refreshes by itself.")) }
        } @else if j.status != jobs::JobStatus::Done {
            form method="post" action="/tugas" {
                (csrf_field(&frame))
                input type="hidden" name="jenis" value=(j.kind.as_code());
                button type="submit" { (l.t("Jalankan lagi", "Run again")) }
            }
        }
        p.en { (l.t("Oleh", "By")) " " (j.started_by) " · " (when(j.created_at)) @if j.finished_at.is_some() { " → " (when(j.finished_at)) } }
    };
    let mut response = respond(&frame, l.t("Tugas", "Job"), body);
    if !j.status.is_final() {
        // A refresh header works with script off, on every browser a village phone has.
        if let Ok(v) = axum::http::HeaderValue::from_str(&REFRESH_SECONDS.to_string()) {
            response.headers_mut().insert("refresh", v);
        }
    }
    Ok(response)
}

/// `GET /tugas/{job}/berkas`: the file a job wrote.
pub(crate) async fn file(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let id: i64 = id.parse().map_err(|_| WebError(AppError::NotFound))?;
    let db = auth.db.clone();
    let who = auth.who.clone();
    let env = jaring_app::jobs::JobEnv::in_data_dir(&state.config.data_dir);
    let (name, bytes) = blocking(move || {
        let j = jobs::get(&db, &who, id)?;
        let name = j.file.ok_or(AppError::NotFound)?;
        let path = jobs::job_file(&env, &name).ok_or(AppError::NotFound)?;
        let bytes = std::fs::read(&path).map_err(|e| AppError::Io(name.clone(), e))?;
        Ok((name, bytes))
    })
    .await?;
    let mut r = crate::ui::attachment(&name, bytes);
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    Ok(r)
}

/// Form of `POST /tugas/jadwal`.
#[derive(Deserialize)]
pub(crate) struct ScheduleForm {
    csrf: String,
    jenis: Option<String>,
    irama: Option<String>,
    aktif: Option<String>,
    hanya_baru: Option<String>,
}

/// `POST /tugas/jadwal`: sets a job kind's schedule.
pub(crate) async fn set_schedule(
    State(state): State<AppState>,
    auth: Auth,
    Form(f): Form<ScheduleForm>,
) -> Result<Response, WebError> {
    auth.check_csrf(&f.csrf)?;
    auth.who
        .require_any(jaring_domain::access::Action::Synchronise)?;
    let l = auth.lang;
    let Some(kind) = f.jenis.as_deref().and_then(JobKind::from_code) else {
        return page(
            &state,
            &auth,
            Some((
                false,
                l.t("Jenis tugas tidak dikenal.", "Unknown job kind.")
                    .into(),
            )),
        )
        .await;
    };
    let cadence = match Cadence::parse(f.irama.as_deref().unwrap_or("").trim()) {
        Ok(c) => c,
        Err(e) => return page(&state, &auth, Some((false, e.to_string()))).await,
    };
    let db = auth.db.clone();
    let who = auth.who.clone();
    let (enabled, only_if_new) = (f.aktif.is_some(), f.hanya_baru.is_some());
    blocking(move || {
        schedules::set(
            &db,
            &who,
            kind,
            cadence,
            enabled,
            only_if_new,
            chrono::Utc::now(),
        )
    })
    .await?;
    page(
        &state,
        &auth,
        Some((true, l.t("Jadwal disimpan.", "Schedule saved.").into())),
    )
    .await
}
