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
}
