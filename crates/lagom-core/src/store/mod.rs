//! Opening and creating the encrypted database: key, connection settings, single-writer lock
//! and migrations. Fails closed: every failure is a named [`Error`] and nothing is created
//! unless the file is absent and the caller asked to create it.

pub mod keys;
mod migrations;

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};

use crate::error::{Error, Result};
use keys::{DbKey, KeyStore};

pub use migrations::SCHEMA_VERSION;

/// What a plaintext SQLite file starts with; an encrypted one starts with a random salt.
const PLAINTEXT_HEADER: &[u8; 16] = b"SQLite format 3\0";
/// SQLCipher 4's page size; an encrypted database is always a whole number of pages.
const PAGE_SIZE: u64 = 4096;

/// An open, verified, migrated database and the lock that makes this process its only user.
#[derive(Debug)]
pub struct Store {
    pub(crate) conn: Connection,
    path: PathBuf,
    // Held for as long as the store is open; the OS releases it if the process dies.
    _lock: File,
}

impl Store {
    /// Creates a new database at `path` with a fresh random key kept in `keys`.
    /// Returns the store and the key, whose hex form is the recovery key to show once.
    pub fn create(path: &Path, keys: &dyn KeyStore) -> Result<(Store, DbKey)> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| Error::io("create the folder", parent, e))?;
        }
        let lock = acquire_lock(path)?;
        if path.exists() {
            return Err(Error::AlreadyExists { path: path.to_owned() });
        }
        let key = DbKey::generate()?;
        let created = (|| {
            let conn = Connection::open_with_flags(
                path,
                OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )?;
            apply_key(&conn, &key)?;
            configure(&conn)?;
            migrations::apply(&conn)?;
            keys.save(&key)?;
            Ok(conn)
        })();
        match created {
            Ok(conn) => Ok((Store { conn, path: path.to_owned(), _lock: lock }, key)),
            Err(e) => {
                // Leave nothing half-made behind: no database without a stored key.
                remove_database_files(path);
                let _ = keys.delete();
                Err(e)
            }
        }
    }

    /// Opens an existing database with the key held in `keys`.
    pub fn open(path: &Path, keys: &dyn KeyStore) -> Result<Store> {
        check_file(path)?;
        let lock = acquire_lock(path)?;
        let key = keys.load()?.ok_or(Error::KeyMissing { store: keys.kind().describe() })?;
        Self::open_with_key(path, &key, lock)
    }

    /// Opens an existing database with its recovery key, then stores the key in `keys` so the
    /// next start opens without it (a new laptop, a lost keychain, a forgotten passphrase).
    pub fn recover(path: &Path, recovery_key: &str, keys: &dyn KeyStore) -> Result<Store> {
        let key = DbKey::from_recovery_key(recovery_key)?;
        check_file(path)?;
        let lock = acquire_lock(path)?;
        let store = Self::open_with_key(path, &key, lock)?;
        keys.save(&key)?;
        if keys.kind() != keys::KeyStoreKind::Passphrase {
            // The key now lives elsewhere; a stale key file would make the next start ask
            // for the forgotten passphrase again.
            keys::PassphraseStore::for_database(path, "").delete()?;
        }
        Ok(store)
    }

    fn open_with_key(path: &Path, key: &DbKey, lock: File) -> Result<Store> {
        // No CREATE flag: a failed open can never leave a new empty database behind.
        let conn =
            Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
        apply_key(&conn, key).map_err(|e| match e {
            Error::Storage(inner) if inner.sqlite_error_code() == Some(rusqlite::ErrorCode::NotADatabase) => {
                Error::WrongKey
            }
            other => other,
        })?;
        migrations::check_not_newer(&conn)?;
        configure(&conn)?;
        migrations::apply(&conn)?;
        Ok(Store { conn, path: path.to_owned(), _lock: lock })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn connection(&self) -> &Connection {
        &self.conn
    }
}

/// Tells a plaintext or foreign file from an encrypted database before any key is tried.
fn check_file(path: &Path) -> Result<()> {
    let mut file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(Error::DatabaseMissing { path: path.to_owned() });
        }
        Err(e) => return Err(Error::io("open", path, e)),
    };
    let len = file.metadata().map_err(|e| Error::io("read", path, e))?.len();
    let mut header = [0u8; 16];
    if len >= 16 {
        file.read_exact(&mut header).map_err(|e| Error::io("read", path, e))?;
    }
    if &header == PLAINTEXT_HEADER {
        return Err(Error::NotEncrypted { path: path.to_owned() });
    }
    if len == 0 || len % PAGE_SIZE != 0 {
        return Err(Error::NotADatabase { path: path.to_owned() });
    }
    Ok(())
}

/// Applies the raw key (no PBKDF2: the key is already 256 random bits) and proves it with a
/// read. `PRAGMA key` itself never fails; the first read does.
fn apply_key(conn: &Connection, key: &DbKey) -> Result<()> {
    // Silence SQLCipher's "hmac check failed" on stderr for a wrong key.
    conn.execute_batch("PRAGMA cipher_log_level = NONE;")?;
    let pragma = zeroize::Zeroizing::new(format!("PRAGMA key = \"x'{}'\";", key.to_hex().as_str()));
    conn.execute_batch(&pragma)?;
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |_| Ok(()))?;
    Ok(())
}

/// Per-connection settings; none of them is stored in the file, so every open applies them.
fn configure(conn: &Connection) -> Result<()> {
    conn.execute_batch(
        "PRAGMA foreign_keys = ON;
         PRAGMA secure_delete = ON;
         PRAGMA temp_store = MEMORY;
         PRAGMA journal_mode = WAL;
         PRAGMA synchronous = NORMAL;
         PRAGMA cache_size = -65536;",
    )?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    Ok(())
}

/// An exclusive advisory lock on `<db>.lock`, so the app and the CLI never write at once.
fn acquire_lock(path: &Path) -> Result<File> {
    let mut name = path.as_os_str().to_owned();
    name.push(".lock");
    let lock_path = PathBuf::from(name);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| Error::io("open the lock file", &lock_path, e))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(Error::InUse),
        Err(std::fs::TryLockError::Error(e)) => Err(Error::io("lock", &lock_path, e)),
    }
}

fn remove_database_files(path: &Path) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(name));
    }
}

/// Writes `bytes` to a temporary file beside `path` and renames it into place, so a crash or
/// a full disk never leaves a half-written file. On Unix the file is readable by its owner only.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let mut tmp_name = path.as_os_str().to_owned();
    tmp_name.push(".tmp");
    let tmp = PathBuf::from(tmp_name);
    let result = (|| {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    result.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::io("write", path, e)
    })
}

/// The default database location: the OS data directory (`~/.local/share/lagom/lagom.db`).
pub fn default_path() -> PathBuf {
    dirs::data_dir().unwrap_or_else(|| PathBuf::from(".")).join("lagom").join("lagom.db")
}
