//! The open database of this window, if any, and how it got opened. The mutex is held only
//! for one short core call at a time and never across a dialog.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

use lagom_core::{DbKey, Error, ErrorKind, KeyStore, KeyStoreKind, KeychainStore, Lagom, PassphraseStore};

use crate::ipc::{IpcError, IpcResult, RecoveryKeyView, SessionPhase, SessionStatus};

#[derive(Debug)]
pub struct Session {
    db_path: PathBuf,
    lagom: Mutex<Option<Lagom>>,
    /// The recovery key of a database just created, until its owner says it is stored, so
    /// "Copy" can put it on the clipboard without the UI sending it back.
    recovery_key: Mutex<Option<DbKey>>,
}

impl Session {
    pub fn new(db_path: PathBuf) -> Self {
        Session { db_path, lagom: Mutex::new(None), recovery_key: Mutex::new(None) }
    }

    fn recovery_slot(&self) -> MutexGuard<'_, Option<DbKey>> {
        self.recovery_key.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Copies the new database's recovery key (64 hex characters) to the clipboard, kept out
    /// of clipboard history and cleared after `clear_after`.
    pub fn copy_recovery_key(&self, clear_after: std::time::Duration) -> IpcResult<()> {
        let key = self.recovery_slot().clone().ok_or(Error::NotFound { what: "recovery key" })?;
        Ok(crate::clipboard::copy_secret(key.to_hex(), clear_after)?)
    }

    /// The owner has stored the recovery key: forget it (the bytes are wiped on drop).
    pub fn forget_recovery_key(&self) {
        *self.recovery_slot() = None;
    }

    fn slot(&self) -> MutexGuard<'_, Option<Lagom>> {
        self.lagom.lock().unwrap_or_else(PoisonError::into_inner)
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
        }
    }

    /// Where the app stands; when the database exists and its key is in the keychain, this
    /// opens it, so a normal start goes straight to the contacts.
    pub fn status_or_open(&self) -> SessionStatus {
        let mut slot = self.slot();
        if slot.is_some() {
            return self.status(SessionPhase::Open, None);
        }
        if !self.db_path.exists() {
            return self.status(SessionPhase::Setup, None);
        }
        if KeyStoreKind::for_database(&self.db_path) == KeyStoreKind::Passphrase {
            return self.status(SessionPhase::Unlock, None);
        }
        let opened = KeychainStore::for_database(&self.db_path).and_then(|keys| Lagom::open(&self.db_path, &keys));
        match opened {
            Ok(lagom) => {
                *slot = Some(lagom);
                self.status(SessionPhase::Open, None)
            }
            Err(e)
                if matches!(e.kind(), ErrorKind::KeyMissing | ErrorKind::KeychainUnavailable | ErrorKind::WrongKey) =>
            {
                self.status(SessionPhase::Recover, Some(e.into()))
            }
            Err(e) => self.status(SessionPhase::Failed, Some(e.into())),
        }
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
    pub fn create(&self, passphrase: Option<&str>) -> IpcResult<RecoveryKeyView> {
        let mut slot = self.slot();
        let keys = self.key_store(passphrase, true)?;
        let created = Lagom::create(&self.db_path, keys.as_ref())?;
        let view = RecoveryKeyView { recovery_key: created.recovery_key.to_recovery_groups(), key_store: keys.kind() };
        *self.recovery_slot() = Some(created.recovery_key);
        *slot = Some(created.lagom);
        Ok(view)
    }

    pub fn unlock(&self, passphrase: &str) -> IpcResult<SessionStatus> {
        let mut slot = self.slot();
        let keys = self.key_store(Some(passphrase), false)?;
        *slot = Some(Lagom::open(&self.db_path, keys.as_ref())?);
        Ok(self.status(SessionPhase::Open, None))
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
    pub fn restore(&self, from: &Path) -> IpcResult<lagom_core::RestoreReport> {
        let mut slot = self.slot();
        let lagom = slot.take().ok_or(Error::NotOpen)?;
        match lagom.restore(from) {
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
    /// backups; the window is then back at the first-run screen.
    pub fn forget(&self, backups: bool) -> IpcResult<lagom_core::ForgetReport> {
        let mut slot = self.slot();
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

    pub fn db_path(&self) -> &Path {
        &self.db_path
    }
}
