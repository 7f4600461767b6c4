//! Which villages keep their data current: for the kecamatan and the regency, one row per village
//! with its last change, what waits and how long, residents without NIK or birth date, deaths the
//! civil registry knows that the village has not reported, suspected duplicates, and the pending
//! count at the end of each of the last months. Sortable and exportable; this is what the regency
//! asks of its villages.

use chrono::{Datelike, NaiveDate, Utc};
use jaring_domain::access::Action;

use crate::accounts::Principal;
use crate::export::Sheet;
use crate::AppError;

/// Months of pending counts in a row's trend.
pub const TREND_MONTHS: usize = 6;

/// One village.
#[derive(Debug, Clone, PartialEq)]
pub struct VillageUpkeep {
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Living residents.
    pub alive: i64,
    /// Living residents without NIK.
    pub without_nik: i64,
    /// Living residents without birth date.
    pub without_birth_date: i64,
    /// Day of the last recorded change, if any.
    pub last_change: Option<NaiveDate>,
    /// Pending proposals.
    pub pending: i64,
    /// Age in days of the oldest pending proposal.
    pub oldest_pending_days: Option<i64>,
    /// Living residents a civil-registry death list names.
    pub registry_deaths_unreported: i64,
    /// Pending merges of suspected duplicates.
    pub duplicates_suspected: i64,
    /// Pending proposals at the end of each of the last [`TREND_MONTHS`] months, oldest first.
    pub trend: Vec<i64>,
}

/// A column to sort by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortBy {
    /// Village code (the default).
    Code,
    /// Most pending first.
    Pending,
    /// Oldest pending first.
    Oldest,
    /// Most residents without NIK first.
    WithoutNik,
    /// Most residents without birth date first.
    WithoutBirthDate,
    /// Most unreported civil-registry deaths first.
    RegistryDeaths,
    /// Longest without a change first.
    LastChange,
}

impl SortBy {
    /// From a query parameter; unknown keys sort by code.
    pub fn parse(s: &str) -> SortBy {
        match s {
            "menunggu" => SortBy::Pending,
            "umur" => SortBy::Oldest,
            "tanpa-nik" => SortBy::WithoutNik,
            "tanpa-lahir" => SortBy::WithoutBirthDate,
            "kematian" => SortBy::RegistryDeaths,
            "terakhir" => SortBy::LastChange,
            _ => SortBy::Code,
        }
    }
}

/// The last day of each of the `n` months before `today`'s, oldest first, as the instant it ends.
fn month_ends(today: NaiveDate, n: usize) -> Vec<chrono::DateTime<Utc>> {
    let first = NaiveDate::from_ymd_opt(today.year(), today.month(), 1).unwrap_or(today);
    (1..=n)
        .rev()
        .filter_map(|back| first.checked_sub_months(chrono::Months::new(back as u32 - 1)))
        .filter_map(|next_first| next_first.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
        .collect()
}

/// The villages of `who`'s region, sorted.
pub fn villages(
    db: &jaring_store::Database,
    who: &Principal,
    today: NaiveDate,
    sort: SortBy,
) -> Result<Vec<VillageUpkeep>, AppError> {
    who.require_any(Action::ViewCoverage)?;
    let prefix = who.grant.scope.to_string();
    let mut conn = db.conn()?;
    let rows = jaring_store::upkeep::villages(&mut conn, &prefix)?;
    let ends = month_ends(today, TREND_MONTHS);
    let since = ends.first().copied().unwrap_or_else(Utc::now);
    let spans = jaring_store::upkeep::pending_spans(&mut conn, &prefix, since)?;
    let now = Utc::now();
    let mut out: Vec<VillageUpkeep> = rows
        .into_iter()
        .map(|r| {
            let trend = ends
                .iter()
                .map(|end| {
                    spans
                        .iter()
                        .filter(|s| {
                            s.village == r.code
                                && s.made < *end
                                && s.decided.is_none_or(|d| d >= *end)
                        })
                        .count() as i64
                })
                .collect();
            VillageUpkeep {
                last_change: r
                    .last_change
                    .as_deref()
                    .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                    .map(|t| t.date_naive()),
                oldest_pending_days: r.oldest_pending.map(|t| (now - t).num_days()),
                code: r.code,
                name: r.name,
                alive: r.alive,
                without_nik: r.without_nik,
                without_birth_date: r.without_birth_date,
                pending: r.pending,
                registry_deaths_unreported: r.registry_deaths_unreported,
                duplicates_suspected: r.duplicates_suspected,
                trend,
            }
        })
        .collect();
    match sort {
        SortBy::Code => {}
        SortBy::Pending => out.sort_by_key(|v| std::cmp::Reverse(v.pending)),
        SortBy::Oldest => out.sort_by_key(|v| std::cmp::Reverse(v.oldest_pending_days)),
        SortBy::WithoutNik => out.sort_by_key(|v| std::cmp::Reverse(v.without_nik)),
        SortBy::WithoutBirthDate => out.sort_by_key(|v| std::cmp::Reverse(v.without_birth_date)),
        SortBy::RegistryDeaths => {
            out.sort_by_key(|v| std::cmp::Reverse(v.registry_deaths_unreported))
        }
        SortBy::LastChange => out.sort_by_key(|v| v.last_change),
    }
    Ok(out)
}

/// The table as a sheet, for CSV or XLSX.
pub fn sheet(rows: &[VillageUpkeep]) -> Sheet {
    let mut headings: Vec<String> = [
        "KODE DESA",
        "DESA",
        "PENDUDUK HIDUP",
        "TANPA NIK",
        "TANPA TANGGAL LAHIR",
        "PERUBAHAN TERAKHIR",
        "USULAN MENUNGGU",
        "UMUR TERTUA (HARI)",
        "KEMATIAN DUKCAPIL BELUM DILAPORKAN",
        "DUGAAN DATA GANDA",
    ]
    .iter()
    .map(|h| h.to_string())
    .collect();
    headings.extend(
        (1..=TREND_MONTHS)
            .rev()
            .map(|m| format!("MENUNGGU {m} BLN LALU")),
    );
    Sheet {
        name: "Pemutakhiran desa".into(),
        headings,
        rows: rows
            .iter()
            .map(|v| {
                let mut row = vec![
                    v.code.clone(),
                    v.name.clone(),
                    v.alive.to_string(),
                    v.without_nik.to_string(),
                    v.without_birth_date.to_string(),
                    v.last_change.map(|d| d.to_string()).unwrap_or_default(),
                    v.pending.to_string(),
                    v.oldest_pending_days
                        .map(|d| d.to_string())
                        .unwrap_or_default(),
                    v.registry_deaths_unreported.to_string(),
                    v.duplicates_suspected.to_string(),
                ];
                row.extend(v.trend.iter().map(|n| n.to_string()));
                row
            })
            .collect(),
        numeric: &[2, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
    }
}
