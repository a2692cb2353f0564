//! Lagom CRM's core: the encrypted store and the domain, with no window and no Tauri.
//!
//! Open a database with [`Lagom::open`] (or make one with [`Lagom::create`]) and a
//! [`KeyStore`]; then use the handles per area: [`Lagom::contacts`], [`Lagom::purposes`],
//! [`Lagom::settings`]. Every call is synchronous and short; callers that must not block
//! (the desktop app's UI thread) run it on a worker thread.

pub mod audit;
pub mod consent;
pub mod contacts;
pub mod error;
pub mod export;
pub mod personal_data;
pub mod purposes;
pub mod rights;
pub mod settings;
pub mod store;
pub mod validate;
pub mod vocab;

use std::path::Path;

pub use audit::{AuditEntry, AuditVerification};
pub use consent::{ConsentEvent, ConsentInput, ConsentLedger, ConsentOverview, ConsentState, OptOuts};
pub use contacts::{Contact, ContactInput, ContactPage, ContactSummary, Contacts, PurposeRef};
pub use error::{Error, ErrorKind, FieldError, FieldErrorCode, InvalidInput, Result};
pub use export::{ExportReceipt, ReportLanguage, suggested_file_name};
pub use purposes::{Purpose, PurposeInput, Purposes, Tag, TagInput};
pub use rights::{Rights, Tombstone};
pub use settings::Settings;
pub use store::keys::{DbKey, KeyStore, KeyStoreKind, KeychainStore, MemoryKeyStore, PassphraseStore};
pub use store::{SCHEMA_VERSION, Store, default_path};
pub use vocab::{Channel, ConsentEventKind, ConsentSource, LawfulBasis, MarketingChannel, Material, Stage, UiLanguage};

/// One open Lagom database.
#[derive(Debug)]
pub struct Lagom {
    store: Store,
    /// Who is acting, for the audit trail and the consent ledger: the OS login name.
    actor: String,
}

/// A database just created, and the recovery key to show its owner once.
#[derive(Debug)]
pub struct Created {
    pub lagom: Lagom,
    pub recovery_key: DbKey,
}

impl Lagom {
    /// Creates a new database at `path`; its key goes to `keys`.
    pub fn create(path: &Path, keys: &dyn KeyStore) -> Result<Created> {
        let (store, recovery_key) = Store::create(path, keys)?;
        Ok(Created { lagom: Lagom::with_store(store), recovery_key })
    }

    /// Opens an existing database with the key in `keys`.
    pub fn open(path: &Path, keys: &dyn KeyStore) -> Result<Lagom> {
        Ok(Lagom::with_store(Store::open(path, keys)?))
    }

    /// Opens an existing database with its recovery key and puts the key back into `keys`.
    pub fn recover(path: &Path, recovery_key: &str, keys: &dyn KeyStore) -> Result<Lagom> {
        Ok(Lagom::with_store(Store::recover(path, recovery_key, keys)?))
    }

    fn with_store(store: Store) -> Lagom {
        // The login name; a process started by a launcher may lack USER, so fall back to
        // LOGNAME, USERNAME (Windows) and the home folder's name.
        let home_name = || dirs::home_dir().and_then(|home| home.file_name().map(|n| n.to_string_lossy().into_owned()));
        let actor = ["USER", "LOGNAME", "USERNAME"]
            .iter()
            .filter_map(|var| std::env::var(var).ok())
            .chain(home_name())
            .find(|name| !name.trim().is_empty())
            .unwrap_or_else(|| "unknown user".to_owned());
        Lagom { store, actor }
    }

    /// Who the audit trail and the consent ledger name as acting.
    pub fn actor(&self) -> &str {
        &self.actor
    }

    pub fn consent(&self) -> ConsentLedger<'_> {
        ConsentLedger::new(&self.store.conn, &self.actor)
    }

    pub fn rights(&self) -> Rights<'_> {
        Rights::new(&self.store.conn, &self.actor)
    }

    /// Writes everything held about the contact to one ZIP at `out`.
    pub fn export_person(&self, contact_id: &str, out: &Path, language: ReportLanguage) -> Result<ExportReceipt> {
        export::export_person(self, contact_id, out, language)
    }

    /// Checks the whole audit chain.
    pub fn verify_audit(&self) -> Result<AuditVerification> {
        audit::verify(&self.store.conn)
    }

    /// The audit entries about one contact, oldest first.
    pub fn audit_for(&self, contact_id: &str) -> Result<Vec<AuditEntry>> {
        audit::for_subject(&self.store.conn, contact_id)
    }

    pub fn path(&self) -> &Path {
        self.store.path()
    }

    pub fn contacts(&self) -> Contacts<'_> {
        Contacts::new(&self.store.conn, &self.actor)
    }

    pub fn purposes(&self) -> Purposes<'_> {
        Purposes::new(&self.store.conn)
    }

    pub fn settings(&self) -> Result<Settings> {
        Settings::load(&self.store.conn)
    }

    pub fn save_settings(&self, settings: &Settings) -> Result<Settings> {
        Settings::save(&self.store.conn, settings)
    }

    /// Names of the organisations already known, for the form's suggestions.
    pub fn organisation_names(&self) -> Result<Vec<String>> {
        let names = self
            .store
            .conn
            .prepare_cached("SELECT name FROM organisation ORDER BY name COLLATE NOCASE")?
            .query_map([], |row| row.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(names)
    }

    /// The raw connection, for tests and diagnostics inside the workspace.
    #[doc(hidden)]
    pub fn connection(&self) -> &rusqlite::Connection {
        self.store.connection()
    }
}

/// A new random identifier (UUID v4). Ids are never reused, so an erased person's id cannot
/// come to mean someone else.
pub(crate) fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Now, in RFC 3339 UTC with second precision.
pub(crate) fn now() -> String {
    let now = time::OffsetDateTime::now_utc().replace_nanosecond(0).unwrap_or_else(|_| time::OffsetDateTime::now_utc());
    now.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}
