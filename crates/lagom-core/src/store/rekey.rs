//! Key rotation: the database re-encrypted under a new random key, safe against a crash at
//! any moment.
//!
//! SQLCipher's in-place `PRAGMA rekey` rewrites every page inside one transaction; in WAL mode
//! that is not supported, and a crash part way leaves a journal whose key is ambiguous. So the
//! rotation writes a new file instead and swaps it in with one rename:
//!
//! 1. the new key is stored beside the current one, as a *pending* key
//!    ([`KeyStore::save_pending`]), with the same protection;
//! 2. `sqlcipher_export` copies the register into `<db>.rekeying`, encrypted with the new key
//!    (a logical copy: free pages, which may hold erased values under the old key, are not
//!    carried over), and the copy is opened and checked;
//! 3. under the register's lock, with the connection closed and the WAL checkpointed away, the
//!    copy replaces the register in one rename;
//! 4. the pending key becomes the key ([`KeyStore::promote_pending`]).
//!
//! Stopped before 3, the register opens with the current key and the pending key and the copy
//! are removed at the next open; stopped after 3, the current key no longer opens it and the
//! pending key does, and is promoted then ([`super::Store::open`]). Never neither.

use std::fs::File;
use std::path::{Path, PathBuf};

use super::keys::{DbKey, KeyStore};
use super::{Store, with_suffix};
use crate::clock::Clock;
use crate::error::{Error, Result};

/// The file a rotation writes before it replaces the register.
pub(crate) fn rekeying_path(path: &Path) -> PathBuf {
    with_suffix(path, ".rekeying")
}

/// Removes what a stopped rotation left: the new file (and its side files) and the pending key.
/// Called once the current key has opened the register, so the pending key is not needed.
pub(super) fn remove_leftovers(path: &Path, keys: &dyn KeyStore) {
    super::remove_working_copy(&rekeying_path(path));
    // A keychain that cannot be reached now is tidied at a later open.
    let _ = keys.delete_pending();
}

/// A rotation that stopped before the swap (the register is untouched and handed back), or
/// after it (`None`: the register is re-encrypted and must be opened again).
pub(crate) type RekeyFailed = Box<(Error, Option<Store>)>;

// Steps a test can stop a rotation after, as a crash would (see `tests` below).
#[cfg(test)]
thread_local! {
    pub(crate) static STOP_AFTER: std::cell::Cell<Option<u8>> = const { std::cell::Cell::new(None) };
}

/// In tests, the crash the test asked for after `step`: the rotation stops without tidying up.
fn crash_point(step: u8) -> Result<()> {
    #[cfg(test)]
    if STOP_AFTER.with(|stop| stop.get()) == Some(step) {
        return Err(Error::Cancelled);
    }
    let _ = step;
    Ok(())
}

impl Store {
    /// Re-encrypts the register under a new random key, stored in `keys` (which must hold the
    /// current key: the passphrase is checked). Returns the reopened store and the new key,
    /// whose hex form is the new recovery key.
    pub(crate) fn rekey(
        self,
        keys: &dyn KeyStore,
        clock: &dyn Clock,
    ) -> std::result::Result<(Store, DbKey), RekeyFailed> {
        match keys.load() {
            Ok(Some(stored)) if stored == self.key => {}
            Ok(_) => return Err(Box::new((Error::KeyMissing { store: keys.kind().describe() }, Some(self)))),
            Err(e) => return Err(Box::new((e, Some(self)))),
        }
        let new_key = match self.prepare_rekey(keys, clock) {
            Ok(key) => key,
            Err(e) => {
                if !matches!(e, Error::Cancelled) {
                    remove_leftovers(&self.path, keys);
                }
                return Err(Box::new((e, Some(self))));
            }
        };
        let path = self.path.clone();
        let lock = match self.close_keeping_lock() {
            Ok(lock) => lock,
            // The register is closed but untouched: the next open tidies up.
            Err(e) => return Err(Box::new((e, None))),
        };
        match swap_in(&path, keys, &lock) {
            Ok(()) => {}
            Err(Error::Cancelled) => return Err(Box::new((Error::Cancelled, None))),
            Err(e) => {
                // Before the rename the register is as it was, with its key (the copy and the
                // pending key go now); after it, the pending key opens it.
                return Err(Box::new((e, reopen_either(&path, keys, &lock, clock))));
            }
        }
        match Store::open_locked(&path, &new_key, &lock, clock) {
            Ok(store) => Ok((store, new_key)),
            Err(e) => Err(Box::new((e, None))),
        }
    }

    /// Steps 1 and 2: the pending key stored and the new file written and checked.
    fn prepare_rekey(&self, keys: &dyn KeyStore, clock: &dyn Clock) -> Result<DbKey> {
        let new_key = DbKey::generate()?;
        let copy = rekeying_path(&self.path);
        remove_leftovers(&self.path, keys);
        keys.save_pending(&new_key)?;
        crash_point(1)?;
        super::create_private_file(&copy)?;
        // The raw key is bound as SQLCipher's `x'…'` text, never spliced into the statement.
        let mut raw = zeroize::Zeroizing::new(String::with_capacity(67));
        raw.push_str("x'");
        raw.push_str(new_key.to_hex().as_str());
        raw.push('\'');
        let copy_text = copy.to_str().ok_or_else(|| {
            Error::io("name", &copy, std::io::Error::new(std::io::ErrorKind::InvalidInput, "not UTF-8"))
        })?;
        self.conn.execute("ATTACH DATABASE ?1 AS rekeying KEY ?2", [copy_text, raw.as_str()])?;
        let exported = (|| -> Result<()> {
            self.conn.query_row("SELECT sqlcipher_export('rekeying')", [], |_| Ok(()))?;
            let version: i64 = self.conn.query_row("PRAGMA main.user_version", [], |row| row.get(0))?;
            self.conn.execute_batch(&format!("PRAGMA rekeying.user_version = {version}"))?;
            // The new recovery key is shown at every open until its owner confirms it.
            self.conn.execute(
                "INSERT OR REPLACE INTO rekeying.setting (key, value) VALUES (?1, 'on')",
                [crate::UNCONFIRMED],
            )?;
            Ok(())
        })();
        let detached = self.conn.execute_batch("DETACH DATABASE rekeying");
        exported?;
        detached?;
        crash_point(2)?;
        // The copy opens with the new key, is whole, and holds what the register holds.
        let check = Store::open_copy(&copy, &new_key, clock)?;
        let verdict: String = check.conn.query_row("PRAGMA integrity_check", [], |row| row.get(0))?;
        let count = |conn: &rusqlite::Connection| -> Result<i64> {
            Ok(conn.query_row(
                "SELECT (SELECT count(*) FROM contact) + (SELECT count(*) FROM audit_entry)",
                [],
                |row| row.get(0),
            )?)
        };
        if verdict != "ok" || count(&check.conn)? != count(&self.conn)? {
            return Err(Error::io(
                "check",
                &copy,
                std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    "the re-encrypted copy does not match the register",
                ),
            ));
        }
        let lock = check.close_keeping_lock()?;
        drop(lock);
        let _ = std::fs::remove_file(super::lock_path(&copy));
        crate::backup::checkpoint(&self.conn)?;
        Ok(new_key)
    }
}

/// Steps 3 and 4 under the register's lock: the copy replaces the register in one rename
/// (its old WAL and shared memory removed first: they belong to the old key), then the pending
/// key becomes the key.
fn swap_in(path: &Path, keys: &dyn KeyStore, _lock: &File) -> Result<()> {
    for side in ["-wal", "-shm"] {
        let side = with_suffix(path, side);
        match std::fs::remove_file(&side) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io("remove", &side, e)),
        }
    }
    crash_point(3)?;
    let copy = rekeying_path(path);
    std::fs::rename(&copy, path).map_err(|e| Error::io("put in place", path, e))?;
    super::sync_folder(path);
    crash_point(4)?;
    keys.promote_pending()?;
    crash_point(5)?;
    Ok(())
}

/// Re-encrypts, in place, a private copy nobody else uses (a restore's working copy of a
/// backup taken under an older key): journal mode DELETE for the rewrite (SQLCipher cannot
/// rekey in WAL mode), then `PRAGMA rekey`. A crash leaves only the copy, which the next open
/// removes; the register is never rekeyed this way.
pub(crate) fn rekey_copy_in_place(conn: &rusqlite::Connection, key: &DbKey) -> Result<()> {
    conn.query_row("PRAGMA journal_mode = DELETE", [], |_| Ok(()))?;
    super::key_pragma(conn, "rekey", key)?;
    conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))?;
    Ok(())
}

/// After a failed swap: the register opened with whichever key opens it. Opened with the
/// current key, the rotation did not happen: its copy and pending key are removed at once,
/// not left for a whole session.
fn reopen_either(path: &Path, keys: &dyn KeyStore, lock: &File, clock: &dyn Clock) -> Option<Store> {
    if let Some(store) = keys.load().ok().flatten().and_then(|key| Store::open_locked(path, &key, lock, clock).ok()) {
        remove_leftovers(path, keys);
        return Some(store);
    }
    let next = keys.load_pending().ok().flatten()?;
    let store = Store::open_locked(path, &next, lock, clock).ok()?;
    let _ = keys.promote_pending();
    Some(store)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::{ContactInput, ErrorKind, Lagom, MemoryKeyStore, PassphraseStore};

    const PASSPHRASE: &str = "correct horse battery staple";

    fn register(keys: &dyn KeyStore) -> (tempfile::TempDir, PathBuf, DbKey, String) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lagom.db");
        let created = Lagom::create(&path, keys).unwrap();
        let id = created.lagom.contacts().create(&rutger()).unwrap().id;
        (dir, path, created.recovery_key, id)
    }

    fn leftovers(path: &Path) -> Vec<PathBuf> {
        let copy = rekeying_path(path);
        super::super::database_files(&copy)
            .into_iter()
            .chain([with_suffix(&PassphraseStore::key_file_for(path), ".next")])
            .filter(|file| file.exists())
            .collect()
    }

    /// The rotation stopped after each of its steps, as a kill -9 would stop it: the register
    /// opens with the old key (stopped before the swap) or the new one (after), never neither,
    /// holds what it held, and nothing of the rotation is left once it has opened.
    #[test]
    fn a_key_rotation_stopped_at_any_step_opens_with_the_old_key_or_the_new_one() {
        for passphrase in [false, true] {
            for step in 1..=5u8 {
                let dir = tempfile::tempdir().unwrap();
                let path = dir.path().join("lagom.db");
                let keys: Box<dyn KeyStore> = if passphrase {
                    Box::new(PassphraseStore::for_database(&path, PASSPHRASE))
                } else {
                    Box::new(MemoryKeyStore::new())
                };
                let created = Lagom::create(&path, keys.as_ref()).unwrap();
                let id = created.lagom.contacts().create(&rutger()).unwrap().id;
                let old = created.recovery_key.clone();
                drop(created);
                let lagom = Lagom::open(&path, keys.as_ref()).unwrap();

                STOP_AFTER.with(|stop| stop.set(Some(step)));
                let failed = lagom.rekey(keys.as_ref()).unwrap_err();
                STOP_AFTER.with(|stop| stop.set(None));
                assert_eq!(failed.error.kind(), ErrorKind::Cancelled, "step {step}");
                drop(failed); // the crash: nothing tidied
                if step == 4 && !passphrase {
                    // The old key's entry lost as well (a keychain that dropped it): the
                    // pending key still opens the register.
                    keys.delete().unwrap();
                }

                let reopened = Lagom::open(&path, keys.as_ref()).unwrap_or_else(|e| panic!("step {step}: {e}"));
                assert_eq!(reopened.contacts().get(&id).unwrap().family_name, "Nyckelbyte", "step {step}");
                let check: String =
                    reopened.connection().query_row("PRAGMA integrity_check", [], |row| row.get(0)).unwrap();
                assert_eq!(check, "ok", "step {step}");
                assert!(reopened.verify_audit().unwrap().is_intact(), "step {step}");
                drop(reopened);
                let with_old = Lagom::open(&path, &MemoryKeyStore::with_key(old.clone()));
                assert_eq!(with_old.is_ok(), step <= 3, "the old key after a stop at step {step}");
                drop(with_old);
                assert_eq!(keys.load().unwrap().as_ref() == Some(&old), step <= 3, "step {step}");
                assert!(keys.load_pending().unwrap().is_none(), "the pending key is gone after step {step}");
                assert!(leftovers(&path).is_empty(), "step {step}: {:?}", leftovers(&path));
                drop(dir);
            }
        }
    }

    fn rutger() -> ContactInput {
        ContactInput {
            given_name: "Rutger".into(),
            family_name: "Nyckelbyte".into(),
            email: Some("rutger@rekey.example".into()),
            purposes: vec!["Customer relationship".into()],
            ..ContactInput::default()
        }
    }

    #[test]
    fn a_rotated_key_opens_the_register_and_the_old_recovery_key_no_longer_does() {
        let keys = MemoryKeyStore::new();
        let (dir, path, old, id) = register(&keys);
        let lagom = Lagom::open(&path, &keys).unwrap();
        // A new register's recovery key is shown at each open until it is confirmed.
        assert_eq!(lagom.unconfirmed_recovery_key().unwrap(), Some(old.clone()));
        lagom.confirm_recovery_key().unwrap();
        assert_eq!(lagom.unconfirmed_recovery_key().unwrap(), None);
        let backups = dir.path().join("backups");
        let before = lagom.backup(Some(&backups)).unwrap();
        let (lagom, new) = lagom.rekey(&keys).unwrap();
        assert_ne!(new, old);
        // … and so is a rotation's, until confirmed: a crash or a lock while it was shown
        // does not lose it.
        assert_eq!(lagom.unconfirmed_recovery_key().unwrap(), Some(new.clone()));
        assert_eq!(keys.load().unwrap(), Some(new.clone()));
        // The search index came across.
        assert_eq!(lagom.contacts().search("Nyckel").unwrap().len(), 1);
        assert!(lagom.verify_audit().unwrap().is_intact());
        let audited: u32 = lagom
            .connection()
            .query_row("SELECT count(*) FROM audit_entry WHERE field = 'security/database_key'", [], |row| row.get(0))
            .unwrap();
        assert_eq!(audited, 1);

        // A backup from before opens only with the recovery key of its time, and the restored
        // register keeps the current key.
        let failed = lagom.restore(Path::new(&before.path)).unwrap_err();
        assert_eq!(failed.error.kind(), ErrorKind::WrongKey);
        let lagom = failed.register.unwrap();
        // The second factor turned on after the backup stays on after the restore.
        let (pending, _) = lagom.begin_second_factor().unwrap();
        let now = u64::try_from(chrono::Utc::now().timestamp()).unwrap();
        lagom.second_factor().enable(&pending, &pending.code_at(now).unwrap()).unwrap();
        // … and so does an idle lock set since, which the backup would weaken.
        let mut settings = lagom.settings().unwrap();
        settings.lock_after_idle_minutes = 3;
        lagom.save_settings(&settings).unwrap();
        let (lagom, _) = lagom.restore_with_recovery_key(Path::new(&before.path), &old.to_hex()).unwrap();
        assert_eq!(lagom.contacts().get(&id).unwrap().given_name, "Rutger");
        assert_eq!(lagom.settings().unwrap().lock_after_idle_minutes, 3, "a restore keeps the idle lock");
        let state = lagom.second_factor().state().unwrap();
        assert!(state.enabled && state.recovery_codes_left == 10, "a restore keeps the second factor: {state:?}");
        drop(lagom);
        drop(Lagom::open(&path, &keys).unwrap());

        let err = Lagom::recover(&path, &old.to_hex(), &MemoryKeyStore::new()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::WrongKey);
        drop(Lagom::recover(&path, &new.to_hex(), &MemoryKeyStore::new()).unwrap());
    }

    /// Another register's backup opens with that register's recovery key, but it is refused:
    /// restoring it would bring back another register's people without this one's erasures.
    #[test]
    fn a_backup_of_another_register_is_refused_even_with_its_recovery_key() {
        let ours = MemoryKeyStore::new();
        let (dir, path, _, id) = register(&ours);
        let theirs = MemoryKeyStore::new();
        let other_dir = tempfile::tempdir().unwrap();
        let created = Lagom::create(&other_dir.path().join("lagom.db"), &theirs).unwrap();
        let their_key = created.recovery_key.clone();
        let their_backup = created.lagom.backup(Some(&other_dir.path().join("backups"))).unwrap();
        drop(created);

        let lagom = Lagom::open(&path, &ours).unwrap();
        let failed = lagom.restore_with_recovery_key(Path::new(&their_backup.path), &their_key.to_hex()).unwrap_err();
        assert_eq!(failed.error.kind(), ErrorKind::OtherRegister, "{}", failed.error);
        // Nothing changed: the register is handed back open, with its contact.
        let lagom = failed.register.unwrap();
        assert_eq!(lagom.contacts().get(&id).unwrap().given_name, "Rutger");
        assert!(!with_suffix(&path, ".restoring").exists(), "the working copy is removed");
        drop(dir);
    }

    /// A store whose key cannot be removed (a keychain that refuses).
    #[derive(Debug, Default)]
    struct Stuck(MemoryKeyStore);

    impl KeyStore for Stuck {
        fn kind(&self) -> crate::KeyStoreKind {
            crate::KeyStoreKind::Keychain
        }
        fn load(&self) -> Result<Option<DbKey>> {
            self.0.load()
        }
        fn save(&self, key: &DbKey) -> Result<()> {
            self.0.save(key)
        }
        fn holds_key(&self) -> Result<bool> {
            self.0.holds_key()
        }
        fn delete(&self) -> Result<()> {
            Err(Error::KeychainUnavailable("test: the keychain refused".into()))
        }
        fn save_pending(&self, key: &DbKey) -> Result<()> {
            self.0.save_pending(key)
        }
        fn load_pending(&self) -> Result<Option<DbKey>> {
            self.0.load_pending()
        }
        fn delete_pending(&self) -> Result<()> {
            self.0.delete_pending()
        }
    }

    #[test]
    fn a_key_move_that_cannot_remove_the_old_copy_is_undone() {
        let keychain = Stuck::default();
        let (_dir, path, key, _) = register(&keychain);
        let lagom = Lagom::open(&path, &keychain).unwrap();
        let file = PassphraseStore::for_database(&path, PASSPHRASE);
        assert_eq!(lagom.move_key(&keychain, &file).unwrap_err().kind(), ErrorKind::KeychainUnavailable);
        assert!(!PassphraseStore::key_file_for(&path).exists(), "no passphrase 'on' while the keychain holds the key");
        assert_eq!(keychain.load().unwrap(), Some(key));
    }

    #[test]
    fn the_key_moves_between_stores_and_a_passphrase_change_rewraps_it() {
        let keychain = MemoryKeyStore::new();
        let (_dir, path, key, _) = register(&keychain);
        let lagom = Lagom::open(&path, &keychain).unwrap();
        let file = PassphraseStore::for_database(&path, PASSPHRASE);
        lagom.move_key(&keychain, &file).unwrap();
        assert_eq!(keychain.load().unwrap(), None, "the key left the keychain");
        assert_eq!(file.load().unwrap(), Some(key.clone()));

        let wrong = PassphraseStore::for_database(&path, "not the passphrase at all");
        assert_eq!(
            lagom.change_passphrase(&wrong, "a new passphrase here").unwrap_err().kind(),
            ErrorKind::WrongPassphrase
        );
        assert_eq!(lagom.change_passphrase(&file, "short").unwrap_err().kind(), ErrorKind::WeakPassphrase);
        lagom.change_passphrase(&file, "a new passphrase here").unwrap();
        assert_eq!(file.load().unwrap_err().kind(), ErrorKind::WrongPassphrase);
        let renewed = PassphraseStore::for_database(&path, "a new passphrase here");
        assert_eq!(renewed.load().unwrap(), Some(key.clone()));

        assert_eq!(lagom.move_key(&wrong, &keychain).unwrap_err().kind(), ErrorKind::WrongPassphrase);
        lagom.move_key(&renewed, &keychain).unwrap();
        assert_eq!(keychain.load().unwrap(), Some(key));
        assert!(!PassphraseStore::key_file_for(&path).exists(), "the key file is gone");
    }
}
