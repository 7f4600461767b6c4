//! Coverage, gap lists and budgets on a hand-made regency whose every figure is computed by hand below,
//! on every backend.

#[path = "../../store/tests/backends.rs"]
mod backends;

use std::io::Write;

use backends::{backends, label};
use chrono::NaiveDate;
use jaring_app::coverage::{self, Target};
use jaring_app::import::{import_file, ImportRequest, NoProgress};
use jaring_domain::programme::Rate;
use jaring_domain::{ListKind, RegionCode, Rupiah};
use jaring_rules::Clause;
use jaring_store::{Database, Value};

const A: &str = "53.04.01.2001"; // Kewar, Lamaknen
const B: &str = "53.04.01.2002"; // Fulur, Lamaknen
const C: &str = "53.04.02.2001"; // Silawan, Tasifeto Timur

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn october() -> NaiveDate {
    d("2026-10-01")
}

/// (key, village, household, name, sex, birth, occupation, life, death, asn, desil)
type Row = (
    &'static str,
    &'static str,
    u32,
    &'static str,
    char,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

const PEOPLE: &[Row] = &[
    (
        "A1",
        A,
        1,
        "Yohanes Bere",
        'm',
        "1986-03-10",
        "Petani/Pekebun",
        "HIDUP",
        "",
        "NONE",
        "2",
    ),
    (
        "A2",
        A,
        2,
        "Maria Hoar",
        'f',
        "1996-01-20",
        "Petani/Pekebun",
        "HIDUP",
        "",
        "NONE",
        "4",
    ),
    (
        "A3",
        A,
        3,
        "Petrus Mau",
        'm',
        "1962-06-01",
        "Buruh Harian Lepas",
        "HIDUP",
        "",
        "NONE",
        "5",
    ),
    (
        "A4",
        A,
        4,
        "Agustinus Seran",
        'm',
        "1961-10-15",
        "Petani/Pekebun",
        "HIDUP",
        "",
        "NONE",
        "1",
    ),
    (
        "A5",
        A,
        5,
        "Fransiska Luruk",
        'f',
        "1990-04-04",
        "Pegawai Negeri Sipil (PNS)",
        "HIDUP",
        "",
        "PNS",
        "1",
    ),
    (
        "A6",
        A,
        5,
        "Dominikus Luruk",
        'm',
        "1991-02-02",
        "Petani/Pekebun",
        "HIDUP",
        "",
        "NONE",
        "1",
    ),
    (
        "B1",
        B,
        6,
        "Kornelis Asa",
        'm',
        "2006-05-05",
        "Petani/Pekebun",
        "MENINGGAL",
        "2026-10-10",
        "NONE",
        "3",
    ),
    (
        "B2",
        B,
        7,
        "Theresia Kolo",
        'f',
        "2012-05-01",
        "Pelajar/Mahasiswa",
        "HIDUP",
        "",
        "NONE",
        "3",
    ),
    (
        "B3",
        B,
        8,
        "Benediktus Nahak",
        'm',
        "1976-08-08",
        "Wiraswasta",
        "HIDUP",
        "",
        "NONE",
        "7",
    ),
    (
        "C1",
        C,
        9,
        "Paulus Tae",
        'm',
        "1981-09-09",
        "Perangkat Desa",
        "HIDUP",
        "",
        "NONE",
        "6",
    ),
    (
        "C2",
        C,
        9,
        "Yuliana Tae",
        'f',
        "1983-03-03",
        "Petani/Pekebun",
        "HIDUP",
        "",
        "NONE",
        "3",
    ),
];

fn nik(village: &str, birth: &str, sex: char, serial: usize) -> String {
    let district: String = village.split('.').take(3).collect();
    let b = d(birth);
    let day = chrono::Datelike::day(&b) + if sex == 'f' { 40 } else { 0 };
    format!(
        "{district}{day:02}{:02}{:02}{serial:04}",
        chrono::Datelike::month(&b),
        chrono::Datelike::year(&b) % 100
    )
}

fn registry_csv(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("registry.csv");
    let mut f = std::fs::File::create(&path).unwrap();
    writeln!(f, "NIK,No KK,Nama,Jenis Kelamin,Tempat Lahir,Tanggal Lahir,Status Perkawinan,Hubungan dalam Keluarga,Pekerjaan,Alamat,Kode Desa,Status Hidup,Tanggal Meninggal,Status ASN,TMT ASN,Desil").unwrap();
    for (i, p) in PEOPLE.iter().enumerate() {
        let (_, village, household, name, sex, birth, occupation, life, death, asn, desil) = *p;
        let district: String = village.split('.').take(3).collect();
        let kk = format!("{district}150318{household:04}");
        writeln!(
            f,
            "{},{kk},{name},{},Atambua,{birth},KAWIN,KEPALA KELUARGA,{occupation},Dusun 1,{village},{life},{death},{asn},{},{desil}",
            nik(village, birth, sex, i + 1),
            if sex == 'm' { "LAKI-LAKI" } else { "PEREMPUAN" },
            if asn == "PNS" { "2015-01-01" } else { "" },
        )
        .unwrap();
    }
    path
}

fn person_id(db: &Database, key: &str) -> i64 {
    let i = PEOPLE.iter().position(|p| p.0 == key).unwrap();
    let p = PEOPLE[i];
    db.conn()
        .unwrap()
        .query_i64(
            "SELECT id FROM persons WHERE nik = $1",
            &[Value::Text(nik(p.1, p.5, p.4, i + 1))],
        )
        .unwrap()
}

fn enrol(db: &Database, key: &str, programme: &str, start: &str, paid_through: &str) {
    let id = person_id(db, key);
    let mut conn = db.conn().unwrap();
    let now = conn.now();
    conn.execute(
            "INSERT INTO enrolments (person_id, programme_code, kpj, start_date, paid_through, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6)",
            &[
                Value::Int(id),
                Value::from(programme),
                Value::Text(format!("KPJ-{key}")),
                Value::Date(d(start)),
                Value::Date(d(paid_through)),
                now,
            ],
        )
        .unwrap();
}

fn rate(report: &coverage::CoverageReport, code: &str) -> Rate {
    report.rows.iter().find(|r| r.code == code).unwrap().rate
}

#[test]
fn coverage_gap_and_budget_match_hand_computed_figures() {
    let dir = tempfile::tempdir().unwrap();
    let csv = registry_csv(dir.path());
    for t in backends() {
        let db = &t.db;
        let l = label(db);
        let r = import_file(
            db,
            &job("test"),
            &ImportRequest {
                path: csv.clone(),
                file_name: None,
                kind: ListKind::Registry,
                mapping: None,
                sheet: None,
                village: None,
                error_file: None,
                today: d("2026-10-31"),
            },
            &NoProgress,
        )
        .unwrap();
        assert_eq!(
            (r.counts.rejected, r.counts.inserted),
            (0, PEOPLE.len() as u64),
            "{l}: {:?}",
            r.rejected
        );
        // A1 paid through July: with 3 grace months still covered in October (the edge).
        enrol(db, "A1", "bpu_apbd_kab", "2024-01-01", "2026-07-01");
        // A2 paid through June: lapsed in October.
        enrol(db, "A2", "bpu_apbd_kab", "2024-01-01", "2026-06-01");
        // B3 paid up but only starts in November.
        enrol(db, "B3", "bpu_mandiri", "2026-11-01", "2026-10-01");
        // C1, a village official, covered by the village budget.
        enrol(db, "C1", "pu_perangkat_desa", "2023-01-01", "2026-10-01");

        let report = coverage::coverage(db, None, october(), true).unwrap();
        assert!(!report.from_snapshot);
        // A: working-age, not ASN: A1, A2, A3, A6 (A4 is 65, A5 is PNS); active: A1.
        assert_eq!(
            rate(&report, A),
            Rate {
                numerator: 1,
                denominator: 4
            },
            "{l}"
        );
        // B: B1 died in October, B2 is 14; B3 counts but is not yet covered.
        assert_eq!(
            rate(&report, B),
            Rate {
                numerator: 0,
                denominator: 1
            },
            "{l}"
        );
        assert_eq!(
            rate(&report, C),
            Rate {
                numerator: 1,
                denominator: 2
            },
            "{l}"
        );
        // Villages sum to their kecamatan, kecamatan to the regency.
        assert_eq!(
            rate(&report, "53.04.01"),
            Rate {
                numerator: 1,
                denominator: 5
            },
            "{l}"
        );
        assert_eq!(
            rate(&report, "53.04.02"),
            Rate {
                numerator: 1,
                denominator: 2
            },
            "{l}"
        );
        assert_eq!(
            rate(&report, "53.04"),
            Rate {
                numerator: 2,
                denominator: 7
            },
            "{l}"
        );
        assert_eq!(rate(&report, "53.04").basis_points(), Some(2_857));
        let villages: Vec<_> = report.rows.iter().filter(|r| r.level == "desa").collect();
        assert_eq!(villages.len(), 81, "{l}");
        let sum = villages.iter().fold((0, 0), |a, r| {
            (a.0 + r.rate.numerator, a.1 + r.rate.denominator)
        });
        assert_eq!(sum, (2, 7));

        // A snapshot keeps October as it was; later enrolments change the live figure only.
        assert_eq!(
            coverage::take_snapshot(db, &job("test"), october()).unwrap(),
            report.rows.len()
        );
        enrol(db, "A3", "bpu_apbd_kab", "2026-10-01", "2026-10-01");
        let snap =
            coverage::coverage(db, Some(RegionCode::parse(A).unwrap()), october(), true).unwrap();
        assert!(snap.from_snapshot);
        assert_eq!(
            rate(&snap, A),
            Rate {
                numerator: 1,
                denominator: 4
            },
            "{l}"
        );
        let live =
            coverage::coverage(db, Some(RegionCode::parse(A).unwrap()), october(), false).unwrap();
        assert_eq!(
            rate(&live, A),
            Rate {
                numerator: 2,
                denominator: 4
            },
            "{l}"
        );
        assert_eq!(
            coverage::trend(db, RegionCode::parse("53.04").unwrap()).unwrap(),
            vec![(
                "2026-10".to_string(),
                Rate {
                    numerator: 2,
                    denominator: 7
                }
            )]
        );

        // A shorter grace period: A1 (paid through July) is no longer covered in October.
        jaring_store::settings::set(&mut db.conn().unwrap(), "grace_months", "2").unwrap();
        let short =
            coverage::coverage(db, Some(RegionCode::parse(A).unwrap()), october(), false).unwrap();
        assert_eq!(
            rate(&short, A),
            Rate {
                numerator: 1,
                denominator: 4
            },
            "{l}: only A3 now"
        );
        jaring_store::settings::set(&mut db.conn().unwrap(), "grace_months", "3").unwrap();

        // An official denominator replaces the registry's for its region only.
        jaring_store::coverage::set_official_denominator(
            &mut db.conn().unwrap(),
            "53.04",
            2026,
            10,
            "BPS Sakernas",
        )
        .unwrap();
        let official = coverage::coverage(db, None, october(), false).unwrap();
        let regency = official.rows.iter().find(|r| r.code == "53.04").unwrap();
        assert_eq!(
            (regency.rate, regency.source.as_str()),
            (
                Rate {
                    numerator: 3,
                    denominator: 10
                },
                "BPS Sakernas"
            )
        );
        assert_eq!(
            rate(&official, "53.04.01"),
            Rate {
                numerator: 2,
                denominator: 5
            },
            "{l}"
        );

        // Gap list of Kewar: eligible and uncovered, poorest first: A4 (desil 1, 65), A2 (desil 4,
        // lapsed). A1 and A3 are covered, A5 is PNS, A6 lives with her.
        let gap =
            coverage::gap(db, RegionCode::parse(A).unwrap(), "bpu_apbd_kab", october()).unwrap();
        let names: Vec<&str> = gap.iter().map(|g| g.person.name.as_str()).collect();
        assert_eq!(names, vec!["Agustinus Seran", "Maria Hoar"], "{l}");
        let (_, why) =
            coverage::explain(db, person_id(db, "A6"), "bpu_apbd_kab", october()).unwrap();
        assert_eq!(
            why.failed(),
            vec!["tidak ada ASN/TNI/Polri dalam KK / no civil servant in the household"],
            "{l}"
        );
        let (_, why) =
            coverage::explain(db, person_id(db, "C2"), "bpu_apbd_kab", october()).unwrap();
        assert_eq!(
            why.failed(),
            vec!["tidak ada perangkat desa dalam KK / no village official in the household"],
            "{l}"
        );

        // Budget to 100 % in Kewar: 4 − 2 active = 2 more, both on the gap list: 2 × 16,800 × 12.
        let b = coverage::budget(
            db,
            Some(RegionCode::parse(A).unwrap()),
            "bpu_apbd_kab",
            Target::Rate(100),
            october(),
        )
        .unwrap();
        assert_eq!((b.added, b.shortfall), (2, 0), "{l}");
        assert_eq!(b.yearly, Rupiah(403_200));
        assert_eq!(b.monthly, Rupiah(33_600));
        assert_eq!(
            b.coverage_after,
            Rate {
                numerator: 4,
                denominator: 4
            }
        );
        // Quota of 100 per village for village-funded cover: 100 needed, 2 on the list, 98 short.
        let q = coverage::budget(
            db,
            Some(RegionCode::parse(A).unwrap()),
            "bpu_apbdes",
            Target::Quota,
            october(),
        )
        .unwrap();
        assert_eq!(
            (q.added, q.shortfall, q.yearly),
            (2, 98, Rupiah(403_200)),
            "{l}"
        );
        // What Rp 201,600 buys across the regency: one worker, in the least covered village that has one.
        let one = coverage::budget(
            db,
            None,
            "bpu_apbd_kab",
            Target::Budget(Rupiah(403_199)),
            october(),
        )
        .unwrap();
        assert_eq!((one.added, one.yearly), (1, Rupiah(201_600)), "{l}");
        // Current yearly spend by sponsor: 2 APBD-kab members (A1, A3) at 201,600; C1 at 0.54 % of UMP.
        let kab = one
            .current_by_sponsor
            .iter()
            .find(|s| s.0 == "apbd_kabupaten")
            .unwrap();
        assert_eq!((kab.1, kab.2), (2, Rupiah(403_200)), "{l}");
        let desa = one
            .current_by_sponsor
            .iter()
            .find(|s| s.0 == "apbdes")
            .unwrap();
        assert_eq!((desa.1, desa.2), (1, Rupiah(13_262 * 12)), "{l}");

        // Rules are validated before they are saved: a typo changes nothing.
        let err = coverage::set_rule(
            db,
            &job("admin"),
            "bpu_apbd_kab",
            &[Clause::new("desil", "desl <= 4")],
        )
        .unwrap_err();
        assert!(err.to_string().contains("unknown variable 'desl'"), "{err}");
        assert!(
            coverage::programme(db, "bpu_apbd_kab")
                .unwrap()
                .default_rule
        );
        coverage::set_rule(
            db,
            &job("admin"),
            "bpu_apbd_kab",
            &[
                Clause::new("desil ≤ 1", "desil != null && desil <= 1"),
                Clause::new("belum terlindungi", "!covered"),
            ],
        )
        .unwrap();
        let gap =
            coverage::gap(db, RegionCode::parse(A).unwrap(), "bpu_apbd_kab", october()).unwrap();
        let names: Vec<&str> = gap.iter().map(|g| g.person.name.as_str()).collect();
        assert_eq!(
            names,
            vec!["Agustinus Seran", "Fransiska Luruk", "Dominikus Luruk"],
            "{l}"
        );
    }
}

/// The regency's system principal acting as `name` (a job, a test's reviewer).
fn job(name: &str) -> jaring_app::accounts::Principal {
    jaring_app::accounts::Principal::job(jaring_domain::RegionCode::parse("53.04").unwrap(), name)
}
