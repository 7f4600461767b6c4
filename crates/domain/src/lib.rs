//! jaring's domain: identifiers, regions, persons and money. Pure: no I/O, no async, no SQL.
//!
//! Identifiers are types that can only be built by their parsers ("parse, don't validate"): a function
//! that takes a [`Nik`] never has to wonder whether it has 16 digits.

/// Implements `FromStr` (the type's `parse`), `Serialize` (its `Display` text) and `Deserialize` (text
/// through `parse`) for an identifier that is written and read as text.
#[macro_export]
#[doc(hidden)]
macro_rules! text_identifier {
    ($t:ty, $err:ty) => {
        impl std::str::FromStr for $t {
            type Err = $err;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                <$t>::parse(s)
            }
        }

        impl serde::Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }

        impl<'de> serde::Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <String as serde::Deserialize>::deserialize(d)?;
                <$t>::parse(&s).map_err(serde::de::Error::custom)
            }
        }
    };
}

/// Declares an enum with stable storage codes and Indonesian labels.
macro_rules! coded_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $code:literal, $label:literal;)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $code)] $variant,)+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// Stable code used in storage and the API.
            pub const fn as_code(self) -> &'static str {
                match self { $($name::$variant => $code,)+ }
            }

            /// The value with this storage code.
            pub fn from_code(code: &str) -> Option<Self> {
                match code { $($code => Some($name::$variant),)+ _ => None }
            }

            /// Label shown to users (Bahasa Indonesia).
            pub const fn label_id(self) -> &'static str {
                match self { $($name::$variant => $label,)+ }
            }
        }
    };
}

pub mod access;
pub mod benefits;
mod digits;
pub mod kk;
pub mod lists;
pub mod message;
pub mod money;
pub mod nik;
pub mod occupation;
pub mod person;
pub mod programme;
pub mod region;
pub mod regions;
pub mod registry;
pub mod review;

pub use kk::{NoKk, NoKkError};
pub use lists::{ExternalRecord, ListKind, RegistryRecord};
pub use message::Bilingual;
pub use money::Rupiah;
pub use nik::{Nik, NikError};
pub use person::{
    CivilServantStatus, Desil, Education, LifeStatus, MaritalStatus, Relationship, Religion, Sex,
    WorkerCategory,
};
pub use region::{RegionCode, RegionCodeError, RegionLevel, VillageKind};
pub use regions::{Region, Regions};
pub use registry::{Household, HouseholdId, Person, PersonId};

/// Today's date (UTC+8, WITA, the time zone of Nusa Tenggara Timur), for parsers that need "now".
pub fn today() -> chrono::NaiveDate {
    (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive()
}

/// Folds a name or label for comparison: lower-case letters and digits only (`"Yohanes  BERE"` and
/// `"yohanes bere"` fold alike).
pub fn fold(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}
