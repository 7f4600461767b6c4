//! Preparing a database with a synthetic regency, for the demo and for tests.

use std::time::{Duration, Instant};

use jaring_store::{regions::seed_regions, registry::bulk_load, settings, Database};
use jaring_synth::{generate, Config};

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
}

/// Generates a regency and loads it into `db`, which must hold no registry data yet.
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
    let mut conn = db.conn()?;
    settings::set(&mut conn, SETTING_REGENCY, &config.region.to_string())?;
    settings::set(
        &mut conn,
        SETTING_DEMO,
        &format!("seed={} persons={}", config.seed, config.persons),
    )?;
    Ok(DemoSummary {
        persons: generated.population.persons.len(),
        households: generated.population.households.len(),
        regions,
        generate: generate_time,
        load: started.elapsed(),
    })
}
