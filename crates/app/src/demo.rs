//! Preparing a database with a synthetic regency, for the demo and for tests.

use std::time::{Duration, Instant};

use jaring_domain::ListKind;
use jaring_store::{regions::seed_regions, registry::bulk_load, settings, Database};
use jaring_synth::{generate, Config};

use crate::import::{import_file, ImportRequest, NoProgress};

use crate::{AppError, SETTING_DEMO, SETTING_REGENCY};

/// What the demo preparation did and how long each step took.
#[derive(Debug, Clone)]
pub struct DemoSummary {
    /// Persons loaded.
    pub persons: usize,
    /// Households loaded.
    pub households: usize,
    /// Regions seeded.
    pub regions: usize,
    /// Time to generate the population.
    pub generate: Duration,
    /// Time to load it into the database.
    pub load: Duration,
    /// The external lists imported and synchronised: kind, staged records, auto, review, no match.
    pub lists: Vec<crate::sync::SyncSummary>,
    /// Time to import and synchronise the lists and make the proposals.
    pub sync: Duration,
    /// Proposals made from the lists.
    pub proposals: usize,
    /// Of which BPJS memberships approved and recorded.
    pub memberships: usize,
    /// Demo accounts made, one per role: (username, role, region code, region name).
    pub accounts: Vec<(String, jaring_domain::access::Role, String, String)>,
}

/// Password of every demo account. Demo mode lets them sign in with it; outside demo mode (the same
/// accounts in a database whose demo flag was removed) they must choose a new one first.
pub const DEMO_PASSWORD: &str = "belu-demo-2026";

/// Makes one account per role. The village operator gets the village with the most deaths waiting
/// for review, so the first thing a visitor can try is the flow jaring exists for.
fn seed_accounts(
    db: &Database,
    regency: jaring_domain::RegionCode,
) -> Result<Vec<(String, jaring_domain::access::Role, String, String)>, AppError> {
    use jaring_domain::access::Role;
    let village: String = {
        let mut conn = db.conn()?;
        let busiest = conn.query_opt(
            "SELECT village_code FROM proposals WHERE kind = 'mark_deceased' AND status = 'pending' \
             AND village_code IS NOT NULL GROUP BY village_code ORDER BY COUNT(*) DESC, village_code LIMIT 1",
            &[],
        )?;
        match busiest {
            Some(r) => r.text(0)?,
            None => conn
                .query_opt(
                    "SELECT code FROM regions WHERE level = 'desa' ORDER BY code LIMIT 1",
                    &[],
                )?
                .ok_or(AppError::NoRegency)?
                .text(0)?,
        }
    };
    let village =
        jaring_domain::RegionCode::parse(&village).map_err(|e| AppError::Input(e.to_string()))?;
    let district = village.parent().ok_or(AppError::NoRegency)?;
    let plan = [
        ("admin", "Admin Dinas Sosial", Role::AdminKabupaten, regency),
        (
            "kecamatan",
            "Operator Kecamatan",
            Role::OperatorKecamatan,
            district,
        ),
        ("desa", "Operator Desa", Role::OperatorDesa, village),
        ("bpjs", "Petugas BPJS Atambua", Role::PetugasBpjs, regency),
        ("auditor", "Inspektorat", Role::Auditor, regency),
    ];
    let mut out = Vec::new();
    let who = crate::accounts::Principal::job(regency, "demo");
    for (username, full_name, role, region) in plan {
        crate::accounts::add_user(
            db,
            &who,
            &crate::accounts::UserSpec {
                username: username.into(),
                full_name: full_name.into(),
                role,
                region,
                password: DEMO_PASSWORD.into(),
                // The demo's own accounts have published passwords; every account an admin creates
                // later, in a demo or not, must change its initial password.
                must_change_password: false,
            },
        )?;
        let name = db
            .conn()?
            .query_opt(
                "SELECT name FROM regions WHERE code = $1",
                &[region.to_string().into()],
            )?
            .map(|r| r.text(0))
            .transpose()?
            .unwrap_or_default();
        out.push((username.to_string(), role, region.to_string(), name));
    }
    Ok(out)
}

/// Generates a regency and loads it into `db`, which must hold no registry data yet; then imports the
/// regency's external lists through the real import path and synchronises them, so the demo shows what
/// jaring does with them.
pub fn prepare_demo(db: &Database, config: &Config) -> Result<DemoSummary, AppError> {
    let started = Instant::now();
    let generated = generate(config)?;
    let generate_time = started.elapsed();

    let started = Instant::now();
    let regions = seed_regions(db, config.region)?;
    bulk_load(
        db,
        &generated.population.households,
        &generated.population.persons,
    )?;
    {
        let mut conn = db.conn()?;
        settings::set(&mut conn, SETTING_REGENCY, &config.region.to_string())?;
        settings::set(
            &mut conn,
            SETTING_DEMO,
            &format!("seed={} persons={}", config.seed, config.persons),
        )?;
    }
    let load = started.elapsed();

    let started = Instant::now();
    let dir = tempfile::tempdir().map_err(|e| AppError::Io("temporary directory".into(), e))?;
    jaring_synth::write_dir(&generated, dir.path())?;
    let kinds = [
        (ListKind::Dtsen, "dtsen.csv"),
        (ListKind::Deaths, "deaths.csv"),
        (ListKind::Asn, "asn_pppk.csv"),
        (ListKind::Bpjs, "bpjs_membership.csv"),
    ];
    let who = crate::accounts::Principal::job(config.region, "demo");
    for (kind, file) in kinds {
        let request = ImportRequest {
            path: dir.path().join(file),
            file_name: Some(file.to_string()),
            kind,
            mapping: None,
            sheet: None,
            village: None,
            error_file: Some(dir.path().join(format!("{file}.kesalahan.csv"))),
            today: config.as_of,
        };
        import_file(db, &who, &request, &NoProgress)?;
    }
    let lists = crate::sync::sync(
        db,
        &who,
        &kinds.map(|(k, _)| k),
        &crate::sync::SyncPolicy::default(),
    )?;
    // Proposals from every list; BPJS memberships in the auto band are recorded straight away (routine
    // bookkeeping), while deaths, appointments and decile changes wait in the review queue to be seen.
    let ctx = crate::review::Context::load(&mut db.conn()?, config.as_of)?;
    let made = crate::review::generate_proposals(db, &who, &kinds.map(|(k, _)| k), &ctx)?;
    let proposals = made.iter().map(|(_, s)| s.total()).sum();
    let memberships = crate::review::approve_all(
        db,
        &who,
        &jaring_store::review::ProposalFilter {
            band: Some("auto".into()),
            kinds: vec!["membership".into()],
            ..Default::default()
        },
        &ctx,
    )?
    .applied;
    // The data's month is the first point of the trend; the current month (if later) is snapshotted too,
    // so the dashboard reads it instead of recomputing it on every visit.
    crate::coverage::take_snapshot(db, &who, config.as_of)?;
    let today = jaring_domain::today();
    if crate::coverage::month_key(today) != crate::coverage::month_key(config.as_of) {
        crate::coverage::take_snapshot(db, &who, today)?;
    }
    let accounts = seed_accounts(db, config.region)?;
    Ok(DemoSummary {
        accounts,
        proposals,
        memberships,
        persons: generated.population.persons.len(),
        households: generated.population.households.len(),
        regions,
        generate: generate_time,
        load,
        lists,
        sync: started.elapsed(),
    })
}
