//! The open database of this window, if any, and how it got opened; the app lock. The mutex
//! is held only for one short core call at a time and never across a dialog.
//!
//! Locked means: no open register in this process (the connection closed, SQLCipher's key
//! material and the `DbKey` wiped), nothing pending, and the UI told to drop what it shows. To
//! unlock, the passphrase opens the register (when the key is under one), and the second
//! factor, when on, must accept a code before the register is handed to any command.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use lagom_core::unlock::UnlockAttempts;
use lagom_core::{
    DbKey, Enrolment, Error, ErrorKind, KeyStore, KeyStoreKind, KeychainStore, Lagom, PassphraseStore,
    PendingSecondFactor, SystemClock,
};
use tauri::ipc::Channel;

use crate::ipc::{IpcError, IpcResult, LockEvent, RecoveryKeyView, SecurityState, SessionPhase, SessionStatus};

#[derive(Debug)]
pub struct Session {
    db_path: PathBuf,
    lagom: Mutex<Option<Lagom>>,
    /// Opened with the passphrase, waiting for the second factor's code: no command reaches it.
    awaiting_code: Mutex<Option<Lagom>>,
    /// Locked with the key in the keychain and the second factor on: the register stays closed
    /// until a code is given (it is opened to check it).
    code_locked: AtomicBool,
    /// The recovery key of a database just created, until its owner says it is stored, so
    /// "Copy" can put it on the clipboard without the UI sending it back.
    recovery_key: Mutex<Option<DbKey>>,
    /// A second-factor secret being enrolled, until a code confirms it.
    enrolment: Mutex<Option<PendingSecondFactor>>,
    /// Where a lock the OS asked for (suspend, the session locked) is announced to the UI.
    lock_channel: Mutex<Option<LockChannel>>,
    /// A backup file chosen in the open dialog, to restore.
    picked_backup: Mutex<Option<PathBuf>>,
    attempts: UnlockAttempts,
}

/// The UI's end of the lock announcements.
struct LockChannel(Channel<LockEvent>);

impl std::fmt::Debug for LockChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LockChannel")
    }
}

fn locked<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Session {
    pub fn new(db_path: PathBuf) -> Self {
        Session {
            attempts: UnlockAttempts::for_database(&db_path),
            db_path,
            lagom: Mutex::new(None),
            awaiting_code: Mutex::new(None),
            code_locked: AtomicBool::new(false),
            recovery_key: Mutex::new(None),
            enrolment: Mutex::new(None),
            lock_channel: Mutex::new(None),
            picked_backup: Mutex::new(None),
        }
    }

    fn recovery_slot(&self) -> MutexGuard<'_, Option<DbKey>> {
        locked(&self.recovery_key)
    }

    /// Copies the new database's recovery key (64 hex characters) to the clipboard, kept out
    /// of clipboard history and cleared after `clear_after`.
    pub fn copy_recovery_key(&self, clear_after: std::time::Duration) -> IpcResult<()> {
        let key = self.recovery_slot().clone().ok_or(Error::NotFound { what: "recovery key" })?;
        Ok(crate::clipboard::copy_secret(key.to_hex(), clear_after)?)
    }

    /// The owner has stored the recovery key: forget it (the bytes are wiped on drop), and the
    /// register stops showing it at each open.
    pub fn forget_recovery_key(&self) -> IpcResult<()> {
        *self.recovery_slot() = None;
        let slot = self.slot();
        match slot.as_ref() {
            Some(lagom) => Ok(lagom.confirm_recovery_key()?),
            None => Ok(()),
        }
    }

    /// The status of the open register: its recovery key too while its owner has not confirmed
    /// storing it (after set-up or a key rotation that a crash, a lock or a closed window
    /// interrupted), kept for "Copy".
    fn open_status(&self, lagom: &Lagom) -> SessionStatus {
        let mut status = self.status(SessionPhase::Open, None);
        if let Ok(Some(key)) = lagom.unconfirmed_recovery_key() {
            status.recovery_key = Some(key.to_recovery_groups());
            *self.recovery_slot() = Some(key);
        }
        status
    }

    fn slot(&self) -> MutexGuard<'_, Option<Lagom>> {
        locked(&self.lagom)
    }

    /// Runs `f` on the open database, or fails with `not_open`.
    pub fn with<T>(&self, f: impl FnOnce(&Lagom) -> lagom_core::Result<T>) -> IpcResult<T> {
        let slot = self.slot();
        let lagom = slot.as_ref().ok_or(Error::NotOpen)?;
        Ok(f(lagom)?)
    }

    fn status(&self, phase: SessionPhase, error: Option<IpcError>) -> SessionStatus {
        SessionStatus {
            phase,
            db_path: self.db_path.display().to_string(),
            key_store: KeyStoreKind::for_database(&self.db_path),
            error,
            recovery_key: None,
        }
    }

    /// Where the app stands; when the database exists and its key is in the keychain, this
    /// opens it, so a normal start goes straight to the contacts (or to the second factor).
    pub fn status_or_open(&self) -> SessionStatus {
        let mut slot = self.slot();
        if let Some(lagom) = slot.as_ref() {
            return self.open_status(lagom);
        }
        if locked(&self.awaiting_code).is_some() || self.code_locked.load(Ordering::SeqCst) {
            return self.status(SessionPhase::SecondFactor, None);
        }
        if !self.db_path.exists() {
            return self.status(SessionPhase::Setup, None);
        }
        if KeyStoreKind::for_database(&self.db_path) == KeyStoreKind::Passphrase {
            return self.status(SessionPhase::Unlock, None);
        }
        match self.open_from_keychain() {
            Ok(lagom) => match lagom.second_factor().state() {
                // The register closes again until a code is given.
                Ok(state) if state.enabled => {
                    drop(lagom);
                    self.code_locked.store(true, Ordering::SeqCst);
                    self.status(SessionPhase::SecondFactor, None)
                }
                Ok(_) => {
                    let status = self.open_status(&lagom);
                    *slot = Some(lagom);
                    status
                }
                Err(e) => self.status(SessionPhase::Failed, Some(e.into())),
            },
            Err(e)
                if matches!(e.kind(), ErrorKind::KeyMissing | ErrorKind::KeychainUnavailable | ErrorKind::WrongKey) =>
            {
                self.status(SessionPhase::Recover, Some(e.into()))
            }
            Err(e) => self.status(SessionPhase::Failed, Some(e.into())),
        }
    }

    fn open_from_keychain(&self) -> lagom_core::Result<Lagom> {
        KeychainStore::for_database(&self.db_path).and_then(|keys| Lagom::open(&self.db_path, &keys))
    }

    /// The register is unlocked: failed attempts since the last unlock go into its audit trail.
    fn unlocked(&self, slot: &mut Option<Lagom>, lagom: Lagom) -> SessionStatus {
        self.attempts_succeeded(&lagom);
        self.code_locked.store(false, Ordering::SeqCst);
        let status = self.open_status(&lagom);
        *slot = Some(lagom);
        status
    }

    /// The owner proved who they are: the failed attempts since go into the register's audit
    /// trail (best effort: nothing is refused because the trail could not be written) and no
    /// longer count towards a wait.
    fn attempts_succeeded(&self, lagom: &Lagom) {
        if let Some(failed) = self.attempts.succeeded() {
            let _ = lagom.record_failed_unlocks(&failed);
        }
    }

    /// A wrong passphrase or code: counted, so the next attempts wait longer.
    fn failed_attempt(&self, error: Error) -> IpcError {
        let _ = self.attempts.failed(&SystemClock);
        error.into()
    }

    fn key_store(&self, passphrase: Option<&str>, creating: bool) -> lagom_core::Result<Box<dyn KeyStore>> {
        match passphrase {
            Some(passphrase) => {
                if creating {
                    PassphraseStore::check_strength(passphrase)?;
                }
                Ok(Box::new(PassphraseStore::for_database(&self.db_path, passphrase)))
            }
            None => Ok(Box::new(KeychainStore::for_database(&self.db_path)?)),
        }
    }

    /// Creates the database; its key goes to the keychain, or under `passphrase` when given.
    /// The default purposes and tags are named in `language`, the first run's.
    pub fn create(&self, passphrase: Option<&str>, language: lagom_core::ReportLanguage) -> IpcResult<RecoveryKeyView> {
        let mut slot = self.slot();
        let keys = self.key_store(passphrase, true)?;
        let created = Lagom::create(&self.db_path, keys.as_ref())?;
        // Best effort: the register and its key exist now, and the names stay editable.
        let _ = created.lagom.name_defaults_in(language);
        let view = RecoveryKeyView { recovery_key: created.recovery_key.to_recovery_groups(), key_store: keys.kind() };
        *self.recovery_slot() = Some(created.recovery_key);
        *slot = Some(created.lagom);
        Ok(view)
    }

    /// Opens the register with the passphrase; with the second factor on, the next step asks for
    /// a code ([`Session::verify_code`]) and nothing of the register is reachable until then.
    pub fn unlock(&self, passphrase: &str) -> IpcResult<SessionStatus> {
        // Checked under the mutex: attempts sent at once wait their turn and are each counted.
        let mut slot = self.slot();
        self.attempts.check(&SystemClock)?;
        let keys = self.key_store(Some(passphrase), false)?;
        let lagom = match Lagom::open(&self.db_path, keys.as_ref()) {
            Err(e) if e.kind() == ErrorKind::WrongPassphrase => return Err(self.failed_attempt(e)),
            opened => opened?,
        };
        if lagom.second_factor().state()?.enabled {
            *locked(&self.awaiting_code) = Some(lagom);
            return Ok(self.status(SessionPhase::SecondFactor, None));
        }
        Ok(self.unlocked(&mut slot, lagom))
    }

    /// The second factor's code (or a recovery code) after the passphrase, or on its own when
    /// the key is in the keychain.
    pub fn verify_code(&self, code: &str) -> IpcResult<SessionStatus> {
        let mut slot = self.slot();
        self.attempts.check(&SystemClock)?;
        let mut awaiting = locked(&self.awaiting_code);
        let lagom = match awaiting.take() {
            Some(lagom) => lagom,
            None if self.code_locked.load(Ordering::SeqCst) => self.open_from_keychain()?,
            None => return Err(Error::NotOpen.into()),
        };
        match lagom.second_factor().check(code) {
            // No second factor (turned off in a restore, or a lock that could not tell): there
            // is nothing more to ask.
            Ok(_) | Err(Error::NotSetUp { .. }) => {
                drop(awaiting);
                Ok(self.unlocked(&mut slot, lagom))
            }
            Err(e) => {
                // Opened with the passphrase: kept waiting for the right code. Opened from the
                // keychain for this check: closed again.
                if KeyStoreKind::for_database(&self.db_path) == KeyStoreKind::Passphrase {
                    *awaiting = Some(lagom);
                }
                Err(if e.kind() == ErrorKind::WrongCode { self.failed_attempt(e) } else { e.into() })
            }
        }
    }

    /// Locks: the register closes (its key is wiped from memory), anything pending is dropped,
    /// and the UI is told. Refused with `not_set_up` when nothing would be asked to unlock
    /// (no passphrase and no second factor).
    pub fn lock(&self) -> IpcResult<SessionStatus> {
        let mut slot = self.slot();
        let passphrase = KeyStoreKind::for_database(&self.db_path) == KeyStoreKind::Passphrase;
        let second_factor = match slot.as_ref() {
            // When it cannot be told, the lock happens all the same (failing open would leave
            // the register shown); unlocking then finds out.
            Some(lagom) => lagom.second_factor().state().map_or(true, |state| state.enabled),
            None => self.code_locked.load(Ordering::SeqCst),
        };
        if !passphrase && !second_factor {
            return Err(Error::NotSetUp {
                what: "the app lock",
                how: "ask for a passphrase or turn on the second factor in Settings → Security",
            }
            .into());
        }
        *slot = None;
        *locked(&self.awaiting_code) = None;
        *locked(&self.enrolment) = None;
        *locked(&self.picked_backup) = None;
        *self.recovery_slot() = None;
        self.code_locked.store(!passphrase, Ordering::SeqCst);
        let status = self.status(if passphrase { SessionPhase::Unlock } else { SessionPhase::SecondFactor }, None);
        if let Some(channel) = locked(&self.lock_channel).as_ref() {
            let _ = channel.0.send(LockEvent { phase: status.phase });
        }
        Ok(status)
    }

    /// The UI's channel for locks the OS asks for.
    pub fn watch_locks(&self, channel: Channel<LockEvent>) {
        *locked(&self.lock_channel) = Some(LockChannel(channel));
    }

    /// How the register is protected, for Settings → Security.
    pub fn security(&self) -> IpcResult<SecurityState> {
        self.with(|lagom| {
            let idle_minutes = lagom.settings()?.lock_after_idle_minutes;
            Ok(SecurityState {
                key_store: KeyStoreKind::for_database(&self.db_path),
                second_factor: lagom.second_factor().state()?,
                idle_lock_seconds: idle_lock_seconds(idle_minutes),
            })
        })
    }

    /// Changing how the register is protected asks for what opening it asks for: the
    /// passphrase when the key is under one, and a code when the second factor is on. Someone
    /// at an unlocked Lagom left unattended can then neither turn a protection on against its
    /// owner nor turn one off, make a new key (the owner's recovery key would stop working) or
    /// remove the register. Wrong ones count as failed unlock attempts, and wait as they do.
    fn confirm_owner(&self, lagom: &Lagom, passphrase: Option<&str>, code: Option<&str>) -> IpcResult<()> {
        self.confirm_passphrase(lagom, passphrase)?;
        if lagom.second_factor().state()?.enabled {
            // A field left blank is missing, not wrong: it is not counted.
            let given = code.filter(|c| !c.trim().is_empty()).ok_or(Error::WrongCode)?;
            lagom.second_factor().check(given).map_err(|e| self.counted(e))?;
        }
        // Confirmed: earlier failures go into the audit trail, as at an unlock, and no longer
        // count towards a wait.
        self.attempts_succeeded(lagom);
        Ok(())
    }

    /// The passphrase, when the key is under one: its key file must unwrap with it to the key
    /// this register is open with.
    fn confirm_passphrase(&self, lagom: &Lagom, passphrase: Option<&str>) -> IpcResult<()> {
        self.attempts.check(&SystemClock)?;
        if KeyStoreKind::for_database(&self.db_path) == KeyStoreKind::Passphrase {
            let given = passphrase.filter(|p| !p.is_empty()).ok_or(Error::WrongPassphrase)?;
            lagom.check_holds_key(&PassphraseStore::for_database(&self.db_path, given)).map_err(|e| self.counted(e))?;
        }
        Ok(())
    }

    /// A wrong passphrase or code is a failed attempt; any other error is passed on.
    fn counted(&self, error: Error) -> IpcError {
        if matches!(error.kind(), ErrorKind::WrongPassphrase | ErrorKind::WrongCode) {
            self.failed_attempt(error)
        } else {
            error.into()
        }
    }

    /// Runs `f` on the open register once [`Session::confirm_owner`] has accepted.
    fn as_owner<T>(
        &self,
        passphrase: Option<&str>,
        code: Option<&str>,
        f: impl FnOnce(&Lagom) -> lagom_core::Result<T>,
    ) -> IpcResult<T> {
        let slot = self.slot();
        let lagom = slot.as_ref().ok_or(Error::NotOpen)?;
        self.confirm_owner(lagom, passphrase, code)?;
        Ok(f(lagom)?)
    }

    /// Saves the settings. The idle lock is part of the protection: turning it off, or giving
    /// it longer, is confirmed as any other change to it ([`Session::confirm_owner`]).
    pub fn save_settings(
        &self,
        settings: &lagom_core::Settings,
        passphrase: Option<&str>,
        code: Option<&str>,
    ) -> IpcResult<lagom_core::Settings> {
        let slot = self.slot();
        let lagom = slot.as_ref().ok_or(Error::NotOpen)?;
        let (before, after) = (lagom.settings()?.lock_after_idle_minutes, settings.lock_after_idle_minutes);
        if idle_lock_weakened(before, after) {
            // Refused settings are refused before the code is used up.
            lagom.check_settings(settings)?;
            self.confirm_owner(lagom, passphrase, code)?;
        }
        Ok(lagom.save_settings(settings)?)
    }

    /// Starts enrolling a second factor (after the passphrase, when there is one): the secret
    /// is kept here until a code confirms it.
    pub fn begin_second_factor(&self, passphrase: Option<&str>) -> IpcResult<Enrolment> {
        let (pending, enrolment) = self.as_owner(passphrase, None, |lagom| lagom.begin_second_factor())?;
        *locked(&self.enrolment) = Some(pending);
        Ok(enrolment)
    }

    /// Confirms the enrolment with a code; returns the ten recovery codes, shown once.
    pub fn enable_second_factor(&self, code: &str) -> IpcResult<Vec<String>> {
        // Taken out first: the register's mutex is never waited for while holding this one
        // (`lock` takes them the other way round).
        let pending = locked(&self.enrolment).take().ok_or(Error::NotFound { what: "second-factor enrolment" })?;
        match self.with(|lagom| lagom.second_factor().enable(&pending, code)) {
            Ok(codes) => Ok(codes),
            Err(e) => {
                // A wrong code: the same QR code may be tried again.
                *locked(&self.enrolment) = Some(pending);
                Err(e)
            }
        }
    }

    /// Turns the second factor off: its code, and the passphrase when there is one.
    pub fn disable_second_factor(&self, code: &str, passphrase: Option<&str>) -> IpcResult<()> {
        let slot = self.slot();
        let lagom = slot.as_ref().ok_or(Error::NotOpen)?;
        self.confirm_passphrase(lagom, passphrase)?;
        lagom.second_factor().disable(code).map_err(|e| self.counted(e))?;
        self.attempts_succeeded(lagom);
        Ok(())
    }

    /// "Ask for a passphrase when Lagom opens" on: the key moves from the keychain to a key
    /// file (after a code, when the second factor is on).
    pub fn set_passphrase(&self, passphrase: &str, code: Option<&str>) -> IpcResult<SecurityState> {
        PassphraseStore::check_strength(passphrase)?;
        let keychain = KeychainStore::for_database(&self.db_path)?;
        let store = PassphraseStore::for_database(&self.db_path, passphrase);
        self.as_owner(None, code, |lagom| lagom.move_key(&keychain, &store))?;
        self.security()
    }

    /// … and off: back to the keychain, after the current passphrase (and a code).
    pub fn remove_passphrase(&self, current: &str, code: Option<&str>) -> IpcResult<SecurityState> {
        let keychain = KeychainStore::for_database(&self.db_path)?;
        let store = PassphraseStore::for_database(&self.db_path, current);
        self.as_owner(Some(current), code, |lagom| lagom.move_key(&store, &keychain))?;
        self.security()
    }

    pub fn change_passphrase(&self, current: &str, new: &str, code: Option<&str>) -> IpcResult<()> {
        // Everything that can refuse is checked before the code is used up.
        PassphraseStore::check_strength(new)?;
        let store = PassphraseStore::for_database(&self.db_path, current);
        self.as_owner(Some(current), code, |lagom| lagom.change_passphrase(&store, new))
    }

    /// A new database key (the register re-encrypted); the new recovery key is shown once and
    /// kept for "Copy" as at set-up. The passphrase is needed when the key is under one, and a
    /// code when the second factor is on.
    pub fn rotate_key(&self, passphrase: Option<&str>, code: Option<&str>) -> IpcResult<RecoveryKeyView> {
        let mut slot = self.slot();
        let keys: Box<dyn KeyStore> = match KeyStoreKind::for_database(&self.db_path) {
            KeyStoreKind::Passphrase => {
                Box::new(PassphraseStore::for_database(&self.db_path, passphrase.ok_or(Error::WrongPassphrase)?))
            }
            _ => Box::new(KeychainStore::for_database(&self.db_path)?),
        };
        self.confirm_owner(slot.as_ref().ok_or(Error::NotOpen)?, passphrase, code)?;
        let lagom = slot.take().ok_or(Error::NotOpen)?;
        match lagom.rekey(keys.as_ref()) {
            Ok((lagom, key)) => {
                *slot = Some(lagom);
                let view = RecoveryKeyView { recovery_key: key.to_recovery_groups(), key_store: keys.kind() };
                *self.recovery_slot() = Some(key);
                Ok(view)
            }
            Err(failed) => {
                *slot = failed.register;
                Err(failed.error.into())
            }
        }
    }

    /// Opens with the recovery key and stores the key again (keychain, or under `passphrase`).
    pub fn recover(&self, recovery_key: &str, passphrase: Option<&str>) -> IpcResult<SessionStatus> {
        let mut slot = self.slot();
        let keys = self.key_store(passphrase, true)?;
        *slot = Some(Lagom::recover(&self.db_path, recovery_key, keys.as_ref())?);
        Ok(self.status(SessionPhase::Open, None))
    }

    /// Replaces the open register with a backup (erasures since applied again). On a failure
    /// the register the core hands back stays open; if it could not, the window locks.
    pub fn restore(&self, from: &Path, recovery_key: Option<&str>) -> IpcResult<lagom_core::RestoreReport> {
        let mut slot = self.slot();
        let lagom = slot.take().ok_or(Error::NotOpen)?;
        let restored = match recovery_key {
            Some(recovery_key) => lagom.restore_with_recovery_key(from, recovery_key),
            None => lagom.restore(from),
        };
        match restored {
            Ok((restored, report)) => {
                *slot = Some(restored);
                Ok(report)
            }
            Err(failed) => {
                *slot = failed.register;
                Err(failed.error.into())
            }
        }
    }

    /// "Remove Lagom's data from this computer": the register, its key and (when chosen) its
    /// backups, after the passphrase and code that open it; the window is then back at the
    /// first-run screen.
    pub fn forget(
        &self,
        backups: bool,
        passphrase: Option<&str>,
        code: Option<&str>,
    ) -> IpcResult<lagom_core::ForgetReport> {
        let mut slot = self.slot();
        self.confirm_owner(slot.as_ref().ok_or(Error::NotOpen)?, passphrase, code)?;
        let lagom = slot.take().ok_or(Error::NotOpen)?;
        let keys: Box<dyn KeyStore> = match KeyStoreKind::for_database(&self.db_path) {
            // Deleting the key file needs no passphrase.
            KeyStoreKind::Passphrase => Box::new(PassphraseStore::for_database(&self.db_path, "")),
            _ => match KeychainStore::for_database(&self.db_path) {
                Ok(keychain) => Box::new(keychain),
                Err(_) => Box::new(PassphraseStore::for_database(&self.db_path, "")),
            },
        };
        Ok(lagom.forget(keys.as_ref(), backups)?)
    }

    /// Keeps the backup chosen in the open dialog for [`Session::restore_picked`].
    pub fn pick_backup(&self, path: PathBuf) {
        *locked(&self.picked_backup) = Some(path);
    }

    pub fn restore_picked(&self, recovery_key: Option<&str>) -> IpcResult<lagom_core::RestoreReport> {
        let path = locked(&self.picked_backup).clone().ok_or(Error::NotFound { what: "chosen backup" })?;
        let report = self.restore(&path, recovery_key)?;
        *locked(&self.picked_backup) = None;
        Ok(report)
    }

    pub fn db_path(&self) -> &Path {
        &self.db_path
    }
}

/// The idle lock in seconds; end-to-end builds may shorten it (`LAGOM_E2E_IDLE_SECONDS`).
fn idle_lock_seconds(minutes: u32) -> u32 {
    // The e2e seam shortens the lock; it never turns on one that is off.
    #[cfg(feature = "e2e")]
    if minutes > 0
        && let Some(seconds) = std::env::var("LAGOM_E2E_IDLE_SECONDS").ok().and_then(|s| s.parse().ok())
    {
        return seconds;
    }
    minutes.saturating_mul(60)
}

/// Whether the idle lock goes from `before` to `after` minutes is a weaker protection: off
/// (0), or longer than it was.
pub fn idle_lock_weakened(before: u32, after: u32) -> bool {
    after != before && (after == 0 || (before != 0 && after > before))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn fresh_path() -> PathBuf {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
        let dir = std::env::temp_dir().join(format!("lagom-session-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir.join("lagom.db")
    }

    fn kind(result: IpcResult<impl std::fmt::Debug>) -> ErrorKind {
        result.unwrap_err().kind
    }

    /// Someone at an unlocked, unattended Lagom cannot turn the second factor on against its
    /// owner, make a new key (which would void the owner's recovery key), change the
    /// passphrase, turn the second factor off or remove the register without what opening it
    /// asks for. A wrong one counts as a failed attempt; a blank one, the right code used a
    /// second time, or a refusal for another reason does not, and does not use the code up.
    #[test]
    fn changing_the_protection_asks_for_the_passphrase_and_the_code_that_opening_asks_for() {
        let path = fresh_path();
        let passphrase = "a long enough passphrase";
        let session = Session::new(path.clone());
        session.create(Some(passphrase), lagom_core::ReportLanguage::En).unwrap();
        let counted = || session.attempts.path().exists();

        // The second factor is turned on only with the passphrase.
        assert_eq!(kind(session.begin_second_factor(None)), ErrorKind::WrongPassphrase);
        assert_eq!(kind(session.begin_second_factor(Some(""))), ErrorKind::WrongPassphrase);
        assert!(!counted(), "a blank passphrase is not a failed attempt");
        assert_eq!(kind(session.begin_second_factor(Some("a wrong passphrase here"))), ErrorKind::WrongPassphrase);
        assert!(counted(), "a wrong one is");
        session.begin_second_factor(Some(passphrase)).unwrap();
        assert!(!counted(), "the right one clears the count");
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
        let code = locked(&session.enrolment).as_ref().unwrap().code_at(now).unwrap();
        let recovery_codes = session.enable_second_factor(&code).unwrap();

        // A new key: the passphrase and a code, each checked.
        assert_eq!(kind(session.rotate_key(Some(passphrase), None)), ErrorKind::WrongCode);
        assert_eq!(kind(session.rotate_key(Some(passphrase), Some(" "))), ErrorKind::WrongCode);
        assert_eq!(kind(session.rotate_key(None, Some(&recovery_codes[0]))), ErrorKind::WrongPassphrase);
        assert_eq!(kind(session.rotate_key(Some(passphrase), Some(&code))), ErrorKind::CodeUsed);
        assert!(!counted(), "blank, missing and already used are not failed attempts");
        assert_eq!(kind(session.rotate_key(Some(passphrase), Some("000000"))), ErrorKind::WrongCode);
        assert!(counted());
        session.rotate_key(Some(passphrase), Some(&recovery_codes[0])).unwrap();
        assert!(!counted());

        // A new passphrase too weak is refused before the code is used up.
        let new = "another long enough passphrase";
        assert_eq!(
            kind(session.change_passphrase(passphrase, "short", Some(&recovery_codes[1]))),
            ErrorKind::WeakPassphrase
        );
        session.change_passphrase(passphrase, new, Some(&recovery_codes[1])).unwrap();
        assert_eq!(session.security().unwrap().second_factor.recovery_codes_left, 8);
        assert!(super::idle_lock_weakened(10, 0) && super::idle_lock_weakened(10, 30));
        assert!(
            !super::idle_lock_weakened(10, 5) && !super::idle_lock_weakened(0, 10) && !super::idle_lock_weakened(0, 0)
        );

        // Off: its code and the passphrase.
        assert_eq!(kind(session.disable_second_factor(&recovery_codes[2], None)), ErrorKind::WrongPassphrase);
        assert_eq!(
            kind(session.disable_second_factor(&recovery_codes[2], Some(passphrase))),
            ErrorKind::WrongPassphrase
        );
        assert!(session.security().unwrap().second_factor.enabled, "still on");

        // The idle lock turned off or lengthened is a change to the protection; shortened, not.
        let mut settings = session.with(|l| l.settings()).unwrap();
        settings.lock_after_idle_minutes = 5;
        session.save_settings(&settings, None, None).unwrap();
        settings.lock_after_idle_minutes = 0;
        assert_eq!(kind(session.save_settings(&settings, Some(new), None)), ErrorKind::WrongCode);
        assert_eq!(kind(session.save_settings(&settings, None, Some(&recovery_codes[3]))), ErrorKind::WrongPassphrase);
        assert_eq!(session.with(|l| l.settings()).unwrap().lock_after_idle_minutes, 5, "still on");
        session.save_settings(&settings, Some(new), Some(&recovery_codes[3])).unwrap();
        assert_eq!(session.with(|l| l.settings()).unwrap().lock_after_idle_minutes, 0);

        // The register is removed only with both, and with it its attempts file.
        assert_eq!(kind(session.forget(false, Some(new), None)), ErrorKind::WrongCode);
        assert!(path.exists(), "a refused removal removes nothing");
        assert_eq!(kind(session.forget(false, Some(passphrase), Some(&recovery_codes[2]))), ErrorKind::WrongPassphrase);
        assert!(counted(), "the old passphrase is a failed attempt");
        session.forget(false, Some(new), Some(&recovery_codes[2])).unwrap();
        assert!(!path.exists());
        assert!(!counted(), "nothing of the register is left");
        let _ = std::fs::remove_dir_all(path.parent().unwrap());
    }
}
