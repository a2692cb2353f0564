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
use crate::rights::Tombstone;

pub(crate) const SCHEMA: &str = r#"
-- The backups taken of this register: the copy holds its own row, so a restore knows when
-- the backup it came from was taken.
CREATE TABLE backup_taken (
    id   TEXT PRIMARY KEY,
    at   TEXT NOT NULL,
    file TEXT NOT NULL
) STRICT;
"#;

/// The erasure ledger beside the backups.
pub const LEDGER_FILE: &str = "lagom-erasures.csv";
const LEDGER_HEADER: &str = "tombstone,contact_id,at,erased_by,article,request";
/// The setting that remembers where the last backup went (where erasures are appended).
const FOLDER_SETTING: &str = "backup_folder";

/// What a backup wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct BackupReceipt {
    pub path: String,
    pub bytes: u32,
    pub taken_at: String,
    pub contacts: u32,
    /// The erasure ledger beside it, and how many tombstones it lists.
    pub ledger: String,
    pub erasures: u32,
}

/// What a restore did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct RestoreReport {
    pub restored_from: String,
    /// When the backup was taken (empty for a copy made without `lagom backup`).
    pub backup_taken_at: String,
    /// Erasures made after the backup and applied again to the restored register.
    pub reapplied: u32,
    pub contacts: u32,
    /// Where the register that was replaced was kept.
    pub kept_aside: String,
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
    let name = format!("lagom-backup-{}.db", now.format("%Y%m%dT%H%M%SZ"));
    let path = folder.join(&name);
    if path.exists() {
        return Err(Error::AlreadyExists { path });
    }
    // The row goes in first, so the copy knows when it was taken; it stays if the copy fails
    // (a record of an attempt), which says nothing about anyone.
    ctx.conn.execute(
        "INSERT INTO backup_taken (id, at, file) VALUES (?1, ?2, ?3)",
        params![crate::clock::new_id(), taken_at, name],
    )?;
    ctx.conn.execute(
        "INSERT INTO setting (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![FOLDER_SETTING, folder.to_string_lossy()],
    )?;
    checkpoint(ctx.conn)?;
    let bytes = crate::store::publish_private_file(
        &path,
        |file| {
            let mut source = std::fs::File::open(db_path)?;
            std::io::copy(&mut source, file)
        },
        |_| Ok(()),
    )?;
    let contacts: u32 = ctx.conn.query_row("SELECT count(*) FROM contact", [], |row| row.get(0))?;
    let ledger = folder.join(LEDGER_FILE);
    let erasures = sync_ledger(ctx.conn, &ledger)?;
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
fn checkpoint(conn: &rusqlite::Connection) -> Result<()> {
    let busy: i64 = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |row| row.get(0))?;
    if busy != 0 {
        return Err(Error::InUse);
    }
    Ok(())
}

/// Appends to the ledger every tombstone of the register it does not list yet; returns how
/// many it lists.
fn sync_ledger(conn: &rusqlite::Connection, ledger: &Path) -> Result<u32> {
    let listed: std::collections::HashSet<String> = read_ledger(ledger)?.into_iter().map(|t| t.id).collect();
    let missing: Vec<Tombstone> = all_tombstones(conn)?.into_iter().filter(|t| !listed.contains(&t.id)).collect();
    append(ledger, &missing)?;
    Ok(u32::try_from(listed.len() + missing.len()).unwrap_or(u32::MAX))
}

/// After an erase: the tombstone goes to the ledger beside the last backup, if there is one.
/// A ledger that cannot be written is reported, never a reason to undo the erasure.
pub(crate) fn record_erasure(conn: &rusqlite::Connection, tombstone: &Tombstone) -> Option<String> {
    let folder: Option<String> = conn
        .query_row("SELECT value FROM setting WHERE key = ?1", [FOLDER_SETTING], |row| row.get(0))
        .optional()
        .ok()
        .flatten();
    let folder = PathBuf::from(folder?);
    match append(&folder.join(LEDGER_FILE), std::slice::from_ref(tombstone)) {
        Ok(()) => None,
        Err(_) => Some(format!(
            "the erasure could not be added to the erasure ledger beside the backups in {}: take a backup to bring it up to date",
            folder.display()
        )),
    }
}

fn all_tombstones(conn: &rusqlite::Connection) -> Result<Vec<Tombstone>> {
    Ok(conn
        .prepare_cached("SELECT id, contact_id, at, erased_by, article, request_id FROM erasure ORDER BY at, id")?
        .query_map([], |row| {
            Ok(Tombstone {
                id: row.get(0)?,
                contact_id: row.get(1)?,
                at: row.get(2)?,
                erased_by: row.get(3)?,
                article: row.get(4)?,
                request_id: row.get(5)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?)
}

/// Appends tombstones to the ledger (created private, with its header, when absent).
fn append(ledger: &Path, tombstones: &[Tombstone]) -> Result<()> {
    if tombstones.is_empty() && ledger.exists() {
        return Ok(());
    }
    let mut options = crate::store::private_file_options();
    options.append(true).create(true);
    let mut file = options.open(ledger).map_err(|e| Error::io("open", ledger, e))?;
    let mut text = String::new();
    if file.metadata().map_err(|e| Error::io("read", ledger, e))?.len() == 0 {
        text.push_str(LEDGER_HEADER);
        text.push('\n');
    }
    for t in tombstones {
        let fields = [&t.id, &t.contact_id, &t.at, &t.erased_by, &t.article, t.request_id.as_deref().unwrap_or("")];
        // Every field is an id, a timestamp, an OS account, an article or an opaque reference:
        // a comma or a line break in one would be a corrupt register, and is left out.
        let clean: Vec<String> = fields.iter().map(|f| f.replace([',', '\n', '\r'], " ")).collect();
        text.push_str(&clean.join(","));
        text.push('\n');
    }
    file.write_all(text.as_bytes()).and_then(|()| file.sync_all()).map_err(|e| Error::io("write", ledger, e))
}

/// The tombstones a ledger lists (none when it does not exist); lines it cannot read are
/// skipped, never guessed at.
pub(crate) fn read_ledger(ledger: &Path) -> Result<Vec<Tombstone>> {
    let file = match std::fs::File::open(ledger) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io("read", ledger, e)),
    };
    let mut tombstones = Vec::new();
    for line in std::io::BufReader::new(file).lines() {
        let line = line.map_err(|e| Error::io("read", ledger, e))?;
        let fields: Vec<&str> = line.split(',').collect();
        if let [id, contact_id, at, erased_by, article, request] = fields[..]
            && line != LEDGER_HEADER
        {
            tombstones.push(Tombstone {
                id: id.to_owned(),
                contact_id: contact_id.to_owned(),
                at: at.to_owned(),
                erased_by: erased_by.to_owned(),
                article: article.to_owned(),
                request_id: (!request.is_empty()).then(|| request.to_owned()),
            });
        }
    }
    Ok(tombstones)
}

/// Every erasure known to the live register and to the ledgers given, once each by contact.
pub(crate) fn known_erasures(conn: &rusqlite::Connection, ledgers: &[PathBuf]) -> Result<Vec<Tombstone>> {
    let mut all = all_tombstones(conn)?;
    for ledger in ledgers {
        all.extend(read_ledger(ledger)?);
    }
    let mut seen = std::collections::HashSet::new();
    all.retain(|t| seen.insert(t.contact_id.clone()));
    Ok(all)
}

/// The folder of the last backup, where erasures are appended.
pub(crate) fn last_folder(conn: &rusqlite::Connection) -> Result<Option<PathBuf>> {
    Ok(conn
        .query_row("SELECT value FROM setting WHERE key = ?1", [FOLDER_SETTING], |row| row.get::<_, String>(0))
        .optional()?
        .map(PathBuf::from))
}

/// When the backup in `conn` was taken: its own `backup_taken` row.
pub(crate) fn taken_at(conn: &rusqlite::Connection) -> Result<String> {
    Ok(conn.query_row("SELECT coalesce(max(at), '') FROM backup_taken", [], |row| row.get(0))?)
}
