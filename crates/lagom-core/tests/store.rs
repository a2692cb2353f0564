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
        fn delete(&self) -> lagom_core::Result<()> {
            self.0.delete()
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
