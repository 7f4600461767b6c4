//! Steps several integration suites share.

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
