//! Lagom CRM's core: the encrypted store and the domain, with no window and no Tauri.
//!
//! Open a database with [`Lagom::open`] (or make one with [`Lagom::create`]) and a
//! [`KeyStore`]; then use the handles per area: [`Lagom::contacts`], [`Lagom::purposes`],
//! [`Lagom::settings`]. Every call is synchronous and short; callers that must not block
//! (the desktop app's UI thread) run it on a worker thread.

pub mod accountability;
pub mod audit;
pub mod backup;
pub mod breaches;
pub mod clock;
pub mod consent;
pub mod contacts;
mod context;
pub mod deadline;
pub mod document;
pub mod error;
pub mod export;
pub mod home;
pub mod import;
pub mod interactions;
pub mod notices;
pub mod personal_data;
pub mod purposes;
pub mod record;
pub mod requests;
pub mod retention;
pub mod rights;
pub mod second_factor;
pub mod settings;
pub mod special;
pub mod store;
pub mod unlock;
pub mod validate;
pub mod vocab;

use rusqlite::OptionalExtension;
use std::path::Path;
use std::sync::Arc;

pub use accountability::PackReceipt;
pub use audit::{AuditEntry, AuditVerification};
pub use backup::{BackupFile, BackupReceipt, RestoreReport};
pub use breaches::{
    Affected, AffectedContact, AffectedContacts, Breach, BreachAssessment, BreachClosing, BreachInput, BreachSummary,
    Breaches,
};
pub use clock::{Clock, FixedClock, SystemClock};
pub use consent::{ConsentEvent, ConsentInput, ConsentLedger, ConsentOverview, ConsentState, OptOuts};
pub use contacts::{
    Contact, ContactInput, ContactPage, ContactSummary, Contacts, MatchCount, PurposeRef, SearchResult,
};
pub use document::{DocumentFormat, Letter, LetterOf};
pub use error::{Error, ErrorKind, FieldError, FieldErrorCode, InvalidInput, Result};
pub use export::{ExportReceipt, ReportLanguage, suggested_file_name};
pub use home::Home;
pub use import::{DuplicateChoice, ImportField, ImportFile, ImportOptions, ImportReport, Imports};
pub use interactions::{Interaction, InteractionInput, Interactions};
pub use notices::{NoticeArticle, NoticeGiven, NoticeGivenInput, NoticeState, Notices, OwedNotice, OwedNotices};
pub use purposes::{Purpose, PurposeInput, Purposes, Tag, TagInput};
pub use record::RecordOfProcessing;
pub use requests::{Request, RequestInput, Requests};
pub use retention::{Applied, Expiry, Hold, Retention, SweepReport};
pub use rights::{ErasureReceipt, Rights, Tombstone};
pub use second_factor::{CodeAccepted, Enrolment, PendingSecondFactor, SecondFactorState};
pub use settings::{Controller, Settings};
pub use store::keys::{DbKey, KeyStore, KeyStoreKind, KeychainStore, MemoryKeyStore, PassphraseStore};
pub use store::{SCHEMA_VERSION, Store, canonical_path, default_path};
pub use vocab::{
    BreachKind, BreachStatus, Channel, ConsentEventKind, ConsentSource, ExtensionReason, HoldReason, IdentityCheck,
    InteractionKind, LawfulBasis, MarketingChannel, Material, RefusalReason, RequestKind, RequestStatus,
    RetentionAnchor, Stage, UiLanguage,
};

/// One open Lagom database.
#[derive(Debug)]
pub struct Lagom {
    store: Store,
    /// Who is acting, for the audit trail and the consent ledger: the OS login name.
    actor: String,
    /// Where every timestamp comes from: the system clock, or a test's.
    clock: Arc<dyn Clock>,
}

/// A restore or a key rotation that did not happen: why, and the register, handed back open
/// when it could be (always when the failure came before the swap).
#[derive(Debug)]
pub struct SwapFailed {
    pub error: Error,
    pub register: Option<Lagom>,
}

/// What [`Lagom::forget`] removed, and what it left (backups not chosen, a file it could not
/// remove).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
pub struct ForgetReport {
    pub removed: Vec<String>,
    pub kept: Vec<String>,
}

/// The setting that marks a recovery key not yet confirmed as stored.
pub(crate) const UNCONFIRMED: &str = "recovery_key_unconfirmed";

/// A database just created, and the recovery key to show its owner once.
#[derive(Debug)]
pub struct Created {
    pub lagom: Lagom,
    pub recovery_key: DbKey,
}

impl Lagom {
    /// Creates a new database at `path`; its key goes to `keys`.
    pub fn create(path: &Path, keys: &dyn KeyStore) -> Result<Created> {
        Self::create_with_clock(path, keys, Arc::new(SystemClock))
    }

    /// [`Lagom::create`] with the clock every timestamp comes from.
    pub fn create_with_clock(path: &Path, keys: &dyn KeyStore, clock: Arc<dyn Clock>) -> Result<Created> {
        let other = other_store(path, keys.kind())?;
        let (store, recovery_key) = Store::create(path, keys, other.as_ref(), clock.as_ref())?;
        store.conn.execute("INSERT OR REPLACE INTO setting (key, value) VALUES (?1, 'on')", [UNCONFIRMED])?;
        let lagom = Lagom::with_store(store, clock);
        // The trail's first entry: it tells this register's backups from another's.
        lagom.audit_security("register", "created")?;
        Ok(Created { lagom, recovery_key })
    }

    /// Opens an existing database with the key in `keys`.
    pub fn open(path: &Path, keys: &dyn KeyStore) -> Result<Lagom> {
        Self::open_with_clock(path, keys, Arc::new(SystemClock))
    }

    /// [`Lagom::open`] with the clock every timestamp comes from.
    pub fn open_with_clock(path: &Path, keys: &dyn KeyStore, clock: Arc<dyn Clock>) -> Result<Lagom> {
        let store = Store::open(path, keys, clock.as_ref())?;
        Ok(Lagom::with_store(store, clock))
    }

    /// Opens an existing database with its recovery key, puts the key back into `keys`, and
    /// removes the copy from the other kind of store (the key file when the key goes to the
    /// keychain, the keychain entry when it goes under a passphrase), so it lives in one place.
    pub fn recover(path: &Path, recovery_key: &str, keys: &dyn KeyStore) -> Result<Lagom> {
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let other = other_store(path, keys.kind())?;
        let store = Store::recover(path, recovery_key, keys, other.as_ref(), clock.as_ref())?;
        let lagom = Lagom::with_store(store, clock);
        // Whoever typed the recovery key has it.
        lagom.confirm_recovery_key()?;
        Ok(lagom)
    }

    /// An **unencrypted** register with the same schema, for the benchmark's plain-SQLite
    /// column only (feature `unencrypted-benchmark`, never enabled in a shipped binary).
    #[cfg(feature = "unencrypted-benchmark")]
    #[doc(hidden)]
    pub fn unencrypted_for_benchmark(path: &Path) -> Result<Lagom> {
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let store = Store::unencrypted_for_benchmark(path, clock.as_ref())?;
        Ok(Lagom::with_store(store, clock))
    }

    fn with_store(store: Store, clock: Arc<dyn Clock>) -> Lagom {
        Lagom { store, actor: os_account(), clock }
    }

    /// The connection, who acts and the clock, as every handle takes them.
    fn ctx(&self) -> context::Ctx<'_> {
        context::Ctx { conn: &self.store.conn, actor: &self.actor, clock: self.clock.as_ref(), savepoints: true }
    }

    /// The clock every timestamp comes from.
    pub fn clock(&self) -> &dyn Clock {
        self.clock.as_ref()
    }

    /// Who the audit trail and the consent ledger name as acting.
    pub fn actor(&self) -> &str {
        &self.actor
    }

    pub fn breaches(&self) -> Breaches<'_> {
        Breaches::new(self.ctx())
    }

    /// Lagom's assessment of a lost device for the breach `id` (Art. 34(3)(a)): what it knows
    /// of this register's encryption and where its key is; `None` for other kinds of breach.
    pub fn breach_assessment(&self, id: &str, language: ReportLanguage) -> Result<Option<BreachAssessment>> {
        self.breaches().assessment(id, KeyStoreKind::for_database(self.path()), language)
    }

    /// A letter to one person: their information notice or a breach notification, in
    /// `language`, else the person's own, else `fallback` (the app's as shown).
    pub fn letter(
        &self,
        of: &LetterOf,
        language: Option<ReportLanguage>,
        fallback: Option<ReportLanguage>,
    ) -> Result<Letter> {
        match of {
            LetterOf::Notice { contact_id } => self.notices().notice(contact_id, language, fallback),
            LetterOf::BreachNotification { breach_id, contact_id } => {
                self.breaches().notification(breach_id, contact_id, language, fallback)
            }
        }
    }

    pub fn consent(&self) -> ConsentLedger<'_> {
        ConsentLedger::new(self.ctx())
    }

    pub fn imports(&self) -> Imports<'_> {
        Imports::new(self.ctx())
    }

    pub fn interactions(&self) -> Interactions<'_> {
        Interactions::new(self.ctx())
    }

    pub fn notices(&self) -> Notices<'_> {
        Notices::new(self.ctx())
    }

    pub fn requests(&self) -> Requests<'_> {
        Requests::new(self.ctx())
    }

    pub fn retention(&self) -> Retention<'_> {
        Retention::new(self.ctx())
    }

    pub fn rights(&self) -> Rights<'_> {
        Rights::new(self.ctx())
    }

    /// The app lock's second factor (TOTP and recovery codes).
    pub fn second_factor(&self) -> second_factor::SecondFactor<'_> {
        second_factor::SecondFactor { ctx: self.ctx() }
    }

    /// A new second-factor secret for this computer's user, to be confirmed with
    /// [`second_factor::SecondFactor::enable`].
    pub fn begin_second_factor(&self) -> Result<(PendingSecondFactor, Enrolment)> {
        second_factor::begin(&self.actor)
    }

    /// Records in the audit trail the failed unlock attempts made since the last unlock (they
    /// could not be written while the register was locked): how many, from when to when.
    pub fn record_failed_unlocks(&self, failed: &unlock::FailedAttempts) -> Result<()> {
        let text = format!("{} failed between {} and {}", failed.failures, failed.first_at, failed.last_at);
        self.audit_security("unlock", &text)
    }

    /// Writes everything held about the contact to one ZIP at `out`.
    pub fn export_person(&self, contact_id: &str, out: &Path, language: ReportLanguage) -> Result<ExportReceipt> {
        export::export_person(self.ctx(), contact_id, out, language)
    }

    /// The file name offered for the export of a contact: no personal data, today's date.
    pub fn export_file_name(&self, contact_id: &str) -> Result<String> {
        let contact = self.contacts().get(contact_id)?;
        Ok(export::suggested_file_name(&contact, self.clock.today()))
    }

    /// The record of processing activities (Art. 30), generated from the live settings.
    pub fn record_of_processing(&self) -> Result<RecordOfProcessing> {
        record::build(self.ctx(), KeyStoreKind::for_database(self.path()))
    }

    /// What needs attention as of `as_of` (today when `None`): the home view.
    pub fn home(&self, as_of: Option<chrono::NaiveDate>) -> Result<Home> {
        home::build(self.ctx(), as_of)
    }

    /// Writes the accountability pack (Art. 30 record, erasure ledger, request register,
    /// consent statistics, audit verification, manifest) to one ZIP at `out`.
    pub fn accountability_pack(&self, out: &Path, language: ReportLanguage) -> Result<PackReceipt> {
        let record = self.record_of_processing()?;
        accountability::write(self.ctx(), &record, out, language)
    }

    /// Backs the register up into `folder` (the last backup's folder, else `backups` beside
    /// the database, when `None`): a consistent encrypted copy that the recovery key opens,
    /// and the erasure ledger beside it brought up to date.
    pub fn backup(&self, folder: Option<&Path>) -> Result<BackupReceipt> {
        let folder = match folder {
            Some(folder) => folder.to_owned(),
            None => backup::last_folder(&self.store.conn)?.unwrap_or_else(|| backup::default_folder(self.path())),
        };
        backup::take(self.ctx(), self.path(), &folder)
    }

    /// The daily backup, on the first start of the day (when the settings have it on, as they
    /// do by default): taken if no backup of this register is from today, then only the
    /// newest `backups_kept` in that folder are kept. `None` when there was nothing to do.
    pub fn scheduled_backup(&self) -> Result<Option<BackupReceipt>> {
        let settings = self.settings()?;
        if !settings.daily_backup {
            return Ok(None);
        }
        let today = self.clock.today();
        let latest = self.backups()?.into_iter().next();
        let taken_today =
            latest.and_then(|b| clock::parse_timestamp(&b.taken_at)).is_some_and(|at| self.clock.date_of(at) == today);
        if taken_today {
            return Ok(None);
        }
        let receipt = self.backup(None)?;
        if let Some(folder) = Path::new(&receipt.path).parent() {
            backup::prune(&self.store.conn, folder, settings.backups_kept)?;
        }
        Ok(Some(receipt))
    }

    /// The backups this register made that are still where they were written, newest first.
    pub fn backups(&self) -> Result<Vec<BackupFile>> {
        backup::list(&self.store.conn)
    }

    /// Replaces the register with the backup at `from`, then erases again everyone erased
    /// since, from this register's tombstones and the signed erasure ledgers beside the backup
    /// and in every folder this register backed up to. The backup is checked first on a
    /// private copy (it opens with this register's key from `keys`, passes `integrity_check`
    /// and the audit chain, an older schema is migrated, a newer one refused); only then does
    /// it replace the register, under the register's lock throughout, and the register it
    /// replaced is removed once the restored one has opened. The backup file is never changed.
    /// It opens the backup with the key this register opened with, so nothing is asked again.
    /// A failure hands the register back, open, whenever it can (`SwapFailed::register`).
    pub fn restore(self, from: &Path) -> std::result::Result<(Lagom, RestoreReport), Box<SwapFailed>> {
        let key = self.store.key.clone();
        self.restore_under(from, &key)
    }

    /// [`Lagom::restore`] of a backup taken before the key was rotated: it opens with the
    /// recovery key of that time. The restored register keeps the current key (it is
    /// re-encrypted under it), so nothing changes in the keychain or key file.
    pub fn restore_with_recovery_key(
        self,
        from: &Path,
        recovery_key: &str,
    ) -> std::result::Result<(Lagom, RestoreReport), Box<SwapFailed>> {
        match DbKey::from_recovery_key(recovery_key) {
            Ok(key) => self.restore_under(from, &key),
            Err(error) => Err(Box::new(SwapFailed { error, register: Some(self) })),
        }
    }

    fn restore_under(self, from: &Path, key: &DbKey) -> std::result::Result<(Lagom, RestoreReport), Box<SwapFailed>> {
        match self.prepare_swap(from, key) {
            Ok((prepared, restoring)) => self.swap(prepared, &restoring),
            Err(error) => Err(Box::new(SwapFailed { error, register: Some(self) })),
        }
    }

    /// A restore's first half, which changes nothing of the register: the verified copy.
    fn prepare_swap(&self, from: &Path, backup_key: &DbKey) -> Result<(Prepared, std::path::PathBuf)> {
        let live = self.path().to_owned();
        let from = canonical_path(from)?;
        let restoring = store::with_suffix(&live, ".restoring");
        if from == live || from == restoring {
            return Err(Error::AlreadyExists { path: from });
        }
        let conn = &self.store.conn;
        let mut ledgers = vec![from.parent().unwrap_or(Path::new(".")).join(backup::LEDGER_FILE)];
        for folder in backup::folders(conn)? {
            let ledger = folder.join(backup::LEDGER_FILE);
            if !ledgers.contains(&ledger) {
                ledgers.push(ledger);
            }
        }
        let secret = backup::ledger_secret(conn)?;
        let (erasures, refused) = backup::known_erasures(Some(conn), &ledgers, &secret)?;
        let carried: Vec<(String, String, String)> = conn
            .prepare("SELECT id, at, file FROM backup_taken")?
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let replaced_contacts: u32 = conn.query_row("SELECT count(*) FROM contact", [], |row| row.get(0))?;

        let mut prepared = prepare_restore(
            &from,
            &restoring,
            backup_key,
            self.clock.clone(),
            |_| Ok((erasures, refused)),
            Some(Carried {
                backups: &carried,
                ledger_secret: &secret,
                key: &self.store.key,
                second_factor: &second_factor::Stored::read(conn)?,
                unconfirmed_key: self.unconfirmed_recovery_key()?.is_some(),
                genesis: audit::genesis(conn)?,
                idle_lock: conn
                    .query_row("SELECT value FROM setting WHERE key = ?1", [IDLE_LOCK_SETTING], |row| row.get(0))
                    .optional()?,
            }),
        )?;
        prepared.report.replaced_contacts = replaced_contacts;
        if let Err(e) = backup::checkpoint(conn) {
            store::remove_working_copy(&restoring);
            return Err(e);
        }
        Ok((prepared, restoring))
    }

    /// A restore's second half: the swap, under the register's lock from here to the reopen, so
    /// no other Lagom opens either file meanwhile. The register is linked aside (no copy, never
    /// clobbered), then the restored file replaces it in one rename: there is always a
    /// `lagom.db`. On a failure the register as it was comes back and is handed back open.
    fn swap(
        self,
        prepared: Prepared,
        restoring: &Path,
    ) -> std::result::Result<(Lagom, RestoreReport), Box<SwapFailed>> {
        let live = self.path().to_owned();
        let key = self.store.key.clone();
        let clock = self.clock.clone();
        let failed = |error: Error, register: Option<Lagom>| Box::new(SwapFailed { error, register });
        let lock = match self.store.close_keeping_lock() {
            Ok(lock) => lock,
            Err(e) => {
                store::remove_working_copy(restoring);
                return Err(failed(e, None));
            }
        };
        // Every step below holds `lock`; `reopen` opens the register under it.
        let reopen = |lock: &std::fs::File| {
            Store::open_locked(&live, &key, lock, clock.as_ref())
                .ok()
                .map(|store| Lagom::with_store(store, clock.clone()))
        };
        let stamp = clock.now().format("%Y%m%dT%H%M%SZ").to_string();
        let Some(aside) = (0..100)
            .map(|n| store::with_suffix(&live, &format!(".before-restore-{stamp}-{n}")))
            .find(|path| !path.exists())
        else {
            store::remove_working_copy(restoring);
            return Err(failed(Error::AlreadyExists { path: live.clone() }, reopen(&lock)));
        };
        // Linked aside, so the register is never missing; where the file system has no links
        // (FAT, some network shares) it is renamed aside instead, still under the lock.
        let linked = std::fs::hard_link(&live, &aside).is_ok();
        if !linked && let Err(e) = std::fs::rename(&live, &aside) {
            store::remove_working_copy(restoring);
            return Err(failed(Error::io("keep aside", &live, e), reopen(&lock)));
        }
        // The old register's side files must not meet the new one (its WAL is checkpointed).
        let remove_sides = || {
            for side in ["-wal", "-shm"] {
                let _ = std::fs::remove_file(store::with_suffix(&live, side));
            }
        };
        remove_sides();
        if let Err(e) = std::fs::rename(restoring, &live) {
            if linked {
                let _ = std::fs::remove_file(&aside);
            } else {
                let _ = std::fs::rename(&aside, &live);
            }
            store::remove_working_copy(restoring);
            return Err(failed(Error::io("put in place", &live, e), reopen(&lock)));
        }
        store::sync_folder(&live);
        let _ = std::fs::remove_file(store::lock_path(restoring));
        match Store::open_locked(&live, &key, &lock, clock.as_ref()) {
            Ok(store) => {
                drop(lock); // the store shares it
                let _ = std::fs::remove_file(&aside);
                Ok((Lagom::with_store(store, clock), prepared.report))
            }
            Err(e) => {
                // The register as it was comes back, in one rename, and is handed back open.
                remove_sides();
                if let Err(back) = std::fs::rename(&aside, &live) {
                    let kept = format!("{} (the register before the restore)", aside.display());
                    return Err(failed(Error::io("put back", kept, back), None));
                }
                store::sync_folder(&live);
                Err(failed(e, reopen(&lock)))
            }
        }
    }

    /// Rotates the database key: the register is re-encrypted under a new random key, which
    /// replaces the current one in `keys` (the store that holds it; a passphrase store must be
    /// given the passphrase). The new key is returned once, as the new recovery key; the old
    /// recovery key no longer opens the register (backups taken before still open with it).
    /// Safe against a crash at any moment: the register then opens with the old key or the new
    /// one (see `store/rekey.rs`). A failure hands the register back, open, whenever it can.
    pub fn rekey(self, keys: &dyn KeyStore) -> std::result::Result<(Lagom, DbKey), Box<SwapFailed>> {
        let clock = self.clock.clone();
        match self.store.rekey(keys, clock.as_ref()) {
            Ok((store, key)) => {
                let lagom = Lagom::with_store(store, clock);
                // The rotation is done; its entry in the audit trail is best effort.
                let _ = lagom.audit_security("database_key", "rotated");
                Ok((lagom, key))
            }
            Err(failed) => {
                let (error, store) = *failed;
                Err(Box::new(SwapFailed { error, register: store.map(|store| Lagom::with_store(store, clock)) }))
            }
        }
    }

    /// Names the default purposes and tags in the language of the first run (in Swedish:
    /// Kundrelation, Nyhetsbrev, Evenemang, webbinarier, produktnyheter). Only a register that
    /// is still new is changed: no contact yet, and only defaults that still have their
    /// English names. They stay editable like any other.
    pub fn name_defaults_in(&self, language: ReportLanguage) -> Result<()> {
        if language != ReportLanguage::Sv {
            return Ok(());
        }
        let conn = &self.store.conn;
        if conn.prepare_cached("SELECT 1 FROM contact LIMIT 1")?.exists([])? {
            return Ok(());
        }
        let tx = conn.unchecked_transaction()?;
        for (english, swedish, description) in store::SWEDISH_DEFAULTS {
            tx.execute(
                "UPDATE purpose SET name = ?2, description = ?3
                 WHERE name = ?1 AND NOT EXISTS (SELECT 1 FROM purpose WHERE name = ?2)",
                (english, swedish, description),
            )?;
        }
        for (english, swedish) in store::SWEDISH_TAGS {
            tx.execute(
                "UPDATE tag SET name = ?2 WHERE name = ?1 AND NOT EXISTS (SELECT 1 FROM tag WHERE name = ?2)",
                (english, swedish),
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The recovery key while its owner has not yet confirmed storing it (after set-up or a key
    /// rotation): shown again at every open until confirmed, so a crash, a lock or a closed
    /// window while it was on screen does not lose it.
    pub fn unconfirmed_recovery_key(&self) -> Result<Option<DbKey>> {
        let flagged = self.store.conn.prepare_cached("SELECT 1 FROM setting WHERE key = ?1")?.exists([UNCONFIRMED])?;
        Ok(flagged.then(|| self.store.key.clone()))
    }

    /// The owner has stored the recovery key.
    pub fn confirm_recovery_key(&self) -> Result<()> {
        self.store.conn.execute("DELETE FROM setting WHERE key = ?1", [UNCONFIRMED])?;
        Ok(())
    }

    /// Moves the key from `from` (which must hold this register's key: a passphrase store is
    /// checked with its passphrase) to `to`, then removes it from `from`: "Ask for a passphrase
    /// when Lagom opens" on (keychain → key file) and off (key file → keychain). The database
    /// is not re-encrypted. Stopped half way, the key is in both, never in neither.
    pub fn move_key(&self, from: &dyn KeyStore, to: &dyn KeyStore) -> Result<()> {
        if from.kind() == to.kind() {
            return Err(Error::AlreadyExists { path: self.path().to_owned() });
        }
        self.check_holds_key(from)?;
        to.save(&self.store.key)?;
        // The key must not stay where it was (a passphrase "on" with the key still readable in
        // the keychain protects nothing): when it cannot be removed there, the move is undone.
        if let Err(e) = from.remove_copy_of(&self.store.key) {
            let _ = to.delete();
            return Err(e);
        }
        let _ = from.delete_pending();
        self.audit_security("key_store", to.kind().describe())
    }

    /// Wraps the key under a new passphrase (`new`, checked for strength) after `current` has
    /// been checked; the key file is replaced in one rename.
    pub fn change_passphrase(&self, current: &PassphraseStore, new: &str) -> Result<()> {
        PassphraseStore::check_strength(new)?;
        self.check_holds_key(current)?;
        PassphraseStore::for_database(self.path(), new).save(&self.store.key)?;
        self.audit_security("passphrase", "changed")
    }

    /// Refuses unless `keys` holds the key this register is open with (a wrong passphrase is
    /// `wrong_passphrase`).
    pub fn check_holds_key(&self, keys: &dyn KeyStore) -> Result<()> {
        match keys.load()? {
            Some(held) if held == self.store.key => Ok(()),
            _ => Err(Error::KeyMissing { store: keys.kind().describe() }),
        }
    }

    /// A change to how the register is protected, in the audit trail (never a secret).
    fn audit_security(&self, what: &str, new_value: &str) -> Result<()> {
        audit::record(
            &self.ctx(),
            audit::Change {
                action: audit::AuditAction::Update,
                subject_id: None,
                field: Some(&format!("security/{what}")),
                old_value: None,
                new_value: Some(new_value),
            },
        )
    }

    /// A restore onto a computer without the register (the laptop was lost): the backup at
    /// `from` becomes the register at `path`, opened with its recovery key, after the erasures in
    /// the signed ledgers beside the backup and in every folder the backup knew of are applied
    /// again; the key then goes into `keys`. Refused where a register, its side files or a key
    /// for `path` already exist (as a creation is); undone whole on any failure.
    pub fn restore_new(
        path: &Path,
        from: &Path,
        recovery_key: &str,
        keys: &dyn KeyStore,
    ) -> Result<(Lagom, RestoreReport)> {
        let key = DbKey::from_recovery_key(recovery_key)?;
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            store::create_private_dir(parent)?;
        }
        let lock = store::lock(path)?;
        if let Some(existing) = store::database_files(path).into_iter().find(|f| f.symlink_metadata().is_ok()) {
            return Err(Error::AlreadyExists { path: existing });
        }
        let other = other_store(path, keys.kind())?;
        for store in [keys, other.as_ref()] {
            // A keychain that cannot be reached (no Secret Service: the passphrase case) holds none.
            let holds = match store.holds_key() {
                Err(Error::KeychainUnavailable(_)) => false,
                other => other?,
            };
            if holds {
                return Err(Error::KeyAlreadyStored {
                    path: path.to_owned(),
                    store: store.kind().describe(),
                    how: store.location(),
                });
            }
        }
        let from = canonical_path(from)?;
        let restoring = store::with_suffix(path, ".restoring");
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        // The ledger's key and the folders of the backups are in the backup itself: read from
        // the copy once it is open.
        let beside = from.parent().unwrap_or(Path::new(".")).join(backup::LEDGER_FILE);
        let ledger_erasures = |copy: &rusqlite::Connection| {
            let mut ledgers = vec![beside.clone()];
            for folder in backup::folders(copy)? {
                let ledger = folder.join(backup::LEDGER_FILE);
                if !ledgers.contains(&ledger) {
                    ledgers.push(ledger);
                }
            }
            backup::known_erasures(None, &ledgers, &backup::ledger_secret(copy)?)
        };
        let prepared = prepare_restore(&from, &restoring, &key, clock.clone(), ledger_erasures, None)?;
        let undo = |error: Error| {
            let _ = keys.delete();
            store::remove_working_copy(&restoring);
            error
        };
        keys.save(&key).map_err(undo)?;
        // Published without replacing anything: linked into place, then the copy's name goes.
        if std::fs::hard_link(&restoring, path).is_err() {
            std::fs::rename(&restoring, path).map_err(|e| undo(Error::io("put in place", path, e)))?;
        }
        store::remove_working_copy(&restoring);
        store::sync_folder(path);
        match Store::open_locked(path, &key, &lock, clock.as_ref()) {
            Ok(store) => {
                let lagom = Lagom::with_store(store, clock);
                // Whoever typed the recovery key has it.
                let _ = lagom.confirm_recovery_key();
                Ok((lagom, prepared.report))
            }
            Err(e) => {
                let _ = std::fs::remove_file(path);
                Err(undo(e))
            }
        }
    }

    /// Removes Lagom's data from this computer (a leaver's laptop, one going back to IT): the
    /// database and its side files, a register a restore left aside, this register's key in
    /// the key file and the keychain, and — when `backups` — the backups this register made and
    /// the erasure ledgers that list only its erasures. Says what it removed and what it kept.
    /// The files are deleted, not overwritten (an SSD cannot promise that); with the key gone,
    /// what may linger on the disk is ciphertext no one can read.
    pub fn forget(self, keys: &dyn KeyStore, backups: bool) -> Result<ForgetReport> {
        let path = self.path().to_owned();
        let conn = &self.store.conn;
        let backup_files = backup::files(conn)?;
        let folders = backup::folders(conn)?;
        let secret = backup::ledger_secret(conn)?;
        let key = Some(self.store.key.clone());
        let lock = self.store.close_keeping_lock()?;
        let mut report = ForgetReport::default();
        let remove = |file: &Path, report: &mut ForgetReport| match std::fs::remove_file(file) {
            Ok(()) => report.removed.push(file.to_string_lossy().into_owned()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(_) => report.kept.push(file.to_string_lossy().into_owned()),
        };
        for file in store::database_files(&path) {
            remove(&file, &mut report);
        }
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let dir = path.parent().unwrap_or(Path::new(".")).to_owned();
        // Registers a restore left aside, or a restore that stopped half way.
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let file = entry.file_name().to_string_lossy().into_owned();
            // … and its failed-attempts file (counts and times, nothing secret).
            if ["before-restore-", "restoring", "rekeying", "attempts"]
                .iter()
                .any(|leftover| file.starts_with(&format!("{name}.{leftover}")))
            {
                remove(&entry.path(), &mut report);
            }
        }
        // This register's key, wherever it is: never another database's (an entry under the
        // path as typed may hold one).
        if let Some(key) = &key {
            let other: Option<Box<dyn KeyStore>> = other_store(&path, keys.kind()).ok();
            for store in std::iter::once(keys).chain(other.as_deref()) {
                if !store.holds_key().unwrap_or(true) {
                    continue;
                }
                let location = store.location();
                // A key file is this path's own (no passphrase is needed to delete it); a
                // keychain entry under the path as typed may hold another database's key.
                let _ = store.delete_pending();
                let removed =
                    if store.kind() == KeyStoreKind::Passphrase { store.delete() } else { store.remove_copy_of(key) };
                match removed {
                    Ok(()) if !store.holds_key().unwrap_or(true) => {
                        report.removed.push(format!("the key in {location}"));
                    }
                    // Another database's key under this path's name: not ours to remove.
                    Ok(()) => {}
                    Err(_) => report.kept.push(format!("the key in {location}: remove it there")),
                }
            }
        }
        for file in backup_files.iter().filter(|file| file.exists()) {
            if backups {
                remove(file, &mut report);
            } else {
                report.kept.push(file.to_string_lossy().into_owned());
            }
        }
        for ledger in folders.iter().map(|folder| folder.join(backup::LEDGER_FILE)).filter(|l| l.exists()) {
            // A ledger shared with another register (lines it signed) stays.
            let only_ours = backup::read_ledger(&ledger, &secret).is_ok_and(|(_, refused)| refused == 0);
            if backups && only_ours {
                remove(&ledger, &mut report);
            } else {
                report.kept.push(ledger.to_string_lossy().into_owned());
            }
        }
        drop(lock);
        remove(&store::lock_path(&path), &mut report);
        // Only the folders Lagom makes by itself, once empty.
        if backups {
            let _ = std::fs::remove_dir(backup::default_folder(&path));
        }
        if default_path().parent() == Some(dir.as_path()) {
            let _ = std::fs::remove_dir(&dir);
        }
        Ok(report)
    }

    /// Checks the whole audit chain.
    pub fn verify_audit(&self) -> Result<AuditVerification> {
        audit::verify(&self.store.conn)
    }

    /// The audit entries about one contact, oldest first.
    pub fn audit_for(&self, contact_id: &str) -> Result<Vec<AuditEntry>> {
        let current = match self.contacts().get(contact_id) {
            Ok(contact) => Some(contacts::audited_fields(&contact)),
            Err(Error::NotFound { .. }) => None,
            Err(e) => return Err(e),
        };
        audit::for_subject(&self.store.conn, contact_id, current.as_ref())
    }

    pub fn path(&self) -> &Path {
        self.store.path()
    }

    pub fn contacts(&self) -> Contacts<'_> {
        Contacts::new(self.ctx())
    }

    pub fn purposes(&self) -> Purposes<'_> {
        Purposes::new(self.ctx())
    }

    pub fn settings(&self) -> Result<Settings> {
        Settings::load(&self.store.conn)
    }

    pub fn save_settings(&self, settings: &Settings) -> Result<Settings> {
        Settings::save(&self.ctx(), settings)
    }

    /// Refuses settings [`Lagom::save_settings`] would refuse, without saving anything (so a
    /// confirmation is asked only for settings that will be saved).
    pub fn check_settings(&self, settings: &Settings) -> Result<()> {
        Settings::checked(settings).map(drop)
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

/// The other kind of store that may hold a key for `path`: the OS keychain beside a passphrase
/// key file, and the key file beside the keychain (and beside the tests' memory store).
struct Prepared {
    report: RestoreReport,
}

/// What the register being replaced carries into the restored one: its backup records, the
/// key that signs its erasure ledger lines, and its database key (a backup from before a key
/// rotation takes the current key).
struct Carried<'a> {
    backups: &'a [(String, String, String)],
    ledger_secret: &'a [u8],
    key: &'a DbKey,
    /// The app lock's second factor as it is now: a restore never turns it off or brings back
    /// used recovery codes.
    second_factor: &'a second_factor::Stored,
    /// Whether the current recovery key still waits to be confirmed.
    unconfirmed_key: bool,
    /// The register's first audit entry ([`audit::genesis`]): a backup whose trail starts
    /// elsewhere is another register's and is refused.
    genesis: Option<Vec<u8>>,
    /// The idle lock as set now (its stored value, if any): part of the protection, so a
    /// restore never brings back an older, weaker one.
    idle_lock: Option<String>,
}

/// The setting that holds the idle lock's minutes.
const IDLE_LOCK_SETTING: &str = "lock_after_idle_minutes";

/// Copies the backup `from` to the private file `restoring` beside the register and makes it
/// the register to put in place: opened with `key` (an older schema migrated, a newer refused),
/// `integrity_check` and the audit chain passed, every erasure in `erasures` applied again with
/// its tombstone, the live register's backup records carried over, the WAL truncated. On any
/// failure the copy is removed and the register is untouched.
fn prepare_restore(
    from: &Path,
    restoring: &Path,
    key: &DbKey,
    clock: Arc<dyn Clock>,
    erasures: impl FnOnce(&rusqlite::Connection) -> Result<(Vec<Tombstone>, u32)>,
    register: Option<Carried<'_>>,
) -> Result<Prepared> {
    let (carried, ledger_secret, rekey_to, lock, genesis) = match register {
        Some(Carried { backups, ledger_secret, key, second_factor, unconfirmed_key, genesis, idle_lock }) => {
            (backups, Some(ledger_secret), Some(key), Some((second_factor, unconfirmed_key, idle_lock)), genesis)
        }
        None => (&[][..], None, None, None, None),
    };
    for leftover in store::database_files(restoring) {
        let _ = std::fs::remove_file(leftover);
    }
    let prepared = store::copy_private(from, restoring).and_then(|_| {
        let copy = Lagom::with_store(Store::open_copy(restoring, key, clock.as_ref())?, clock);
        let conn = &copy.store.conn;
        let check: String = conn.query_row("PRAGMA integrity_check", [], |row| row.get(0))?;
        if check != "ok" || !copy.verify_audit()?.is_intact() {
            return Err(Error::NotADatabase { path: from.to_owned() });
        }
        // Another register's backup (opened with the recovery key given for it) is refused:
        // this register's erasures would not be in its ledgers.
        if let (Some(ours), Some(theirs)) = (&genesis, audit::genesis(conn)?)
            && *ours != theirs
        {
            return Err(Error::OtherRegister { path: from.to_owned() });
        }
        let taken_at = backup::taken_at(conn)?;
        let (erasures, refused) = erasures(conn)?;
        let mut reapplied = 0;
        // Every tombstone the register holds or signed is applied, whatever its date says: a
        // clock that was wrong at the backup or at the erasure must not bring anyone back.
        for tombstone in &erasures {
            let present =
                conn.prepare_cached("SELECT 1 FROM contact WHERE id = ?1")?.exists([&tombstone.contact_id])?;
            if present {
                copy.rights().reapply(tombstone)?;
                reapplied += 1;
            } else {
                // Erased before the backup, or never in it: the tombstone is kept all the same.
                rights::insert_tombstone(conn, tombstone, true)?;
            }
        }
        // The register's ledger key (an older backup, migrated, was given a new one), so its
        // signed lines keep verifying after the restore.
        if let Some(secret) = ledger_secret {
            conn.execute("DELETE FROM ledger_secret", [])?;
            conn.execute("INSERT INTO ledger_secret (secret) VALUES (?1)", [secret])?;
        }
        // Later erasures go to every folder the register backed up to, not only those the
        // backup knew.
        for (id, at, file) in carried {
            conn.execute(
                "INSERT OR IGNORE INTO backup_taken (id, at, file) VALUES (?1, ?2, ?3)",
                rusqlite::params![id, at, file],
            )?;
        }
        if let Some((lock, unconfirmed, idle_lock)) = lock {
            lock.write(conn)?;
            conn.execute("DELETE FROM setting WHERE key = ?1", [IDLE_LOCK_SETTING])?;
            if let Some(minutes) = idle_lock {
                conn.execute(
                    "INSERT INTO setting (key, value) VALUES (?1, ?2)",
                    [IDLE_LOCK_SETTING, minutes.as_str()],
                )?;
            }
            // Whether the current recovery key still waits to be confirmed is the register's.
            conn.execute("DELETE FROM setting WHERE key = ?1", [UNCONFIRMED])?;
            if unconfirmed {
                conn.execute("INSERT INTO setting (key, value) VALUES (?1, 'on')", [UNCONFIRMED])?;
            }
        }
        backup::checkpoint(conn)?;
        // A backup from before a key rotation takes the register's current key.
        if let Some(current) = rekey_to.filter(|current| *current != key) {
            store::rekey_copy_in_place(conn, current)?;
        }
        let contacts: u32 = conn.query_row("SELECT count(*) FROM contact", [], |row| row.get(0))?;
        Ok(Prepared {
            report: RestoreReport {
                restored_from: from.to_string_lossy().into_owned(),
                backup_taken_at: taken_at,
                reapplied,
                rejected: refused,
                contacts,
                replaced_contacts: 0,
            },
        })
    });
    if prepared.is_err() {
        store::remove_working_copy(restoring);
    }
    prepared
}

/// Removes a restore's working copy and its side files.
fn other_store(path: &Path, kind: KeyStoreKind) -> Result<Box<dyn KeyStore>> {
    Ok(match kind {
        KeyStoreKind::Passphrase => match KeychainStore::for_database(path) {
            Ok(keychain) => Box::new(keychain),
            // No keychain on this machine: it holds no key.
            Err(Error::KeychainUnavailable(_)) => Box::new(MemoryKeyStore::new()),
            Err(e) => return Err(e),
        },
        KeyStoreKind::Keychain | KeyStoreKind::Memory => Box::new(PassphraseStore::key_file_of(path)),
    })
}

/// Who is acting: the OS account of this process, read from the system's user database
/// (`getpwuid` on Unix, `GetUserNameW` on Windows), not from `USER` or `LOGNAME`, which any
/// caller can set.
fn os_account() -> String {
    whoami::username().ok().filter(|name| !name.trim().is_empty()).unwrap_or_else(|| "unknown user".to_owned())
}
