//! PostgreSQL connections that keep their confinement to a region while pooled.
//!
//! Every scoped request confines its connection (`SET ROLE jaring_scoped`, `jaring.scope`) so that
//! row-level security bounds what it reads. Confining on checkout and setting free on return cost two
//! of the three round trips of a resident search. The pool now remembers, with each connection, the
//! confinement in effect; a checkout changes it only when the next user needs another one.

use std::fmt;

use jaring_domain::RegionCode;
use r2d2_postgres::postgres::{self, NoTls};
use r2d2_postgres::PostgresConnectionManager;

/// What confinement a pooled connection is under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Confinement {
    /// None: the connection's own role sees every row.
    Free,
    /// `jaring_scoped` with `jaring.scope` set to this region.
    Region(RegionCode),
    /// A change failed half-way: set it again before any use.
    Unknown,
}

/// A client and the confinement it is under.
pub(crate) struct PgClient {
    pub(crate) client: postgres::Client,
    pub(crate) confinement: Confinement,
}

impl PgClient {
    /// Puts the connection under `wanted` (`None`: free), with one round trip when it differs.
    pub(crate) fn confine(&mut self, wanted: Option<RegionCode>) -> Result<(), postgres::Error> {
        let wanted = wanted.map_or(Confinement::Free, Confinement::Region);
        if self.confinement == wanted {
            return Ok(());
        }
        self.confinement = Confinement::Unknown;
        match wanted {
            // The code is digits and dots (a parsed RegionCode), so it is safe inline.
            Confinement::Region(scope) => self.client.batch_execute(&format!(
                "SET ROLE jaring_scoped; SELECT set_config('jaring.scope', '{scope}', false)"
            ))?,
            _ => self
                .client
                .batch_execute("RESET ROLE; RESET jaring.scope")?,
        }
        self.confinement = wanted;
        Ok(())
    }
}

/// r2d2's PostgreSQL manager, with each connection's confinement kept beside it.
pub(crate) struct PgManager(pub(crate) PostgresConnectionManager<NoTls>);

impl fmt::Debug for PgManager {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PgManager")
    }
}

impl r2d2::ManageConnection for PgManager {
    type Connection = PgClient;
    type Error = postgres::Error;

    fn connect(&self) -> Result<PgClient, postgres::Error> {
        Ok(PgClient {
            client: self.0.connect()?,
            confinement: Confinement::Free,
        })
    }

    fn is_valid(&self, conn: &mut PgClient) -> Result<(), postgres::Error> {
        self.0.is_valid(&mut conn.client)
    }

    fn has_broken(&self, conn: &mut PgClient) -> bool {
        self.0.has_broken(&mut conn.client)
    }
}
