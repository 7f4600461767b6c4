//! Money in whole Rupiah. Premiums and benefits are integral Rupiah amounts; no floating point.

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, Mul, Sub};

use serde::{Deserialize, Serialize};

/// An amount in Rupiah.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Rupiah(pub i64);

impl Add for Rupiah {
    type Output = Rupiah;
    fn add(self, o: Rupiah) -> Rupiah {
        Rupiah(self.0 + o.0)
    }
}

impl Sub for Rupiah {
    type Output = Rupiah;
    fn sub(self, o: Rupiah) -> Rupiah {
        Rupiah(self.0 - o.0)
    }
}

impl Mul<i64> for Rupiah {
    type Output = Rupiah;
    fn mul(self, n: i64) -> Rupiah {
        Rupiah(self.0 * n)
    }
}

impl Sum for Rupiah {
    fn sum<I: Iterator<Item = Rupiah>>(iter: I) -> Rupiah {
        Rupiah(iter.map(|r| r.0).sum())
    }
}

/// A whole number with Indonesian thousands separators: `1.175.126.400`.
pub fn group_thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut grouped = String::new();
    if n < 0 {
        grouped.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push('.');
        }
        grouped.push(c);
    }
    grouped
}

impl fmt::Display for Rupiah {
    /// Indonesian style: `Rp 1.175.126.400`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        write!(f, "{sign}Rp {}", group_thousands(self.0.abs()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn belu_2023_budget_formats_in_indonesian_style() {
        let yearly = Rupiah(16_800) * 12 * 5_829;
        assert_eq!(yearly, Rupiah(1_175_126_400));
        assert_eq!(yearly.to_string(), "Rp 1.175.126.400");
        assert_eq!(Rupiah(-500).to_string(), "-Rp 500");
    }
}
