//! Backups that remember erasures (R-4, R-10).
//!
//! A backup is a consistent copy of the encrypted database file, taken while it is open: the
//! write-ahead log is checkpointed into the main file and the file is copied while this
//! process holds the register's one-writer lock and its only connection, so nothing writes
//! meanwhile. (SQLCipher 4 disables SQLite's online backup API for encrypted databases.) The
//! copy is encrypted with the same key, so the recovery key opens it; free pages hold no old
//! values (`secure_delete`).
//!
//! Beside the backups, `lagom-erasures.csv` lists every tombstone — random ids, dates and the
//! article, nothing personal — and every later erasure is appended to it as it happens, so an
//! erasure made after a backup is known even when the laptop's database is gone. A restore
//! re-applies every erasure it finds in the live database and in that file to the restored
//! copy, with the same zero residue as a direct erase, before the copy replaces the register.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use ts_rs::TS;

use crate::context::Ctx;
use crate::error::{Error, Result};
use crate::rights::{Tombstone, all_tombstones};

pub(crate) const SCHEMA: &str = r#"
-- The backups taken of this register (the file's full path): the copy holds its own row, so a
-- restore knows when the backup it came from was taken, and every folder that holds a backup
-- gets each later erasure in its ledger.
CREATE TABLE backup_taken (
    id   TEXT PRIMARY KEY,
    at   TEXT NOT NULL,
    file TEXT NOT NULL
) STRICT;
-- The key that signs this register's lines in the erasure ledgers: a line that does not verify
-- (written by hand, or by another register sharing the folder) is never applied. Its 32 bytes
-- come from the OS's CSPRNG (`seed_ledger_secret`), not SQLite's own generator.
CREATE TABLE ledger_secret (secret BLOB NOT NULL) STRICT;
"#;

/// Fills `ledger_secret` with a fresh random key (a migration step).
pub(crate) fn seed_ledger_secret(tx: &rusqlite::Transaction<'_>, _now: &str) -> Result<()> {
    let mut secret = zeroize::Zeroizing::new([0u8; 32]);
    crate::store::keys::fill_random(secret.as_mut())?;
    tx.execute(
        "INSERT INTO ledger_secret (secret) SELECT ?1 WHERE NOT EXISTS (SELECT 1 FROM ledger_secret)",
        [secret.as_slice()],
    )?;
    Ok(())
}

/// The erasure ledger beside the backups.
pub const LEDGER_FILE: &str = "lagom-erasures.csv";
const LEDGER_HEADER: &str = "tombstone,contact_id,at,erased_by,article,request,signature";
/// The setting that remembers where the last backup went (where the next one goes).
const FOLDER_SETTING: &str = "backup_folder";

/// What a backup wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct BackupReceipt {
    pub path: String,
    pub bytes: u32,
    pub taken_at: String,
    pub contacts: u32,
    /// The erasure ledger beside it, and how many of this register's tombstones it lists.
    pub ledger: String,
    pub erasures: u32,
}

/// A backup this register made, as the settings screen lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct BackupFile {
    pub path: String,
    pub taken_at: String,
    pub bytes: u32,
}

/// What a restore did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct RestoreReport {
    pub restored_from: String,
    /// When the backup was taken (empty for a copy made without `lagom backup`).
    pub backup_taken_at: String,
    /// Erasures made after the backup and applied again to the restored register.
    pub reapplied: u32,
    /// Ledger lines not applied: not signed by this register, or dated before the backup for a
    /// person the backup holds.
    pub rejected: u32,
    pub contacts: u32,
    /// Contacts in the register that was replaced (it is removed once the restored one opens:
    /// what was added after the backup is gone with it).
    pub replaced_contacts: u32,
}

/// The folder backups go to when none is given: `backups` beside the database.
pub fn default_folder(db_path: &Path) -> PathBuf {
    db_path.parent().unwrap_or(Path::new(".")).join("backups")
}

/// Copies the register into `folder` as `lagom-backup-<UTC time>.db` and brings the erasure
/// ledger there up to date.
pub(crate) fn take(ctx: Ctx<'_>, db_path: &Path, folder: &Path) -> Result<BackupReceipt> {
    crate::store::create_private_dir(folder)?;
    let folder = crate::store::canonical_path(folder)?;
    let now = ctx.clock.now();
    let taken_at = crate::clock::timestamp(now);
    // Two backups in the same second (two registers sharing a folder, a second click) get a
    // number rather than a refusal; an existing backup is never overwritten.
    let stamp = now.format("%Y%m%dT%H%M%SZ").to_string();
    let Some(path) = (0..100)
        .map(|n| {
            folder.join(if n == 0 {
                format!("lagom-backup-{stamp}.db")
            } else {
                format!("lagom-backup-{stamp}-{n}.db")
            })
        })
        .find(|path| path.symlink_metadata().is_err())
    else {
        return Err(Error::AlreadyExists { path: folder.join(format!("lagom-backup-{stamp}.db")) });
    };
    // The row goes in first, so the copy knows when it was taken; removed if the copy fails.
    let id = crate::clock::new_id();
    ctx.conn.execute(
        "INSERT INTO backup_taken (id, at, file) VALUES (?1, ?2, ?3)",
        params![id, taken_at, path.to_string_lossy()],
    )?;
    let copied = checkpoint(ctx.conn).and_then(|()| {
        crate::store::publish_private_file(
            &path,
            |file| {
                let mut source = std::fs::File::open(db_path)?;
                std::io::copy(&mut source, file)
            },
            |_| Ok(()),
        )
    });
    let bytes = match copied {
        Ok(bytes) => bytes,
        Err(e) => {
            let _ = ctx.conn.execute("DELETE FROM backup_taken WHERE id = ?1", [&id]);
            return Err(e);
        }
    };
    ctx.conn.execute(
        "INSERT INTO setting (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![FOLDER_SETTING, folder.to_string_lossy()],
    )?;
    let contacts: u32 = ctx.conn.query_row("SELECT count(*) FROM contact", [], |row| row.get(0))?;
    let ledger = folder.join(LEDGER_FILE);
    let secret = ledger_secret(ctx.conn)?;
    let erasures = sync_ledger(ctx.conn, &ledger, &secret)?;
    Ok(BackupReceipt {
        path: path.to_string_lossy().into_owned(),
        bytes: u32::try_from(bytes).unwrap_or(u32::MAX),
        taken_at,
        contacts,
        ledger: ledger.to_string_lossy().into_owned(),
        erasures,
    })
}

/// Moves every WAL frame into the main file and empties the WAL; fails if a reader kept it.
pub(crate) fn checkpoint(conn: &rusqlite::Connection) -> Result<()> {
    let busy: i64 = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |row| row.get(0))?;
    if busy != 0 {
        return Err(Error::InUse);
    }
    Ok(())
}

pub(crate) fn ledger_secret(conn: &rusqlite::Connection) -> Result<Vec<u8>> {
    Ok(conn.query_row("SELECT secret FROM ledger_secret", [], |row| row.get(0))?)
}

/// Appends to the ledger (creating it) every tombstone of the register it does not list yet;
/// returns how many of this register's it lists.
fn sync_ledger(conn: &rusqlite::Connection, ledger: &Path, secret: &[u8]) -> Result<u32> {
    let listed: std::collections::HashSet<String> = read_ledger(ledger, secret)?.0.into_iter().map(|t| t.id).collect();
    let missing: Vec<Tombstone> = all_tombstones(conn)?.into_iter().filter(|t| !listed.contains(&t.id)).collect();
    append(ledger, &missing, secret, true)?;
    Ok(u32::try_from(listed.len() + missing.len()).unwrap_or(u32::MAX))
}

/// Every folder that holds one of this register's backups.
pub(crate) fn folders(conn: &rusqlite::Connection) -> Result<Vec<PathBuf>> {
    let files: Vec<String> = conn
        .prepare_cached("SELECT file FROM backup_taken ORDER BY at")?
        .query_map([], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut folders: Vec<PathBuf> = Vec::new();
    for file in files {
        if let Some(folder) = Path::new(&file).parent()
            && !folders.iter().any(|f| f == folder)
        {
            folders.push(folder.to_owned());
        }
    }
    Ok(folders)
}

/// After an erase: the tombstone goes to the ledger in every folder that holds a backup of
/// this register. A ledger that cannot be reached (a drive not plugged in) is reported, never
/// a reason to undo the erasure; the next backup there brings it up to date.
pub(crate) fn record_erasure(conn: &rusqlite::Connection, tombstone: &Tombstone) -> Option<String> {
    let (Ok(folders), Ok(secret)) = (folders(conn), ledger_secret(conn)) else {
        return Some("the erasure could not be added to the erasure ledgers beside the backups".into());
    };
    let missed: Vec<String> = folders
        .iter()
        .filter(|folder| append(&folder.join(LEDGER_FILE), std::slice::from_ref(tombstone), &secret, false).is_err())
        .map(|folder| folder.display().to_string())
        .collect();
    (!missed.is_empty()).then(|| {
        format!(
            "the erasure could not be added to the erasure ledger beside the backups in {}: take a backup there to bring it up to date",
            missed.join(", ")
        )
    })
}

/// A tombstone as a ledger line's fields (separators and line breaks replaced: every field is
/// an id, a timestamp, an OS account, an article or an opaque reference).
fn fields(t: &Tombstone) -> [String; 6] {
    [&t.id, &t.contact_id, &t.at, &t.erased_by, &t.article, t.request_id.as_deref().unwrap_or("")]
        .map(|f| f.replace([',', '\n', '\r'], " "))
}

fn signature(secret: &[u8], fields: &[String]) -> String {
    hex::encode(crate::audit::keyed_hash(secret, fields.iter().map(|f| Some(f.as_str()))))
}

/// Appends tombstones to the ledger, each line signed with the register's ledger key. Creates
/// the ledger (private, with its header) only when `create`; otherwise a missing ledger is an
/// error (an unmounted drive's empty mount point must not get a ledger of its own).
fn append(ledger: &Path, tombstones: &[Tombstone], secret: &[u8], create: bool) -> Result<()> {
    if tombstones.is_empty() && (ledger.exists() || !create) {
        return Ok(());
    }
    let mut options = crate::store::private_file_options();
    options.append(true).create(create);
    let mut file = options.open(ledger).map_err(|e| Error::io("open", ledger, e))?;
    let length = file.metadata().map_err(|e| Error::io("read", ledger, e))?.len();
    let mut text = String::new();
    if length == 0 {
        text.push_str(LEDGER_HEADER);
        text.push('\n');
    } else {
        // A last line a crash cut short must not run into the next one.
        use std::io::{Read, Seek, SeekFrom};
        let mut last = [0u8; 1];
        let mut reader = std::fs::File::open(ledger).map_err(|e| Error::io("read", ledger, e))?;
        reader
            .seek(SeekFrom::End(-1))
            .and_then(|_| reader.read_exact(&mut last))
            .map_err(|e| Error::io("read", ledger, e))?;
        if last[0] != b'\n' {
            text.push('\n');
        }
    }
    for t in tombstones {
        let fields = fields(t);
        text.push_str(&format!("{},{}\n", fields.join(","), signature(secret, &fields)));
    }
    file.write_all(text.as_bytes()).and_then(|()| file.sync_all()).map_err(|e| Error::io("write", ledger, e))
}

/// The tombstones a ledger lists that this register signed (none when it does not exist), and
/// how many lines it refused: unsigned, signed by another register, or not readable.
pub(crate) fn read_ledger(ledger: &Path, secret: &[u8]) -> Result<(Vec<Tombstone>, u32)> {
    let file = match std::fs::File::open(ledger) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((Vec::new(), 0)),
        Err(e) => return Err(Error::io("read", ledger, e)),
    };
    let (mut tombstones, mut refused) = (Vec::new(), 0);
    for line in std::io::BufReader::new(file).lines() {
        let line = line.map_err(|e| Error::io("read", ledger, e))?;
        let line = line.trim_end_matches('\r');
        if line.is_empty() || line == LEDGER_HEADER {
            continue;
        }
        let parts: Vec<&str> = line.split(',').collect();
        let [id, contact_id, at, erased_by, article, request, signed] = parts[..] else {
            refused += 1;
            continue;
        };
        let fields = [id, contact_id, at, erased_by, article, request].map(str::to_owned);
        if signature(secret, &fields) != signed {
            refused += 1;
            continue;
        }
        tombstones.push(Tombstone {
            id: id.to_owned(),
            contact_id: contact_id.to_owned(),
            at: at.to_owned(),
            erased_by: erased_by.to_owned(),
            article: article.to_owned(),
            request_id: (!request.is_empty()).then(|| request.to_owned()),
        });
    }
    Ok((tombstones, refused))
}

/// Every erasure known to the register (`conn`, when there is one) and to the ledgers given,
/// once each by contact, and how many ledger lines were refused.
pub(crate) fn known_erasures(
    conn: Option<&rusqlite::Connection>,
    ledgers: &[PathBuf],
    secret: &[u8],
) -> Result<(Vec<Tombstone>, u32)> {
    let mut all = match conn {
        Some(conn) => all_tombstones(conn)?,
        None => Vec::new(),
    };
    let mut refused = 0;
    for ledger in ledgers {
        let (listed, bad) = read_ledger(ledger, secret)?;
        all.extend(listed);
        refused += bad;
    }
    let mut seen = std::collections::HashSet::new();
    all.retain(|t| seen.insert(t.contact_id.clone()));
    Ok((all, refused))
}

/// Removes the oldest of this register's backups in `folder` beyond the newest `keep`; returns
/// how many it removed.
pub(crate) fn prune(conn: &rusqlite::Connection, folder: &Path, keep: u32) -> Result<u32> {
    let mut removed = 0;
    let here: Vec<BackupFile> =
        list(conn)?.into_iter().filter(|b| Path::new(&b.path).parent() == Some(folder)).collect();
    for old in here.iter().skip(usize::try_from(keep).unwrap_or(usize::MAX)) {
        if std::fs::remove_file(&old.path).is_ok() {
            removed += 1;
        }
    }
    Ok(removed)
}

/// The folder of the last backup, where the next one goes.
pub(crate) fn last_folder(conn: &rusqlite::Connection) -> Result<Option<PathBuf>> {
    Ok(conn
        .query_row("SELECT value FROM setting WHERE key = ?1", [FOLDER_SETTING], |row| row.get::<_, String>(0))
        .optional()?
        .filter(|folder| !folder.is_empty())
        .map(PathBuf::from))
}

/// When the backup in `conn` was taken: its own `backup_taken` row.
pub(crate) fn taken_at(conn: &rusqlite::Connection) -> Result<String> {
    Ok(conn.query_row("SELECT coalesce(max(at), '') FROM backup_taken", [], |row| row.get(0))?)
}

/// The backup files this register made (what `forget --backups` may remove).
pub(crate) fn files(conn: &rusqlite::Connection) -> Result<Vec<PathBuf>> {
    Ok(conn
        .prepare_cached("SELECT file FROM backup_taken ORDER BY at")?
        .query_map([], |row| row.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?
        .into_iter()
        .map(PathBuf::from)
        .collect())
}

/// The backups this register made whose files are still there, newest first.
pub(crate) fn list(conn: &rusqlite::Connection) -> Result<Vec<BackupFile>> {
    let rows: Vec<(String, String)> = conn
        .prepare_cached("SELECT file, at FROM backup_taken ORDER BY at DESC, id")?
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows
        .into_iter()
        .filter_map(|(path, taken_at)| {
            let bytes = std::fs::metadata(&path).ok().filter(|m| m.is_file())?.len();
            Some(BackupFile { path, taken_at, bytes: u32::try_from(bytes).unwrap_or(u32::MAX) })
        })
        .collect())
}
