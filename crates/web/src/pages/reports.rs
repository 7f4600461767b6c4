//! The village's reports on a phone: *lapor kematian*, *kelahiran*, *pindah*, *pindah datang*,
//! *pengangkatan*, *koreksi* and *keberatan*. Each is one short form without script; each form carries
//! a submission id written into it when it was drawn, so posting it twice (a retry on a weak
//! connection, the back button, a double tap) acts once. A refused form comes back with what was typed.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use jaring_app::events::{
    self, Appointment, Arrival, Birth, CorrectedField, Correction, Death, DeathDocument,
    Destination, MoveOut, Objection, Outcome, Report, Split, SubmissionId, Waits,
};
use jaring_app::AppError;
use jaring_domain::access::Action;
use jaring_domain::{CivilServantStatus, Nik, NoKk, RegionCode, Relationship, Sex};
use maud::{html, Markup};

use crate::auth::Auth;
use crate::ui::{csrf_field, notice, respond, Frame, Lang};
use crate::{blocking, AppState, WebError};

/// The form field that carries the submission id.
pub(crate) const SUBMISSION_FIELD: &str = "kirim";

/// What a form asks for.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Death,
    Birth,
    Move,
    Appointment,
    Split,
    Correction,
    Arrival,
    Objection,
}

enum Input {
    Text,
    Date,
    Digits,
    Select(Vec<(String, String)>),
    /// Any number of the options (checkboxes).
    Checks(Vec<(String, String)>),
    /// A photo from the phone's camera or gallery (the form is sent as multipart then).
    Photo,
}

struct Field {
    name: &'static str,
    label: (&'static str, &'static str),
    input: Input,
    required: bool,
}

fn field(
    name: &'static str,
    label: (&'static str, &'static str),
    input: Input,
    required: bool,
) -> Field {
    Field {
        name,
        label,
        input,
        required,
    }
}

fn options(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(v, t)| (v.to_string(), t.to_string()))
        .collect()
}

/// What a form's page needs besides its fields' values.
struct Subject {
    /// The resident (or proposal) it is about, for the title.
    name: String,
    /// The villages a move may go to.
    villages: Vec<(RegionCode, String)>,
    /// The other members of the resident's household (for a split).
    members: Vec<(i64, String)>,
    /// A note above the form (what happens next).
    note: Option<(String, String)>,
}

impl Kind {
    fn title(self) -> (&'static str, &'static str) {
        match self {
            Kind::Death => ("Lapor kematian", "Report a death"),
            Kind::Birth => ("Lapor kelahiran", "Report a birth"),
            Kind::Move => ("Lapor pindah", "Report a move"),
            Kind::Appointment => ("Pengangkatan ASN/PPPK/TNI/Polri", "Appointment"),
            Kind::Split => ("Pecah KK", "Split the household"),
            Kind::Correction => ("Koreksi data", "Correct a record"),
            Kind::Arrival => ("Lapor pindah datang", "Report an arrival"),
            Kind::Objection => ("Ajukan keberatan", "Lodge an objection"),
        }
    }

    fn fields(self, s: &Subject) -> Vec<Field> {
        use Input::*;
        let sex = || {
            Select(options(&[
                ("", "—"),
                ("f", "Perempuan / female"),
                ("m", "Laki-laki / male"),
            ]))
        };
        match self {
            Kind::Death => vec![
                field(
                    "tanggal",
                    ("Tanggal meninggal", "date of death"),
                    Date,
                    true,
                ),
                field("tempat", ("Tempat meninggal", "place of death"), Text, true),
                field(
                    "dokumen",
                    ("Dokumen", "document"),
                    Select(options(&[
                        (
                            "surat_desa",
                            "Surat keterangan kematian desa / village death letter",
                        ),
                        ("akta", "Akta kematian Dukcapil / death certificate"),
                    ])),
                    true,
                ),
                field("nomor", ("Nomor dokumen", "document number"), Text, true),
                field(
                    "foto",
                    (
                        "Foto dokumen (JPEG/PNG/PDF, paling besar 3 MB, boleh kosong)",
                        "photo of the document (optional, up to 3 MB)",
                    ),
                    Photo,
                    false,
                ),
            ],
            Kind::Birth => vec![
                field("nama", ("Nama bayi", "child's name"), Text, true),
                field("jk", ("Jenis kelamin", "sex"), sex(), true),
                field("tanggal", ("Tanggal lahir", "birth date"), Date, true),
                field("tempat", ("Tempat lahir", "birth place"), Text, false),
                field(
                    "nik",
                    ("NIK (bila sudah terbit)", "NIK (if issued)"),
                    Digits,
                    false,
                ),
            ],
            Kind::Move => {
                let mut to = vec![(
                    "luar".to_string(),
                    "Luar Kabupaten / out of the regency".to_string(),
                )];
                to.extend(
                    s.villages
                        .iter()
                        .map(|(c, n)| (c.to_string(), format!("{n} ({c})"))),
                );
                vec![
                    field("tujuan", ("Desa tujuan", "destination"), Select(to), true),
                    field(
                        "tempat",
                        (
                            "Tempat tujuan (bila luar kabupaten)",
                            "place (if out of the regency)",
                        ),
                        Text,
                        false,
                    ),
                    field(
                        "kk",
                        (
                            "No. KK tujuan (bila ikut KK di desa tujuan)",
                            "family card joined",
                        ),
                        Digits,
                        false,
                    ),
                    field("tanggal", ("Tanggal pindah", "day of the move"), Date, true),
                ]
            }
            Kind::Appointment => vec![
                field(
                    "status",
                    ("Status", "status"),
                    Select(options(&[
                        ("pns", "PNS"),
                        ("pppk", "PPPK"),
                        ("tni", "TNI"),
                        ("polri", "Polri"),
                    ])),
                    true,
                ),
                field(
                    "tmt",
                    ("TMT (terhitung mulai tanggal)", "effective date"),
                    Date,
                    true,
                ),
                field("sk", ("Nomor SK", "decree number"), Text, false),
            ],
            Kind::Split => vec![
                field(
                    "anggota",
                    (
                        "Anggota yang ikut pindah ke KK baru",
                        "members who leave with them",
                    ),
                    Checks(
                        s.members
                            .iter()
                            .map(|(id, name)| (id.to_string(), name.clone()))
                            .collect(),
                    ),
                    false,
                ),
                field(
                    "kk",
                    ("No. KK baru", "new family-card number"),
                    Digits,
                    true,
                ),
                field(
                    "tanggal",
                    ("Tanggal KK baru", "date of the new card"),
                    Date,
                    true,
                ),
            ],
            Kind::Correction => vec![
                field(
                    "kolom",
                    ("Data yang dikoreksi", "field"),
                    Select(options(&[
                        ("name", "Nama / name"),
                        ("nik", "NIK"),
                        ("birth_date", "Tanggal lahir (TTTT-BB-HH) / birth date"),
                        ("sex", "Jenis kelamin (m/f) / sex"),
                        ("relationship", "Hubungan keluarga / relationship"),
                    ])),
                    true,
                ),
                field("nilai", ("Nilai yang benar", "correct value"), Text, true),
                field(
                    "alasan",
                    ("Alasan dan dasar koreksi", "reason and source"),
                    Text,
                    true,
                ),
            ],
            Kind::Arrival => {
                let mut fields = Vec::new();
                if s.villages.len() > 1 {
                    fields.push(field(
                        "desa",
                        ("Desa", "village"),
                        Select(
                            s.villages
                                .iter()
                                .map(|(c, n)| (c.to_string(), format!("{n} ({c})")))
                                .collect(),
                        ),
                        true,
                    ));
                }
                let relationships: Vec<(String, String)> = Relationship::ALL
                    .iter()
                    .map(|r| (r.as_code().to_string(), r.label_id().to_string()))
                    .collect();
                fields.extend([
                    field("nik", ("NIK", "NIK"), Digits, true),
                    field("nama", ("Nama", "name"), Text, true),
                    field("jk", ("Jenis kelamin", "sex"), sex(), true),
                    field("lahir", ("Tanggal lahir", "birth date"), Date, false),
                    field("tempat", ("Tempat lahir", "birth place"), Text, false),
                    field(
                        "kk",
                        ("No. KK di desa ini (bila ikut KK)", "family card joined"),
                        Digits,
                        false,
                    ),
                    field(
                        "hubungan",
                        ("Hubungan dalam KK", "relationship"),
                        Select(relationships),
                        true,
                    ),
                    field("pekerjaan", ("Pekerjaan", "occupation"), Text, false),
                    field("asal", ("Asal (desa/kota)", "coming from"), Text, false),
                    field("tanggal", ("Tanggal datang", "day of arrival"), Date, true),
                ]);
                fields
            }
            Kind::Objection => vec![
                field(
                    "oleh",
                    ("Yang berkeberatan (nama, hubungan)", "who objects"),
                    Text,
                    true,
                ),
                field("alasan", ("Alasan keberatan", "reason"), Text, true),
            ],
        }
    }

    fn action(self, id: i64) -> String {
        match self {
            Kind::Death => format!("/penduduk/{id}/meninggal"),
            Kind::Birth => format!("/penduduk/{id}/kelahiran"),
            Kind::Move => format!("/penduduk/{id}/pindah"),
            Kind::Appointment => format!("/penduduk/{id}/pengangkatan"),
            Kind::Split => format!("/penduduk/{id}/pecah-kk"),
            Kind::Correction => format!("/penduduk/{id}/koreksi"),
            Kind::Arrival => "/penduduk/datang".into(),
            Kind::Objection => format!("/tinjau/{id}/keberatan"),
        }
    }
}

fn value<'a>(form: &'a [(String, String)], key: &str) -> &'a str {
    form.iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.trim())
        .unwrap_or_default()
}

fn required<'a>(
    form: &'a [(String, String)],
    key: &str,
    what: (&str, &str),
) -> Result<&'a str, AppError> {
    let v = value(form, key);
    if v.is_empty() {
        Err(AppError::Input(format!(
            "{} wajib diisi / {} is required",
            what.0, what.1
        )))
    } else {
        Ok(v)
    }
}

fn date(
    form: &[(String, String)],
    key: &str,
    what: (&str, &str),
) -> Result<chrono::NaiveDate, AppError> {
    let v = required(form, key, what)?;
    v.parse().map_err(|_| {
        AppError::Input(format!(
            "{} '{v}' bukan tanggal (TTTT-BB-HH) / {} '{v}' is not a date (YYYY-MM-DD)",
            what.0, what.1
        ))
    })
}

fn optional_date(
    form: &[(String, String)],
    key: &str,
    what: (&str, &str),
) -> Result<Option<chrono::NaiveDate>, AppError> {
    if value(form, key).is_empty() {
        Ok(None)
    } else {
        date(form, key, what).map(Some)
    }
}

fn sex(form: &[(String, String)]) -> Result<Sex, AppError> {
    Sex::from_code(value(form, "jk"))
        .ok_or_else(|| AppError::Input("pilih jenis kelamin / choose the sex".into()))
}

fn nik(s: &str) -> Result<Nik, AppError> {
    Nik::parse(s).map_err(|e| AppError::Input(format!("NIK {s}: {e}")))
}

fn no_kk(form: &[(String, String)]) -> Result<Option<NoKk>, AppError> {
    let v = value(form, "kk");
    if v.is_empty() {
        return Ok(None);
    }
    NoKk::parse(v)
        .map(Some)
        .map_err(|e| AppError::Input(format!("No. KK {v}: {e}")))
}

/// The report a posted form means (`id` is the resident's, or the proposal's for an objection).
fn report(
    kind: Kind,
    id: i64,
    form: &[(String, String)],
    home: Option<RegionCode>,
    photo: Option<Vec<u8>>,
) -> Result<Report, AppError> {
    Ok(match kind {
        Kind::Death => {
            let number =
                required(form, "nomor", ("nomor dokumen", "the document number"))?.to_string();
            Report::Death(Death {
                person_id: id,
                date: date(form, "tanggal", ("tanggal meninggal", "date of death"))?,
                place: value(form, "tempat").to_string(),
                document: if value(form, "dokumen") == "akta" {
                    DeathDocument::Deed(number)
                } else {
                    DeathDocument::VillageLetter(number)
                },
                photo: photo.map(events::Photo::sniff).transpose()?,
            })
        }
        Kind::Birth => Report::Birth(Birth {
            parent_id: id,
            name: value(form, "nama").to_string(),
            sex: sex(form)?,
            birth_date: date(form, "tanggal", ("tanggal lahir", "birth date"))?,
            birth_place: value(form, "tempat").to_string(),
            nik: match value(form, "nik") {
                "" => None,
                s => Some(nik(s)?),
            },
        }),
        Kind::Move => {
            let to = match value(form, "tujuan") {
                "luar" => Destination::Away(value(form, "tempat").to_string()),
                code => Destination::Village(
                    RegionCode::parse(code)
                        .map_err(|_| AppError::UnknownRegion(code.to_string()))?,
                    no_kk(form)?,
                ),
            };
            Report::MoveOut(MoveOut {
                person_id: id,
                to,
                on: date(form, "tanggal", ("tanggal pindah", "day of the move"))?,
            })
        }
        Kind::Appointment => Report::Appointment(Appointment {
            person_id: id,
            status: CivilServantStatus::from_code(value(form, "status"))
                .ok_or_else(|| AppError::Input("pilih status / choose a status".into()))?,
            since: date(form, "tmt", ("TMT", "the effective date"))?,
            decree: value(form, "sk").to_string(),
        }),
        Kind::Split => Report::Split(Split {
            head: id,
            with: form
                .iter()
                .filter(|(k, _)| k == "anggota")
                .map(|(_, v)| {
                    v.parse()
                        .map_err(|_| AppError::Input(format!("anggota '{v}' / member '{v}'")))
                })
                .collect::<Result<_, _>>()?,
            no_kk: no_kk(form)?.ok_or_else(|| {
                AppError::Input("No. KK baru wajib diisi / the new number is required".into())
            })?,
            on: date(form, "tanggal", ("tanggal KK baru", "date of the new card"))?,
        }),
        Kind::Correction => Report::Correction(Correction {
            person_id: id,
            field: CorrectedField::from_column(value(form, "kolom")).ok_or_else(|| {
                AppError::Input("pilih data yang dikoreksi / choose a field".into())
            })?,
            value: value(form, "nilai").to_string(),
            reason: value(form, "alasan").to_string(),
        }),
        Kind::Arrival => {
            let village = match (value(form, "desa"), home) {
                ("", Some(h)) => h,
                (code, _) => RegionCode::parse(code)
                    .map_err(|_| AppError::Input("pilih desa / choose the village".into()))?,
            };
            Report::Arrival(Arrival {
                village,
                nik: nik(required(form, "nik", ("NIK", "the NIK"))?)?,
                name: value(form, "nama").to_string(),
                sex: sex(form)?,
                birth_date: optional_date(form, "lahir", ("tanggal lahir", "birth date"))?,
                birth_place: value(form, "tempat").to_string(),
                no_kk: no_kk(form)?,
                relationship: Relationship::from_code(value(form, "hubungan"))
                    .unwrap_or(Relationship::Other),
                occupation: value(form, "pekerjaan").to_string(),
                origin: value(form, "asal").to_string(),
                on: date(form, "tanggal", ("tanggal datang", "day of arrival"))?,
            })
        }
        Kind::Objection => Report::Objection(Objection {
            proposal_id: id,
            objector: value(form, "oleh").to_string(),
            reason: value(form, "alasan").to_string(),
        }),
    })
}

/// One drawing of a form: for whom, with what was typed, under which submission id.
struct View<'a> {
    kind: Kind,
    id: i64,
    subject: &'a Subject,
    values: &'a [(String, String)],
    submission: &'a str,
    message: Option<&'a str>,
}

fn form_markup(frame: &Frame<'_>, view: &View<'_>) -> Markup {
    let View {
        kind,
        id,
        subject,
        values,
        submission,
        message,
    } = *view;
    let l = frame.lang;
    let fields = kind.fields(subject);
    html! {
        p { b { (subject.name) } }
        @if let Some((id_note, en_note)) = &subject.note { p.en { (l.t(id_note, en_note)) } }
        (notice(message.map(|m| (false, m))))
        form method="post" action=(kind.action(id)) enctype=[fields.iter().any(|f| matches!(f.input, Input::Photo)).then_some("multipart/form-data")] {
            (csrf_field(frame))
            input type="hidden" name=(SUBMISSION_FIELD) value=(submission);
            @for f in &fields {
                @let v = value(values, f.name);
                label for=(f.name) { (l.both(f.label.0, f.label.1)) }
                @match &f.input {
                    Input::Text => input.wide #(f.name) name=(f.name) value=(v) required[f.required];
                    Input::Date => input #(f.name) name=(f.name) type="date" value=(v) required[f.required];
                    Input::Digits => input #(f.name) name=(f.name) value=(v) inputmode="numeric" maxlength="16" required[f.required];
                    Input::Select(opts) => select.wide #(f.name) name=(f.name) required[f.required] {
                        @for (code, text) in opts { option value=(code) selected[code == v] { (text) } }
                    },
                    Input::Photo => input #(f.name) name=(f.name) type="file" accept="image/jpeg,image/png,application/pdf" capture="environment";
                    Input::Checks(opts) => {
                        @if opts.is_empty() { p.en { "—" } }
                        @for (code, text) in opts {
                            @let checked = values.iter().any(|(k, x)| k == f.name && x == code);
                            label { input type="checkbox" name=(f.name) value=(code) checked[checked]; " " (text) }
                        }
                    },
                }
            }
            p { button type="submit" { (l.t("Kirim", "Submit")) } " "
                @if kind == Kind::Objection { a href={ "/tinjau/" (id) } { (l.t("Batal", "Cancel")) } }
                @else if kind == Kind::Arrival { a href="/penduduk" { (l.t("Batal", "Cancel")) } }
                @else { a href={ "/penduduk/" (id) } { (l.t("Batal", "Cancel")) } } }
        }
    }
}

fn page(auth: &Auth, demo: bool, view: &View<'_>) -> Response {
    let frame = Frame::of(auth, demo);
    let (t_id, t_en) = view.kind.title();
    let body = form_markup(&frame, view);
    respond(&frame, auth.lang.t(t_id, t_en), body)
}

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
