//! Benefit amounts (santunan) by regulation, as a table a regency can replace when the rules change:
//! JKM per PP 82/2019 (Rp 20 jt lump sum + Rp 12 jt periodic + Rp 10 jt funeral = Rp 42 jt), the
//! scholarship per Permenaker 5/2021 (two children, by school level, after three years of
//! contributions for JKM), JKK death at 48 × the reported wage (at least the JKM lump sum) and
//! temporary incapacity at 100 % of the wage for 12 months, then 50 % (DOMAIN.md §2).

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::Rupiah;

coded_enum! {
    /// School level of a child, for the scholarship.
    SchoolLevel {
        /// Kindergarten.
        Tk = "tk", "TK";
        /// Primary school.
        Sd = "sd", "SD";
        /// Junior secondary.
        Smp = "smp", "SMP";
        /// Senior secondary.
        Sma = "sma", "SMA";
        /// Higher education (up to S1) or training.
        Kuliah = "kuliah", "Perguruan tinggi/pelatihan";
    }
}

coded_enum! {
    /// What happened, which decides the benefit.
    ClaimCase {
        /// Death not from a work accident (JKM).
        Death = "jkm_death", "Meninggal (JKM)";
        /// Death from a work accident (JKK).
        WorkDeath = "jkk_death", "Meninggal karena kecelakaan kerja (JKK)";
        /// Temporary incapacity to work after a work accident (JKK, STMB).
        TemporaryIncapacity = "jkk_stmb", "Tidak mampu bekerja sementara (JKK)";
    }
}

impl ClaimCase {
    /// The programme paying it: `jkm` or `jkk`.
    pub fn programme(self) -> &'static str {
        match self {
            ClaimCase::Death => "jkm",
            ClaimCase::WorkDeath | ClaimCase::TemporaryIncapacity => "jkk",
        }
    }

    /// Whether heirs receive it.
    pub fn has_heirs(self) -> bool {
        self != ClaimCase::TemporaryIncapacity
    }

    /// Documents BPJS asks for (DOMAIN.md §2.3–2.4): code and Indonesian label.
    pub fn documents(self) -> &'static [(&'static str, &'static str)] {
        match self {
            ClaimCase::Death | ClaimCase::WorkDeath => &[
                ("kartu_bpjs", "Kartu peserta BPJS Ketenagakerjaan"),
                ("ktp_peserta", "e-KTP peserta"),
                ("ktp_ahli_waris", "e-KTP ahli waris"),
                ("akta_kematian", "Akta kematian / surat keterangan kematian"),
                ("kk", "Kartu Keluarga"),
                ("surat_ahli_waris", "Surat keterangan ahli waris"),
            ],
            ClaimCase::TemporaryIncapacity => &[
                ("kartu_bpjs", "Kartu peserta BPJS Ketenagakerjaan"),
                ("ktp_peserta", "e-KTP peserta"),
                ("laporan_kecelakaan", "Laporan kecelakaan kerja tahap I"),
                ("surat_dokter", "Surat keterangan dokter"),
                ("kuitansi", "Kuitansi pengobatan dan transportasi"),
            ],
        }
    }
}

/// One level's scholarship.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scholarship {
    /// School level.
    pub level: SchoolLevel,
    /// Paid per year.
    pub yearly: Rupiah,
    /// For at most this many years.
    pub max_years: u32,
}

/// The amounts and conditions, replaceable as a whole (stored as JSON in the settings).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BenefitTable {
    /// Which regulation the figures come from.
    pub source: String,
    /// JKM lump sum (santunan sekaligus).
    pub jkm_lump_sum: Rupiah,
    /// JKM periodic allowance, 24 months paid at once (santunan berkala).
    pub jkm_periodic: Rupiah,
    /// Funeral cost (biaya pemakaman).
    pub funeral: Rupiah,
    /// Months of contributions before a JKM death gives the scholarship.
    pub scholarship_min_months: u32,
    /// Children who may receive it.
    pub scholarship_children: usize,
    /// Per school level.
    pub scholarship: Vec<Scholarship>,
    /// JKK death: this many times the monthly wage (at least the JKM lump sum).
    pub jkk_death_wage_multiple: i64,
    /// JKK periodic allowance.
    pub jkk_periodic: Rupiah,
    /// Temporary incapacity: months at 100 % of the wage before the share drops.
    pub stmb_full_months: u32,
    /// Share of the wage paid after that, in percent.
    pub stmb_later_percent: i64,
    /// A JKK claim must be made within this many years of the accident.
    pub jkk_claim_years: u32,
}

impl Default for BenefitTable {
    fn default() -> Self {
        let s = |level, yearly: i64, max_years| Scholarship {
            level,
            yearly: Rupiah(yearly),
            max_years,
        };
        BenefitTable {
            source: "PP 82/2019; Permenaker 5/2021".into(),
            jkm_lump_sum: Rupiah(20_000_000),
            jkm_periodic: Rupiah(12_000_000),
            funeral: Rupiah(10_000_000),
            scholarship_min_months: 36,
            scholarship_children: 2,
            scholarship: vec![
                s(SchoolLevel::Tk, 1_500_000, 2),
                s(SchoolLevel::Sd, 1_500_000, 6),
                s(SchoolLevel::Smp, 2_000_000, 3),
                s(SchoolLevel::Sma, 3_000_000, 3),
                s(SchoolLevel::Kuliah, 12_000_000, 5),
            ],
            jkk_death_wage_multiple: 48,
            jkk_periodic: Rupiah(12_000_000),
            stmb_full_months: 12,
            stmb_later_percent: 50,
            jkk_claim_years: 5,
        }
    }
}

/// One line of a computed benefit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BenefitLine {
    /// What (Bahasa Indonesia).
    pub label: String,
    /// How it was computed, in one line.
    pub basis: String,
    /// Amount.
    pub amount: Rupiah,
}

/// A computed benefit: its lines and their sum.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Benefit {
    /// The lines.
    pub lines: Vec<BenefitLine>,
}

impl Benefit {
    /// The sum of the lines.
    pub fn total(&self) -> Rupiah {
        Rupiah(self.lines.iter().map(|l| l.amount.0).sum())
    }
}

/// What the claim is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimFacts {
    /// The case.
    pub case: ClaimCase,
    /// Months of contributions paid before the event.
    pub contribution_months: u32,
    /// Reported monthly wage or income (JKK).
    pub wage: Option<Rupiah>,
    /// Days unable to work (temporary incapacity).
    pub days_off: Option<u32>,
    /// School levels of the children (in the order the heirs' letter lists them); `None` for a
    /// child not yet at school, who receives it on entering school.
    pub children: Vec<Option<SchoolLevel>>,
}

/// Why a benefit cannot be computed or paid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BenefitError {
    /// JKK needs the wage.
    #[error("upah/penghasilan yang dilaporkan wajib untuk klaim JKK / the reported wage is required for a JKK claim")]
    WageMissing,
    /// Temporary incapacity needs the days.
    #[error("jumlah hari tidak mampu bekerja wajib diisi / the number of days unable to work is required")]
    DaysMissing,
    /// The claim came too late.
    #[error("klaim JKK lewat batas {years} tahun sejak kecelakaan {event} (batas {deadline}) / JKK claim past the {years}-year window after the accident on {event} (deadline {deadline})")]
    OutsideWindow {
        /// Years allowed.
        years: u32,
        /// Accident date.
        event: NaiveDate,
        /// Last day to claim.
        deadline: NaiveDate,
    },
}

impl BenefitTable {
    fn scholarship_lines(&self, children: &[Option<SchoolLevel>], out: &mut Vec<BenefitLine>) {
        for (i, level) in children.iter().take(self.scholarship_children).enumerate() {
            let Some(level) = level else {
                out.push(BenefitLine {
                    label: format!("Beasiswa anak {} (belum sekolah)", i + 1),
                    basis: "dibayar saat mulai sekolah / paid on entering school".into(),
                    amount: Rupiah(0),
                });
                continue;
            };
            if let Some(s) = self.scholarship.iter().find(|s| s.level == *level) {
                out.push(BenefitLine {
                    label: format!(
                        "Beasiswa anak {} ({}), tahun pertama",
                        i + 1,
                        level.label_id()
                    ),
                    basis: format!("{} per tahun, paling lama {} tahun", s.yearly, s.max_years),
                    amount: s.yearly,
                });
            }
        }
    }

    /// The benefit of a claim, line by line. The scholarship is shown for its first year (it is
    /// claimed yearly while the child is at school).
    pub fn compute(&self, facts: &ClaimFacts) -> Result<Benefit, BenefitError> {
        let mut lines = Vec::new();
        match facts.case {
            ClaimCase::Death => {
                lines.push(BenefitLine {
                    label: "Santunan sekaligus".into(),
                    basis: self.source.clone(),
                    amount: self.jkm_lump_sum,
                });
                lines.push(BenefitLine {
                    label: "Santunan berkala (24 bulan, dibayar sekaligus)".into(),
                    basis: self.source.clone(),
                    amount: self.jkm_periodic,
                });
                lines.push(BenefitLine {
                    label: "Biaya pemakaman".into(),
                    basis: self.source.clone(),
                    amount: self.funeral,
                });
                if facts.contribution_months >= self.scholarship_min_months {
                    self.scholarship_lines(&facts.children, &mut lines);
                }
            }
            ClaimCase::WorkDeath => {
                let wage = facts.wage.ok_or(BenefitError::WageMissing)?;
                let by_wage = Rupiah(wage.0 * self.jkk_death_wage_multiple);
                let amount = if by_wage.0 >= self.jkm_lump_sum.0 {
                    by_wage
                } else {
                    self.jkm_lump_sum
                };
                lines.push(BenefitLine {
                    label: "Santunan kematian karena kecelakaan kerja".into(),
                    basis: format!(
                        "{} × upah {wage} = {by_wage}, paling sedikit {}",
                        self.jkk_death_wage_multiple, self.jkm_lump_sum
                    ),
                    amount,
                });
                lines.push(BenefitLine {
                    label: "Santunan berkala".into(),
                    basis: self.source.clone(),
                    amount: self.jkk_periodic,
                });
                lines.push(BenefitLine {
                    label: "Biaya pemakaman".into(),
                    basis: self.source.clone(),
                    amount: self.funeral,
                });
                self.scholarship_lines(&facts.children, &mut lines);
            }
            ClaimCase::TemporaryIncapacity => {
                let wage = facts.wage.ok_or(BenefitError::WageMissing)?;
                let days = i64::from(facts.days_off.ok_or(BenefitError::DaysMissing)?);
                // A month is counted as 30 days, so 12 months are 360 days at the full wage.
                let full_days = days.min(i64::from(self.stmb_full_months) * 30);
                let later_days = days - full_days;
                lines.push(BenefitLine {
                    label: format!("STMB {full_days} hari × 100 % upah"),
                    basis: format!("{wage} / 30 × {full_days}"),
                    amount: Rupiah(wage.0 * full_days / 30),
                });
                if later_days > 0 {
                    lines.push(BenefitLine {
                        label: format!(
                            "STMB {later_days} hari × {} % upah",
                            self.stmb_later_percent
                        ),
                        basis: format!(
                            "{wage} / 30 × {later_days} × {} %",
                            self.stmb_later_percent
                        ),
                        amount: Rupiah(wage.0 * later_days * self.stmb_later_percent / 3_000),
                    });
                }
            }
        }
        Ok(Benefit { lines })
    }

    /// The last day a JKK claim may be made for an accident on `event`.
    pub fn jkk_deadline(&self, event: NaiveDate) -> NaiveDate {
        let year = event.year() + self.jkk_claim_years as i32;
        NaiveDate::from_ymd_opt(year, event.month(), event.day())
            .or_else(|| NaiveDate::from_ymd_opt(year, event.month(), 28))
            .unwrap_or(event)
    }

    /// Whether a claim made on `claimed_on` is in time.
    pub fn check_window(
        &self,
        case: ClaimCase,
        event: NaiveDate,
        claimed_on: NaiveDate,
    ) -> Result<(), BenefitError> {
        if case.programme() != "jkk" {
            return Ok(());
        }
        let deadline = self.jkk_deadline(event);
        if claimed_on > deadline {
            return Err(BenefitError::OutsideWindow {
                years: self.jkk_claim_years,
                event,
                deadline,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(case: ClaimCase, months: u32, children: Vec<Option<SchoolLevel>>) -> ClaimFacts {
        ClaimFacts {
            case,
            contribution_months: months,
            wage: None,
            days_off: None,
            children,
        }
    }

    #[test]
    fn jkm_without_scholarship_is_42_million() {
        // Two years of contributions: no scholarship, whatever the children.
        let b = BenefitTable::default()
            .compute(&facts(
                ClaimCase::Death,
                24,
                vec![Some(SchoolLevel::Sd), Some(SchoolLevel::Smp)],
            ))
            .unwrap();
        assert_eq!(b.total(), Rupiah(42_000_000));
        assert_eq!(b.lines.len(), 3);
    }

    #[test]
    fn jkm_with_scholarship_counts_two_children_by_level() {
        // 20 + 12 + 10 jt, then SD 1.5 jt and SMA 3 jt for the first year; the third child none.
        let b = BenefitTable::default()
            .compute(&facts(
                ClaimCase::Death,
                40,
                vec![
                    Some(SchoolLevel::Sd),
                    Some(SchoolLevel::Sma),
                    Some(SchoolLevel::Tk),
                ],
            ))
            .unwrap();
        assert_eq!(b.total(), Rupiah(46_500_000));
        assert_eq!(b.lines.len(), 5);
        assert!(b.lines[4].label.contains("SMA"));
    }

    #[test]
    fn jkk_death_is_48_wages_at_least_the_lump_sum() {
        let t = BenefitTable::default();
        let mut f = facts(ClaimCase::WorkDeath, 5, vec![]);
        f.wage = Some(Rupiah(2_455_898));
        // 48 × 2.455.898 = 117.883.104; + periodic 12 jt + funeral 10 jt.
        assert_eq!(t.compute(&f).unwrap().total(), Rupiah(139_883_104));
        f.wage = Some(Rupiah(300_000));
        // 48 × 300.000 = 14.400.000 < 20 jt: the lump sum instead.
        assert_eq!(t.compute(&f).unwrap().total(), Rupiah(42_000_000));
        // JKK gives the scholarship without the three-year condition.
        f.children = vec![Some(SchoolLevel::Kuliah)];
        assert_eq!(t.compute(&f).unwrap().total(), Rupiah(54_000_000));
        f.wage = None;
        assert_eq!(t.compute(&f), Err(BenefitError::WageMissing));
    }

    #[test]
    fn temporary_incapacity_is_full_wage_then_half() {
        let mut f = facts(ClaimCase::TemporaryIncapacity, 12, vec![]);
        f.wage = Some(Rupiah(1_500_000));
        f.days_off = Some(400);
        // 360 days × 50.000 = 18.000.000; 40 days × 25.000 = 1.000.000.
        assert_eq!(
            BenefitTable::default().compute(&f).unwrap().total(),
            Rupiah(19_000_000)
        );
    }

    #[test]
    fn a_jkk_claim_after_five_years_is_refused_with_the_deadline() {
        let t = BenefitTable::default();
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert!(t
            .check_window(ClaimCase::WorkDeath, d(2020, 1, 10), d(2025, 1, 10))
            .is_ok());
        let err = t
            .check_window(ClaimCase::WorkDeath, d(2020, 1, 10), d(2025, 1, 11))
            .unwrap_err();
        assert!(err.to_string().contains("2025-01-10"), "{err}");
        // JKM has no such window.
        assert!(t
            .check_window(ClaimCase::Death, d(2010, 1, 1), d(2026, 1, 1))
            .is_ok());
    }
}
