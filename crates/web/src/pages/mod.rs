//! Server-rendered pages: small, readable on a 360 px phone, no JavaScript needed.

pub(crate) mod account;
pub(crate) mod admin;
pub(crate) mod audit;
pub(crate) mod budget;
pub(crate) mod claims;
pub(crate) mod dashboard;
pub(crate) mod exports;
pub(crate) mod imports;
pub(crate) mod jobs;
pub(crate) mod report_forms;
pub(crate) mod reports;
pub(crate) mod residents;
pub(crate) mod review;
pub(crate) mod upkeep;
