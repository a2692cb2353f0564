//! The store against real encrypted files in a temp dir: every key store, every named failure.

// A failed unwrap is a failed test, with the reason printed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use lagom_core::{
    ContactInput, DbKey, Error, ErrorKind, KeyStore, KeychainStore, Lagom, MemoryKeyStore, PassphraseStore,
    SCHEMA_VERSION,
};

fn temp_db() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data").join("lagom.db");
    (dir, path)
}

fn anna() -> ContactInput {
    ContactInput {
        given_name: "Anna".into(),
        family_name: "Östlund".into(),
        email: Some("anna.ostlund@example.se".into()),
        phone: Some("070-123 45 67".into()),
        organisation: Some("Ålands Bygg AB".into()),
        purposes: vec!["Customer relationship".into()],
        ..ContactInput::default()
    }
}

fn files_of(path: &Path) -> Vec<(String, Vec<u8>)> {
    let dir = path.parent().unwrap();
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| !e.file_name().to_string_lossy().ends_with(".lock"))
        .map(|e| (e.file_name().to_string_lossy().into_owned(), std::fs::read(e.path()).unwrap()))
        .collect();
    files.sort();
    files
}

fn roundtrip(keys_for: impl Fn(&Path) -> Box<dyn KeyStore>) {
    let (_dir, path) = temp_db();
    let created = Lagom::create(&path, keys_for(&path).as_ref()).unwrap();
    let id = created.lagom.contacts().create(&anna()).unwrap().id;
    drop(created);

    let lagom = Lagom::open(&path, keys_for(&path).as_ref()).unwrap();
    let contact = lagom.contacts().get(&id).unwrap();
    assert_eq!(contact.family_name, "Östlund");
    assert_eq!(contact.phone.as_deref(), Some("+46701234567"));
}

#[test]
fn create_and_reopen_with_the_memory_store() {
    let keys = std::sync::Arc::new(MemoryKeyStore::new());
    #[derive(Debug)]
    struct Shared(std::sync::Arc<MemoryKeyStore>);
    impl KeyStore for Shared {
        fn kind(&self) -> lagom_core::KeyStoreKind {
            self.0.kind()
        }
        fn load(&self) -> lagom_core::Result<Option<DbKey>> {
            self.0.load()
        }
        fn save(&self, key: &DbKey) -> lagom_core::Result<()> {
            self.0.save(key)
        }
        fn holds_key(&self) -> lagom_core::Result<bool> {
            self.0.holds_key()
        }
        fn delete(&self) -> lagom_core::Result<()> {
            self.0.delete()
        }
        fn save_pending(&self, key: &DbKey) -> lagom_core::Result<()> {
            self.0.save_pending(key)
        }
        fn load_pending(&self) -> lagom_core::Result<Option<DbKey>> {
            self.0.load_pending()
        }
        fn delete_pending(&self) -> lagom_core::Result<()> {
            self.0.delete_pending()
        }
    }
    roundtrip(|_| Box::new(Shared(keys.clone())));
}

#[test]
fn create_and_reopen_with_the_passphrase_store() {
    roundtrip(|path| Box::new(PassphraseStore::for_database(path, "a long enough passphrase")));
}

/// Runs only where a Secret Service is reachable (`make test` starts gnome-keyring and sets
/// `LAGOM_TEST_KEYCHAIN=1`); elsewhere it would touch the developer's real keychain.
#[test]
fn create_and_reopen_with_the_os_keychain() {
    if std::env::var_os("LAGOM_TEST_KEYCHAIN").is_none() {
        eprintln!("skipped: set LAGOM_TEST_KEYCHAIN=1 inside a D-Bus session with a keyring");
        return;
    }
    roundtrip(|path| Box::new(KeychainStore::for_database(path).unwrap()));
    let (_dir, path) = temp_db();
    let store = KeychainStore::for_database(&path).unwrap();
    assert_eq!(store.load().unwrap(), None, "a new path has no entry");
}

#[test]
fn the_file_is_encrypted() {
    let (_dir, path) = temp_db();
    let created = Lagom::create(&path, &MemoryKeyStore::new()).unwrap();
    created.lagom.contacts().create(&anna()).unwrap();
    drop(created);
    let bytes = std::fs::read(&path).unwrap();
    assert!(bytes.len() >= 4096);
    assert!(!bytes.starts_with(b"SQLite format 3"));
    assert!(!bytes.windows(7).any(|w| w == b"example"), "no plaintext in the file");
}

#[test]
fn a_wrong_key_is_named_and_leaves_the_files_untouched() {
    let (_dir, path) = temp_db();
    drop(Lagom::create(&path, &MemoryKeyStore::new()).unwrap());
    let before = files_of(&path);
    let wrong = MemoryKeyStore::with_key(DbKey::generate().unwrap());
    let err = Lagom::open(&path, &wrong).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::WrongKey, "{err}");
    assert_eq!(files_of(&path), before);
}

#[test]
fn a_wrong_passphrase_is_named() {
    let (_dir, path) = temp_db();
    drop(Lagom::create(&path, &PassphraseStore::for_database(&path, "the right passphrase")).unwrap());
    let before = files_of(&path);
    let err = Lagom::open(&path, &PassphraseStore::for_database(&path, "the wrong passphrase")).unwrap_err();
    assert!(matches!(err, Error::WrongPassphrase), "{err}");
    assert_eq!(files_of(&path), before);
}

#[test]
fn a_plaintext_sqlite_file_is_refused_untouched() {
    let (_dir, path) = temp_db();
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let plain = rusqlite::Connection::open(&path).unwrap();
    plain.execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);").unwrap();
    drop(plain);
    let before = files_of(&path);
    let keys = MemoryKeyStore::with_key(DbKey::generate().unwrap());
    let err = Lagom::open(&path, &keys).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotEncrypted, "{err}");
    assert_eq!(files_of(&path), before);
}

#[test]
fn a_random_or_empty_file_is_refused_untouched() {
    for content in [vec![], vec![7u8; 1000], (0..5000u32).map(|i| (i * 31 % 251) as u8).collect()] {
        let (_dir, path) = temp_db();
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &content).unwrap();
        let keys = MemoryKeyStore::with_key(DbKey::generate().unwrap());
        let err = Lagom::open(&path, &keys).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotADatabase, "{err}");
        assert_eq!(std::fs::read(&path).unwrap(), content);
    }
}

#[test]
fn a_missing_database_is_never_created_by_open() {
    let (_dir, path) = temp_db();
    let err = Lagom::open(&path, &MemoryKeyStore::new()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::DatabaseMissing);
    assert!(!path.exists());
}

#[test]
fn create_refuses_to_overwrite() {
    let (_dir, path) = temp_db();
    drop(Lagom::create(&path, &MemoryKeyStore::new()).unwrap());
    let err = Lagom::create(&path, &MemoryKeyStore::new()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::AlreadyExists);
}

#[test]
fn a_lost_key_is_restored_from_the_recovery_key() {
    let (_dir, path) = temp_db();
    let created = Lagom::create(&path, &MemoryKeyStore::new()).unwrap();
    let shown = created.recovery_key.to_recovery_groups().to_string();
    let id = created.lagom.contacts().create(&anna()).unwrap().id;
    drop(created);

    let new_laptop = MemoryKeyStore::new();
    let err = Lagom::open(&path, &new_laptop).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::KeyMissing, "{err}");

    let err = Lagom::recover(&path, &"0".repeat(64), &new_laptop).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::WrongKey);
    assert_eq!(new_laptop.load().unwrap(), None, "a wrong recovery key is not stored");

    drop(Lagom::recover(&path, &shown, &new_laptop).unwrap());
    let lagom = Lagom::open(&path, &new_laptop).unwrap();
    assert_eq!(lagom.contacts().get(&id).unwrap().given_name, "Anna");
}

#[test]
fn a_newer_schema_is_refused_and_not_migrated_down() {
    let (_dir, path) = temp_db();
    let key = DbKey::generate().unwrap();
    let keys = MemoryKeyStore::with_key(key);
    let created = Lagom::create(&path, &MemoryKeyStore::new()).unwrap();
    keys.save(&created.recovery_key).unwrap();
    created.lagom.connection().pragma_update(None, "user_version", SCHEMA_VERSION + 1).unwrap();
    drop(created);
    let err = Lagom::open(&path, &keys).unwrap_err();
    assert!(matches!(err, Error::NewerSchema { found, .. } if found == SCHEMA_VERSION + 1), "{err}");
}

#[test]
fn a_second_opener_is_told_the_database_is_in_use() {
    let (_dir, path) = temp_db();
    let keys = MemoryKeyStore::new();
    let first = Lagom::create(&path, &keys).unwrap();
    let err = Lagom::open(&path, &keys).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InUse);
    drop(first);
    assert!(Lagom::open(&path, &keys).is_ok(), "the lock goes with the first opener");
}

#[test]
fn the_connection_is_configured_for_erasure_and_integrity() {
    let (_dir, path) = temp_db();
    let created = Lagom::create(&path, &MemoryKeyStore::new()).unwrap();
    let conn = created.lagom.connection();
    let pragma = |name: &str| -> String {
        conn.query_row(&format!("PRAGMA {name}"), [], |row| row.get::<_, rusqlite::types::Value>(0))
            .map(|v| format!("{v:?}"))
            .unwrap()
    };
    assert_eq!(pragma("foreign_keys"), "Integer(1)");
    assert_eq!(pragma("secure_delete"), "Integer(1)");
    assert_eq!(pragma("journal_mode"), "Text(\"wal\")");
    assert_eq!(pragma("cache_size"), "Integer(-65536)");
    let version: String = conn.query_row("PRAGMA cipher_version", [], |row| row.get(0)).unwrap();
    assert!(version.starts_with('4'), "SQLCipher 4, got {version}");
}

// ---- Regression tests for the review findings (issue 6) ------------------------------------

#[test]
fn create_never_replaces_a_key_already_stored_for_the_path() {
    let (_dir, path) = temp_db();
    // The database is "missing" (an unmounted drive, a move, a restore in progress), but the
    // keychain still holds its key.
    let old_key = DbKey::generate().unwrap();
    let keys = MemoryKeyStore::with_key(old_key.clone());
    let err = Lagom::create(&path, &keys).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::KeyAlreadyStored, "{err}");
    assert!(err.to_string().contains("did not create"), "{err}");
    assert_eq!(keys.load().unwrap(), Some(old_key), "the old key is untouched");
    assert!(!path.exists(), "no database was made");

    // The same for a passphrase key file left beside the path: it is never overwritten, even
    // when the new database would use the keychain.
    let (_dir, path) = temp_db();
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let key_file = PassphraseStore::key_file_for(&path);
    PassphraseStore::for_database(&path, "the old passphrase").save(&old_key_for_file()).unwrap();
    let before = std::fs::read(&key_file).unwrap();
    let err = Lagom::create(&path, &MemoryKeyStore::new()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::KeyAlreadyStored, "{err}");
    assert_eq!(std::fs::read(&key_file).unwrap(), before);
    assert!(!path.exists());
}

fn old_key_for_file() -> DbKey {
    DbKey::from_bytes([7; 32])
}

#[test]
fn create_refuses_beside_leftover_wal_files_and_keeps_them() {
    let (_dir, path) = temp_db();
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let wal = path.with_file_name("lagom.db-wal");
    std::fs::write(&wal, b"frames of a database that was moved away").unwrap();
    let err = Lagom::create(&path, &MemoryKeyStore::new()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::AlreadyExists, "{err}");
    assert_eq!(std::fs::read(&wal).unwrap(), b"frames of a database that was moved away");
    assert!(!path.exists());
}

/// A key store that refuses to save, counting what is asked of it.
#[derive(Debug, Default)]
struct RefusingStore {
    deletes: std::sync::atomic::AtomicUsize,
}

impl KeyStore for RefusingStore {
    fn kind(&self) -> lagom_core::KeyStoreKind {
        lagom_core::KeyStoreKind::Memory
    }
    fn load(&self) -> lagom_core::Result<Option<DbKey>> {
        Ok(None)
    }
    fn save(&self, _key: &DbKey) -> lagom_core::Result<()> {
        Err(Error::KeychainUnavailable("test: the keychain refused".into()))
    }
    fn holds_key(&self) -> lagom_core::Result<bool> {
        Ok(false)
    }
    fn delete(&self) -> lagom_core::Result<()> {
        self.deletes.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Ok(())
    }
    fn save_pending(&self, _key: &DbKey) -> lagom_core::Result<()> {
        Err(Error::KeychainUnavailable("test: the keychain refused".into()))
    }
    fn load_pending(&self) -> lagom_core::Result<Option<DbKey>> {
        Ok(None)
    }
    fn delete_pending(&self) -> lagom_core::Result<()> {
        Ok(())
    }
}

#[test]
fn a_failed_create_removes_only_what_it_made() {
    let (_dir, path) = temp_db();
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let neighbour = path.with_file_name("other.db");
    std::fs::write(&neighbour, b"someone else's file").unwrap();
    let keys = RefusingStore::default();
    let err = Lagom::create(&path, &keys).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::KeychainUnavailable);
    for suffix in ["", "-wal", "-shm", "-journal"] {
        assert!(!path.with_file_name(format!("lagom.db{suffix}")).exists(), "lagom.db{suffix} was left behind");
    }
    assert_eq!(std::fs::read(&neighbour).unwrap(), b"someone else's file");
    assert_eq!(keys.deletes.load(std::sync::atomic::Ordering::SeqCst), 1, "only the key this call tried to write");
}

#[test]
fn recovering_into_the_keychain_kind_removes_the_passphrase_key_file() {
    let (_dir, path) = temp_db();
    let created = Lagom::create(&path, &PassphraseStore::for_database(&path, "a long enough passphrase")).unwrap();
    let shown = created.recovery_key.to_recovery_groups().to_string();
    drop(created);
    assert!(PassphraseStore::key_file_for(&path).exists());
    let elsewhere = MemoryKeyStore::new();
    drop(Lagom::recover(&path, &shown, &elsewhere).unwrap());
    assert!(!PassphraseStore::key_file_for(&path).exists(), "the key lives in one place only");
    assert!(Lagom::open(&path, &elsewhere).is_ok());
}

/// Runs only inside `make test`'s private keyring (see `create_and_reopen_with_the_os_keychain`).
#[test]
fn recovering_under_a_passphrase_removes_the_keychain_entry() {
    if std::env::var_os("LAGOM_TEST_KEYCHAIN").is_none() {
        eprintln!("skipped: set LAGOM_TEST_KEYCHAIN=1 inside a D-Bus session with a keyring");
        return;
    }
    let (_dir, path) = temp_db();
    let keychain = KeychainStore::for_database(&path).unwrap();
    let created = Lagom::create(&path, &keychain).unwrap();
    let shown = created.recovery_key.to_recovery_groups().to_string();
    drop(created);
    assert!(keychain.holds_key().unwrap());
    let passphrase = PassphraseStore::for_database(&path, "a long enough passphrase");
    drop(Lagom::recover(&path, &shown, &passphrase).unwrap());
    assert!(!keychain.holds_key().unwrap(), "the keychain copy is removed");
    assert!(Lagom::open(&path, &passphrase).is_ok());

    // A passphrase database is never created where the keychain holds a key for the path.
    let (_dir, other) = temp_db();
    let keychain = KeychainStore::for_database(&other).unwrap();
    let someone_elses = DbKey::generate().unwrap();
    keychain.save(&someone_elses).unwrap();
    let err = Lagom::create(&other, &PassphraseStore::for_database(&other, "a long enough passphrase")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::KeyAlreadyStored, "{err}");
    assert!(err.to_string().contains("keychain"), "{err}");

    // Recovering a database under a passphrase where the keychain holds another database's key
    // leaves that key alone.
    std::fs::remove_file(PassphraseStore::key_file_for(&path)).unwrap();
    let elsewhere = KeychainStore::for_database(&path).unwrap();
    elsewhere.save(&someone_elses).unwrap();
    drop(Lagom::recover(&path, &shown, &passphrase).unwrap());
    assert_eq!(elsewhere.load().unwrap(), Some(someone_elses), "another database's key is never destroyed");
    keychain.delete().unwrap();
    elsewhere.delete().unwrap();
}

#[cfg(unix)]
#[test]
fn a_key_file_an_older_lagom_put_beside_a_symlink_still_opens_the_database() {
    let (dir, path) = temp_db();
    drop(Lagom::create(&path, &PassphraseStore::for_database(&path, "a long enough passphrase")).unwrap());
    let link = dir.path().join("link.db");
    std::os::unix::fs::symlink(&path, &link).unwrap();
    // Before this version the key file sat beside the path as typed.
    std::fs::rename(PassphraseStore::key_file_for(&path), dir.path().join("link.db.key")).unwrap();
    assert_eq!(lagom_core::KeyStoreKind::for_database(&link), lagom_core::KeyStoreKind::Passphrase);
    drop(Lagom::open(&link, &PassphraseStore::for_database(&link, "a long enough passphrase")).unwrap());
    assert!(path.with_file_name("lagom.db.key").exists(), "moved beside the real file once it opened the database");
    assert!(!dir.path().join("link.db.key").exists());
    assert!(Lagom::open(&path, &PassphraseStore::for_database(&path, "a long enough passphrase")).is_ok());
}

#[test]
fn free_text_request_references_of_older_tombstones_are_replaced_on_upgrade() {
    let (_dir, path) = temp_db();
    let keys = MemoryKeyStore::new();
    let created = Lagom::create(&path, &keys).unwrap();
    let conn = created.lagom.connection();
    // As an older Lagom left it: schema 6 (what steps 7 and later made is undone: a new step
    // that creates something must be undone here too), no
    // tombstone triggers, free text in references.
    conn.execute_batch(
        "DROP TRIGGER erasure_append_only; DROP TRIGGER erasure_no_delete;
         DROP TABLE interaction; DROP TABLE interaction_outcome; DROP TABLE request;
         DROP TABLE retention_hold; ALTER TABLE purpose DROP COLUMN retention_anchor;
         DROP TABLE retention_due; DROP INDEX contact_retention; DROP INDEX consent_event_by_contact_purpose;
         DROP INDEX audit_export_by_at;
         ALTER TABLE contact DROP COLUMN source;
         DROP TRIGGER contact_fts_after_insert; DROP TABLE fts_deferred;
         ALTER TABLE audit_entry ADD COLUMN prev_hash BLOB;
         DROP TABLE breach_contact; DROP TABLE breach; DROP TABLE notice_given; DROP TABLE backup_taken; DROP TABLE ledger_secret; DROP TABLE second_factor; DROP TABLE recovery_code;
         CREATE TRIGGER contact_fts_after_insert AFTER INSERT ON contact BEGIN
             INSERT INTO contact_fts (rowid, given_name, family_name, email, organisation)
             VALUES (new.seq, new.given_name, new.family_name, new.email, NULL);
         END;
         PRAGMA user_version = 6;
         INSERT INTO erasure (id, contact_id, at, erased_by, article, request_id) VALUES
           ('t1', 'c1', '2025-01-01T00:00:00Z', 'sara', 'GDPR Art. 17', 'Anna Berg phoned on Monday'),
           ('t2', 'c2', '2025-01-02T00:00:00Z', 'sara', 'GDPR Art. 17', 'REQ-2025.0007_b'),
           ('t3', 'c3', '2025-01-03T00:00:00Z', 'sara', 'GDPR Art. 17', NULL),
           ('t4', 'c4', '2025-01-04T00:00:00Z', 'sara', 'GDPR Art. 17', 'ärende-7');",
    )
    .unwrap();
    drop(created);
    let lagom = Lagom::open(&path, &keys).unwrap();
    let references: Vec<Option<String>> =
        lagom.rights().erasures().unwrap().into_iter().map(|t| t.request_id).collect();
    assert_eq!(
        references,
        [Some("removed-free-text".into()), Some("REQ-2025.0007_b".into()), None, Some("removed-free-text".into())]
    );
    let refused = lagom.connection().execute("DELETE FROM erasure", []).unwrap_err();
    assert!(refused.to_string().contains("append-only"), "{refused}");
}

/// Runs only inside `make test`'s private keyring.
#[cfg(unix)]
#[test]
fn a_keychain_entry_an_older_lagom_made_under_a_symlink_moves_only_after_it_opened_the_database() {
    if std::env::var_os("LAGOM_TEST_KEYCHAIN").is_none() {
        eprintln!("skipped: set LAGOM_TEST_KEYCHAIN=1 inside a D-Bus session with a keyring");
        return;
    }
    let (dir, path) = temp_db();
    let real = KeychainStore::for_database(&path).unwrap();
    let created = Lagom::create(&path, &real).unwrap();
    let key = created.recovery_key.clone();
    drop(created);
    // An older Lagom keyed the entry on the path as typed: a symlink to the database.
    let link = dir.path().join("link.db");
    let as_typed = KeychainStore::for_database(&link).unwrap(); // before the link exists: its own name
    as_typed.save(&key).unwrap();
    real.delete().unwrap();
    std::os::unix::fs::symlink(&path, &link).unwrap();

    let legacy_view = KeychainStore::for_database(&link).unwrap();
    assert_eq!(legacy_view.load().unwrap(), Some(key.clone()), "the old entry is still found");
    drop(Lagom::open(&link, &legacy_view).unwrap());
    assert_eq!(KeychainStore::for_database(&path).unwrap().load().unwrap(), Some(key.clone()), "moved");
    std::fs::remove_file(&link).unwrap();
    assert_eq!(KeychainStore::for_database(&link).unwrap().load().unwrap(), None, "the old entry is gone");
    KeychainStore::for_database(&path).unwrap().delete().unwrap();
}

#[cfg(unix)]
#[test]
fn the_data_folder_and_every_database_file_are_private_to_the_user() {
    use std::os::unix::fs::PermissionsExt;
    let (_dir, path) = temp_db();
    let created = Lagom::create(&path, &PassphraseStore::for_database(&path, "a long enough passphrase")).unwrap();
    created.lagom.contacts().create(&anna()).unwrap();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(path.parent().unwrap()), 0o700, "the data folder Lagom made");
    for name in ["lagom.db", "lagom.db-wal", "lagom.db-shm", "lagom.db.lock", "lagom.db.key"] {
        let file = path.with_file_name(name);
        assert!(file.exists(), "{name} exists while the database is open");
        assert_eq!(mode(&file), 0o600, "{name}");
    }
    drop(created);

    // Files an older Lagom left readable by others are made private when opened.
    for name in ["lagom.db", "lagom.db.key", "lagom.db.lock"] {
        std::fs::set_permissions(path.with_file_name(name), std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    drop(Lagom::open(&path, &PassphraseStore::for_database(&path, "a long enough passphrase")).unwrap());
    for name in ["lagom.db", "lagom.db.key", "lagom.db.lock"] {
        assert_eq!(mode(&path.with_file_name(name)), 0o600, "{name}");
    }
}

#[cfg(unix)]
#[test]
fn a_symlink_cannot_open_the_database_a_second_time() {
    let (dir, path) = temp_db();
    let keys = MemoryKeyStore::new();
    let first = Lagom::create(&path, &keys).unwrap();
    let link = dir.path().join("link.db");
    std::os::unix::fs::symlink(&path, &link).unwrap();
    let err = Lagom::open(&link, &keys).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InUse, "the lock is keyed on the real file: {err}");
    assert_eq!(PassphraseStore::key_file_for(&link), PassphraseStore::key_file_for(&path));
    assert_eq!(lagom_core::canonical_path(&link).unwrap(), first.lagom.path());
    drop(first);
    let through_link = Lagom::open(&link, &keys).unwrap();
    assert_eq!(through_link.path(), lagom_core::canonical_path(&path).unwrap());
}

/// A register with a few hundred contacts, closed, and its key.
fn filled(path: &Path) -> MemoryKeyStore {
    let keys = MemoryKeyStore::new();
    let lagom = Lagom::create(path, &keys).unwrap().lagom;
    for i in 0..300 {
        let mut person = anna();
        person.email = Some(format!("anna{i}@example.se"));
        person.phone = None;
        lagom.contacts().create(&person).unwrap();
    }
    drop(lagom);
    keys
}

#[test]
fn a_truncated_file_is_refused_by_name_and_left_as_it_was() {
    let (_dir, path) = temp_db();
    let keys = filled(&path);
    let full = std::fs::read(&path).unwrap();
    std::fs::write(&path, &full[..full.len() / 3 + 100]).unwrap();
    let before = files_of(&path);
    let error = match Lagom::open(&path, &keys) {
        Err(error) => error,
        // The first pages may still be whole: then the first read past the cut fails.
        Ok(lagom) => {
            lagom.contacts().list(0, 1000).map(|_| ()).and_then(|()| lagom.verify_audit().map(|_| ())).unwrap_err()
        }
    };
    assert!(matches!(error.kind(), ErrorKind::NotADatabase | ErrorKind::Storage), "{error}");
    assert_eq!(files_of(&path), before, "byte for byte, nothing beside it");
}

#[test]
fn corrupt_pages_are_reported_and_never_repaired_behind_the_users_back() {
    let (_dir, path) = temp_db();
    let keys = filled(&path);
    let mut bytes = std::fs::read(&path).unwrap();
    // Flip a byte in every page but the first: their MACs no longer match.
    for page in 1..bytes.len() / 4096 {
        bytes[page * 4096 + 1000] ^= 0x5a;
    }
    std::fs::write(&path, &bytes).unwrap();
    let before = files_of(&path);
    let outcome = Lagom::open(&path, &keys).and_then(|lagom| {
        lagom.contacts().list(0, 1000)?;
        lagom.verify_audit().map(|_| ())
    });
    let error = outcome.unwrap_err();
    assert!(matches!(error.kind(), ErrorKind::NotADatabase | ErrorKind::Storage), "{error}");
    assert_eq!(files_of(&path), before);
}

#[test]
fn cached_statements_are_not_prepared_again_on_every_use() {
    let (_dir, path) = temp_db();
    let lagom = Lagom::create(&path, &MemoryKeyStore::new()).unwrap().lagom;
    let ids: Vec<String> = (0..3).map(|_| lagom.contacts().create(&anna()).unwrap().id).collect();
    // The shape of Lagom's own lookups: a join, an equality on a bound value.
    const SQL: &str = "SELECT p.name FROM contact_purpose cp JOIN purpose p ON p.id = cp.purpose_id
                       WHERE cp.contact_id = ?1 ORDER BY p.name";
    for id in &ids {
        let mut statement = lagom.connection().prepare_cached(SQL).unwrap();
        let names: Vec<String> = statement.query_map([id], |r| r.get(0)).unwrap().map(|r| r.unwrap()).collect();
        assert_eq!(names, ["Customer relationship"]);
    }
    let statement = lagom.connection().prepare_cached(SQL).unwrap();
    assert_eq!(statement.get_status(rusqlite::StatementStatus::RePrepare), 0, "parsed and planned once");
}

#[test]
fn a_search_index_marker_left_behind_is_repaired_when_the_register_opens() {
    let (_dir, path) = temp_db();
    let keys = MemoryKeyStore::new();
    let lagom = Lagom::create(&path, &keys).unwrap().lagom;
    // As if an import's marker had been committed: new contacts would stay out of the index.
    lagom.connection().execute("INSERT INTO fts_deferred (since) VALUES (0)", []).unwrap();
    lagom.contacts().create(&anna()).unwrap();
    assert!(lagom.contacts().search("ostlund").unwrap().is_empty());
    drop(lagom);
    let lagom = Lagom::open(&path, &keys).unwrap();
    assert_eq!(lagom.contacts().search("ostlund").unwrap().len(), 1, "indexed again");
    lagom.contacts().create(&ContactInput { given_name: "Bo".into(), family_name: "Ek".into(), ..anna() }).unwrap();
    assert_eq!(lagom.contacts().search("ek").unwrap().len(), 1, "new contacts are indexed as they come");
}

#[test]
fn an_audit_trail_that_stored_previous_hashes_verifies_and_erases_after_the_upgrade() {
    let (_dir, path) = temp_db();
    let keys = MemoryKeyStore::new();
    let lagom = Lagom::create(&path, &keys).unwrap().lagom;
    let bo_input = ContactInput { given_name: "Bo".into(), family_name: "Ek".into(), ..anna() };
    let anna = lagom.contacts().create(&anna()).unwrap().id;
    let bo = lagom.contacts().create(&bo_input).unwrap().id;
    // As schema 16 left it: each entry also stored the previous entry's hash, and the
    // append-only trigger guarded that column too.
    lagom
        .connection()
        .execute_batch(
            "DROP TRIGGER audit_entry_append_only;
             ALTER TABLE audit_entry ADD COLUMN prev_hash BLOB;
             UPDATE audit_entry SET prev_hash = coalesce(
                 (SELECT p.hash FROM audit_entry p WHERE p.seq = audit_entry.seq - 1), zeroblob(32));
             CREATE TRIGGER audit_entry_append_only BEFORE UPDATE ON audit_entry
             WHEN NOT EXISTS (SELECT 1 FROM erase_guard)
               OR new.old_value IS NOT NULL OR new.new_value IS NOT NULL
               OR new.prev_hash IS NOT old.prev_hash OR new.hash IS NOT old.hash
             BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
             DROP TABLE breach_contact; DROP TABLE breach; DROP TABLE notice_given; DROP TABLE backup_taken; DROP TABLE ledger_secret; DROP TABLE second_factor; DROP TABLE recovery_code;
             PRAGMA user_version = 16;",
        )
        .unwrap();
    drop(lagom);
    let lagom = Lagom::open(&path, &keys).unwrap();
    let columns: Vec<String> = lagom
        .connection()
        .prepare("SELECT name FROM pragma_table_info('audit_entry')")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    assert!(!columns.contains(&"prev_hash".to_owned()), "{columns:?}");
    assert!(lagom.verify_audit().unwrap().is_intact());
    lagom.rights().erase(&bo, None).unwrap();
    let report = lagom.verify_audit().unwrap();
    assert!(report.is_intact() && report.redacted > 0, "{report:?}");
    assert!(lagom.audit_for(&anna).unwrap().iter().any(|e| e.field.as_deref() == Some("given_name")));
    assert!(lagom.connection().execute("UPDATE audit_entry SET actor = 'x'", []).is_err(), "still append-only");
}

#[test]
fn the_second_factor_takes_a_code_once_within_a_step_of_drift_or_a_recovery_code_once() {
    let (_dir, path) = temp_db();
    let clock = std::sync::Arc::new(lagom_core::FixedClock::at(
        chrono::DateTime::parse_from_rfc3339("2026-11-30T10:00:10Z").unwrap().to_utc(),
    ));
    let keys = MemoryKeyStore::new();
    let lagom = Lagom::create_with_clock(&path, &keys, clock.clone()).unwrap().lagom;
    assert!(!lagom.second_factor().state().unwrap().enabled);
    assert_eq!(lagom.second_factor().check("123456").unwrap_err().kind(), ErrorKind::NotSetUp);

    let (pending, enrolment) = lagom.begin_second_factor().unwrap();
    assert!(enrolment.uri.starts_with("otpauth://totp/"));
    let now = || u64::try_from(lagom_core::Clock::now(clock.as_ref()).timestamp()).unwrap();
    let wrong = if pending.code_at(now()).unwrap() == "000000" { "111111" } else { "000000" };
    assert_eq!(lagom.second_factor().enable(&pending, wrong).unwrap_err().kind(), ErrorKind::WrongCode);
    let codes = lagom.second_factor().enable(&pending, &pending.code_at(now()).unwrap()).unwrap();
    assert_eq!(codes.len(), 10);
    let state = lagom.second_factor().state().unwrap();
    assert!(state.enabled);
    assert_eq!(state.recovery_codes_left, 10);
    // The stored hashes are not the codes.
    let stored: Vec<Vec<u8>> = lagom
        .connection()
        .prepare("SELECT hash FROM recovery_code")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(stored.iter().all(|hash| !codes.iter().any(|code| hash.windows(code.len()).any(|w| w == code.as_bytes()))));

    // The code used to enrol is not accepted again (a replay); the next step's is.
    let code_now = pending.code_at(now()).unwrap();
    assert_eq!(lagom.second_factor().check(&code_now).unwrap_err().kind(), ErrorKind::CodeUsed);
    clock.advance(chrono::Duration::seconds(30));
    let next = pending.code_at(now()).unwrap();
    // One step of drift: the phone is 30 s ahead.
    clock.advance(chrono::Duration::seconds(30));
    let ahead = pending.code_at(now() + 30).unwrap();
    assert!(lagom.second_factor().check(&ahead).is_ok());
    // A code from before one that was accepted is not taken.
    assert_eq!(lagom.second_factor().check(&next).unwrap_err().kind(), ErrorKind::CodeUsed);
    // Two steps late is too late.
    clock.advance(chrono::Duration::seconds(120));
    let stale = pending.code_at(now() - 60).unwrap();
    if stale != pending.code_at(now()).unwrap() && stale != pending.code_at(now() - 30).unwrap() {
        assert_eq!(lagom.second_factor().check(&stale).unwrap_err().kind(), ErrorKind::WrongCode);
    }

    // A recovery code, typed in capitals with a space, works once.
    let typed = codes[3].to_uppercase().replace('-', " ");
    assert_eq!(lagom.second_factor().check(&typed).unwrap(), lagom_core::CodeAccepted::RecoveryCode { left: 9 });
    // Used again: refused as used (the owner's slip, not a guess).
    assert_eq!(lagom.second_factor().check(&codes[3]).unwrap_err().kind(), ErrorKind::CodeUsed);

    // Turning it off needs a code; then nothing is kept.
    assert_eq!(lagom.second_factor().disable("nonsense").unwrap_err().kind(), ErrorKind::WrongCode);
    lagom.second_factor().disable(&codes[0]).unwrap();
    let state = lagom.second_factor().state().unwrap();
    assert!(!state.enabled);
    let left: u32 = lagom
        .connection()
        .query_row("SELECT (SELECT count(*) FROM second_factor) + (SELECT count(*) FROM recovery_code)", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(left, 0);
    assert!(lagom.verify_audit().unwrap().is_intact());
}

/// "Remove Lagom's data" leaves nothing of the register behind: its failed-attempts file (the
/// counts and times of wrong passphrases or codes) goes too, so a new register at the same
/// place starts without the old one's waits.
#[test]
fn removing_the_register_removes_its_failed_attempts_file_too() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lagom.db");
    let keys = MemoryKeyStore::new();
    let lagom = Lagom::create(&path, &keys).unwrap().lagom;
    let attempts = lagom_core::unlock::UnlockAttempts::for_database(&path);
    attempts.failed(&lagom_core::SystemClock).unwrap();
    assert!(attempts.path().exists());
    let report = lagom.forget(&keys, false).unwrap();
    assert!(!attempts.path().exists(), "{report:?}");
    assert!(report.removed.iter().any(|f| f.ends_with("lagom.db.attempts")), "{report:?}");
}
