//! Submissions: the client-made id a form or an API call carries, with what it did. A retried post
//! finds its id here and is answered with the first post's result instead of acting twice.

use crate::{Conn, Result, Value};

/// What a submission did the first time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Submitted {
    /// The proposal it made.
    pub proposal_id: Option<i64>,
    /// Whether that proposal was applied at once.
    pub applied: bool,
}

/// The longest id accepted (a UUID is 36 characters).
pub const MAX_ID: usize = 64;

/// The earlier result of submission `id` by `actor`, if there was one. An id used by another actor is
/// reported as used (`Err`-free `Some`) too: ids are unguessable, so that only happens by mistake,
/// and acting on it would apply someone else's submission twice.
pub fn find(conn: &mut Conn, id: &str) -> Result<Option<(String, Submitted)>> {
    conn.query_opt(
        "SELECT actor, proposal_id, applied FROM submissions WHERE id = $1",
        &[Value::from(id)],
    )?
    .map(|r| {
        Ok((
            r.text(0)?,
            Submitted {
                proposal_id: r.opt_i64(1)?,
                applied: r.i64(2)? != 0,
            },
        ))
    })
    .transpose()
}

/// Records submission `id` inside the transaction that acted on it, so both happen or neither does.
pub fn record(tx: &mut Conn, id: &str, actor: &str, done: Submitted) -> Result<()> {
    let now = tx.now();
    tx.execute(
        "INSERT INTO submissions (id, actor, proposal_id, applied, created_at) VALUES ($1, $2, $3, $4, $5)",
        &[
            Value::from(id),
            Value::from(actor),
            Value::from(done.proposal_id),
            Value::Int(i64::from(done.applied)),
            now,
        ],
    )?;
    Ok(())
}
