//! Programmes (who pays which premium for whom) and the arithmetic of coverage and budgets, in whole
//! Rupiah and integer percentages so that a regency's figures reproduce to the last Rupiah.

use serde::{Deserialize, Serialize};

use crate::money::group_thousands;
use crate::Rupiah;

coded_enum! {
    /// Who pays the premium (DOMAIN.md §3).
    Sponsor {
        /// The regency budget.
        ApbdKabupaten = "apbd_kabupaten", "APBD Kabupaten";
        /// The provincial budget.
        ApbdProvinsi = "apbd_provinsi", "APBD Provinsi";
        /// The village budget (APBDes / ADD).
        Apbdes = "apbdes", "APBDes/ADD";
        /// Dana Desa.
        DanaDesa = "dana_desa", "Dana Desa";
        /// Company social responsibility funds.
        Csr = "csr", "CSR";
        /// The worker.
        SelfPaid = "self", "Mandiri";
        /// An employer.
        Employer = "employer", "Pemberi kerja";
    }
}

/// How a programme's monthly premium per member is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Premium {
    /// A flat amount (BPU JKK + JKM: Rp 16,800).
    Flat {
        /// Per member per month.
        monthly: Rupiah,
    },
    /// A share of a wage, in basis points (PU for village officials: 0.54 % = 54 bp of the UMP).
    WageShare {
        /// Hundredths of a percent.
        basis_points: i64,
        /// The wage it applies to.
        wage: Rupiah,
    },
}

impl Premium {
    /// Rp 16,800: JKK 1 % of Rp 1,000,000 plus JKM Rp 6,800 (DOMAIN.md §0).
    pub const BPU_DEFAULT: Premium = Premium::Flat {
        monthly: Rupiah(16_800),
    };

    /// The monthly premium per member, rounded to the nearest Rupiah (half up).
    pub fn monthly(self) -> Rupiah {
        match self {
            Premium::Flat { monthly } => monthly,
            Premium::WageShare { basis_points, wage } => {
                Rupiah((wage.0 * basis_points + 5_000) / 10_000)
            }
        }
    }
}

/// Cost of `members` for a year.
pub fn yearly_cost(members: i64, monthly: Rupiah) -> Rupiah {
    monthly * (members * 12)
}

/// Members needed to bring `active` out of `denominator` up to `target_percent` %: the smallest whole
/// number of people that reaches the target, never negative.
pub fn members_to_target(target_percent: i64, denominator: i64, active: i64) -> i64 {
    let needed = (target_percent * denominator + 99) / 100;
    (needed - active).max(0)
}

/// Whole members a yearly budget pays for.
pub fn members_affordable(yearly_budget: Rupiah, monthly: Rupiah) -> i64 {
    if monthly.0 <= 0 {
        return 0;
    }
    yearly_budget.0 / (monthly.0 * 12)
}

/// A coverage rate with what it is made of: never shown without its numerator and denominator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rate {
    /// Active members.
    pub numerator: i64,
    /// The population it is a share of.
    pub denominator: i64,
}

impl Rate {
    /// The rate in basis points (10,000 = 100 %), rounded half up; `None` when the denominator is 0.
    pub fn basis_points(self) -> Option<i64> {
        (self.denominator > 0)
            .then(|| (self.numerator * 10_000 * 2 + self.denominator) / (2 * self.denominator))
    }
}

impl std::fmt::Display for Rate {
    /// `45,76 % (58.658 / 128.187)`, Indonesian decimal comma.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.basis_points() {
            Some(bp) => write!(
                f,
                "{},{:02} % ({} / {})",
                bp / 100,
                bp % 100,
                group_thousands(self.numerator),
                group_thousands(self.denominator)
            ),
            None => write!(f, "– ({} / 0)", group_thousands(self.numerator)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn belu_2023_budget_reproduces_exactly() {
        // 5,829 vulnerable workers in 69 villages, JKK + JKM for a year: Rp 1,175,126,400 (DOMAIN §3.3).
        let monthly = Premium::BPU_DEFAULT.monthly();
        assert_eq!(monthly, Rupiah(16_800));
        assert_eq!(yearly_cost(5_829, monthly), Rupiah(1_175_126_400));
        assert_eq!(yearly_cost(5_829, monthly).to_string(), "Rp 1.175.126.400");
        // NTT circular: at least 100 workers per village = Rp 20,160,000 a year.
        assert_eq!(yearly_cost(100, monthly), Rupiah(20_160_000));
        // And the budget buys back exactly the workers.
        assert_eq!(members_affordable(Rupiah(1_175_126_400), monthly), 5_829);
        assert_eq!(members_affordable(Rupiah(1_175_126_399), monthly), 5_828);
    }

    #[test]
    fn wage_share_premium_rounds_to_whole_rupiah() {
        // 0.54 % of the NTT UMP 2026 (Rp 2,455,898) = 13,261.85 → Rp 13,262.
        let p = Premium::WageShare {
            basis_points: 54,
            wage: Rupiah(2_455_898),
        };
        assert_eq!(p.monthly(), Rupiah(13_262));
        // 0.54 % of the 2025 UMP (Rp 2,328,969) = 12,576.43 → Rp 12,576.
        let p = Premium::WageShare {
            basis_points: 54,
            wage: Rupiah(2_328_969),
        };
        assert_eq!(p.monthly(), Rupiah(12_576));
    }

    #[test]
    fn target_arithmetic_rounds_up_to_whole_people() {
        assert_eq!(members_to_target(100, 1_000, 400), 600);
        assert_eq!(members_to_target(50, 3, 0), 2); // 1.5 people → 2
        assert_eq!(members_to_target(50, 10, 9), 0); // already above
        assert_eq!(members_to_target(100, 0, 0), 0);
    }

    #[test]
    fn rates_always_carry_their_parts() {
        let belu = Rate {
            numerator: 58_658,
            denominator: 128_187,
        };
        assert_eq!(belu.basis_points(), Some(4_576));
        assert_eq!(belu.to_string(), "45,76 % (58.658 / 128.187)");
        let r = Rate {
            numerator: 1,
            denominator: 3,
        };
        assert_eq!(r.basis_points(), Some(3_333));
        assert_eq!(
            Rate {
                numerator: 2,
                denominator: 3
            }
            .basis_points(),
            Some(6_667)
        );
        assert_eq!(
            Rate {
                numerator: 0,
                denominator: 0
            }
            .basis_points(),
            None
        );
    }
}
