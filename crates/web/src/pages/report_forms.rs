//! The report forms: what each asks (fields, labels in both languages, the choices a phone offers),
//! how a posted one reads into a [`Report`], and how a form is drawn — with what was typed when it
//! comes back refused, and the submission id it was first drawn with.

use jaring_app::events::{
    self, Appointment, Arrival, Birth, CorrectedField, Correction, Death, DeathDocument,
    Destination, MoveOut, Objection, Report, Split,
};
use jaring_app::AppError;
use jaring_domain::{CivilServantStatus, NoKk, RegionCode, Relationship, Sex};

use crate::input::nik;
use maud::{html, Markup};

use crate::auth::Auth;
use crate::ui::{csrf_field, notice, respond, Frame};
use axum::response::Response;

/// The form field that carries the submission id.
pub(crate) const SUBMISSION_FIELD: &str = "kirim";

/// What a form asks for.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Kind {
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
pub(super) struct Subject {
    /// The resident (or proposal) it is about, for the title.
    pub(super) name: String,
    /// The villages a move may go to.
    pub(super) villages: Vec<(RegionCode, String)>,
    /// The other members of the resident's household (for a split).
    pub(super) members: Vec<(i64, String)>,
    /// A note above the form (what happens next).
    pub(super) note: Option<(String, String)>,
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

pub(super) fn value<'a>(form: &'a [(String, String)], key: &str) -> &'a str {
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
    crate::input::required(value(form, key), what)
}

fn date(
    form: &[(String, String)],
    key: &str,
    what: (&str, &str),
) -> Result<chrono::NaiveDate, AppError> {
    crate::input::date(value(form, key), what)
}

fn optional_date(
    form: &[(String, String)],
    key: &str,
    what: (&str, &str),
) -> Result<Option<chrono::NaiveDate>, AppError> {
    crate::input::optional_date(value(form, key), what)
}

fn sex(form: &[(String, String)]) -> Result<Sex, AppError> {
    crate::input::sex(value(form, "jk"))
}

fn no_kk(form: &[(String, String)]) -> Result<Option<NoKk>, AppError> {
    crate::input::no_kk(value(form, "kk"))
}

/// The report a posted form means (`id` is the resident's, or the proposal's for an objection).
pub(super) fn report(
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
pub(super) struct View<'a> {
    pub(super) kind: Kind,
    pub(super) id: i64,
    pub(super) subject: &'a Subject,
    pub(super) values: &'a [(String, String)],
    pub(super) submission: &'a str,
    pub(super) message: Option<&'a str>,
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

pub(super) fn page(auth: &Auth, demo: bool, view: &View<'_>) -> Response {
    let frame = Frame::of(auth, demo);
    let (t_id, t_en) = view.kind.title();
    let body = form_markup(&frame, view);
    respond(&frame, auth.lang.t(t_id, t_en), body)
}
