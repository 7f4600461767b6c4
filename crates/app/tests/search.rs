//! Resident search as operators type it, on every backend: words found anywhere in the name and shown
//! in name order a page at a time, NIK prefixes in NIK order, spelling variants when the words as
//! written find nothing, and nothing outside the searcher's region.

#[path = "../../store/tests/backends.rs"]
mod backends;

use jaring_app::accounts::Principal;
use jaring_app::import::{import_file, ImportRequest, NoProgress};
use jaring_app::residents::{search, NameIndex, SearchMode};
use jaring_domain::access::{Grant, Role};
use jaring_domain::{ListKind, RegionCode};
use jaring_store::Database;

const HEADER: &str = "NIK,No KK,Nama,Jenis Kelamin,Tempat Lahir,Tanggal Lahir,Alamat,Kode Desa,Hubungan dalam Keluarga,Status Perkawinan,Pekerjaan,Status Hidup,Tanggal Meninggal\n";
const ROWS: &str = "\
5304015205900001,5304012001100001,Maria Bere,P,Atambua,12-05-1990,Dusun A,53.04.01.2001,Kepala Keluarga,Kawin,Petani,Hidup,\n\
5304011203850002,5304012001100002,Yohanes Bere,L,Atambua,12-03-1985,Dusun A,53.04.01.2001,Kepala Keluarga,Kawin,Petani,Hidup,\n\
5304011501800003,5304012001100003,Yohanes Seran,L,Atambua,15-01-1980,Dusun B,53.04.01.2002,Kepala Keluarga,Kawin,Petani,Hidup,\n\
5304016007950004,5304012001100004,Maria Goreti Mau,P,Atambua,20-07-1995,Dusun A,53.04.01.2001,Kepala Keluarga,Kawin,Petani,Hidup,\n\
5304010101700005,5304012001100005,Djoni Tefa,L,Atambua,01-01-1970,Dusun A,53.04.01.2001,Kepala Keluarga,Kawin,Petani,Hidup,\n\
5304014102000006,5304012001100006,Ana Bria,P,Atambua,01-02-2000,Dusun A,53.04.01.2001,Kepala Keluarga,Belum Kawin,Petani,Hidup,\n";

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

fn principal(role: Role, scope: &str) -> Principal {
    Principal {
        user_id: 0,
        username: "t".into(),
        full_name: "t".into(),
        grant: Grant::new(role, code(scope)).unwrap(),
        must_change_password: false,
    }
}

fn seeded(db: &Database) -> NameIndex {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("penduduk.csv");
    std::fs::write(&path, format!("{HEADER}{ROWS}")).unwrap();
    let req = ImportRequest {
        path,
        file_name: None,
        kind: ListKind::Registry,
        mapping: None,
        sheet: None,
        village: None,
        error_file: Some(dir.path().join("k.csv")),
        today: chrono::NaiveDate::from_ymd_opt(2026, 12, 2).unwrap(),
    };
    jaring_store::regions::seed_regions(db, code("53.04")).unwrap();
    let report = import_file(
        db,
        &principal(Role::AdminKabupaten, "53.04"),
        &req,
        &NoProgress,
    )
    .unwrap();
    assert_eq!(report.counts.inserted, 6, "{:?}", report.rejected);
    NameIndex::load(db).unwrap()
}

/// Names found, the mode and whether more follow.
fn find(
    db: &Database,
    index: &NameIndex,
    who: &Principal,
    q: &str,
    page: i64,
    per_page: i64,
) -> (SearchMode, Vec<String>, bool) {
    let (mode, page) = search(db, index, who, q, page, per_page).unwrap();
    (
        mode,
        page.items.into_iter().map(|p| p.name).collect(),
        page.more,
    )
}

#[test]
fn search_finds_words_niks_and_spelling_variants_in_order_and_in_scope() {
    for t in backends::backends() {
        let db = &t.db;
        let index = seeded(db);
        assert_eq!(index.len(), 6);
        let admin = principal(Role::AdminKabupaten, "53.04");
        let kewar = principal(Role::OperatorDesa, "53.04.01.2001");
        let fulur = principal(Role::OperatorDesa, "53.04.01.2002");
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();

        assert_eq!(
            find(db, &index, &admin, "bere", 1, 25),
            (
                SearchMode::Exact,
                names(&["Maria Bere", "Yohanes Bere"]),
                false
            )
        );
        assert_eq!(
            find(db, &index, &admin, "MARIA", 1, 25).1,
            names(&["Maria Bere", "Maria Goreti Mau"])
        );
        assert_eq!(
            find(db, &index, &admin, "mau maria", 1, 25).1,
            names(&["Maria Goreti Mau"]),
            "every word, in any order"
        );
        assert_eq!(
            find(db, &index, &admin, "ria", 1, 25).1,
            names(&["Ana Bria", "Maria Bere", "Maria Goreti Mau"]),
            "a word typed half-way"
        );
        // A page at a time, in name order.
        assert_eq!(
            find(db, &index, &admin, "yohanes", 1, 1),
            (SearchMode::Exact, names(&["Yohanes Bere"]), true)
        );
        assert_eq!(
            find(db, &index, &admin, "yohanes", 2, 1),
            (SearchMode::Exact, names(&["Yohanes Seran"]), false)
        );
        // Scope: Kewar's operator sees Kewar only.
        assert_eq!(
            find(db, &index, &kewar, "yohanes", 1, 25).1,
            names(&["Yohanes Bere"])
        );
        assert_eq!(find(db, &index, &fulur, "maria", 1, 25).1, names(&[]));
        // Spelling variants when the words as written find nothing.
        let (mode, found, _) = find(db, &index, &admin, "yohanis", 1, 25);
        assert_eq!(mode, SearchMode::Fuzzy);
        assert_eq!(found, names(&["Yohanes Bere", "Yohanes Seran"]));
        let (mode, found, _) = find(db, &index, &admin, "djony", 1, 25);
        assert_eq!((mode, found), (SearchMode::Fuzzy, names(&["Djoni Tefa"])));
        assert_eq!(
            find(db, &index, &kewar, "yohanis seran", 1, 25).1,
            names(&[]),
            "variants stay in scope"
        );
        // NIK prefixes, in NIK order.
        assert_eq!(
            find(db, &index, &admin, "5304 01", 1, 2),
            (
                SearchMode::Nik,
                names(&["Djoni Tefa", "Yohanes Bere"]),
                true
            )
        );
        assert_eq!(
            find(db, &index, &admin, "5304015205900001", 1, 25).1,
            names(&["Maria Bere"])
        );
        assert_eq!(
            find(db, &index, &fulur, "5304015205900001", 1, 25).1,
            names(&[])
        );
        // No query: everyone in scope, in name order, a page at a time.
        assert_eq!(
            find(db, &index, &admin, "   ", 1, 4),
            (
                SearchMode::Exact,
                names(&["Ana Bria", "Djoni Tefa", "Maria Bere", "Maria Goreti Mau"]),
                true
            )
        );
        assert_eq!(
            find(db, &index, &fulur, "", 1, 25).1,
            names(&["Yohanes Seran"])
        );
    }
}
