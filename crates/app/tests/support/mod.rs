//! Steps and fixtures several integration suites share (each suite uses some of them).
#![allow(dead_code)]

use jaring_store::review::ProposalFilter;

/// Approves every pending death, as a village would after checking them.
pub fn approve_deaths(db: &jaring_store::Database, as_of: chrono::NaiveDate) {
    let ctx = jaring_app::review::Context::load(&mut db.conn().unwrap(), as_of).unwrap();
    jaring_app::review::approve_all(
        db,
        &jaring_app::accounts::Principal::job(
            jaring_domain::RegionCode::parse("53.04").unwrap(),
            "uji",
        ),
        &ProposalFilter {
            kinds: vec!["mark_deceased".into()],
            status: Some("pending".into()),
            ..Default::default()
        },
        &ctx,
    )
    .unwrap();
}

/// The registry template's header, as a village fills it in.
pub const REGISTRY_HEADER: &str = "NIK,No KK,Nama,Jenis Kelamin,Tempat Lahir,Tanggal Lahir,Alamat,Kode Desa,Hubungan dalam Keluarga,Status Perkawinan,Pekerjaan,Status Hidup,Tanggal Meninggal\n";
/// Two villages of kecamatan Lamaknen, and two residents of the first.
pub const KEWAR: &str = "53.04.01.2001";
/// The second village.
pub const FULUR: &str = "53.04.01.2002";
/// Maria Luruk of Kewar.
pub const MARIA: &str = "5304015205900001";
/// Yohanes Mau of Kewar, head of her family card.
pub const YOHANES: &str = "5304011203850002";

/// The suites' "today".
pub fn today() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 12, 2).unwrap()
}

/// Decisions take effect today with the default grace months.
pub fn ctx() -> jaring_app::review::Context {
    jaring_app::review::Context {
        today: today(),
        grace_months: 3,
    }
}

/// A region code.
pub fn code(s: &str) -> jaring_domain::RegionCode {
    jaring_domain::RegionCode::parse(s).unwrap()
}
