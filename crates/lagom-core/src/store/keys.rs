//! Where the database key lives: the [`KeyStore`] seam and its three implementations.
//!
//! The database key is 32 random bytes from the OS CSPRNG, applied to SQLCipher as a raw key.
//! It is never written to disk in the clear: it sits in the OS keychain ([`KeychainStore`]),
//! or wrapped by a key derived from a passphrase with Argon2id ([`PassphraseStore`]), or, in
//! tests, in memory ([`MemoryKeyStore`]). The same 32 bytes, shown once as 64 hex characters,
//! are the recovery key.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// The 256-bit database key. Its bytes are wiped from memory when it is dropped.
#[derive(Clone, PartialEq, Eq)]
pub struct DbKey(Zeroizing<[u8; 32]>);

impl DbKey {
    /// A fresh key from the operating system's CSPRNG.
    pub fn generate() -> Result<Self> {
        Ok(DbKey(Zeroizing::new(random::<32>()?)))
    }

    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        DbKey(Zeroizing::new(bytes))
    }

    /// Parses a recovery key: 64 hex characters, case-insensitive; spaces, dashes and line
    /// breaks between groups are ignored. Decoded straight into the key's own buffer, so no
    /// intermediate string holds a copy.
    pub fn from_recovery_key(text: &str) -> Result<Self> {
        let mut bytes = Zeroizing::new([0u8; 32]);
        let mut nibbles = 0usize;
        for c in text.chars().filter(|c| !c.is_whitespace() && *c != '-') {
            let value = c.to_digit(16).ok_or(Error::InvalidRecoveryKey)?;
            let byte = bytes.get_mut(nibbles / 2).ok_or(Error::InvalidRecoveryKey)?;
            // to_digit(16) is below 16, so the cast is exact.
            *byte = (*byte << 4) | value as u8;
            nibbles += 1;
        }
        if nibbles != 64 {
            return Err(Error::InvalidRecoveryKey);
        }
        Ok(DbKey(bytes))
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// 64 lowercase hex characters: what `PRAGMA key = "x'…'"` and the recovery key use.
    pub fn to_hex(&self) -> Zeroizing<String> {
        Zeroizing::new(hex::encode(self.0.as_ref()))
    }

    /// The recovery key as shown to a person: 16 groups of 4, four groups to a line. Built in
    /// one buffer sized up front, so no reallocation leaves a copy behind.
    pub fn to_recovery_groups(&self) -> Zeroizing<String> {
        let hex = self.to_hex();
        let mut shown = Zeroizing::new(String::with_capacity(64 + 15));
        for (i, c) in hex.chars().enumerate() {
            if i > 0 && i % 16 == 0 {
                shown.push('\n');
            } else if i > 0 && i % 4 == 0 {
                shown.push(' ');
            }
            shown.push(c);
        }
        shown
    }
}

impl fmt::Debug for DbKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DbKey(<redacted>)")
    }
}

/// Which kind of store holds a database's key (shown in settings, never secret).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum KeyStoreKind {
    Keychain,
    Passphrase,
    Memory,
}

impl KeyStoreKind {
    pub fn describe(self) -> &'static str {
        match self {
            KeyStoreKind::Keychain => "OS keychain",
            KeyStoreKind::Passphrase => "passphrase-protected key file",
            KeyStoreKind::Memory => "in-memory key store",
        }
    }
}

impl KeyStoreKind {
    /// Which store holds the key of the database at `db_path`: a key file beside it means a
    /// passphrase; otherwise the OS keychain. Nothing secret is read.
    pub fn for_database(db_path: &Path) -> KeyStoreKind {
        if PassphraseStore::key_file_for(db_path).exists() { KeyStoreKind::Passphrase } else { KeyStoreKind::Keychain }
    }
}

/// A place that keeps one database's key.
pub trait KeyStore: fmt::Debug + Send + Sync {
    fn kind(&self) -> KeyStoreKind;
    /// The key, or `None` when this store holds none (a first run, or a lost keychain).
    fn load(&self) -> Result<Option<DbKey>>;
    fn save(&self, key: &DbKey) -> Result<()>;
    /// Whether this store holds a key at all, without needing to unlock it (a key file that
    /// exists, a keychain entry even if it does not parse).
    fn holds_key(&self) -> Result<bool>;
    /// Forgets the key; used to undo a half-finished creation.
    fn delete(&self) -> Result<()>;
    /// Called once `key` has opened the database: a store may now move the key to where it
    /// belongs (an entry or key file an older Lagom made under the path as typed).
    fn opened_with(&self, _key: &DbKey) {}
    /// After a recovery stored `key` elsewhere: removes this store's copy of it, and never a
    /// different key (another database's).
    fn remove_copy_of(&self, key: &DbKey) -> Result<()> {
        if self.load()?.as_ref() == Some(key) { self.delete() } else { Ok(()) }
    }
    /// Where this store keeps its key, for a message that tells a person what to remove.
    fn location(&self) -> String {
        format!("the {}", self.kind().describe())
    }
    /// A key rotation's next key, kept beside the current one (the same protection) until the
    /// database has been re-encrypted with it: a rotation stopped at any moment then opens
    /// with one or the other.
    fn save_pending(&self, key: &DbKey) -> Result<()>;
    fn load_pending(&self) -> Result<Option<DbKey>>;
    fn delete_pending(&self) -> Result<()>;
    /// The pending key becomes the key, in one step where the store allows it.
    fn promote_pending(&self) -> Result<()> {
        let key = self.load_pending()?.ok_or(Error::KeyMissing { store: self.kind().describe() })?;
        self.save(&key)?;
        self.delete_pending()
    }
}

/// Keeps the key in tests. Never used by the app or the CLI.
#[derive(Debug, Default)]
pub struct MemoryKeyStore {
    key: Mutex<Option<DbKey>>,
    pending: Mutex<Option<DbKey>>,
}

impl MemoryKeyStore {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with_key(key: DbKey) -> Self {
        MemoryKeyStore { key: Mutex::new(Some(key)), pending: Mutex::new(None) }
    }

    fn slot(&self) -> std::sync::MutexGuard<'_, Option<DbKey>> {
        self.key.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn pending_slot(&self) -> std::sync::MutexGuard<'_, Option<DbKey>> {
        self.pending.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl KeyStore for MemoryKeyStore {
    fn kind(&self) -> KeyStoreKind {
        KeyStoreKind::Memory
    }
    fn load(&self) -> Result<Option<DbKey>> {
        Ok(self.slot().clone())
    }
    fn save(&self, key: &DbKey) -> Result<()> {
        *self.slot() = Some(key.clone());
        Ok(())
    }
    fn holds_key(&self) -> Result<bool> {
        Ok(self.slot().is_some())
    }
    fn delete(&self) -> Result<()> {
        *self.slot() = None;
        Ok(())
    }
    fn save_pending(&self, key: &DbKey) -> Result<()> {
        *self.pending_slot() = Some(key.clone());
        Ok(())
    }
    fn load_pending(&self) -> Result<Option<DbKey>> {
        Ok(self.pending_slot().clone())
    }
    fn delete_pending(&self) -> Result<()> {
        *self.pending_slot() = None;
        Ok(())
    }
}

/// The OS keychain: Secret Service on Linux, Keychain on macOS, Credential Manager on Windows.
/// One entry per database file, named by its canonical path (symlinks resolved).
pub struct KeychainStore {
    entry: keyring::Entry,
    /// The entries' account names (the database's canonical path, then the path as typed).
    accounts: Vec<String>,
    /// The entry an older Lagom made under the path as typed, when that differs; moved to
    /// `entry` the first time it is read.
    legacy: Option<keyring::Entry>,
    /// A key rotation's next key (the canonical path + `#next`).
    pending: keyring::Entry,
}

pub(crate) const KEYCHAIN_SERVICE: &str = "se.lagom.crm.database-key";

impl KeychainStore {
    pub fn for_database(db_path: &Path) -> Result<Self> {
        let canonical = super::canonical_path(db_path)?.to_string_lossy().into_owned();
        let absolute =
            std::path::absolute(db_path).map_err(|e| Error::io("resolve", db_path, e))?.to_string_lossy().into_owned();
        let entry = |account: &str| keyring::Entry::new(KEYCHAIN_SERVICE, account).map_err(keychain_error);
        let legacy = if absolute != canonical { Some(entry(&absolute)?) } else { None };
        let mut accounts = vec![canonical.clone()];
        accounts.extend(legacy.is_some().then_some(absolute));
        Ok(KeychainStore { entry: entry(&canonical)?, pending: entry(&format!("{canonical}#next"))?, accounts, legacy })
    }

    /// Writes `key` into `entry` and reads it back: some Secret Service set-ups accept a write
    /// they cannot return.
    fn write(entry: &keyring::Entry, key: &DbKey) -> Result<()> {
        entry.set_password(&key.to_hex()).map_err(keychain_error)?;
        match Self::read(entry)?.and_then(|text| DbKey::from_recovery_key(&text).ok()) {
            Some(stored) if &stored == key => Ok(()),
            _ => Err(Error::KeychainUnavailable("the keychain did not keep the key".into())),
        }
    }

    fn read(entry: &keyring::Entry) -> Result<Option<Zeroizing<String>>> {
        match entry.get_password() {
            Ok(text) => Ok(Some(Zeroizing::new(text))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(keychain_error(e)),
        }
    }
}

impl fmt::Debug for KeychainStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeychainStore").finish_non_exhaustive()
    }
}

fn keychain_error(e: keyring::Error) -> Error {
    // The keyring's messages name the platform failure, never the secret.
    Error::KeychainUnavailable(e.to_string())
}

impl KeyStore for KeychainStore {
    fn kind(&self) -> KeyStoreKind {
        KeyStoreKind::Keychain
    }
    fn load(&self) -> Result<Option<DbKey>> {
        let text = match (Self::read(&self.entry)?, &self.legacy) {
            (Some(text), _) => text,
            (None, Some(legacy)) => match Self::read(legacy)? {
                Some(text) => text,
                None => return Ok(None),
            },
            (None, None) => return Ok(None),
        };
        // A keychain entry that does not parse is treated like a missing one: the recovery key
        // restores it.
        Ok(DbKey::from_recovery_key(&text).ok())
    }
    fn opened_with(&self, key: &DbKey) {
        // The key opened the database: an entry under the path as typed moves to the canonical
        // name. Best effort; the old entry goes only once the new one is written.
        let Some(legacy) = &self.legacy else { return };
        if matches!(Self::read(&self.entry), Ok(None)) && self.save(key).is_ok() {
            let _ = legacy.delete_credential();
        }
    }
    fn save(&self, key: &DbKey) -> Result<()> {
        Self::write(&self.entry, key)
    }
    fn save_pending(&self, key: &DbKey) -> Result<()> {
        Self::write(&self.pending, key)
    }
    fn load_pending(&self) -> Result<Option<DbKey>> {
        Ok(Self::read(&self.pending)?.and_then(|text| DbKey::from_recovery_key(&text).ok()))
    }
    fn delete_pending(&self) -> Result<()> {
        match self.pending.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(keychain_error(e)),
        }
    }
    fn holds_key(&self) -> Result<bool> {
        for entry in std::iter::once(&self.entry).chain(&self.legacy) {
            if Self::read(entry)?.is_some() {
                return Ok(true);
            }
        }
        Ok(false)
    }
    fn remove_copy_of(&self, key: &DbKey) -> Result<()> {
        // Entry by entry: an entry under the path as typed may hold another database's key.
        for entry in std::iter::once(&self.entry).chain(&self.legacy) {
            let held = Self::read(entry)?.and_then(|text| DbKey::from_recovery_key(&text).ok());
            if held.as_ref() == Some(key) {
                match entry.delete_credential() {
                    Ok(()) | Err(keyring::Error::NoEntry) => {}
                    Err(e) => return Err(keychain_error(e)),
                }
            }
        }
        Ok(())
    }
    fn location(&self) -> String {
        let accounts: Vec<&str> = std::iter::once(&self.entry)
            .chain(&self.legacy)
            .zip(&self.accounts)
            .filter(|(entry, _)| matches!(Self::read(entry), Ok(Some(_))))
            .map(|(_, account)| account.as_str())
            .collect();
        format!("the keychain entry '{KEYCHAIN_SERVICE}' for {}, e.g. in Passwords and Keys", accounts.join(" and "))
    }
    fn delete(&self) -> Result<()> {
        for entry in std::iter::once(&self.entry).chain(&self.legacy).chain([&self.pending]) {
            match entry.delete_credential() {
                Ok(()) | Err(keyring::Error::NoEntry) => {}
                Err(e) => return Err(keychain_error(e)),
            }
        }
        Ok(())
    }
}

/// The shortest passphrase accepted when a key file is created.
pub const MIN_PASSPHRASE_CHARS: usize = 10;

/// Argon2id cost: 64 MiB, 3 passes, 1 lane (OWASP's second recommended setting and above
/// RFC 9106's low-memory profile). About 130 ms optimised on a 2-core laptop.
const ARGON2_MEMORY_KIB: u32 = 64 * 1024;
const ARGON2_ITERATIONS: u32 = 3;
const ARGON2_LANES: u32 = 1;
const KEY_FILE_FORMAT: &str = "lagom-wrapped-key";

/// A small JSON file beside the database holding only the Argon2id salt and parameters and the
/// database key wrapped with XChaCha20-Poly1305 under the passphrase-derived key.
pub struct PassphraseStore {
    /// Beside the database's real file (symlinks resolved); where the key file is written.
    key_file: PathBuf,
    /// Beside the path as typed, when that differs: where an older Lagom may have put it.
    legacy: Option<PathBuf>,
    passphrase: Zeroizing<String>,
}

#[derive(Serialize, Deserialize)]
struct KeyFile {
    format: String,
    version: u32,
    kdf: KdfParams,
    aead: String,
    nonce: String,
    wrapped_key: String,
}

#[derive(Serialize, Deserialize)]
struct KdfParams {
    algorithm: String,
    memory_kib: u32,
    iterations: u32,
    parallelism: u32,
    salt: String,
}

impl PassphraseStore {
    /// The key file that belongs to `db_path` (`contacts.db` → `contacts.db.key`), beside the
    /// real file when `db_path` is a symlink — or beside the path as typed, where an older
    /// Lagom put it, when only that one exists.
    pub fn key_file_for(db_path: &Path) -> PathBuf {
        Self::key_file_of(db_path).readable().to_owned()
    }

    pub fn for_database(db_path: &Path, passphrase: &str) -> Self {
        let beside = |path: &Path| {
            let mut name = path.as_os_str().to_owned();
            name.push(".key");
            PathBuf::from(name)
        };
        let key_file = beside(&super::canonical_path(db_path).unwrap_or_else(|_| db_path.to_owned()));
        let as_typed = beside(db_path);
        let legacy = (as_typed != key_file).then_some(as_typed);
        PassphraseStore { key_file, legacy, passphrase: Zeroizing::new(passphrase.to_owned()) }
    }

    /// A store that can only tell whether a key file exists, move or remove it (no passphrase).
    pub fn key_file_of(db_path: &Path) -> Self {
        Self::for_database(db_path, "")
    }

    /// The file the key is read from: the canonical one, or else an older Lagom's.
    fn readable(&self) -> &Path {
        match &self.legacy {
            Some(legacy) if !self.key_file.exists() && legacy.exists() => legacy,
            _ => &self.key_file,
        }
    }

    /// The key wrapped in the key file at `path`, unwrapped with the passphrase.
    fn unwrap_file(&self, path: &Path) -> Result<Option<DbKey>> {
        let Some(file) = self.read_file(path)? else {
            return Ok(None);
        };
        let bad =
            || Error::io("decode", path, std::io::Error::new(std::io::ErrorKind::InvalidData, "damaged key file"));
        let salt = hex::decode(&file.kdf.salt).map_err(|_| bad())?;
        let nonce = hex::decode(&file.nonce).map_err(|_| bad())?;
        let wrapped = hex::decode(&file.wrapped_key).map_err(|_| bad())?;
        if nonce.len() != 24 {
            return Err(bad());
        }
        let kek = self.derive(&file.kdf, &salt)?;
        let cipher = XChaCha20Poly1305::new(kek.as_ref().into());
        let plain = Zeroizing::new(
            cipher
                .decrypt(XNonce::from_slice(&nonce), Payload { msg: &wrapped, aad: KEY_FILE_FORMAT.as_bytes() })
                .map_err(|_| Error::WrongPassphrase)?,
        );
        if plain.len() != 32 {
            return Err(bad());
        }
        let mut bytes = Zeroizing::new([0u8; 32]);
        bytes.copy_from_slice(&plain);
        Ok(Some(DbKey(bytes)))
    }

    /// Wraps `key` under the passphrase (a fresh salt and nonce) into the key file at `path`,
    /// replaced in one rename.
    fn wrap_to(&self, path: &Path, key: &DbKey) -> Result<()> {
        let salt: [u8; 16] = random()?;
        let nonce: [u8; 24] = random()?;
        let params = KdfParams {
            algorithm: "argon2id".into(),
            memory_kib: ARGON2_MEMORY_KIB,
            iterations: ARGON2_ITERATIONS,
            parallelism: ARGON2_LANES,
            salt: hex::encode(salt),
        };
        let kek = self.derive(&params, &salt)?;
        let cipher = XChaCha20Poly1305::new(kek.as_ref().into());
        let wrapped = cipher
            .encrypt(XNonce::from_slice(&nonce), Payload { msg: key.as_bytes(), aad: KEY_FILE_FORMAT.as_bytes() })
            .map_err(|_| Error::WrongPassphrase)?;
        let file = KeyFile {
            format: KEY_FILE_FORMAT.into(),
            version: 1,
            kdf: params,
            aead: "xchacha20poly1305".into(),
            nonce: hex::encode(nonce),
            wrapped_key: hex::encode(wrapped),
        };
        let json =
            serde_json::to_string_pretty(&file).map_err(|e| Error::io("encode", path, std::io::Error::other(e)))?;
        crate::store::write_atomically(path, json.as_bytes())
    }

    /// Refuses passphrases too short to resist guessing; checked before a key file is made.
    pub fn check_strength(passphrase: &str) -> Result<()> {
        if passphrase.chars().count() < MIN_PASSPHRASE_CHARS {
            return Err(Error::WeakPassphrase { min: MIN_PASSPHRASE_CHARS });
        }
        Ok(())
    }

    fn derive(&self, params: &KdfParams, salt: &[u8]) -> Result<Zeroizing<[u8; 32]>> {
        let argon = argon2::Argon2::new(
            argon2::Algorithm::Argon2id,
            argon2::Version::V0x13,
            argon2::Params::new(params.memory_kib, params.iterations, params.parallelism, Some(32))
                .map_err(|_| Error::WrongPassphrase)?,
        );
        let mut kek = Zeroizing::new([0u8; 32]);
        argon.hash_password_into(self.passphrase.as_bytes(), salt, kek.as_mut()).map_err(|_| Error::WrongPassphrase)?;
        Ok(kek)
    }

    /// A key rotation's next key, wrapped under the same passphrase: `<db>.key.next`.
    fn pending_file(&self) -> PathBuf {
        super::with_suffix(&self.key_file, ".next")
    }

    fn read_file(&self, path: &Path) -> Result<Option<KeyFile>> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io("read", path, e)),
        };
        let file: KeyFile = serde_json::from_str(&text)
            .map_err(|e| Error::io("parse", path, std::io::Error::new(std::io::ErrorKind::InvalidData, e)))?;
        if file.format != KEY_FILE_FORMAT || file.version != 1 || file.kdf.algorithm != "argon2id" {
            return Err(Error::io(
                "understand",
                path,
                std::io::Error::new(std::io::ErrorKind::InvalidData, "unknown key file format"),
            ));
        }
        Ok(Some(file))
    }
}

impl fmt::Debug for PassphraseStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PassphraseStore").field("key_file", &self.key_file).finish_non_exhaustive()
    }
}

/// `N` bytes from the operating system's CSPRNG.
fn random<const N: usize>() -> Result<[u8; N]> {
    let mut bytes = [0u8; N];
    fill_random(&mut bytes)?;
    Ok(bytes)
}

/// Fills `bytes` from the operating system's CSPRNG.
pub(crate) fn fill_random(bytes: &mut [u8]) -> Result<()> {
    getrandom::fill(bytes)
        .map_err(|e| Error::io("read random bytes from", "the operating system", std::io::Error::other(e.to_string())))
}

impl KeyStore for PassphraseStore {
    fn kind(&self) -> KeyStoreKind {
        KeyStoreKind::Passphrase
    }

    fn load(&self) -> Result<Option<DbKey>> {
        self.unwrap_file(self.readable())
    }

    fn save(&self, key: &DbKey) -> Result<()> {
        self.wrap_to(&self.key_file, key)
    }

    fn save_pending(&self, key: &DbKey) -> Result<()> {
        self.wrap_to(&self.pending_file(), key)
    }

    fn load_pending(&self) -> Result<Option<DbKey>> {
        self.unwrap_file(&self.pending_file())
    }

    fn delete_pending(&self) -> Result<()> {
        remove_if_there(&self.pending_file())
    }

    /// One rename: the key file is the old key's or the new key's at every moment.
    fn promote_pending(&self) -> Result<()> {
        let pending = self.pending_file();
        std::fs::rename(&pending, &self.key_file).map_err(|e| Error::io("put in place", &pending, e))?;
        super::sync_folder(&self.key_file);
        Ok(())
    }

    fn holds_key(&self) -> Result<bool> {
        Ok(self.key_file.exists() || self.legacy.as_ref().is_some_and(|legacy| legacy.exists()))
    }

    fn opened_with(&self, _key: &DbKey) {
        // An older Lagom's key file beside a symlink moves beside the real file. Best effort.
        if let Some(legacy) = &self.legacy
            && !self.key_file.exists()
            && legacy.exists()
        {
            let _ = std::fs::rename(legacy, &self.key_file);
        }
    }

    /// Removes the key file beside the real database file: it belongs to that database (it
    /// cannot be checked without its passphrase). A key file beside a symlink may belong to
    /// another database the link once pointed to, so it stays.
    fn remove_copy_of(&self, _key: &DbKey) -> Result<()> {
        self.delete()
    }

    fn location(&self) -> String {
        let files: Vec<String> = std::iter::once(&self.key_file)
            .chain(&self.legacy)
            .filter(|file| file.exists())
            .map(|file| file.display().to_string())
            .collect();
        format!("the key file {}", files.join(" and "))
    }

    fn delete(&self) -> Result<()> {
        remove_if_there(&self.key_file)?;
        remove_if_there(&self.pending_file())
    }
}

/// Removes `path`; one that is not there is no error.
fn remove_if_there(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io("remove", path, e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovery_key_round_trips_through_its_grouped_form() {
        let key = DbKey::generate().unwrap();
        let shown = key.to_recovery_groups();
        assert_eq!(shown.lines().count(), 4);
        assert_eq!(shown.split_whitespace().count(), 16);
        assert_eq!(DbKey::from_recovery_key(&shown).unwrap(), key);
        assert_eq!(DbKey::from_recovery_key(&shown.to_uppercase()).unwrap(), key);
    }

    #[test]
    fn recovery_key_rejects_wrong_lengths_and_letters() {
        for bad in ["", "abcd", &"g".repeat(64), &"a".repeat(66)] {
            assert!(matches!(DbKey::from_recovery_key(bad), Err(Error::InvalidRecoveryKey)), "{bad}");
        }
    }

    #[test]
    fn debug_output_never_shows_the_key() {
        let key = DbKey::from_bytes([0xab; 32]);
        assert!(!format!("{key:?}").contains("abab"));
    }

    #[test]
    fn passphrase_store_wraps_and_unwraps_and_refuses_a_wrong_passphrase() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("lagom.db");
        let key = DbKey::generate().unwrap();
        PassphraseStore::for_database(&db, "correct horse battery").save(&key).unwrap();

        let on_disk = std::fs::read_to_string(PassphraseStore::key_file_for(&db)).unwrap();
        assert!(!on_disk.contains(key.to_hex().as_str()), "the key file must not hold the key in the clear");

        let loaded = PassphraseStore::for_database(&db, "correct horse battery").load().unwrap();
        assert_eq!(loaded, Some(key));
        let wrong = PassphraseStore::for_database(&db, "wrong horse battery").load();
        assert!(matches!(wrong, Err(Error::WrongPassphrase)), "{wrong:?}");
    }

    #[test]
    fn passphrase_store_without_a_file_holds_no_key() {
        let dir = tempfile::tempdir().unwrap();
        let store = PassphraseStore::for_database(&dir.path().join("x.db"), "whatever123");
        assert_eq!(store.load().unwrap(), None);
    }

    #[test]
    fn short_passphrases_are_refused() {
        assert!(matches!(PassphraseStore::check_strength("short"), Err(Error::WeakPassphrase { .. })));
        assert!(PassphraseStore::check_strength("long enough passphrase").is_ok());
    }
}
