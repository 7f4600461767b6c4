//! OpenSID's own files read as-is (#21), on every backend: its resident export
//! (`contoh_penduduk.xlsx`, 43 snake_case columns) and its import template (`FormatImporExcel.xlsm`,
//! with a `###` end marker and a code sheet), in `tests/fixtures/opensid/` (GPL-3.0, copied
//! unchanged; see its README). Expectations are read from the files themselves with calamine,
//! independently of jaring's reader.

#[path = "../../store/tests/backends.rs"]
mod backends;

use std::collections::BTreeSet;
use std::path::PathBuf;

use backends::{backends, label};
use calamine::{open_workbook_auto, Data, Reader};
use jaring_app::accounts::Principal;
use jaring_app::import::{import_file, ImportRequest, NoProgress};
use jaring_domain::{ListKind, RegionCode};

const KEWAR: &str = "53.04.01.2001";

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("../../tests/fixtures/opensid/{name}"))
}

/// The first sheet's rows as text, header first.
fn sheet(name: &str) -> Vec<Vec<String>> {
    let mut wb = open_workbook_auto(fixture(name)).unwrap();
    let first = wb.sheet_names()[0].clone();
    let range = wb.worksheet_range(&first).unwrap();
    range
        .rows()
        .map(|r| {
            r.iter()
                .map(|c| match c {
                    Data::Empty => String::new(),
                    other => other.to_string().trim().to_string(),
                })
                .collect()
        })
        .collect()
}

fn request(name: &str, out: &std::path::Path) -> ImportRequest {
    ImportRequest {
        path: fixture(name),
        file_name: None,
        kind: ListKind::Registry,
        mapping: None,
        sheet: None,
        village: Some(RegionCode::parse(KEWAR).unwrap()),
        error_file: Some(out.join("kesalahan.csv")),
        today: chrono::NaiveDate::from_ymd_opt(2026, 12, 2).unwrap(),
    }
}

/// Writes `text` as `name` in `dir` and imports it as a registry file with its own village column.
fn import_text(
    db: &jaring_store::Database,
    dir: &std::path::Path,
    name: &str,
    text: &str,
) -> jaring_app::import::ImportReport {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    let mut req = request("contoh_penduduk.xlsx", dir);
    req.path = path;
    req.village = None;
    import_file(db, &admin(), &req, &NoProgress).unwrap()
}

/// The report's warnings whose English text says `what`.
fn warnings_saying<'a>(
    r: &'a jaring_app::import::ImportReport,
    what: &str,
) -> Vec<&'a jaring_app::import::RowProblem> {
    r.warnings
        .iter()
        .filter(|w| w.issue.en.contains(what))
        .collect()
}

fn admin() -> Principal {
    Principal::job(RegionCode::parse("53.04").unwrap(), "uji")
}

#[test]
fn the_opensid_resident_export_keeps_households_occupations_and_addresses() {
    let rows = sheet("contoh_penduduk.xlsx");
    let headers = rows[0].clone();
    let col = |h: &str| headers.iter().position(|x| x == h).unwrap();
    let data: Vec<&Vec<String>> = rows[1..]
        .iter()
        .filter(|r| !r.iter().all(String::is_empty))
        .collect();
    let heads = data.iter().filter(|r| r[col("kk_level")] == "1").count() as i64;
    assert!(heads > 10, "the fixture has heads of household: {heads}");
    for t in backends() {
        let db = &t.db;
        let l = label(db);
        let out = tempfile::tempdir().unwrap();
        let r = import_file(
            db,
            &admin(),
            &request("contoh_penduduk.xlsx", out.path()),
            &NoProgress,
        )
        .unwrap();
        assert_eq!(
            r.counts.inserted,
            data.len() as u64,
            "{l}: {:?}",
            r.rejected
        );
        assert_eq!(r.counts.rejected, 0, "{l}");
        // Its NIKs were issued in Lombok Barat (52.01): kept, each row with a warning naming it.
        assert!(
            r.counts.warnings >= data.len() as u64,
            "{l}: {}",
            r.counts.warnings
        );
        assert!(
            r.warnings
                .iter()
                .any(|w| w.issue.en.contains("issued in another province (52.01")),
            "{l}: {:?}",
            r.warnings.first()
        );

        // Every column is read or reported.
        let used: BTreeSet<&str> = [
            "alamat",
            "dusun",
            "rw",
            "rt",
            "nama",
            "no_kk",
            "nik",
            "sex",
            "tempatlahir",
            "tanggallahir",
            "pekerjaan_id",
            "agama_id",
            "pendidikan_kk_id",
            "nama_ibu",
            "status_kawin",
            "kk_level",
            "status_dasar",
        ]
        .into_iter()
        .collect();
        let unused: BTreeSet<&str> = r.unused_columns.iter().map(String::as_str).collect();
        let all: BTreeSet<&str> = headers
            .iter()
            .map(String::as_str)
            .filter(|h| !h.is_empty())
            .collect();
        assert_eq!(
            used.union(&unused).copied().collect::<BTreeSet<_>>(),
            all,
            "{l}: every column used or listed as not used"
        );
        assert!(used.is_disjoint(&unused), "{l}: {unused:?}");
        for h in ["pendidikan_sedang_id", "nama_ayah", "golongan_darah_id"] {
            assert!(unused.contains(h), "{l}: {h} reported as not used");
        }

        // Households have their heads; occupations and addresses come through, row by row.
        let mut conn = db.conn().unwrap();
        let stored_heads = conn
            .query_i64(
                "SELECT COUNT(*) FROM persons WHERE relationship = 'head'",
                &[],
            )
            .unwrap();
        assert_eq!(stored_heads, heads, "{l}");
        for row in &data {
            let nik = &row[col("nik")];
            let p = conn
                .query_opt(
                    "SELECT relationship, occupation, worker_category, address, religion, education, \
                     mother_name FROM persons WHERE nik = $1",
                    &[nik.clone().into()],
                )
                .unwrap()
                .unwrap_or_else(|| panic!("{l}: {nik} imported"));
            let relationship = jaring_formats::values::parse_relationship(&row[col("kk_level")])
                .unwrap()
                .as_code();
            assert_eq!(p.text(0).unwrap(), relationship, "{l}: {nik}");
            let occupation =
                jaring_domain::occupation::label_of_code(row[col("pekerjaan_id")].parse().unwrap())
                    .unwrap();
            assert_eq!(p.text(1).unwrap(), occupation, "{l}: {nik}");
            assert_eq!(
                p.text(2).unwrap(),
                jaring_domain::occupation::worker_category(occupation, None).as_code(),
                "{l}: {nik}"
            );
            let address = p.text(3).unwrap();
            assert!(
                address
                    .to_uppercase()
                    .contains(&format!("DUSUN {}", row[col("dusun")])),
                "{l}: {address}"
            );
            // Dukcapil's code tables: agama 1 Islam … 7, pendidikan 1 tidak/belum sekolah … 10 S3.
            let religion =
                jaring_domain::Religion::from_dukcapil(row[col("agama_id")].parse().unwrap())
                    .unwrap();
            assert_eq!(
                p.opt_text(4).unwrap().as_deref(),
                Some(religion.as_code()),
                "{l}"
            );
            let education = jaring_domain::Education::from_dukcapil(
                row[col("pendidikan_kk_id")].parse().unwrap(),
            )
            .unwrap();
            assert_eq!(
                p.opt_text(5).unwrap().as_deref(),
                Some(education.as_code()),
                "{l}"
            );
            // The mother's name kept (title case, as every name); OpenSID's `-` is no name.
            let mother = &row[col("nama_ibu")];
            let stored = p.text(6).unwrap();
            if mother.is_empty() || mother == "-" {
                assert_eq!(stored, "", "{l}: {nik}");
            } else {
                assert_eq!(stored.to_uppercase(), mother.to_uppercase(), "{l}: {nik}");
            }
            let rt = &row[col("rt")];
            if !rt.is_empty() && rt != "-" {
                assert!(address.contains(&format!("RT {rt}")), "{l}: {address}");
            }
        }
        // The code tables, read off the template's "Kode Data" sheet: agama 1 ISLAM, 4 HINDU.
        for (code, stored) in [("1", "islam"), ("4", "hindu")] {
            let expected = data.iter().filter(|r| r[col("agama_id")] == code).count() as i64;
            let got = conn
                .query_i64(
                    "SELECT COUNT(*) FROM persons WHERE religion = $1",
                    &[stored.into()],
                )
                .unwrap();
            assert_eq!(got, expected, "{l}: agama_id {code}");
        }
        // The resident page's view: the mother's name for roles that see NIKs, never for an auditor.
        let someone = data
            .iter()
            .find(|r| !r[col("nama_ibu")].is_empty() && r[col("nama_ibu")] != "-")
            .unwrap();
        let id = conn
            .query_i64(
                "SELECT id FROM persons WHERE nik = $1",
                &[someone[col("nik")].clone().into()],
            )
            .unwrap();
        let as_role = |role| Principal {
            grant: jaring_domain::access::Grant {
                role,
                scope: RegionCode::parse("53.04").unwrap(),
            },
            ..admin()
        };
        let view = |role| {
            jaring_app::residents::person(db, &as_role(role), id)
                .unwrap()
                .details
                .mother_name
        };
        use jaring_domain::access::Role;
        assert_eq!(
            view(Role::AdminKabupaten).map(|m| m.to_uppercase()),
            Some(someone[col("nama_ibu")].to_uppercase()),
            "{l}"
        );
        assert_eq!(view(Role::Auditor), None, "{l}");
        let working = conn
            .query_i64("SELECT COUNT(*) FROM persons WHERE occupation = ''", &[])
            .unwrap();
        assert_eq!(working, 0, "{l}: nobody's occupation is lost");
    }
}

#[test]
fn the_opensid_template_stops_at_its_end_marker_and_ignores_its_code_sheet() {
    let rows = sheet("FormatImporExcel.xlsm");
    let marker = rows
        .iter()
        .position(|r| r.iter().any(|c| c == "###"))
        .expect("the template has its ### marker");
    let examples = rows[1..marker]
        .iter()
        .filter(|r| !r.iter().all(String::is_empty))
        .count() as u64;
    assert!(rows.len() > marker + 2, "instructions follow the marker");
    for t in backends() {
        let db = &t.db;
        let l = label(db);
        let out = tempfile::tempdir().unwrap();
        let r = import_file(
            db,
            &admin(),
            &request("FormatImporExcel.xlsm", out.path()),
            &NoProgress,
        )
        .unwrap();
        assert_eq!(
            r.counts.rows_total, examples,
            "{l}: only the rows above ###"
        );
        assert!(
            r.rejected
                .iter()
                .all(|p| !p.issue.en.contains("name is required")),
            "{l}: no instruction row read as a resident: {:?}",
            r.rejected
        );
    }
}

/// The NIK is evidence for its own row: it settles a date that reads either way, and a birth date it
/// contradicts is a warning naming both.
#[test]
fn the_nik_settles_its_rows_date_and_a_contradiction_is_a_warning() {
    let header = "NIK,No KK,Nama,Jenis Kelamin,Tanggal Lahir,Kode Desa\n";
    // Day first by the column (25/12/1970), but 04/05/1980's NIK says 5 April; every date of the
    // second file reads either way and each NIK settles its own.
    let mixed = format!(
        "{header}5304010504800001,5304010101200001,Agustinus Bere,L,04/05/1980,{KEWAR}\n\
         5304012512700002,5304010101200001,Maria Hoar,L,25/12/1970,{KEWAR}\n\
         5304010302900003,5304010101200001,Yosef Mali,L,03/04/1990,{KEWAR}\n"
    );
    let ambiguous = format!(
        "{header}5304010607850004,5304010101200002,Petrus Luan,L,07/06/1985,{KEWAR}\n\
         5304010102950005,5304010101200002,Paulus Atok,L,01/02/1995,{KEWAR}\n"
    );
    for t in backends() {
        let db = &t.db;
        let l = label(db);
        let out = tempfile::tempdir().unwrap();
        let import = |name: &str, text: &str| import_text(db, out.path(), name, text);
        let born = |nik: &str| {
            db.conn()
                .unwrap()
                .query_opt(
                    "SELECT birth_date FROM persons WHERE nik = $1",
                    &[nik.into()],
                )
                .unwrap()
                .and_then(|r| r.opt_date(0).unwrap())
                .map(|d| d.to_string())
        };
        let r = import("campur.csv", &mixed);
        assert_eq!(r.counts.rejected, 0, "{l}: {:?}", r.rejected);
        assert_eq!(
            born("5304010504800001").as_deref(),
            Some("1980-04-05"),
            "{l}: the NIK's order"
        );
        assert_eq!(
            born("5304012512700002").as_deref(),
            Some("1970-12-25"),
            "{l}"
        );
        // 03/04/1990 read day first is 3 April; the NIK says 3 February: kept as written, with a warning.
        assert_eq!(
            born("5304010302900003").as_deref(),
            Some("1990-04-03"),
            "{l}"
        );
        let warned: Vec<&str> = r
            .warnings
            .iter()
            .filter(|w| w.issue.en.contains("differs from the date in the NIK"))
            .map(|w| w.issue.value.as_str())
            .collect();
        assert_eq!(warned, vec!["03-04-1990"], "{l}: {:?}", r.warnings);
        assert!(
            r.warnings.iter().any(|w| w.issue.id.contains("03-02-90")),
            "{l}: both values named"
        );

        let r = import("ambigu.csv", &ambiguous);
        assert_eq!(
            r.counts.rejected, 0,
            "{l}: each NIK settles its date: {:?}",
            r.rejected
        );
        assert_eq!(
            born("5304010607850004").as_deref(),
            Some("1985-07-06"),
            "{l}: month first, as its NIK says"
        );
        assert_eq!(
            born("5304010102950005").as_deref(),
            Some("1995-02-01"),
            "{l}"
        );
    }
}

/// OpenSID's `status_dasar` on a later export: MATI with a date becomes a death proposal with its
/// consequences, MATI without one (OpenSID's export has no date column) keeps the person alive with a
/// warning that points to the death report, PINDAH becomes a move out; the rest of every row is kept.
#[test]
fn opensid_status_dasar_takes_the_write_path() {
    let rows = sheet("contoh_penduduk.xlsx");
    let headers = rows[0].clone();
    let col = |h: &str| headers.iter().position(|x| x == h).unwrap();
    let data: Vec<Vec<String>> = rows[1..]
        .iter()
        .filter(|r| !r.iter().all(String::is_empty))
        .cloned()
        .collect();
    let (dead, undated, moved) = (&data[3], &data[5], &data[8]);
    let nik = |r: &Vec<String>| r[col("nik")].clone();
    for t in backends() {
        let db = &t.db;
        let l = label(db);
        let out = tempfile::tempdir().unwrap();
        import_file(
            db,
            &admin(),
            &request("contoh_penduduk.xlsx", out.path()),
            &NoProgress,
        )
        .unwrap();
        // The village's next export: three rows changed, a date column added by the operator.
        let next = out.path().join("penduduk_bulan_ini.xlsx");
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        let mut heading = headers.clone();
        heading.push("tanggal_meninggal".into());
        for (c, h) in heading.iter().enumerate() {
            ws.write_string(0, c as u16, h).unwrap();
        }
        for (i, r) in data.iter().enumerate() {
            let mut r = r.clone();
            r.resize(headers.len(), String::new());
            let mut date = String::new();
            if nik(&r) == nik(dead) {
                r[col("status_dasar")] = "2".into();
                date = "2026-10-03".into();
            } else if nik(&r) == nik(undated) {
                r[col("status_dasar")] = "2".into();
                r[col("alamat")] = "Jalan Baru 7".into();
            } else if nik(&r) == nik(moved) {
                r[col("status_dasar")] = "3".into();
            }
            r.push(date);
            for (c, v) in r.iter().enumerate() {
                ws.write_string(i as u32 + 1, c as u16, v).unwrap();
            }
        }
        wb.save(&next).unwrap();
        let mut req = request("contoh_penduduk.xlsx", out.path());
        req.path = next;
        let r = import_file(db, &admin(), &req, &NoProgress).unwrap();
        assert_eq!(r.counts.rejected, 0, "{l}: {:?}", r.rejected);
        assert_eq!(r.counts.proposed, 2, "{l}: the death and the move");

        let mut conn = db.conn().unwrap();
        let state = |conn: &mut jaring_store::Conn, n: &str| {
            let p = conn
                .query_opt(
                    "SELECT id, life_status, address FROM persons WHERE nik = $1",
                    &[n.into()],
                )
                .unwrap()
                .unwrap();
            (p.i64(0).unwrap(), p.text(1).unwrap(), p.text(2).unwrap())
        };
        let pending = |conn: &mut jaring_store::Conn, id: i64| -> Vec<String> {
            conn.query(
                "SELECT kind FROM proposals WHERE person_id = $1 AND status = 'pending' ORDER BY id",
                &[id.into()],
            )
            .unwrap()
            .iter()
            .map(|r| r.text(0).unwrap())
            .collect()
        };
        // Nobody changes life status by the file alone.
        for row in [dead, undated, moved] {
            assert_eq!(state(&mut conn, &nik(row)).1, "alive", "{l}");
        }
        let (dead_id, _, _) = state(&mut conn, &nik(dead));
        assert_eq!(pending(&mut conn, dead_id), vec!["mark_deceased"], "{l}");
        let (moved_id, _, _) = state(&mut conn, &nik(moved));
        assert_eq!(pending(&mut conn, moved_id), vec!["move"], "{l}");
        let (undated_id, _, address) = state(&mut conn, &nik(undated));
        assert!(
            pending(&mut conn, undated_id).is_empty(),
            "{l}: no death without its date"
        );
        assert!(
            address.contains("Jalan Baru 7"),
            "{l}: the rest of the row kept: {address}"
        );
        let warned = warnings_saying(&r, "without a date of death");
        assert_eq!(warned.len(), 1, "{l}: {:?}", r.warnings);
        assert!(warned[0].issue.id.contains("Lapor kematian"), "{l}");

        // The same export again a day later: the move the file names only by its status is not
        // proposed a second time with the new day's date, nor anything else.
        let mut later = req.clone();
        later.today = chrono::NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
        let again = import_file(db, &admin(), &later, &NoProgress).unwrap();
        assert_eq!(again.counts.proposed, 0, "{l}");
        assert_eq!(pending(&mut conn, moved_id), vec!["move"], "{l}");
        // The death, decided, carries its date.
        let id = conn
            .query_i64(
                "SELECT id FROM proposals WHERE person_id = $1 AND kind = 'mark_deceased'",
                &[dead_id.into()],
            )
            .unwrap();
        drop(conn);
        let ctx = jaring_app::review::Context {
            today: chrono::NaiveDate::from_ymd_opt(2026, 12, 2).unwrap(),
            grace_months: 3,
        };
        jaring_app::review::approve(db, &admin(), id, None, &ctx).unwrap();
        let died = db
            .conn()
            .unwrap()
            .query_opt(
                "SELECT life_status, death_date FROM persons WHERE id = $1",
                &[dead_id.into()],
            )
            .unwrap()
            .unwrap();
        assert_eq!(died.text(0).unwrap(), "deceased", "{l}");
        assert_eq!(
            died.opt_date(1).unwrap(),
            chrono::NaiveDate::from_ymd_opt(2026, 10, 3),
            "{l}"
        );
    }
}

/// Dukcapil's SIAK export as it comes: abbreviated headings, wording instead of codes, and the
/// village code in four number columns (NO_PROP, NO_KAB, NO_KEC, NO_KEL).
#[test]
fn a_siak_export_is_read_with_its_region_code_in_parts() {
    let text = "NO_KK,NIK,NAMA_LGKP,JENIS_KLMIN,TMPT_LHR,TGL_LHR,AGAMA,PDDK_AKH,JENIS_PKRJN,STAT_KWN,\
STAT_HBKEL,NAMA_LGKP_IBU,ALAMAT,NO_RT,NO_RW,NO_PROP,NO_KAB,NO_KEC,NO_KEL\n\
5304010101200001,5304011203850002,YOHANES MAU,LAKI-LAKI,KEWAR,12-03-1985,KATHOLIK,SLTA/SEDERAJAT,\
PETANI/PEKEBUN,KAWIN,KEPALA KELUARGA,MARIA BOUK,DUSUN 1,3,2,53,4,1,2001\n\
5304010101200001,5304015506900003,MARIA LURUK,PEREMPUAN,ATAMBUA,15-06-1990,KRISTEN,DIPLOMA IV/STRATA I,\
GURU,KAWIN,ISTRI,-,DUSUN 1,3,2,53,4,1,x\n";
    for t in backends() {
        let db = &t.db;
        let l = label(db);
        let out = tempfile::tempdir().unwrap();
        let r = import_text(db, out.path(), "siak.csv", text);
        assert!(r.unused_columns.is_empty(), "{l}: {:?}", r.unused_columns);
        assert_eq!((r.counts.inserted, r.counts.rejected), (1, 1), "{l}");
        assert!(
            r.rejected[0].issue.en.contains("parts of the region code"),
            "{l}: {:?}",
            r.rejected
        );
        let p = db
            .conn()
            .unwrap()
            .query_opt(
                "SELECT village_code, religion, education, mother_name, relationship, occupation, address \
                 FROM persons WHERE nik = '5304011203850002'",
                &[],
            )
            .unwrap()
            .unwrap();
        let got: Vec<String> = (0..7).map(|i| p.text(i).unwrap()).collect();
        assert_eq!(
            got[..6],
            [
                "53.04.01.2001",
                "catholic",
                "senior_secondary",
                "Maria Bouk",
                "head",
                "PETANI/PEKEBUN"
            ],
            "{l}"
        );
        assert!(
            got[6].contains("RT 3") || got[6].contains("RT 003"),
            "{l}: {}",
            got[6]
        );
    }
}

/// A registry file that names its villages as well as coding them: a name that is not the code's is a
/// warning naming both (one of them is wrong); a file with names only finds each village by its name
/// and kecamatan inside the regency.
#[test]
fn village_names_are_checked_against_codes_and_read_without_them() {
    let coded = format!(
        "NIK,No KK,Nama,Jenis Kelamin,Tanggal Lahir,Kode Desa,Desa,Kecamatan\n\
         5304011203850002,5304010101200001,Yohanes Mau,L,1985-03-12,{KEWAR},Kewar,Lamaknen\n\
         5304015506900003,5304010101200001,Maria Luruk,P,1990-06-15,{KEWAR},Fulur,Lamaknen\n"
    );
    let named = "NIK,No KK,Nama,Jenis Kelamin,Tanggal Lahir,Desa,Kecamatan\n\
         5304011702800004,5304010101200002,Petrus Bere,L,1980-02-17,KEWAR,LAMAKNEN\n";
    for t in backends() {
        let db = &t.db;
        let l = label(db);
        let out = tempfile::tempdir().unwrap();
        let import = |name: &str, text: &str| import_text(db, out.path(), name, text);
        let r = import("berkode.csv", &coded);
        assert_eq!((r.counts.inserted, r.counts.rejected), (2, 0), "{l}");
        let mismatched = warnings_saying(&r, "does not match code");
        assert_eq!(mismatched.len(), 1, "{l}: {:?}", r.warnings);
        assert_eq!(mismatched[0].line, 3, "{l}");
        assert!(
            mismatched[0].issue.en.contains("'Fulur'") && mismatched[0].issue.en.contains("Kewar"),
            "{l}: {:?}",
            mismatched[0].issue
        );
        assert!(r.unused_columns.is_empty(), "{l}: {:?}", r.unused_columns);
        let r = import("bernama.csv", named);
        assert_eq!(r.counts.inserted, 1, "{l}: {:?}", r.rejected);
        let village = db
            .conn()
            .unwrap()
            .query_opt(
                "SELECT village_code FROM persons WHERE nik = '5304011702800004'",
                &[],
            )
            .unwrap()
            .unwrap()
            .text(0)
            .unwrap();
        assert_eq!(village, KEWAR, "{l}");
    }
}
