//! What every handle works with: the open connection, who is acting, and the clock. Handles
//! (`Contacts`, `Purposes`, `ConsentLedger`, `Rights`, the audit trail, the export) take one
//! [`Ctx`] instead of reaching up to [`crate::Lagom`].

use rusqlite::Connection;

use crate::clock::{self, Clock};
use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy)]
pub(crate) struct Ctx<'a> {
    pub conn: &'a Connection,
    /// The OS account, as the audit trail and the consent ledger name it.
    pub actor: &'a str,
    pub clock: &'a dyn Clock,
    /// Whether [`Ctx::begin`] inside a transaction opens a savepoint, so that a failed step
    /// undoes only itself. Off for a batch that rolls back whole on any failure (an import):
    /// a savepoint per contact copied pages to the sub-journal and made the search index
    /// write a segment per contact.
    pub savepoints: bool,
}

impl Ctx<'_> {
    /// Now, as a stored timestamp.
    pub fn now(&self) -> String {
        clock::timestamp(self.clock.now())
    }

    /// `NotFound` unless the contact exists (it may have been erased).
    pub fn require_contact(&self, contact_id: &str) -> Result<()> {
        let exists = self.conn.prepare_cached("SELECT 1 FROM contact WHERE id = ?1")?.exists([contact_id])?;
        if exists { Ok(()) } else { Err(Error::NotFound { what: "contact" }) }
    }

    /// Today where the user is.
    pub fn today(&self) -> chrono::NaiveDate {
        self.clock.today()
    }

    /// Begins a transaction, or a savepoint inside the caller's (an import adds thousands of
    /// contacts in one transaction through the same code as one contact): committed by
    /// [`Tx::commit`], rolled back when dropped without it. Inside a batch's transaction
    /// ([`Ctx::batch`]) it is part of that transaction, which rolls back whole on failure.
    pub fn begin(&self) -> Result<Tx<'_>> {
        if self.conn.is_autocommit() {
            return Ok(Tx { conn: self.conn, top: Some(self.conn.unchecked_transaction()?), nested_open: false });
        }
        if !self.savepoints {
            return Ok(Tx { conn: self.conn, top: None, nested_open: false });
        }
        self.conn.execute_batch("SAVEPOINT lagom_nested")?;
        Ok(Tx { conn: self.conn, top: None, nested_open: true })
    }
}

impl<'a> Ctx<'a> {
    /// This context for a batch: steps inside its transaction open no savepoint of their own,
    /// so the caller must roll the whole transaction back if any step fails.
    pub fn batch(self) -> Ctx<'a> {
        Ctx { savepoints: false, ..self }
    }
}

/// A transaction of the store, or a savepoint within one.
#[derive(Debug)]
pub(crate) struct Tx<'a> {
    conn: &'a Connection,
    top: Option<rusqlite::Transaction<'a>>,
    /// A savepoint not yet released.
    nested_open: bool,
}

impl Tx<'_> {
    pub fn commit(mut self) -> Result<()> {
        match self.top.take() {
            Some(tx) => Ok(tx.commit()?),
            None if !self.nested_open => Ok(()),
            None => {
                self.conn.execute_batch("RELEASE lagom_nested")?;
                self.nested_open = false;
                Ok(())
            }
        }
    }
}

impl std::ops::Deref for Tx<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        self.conn
    }
}

impl Drop for Tx<'_> {
    fn drop(&mut self) {
        if self.nested_open {
            // Undo this level only; the caller's transaction goes on (or rolls back itself).
            let _ = self.conn.execute_batch("ROLLBACK TO lagom_nested; RELEASE lagom_nested");
        }
    }
}
