//! The import corpus (`tests/fixtures/import/`, written by `make_fixtures.py`): each awkward or broken
//! file, imported on every backend, with the exact rows it must reject, why, and what it must store.

#[path = "../../store/tests/backends.rs"]
mod backends;

use std::path::{Path, PathBuf};

use backends::{backends, label};
use chrono::NaiveDate;
use jaring_app::import::{import_file, ImportReport, ImportRequest, NoProgress};
use jaring_app::AppError;
use jaring_domain::{ListKind, Nik, Person, RegionCode, Sex};
use jaring_formats::MappingFile;
use jaring_store::registry::find_person_by_nik;
use jaring_store::{imports, Database};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/import")
        .join(name)
}

fn request(name: &str, kind: ListKind, out: &Path) -> ImportRequest {
    ImportRequest {
        path: fixture(name),
        file_name: None,
        kind,
        mapping: None,
        sheet: None,
        village: None,
        error_file: Some(out.join(format!("{name}.errors"))),
        today: NaiveDate::from_ymd_opt(2026, 11, 24).unwrap(),
    }
}

/// Imports one fixture on every backend and hands each report and database to `check`.
fn each_backend(
    name: &str,
    kind: ListKind,
    check: impl Fn(&Database, Result<ImportReport, AppError>),
) {
    each_backend_with(name, kind, |r| r, check)
}

fn each_backend_with(
    name: &str,
    kind: ListKind,
    adjust: impl Fn(ImportRequest) -> ImportRequest,
    check: impl Fn(&Database, Result<ImportReport, AppError>),
) {
    for t in backends() {
        let out = tempfile::tempdir().unwrap();
        let req = adjust(request(name, kind, out.path()));
        let result = import_file(&t.db, &job("test"), &req, &NoProgress);
        check(&t.db, result);
    }
}

fn person(db: &Database, nik: &str) -> Option<Person> {
    find_person_by_nik(&mut db.conn().unwrap(), Nik::parse(nik).unwrap()).unwrap()
}

fn persons(db: &Database) -> i64 {
    db.conn()
        .unwrap()
        .query_i64("SELECT COUNT(*) FROM persons", &[])
        .unwrap()
}

/// Asserts the rejected lines, and that each line's reasons contain the given Indonesian and English text.
fn assert_rejected(db: &Database, r: &ImportReport, expected: &[(u64, &str, &str)]) {
    let lines: Vec<u64> = {
        let mut l: Vec<u64> = r.rejected.iter().map(|p| p.line).collect();
        l.dedup();
        l
    };
    let want: Vec<u64> = expected.iter().map(|e| e.0).collect();
    assert_eq!(
        lines,
        want,
        "{}: rejected lines; problems: {:#?}",
        label(db),
        r.rejected
    );
    for (line, id, en) in expected {
        let p = r.rejected.iter().filter(|p| p.line == *line);
        assert!(
            p.clone()
                .any(|p| p.issue.id.contains(id) && p.issue.en.contains(en)),
            "{}: line {line} should say '{id}' / '{en}', got {:#?}",
            label(db),
            p.collect::<Vec<_>>()
        );
    }
    assert_eq!(r.counts.rejected as usize, expected.len(), "{}", label(db));
    if expected.is_empty() {
        assert!(r.error_file.is_none());
    } else {
        let (_, rows) = r.error_file.as_ref().expect("an error file is written");
        assert_eq!(*rows as usize, expected.len());
    }
}

const YOHANES: &str = "5304011611780001";
const MARIA: &str = "5304016707770001";
const PETRUS: &str = "5304010503050002";

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

#[test]
fn f01_clean_file_is_stored_intact() {
    each_backend("01_clean_comma.csv", ListKind::Registry, |db, r| {
        let r = r.unwrap();
        assert_eq!(
            (r.counts.rows_total, r.counts.inserted, r.counts.rejected),
            (5, 5, 0)
        );
        assert_rejected(db, &r, &[]);
        let y = person(db, YOHANES).unwrap();
        assert_eq!(y.name, "Yohanes Bere");
        assert_eq!(y.sex, Sex::Male);
        assert_eq!(y.birth_date, Some(d(1978, 11, 16)));
        assert_eq!(y.birth_place, "Kewar");
        assert_eq!(y.village, RegionCode::parse("53.04.01.2001").unwrap());
        assert_eq!(y.relationship, jaring_domain::Relationship::Head);
        assert_eq!(y.marital_status, jaring_domain::MaritalStatus::Married);
        assert_eq!(y.occupation, "Petani/Pekebun");
        let m = person(db, MARIA).unwrap();
        assert_eq!(m.household, y.household, "same KK, same household");
        let a = person(db, "5304012002850003").unwrap();
        assert_ne!(a.household, y.household);
        assert_eq!(a.village, RegionCode::parse("53.04.01.2002").unwrap());
        let journal = imports::recent(&mut db.conn().unwrap(), 1).unwrap();
        assert_eq!(journal[0].file_name, "01_clean_comma.csv");
        assert_eq!(journal[0].sha256.len(), 64);
        assert_eq!(journal[0].counts.inserted, 5);
    });
}

/// Every index of the database, by name.
fn indexes(conn: &mut jaring_store::Conn) -> Vec<String> {
    let sql = match conn.backend() {
        jaring_store::Backend::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'index' ORDER BY name"
        }
        jaring_store::Backend::Postgres => {
            "SELECT indexname::text FROM pg_indexes WHERE schemaname = current_schema() ORDER BY 1"
        }
    };
    conn.query(sql, &[])
        .unwrap()
        .iter()
        .map(|r| r.text(0).unwrap())
        .collect()
}

/// A first load into an empty registry builds some indexes once at the end instead of row by row
/// (SQLite); every index must be there after it, and after a first load that failed.
#[test]
fn f01_a_first_load_leaves_every_index_in_place() {
    for t in backends() {
        let db = &t.db;
        let before = indexes(&mut db.conn().unwrap());
        assert!(before.iter().any(|i| i == "persons_coverage"), "{before:?}");
        let failed = db.transaction(|tx| -> jaring_store::Result<()> {
            let _writer = jaring_store::imports::RegistryWriter::new(tx, None)?;
            if tx.backend() == jaring_store::Backend::Sqlite {
                assert!(indexes(tx).len() < before.len(), "the load deferred some");
            }
            Err(jaring_store::StoreError::Config(
                "stopped on purpose".into(),
            ))
        });
        assert!(failed.is_err());
        assert_eq!(indexes(&mut db.conn().unwrap()), before, "{}", label(db));
        let out = tempfile::tempdir().unwrap();
        let req = request("01_clean_comma.csv", ListKind::Registry, out.path());
        import_file(db, &job("test"), &req, &NoProgress).unwrap();
        assert_eq!(indexes(&mut db.conn().unwrap()), before, "{}", label(db));
    }
}

/// A registry of `filler` persons with NIKs, and one member without a NIK (row 2) who appears again
/// as the file's last row with another occupation: more rows than one write batch holds, so the two
/// rows of that member are written in different batches.
fn registry_with_a_member_without_nik_twice(path: &Path, filler: usize) {
    let mut csv = String::from(
        "NIK,No KK,Nama,Jenis Kelamin,Tempat Lahir,Tanggal Lahir,Alamat,Kode Desa,Hubungan dalam Keluarga,Status Perkawinan,Pekerjaan\n",
    );
    let member =
        "5304011505200001,Agustina Luruk,P,Kewar,1990-05-14,Dusun 2,53.04.01.2001,Anak,Belum Kawin";
    csv.push_str(&format!(",{member},Petani/Pekebun\n"));
    for i in 0..filler {
        // 53.04.01 (Lamaknen), born 1990-01-(1 + i / 9000), serial 1–9000: valid and unique; three
        // to a family card recorded on 2020-01-01.
        let day = 1 + i / 9000;
        let serial = i % 9000 + 1;
        let card = i / 3 % 9000 + 1;
        let name: String = [i / 676 % 26, i / 26 % 26, i % 26]
            .iter()
            .map(|&k| char::from(b'a' + k as u8))
            .collect();
        csv.push_str(&format!(
            "530401{day:02}0190{serial:04},530401010120{card:04},Warga {name},L,Kewar,1990-01-{day:02},Dusun 1,53.04.01.2001,Kepala Keluarga,Kawin,Petani/Pekebun\n"
        ));
    }
    csv.push_str(&format!(",{member},Nelayan\n"));
    std::fs::write(path, csv).unwrap();
}

#[test]
fn f01_b_a_member_without_nik_repeated_across_batches_is_one_person() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("registry.csv");
    let filler = 20_500;
    registry_with_a_member_without_nik_twice(&file, filler);
    for t in backends() {
        let db = &t.db;
        let mut req = request("01_clean_comma.csv", ListKind::Registry, dir.path());
        req.path = file.clone();
        let first = import_file(db, &job("test"), &req, &NoProgress).unwrap();
        assert_eq!(first.counts.rejected, 0, "{:?}", first.rejected);
        assert_eq!(
            (first.counts.inserted, first.counts.updated),
            (filler as u64 + 1, 1),
            "{}",
            label(db)
        );
        let mut conn = db.conn().unwrap();
        let without_nik = conn
            .query(
                "SELECT occupation FROM persons WHERE nik IS NULL AND name = 'Agustina Luruk'",
                &[],
            )
            .unwrap();
        assert_eq!(without_nik.len(), 1, "{}", label(db));
        assert_eq!(
            without_nik[0].text(0).unwrap(),
            "Nelayan",
            "the later row wins"
        );
        drop(conn);
        // Again: found through the database (its indexes are back), row by row.
        let again = import_file(db, &job("test"), &req, &NoProgress).unwrap();
        assert_eq!(again.counts.inserted, 0, "{}", label(db));
        assert_eq!(persons(db), filler as i64 + 1, "{}", label(db));
    }
}

#[test]
fn f01_c_a_first_load_refers_only_to_rows_that_exist() {
    for t in backends() {
        let db = &t.db;
        // A bulk write that leaves a person pointing at a household that does not exist is refused
        // as a whole, even though SQLite did not check the row when it was inserted.
        let refused = db.bulk_transaction(
            imports::FIRST_LOAD_CHECKED_TABLES,
            |tx| -> jaring_store::Result<()> {
                jaring_store::regions::seed_regions_in(tx, RegionCode::parse("53.04").unwrap())?;
                tx.execute(
                    "INSERT INTO persons (id, nik, household_id, village_code, name, sex, relationship, \
                     marital_status, worker_category, created_at, updated_at) VALUES \
                     (1, NULL, 999, '53.04.01.2001', 'Yohanes', 'm', 'head', 'married', 'informal', '2026-12-01T00:00:00Z', '2026-12-01T00:00:00Z')",
                    &[],
                )?;
                Ok(())
            },
        );
        match refused {
            Err(e) if db.backend() == jaring_store::Backend::Sqlite => {
                assert!(
                    matches!(e, jaring_store::StoreError::ForeignKey { ref table, .. } if table == "persons"),
                    "{e}"
                );
                assert!(e.to_string().contains("households"), "{e}");
            }
            Err(e) => assert!(e.to_string().contains("foreign key"), "{e}"),
            Ok(()) => panic!("a dangling household was committed on {}", label(db)),
        }
        assert_eq!(persons(db), 0, "{}", label(db));
        // Every pooled connection enforces foreign keys again, with its everyday cache.
        if db.backend() == jaring_store::Backend::Sqlite {
            let held: Vec<_> = (0..8).map(|_| db.conn().unwrap()).collect();
            for mut conn in held {
                assert_eq!(conn.query_i64("PRAGMA foreign_keys", &[]).unwrap(), 1);
                assert_eq!(conn.query_i64("PRAGMA cache_size", &[]).unwrap(), -65536);
            }
        }
    }
}

#[test]
fn f01_same_file_twice_changes_nothing_and_an_edit_updates_one_row() {
    for t in backends() {
        let out = tempfile::tempdir().unwrap();
        let req = request("01_clean_comma.csv", ListKind::Registry, out.path());
        import_file(&t.db, &job("test"), &req, &NoProgress).unwrap();
        let before = imports::registry_fingerprint(&mut t.db.conn().unwrap()).unwrap();
        let again = import_file(&t.db, &job("test"), &req, &NoProgress).unwrap();
        assert_eq!(
            (
                again.counts.inserted,
                again.counts.updated,
                again.counts.unchanged
            ),
            (0, 0, 5),
            "{}",
            label(&t.db)
        );
        assert_eq!(
            imports::registry_fingerprint(&mut t.db.conn().unwrap()).unwrap(),
            before
        );
        // the same rows in another file (semicolons) are the same rows
        let other = import_file(
            &t.db,
            &job("test"),
            &request("02_semicolon.csv", ListKind::Registry, out.path()),
            &NoProgress,
        )
        .unwrap();
        assert_eq!(other.counts.unchanged, 5);
        // one changed occupation is one update
        let edited = out.path().join("edited.csv");
        let text = std::fs::read_to_string(fixture("01_clean_comma.csv"))
            .unwrap()
            .replace("Buruh Harian Lepas", "Nelayan/Perikanan");
        std::fs::write(&edited, text).unwrap();
        let mut req = request("x", ListKind::Registry, out.path());
        req.path = edited;
        let r = import_file(&t.db, &job("test"), &req, &NoProgress).unwrap();
        assert_eq!(
            (r.counts.updated, r.counts.unchanged),
            (1, 4),
            "{}",
            label(&t.db)
        );
        let a = person(&t.db, "5304012002850003").unwrap();
        assert_eq!(a.occupation, "Nelayan/Perikanan");
        assert_eq!(a.row_version, 2);
        assert_eq!(
            imports::recent(&mut t.db.conn().unwrap(), 10)
                .unwrap()
                .len(),
            4,
            "every import is journaled"
        );
    }
}

#[test]
fn f02_f03_other_delimiters() {
    for name in ["02_semicolon.csv", "03_tab_separated.tsv"] {
        each_backend(name, ListKind::Registry, |db, r| {
            let r = r.unwrap();
            assert_eq!(r.counts.inserted, 5, "{name}");
            assert_eq!(persons(db), 5);
        });
    }
}

#[test]
fn f04_f05_encodings_give_the_same_name() {
    for (name, encoding) in [
        ("04_utf8_bom.csv", "UTF-8 (BOM)"),
        ("05_windows1252.csv", "windows-1252"),
    ] {
        each_backend(name, ListKind::Registry, |db, r| {
            let r = r.unwrap();
            assert!(r.format.contains(encoding), "{name}: {}", r.format);
            assert_eq!(r.counts.inserted, 3);
            assert_eq!(
                person(db, YOHANES).unwrap().name,
                "Jos\u{e9} Gon\u{e7}alves",
                "{name}"
            );
        });
    }
}

#[test]
fn f06_title_rows_above_the_header() {
    each_backend("06_title_rows.csv", ListKind::Registry, |db, r| {
        let r = r.unwrap();
        assert_eq!(r.header_line, 4);
        assert_eq!(r.counts.inserted, 3);
        assert!(person(db, PETRUS).is_some());
    });
}

#[test]
fn f07_blank_lines_are_skipped_and_lines_stay_true() {
    each_backend("07_blank_lines.csv", ListKind::Registry, |db, r| {
        let r = r.unwrap();
        assert_eq!(r.counts.rows_total, 3);
        assert_rejected(
            db,
            &r,
            &[(7, "jenis kelamin 'X' tidak dikenal", "unknown sex 'X'")],
        );
        assert_eq!(persons(db), 2);
    });
}

#[test]
fn f08_excel_serial_dates() {
    each_backend("08_excel_serial_dates.csv", ListKind::Registry, |db, r| {
        assert_eq!(r.unwrap().counts.inserted, 2);
        assert_eq!(
            person(db, YOHANES).unwrap().birth_date,
            Some(d(1978, 11, 16))
        );
        assert_eq!(person(db, MARIA).unwrap().birth_date, Some(d(1977, 7, 27)));
    });
}

#[test]
fn f09_f10_f11_damaged_niks_are_named() {
    let cases = [
        (
            "09_scientific_nik.csv",
            "notasi ilmiah",
            "scientific notation",
        ),
        (
            "10_precision_lost_nik.csv",
            "digit terakhir berubah menjadi 0",
            "last digits became 0",
        ),
        (
            "11_lost_leading_digit_nik.csv",
            "harus 16 digit, ditemukan 15",
            "has 16 digits, found 15",
        ),
    ];
    for (name, id, en) in cases {
        each_backend(name, ListKind::Registry, |db, r| {
            let r = r.unwrap();
            assert_rejected(db, &r, &[(2, id, en)]);
            assert_eq!(r.rejected[0].issue.column.as_deref(), Some("NIK"));
            assert!(
                person(db, MARIA).is_some(),
                "{name}: the good row is stored"
            );
            assert_eq!(persons(db), 1);
        });
    }
}

#[test]
fn f12_duplicate_niks_reject_every_copy() {
    each_backend("12_duplicate_nik.csv", ListKind::Registry, |db, r| {
        let r = r.unwrap();
        assert_rejected(
            db,
            &r,
            &[
                (2, "juga ada di baris 4", "also on line 4"),
                (4, "juga ada di baris 2", "also on line 2"),
            ],
        );
        assert!(person(db, YOHANES).is_none(), "no copy wins silently");
        assert!(person(db, MARIA).is_some());
    });
}

#[test]
fn f13_unknown_or_foreign_villages() {
    each_backend("13_unknown_village.csv", ListKind::Registry, |db, r| {
        let r = r.unwrap();
        assert_rejected(
            db,
            &r,
            &[
                (
                    2,
                    "tidak ada dalam daftar wilayah",
                    "not in the Kemendagri region list",
                ),
                (3, "di luar kabupaten 53.04", "outside regency 53.04"),
            ],
        );
        assert!(person(db, PETRUS).is_some());
    });
}

#[test]
fn f14_ambiguous_dates_are_errors_not_guesses() {
    each_backend("14_ambiguous_dates.csv", ListKind::Registry, |db, r| {
        let r = r.unwrap();
        // 07/07 reads the same either way; 11/06 does not.
        assert_rejected(db, &r, &[(2, "ambigu", "ambiguous")]);
        assert_eq!(person(db, MARIA).unwrap().birth_date, Some(d(1977, 7, 7)));
    });
}

#[test]
fn f14_a_mapping_settles_the_order() {
    each_backend_with(
        "14_ambiguous_dates.csv",
        ListKind::Registry,
        |mut r| {
            r.mapping = Some(toml::from_str("date_order = \"dmy\"").unwrap());
            r
        },
        |db, r| {
            assert_eq!(r.unwrap().counts.inserted, 2);
            assert_eq!(
                person(db, YOHANES).unwrap().birth_date,
                Some(d(1978, 6, 11))
            );
        },
    );
}

#[test]
fn f15_one_clear_date_settles_the_column() {
    each_backend(
        "15_dates_settled_by_column.csv",
        ListKind::Registry,
        |db, r| {
            assert_eq!(r.unwrap().counts.inserted, 2);
            assert_eq!(person(db, PETRUS).unwrap().birth_date, Some(d(2005, 3, 5)));
        },
    );
}

#[test]
fn f16_indonesian_month_names() {
    each_backend("16_indonesian_months.csv", ListKind::Registry, |db, r| {
        assert_eq!(r.unwrap().counts.inserted, 3);
        assert_eq!(
            person(db, "5304012002850003").unwrap().birth_date,
            Some(d(1985, 2, 20))
        );
    });
}

#[test]
fn f17_sex_unknown_or_contradicting_the_nik() {
    each_backend("17_bad_sex.csv", ListKind::Registry, |db, r| {
        let r = r.unwrap();
        assert_rejected(db, &r, &[(2, "tidak dikenal (L/P)", "unknown sex")]);
        // A sex the NIK contradicts is a warning naming both; the row is kept.
        assert!(
            r.warnings.iter().any(|w| w.line == 3
                && w.issue.id.contains("tidak sesuai NIK")
                && w.issue.en.contains("the NIK says")),
            "{:?}",
            r.warnings
        );
        assert_eq!(persons(db), 2);
    });
}

#[test]
fn f18_f19_files_that_cannot_be_read_change_nothing() {
    for (name, needle) in [
        ("18_missing_name_column.csv", "name"),
        ("19_empty.csv", "kosong"),
        ("29_empty_sheet.xlsx", ""),
        // Found by fuzzing: files of a few KB that made the reader ask for gigabytes.
        ("36_far_stray_cell.xlsx", "lembar terlalu luas"),
        ("37_looping_chain.xls", "struktur berkas .xls rusak"),
        // A cell reference so long its column number overflows inside calamine.
        ("38_overflowing_reference.xlsx", "tidak dapat dibaca"),
        // An OLE container whose last sector is cut short: calamine's own container reader asserted
        // (a panic); the container is now read by the `cfb` crate and rebuilt before calamine sees it.
        ("39_truncated_sector.xls", "no workbook stream"),
        // A sheet whose recorded position lies past the end of the workbook stream: calamine slices out
        // of bounds (a panic), which jaring reports as an unreadable file.
        ("40_sheet_offset_beyond_stream.xls", "tidak dapat dibaca"),
        // A sheet declaring an inverted used area: calamine reserved memory for a trillion cells, and the
        // failed allocation aborted the process.
        ("41_declared_trillion_cells.xls", "damaged sheet dimensions"),
        // Two cells far apart: calamine lays a sheet out densely and asked for 30 GB.
        ("42_cells_far_apart.xls", "damaged cell position"),
    ] {
        each_backend(name, ListKind::Registry, |db, r| {
            let err = r.unwrap_err();
            assert!(err.to_string().contains(needle), "{name}: {err}");
            assert_eq!(persons(db), 0);
            assert!(
                imports::recent(&mut db.conn().unwrap(), 5)
                    .unwrap()
                    .is_empty(),
                "{name}: no journal entry"
            );
        });
    }
}

#[test]
fn f20_header_only_is_an_empty_import() {
    each_backend("20_header_only.csv", ListKind::Registry, |db, r| {
        let r = r.unwrap();
        assert_eq!(r.counts.rows_total, 0);
        assert_eq!(persons(db), 0);
    });
}

#[test]
fn f21_huge_cell() {
    each_backend("21_huge_cell.csv", ListKind::Registry, |db, r| {
        let r = r.unwrap();
        assert_rejected(
            db,
            &r,
            &[(
                2,
                "terlalu panjang (11999 karakter",
                "too long (11999 characters",
            )],
        );
        assert!(
            r.rejected[0].issue.value.chars().count() <= 81,
            "the report shortens the value"
        );
        assert_eq!(persons(db), 1);
    });
}

#[test]
fn f22_truncated_last_row() {
    each_backend("22_truncated.csv", ListKind::Registry, |db, r| {
        let r = r.unwrap();
        assert_rejected(db, &r, &[(4, "baris terpotong", "truncated row")]);
        assert_eq!(persons(db), 2);
    });
}

#[test]
fn f23_comma_inside_an_unquoted_name() {
    each_backend("23_unquoted_comma.csv", ListKind::Registry, |db, r| {
        let r = r.unwrap();
        assert_rejected(
            db,
            &r,
            &[(
                3,
                "berisi 12 kolom sedangkan judul 11",
                "row has 12 columns but the header has 11",
            )],
        );
        assert_eq!(persons(db), 1);
    });
}

#[test]
fn f24_opensid_export_needs_its_village() {
    each_backend("24_opensid_export.csv", ListKind::Registry, |db, r| {
        assert!(r.unwrap_err().to_string().contains("--village"));
        assert_eq!(persons(db), 0);
    });
    each_backend_with(
        "24_opensid_export.csv",
        ListKind::Registry,
        |mut r| {
            r.village = Some(RegionCode::parse("53.04.01.2001").unwrap());
            r
        },
        |db, r| {
            assert_eq!(r.unwrap().counts.inserted, 3);
            let y = person(db, YOHANES).unwrap();
            assert_eq!(y.name, "Yohanes Bere", "all-caps names are title-cased");
            assert_eq!(y.birth_date, Some(d(1978, 11, 16)));
            assert_eq!(y.occupation, "PETANI/PEKEBUN");
            assert_eq!(y.relationship, jaring_domain::Relationship::Head);
            assert_eq!(y.village.to_string(), "53.04.01.2001");
        },
    );
}

#[test]
fn f25_custom_headings_through_a_toml_mapping() {
    each_backend_with(
        "25_custom_headings.csv",
        ListKind::Registry,
        |mut r| {
            r.mapping = Some(MappingFile::load(&fixture("25_custom_headings.toml")).unwrap());
            r
        },
        |db, r| {
            assert_eq!(r.unwrap().counts.inserted, 3);
            assert_eq!(person(db, MARIA).unwrap().birth_date, Some(d(1977, 7, 27)));
        },
    );
    each_backend("25_custom_headings.csv", ListKind::Registry, |_, r| {
        assert!(
            r.is_err(),
            "without the mapping the headings are not recognised"
        );
    });
}

#[test]
fn f26_numeric_nik_in_excel_is_always_damaged() {
    each_backend("26_numeric_nik.xlsx", ListKind::Registry, |db, r| {
        let r = r.unwrap();
        assert_rejected(db, &r, &[(2, "rusak oleh Excel", "damaged by Excel")]);
        assert_eq!(r.rejected[0].sheet.as_deref(), Some("Sheet1"));
        assert_eq!(
            person(db, MARIA).unwrap().birth_date,
            Some(d(1977, 7, 27)),
            "Excel date cells are read"
        );
        // the error file is a workbook with the rejected row and the reason
        let (path, _) = r.error_file.unwrap();
        use calamine::Reader;
        let mut wb: calamine::Xlsx<_> = calamine::open_workbook(&path).unwrap();
        let range = wb.worksheet_range_at(0).unwrap().unwrap();
        assert_eq!(range.height(), 2);
        assert_eq!(
            range.get_value((0, 11)).unwrap().to_string(),
            "KESALAHAN / ERROR"
        );
        assert!(range
            .get_value((1, 11))
            .unwrap()
            .to_string()
            .contains("Excel"));
    });
}

#[test]
fn f27_merged_title_row() {
    each_backend("27_merged_title.xlsx", ListKind::Registry, |db, r| {
        let r = r.unwrap();
        assert_eq!(r.header_line, 3);
        assert_eq!(r.counts.inserted, 5);
        assert_eq!(persons(db), 5);
    });
}

#[test]
fn f28_second_sheet() {
    each_backend_with(
        "28_second_sheet.xlsx",
        ListKind::Registry,
        |mut r| {
            r.sheet = Some("data".into());
            r
        },
        |db, r| {
            assert_eq!(r.unwrap().counts.inserted, 2);
            assert!(person(db, MARIA).is_some());
        },
    );
    each_backend_with(
        "28_second_sheet.xlsx",
        ListKind::Registry,
        |mut r| {
            r.sheet = Some("Tidak Ada".into());
            r
        },
        |_, r| assert!(r.unwrap_err().to_string().contains("Petunjuk")),
    );
}

#[test]
fn f30_formulas_without_values_and_excel_errors() {
    each_backend(
        "30_formulas_and_errors.xlsx",
        ListKind::Registry,
        |db, r| {
            let r = r.unwrap();
            assert_rejected(
                db,
                &r,
                &[
                    (2, "rumus tanpa nilai", "formula with no saved value"),
                    (3, "kesalahan Excel", "Excel error"),
                ],
            );
            assert!(person(db, PETRUS).is_some());
        },
    );
}

#[test]
fn f31_legacy_xls() {
    each_backend("31_legacy.xls", ListKind::Registry, |db, r| {
        let r = r.unwrap();
        assert!(r.format.contains("xls"), "{}", r.format);
        assert_eq!(r.counts.inserted, 3);
        assert_eq!(person(db, PETRUS).unwrap().birth_date, Some(d(2005, 3, 5)));
    });
}

fn staged(db: &Database, kind: &str) -> i64 {
    imports::staged_count(&mut db.conn().unwrap(), kind).unwrap()
}

#[test]
fn f32_death_list_keeps_damaged_niks_for_matching() {
    each_backend("32_deaths.csv", ListKind::Deaths, |db, r| {
        let r = r.unwrap();
        assert_rejected(
            db,
            &r,
            &[
                (4, "tanggal kematian wajib", "date of death is required"),
                (5, "tidak ada di kalender", "does not exist"),
            ],
        );
        assert_eq!(staged(db, "deaths"), 2);
        assert_eq!(r.counts.warnings, 1);
        assert!(r.warnings[0].issue.id.contains("notasi ilmiah"));
        assert_eq!(
            persons(db),
            0,
            "external lists never change persons directly"
        );
        let row = db
            .conn()
            .unwrap()
            .query_opt("SELECT nik, nik_raw, nik_issue, name, event_date FROM staged_records WHERE source_line = 3", &[])
            .unwrap()
            .unwrap();
        assert_eq!(row.opt_text(0).unwrap(), None);
        assert_eq!(row.text(1).unwrap(), "5.30401E+15");
        assert_eq!(row.text(2).unwrap(), "excel_scientific");
        assert_eq!(row.text(3).unwrap(), "Maria Hoar");
        assert_eq!(row.opt_date(4).unwrap(), Some(d(2026, 4, 15)));
    });
}

#[test]
fn f33_dtsen_decile_out_of_range() {
    each_backend("33_dtsen.csv", ListKind::Dtsen, |db, r| {
        let r = r.unwrap();
        assert_rejected(
            db,
            &r,
            &[(
                4,
                "desil '11' harus angka 1–10",
                "decile '11' must be a number 1–10",
            )],
        );
        assert_eq!(staged(db, "dtsen"), 2);
    });
}

#[test]
fn f34_bpjs_row_without_kpj() {
    each_backend("34_bpjs.csv", ListKind::Bpjs, |db, r| {
        let r = r.unwrap();
        assert_rejected(db, &r, &[(3, "KPJ wajib", "KPJ number is required")]);
        let row = db
            .conn()
            .unwrap()
            .query_opt("SELECT record_key, event_date FROM staged_records", &[])
            .unwrap()
            .unwrap();
        assert_eq!(row.text(0).unwrap(), "23000000101");
        assert_eq!(
            row.opt_date(1).unwrap(),
            Some(d(2026, 10, 1)),
            "paid through October 2026"
        );
    });
}

#[test]
fn f35_asn_unknown_employee_kind() {
    each_backend("35_asn.csv", ListKind::Asn, |db, r| {
        let r = r.unwrap();
        assert_rejected(
            db,
            &r,
            &[(
                3,
                "jenis pegawai 'Honorer' tidak dikenal",
                "unknown employee kind 'Honorer'",
            )],
        );
        let row = db
            .conn()
            .unwrap()
            .query_opt(
                "SELECT name, event_date, attributes FROM staged_records",
                &[],
            )
            .unwrap()
            .unwrap();
        assert_eq!(row.text(0).unwrap(), "Agustinus Seran, S.Pd.");
        assert_eq!(row.opt_date(1).unwrap(), Some(d(2025, 3, 1)));
        assert!(row.text(2).unwrap().contains("\"employee_kind\":\"pppk\""));
    });
}

#[test]
fn external_list_imported_twice_is_staged_once() {
    for t in backends() {
        let out = tempfile::tempdir().unwrap();
        let req = request("33_dtsen.csv", ListKind::Dtsen, out.path());
        import_file(&t.db, &job("test"), &req, &NoProgress).unwrap();
        let again = import_file(&t.db, &job("test"), &req, &NoProgress).unwrap();
        assert_eq!(
            (again.counts.inserted, again.counts.unchanged),
            (0, 2),
            "{}",
            label(&t.db)
        );
        assert_eq!(staged(&t.db, "dtsen"), 2);
    }
}

#[test]
fn error_file_round_trip_fix_and_reimport() {
    for t in backends() {
        let out = tempfile::tempdir().unwrap();
        let r = import_file(
            &t.db,
            &job("test"),
            &request("09_scientific_nik.csv", ListKind::Registry, out.path()),
            &NoProgress,
        )
        .unwrap();
        let (path, rows) = r.error_file.unwrap();
        assert_eq!(rows, 1);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with('\u{feff}'), "BOM so Excel reads UTF-8");
        assert!(text.contains("KESALAHAN / ERROR") && text.contains("notasi ilmiah"));
        // the operator types the NIK from the KTP and imports the same file again
        std::fs::write(&path, text.replace("5.30401E+15", YOHANES)).unwrap();
        let mut req = request("x", ListKind::Registry, out.path());
        req.path = path;
        let fixed = import_file(&t.db, &job("test"), &req, &NoProgress).unwrap();
        assert_eq!(
            (fixed.counts.inserted, fixed.counts.rejected),
            (1, 0),
            "{}",
            label(&t.db)
        );
        assert_eq!(person(&t.db, YOHANES).unwrap().name, "Yohanes Bere");
    }
}

/// The regency's system principal acting as `name` (a job, a test's reviewer).
fn job(name: &str) -> jaring_app::accounts::Principal {
    jaring_app::accounts::Principal::job(jaring_domain::RegionCode::parse("53.04").unwrap(), name)
}

/// Issue #18 item 4: a rejected row's cells go back to the operator in the error report as text, never
/// as a formula their spreadsheet would run; negative numbers stay numbers.
#[test]
fn error_reports_neutralise_formula_cells() {
    for t in backends() {
        let out = tempfile::tempdir().unwrap();
        let path = out.path().join("rumus.csv");
        std::fs::write(
            &path,
            "NIK,No KK,Nama,Jenis Kelamin,Tempat Lahir,Tanggal Lahir,Alamat,Kode Desa,Hubungan dalam Keluarga,Status Perkawinan,Pekerjaan\n\
             123,5304012411140001,\"=HYPERLINK(\"\"http://x\"\",\"\"klik\"\")\",L,@SUM(A1),1978-11-16,-1500,53.04.01.2001,+cmd|' /C calc'!A0,Kawin,Petani\n",
        )
        .unwrap();
        let mut req = request("rumus.csv", ListKind::Registry, out.path());
        req.path = path;
        let report = import_file(&t.db, &job("test"), &req, &NoProgress).unwrap();
        let (file, rows) = report.error_file.expect("an error report");
        assert_eq!(rows, 1);
        let text = std::fs::read_to_string(file).unwrap();
        let mut reader = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
        let row = reader.records().next().unwrap().unwrap();
        assert_eq!(&row[2], "'=HYPERLINK(\"http://x\",\"klik\")", "{text}");
        assert_eq!(&row[4], "'@SUM(A1)", "{text}");
        assert_eq!(&row[6], "-1500", "{text}");
        assert_eq!(&row[8], "'+cmd|' /C calc'!A0", "{text}");
    }
}

/// An uploaded file's error report is named by the import's id and content hash: a database restored
/// from an older backup hands out ids again, and a later import with a reused id must not be given the
/// report of the file that had it. Messages name the uploaded file, not the path it was spooled at.
#[test]
fn an_uploads_error_report_belongs_to_its_content_and_messages_name_no_server_path() {
    for t in backends() {
        let errors = tempfile::tempdir().unwrap();
        let who = job("test");
        let report = jaring_app::import::import_as(
            &t.db,
            &who,
            ListKind::Registry,
            &fixture("17_bad_sex.csv"),
            "desa.csv",
            errors.path(),
        )
        .unwrap();
        let id = report.import_id;
        let kept = jaring_app::import::error_file_for(&t.db, &who, id, errors.path()).unwrap();
        let name = kept.file_name().unwrap().to_string_lossy().to_string();
        assert_eq!(
            name,
            format!("{id}-{}.kesalahan.csv", &report.sha256[..16]),
            "{name}"
        );
        // The same id now stands for another file, as after restoring an older backup.
        t.db.conn()
            .unwrap()
            .execute(
                "UPDATE imports SET sha256 = $1 WHERE id = $2",
                &["ab".repeat(32).into(), id.into()],
            )
            .unwrap();
        assert!(matches!(
            jaring_app::import::error_file_for(&t.db, &who, id, errors.path()),
            Err(AppError::NotFound)
        ));
        // A damaged workbook spooled under a server path is reported under the uploaded name.
        let spool = errors.path().join("upload-Xy12.xlsx");
        std::fs::copy(fixture("38_overflowing_reference.xlsx"), &spool).unwrap();
        let err = jaring_app::import::import_as(
            &t.db,
            &who,
            ListKind::Registry,
            &spool,
            "Penduduk Kewar.xlsx",
            errors.path(),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("Penduduk Kewar.xlsx"), "{err}");
        assert!(
            !err.contains("upload-Xy12") && !err.contains(&*errors.path().to_string_lossy()),
            "{err}"
        );
    }
}
