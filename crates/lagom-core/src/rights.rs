//! Data-subject rights that act on a whole person. Erasure (R-4, Art. 17): one transaction
//! deletes every row about the person in every table the field dictionary lists, redacts the
//! audit trail's values about them, and keeps a tombstone without personal data. Then the WAL
//! is checkpointed and truncated so no old frame keeps the person's bytes.
//!
//! The erasure ledger (`erasure`) is written so that a future restore can re-apply erasures
//! made after a backup was taken; there is no backup or restore in Lagom yet.

use rusqlite::Connection;
use serde::Serialize;
use ts_rs::TS;

use crate::audit::{self, AuditAction, Change};
use crate::clock::new_id;
use crate::context::Ctx;
use crate::error::{Error, FieldErrorCode, Result};

pub(crate) const SCHEMA: &str = r#"
-- Tombstones and the erasure ledger: random ids only, never personal data. Meant to let a
-- restore of an older backup re-apply every erasure recorded since; Lagom has no backup or
-- restore yet, so nothing reads it for that today.
CREATE TABLE erasure (
    id         TEXT PRIMARY KEY,
    contact_id TEXT NOT NULL UNIQUE,
    at         TEXT NOT NULL,
    erased_by  TEXT NOT NULL,
    article    TEXT NOT NULL,
    request_id TEXT
) STRICT;
"#;

/// What an erasure left behind: a tombstone that proves it happened, nothing about the person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Tombstone {
    pub id: String,
    /// The erased contact's random internal id (never reused).
    pub contact_id: String,
    pub at: String,
    pub erased_by: String,
    pub article: String,
    pub request_id: Option<String>,
}

/// What an erase returns: the tombstone, and a warning when the erasure is complete in the
/// database but old copies may linger in the write-ahead log for a while.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ErasureReceipt {
    #[serde(flatten)]
    #[ts(flatten)]
    pub tombstone: Tombstone,
    pub warning: Option<String>,
}

/// The longest request reference accepted.
const MAX_REQUEST_CHARS: usize = 64;

/// Erasure for one open store.
#[derive(Debug)]
pub struct Rights<'a> {
    ctx: Ctx<'a>,
}

impl<'a> Rights<'a> {
    pub(crate) fn new(ctx: Ctx<'a>) -> Self {
        Rights { ctx }
    }

    /// Erases the person with `contact_id` everywhere and returns the tombstone. `request_id`
    /// is the data-subject request it answers: an opaque reference (`[A-Za-z0-9._-]`, at most
    /// 64 characters), since the tombstone keeps it for ever.
    pub fn erase(&self, contact_id: &str, request_id: Option<&str>) -> Result<ErasureReceipt> {
        self.erase_under(contact_id, request_id, "GDPR Art. 17")
    }

    /// Erases a contact whose retention period has run out (storage limitation): the same
    /// erase, with the article that requires it on the tombstone; `request` is the contact's
    /// open erasure request, which it answers.
    pub(crate) fn erase_expired(&self, contact_id: &str, request: Option<&str>) -> Result<ErasureReceipt> {
        self.erase_under(contact_id, request, "GDPR Art. 5(1)(e), 17(1)(a)")
    }

    /// Erases a person again in a restored register, as the tombstone from the live register
    /// or the erasure ledger records it: the same rows go, and the tombstone keeps its id, time,
    /// actor, article and request. Nothing is appended to the ledger (it lists it already).
    pub(crate) fn reapply(&self, tombstone: &Tombstone) -> Result<()> {
        self.erase_with(&tombstone.contact_id, tombstone.request_id.as_deref(), &tombstone.article, Some(tombstone))
            .map(drop)
    }

    fn erase_under(&self, contact_id: &str, request_id: Option<&str>, article: &str) -> Result<ErasureReceipt> {
        let mut receipt = self.erase_with(contact_id, request_id, article, None)?;
        // Beside the backups, so a restore of an older one erases the person again.
        if let Some(ledger_warning) = crate::backup::record_erasure(self.ctx.conn, &receipt.tombstone) {
            receipt.warning = Some(match receipt.warning.take() {
                Some(first) => format!("{first}; {ledger_warning}"),
                None => ledger_warning,
            });
        }
        Ok(receipt)
    }

    fn erase_with(
        &self,
        contact_id: &str,
        request_id: Option<&str>,
        article: &str,
        replay: Option<&Tombstone>,
    ) -> Result<ErasureReceipt> {
        if let Some(reference) = request_id
            && (!is_opaque_reference(reference) || crate::validate::contains_identity_number(reference))
        {
            return Err(Error::invalid(
                "request",
                FieldErrorCode::InvalidReference,
                format!(
                    "use an opaque reference such as REQ-2026-0042: letters A–Z, digits, '.', '_' and '-', \
                     1 to {MAX_REQUEST_CHARS} characters (it is kept for ever, so never a name or an email)"
                ),
            ));
        }
        let tx = self.ctx.conn.unchecked_transaction()?;
        // An inbox reference must be this person's open erasure request; checked before
        // anything is deleted, so a typo never erases anyone.
        let requests = crate::requests::Requests::new(self.ctx);
        let answers_request = match (request_id, replay) {
            (Some(reference), None) => requests.check_erasure_reference(reference, contact_id)?,
            // Replayed: the request answers it if the restored register still has it open.
            (Some(reference), Some(_)) => requests.check_erasure_reference(reference, contact_id).unwrap_or(false),
            (None, _) => false,
        };
        self.ctx.require_contact(contact_id)?;
        // Rows that may be left with nobody referring to them once the person's rows go.
        let mut orphan_candidates = Vec::new();
        for (candidates, delete) in crate::personal_data::orphan_statements() {
            let ids: Vec<String> = tx
                .prepare_cached(candidates)?
                .query_map([contact_id], |row| row.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            orphan_candidates.extend(ids.into_iter().map(|id| (delete, id)));
        }
        tx.execute("INSERT INTO erase_guard (active) VALUES (1)", [])?;
        for statement in crate::personal_data::delete_statements() {
            tx.prepare_cached(statement)?.execute([contact_id])?;
        }
        for (delete, id) in &orphan_candidates {
            tx.prepare_cached(delete)?.execute([id])?;
        }
        audit::redact_subject(&tx, contact_id)?;
        let request_field = request_id.map(|r| format!("request/{r}"));
        let tombstone = match replay {
            Some(original) => original.clone(),
            None => Tombstone {
                id: new_id(),
                contact_id: contact_id.to_owned(),
                at: self.ctx.now(),
                erased_by: self.ctx.actor.to_owned(),
                article: article.to_owned(),
                request_id: request_id.map(str::to_owned),
            },
        };
        if let (true, Some(reference)) = (answers_request, request_id) {
            requests.answered_by_erasure(reference, contact_id, &tombstone.id)?;
        }
        insert_tombstone(&tx, &tombstone, false)?;
        audit::record(
            &self.ctx,
            Change {
                action: AuditAction::Erase,
                subject_id: Some(contact_id),
                // The request it answered, if any: the link survives the redaction above.
                field: request_field.as_deref(),
                old_value: None,
                new_value: None,
            },
        )?;
        tx.execute("DELETE FROM erase_guard", [])?;
        tx.commit()?;
        // The person is gone from the database now; what remains is to empty the WAL. Nothing
        // that fails from here on may report the erasure as failed.
        let warning = (!checkpoint_truncate(self.ctx.conn)).then(|| {
            "the person is erased, but another program is reading the database (or the disk \
             refused), so old copies of their data may stay in its write-ahead log (-wal file) \
             until Lagom next starts or erases someone; close other programs that have the \
             database open"
                .to_owned()
        });
        Ok(ErasureReceipt { tombstone, warning })
    }

    /// Every erasure recorded, oldest first (the erasure ledger).
    pub fn erasures(&self) -> Result<Vec<Tombstone>> {
        all_tombstones(self.ctx.conn)
    }
}

/// Every tombstone, oldest first.
pub(crate) fn all_tombstones(conn: &rusqlite::Connection) -> Result<Vec<Tombstone>> {
    Ok(conn
        .prepare_cached("SELECT id, contact_id, at, erased_by, article, request_id FROM erasure ORDER BY at, id")?
        .query_map([], |row| {
            Ok(Tombstone {
                id: row.get(0)?,
                contact_id: row.get(1)?,
                at: row.get(2)?,
                erased_by: row.get(3)?,
                article: row.get(4)?,
                request_id: row.get(5)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?)
}

/// Writes a tombstone; `keep_existing`: a contact that has one already keeps it (a restore
/// carrying tombstones over).
pub(crate) fn insert_tombstone(conn: &rusqlite::Connection, t: &Tombstone, keep_existing: bool) -> Result<()> {
    let sql = if keep_existing {
        "INSERT OR IGNORE INTO erasure (id, contact_id, at, erased_by, article, request_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
    } else {
        "INSERT INTO erasure (id, contact_id, at, erased_by, article, request_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
    };
    conn.prepare_cached(sql)?.execute(rusqlite::params![
        t.id,
        t.contact_id,
        t.at,
        t.erased_by,
        t.article,
        t.request_id
    ])?;
    Ok(())
}

/// Whether `text` is an opaque reference: 1–64 of `A-Z a-z 0-9 . _ -`.
fn is_opaque_reference(text: &str) -> bool {
    (1..=MAX_REQUEST_CHARS).contains(&text.len())
        && text.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// How often, and how long each time, a busy checkpoint is tried again.
const CHECKPOINT_ATTEMPTS: u32 = 4;
const CHECKPOINT_WAIT: std::time::Duration = std::time::Duration::from_millis(250);

/// Moves every WAL frame into the main file (where secure_delete has zeroed the freed
/// content) and truncates the WAL to zero bytes. A reader holding an old snapshot makes the
/// checkpoint busy: it is tried again a few times. `false` says the WAL may still hold old
/// frames (busy, or any other failure: the erase has committed, so this never fails it; the
/// next open or erase truncates the WAL).
pub(crate) fn checkpoint_truncate(conn: &Connection) -> bool {
    let _ = conn.busy_timeout(CHECKPOINT_WAIT);
    let mut truncated = false;
    for attempt in 0..CHECKPOINT_ATTEMPTS {
        if attempt > 0 {
            std::thread::sleep(CHECKPOINT_WAIT);
        }
        match conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |row| row.get::<_, i64>(0)) {
            Ok(0) => {
                truncated = true;
                break;
            }
            Ok(_) => {}
            Err(e)
                if matches!(
                    e.sqlite_error_code(),
                    Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
                ) => {}
            Err(_) => break,
        }
    }
    let _ = crate::store::restore_busy_timeout(conn);
    truncated
}

#[cfg(test)]
mod tests {
    use super::is_opaque_reference;

    #[test]
    fn request_references_are_opaque() {
        for good in ["REQ-2026-0042", "a", "ticket_17.v2", &"x".repeat(64)] {
            assert!(is_opaque_reference(good), "{good}");
        }
        for bad in ["", "Anna Berg", "anna@example.se", "åäö", "a/b", &"x".repeat(65), "line\nbreak"] {
            assert!(!is_opaque_reference(bad), "{bad}");
        }
    }
}
