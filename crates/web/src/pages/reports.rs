//! The village's reports on a phone: *lapor kematian*, *kelahiran*, *pindah*, *pindah datang*,
//! *pengangkatan*, *koreksi* and *keberatan*. Each is one short form without script; each form carries
//! a submission id written into it when it was drawn, so posting it twice (a retry on a weak
//! connection, the back button, a double tap) acts once. A refused form comes back with what was typed.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use jaring_app::events::{self, Outcome, SubmissionId, Waits};
use jaring_app::AppError;
use jaring_domain::access::Action;
use jaring_domain::RegionCode;
use maud::{html, Markup};

use super::report_forms::SUBMISSION_FIELD;
use super::report_forms::{page, report, value, Kind, Subject, View};
use crate::auth::Auth;
use crate::ui::Lang;
use crate::{blocking, AppState, WebError};

/// What the page needs to know about the resident or proposal, checking that `auth` may report here.
async fn subject(auth: &Auth, kind: Kind, id: i64) -> Result<Subject, WebError> {
    let db = auth.db.clone();
    let who = auth.who.clone();
    blocking(move || {
        let villages = match kind {
            Kind::Move => events::villages(&db)?,
            Kind::Arrival => events::villages(&db)?
                .into_iter()
                .filter(|(c, _)| who.grant.allows(Action::EditResidents, *c))
                .collect(),
            _ => Vec::new(),
        };
        if kind == Kind::Arrival {
            if villages.is_empty() {
                who.require_any(Action::EditResidents)?;
                return Err(AppError::NotFound);
            }
            return Ok(Subject {
                name: String::new(),
                villages,
                members: Vec::new(),
                note: Some((
                    "NIK yang terdaftar di desa lain kabupaten ini menjadi usulan pindah yang disetujui desa asal."
                        .into(),
                    "A NIK registered in another village of the regency becomes a move the village of origin agrees to."
                        .into(),
                )),
            });
        }
        if kind == Kind::Objection {
            let row = jaring_app::review::show(&db, &who, id)?;
            let village = row
                .village_code
                .as_deref()
                .and_then(|v| RegionCode::parse(v).ok())
                .ok_or(AppError::NotFound)?;
            who.require(Action::EditResidents, village)?;
            return Ok(Subject {
                name: format!("#{} {}", row.id, row.summary),
                villages,
                members: Vec::new(),
                note: Some((
                    "Keberatan menjadi usulan pembatalan yang diputuskan orang lain; umurnya tercatat sampai diputuskan."
                        .into(),
                    "An objection becomes a proposal to undo the decision, decided by someone else; its age is tracked until then."
                        .into(),
                )),
            });
        }
        let v = jaring_app::residents::person(&db, &who, id)?;
        let members = v
            .household
            .iter()
            .filter(|m| m.id != id && m.life_status == "alive")
            .map(|m| (m.id, m.name.clone()))
            .collect();
        let village = RegionCode::parse(&v.person.village_code)
            .map_err(|e| AppError::Input(e.to_string()))?;
        who.require(Action::EditResidents, village)?;
        let note = match kind {
            Kind::Death => Some(match events::registry_death(&db, &who, id)? {
                Some((file, date)) => (
                    format!(
                        "Dukcapil sudah mencatat kematian ini ({file}{}): laporan desa dapat langsung disetujui.",
                        date.map(|d| format!(", {}", d.format("%d-%m-%Y"))).unwrap_or_default()
                    ),
                    format!("The civil registry lists this death ({file}): the village's report can be approved at once."),
                ),
                None => (
                    "Belum ada data kematian Dukcapil untuk penduduk ini: laporan dikonfirmasi oleh kecamatan atau kabupaten sebelum diterapkan.".into(),
                    "No civil-registry record of this death yet: the district or the regency confirms the report before it applies.".into(),
                ),
            }),
            Kind::Move => Some((
                "Pindah ke desa lain di kabupaten ini diterima oleh desa tujuan.".into(),
                "A move to another village of the regency is accepted by the village it goes to.".into(),
            )),
            Kind::Split => Some((
                "Penduduk ini menjadi kepala KK baru; KK lama tetap dengan anggota lainnya dan riwayatnya tersimpan.".into(),
                "This resident heads the new card; the old card stays with the others, its history kept.".into(),
            )),
            Kind::Appointment => Some((
                "Keluarganya keluar dari program bersubsidi pada akhir bulan TMT.".into(),
                "The household leaves subsidised programmes at the end of the month of the TMT.".into(),
            )),
            _ => None,
        };
        Ok(Subject {
            name: format!("{} · {}", v.person.name, v.person.village_code),
            villages,
            members,
            note,
        })
    })
    .await
}

async fn show(state: AppState, auth: Auth, kind: Kind, id: i64) -> Result<Response, WebError> {
    let subject = subject(&auth, kind, id).await?;
    let fresh = SubmissionId::fresh();
    let view = View {
        kind,
        id,
        subject: &subject,
        values: &[],
        submission: fresh.as_str(),
        message: None,
    };
    Ok(page(&auth, state.demo, &view))
}

/// Where a report's outcome is shown: its proposal, with what happened.
fn outcome_url(o: &Outcome) -> String {
    let code = match (o.repeated, o.waits) {
        (true, _) => "ulang",
        (false, Waits::Nobody) => "diterapkan",
        (false, Waits::SecondPerson) => "konfirmasi",
        (false, Waits::OtherVillage) => "desa-lain",
        (false, Waits::Reviewer) => "tinjau",
    };
    format!("/tinjau/{}?laporan={code}", o.proposal_id)
}

/// The outcome message for `?laporan=`.
pub(crate) fn outcome_message(l: Lang, code: &str) -> Option<String> {
    let (id, en) = match code {
        "ulang" => (
            "Laporan ini sudah terkirim sebelumnya; tidak ada yang dicatat dua kali.",
            "This report was sent before; nothing was recorded twice.",
        ),
        "diterapkan" => (
            "Laporan tersimpan dan diterapkan.",
            "Report saved and applied.",
        ),
        "konfirmasi" => (
            "Laporan tersimpan; menunggu konfirmasi kecamatan atau kabupaten.",
            "Report saved; it waits for the district or the regency to confirm it.",
        ),
        "desa-lain" => (
            "Laporan tersimpan; menunggu persetujuan desa lainnya.",
            "Report saved; it waits for the other village to agree.",
        ),
        "tinjau" => (
            "Laporan tersimpan; menunggu peninjau.",
            "Report saved; it waits for a reviewer.",
        ),
        _ => return None,
    };
    Some(l.t(id, en).to_string())
}

async fn post(
    state: AppState,
    auth: Auth,
    kind: Kind,
    id: i64,
    form: Vec<(String, String)>,
    photo: Option<Vec<u8>>,
) -> Result<Response, WebError> {
    auth.check_csrf(value(&form, "csrf"))?;
    // Rights first: someone who may not report here learns nothing from the form's validation.
    let subject = subject(&auth, kind, id).await?;
    let submission = value(&form, SUBMISSION_FIELD).to_string();
    let db = auth.db.clone();
    let who = auth.who.clone();
    let home =
        (who.grant.scope.level() == jaring_domain::RegionLevel::Village).then_some(who.grant.scope);
    let values = form.clone();
    let sid = submission.clone();
    let result = blocking(move || {
        let sid = SubmissionId::parse(&sid)?;
        let report = report(kind, id, &values, home, photo)?;
        let ctx = jaring_app::review::Context::load(&mut db.conn()?, jaring_domain::today())?;
        events::submit(&db, &who, &sid, report, &ctx)
    })
    .await;
    match result {
        Ok(outcome) => {
            if outcome.applied {
                state.refresh_coverage();
            }
            Ok(Redirect::to(&outcome_url(&outcome)).into_response())
        }
        Err(WebError(e)) if matches!(crate::status_of(&e).as_u16(), 409 | 422) => {
            let submission =
                SubmissionId::parse(&submission).unwrap_or_else(|_| SubmissionId::fresh());
            let message = e.to_string();
            let view = View {
                kind,
                id,
                subject: &subject,
                values: &form,
                submission: submission.as_str(),
                message: Some(&message),
            };
            let mut response = page(&auth, state.demo, &view);
            *response.status_mut() = crate::status_of(&e);
            Ok(response)
        }
        Err(e) => Err(e),
    }
}

macro_rules! report_routes {
    ($($get:ident, $post:ident, $kind:expr;)+) => {$(
        #[doc = concat!("`GET` of the ", stringify!($get), " form.")]
        pub(crate) async fn $get(
            State(state): State<AppState>,
            auth: Auth,
            Path(id): Path<i64>,
        ) -> Result<Response, WebError> {
            show(state, auth, $kind, id).await
        }

        #[doc = concat!("`POST` of the ", stringify!($get), " form.")]
        pub(crate) async fn $post(
            State(state): State<AppState>,
            auth: Auth,
            Path(id): Path<i64>,
            Form(form): Form<Vec<(String, String)>>,
        ) -> Result<Response, WebError> {
            post(state, auth, $kind, id, form, None).await
        }
    )+};
}

/// `POST /penduduk/{id}/meninggal`: the death form, as multipart when it carries a photo (read up to
/// [`events::Photo::MAX_BYTES`]; more is refused) or as a plain form.
pub(crate) async fn death(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    request: axum::extract::Request,
) -> Result<Response, WebError> {
    use axum::extract::FromRequest;
    let multipart = request
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let bad = |m: String| WebError(AppError::Input(m));
    if !multipart {
        let Form(form) = Form::<Vec<(String, String)>>::from_request(request, &state)
            .await
            .map_err(|e| bad(format!("formulir rusak / broken form: {e}")))?;
        return post(state, auth, Kind::Death, id, form, None).await;
    }
    let mut parts = axum::extract::Multipart::from_request(request, &state)
        .await
        .map_err(|e| bad(format!("formulir rusak / broken form: {e}")))?;
    let mut form = Vec::new();
    let mut photo = None;
    while let Some(mut field) = parts
        .next_field()
        .await
        .map_err(|e| bad(format!("unggahan terputus / upload cut off: {e}")))?
    {
        let name = field.name().unwrap_or_default().to_string();
        if name != "foto" {
            let text = field
                .text()
                .await
                .map_err(|e| bad(format!("formulir rusak / broken form: {e}")))?;
            form.push((name, text));
            continue;
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = field
            .chunk()
            .await
            .map_err(|e| bad(format!("unggahan terputus / upload cut off: {e}")))?
        {
            bytes.extend_from_slice(&chunk);
            if bytes.len() > events::Photo::MAX_BYTES {
                break;
            }
        }
        if !bytes.is_empty() {
            photo = Some(bytes);
        }
    }
    post(state, auth, Kind::Death, id, form, photo).await
}

/// `GET /tinjau/{id}/foto`: the photo sent with a report, for whoever may see the proposal.
pub(crate) async fn photo(auth: Auth, Path(id): Path<i64>) -> Result<Response, WebError> {
    let db = auth.db.clone();
    let who = auth.who.clone();
    let photo = blocking(move || events::photo(&db, &who, id)).await?;
    let content_type = photo.content_type();
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, content_type),
            (axum::http::header::CONTENT_DISPOSITION, "inline"),
        ],
        photo.into_bytes(),
    )
        .into_response())
}

/// `GET /penduduk/{id}/meninggal`
pub(crate) async fn death_form(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    show(state, auth, Kind::Death, id).await
}

report_routes! {
    birth_form, birth, Kind::Birth;
    move_form, move_out, Kind::Move;
    appointment_form, appointment, Kind::Appointment;
    split_form, split, Kind::Split;
    correction_form, correction, Kind::Correction;
    objection_form, objection, Kind::Objection;
}

/// `GET /penduduk/datang`
pub(crate) async fn arrival_form(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<Response, WebError> {
    show(state, auth, Kind::Arrival, 0).await
}

/// `POST /penduduk/datang`
pub(crate) async fn arrival(
    State(state): State<AppState>,
    auth: Auth,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    post(state, auth, Kind::Arrival, 0, form, None).await
}

/// The report links of a resident's page, for a reader who may edit residents there.
pub(crate) fn links(l: Lang, id: i64, alive: bool) -> Markup {
    html! {
        p.pager {
            @if alive {
                a href={ "/penduduk/" (id) "/meninggal" } { (l.t("Lapor kematian", "Report death")) }
                a href={ "/penduduk/" (id) "/kelahiran" } { (l.t("Lapor kelahiran", "Report birth")) }
                a href={ "/penduduk/" (id) "/pindah" } { (l.t("Pindah", "Move")) }
                a href={ "/penduduk/" (id) "/pengangkatan" } { (l.t("Pengangkatan ASN", "Appointment")) }
                a href={ "/penduduk/" (id) "/pecah-kk" } { (l.t("Pecah KK", "Split household")) }
            }
            a href={ "/penduduk/" (id) "/koreksi" } { (l.t("Koreksi", "Correct")) }
        }
    }
}

/// `GET /penduduk/{id}/surat-kematian.pdf`: the draft death letter of a resident recorded deceased.
pub(crate) async fn death_letter(auth: Auth, Path(id): Path<i64>) -> Result<Response, WebError> {
    let db = auth.db.clone();
    let who = auth.who.clone();
    let pdf = blocking(move || jaring_app::letters::death_letter_pdf(&db, &who, id)).await?;
    Ok(crate::ui::attachment(
        &format!("surat-keterangan-kematian-{id}.pdf"),
        pdf,
    ))
}

/// `GET /klaim/{id}/surat-ahli-waris.pdf`: the draft heirs' statement of a death claim.
pub(crate) async fn heirs_letter(auth: Auth, Path(id): Path<i64>) -> Result<Response, WebError> {
    let db = auth.db.clone();
    let who = auth.who.clone();
    let pdf = blocking(move || jaring_app::letters::heirs_letter_pdf(&db, &who, id)).await?;
    Ok(crate::ui::attachment(
        &format!("surat-keterangan-ahli-waris-{id}.pdf"),
        pdf,
    ))
}
