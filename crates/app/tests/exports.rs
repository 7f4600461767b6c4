//! The files sent out, re-read cell by cell: the BPJS terminations of a month (XLSX with calamine, and
//! CSV), the new-enrolment list within a quota, and masking for the auditor; on every backend.

#[path = "../../store/tests/backends.rs"]
mod backends;
mod support;

use backends::{backends, label};
use calamine::{open_workbook, Data, Reader, Xlsx};
use jaring_app::accounts::Principal;
use jaring_app::export::{self, Format};
use jaring_domain::access::{Grant, Role};
use jaring_domain::RegionCode;
use jaring_store::review::ProposalFilter;

fn who(role: Role) -> Principal {
    Principal {
        user_id: 0,
        username: "uji".into(),
        full_name: "uji".into(),
        grant: Grant {
            role,
            scope: RegionCode::parse("53.04").unwrap(),
        },
        must_change_password: false,
    }
}

fn read_xlsx(path: &std::path::Path) -> Vec<Vec<String>> {
    let mut book: Xlsx<_> = open_workbook(path).unwrap();
    let range = book.worksheet_range_at(0).unwrap().unwrap();
    range
        .rows()
        .map(|r| {
            r.iter()
                .map(|c| match c {
                    Data::String(s) => s.clone(),
                    Data::Empty => String::new(),
                    // Quantities (the NO column) are numbers; whole ones read back as written.
                    Data::Float(f) if f.fract() == 0.0 => format!("{}", *f as i64),
                    other => panic!("text or a whole number, found {other:?}"),
                })
                .collect()
        })
        .collect()
}

#[test]
fn terminations_and_enrolments_re_read_cell_by_cell() {
    for t in backends() {
        let db = &t.db;
        let config = jaring_synth::Config {
            persons: 3_000,
            seed: 11,
            ..jaring_synth::Config::default()
        };
        jaring_app::prepare_demo(db, &config).unwrap();
        support::approve_deaths(db, config.as_of);
        // The month with the most memberships ended, and what the database says ended then.
        let mut conn = db.conn().unwrap();
        let ended = conn
            .query(
                "SELECT e.end_date, e.kpj, p.nik, p.name, p.village_code FROM enrolments e \
                 JOIN persons p ON p.id = e.person_id WHERE e.end_date IS NOT NULL",
                &[],
            )
            .unwrap();
        let mut by_month: std::collections::BTreeMap<
            String,
            Vec<(String, String, String, String)>,
        > = Default::default();
        for r in &ended {
            let d = r.opt_date(0).unwrap().unwrap();
            by_month
                .entry(d.format("%Y-%m").to_string())
                .or_default()
                .push((
                    r.text(4).unwrap(),
                    r.text(3).unwrap(),
                    r.opt_text(1).unwrap().unwrap_or_default(),
                    r.opt_text(2).unwrap().unwrap_or_default(),
                ));
        }
        drop(conn);
        let (month, mut expected) = by_month
            .into_iter()
            .max_by_key(|(_, v)| v.len())
            .expect("deaths ended memberships");
        expected.sort();
        let month_date = jaring_app::coverage::parse_month(&month).unwrap();
        let admin = who(Role::AdminKabupaten);
        let sheet = export::terminations(db, &admin, month_date, None).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let xlsx = dir.path().join("berhenti.xlsx");
        let csv_path = dir.path().join("berhenti.csv");
        export::write(&sheet, &xlsx, Format::Xlsx).unwrap();
        export::write(&sheet, &csv_path, Format::Csv).unwrap();

        let cells = read_xlsx(&xlsx);
        assert_eq!(
            cells[0],
            export::TERMINATION_HEADINGS
                .iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()
        );
        assert_eq!(
            cells.len() - 1,
            expected.len(),
            "{}: rows of {month}",
            label(db)
        );
        let mut got: Vec<(String, String, String, String)> = cells[1..]
            .iter()
            .map(|r| (r[9].clone(), r[3].clone(), r[1].clone(), r[2].clone()))
            .collect();
        got.sort();
        assert_eq!(got, expected);
        for (i, r) in cells[1..].iter().enumerate() {
            assert_eq!(r[0], (i + 1).to_string(), "NO column");
            assert_eq!(r[8], "MENINGGAL");
            assert!(r[7].ends_with(&month[..4]), "end date in {month}: {}", r[7]);
            assert_eq!(r[2].len(), 16, "NIK whole, as text: {}", r[2]);
        }
        // The CSV holds the same cells (after the BOM).
        let text = std::fs::read_to_string(&csv_path).unwrap();
        let mut reader = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
        let csv_rows: Vec<Vec<String>> = reader
            .records()
            .map(|r| r.unwrap().iter().map(str::to_string).collect())
            .collect();
        assert_eq!(csv_rows, cells[1..].to_vec());

        // The auditor's copy has the NIKs masked.
        let masked = export::terminations(db, &who(Role::Auditor), month_date, None).unwrap();
        for r in &masked.rows {
            assert!(r[2].contains("********"), "{}", r[2]);
        }

        // New enrolments for the village-funded programme: at most its quota of 100 per village,
        // every one eligible and not covered.
        let sheet = export::enrolments(db, &admin, "bpu_apbdes", config.as_of).unwrap();
        assert!(!sheet.rows.is_empty());
        let mut per_village: std::collections::HashMap<&str, usize> = Default::default();
        for r in &sheet.rows {
            *per_village.entry(r[8].as_str()).or_default() += 1;
        }
        assert!(per_village.values().all(|n| *n <= 100), "{per_village:?}");
        let gap = jaring_app::coverage::gap(
            db,
            RegionCode::parse("53.04").unwrap(),
            "bpu_apbdes",
            config.as_of,
        )
        .unwrap();
        let nik_of: std::collections::HashSet<String> =
            gap.iter().filter_map(|g| g.person.nik.clone()).collect();
        for r in &sheet.rows {
            assert!(nik_of.contains(&r[1]), "{} is on the gap list", r[1]);
        }
        // DTSEN removals: every death approved today is in this month's file, once.
        let deaths_applied = jaring_app::review::list(
            db,
            &job("test"),
            &ProposalFilter {
                status: Some("applied".into()),
                kinds: vec!["mark_deceased".into()],
                ..Default::default()
            },
        )
        .unwrap();
        let dtsen = export::dtsen_updates(db, &admin, jaring_domain::today()).unwrap();
        let removals: Vec<&Vec<String>> =
            dtsen.rows.iter().filter(|r| r[5] == "MENINGGAL").collect();
        assert_eq!(removals.len(), deaths_applied.len(), "{}", label(db));
        assert!(removals.iter().all(|r| r[4] == "HAPUS" && r[6].len() == 10));
        let path = dir.path().join("daftar.xlsx");
        export::write(&sheet, &path, Format::Xlsx).unwrap();
        assert_eq!(read_xlsx(&path).len(), sheet.rows.len() + 1);
    }
}

/// The printable report: rendered by poppler (`pdftoppm`, the same engine as most PDF viewers) to PNG,
/// and its text read back (`pdftotext`): the regency's name and its rate as the coverage report says.
#[test]
fn the_coverage_pdf_renders_and_names_the_regency_and_its_rate() {
    let t = backends().remove(0);
    let db = &t.db;
    let config = jaring_synth::Config {
        persons: 2_000,
        seed: 2,
        ..jaring_synth::Config::default()
    };
    jaring_app::prepare_demo(db, &config).unwrap();
    let admin = who(Role::AdminKabupaten);
    let pdf = jaring_app::report::coverage_pdf(db, &admin, config.as_of).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("laporan.pdf");
    std::fs::write(&path, &pdf).unwrap();
    let status = std::process::Command::new("pdftoppm")
        .args(["-png", "-r", "60"])
        .arg(&path)
        .arg(dir.path().join("hal"))
        .status()
        .expect("pdftoppm (Debian poppler-utils; ./scripts/test installs it)");
    assert!(status.success());
    let png = std::fs::read(dir.path().join("hal-1.png")).unwrap();
    assert_eq!(&png[1..4], b"PNG");
    assert!(
        png.len() > 5_000,
        "a drawn page, not a blank one: {} bytes",
        png.len()
    );
    let out = std::process::Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let report = jaring_app::coverage::coverage(db, None, config.as_of, true).unwrap();
    let regency = report.rows.iter().find(|r| r.code == "53.04").unwrap();
    let bp = regency.rate.basis_points().unwrap();
    let rate = format!("{},{:02} %", bp / 100, bp % 100);
    assert!(text.contains("Kabupaten Belu"), "{text}");
    assert!(
        text.contains(&format!("Cakupan UCJ: {rate}")),
        "{rate} in {text}"
    );
    for k in report.rows.iter().filter(|r| r.level == "kecamatan") {
        assert!(text.contains(&k.name), "{} in the table", k.name);
    }
}

/// Pending proposals of `kind` not in `before`, approved one by one; returns how many.
fn approve_new(
    db: &jaring_store::Database,
    before: &[i64],
    ctx: &jaring_app::review::Context,
) -> usize {
    let pending = jaring_app::review::list(
        db,
        &job("test"),
        &ProposalFilter {
            kinds: vec!["membership".into()],
            status: Some("pending".into()),
            ..Default::default()
        },
    )
    .unwrap();
    let mut n = 0;
    for p in pending.iter().filter(|p| !before.contains(&p.id)) {
        jaring_app::review::approve(db, &job("uji"), p.id, None, ctx).unwrap();
        n += 1;
    }
    n
}

fn pending_memberships(db: &jaring_store::Database) -> Vec<i64> {
    jaring_app::review::list(
        db,
        &job("test"),
        &ProposalFilter {
            kinds: vec!["membership".into()],
            status: Some("pending".into()),
            ..Default::default()
        },
    )
    .unwrap()
    .iter()
    .map(|p| p.id)
    .collect()
}

fn count(db: &jaring_store::Database, sql: &str) -> i64 {
    db.conn().unwrap().query(sql, &[]).unwrap()[0]
        .i64(0)
        .unwrap()
}

/// Active members per village in `month`.
fn members(db: &jaring_store::Database, month: chrono::NaiveDate) -> Vec<(String, i64)> {
    jaring_app::coverage::coverage(db, None, month, false)
        .unwrap()
        .rows
        .into_iter()
        .filter(|r| r.level == "desa" || r.level == "kelurahan")
        .map(|r| (r.code, r.rate.numerator))
        .collect()
}

/// Imports terminations files as a BPJS membership export, links them and approves what they propose.
fn reimport(
    db: &jaring_store::Database,
    files: &[std::path::PathBuf],
    as_of: chrono::NaiveDate,
) -> (u64, usize) {
    let before = pending_memberships(db);
    let mut accepted = 0;
    for f in files {
        let report = jaring_app::import::import_file(
            db,
            &job("uji"),
            &jaring_app::import::ImportRequest {
                path: f.clone(),
                file_name: None,
                kind: jaring_domain::ListKind::Bpjs,
                mapping: None,
                sheet: None,
                village: None,
                error_file: Some(f.with_extension("kesalahan.xlsx")),
                today: as_of,
            },
            &jaring_app::import::NoProgress,
        )
        .unwrap();
        assert!(report.rejected.is_empty(), "{:?}", report.rejected);
        accepted += report.counts.rows_total - report.counts.rejected;
    }
    let kinds = [jaring_domain::ListKind::Bpjs];
    jaring_app::sync::sync(db, &job("sync"), &kinds, &Default::default()).unwrap();
    let ctx = jaring_app::review::Context::load(&mut db.conn().unwrap(), as_of).unwrap();
    jaring_app::review::generate_proposals(db, &job("uji"), &kinds, &ctx).unwrap();
    (accepted, approve_new(db, &before, &ctx))
}

/// The terminations jaring sends BPJS come back in BPJS's next membership export. Read as such, they end
/// the same memberships in a registry that never saw the deaths (a copy of the same demo), so its active
/// members equal the sender's; and in the sender's own registry they change nothing.
#[test]
fn terminations_round_trip_through_a_bpjs_membership_import() {
    for (a, b) in backends().into_iter().zip(backends()) {
        let config = jaring_synth::Config {
            persons: 3_000,
            seed: 5,
            ..jaring_synth::Config::default()
        };
        jaring_app::prepare_demo(&a.db, &config).unwrap();
        jaring_app::prepare_demo(&b.db, &config).unwrap();
        let l = label(&a.db);
        let ended_before = count(
            &a.db,
            "SELECT COUNT(*) FROM enrolments WHERE end_date IS NOT NULL",
        );
        support::approve_deaths(&a.db, config.as_of);
        let months: std::collections::BTreeSet<String> =
            a.db.conn()
                .unwrap()
                .query(
                    "SELECT end_date FROM enrolments WHERE end_date IS NOT NULL",
                    &[],
                )
                .unwrap()
                .iter()
                .map(|r| r.opt_date(0).unwrap().unwrap().format("%Y-%m").to_string())
                .collect();
        assert!(!months.is_empty(), "{l}: deaths ended memberships");
        let dir = tempfile::tempdir().unwrap();
        let admin = who(Role::AdminKabupaten);
        let mut files = Vec::new();
        let mut rows = 0;
        for m in &months {
            let month = jaring_app::coverage::parse_month(m).unwrap();
            let sheet = export::terminations(&a.db, &admin, month, None).unwrap();
            rows += sheet.rows.len();
            let path = dir.path().join(format!("berhenti-{m}.xlsx"));
            export::write(&sheet, &path, Format::Xlsx).unwrap();
            files.push(path);
        }
        assert!(
            rows as i64 > ended_before,
            "{l}: the approvals added terminations"
        );
        // The month after the last end: every terminated membership has lapsed by then.
        let last = jaring_app::coverage::parse_month(months.iter().next_back().unwrap()).unwrap();
        let after = last + chrono::Months::new(1);
        let sent = members(&a.db, after);
        let b_before = members(&b.db, after);
        assert_ne!(sent, b_before, "{l}: the deaths lowered the sender's count");

        let (accepted, approved) = reimport(&b.db, &files, config.as_of);
        assert_eq!(accepted as usize, rows, "{l}: every row accepted");
        assert!(approved > 0, "{l}");
        assert_eq!(members(&b.db, after), sent, "{l}: the receiver agrees");
        assert_eq!(
            count(
                &b.db,
                "SELECT COUNT(*) FROM enrolments WHERE end_reason = 'deceased'"
            ),
            count(
                &a.db,
                "SELECT COUNT(*) FROM enrolments WHERE end_reason = 'deceased'"
            ),
            "{l}: the reason came along"
        );

        // Back into the sender: nothing to change, no membership reopened or reassigned.
        let enrolments = |db: &jaring_store::Database| {
            db.conn()
                .unwrap()
                .query(
                    "SELECT id, programme_code, start_date, paid_through, end_date FROM enrolments ORDER BY id",
                    &[],
                )
                .unwrap()
                .iter()
                .map(|r| {
                    (
                        r.i64(0).unwrap(),
                        r.text(1).unwrap(),
                        r.opt_date(2).unwrap(),
                        r.opt_date(3).unwrap(),
                        r.opt_date(4).unwrap(),
                    )
                })
                .collect::<Vec<_>>()
        };
        let stored = enrolments(&a.db);
        let (_, approved) = reimport(&a.db, &files, config.as_of);
        assert_eq!(approved, 0, "{l}: the sender already knows");
        assert_eq!(enrolments(&a.db), stored, "{l}");
        assert_eq!(members(&a.db, after), sent, "{l}");
    }
}

/// The regency's system principal acting as `name` (a job, a test's reviewer).
fn job(name: &str) -> jaring_app::accounts::Principal {
    jaring_app::accounts::Principal::job(jaring_domain::RegionCode::parse("53.04").unwrap(), name)
}

/// A death approved months after it happened: its month's terminations file has gone to BPJS already,
/// so the file of the month it was approved in lists it, with the real end date, and the file of the
/// month after does not list it again. Ends recorded before that month stay out.
#[test]
fn a_death_approved_late_reaches_the_next_terminations_file() {
    for t in backends() {
        let db = &t.db;
        let l = label(db);
        let config = jaring_synth::Config {
            persons: 3_000,
            seed: 11,
            ..jaring_synth::Config::default()
        };
        jaring_app::prepare_demo(db, &config).unwrap();
        let ended_before: std::collections::BTreeSet<String> = db
            .conn()
            .unwrap()
            .query(
                "SELECT kpj FROM enrolments WHERE end_date IS NOT NULL AND kpj IS NOT NULL",
                &[],
            )
            .unwrap()
            .iter()
            .map(|r| r.text(0).unwrap())
            .collect();
        support::approve_deaths(db, config.as_of);
        let today = jaring_domain::today();
        let this_month =
            jaring_app::coverage::parse_month(&jaring_app::coverage::month_key(today)).unwrap();
        // Every membership the approvals just ended, with its end date (all before this month).
        let late: Vec<(String, chrono::NaiveDate)> = db
            .conn()
            .unwrap()
            .query(
                "SELECT kpj, end_date FROM enrolments WHERE end_date IS NOT NULL AND kpj IS NOT NULL",
                &[],
            )
            .unwrap()
            .iter()
            .map(|r| (r.text(0).unwrap(), r.opt_date(1).unwrap().unwrap()))
            .filter(|(k, _)| !ended_before.contains(k))
            .collect();
        assert!(
            late.len() >= 2,
            "{l}: too few deaths to test: {}",
            late.len()
        );
        assert!(late.iter().all(|(_, end)| *end < this_month), "{l}");
        let admin = who(Role::AdminKabupaten);
        let file = export::terminations(db, &admin, today, None).unwrap();
        let listed: std::collections::BTreeMap<String, String> = file
            .rows
            .iter()
            .map(|r| (r[1].clone(), r[7].clone()))
            .collect();
        for (kpj, end) in &late {
            assert_eq!(
                listed.get(kpj),
                Some(&end.format("%d-%m-%Y").to_string()),
                "{l}: {kpj} in this month's file with its real end date"
            );
        }
        for kpj in &ended_before {
            assert!(
                !listed.contains_key(kpj),
                "{l}: {kpj} ended before and was filed then"
            );
        }
        let next =
            export::terminations(db, &admin, this_month + chrono::Months::new(1), None).unwrap();
        assert!(
            next.rows
                .iter()
                .all(|r| !late.iter().any(|(k, _)| *k == r[1])),
            "{l}: filed once"
        );
    }
}
