//! Data-subject rights that act on a whole person. Erasure (R-4, Art. 17): one transaction
//! deletes every row about the person in every table the field dictionary lists, redacts the
//! audit trail's values about them, and keeps a tombstone without personal data. Then the WAL
//! is checkpointed and truncated so no old frame keeps the person's bytes.

use rusqlite::Connection;
use serde::Serialize;
use ts_rs::TS;

use crate::audit::{self, AuditAction, Change};
use crate::error::{Error, Result};

pub(crate) const SCHEMA: &str = r#"
-- Tombstones and the erasure ledger: random ids only, never personal data. A restore of an
-- older backup re-applies every erasure recorded here.
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

/// Erasure for one open store.
#[derive(Debug)]
pub struct Rights<'a> {
    conn: &'a Connection,
    actor: &'a str,
}

impl<'a> Rights<'a> {
    pub(crate) fn new(conn: &'a Connection, actor: &'a str) -> Self {
        Rights { conn, actor }
    }

    /// Erases the person with `contact_id` everywhere and returns the tombstone.
    pub fn erase(&self, contact_id: &str, request_id: Option<&str>) -> Result<Tombstone> {
        let tx = self.conn.unchecked_transaction()?;
        let organisation_id: Option<String> = tx
            .prepare_cached("SELECT organisation_id FROM contact WHERE id = ?1")?
            .query_row([contact_id], |row| row.get(0))
            .map_err(|e| match e {
                rusqlite::Error::QueryReturnedNoRows => Error::NotFound { what: "contact" },
                other => other.into(),
            })?;
        tx.execute("INSERT INTO erase_guard (active) VALUES (1)", [])?;
        for statement in crate::personal_data::delete_statements() {
            tx.prepare_cached(statement)?.execute([contact_id])?;
        }
        audit::redact_subject(&tx, contact_id)?;
        // An organisation nobody else belongs to may be a sole trader's own name.
        if let Some(organisation_id) = organisation_id {
            tx.prepare_cached(
                "DELETE FROM organisation WHERE id = ?1 AND NOT EXISTS
                 (SELECT 1 FROM contact WHERE organisation_id = ?1)",
            )?
            .execute([&organisation_id])?;
        }
        let tombstone = Tombstone {
            id: crate::new_id(),
            contact_id: contact_id.to_owned(),
            at: crate::now(),
            erased_by: self.actor.to_owned(),
            article: "GDPR Art. 17".to_owned(),
            request_id: request_id.map(str::to_owned),
        };
        tx.prepare_cached(
            "INSERT INTO erasure (id, contact_id, at, erased_by, article, request_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?
        .execute(rusqlite::params![
            tombstone.id,
            tombstone.contact_id,
            tombstone.at,
            tombstone.erased_by,
            tombstone.article,
            tombstone.request_id
        ])?;
        audit::record(
            &tx,
            self.actor,
            Change {
                action: AuditAction::Erase,
                subject_id: Some(contact_id),
                field: None,
                old_value: None,
                new_value: None,
            },
        )?;
        tx.execute("DELETE FROM erase_guard", [])?;
        tx.commit()?;
        checkpoint_truncate(self.conn)?;
        Ok(tombstone)
    }

    /// Every erasure recorded, oldest first (the erasure ledger).
    pub fn erasures(&self) -> Result<Vec<Tombstone>> {
        let tombstones = self
            .conn
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
            .collect::<rusqlite::Result<_>>()?;
        Ok(tombstones)
    }
}

/// Moves every WAL frame into the main file (where secure_delete has zeroed the freed
/// content) and truncates the WAL to zero bytes. A busy checkpoint would leave old frames
/// holding the erased person, so it is an error, never ignored.
fn checkpoint_truncate(conn: &Connection) -> Result<()> {
    let (busy, _log, _checkpointed): (i64, i64, i64) =
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?;
    if busy != 0 {
        return Err(Error::InUse);
    }
    Ok(())
}
