//! Who may do what, and where: the five roles of PRODUCT.md §2, each bound to a region scope.
//!
//! The rules live here, away from HTTP, so the web pages, the JSON API and the CLI ask the same
//! questions and get the same answers, and the authorisation matrix test checks one table.

use serde::{Deserialize, Serialize};

use crate::{RegionCode, RegionLevel};

coded_enum! {
    /// A user's role.
    Role {
        /// Village official keeping the village's residents current.
        OperatorDesa = "operator_desa", "Operator desa";
        /// District staff following the villages of a kecamatan.
        OperatorKecamatan = "operator_kecamatan", "Operator kecamatan";
        /// Social or manpower office of the regency.
        AdminKabupaten = "admin_kabupaten", "Admin kabupaten";
        /// BPJS Ketenagakerjaan branch officer: memberships and claims.
        PetugasBpjs = "petugas_bpjs", "Petugas BPJS";
        /// Inspectorate, prosecutor or council: reads everything, changes nothing, sees NIKs masked.
        Auditor = "auditor", "Auditor";
    }
}

/// Something a user may want to do; each maps to a yes/no per role (the region is checked apart).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Dashboards, coverage, gaps and budgets.
    ViewCoverage,
    /// Residents and households.
    ViewResidents,
    /// Changing a resident's data (through an applied proposal).
    EditResidents,
    /// Importing the registry (residents) of villages in scope.
    ImportRegistry,
    /// Importing external lists (DTSEN, deaths, ASN/PPPK).
    ImportLists,
    /// Importing BPJS membership exports.
    ImportMembership,
    /// Reading proposals.
    ViewProposals,
    /// Approving or rejecting proposals.
    DecideProposals,
    /// Confirming a death a village reported by hand (no civil-registry record backs it): a second
    /// person whose scope is wider than the village, so one village account cannot end a living
    /// resident's cover alone.
    ConfirmReportedDeaths,
    /// Programmes and eligibility rules: reading.
    ViewProgrammes,
    /// Programmes and eligibility rules: changing.
    ManageProgrammes,
    /// Benefit claims: reading.
    ViewClaims,
    /// Benefit claims: opening one, recording heirs and documents, submitting (the village's side).
    ReportClaims,
    /// Benefit claims: verifying, paying, rejecting (BPJS's side).
    ProcessClaims,
    /// The audit log.
    ViewAudit,
    /// User accounts.
    ManageUsers,
    /// Regency-wide jobs: synchronising lists, making proposals from them, looking for duplicates,
    /// storing the month's coverage snapshot.
    Synchronise,
}

impl Role {
    /// Whether this role may take `action` at all (within its scope).
    pub fn may(self, action: Action) -> bool {
        use Action::*;
        use Role::*;
        match action {
            ViewCoverage | ViewResidents | ViewProposals | ViewProgrammes | ViewClaims
            | ViewAudit => true,
            EditResidents | ImportRegistry | DecideProposals => {
                matches!(self, OperatorDesa | AdminKabupaten)
            }
            ImportLists | ManageProgrammes | ManageUsers | Synchronise => self == AdminKabupaten,
            ImportMembership | ProcessClaims => matches!(self, AdminKabupaten | PetugasBpjs),
            ReportClaims => matches!(self, OperatorDesa | AdminKabupaten),
            ConfirmReportedDeaths => matches!(self, OperatorKecamatan | AdminKabupaten),
        }
    }

    /// Whether NIKs and KK numbers are shown whole; the auditor reads them masked (`5304********0615`).
    pub fn sees_full_nik(self) -> bool {
        self != Role::Auditor
    }

    /// The level of region this role is bound to.
    pub fn scope_level(self) -> RegionLevel {
        match self {
            Role::OperatorDesa => RegionLevel::Village,
            Role::OperatorKecamatan => RegionLevel::District,
            Role::AdminKabupaten | Role::PetugasBpjs | Role::Auditor => RegionLevel::Regency,
        }
    }

    /// English label.
    pub fn label_en(self) -> &'static str {
        match self {
            Role::OperatorDesa => "Village operator",
            Role::OperatorKecamatan => "District operator",
            Role::AdminKabupaten => "Regency administrator",
            Role::PetugasBpjs => "BPJS officer",
            Role::Auditor => "Auditor",
        }
    }
}

/// A role bound to the region it works in; the one value every scoped query is built from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grant {
    /// The role.
    pub role: Role,
    /// The region the role covers (a village, a kecamatan or the regency).
    pub scope: RegionCode,
}

/// Why a grant cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GrantError {
    /// The scope is not at the level the role works at.
    #[error("peran {role} harus terikat pada wilayah tingkat {want:?}, bukan {got} / role {role} must be bound to a {want:?}-level region, not {got}")]
    WrongLevel {
        /// Role code.
        role: &'static str,
        /// Level the role needs.
        want: RegionLevel,
        /// The region given.
        got: RegionCode,
    },
}

impl Grant {
    /// Binds a role to a region of the level it works at.
    pub fn new(role: Role, scope: RegionCode) -> Result<Grant, GrantError> {
        if scope.level() != role.scope_level() {
            return Err(GrantError::WrongLevel {
                role: role.as_code(),
                want: role.scope_level(),
                got: scope,
            });
        }
        Ok(Grant { role, scope })
    }

    /// Whether `region` (a village, kecamatan, regency …) lies inside this grant's scope.
    pub fn covers(&self, region: RegionCode) -> bool {
        self.scope.contains(region)
    }

    /// Whether the grant may take `action` on something in `region`.
    pub fn allows(&self, action: Action, region: RegionCode) -> bool {
        self.role.may(action) && self.covers(region)
    }

    /// The NIK as this grant may see it.
    pub fn show_nik(&self, nik: &str) -> String {
        if self.role.sees_full_nik() {
            nik.to_string()
        } else {
            mask_digits(nik)
        }
    }

    /// The dotted code every village code in scope starts with, for prefix filters in queries.
    pub fn scope_prefix(&self) -> String {
        self.scope.to_string()
    }
}

/// Masks the middle of a 16-digit NIK or KK number (`5304********0615`); other text is masked whole
/// but for its first and last characters, so a malformed value never leaks through.
pub fn mask_digits(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    match chars.len() {
        16 => format!(
            "{}********{}",
            chars[..4].iter().collect::<String>(),
            chars[12..].iter().collect::<String>()
        ),
        0..=2 => "*".repeat(chars.len()),
        n => format!("{}{}{}", chars[0], "*".repeat(n - 2), chars[n - 1]),
    }
}

/// Masks every run of exactly 16 digits in free text (audit values, summaries), for roles that
/// must not read NIKs or KK numbers.
pub fn mask_numbers_in(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if run.len() == 16 {
            out.push_str(&mask_digits(run));
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in text.chars() {
        if c.is_ascii_digit() {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> RegionCode {
        RegionCode::parse(s).unwrap()
    }

    #[test]
    fn grants_must_match_the_role_level() {
        assert!(Grant::new(Role::OperatorDesa, code("53.04.01.2001")).is_ok());
        let err = Grant::new(Role::OperatorDesa, code("53.04")).unwrap_err();
        assert!(err.to_string().contains("operator_desa"));
        assert!(Grant::new(Role::AdminKabupaten, code("53.04.01")).is_err());
    }

    #[test]
    fn a_village_operator_acts_only_in_the_village() {
        let g = Grant::new(Role::OperatorDesa, code("53.04.01.2001")).unwrap();
        assert!(g.allows(Action::DecideProposals, code("53.04.01.2001")));
        assert!(!g.allows(Action::DecideProposals, code("53.04.01.2002")));
        assert!(!g.allows(Action::ViewResidents, code("53.04.01")));
        assert!(!g.allows(Action::ManageUsers, code("53.04.01.2001")));
    }

    #[test]
    fn the_auditor_reads_everything_masked_and_changes_nothing() {
        let g = Grant::new(Role::Auditor, code("53.04")).unwrap();
        assert!(g.allows(Action::ViewAudit, code("53.04.01.2001")));
        for a in [
            Action::EditResidents,
            Action::DecideProposals,
            Action::ImportRegistry,
            Action::ManageProgrammes,
        ] {
            assert!(!g.allows(a, code("53.04.01.2001")), "{a:?}");
        }
        assert_eq!(g.show_nik("5304015506800615"), "5304********0615");
        assert_eq!(mask_digits("12345"), "1***5");
        assert_eq!(
            mask_numbers_in(r#"{"nik":"5304015506800615","kk":"53040112345678901"}"#),
            r#"{"nik":"5304********0615","kk":"53040112345678901"}"#
        );
    }
}
