//! Death events pushed by a civil registry (Dukcapil through a DCI-style CRVS `notify`, or an
//! OpenCRVS instance), taken in without a person carrying a file. A delivery is verified (HMAC-SHA256
//! of the body with the configured key), each event stored under the sender's id before anything is
//! acknowledged, then turned into a staged deaths record and linked at once, so its death proposal is
//! in the review queue when the sender gets its answer — the same road as a deaths list, with the
//! same review (a civil-registry death is evidence, not a decision).
//!
//! Delivery guarantees: an event is acknowledged only once stored; a retried delivery of a stored
//! event changes nothing (and finishes its processing if a crash interrupted it); events stored but
//! not processed are picked up by [`resume`] when the server starts and on every worker tick.

pub mod payload;

use hmac::{Hmac, Mac};
use jaring_domain::ListKind;
use jaring_formats::{Cell, ColumnMap, Evidence, RawRow, RowReader, RowResult};
use jaring_store::intake::{self as store, IntakeRow};
use jaring_store::{audit, imports, Database};
use sha2::{Digest, Sha256};

pub use payload::{DeathEvent, Source};

use crate::accounts::Principal;
use crate::AppError;

/// Why a delivery was not taken.
#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    /// No key is configured: the endpoint is off.
    #[error("penerimaan peristiwa belum diaktifkan / event intake is not configured")]
    NotConfigured,
    /// The signature is missing or wrong; nothing was stored.
    #[error("tanda tangan tidak ada atau salah / signature missing or wrong")]
    BadSignature,
    /// The body is not a death notification jaring reads; it was kept for inspection.
    #[error("isi tidak dapat dibaca / payload not readable: {0}")]
    Payload(String),
    /// Storing failed: nothing was acknowledged, the sender should retry.
    #[error(transparent)]
    App(#[from] AppError),
}

impl From<jaring_store::StoreError> for IntakeError {
    fn from(e: jaring_store::StoreError) -> Self {
        IntakeError::App(AppError::Store(e))
    }
}

/// The signature header's value for `body` under `key`: `sha256=<hex>` (what senders compute).
pub fn sign(key: &[u8], body: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap_or_else(|_| {
        // HMAC takes keys of any length; this branch cannot be reached.
        <Hmac<Sha256> as Mac>::new_from_slice(&[0]).expect("a one-byte HMAC key")
    });
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Checks `header` (`sha256=<hex>`) against the body in constant time.
pub fn verify(key: &[u8], body: &[u8], header: Option<&str>) -> Result<(), IntakeError> {
    let hex_sig = header
        .and_then(|h| h.trim().strip_prefix("sha256="))
        .ok_or(IntakeError::BadSignature)?;
    let given = hex::decode(hex_sig).map_err(|_| IntakeError::BadSignature)?;
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(key).map_err(|_| IntakeError::BadSignature)?;
    mac.update(body);
    mac.verify_slice(&given)
        .map_err(|_| IntakeError::BadSignature)
}

/// What became of one event of a delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventOutcome {
    /// The sender's id.
    pub event_id: String,
    /// `processed` (staged, linked, proposed), `duplicate` (received before: nothing changed),
    /// `stored` (kept; processing will be retried) or `rejected` (kept; the row was refused).
    pub status: &'static str,
    /// Death proposals this event made.
    pub proposals: usize,
    /// Why it was refused or why processing waits.
    pub message: Option<String>,
}

/// Takes a verified delivery: stores each event, then processes it.
pub fn receive(
    db: &Database,
    source: Source,
    body: &[u8],
) -> Result<Vec<EventOutcome>, IntakeError> {
    let parsed: Result<serde_json::Value, String> =
        serde_json::from_slice(body).map_err(|e| format!("JSON: {e}"));
    let events = match parsed.and_then(|v| payload::read(source, &v)) {
        Ok(events) => events,
        Err(why) => {
            // Kept for inspection under the body's digest: the same bad delivery is kept once.
            let digest = hex::encode(Sha256::digest(body));
            let text = String::from_utf8_lossy(body);
            let kept: String = text.chars().take(64 * 1024).collect();
            store::store(
                &mut db.conn()?,
                source.as_code(),
                &format!("sha256:{digest}"),
                "rejected",
                &kept,
                Some(&why),
            )?;
            return Err(IntakeError::Payload(why));
        }
    };
    // Every event is stored before any is processed: a crash after this point loses nothing.
    let stored: Vec<(IntakeRow, bool, DeathEvent)> = db.transaction(|tx| {
        events
            .into_iter()
            .map(|e| {
                let (row, new) = store::store(
                    tx,
                    source.as_code(),
                    &e.event_id,
                    "stored",
                    &e.raw.to_string(),
                    None,
                )?;
                Ok((row, new, e))
            })
            .collect::<Result<Vec<_>, jaring_store::StoreError>>()
    })?;
    let mut outcomes = Vec::new();
    let mut fresh = Vec::new();
    for (row, new, event) in stored {
        if !new && row.status != "stored" {
            outcomes.push(EventOutcome {
                event_id: row.event_id,
                status: "duplicate",
                proposals: 0,
                message: None,
            });
        } else {
            fresh.push((row, event));
        }
    }
    outcomes.extend(process_batch(db, source, fresh));
    Ok(outcomes)
}

/// Processes stored events: each is staged as a deaths-list record (or rejected), then one linkage
/// and one proposal run serve them all. A failure leaves them `stored` with the reason, to be retried.
fn process_batch(
    db: &Database,
    source: Source,
    rows: Vec<(IntakeRow, DeathEvent)>,
) -> Vec<EventOutcome> {
    let outcome = |row: &IntakeRow, status, proposals, message| EventOutcome {
        event_id: row.event_id.clone(),
        status,
        proposals,
        message,
    };
    let mut done = Vec::new();
    let mut staged = Vec::new();
    for (row, event) in rows {
        match stage(db, source, &row, &event) {
            Ok(Staged::Import(import_id)) => staged.push((row, import_id)),
            Ok(Staged::Rejected(why)) => done.push(outcome(&row, "rejected", 0, Some(why))),
            Err(err) => done.push(kept(db, &row, &err)),
        }
    }
    if staged.is_empty() {
        return done;
    }
    if let Err(err) = link_and_propose(db, source) {
        done.extend(staged.iter().map(|(row, _)| kept(db, row, &err)));
        return done;
    }
    for (row, import_id) in staged {
        let marked = db.conn().map_err(AppError::from).and_then(|mut c| {
            let n = store::proposals_of(&mut c, import_id)?;
            store::processed(&mut c, row.id, Some(import_id))?;
            Ok(n)
        });
        done.push(match marked {
            Ok(n) => outcome(&row, "processed", usize::try_from(n).unwrap_or(0), None),
            Err(err) => kept(db, &row, &err),
        });
    }
    done
}

/// An event whose processing failed stays `stored`, with the reason, for the next attempt.
fn kept(db: &Database, row: &IntakeRow, err: &AppError) -> EventOutcome {
    tracing::warn!(event = %row.event_id, error = %err, "intake event kept, processing failed");
    if let Ok(mut c) = db.conn() {
        let _ = store::failed(&mut c, row.id, &err.to_string());
    }
    EventOutcome {
        event_id: row.event_id.clone(),
        status: "stored",
        proposals: 0,
        message: Some(err.to_string()),
    }
}

enum Staged {
    Import(i64),
    Rejected(String),
}

/// Stages one event as a deaths-list record under its own import (recorded on the event in the
/// same transaction), unless a run before a crash already did.
fn stage(
    db: &Database,
    source: Source,
    row: &IntakeRow,
    e: &DeathEvent,
) -> Result<Staged, AppError> {
    if let Some(import_id) = row.import_id {
        return Ok(Staged::Import(import_id));
    }
    let record = match record_of(e) {
        Ok(r) => r,
        Err(why) => {
            let why = if why.is_empty() {
                "baris ditolak / row refused".to_string()
            } else {
                why
            };
            store::reject(&mut db.conn()?, row.id, &why)?;
            return Ok(Staged::Rejected(why));
        }
    };
    let who = intake_principal(db, source)?;
    let meta = imports::ImportMeta {
        kind: ListKind::Deaths.as_code().into(),
        file_name: format!("intake:{}:{}", source.as_code(), row.event_id),
        sha256: hex::encode(Sha256::digest(row.payload.as_bytes())),
        format: format!("{} event", source.as_code()),
        actor: who.username.clone(),
    };
    let village = record.village.map(|v| v.to_string());
    let import_id = db.transaction(|tx| -> Result<i64, AppError> {
        audit::lock(tx)?;
        let import_id = imports::begin(tx, &meta)?;
        let counts = imports::stage(tx, import_id, &[(1, record)])?;
        imports::finish(tx, import_id, &counts)?;
        store::staged(tx, row.id, import_id)?;
        audit::append(
            tx,
            &[audit::AuditEntry {
                actor: who.username.clone(),
                action: "intake.death".into(),
                entity: "import".into(),
                entity_id: Some(import_id),
                village_code: village.clone(),
                after: Some(
                    serde_json::json!({
                        "source": source.as_code(),
                        "event_id": row.event_id,
                        "staged": counts.inserted,
                        "unchanged": counts.unchanged,
                    })
                    .to_string(),
                ),
                ..Default::default()
            }],
        )?;
        Ok(import_id)
    })?;
    Ok(Staged::Import(import_id))
}

fn intake_principal(db: &Database, source: Source) -> Result<Principal, AppError> {
    let regency = crate::overview::regency(db)?;
    Ok(Principal::job(
        regency,
        &format!("intake:{}", source.as_code()),
    ))
}

/// The deaths-list linkage and death proposals, as after an imported deaths list.
fn link_and_propose(db: &Database, source: Source) -> Result<(), AppError> {
    let who = intake_principal(db, source)?;
    crate::sync::sync_reporting(
        db,
        &who,
        &[ListKind::Deaths],
        &crate::sync::SyncPolicy::default(),
        &crate::jobs::Silent,
    )?;
    let context = crate::review::Context::load(&mut db.conn()?, jaring_domain::today())?;
    crate::review::generate_proposals(db, &who, &[ListKind::Deaths], &context)?;
    Ok(())
}

/// The event as a deaths-list row, read by the deaths list's own reader.
fn record_of(e: &DeathEvent) -> Result<jaring_domain::ExternalRecord, String> {
    let headers: Vec<String> = payload::HEADINGS.iter().map(|h| h.to_string()).collect();
    let cells = payload::HEADINGS
        .iter()
        .map(|h| {
            e.cells
                .iter()
                .find(|(k, _)| k == h)
                .map_or(Cell::Empty, |(_, v)| Cell::Text(v.clone()))
        })
        .collect();
    let columns =
        ColumnMap::resolve(ListKind::Deaths, &headers, None).map_err(|e| e.to_string())?;
    let reader = RowReader::new(
        ListKind::Deaths,
        columns,
        headers,
        &Evidence::default(),
        jaring_domain::today(),
        None,
        None,
    );
    match reader.read(&RawRow { line: 1, cells }) {
        (Some(RowResult::External(r)), _) => Ok(*r),
        (_, issues) => Err(issues
            .iter()
            .map(|i| i.one_line())
            .collect::<Vec<_>>()
            .join("; ")),
    }
}

/// Processes events stored but not processed (a crash between storing and proposing, a database
/// error then). Returns how many were processed.
pub fn resume(db: &Database) -> Result<usize, AppError> {
    let mut batches: Vec<(Source, Vec<(IntakeRow, DeathEvent)>)> = Vec::new();
    for row in store::unprocessed(&mut db.conn()?, 500)? {
        let Some(source) = [Source::Dci, Source::OpenCrvs]
            .into_iter()
            .find(|s| s.as_code() == row.source)
        else {
            continue;
        };
        let raw: serde_json::Value = match serde_json::from_str(&row.payload) {
            Ok(v) => v,
            Err(e) => {
                store::reject(&mut db.conn()?, row.id, &format!("JSON: {e}"))?;
                continue;
            }
        };
        // A DCI row keeps one event of its message; an OpenCRVS row keeps the whole bundle.
        let event = match source {
            Source::Dci => payload::read(
                source,
                &serde_json::json!({"message": {"notify_event": [raw]}}),
            ),
            Source::OpenCrvs => payload::read(source, &raw),
        }
        .ok()
        .and_then(|mut v| (!v.is_empty()).then(|| v.remove(0)));
        let Some(e) = event else {
            store::reject(&mut db.conn()?, row.id, "payload no longer readable")?;
            continue;
        };
        match batches.iter_mut().find(|(s, _)| *s == source) {
            Some((_, rows)) => rows.push((row, e)),
            None => batches.push((source, vec![(row, e)])),
        }
    }
    Ok(batches
        .into_iter()
        .flat_map(|(source, rows)| process_batch(db, source, rows))
        .filter(|o| o.status == "processed")
        .count())
}

/// One received event as the intake page lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntakeEventView {
    /// The sender's format code.
    pub source: String,
    /// The sender's id.
    pub event_id: String,
    /// `stored`, `processed` or `rejected`.
    pub status: String,
    /// Why it was refused or why processing waits.
    pub error: Option<String>,
    /// Received at (RFC 3339).
    pub received_at: String,
}

/// Counts and the latest events, for the admin's intake page.
#[derive(Debug, Clone)]
pub struct IntakeOverview {
    /// Events per status.
    pub counts: Vec<(String, i64)>,
    /// The latest events, newest first.
    pub recent: Vec<IntakeEventView>,
}

/// The intake's state, for roles that run jobs.
pub fn overview(db: &Database, who: &Principal) -> Result<IntakeOverview, AppError> {
    who.require_any(jaring_domain::access::Action::Synchronise)?;
    let mut conn = db.conn()?;
    Ok(IntakeOverview {
        counts: store::counts(&mut conn)?,
        recent: store::recent(&mut conn, 20)?
            .into_iter()
            .map(|r| IntakeEventView {
                source: r.source,
                event_id: r.event_id,
                status: r.status,
                error: r.error,
                received_at: r.received_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
            })
            .collect(),
    })
}
