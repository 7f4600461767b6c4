//! jaring's database adapter: SQLite (embedded, zero-configuration default) and PostgreSQL
//! (production), one set of queries for both, migrations, and optimistic locking.
//!
//! Synchronous by design: both drivers are blocking, bulk imports are fastest on one connection in one
//! transaction, and the web adapter runs store calls on its blocking thread pool.

mod conn;
mod database;
mod error;
pub mod migrate;
mod pg_pool;
pub mod regions;
pub mod registry;
pub mod settings;
pub mod stats;
mod value;

pub use conn::{Conn, PgConn};
pub use database::{Backend, Database, DatabaseOptions, PgTarget};
pub use error::{Result, StoreError};
pub use value::{Row, Value};
pub mod accounts;
pub mod attachments;
pub mod audit;
pub mod backup;
pub mod claims;
pub mod coverage;
pub mod imports;
pub mod intake;
pub mod jobs;
pub mod matches;
pub mod residents;
pub mod review;
pub mod schedules;
pub mod submissions;
pub mod upkeep;
