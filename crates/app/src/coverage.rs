//! Coverage (UCJ) per village, kecamatan and regency; monthly snapshots; gap lists of eligible uncovered
//! workers; and the budget to reach a target rate, a quota, or what a given budget buys.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use jaring_domain::programme::{members_affordable, members_to_target, yearly_cost, Premium, Rate};
use jaring_domain::{RegionCode, Rupiah};
use jaring_rules::{default_rentan_rule, Clause, Decision, Facts, Rule};
use jaring_store::coverage::{self as store, PersonFacts, ProgrammeRow, SnapshotRow};
use jaring_store::{Database, Value};

use crate::accounts::Principal;
use crate::AppError;
use jaring_domain::access::Action;
use jaring_store::audit::{self, AuditEntry};

/// One region's coverage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoverageRow {
    /// Region code.
    pub code: String,
    /// Region name.
    pub name: String,
    /// `kabupaten`, `kecamatan` or `desa` (also `provinsi`).
    pub level: String,
    /// Active members over the denominator.
    pub rate: Rate,
    /// Where the denominator comes from: `registry` or an official source.
    pub source: String,
}

/// Coverage of a region and everything under it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoverageReport {
    /// First day of the month.
    pub month: NaiveDate,
    /// Read from a stored snapshot (true) or computed now.
    pub from_snapshot: bool,
    /// The region first, then its kecamatan and villages in code order.
    pub rows: Vec<CoverageRow>,
}

/// `YYYY-MM` of a date.
pub fn month_key(month: NaiveDate) -> String {
    format!("{:04}-{:02}", month.year(), month.month())
}

/// Reads `YYYY-MM` (or a full date) as the first day of that month.
pub fn parse_month(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    NaiveDate::parse_from_str(&format!("{s}-01"), "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(s, "%Y-%m-%d"))
        .ok()
        .and_then(|d| NaiveDate::from_ymd_opt(d.year(), d.month(), 1))
}

fn regions_under(db: &Database, prefix: &str) -> Result<Vec<(String, String, String)>, AppError> {
    Ok(db
        .conn()?
        .query(
            "SELECT code, name, level FROM regions WHERE code = $1 OR code LIKE $2 ORDER BY code",
            &[Value::from(prefix), Value::Text(format!("{prefix}.%"))],
        )?
        .iter()
        .map(|r| Ok((r.text(0)?, r.text(1)?, r.text(2)?)))
        .collect::<Result<_, jaring_store::StoreError>>()?)
}

fn grace(db: &Database) -> Result<u32, AppError> {
    crate::review::grace_months(&mut db.conn()?)
}

fn region_or_regency(db: &Database, region: Option<RegionCode>) -> Result<RegionCode, AppError> {
    match region {
        Some(r) => Ok(r),
        None => crate::overview::regency(db),
    }
}

/// Counts every village's numerator and denominator, the two scans in parallel on two connections (the
/// roll-up's cost is those scans; on two cores this halves it).
fn village_counts(
    db: &Database,
    prefix: &str,
    month: NaiveDate,
) -> Result<Vec<store::VillageCount>, AppError> {
    let g = grace(db)?;
    let villages = store::villages_under(&mut db.conn()?, prefix)?;
    let (numerators, denominators) = std::thread::scope(|s| {
        let num = s.spawn(|| -> Result<_, AppError> {
            Ok(store::village_numerators(
                &mut db.conn()?,
                prefix,
                month,
                g,
            )?)
        });
        let den = store::village_denominators(&mut db.conn()?, prefix, month);
        let num = num
            .join()
            .map_err(|_| AppError::Input("coverage worker panicked".into()))?;
        Ok::<_, AppError>((num?, den?))
    })?;
    Ok(store::combine(villages, &numerators, &denominators))
}

/// Computes coverage now (a village's numerator and denominator from the registry, summed upwards; an
/// official denominator for the month's year replaces the computed one for its own region).
fn compute(
    db: &Database,
    region: RegionCode,
    month: NaiveDate,
) -> Result<Vec<CoverageRow>, AppError> {
    let prefix = region.to_string();
    let villages = village_counts(db, &prefix, month)?;
    let official = store::official_denominators(&mut db.conn()?, month.year())?;
    // Each village's counts are added to the village itself and every ancestor up to `region`.
    let mut sums: HashMap<String, (i64, i64)> = HashMap::new();
    for v in &villages {
        let mut code = v.code.as_str();
        loop {
            let e = sums.entry(code.to_string()).or_default();
            e.0 += v.numerator;
            e.1 += v.denominator;
            if code.len() <= prefix.len() {
                break;
            }
            match code.rsplit_once('.') {
                Some((parent, _)) => code = parent,
                None => break,
            }
        }
    }
    let mut rows = Vec::new();
    for (code, name, level) in regions_under(db, &prefix)? {
        let (numerator, mut denominator) = sums.get(&code).copied().unwrap_or_default();
        let mut source = "registry".to_string();
        if let Some((value, src)) = official.get(&code) {
            denominator = *value;
            source = src.clone();
        }
        rows.push(CoverageRow {
            code,
            name,
            level,
            rate: Rate {
                numerator,
                denominator,
            },
            source,
        });
    }
    Ok(rows)
}

/// Coverage of `region` (default: the regency) in the month containing `month`: from the month's
/// snapshot when one was taken and `prefer_snapshot` is set, else computed now.
pub fn coverage(
    db: &Database,
    region: Option<RegionCode>,
    month: NaiveDate,
    prefer_snapshot: bool,
) -> Result<CoverageReport, AppError> {
    let region = region_or_regency(db, region)?;
    let month = parse_month(&month_key(month)).unwrap_or(month);
    if prefer_snapshot {
        let stored = store::snapshot(&mut db.conn()?, &month_key(month), &region.to_string())?;
        if !stored.is_empty() {
            let names: HashMap<String, (String, String)> = regions_under(db, &region.to_string())?
                .into_iter()
                .map(|(c, n, l)| (c, (n, l)))
                .collect();
            let rows = stored
                .into_iter()
                .filter(|s| names.contains_key(&s.region_code))
                .map(|s| {
                    let (name, level) = names.get(&s.region_code).cloned().unwrap_or_default();
                    CoverageRow {
                        code: s.region_code,
                        name,
                        level,
                        rate: Rate {
                            numerator: s.numerator,
                            denominator: s.denominator,
                        },
                        source: s.denominator_source,
                    }
                })
                .collect();
            return Ok(CoverageReport {
                month,
                from_snapshot: true,
                rows,
            });
        }
    }
    Ok(CoverageReport {
        month,
        from_snapshot: false,
        rows: compute(db, region, month)?,
    })
}

/// The regency's coverage for a month, computed from the registry, as snapshot rows.
fn snapshot_rows(db: &Database, month: NaiveDate) -> Result<(String, Vec<SnapshotRow>), AppError> {
    let regency = crate::overview::regency(db)?;
    let month = parse_month(&month_key(month)).unwrap_or(month);
    let key = month_key(month);
    let rows = compute(db, regency, month)?
        .iter()
        .map(|r| SnapshotRow {
            month: key.clone(),
            region_code: r.code.clone(),
            numerator: r.rate.numerator,
            denominator: r.rate.denominator,
            denominator_source: r.source.clone(),
        })
        .collect();
    Ok((key, rows))
}

/// Computes and stores the regency's coverage for a month as `who` (replacing an earlier snapshot of
/// it); the regency's figure is recorded in the audit log, since reports are read from snapshots.
pub fn take_snapshot(db: &Database, who: &Principal, month: NaiveDate) -> Result<usize, AppError> {
    who.require_any(Action::Synchronise)?;
    let regency = crate::overview::regency(db)?.to_string();
    let (key, snapshot) = snapshot_rows(db, month)?;
    let top = snapshot.iter().find(|r| r.region_code == regency);
    let entry = AuditEntry {
        actor: who.username.clone(),
        action: "coverage.snapshot".into(),
        entity: "coverage".into(),
        after: Some(
            serde_json::json!({
                "month": key,
                "regions": snapshot.len(),
                "numerator": top.map(|r| r.numerator),
                "denominator": top.map(|r| r.denominator),
            })
            .to_string(),
        ),
        reason: Some(format!("snapshot UCJ {key}")),
        ..Default::default()
    };
    db.transaction(|tx| -> Result<(), AppError> {
        audit::lock(tx)?;
        store::save_snapshot(tx, &key, &snapshot)?;
        audit::append(tx, &[entry])?;
        Ok(())
    })?;
    Ok(snapshot.len())
}

/// Recomputes the current month's snapshot after a change, so dashboards read it instead of
/// recomputing it on every visit. It is a cache of figures derived from audited data, refreshed many
/// times a day, so it is not itself an audit entry; a month is recorded by [`take_snapshot`].
pub fn refresh_current_snapshot(db: &Database) -> Result<usize, AppError> {
    let (key, snapshot) = snapshot_rows(db, jaring_domain::today())?;
    db.transaction(|tx| store::save_snapshot(tx, &key, &snapshot))?;
    Ok(snapshot.len())
}

/// Records an official denominator (BPS Sakernas, a regent's decree) for a region and year as `who`,
/// with the value it replaces in the audit log: the UCJ rate of every report hangs on it.
pub fn set_official_denominator(
    db: &Database,
    who: &Principal,
    region: RegionCode,
    year: i32,
    value: i64,
    source: &str,
) -> Result<(), AppError> {
    who.require(Action::ManageProgrammes, region)?;
    let source = source.trim();
    if value <= 0 || source.is_empty() {
        return Err(AppError::Input(
            "penyebut resmi harus positif dan bersumber / an official denominator must be positive \
             and name its source"
                .into(),
        ));
    }
    db.transaction(|tx| -> Result<(), AppError> {
        audit::lock(tx)?;
        let code = region.to_string();
        let before = store::official_denominators(tx, year)?
            .get(&code)
            .map(|(v, src)| serde_json::json!({"value": v, "source": src}).to_string());
        store::set_official_denominator(tx, &code, year, value, source)?;
        audit::append(
            tx,
            &[AuditEntry {
                actor: who.username.clone(),
                action: "coverage.denominator".into(),
                entity: "coverage_denominator".into(),
                village_code: Some(code.clone()),
                before,
                after: Some(serde_json::json!({"value": value, "source": source}).to_string()),
                reason: Some(format!(
                    "penyebut resmi / official denominator {code} {year}"
                )),
                ..Default::default()
            }],
        )?;
        Ok(())
    })
}

/// A region's stored monthly rates, oldest first.
pub fn trend(db: &Database, region: RegionCode) -> Result<Vec<(String, Rate)>, AppError> {
    Ok(store::trend(&mut db.conn()?, &region.to_string())?
        .into_iter()
        .map(|s| {
            (
                s.month,
                Rate {
                    numerator: s.numerator,
                    denominator: s.denominator,
                },
            )
        })
        .collect())
}

/// A programme with its premium and validated rule.
#[derive(Debug)]
pub struct Programme {
    /// As stored.
    pub row: ProgrammeRow,
    /// Monthly premium per member.
    pub premium: Premium,
    /// Its eligibility rule (the default vulnerable-worker rule when none is stored).
    pub rule: Rule,
    /// Whether `rule` is the built-in default.
    pub default_rule: bool,
}

fn premium_of(row: &ProgrammeRow) -> Premium {
    match (row.premium_basis_points, row.premium_wage) {
        (Some(bp), Some(wage)) => Premium::WageShare {
            basis_points: bp,
            wage: Rupiah(wage),
        },
        _ => Premium::Flat {
            monthly: Rupiah(row.monthly_premium),
        },
    }
}

/// Loads a programme and compiles its rule.
pub fn programme(db: &Database, code: &str) -> Result<Programme, AppError> {
    let row = store::programme(&mut db.conn()?, code)?.ok_or_else(|| {
        AppError::Input(format!(
            "program '{code}' tidak ada / no programme '{code}' (jaring programme list)"
        ))
    })?;
    let (clauses, default_rule) = match &row.rule {
        Some(json) => (
            serde_json::from_str::<Vec<Clause>>(json).map_err(|e| {
                AppError::Input(format!("programme {code}: stored rule unreadable: {e}"))
            })?,
            false,
        ),
        None => (default_rentan_rule(), true),
    };
    let rule = Rule::new(&clauses).map_err(|e| AppError::Input(e.to_string()))?;
    Ok(Programme {
        premium: premium_of(&row),
        row,
        rule,
        default_rule,
    })
}

/// Every programme.
pub fn programmes(db: &Database) -> Result<Vec<ProgrammeRow>, AppError> {
    Ok(store::programmes(&mut db.conn()?)?)
}

/// Validates and stores a programme's rule (a typo is an error, nothing is saved) and audits it.
pub fn set_rule(
    db: &Database,
    who: &Principal,
    code: &str,
    clauses: &[Clause],
) -> Result<(), AppError> {
    who.require_any(Action::ManageProgrammes)?;
    let actor = who.username.as_str();
    Rule::new(clauses).map_err(|e| AppError::Input(e.to_string()))?;
    let mut row = programme(db, code)?.row;
    let before = row.rule.clone();
    row.rule = Some(serde_json::to_string(clauses).map_err(|e| AppError::Input(e.to_string()))?);
    db.transaction(|tx| -> Result<(), AppError> {
        audit::lock(tx)?;
        store::update_programme(tx, &row)?;
        audit::append(
            tx,
            &[AuditEntry {
                actor: actor.into(),
                action: "programme.rule".into(),
                entity: "programme".into(),
                before,
                after: row.rule.clone(),
                reason: Some(format!("eligibility rule of {code}")),
                ..Default::default()
            }],
        )?;
        Ok(())
    })
}

fn age_on(birth: Option<NaiveDate>, on: NaiveDate) -> Option<i64> {
    let b = birth?;
    let mut age = i64::from(on.year() - b.year());
    if (on.month(), on.day()) < (b.month(), b.day()) {
        age -= 1;
    }
    Some(age)
}

/// The rule's view of a person in a month.
pub fn facts(p: &PersonFacts, month: NaiveDate) -> Facts {
    let end = parse_month(&month_key(month))
        .and_then(|m| m.checked_add_months(chrono::Months::new(1)))
        .and_then(|d| d.pred_opt())
        .unwrap_or(month);
    let district = p
        .village_code
        .rsplit_once('.')
        .map(|(d, _)| d.to_string())
        .unwrap_or_default();
    Facts {
        age: age_on(p.birth_date, end),
        alive: p.life_status == "alive",
        resident: p.life_status == "alive",
        sex: p.sex.clone(),
        desil: p.desil,
        worker_category: p.worker_category.clone(),
        civil_servant: matches!(
            p.civil_servant_status.as_str(),
            "pns" | "pppk" | "tni" | "polri"
        ),
        household_civil_servant: p.household_civil_servant,
        household_official: p.household_official,
        covered: p.covered,
        village: p.village_code.clone(),
        district,
    }
}

/// One eligible, uncovered worker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GapEntry {
    /// The person.
    pub person: PersonFacts,
    /// Age at the end of the month.
    pub age: Option<i64>,
}

/// Every person under `region` the programme's rule admits in the month, poorest first (lowest DTSEN
/// decile, then oldest, then registry order). With the default rule that means eligible and not yet
/// covered: the gap list.
pub fn gap(
    db: &Database,
    region: RegionCode,
    programme_code: &str,
    month: NaiveDate,
) -> Result<Vec<GapEntry>, AppError> {
    let programme = programme(db, programme_code)?;
    let people = store::person_facts(&mut db.conn()?, &region.to_string(), month, grace(db)?)?;
    let mut out: Vec<GapEntry> = people
        .into_iter()
        .filter_map(|p| {
            let f = facts(&p, month);
            programme.rule.evaluate(&f).eligible.then_some(GapEntry {
                age: f.age,
                person: p,
            })
        })
        .collect();
    out.sort_by_key(|g| {
        (
            g.person.desil.unwrap_or(99),
            -g.age.unwrap_or(0),
            g.person.id,
        )
    });
    Ok(out)
}

/// A programme's verdict on one person, clause by clause.
pub fn explain(
    db: &Database,
    person_id: i64,
    programme_code: &str,
    month: NaiveDate,
) -> Result<(PersonFacts, Decision), AppError> {
    let programme = programme(db, programme_code)?;
    let village: String = db
        .conn()?
        .query_opt(
            "SELECT village_code FROM persons WHERE id = $1",
            &[Value::Int(person_id)],
        )?
        .ok_or(jaring_store::StoreError::NotFound {
            entity: "person",
            id: person_id,
        })?
        .text(0)?;
    let p = store::person_facts(&mut db.conn()?, &village, month, grace(db)?)?
        .into_iter()
        .find(|p| p.id == person_id)
        .ok_or(jaring_store::StoreError::NotFound {
            entity: "person",
            id: person_id,
        })?;
    let decision = programme.rule.evaluate(&facts(&p, month));
    Ok((p, decision))
}

/// What a budget projection aims at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// Every village at this coverage rate (percent).
    Rate(i64),
    /// The programme's quota of members per village.
    Quota,
    /// What this yearly budget buys, poorest-covered villages first.
    Budget(Rupiah),
}

/// One village's line of a projection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BudgetLine {
    /// Village code.
    pub village: String,
    /// Village name.
    pub name: String,
    /// Coverage now (all programmes).
    pub coverage: Rate,
    /// Members of this programme now.
    pub programme_members: i64,
    /// Eligible workers not yet covered (the gap list's length).
    pub eligible: i64,
    /// Members to add to reach the target.
    pub needed: i64,
    /// Of those, how many the gap list can supply (the rest is a shortfall of eligible people).
    pub added: i64,
    /// Monthly cost of the added members.
    pub monthly: Rupiah,
    /// Yearly cost of the added members.
    pub yearly: Rupiah,
}

/// A budget projection for one programme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BudgetReport {
    /// Programme code.
    pub programme: String,
    /// Who pays.
    pub sponsor: String,
    /// Premium per member per month.
    pub monthly_premium: Rupiah,
    /// Per village.
    pub lines: Vec<BudgetLine>,
    /// Members added in total.
    pub added: i64,
    /// Members needed but not available on the gap lists.
    pub shortfall: i64,
    /// Monthly cost of the added members.
    pub monthly: Rupiah,
    /// Yearly cost of the added members.
    pub yearly: Rupiah,
    /// What every sponsor pays now per year for its active members, by sponsor code.
    pub current_by_sponsor: Vec<(String, i64, Rupiah)>,
    /// The regency's coverage after the additions.
    pub coverage_after: Rate,
}

/// Projects the cost of adding members of `programme_code` under `region` to reach `target`.
pub fn budget(
    db: &Database,
    region: Option<RegionCode>,
    programme_code: &str,
    target: Target,
    month: NaiveDate,
) -> Result<BudgetReport, AppError> {
    let region = region_or_regency(db, region)?;
    let programme = programme(db, programme_code)?;
    let monthly_premium = programme.premium.monthly();
    let prefix = region.to_string();
    let g = grace(db)?;
    let villages = village_counts(db, &prefix, month)?;
    let names: HashMap<String, String> = regions_under(db, &prefix)?
        .into_iter()
        .map(|(c, n, _)| (c, n))
        .collect();
    let members = store::programme_members(&mut db.conn()?, programme_code, &prefix, month, g)?;
    let mut eligible: HashMap<String, i64> = HashMap::new();
    for e in gap(db, region, programme_code, month)? {
        *eligible.entry(e.person.village_code).or_default() += 1;
    }
    let mut lines: Vec<BudgetLine> = villages
        .iter()
        .map(|v| {
            let programme_members = members.get(&v.code).copied().unwrap_or(0);
            let eligible = eligible.get(&v.code).copied().unwrap_or(0);
            let needed = match target {
                Target::Rate(pct) => members_to_target(pct, v.denominator, v.numerator),
                Target::Quota => {
                    (programme.row.quota_per_village.unwrap_or(0) - programme_members).max(0)
                }
                Target::Budget(_) => eligible,
            };
            BudgetLine {
                village: v.code.clone(),
                name: names.get(&v.code).cloned().unwrap_or_default(),
                coverage: Rate {
                    numerator: v.numerator,
                    denominator: v.denominator,
                },
                programme_members,
                eligible,
                needed,
                added: needed.min(eligible),
                monthly: Rupiah(0),
                yearly: Rupiah(0),
            }
        })
        .collect();
    if let Target::Budget(yearly_budget) = target {
        // The budget goes first to the villages with the lowest coverage, each up to its gap list.
        let mut left = members_affordable(yearly_budget, monthly_premium);
        let mut order: Vec<usize> = (0..lines.len()).collect();
        order.sort_by_key(|&i| {
            (
                lines[i].coverage.basis_points().unwrap_or(0),
                lines[i].village.clone(),
            )
        });
        for i in order {
            let take = lines[i].eligible.min(left);
            lines[i].needed = take;
            lines[i].added = take;
            left -= take;
        }
    }
    for l in &mut lines {
        l.monthly = monthly_premium * l.added;
        l.yearly = yearly_cost(l.added, monthly_premium);
    }
    let added: i64 = lines.iter().map(|l| l.added).sum();
    let shortfall = lines.iter().map(|l| l.needed - l.added).sum();
    let coverage_after = Rate {
        numerator: villages.iter().map(|v| v.numerator).sum::<i64>() + added,
        denominator: villages.iter().map(|v| v.denominator).sum(),
    };
    let mut current: HashMap<String, (i64, Rupiah)> = HashMap::new();
    for p in store::programmes(&mut db.conn()?)? {
        let n: i64 = store::programme_members(&mut db.conn()?, &p.code, &prefix, month, g)?
            .values()
            .sum();
        let e = current.entry(p.sponsor.clone()).or_default();
        e.0 += n;
        e.1 = e.1 + yearly_cost(n, premium_of(&p).monthly());
    }
    let mut current_by_sponsor: Vec<(String, i64, Rupiah)> =
        current.into_iter().map(|(s, (n, r))| (s, n, r)).collect();
    current_by_sponsor.sort();
    Ok(BudgetReport {
        programme: programme.row.code.clone(),
        sponsor: programme.row.sponsor.clone(),
        monthly_premium,
        monthly: lines.iter().map(|l| l.monthly).sum(),
        yearly: lines.iter().map(|l| l.yearly).sum(),
        lines,
        added,
        shortfall,
        current_by_sponsor,
        coverage_after,
    })
}
