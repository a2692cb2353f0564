//! `lagom backup` and `lagom restore`: an encrypted copy of the register that the recovery key
//! opens, with the erasure ledger beside it, and a restore that erases again everyone erased
//! since the backup was taken.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use lagom_core::Lagom;

use crate::{key_store, print_json};

/// `lagom backup [--to DIR] [--json]`.
pub fn backup(db: &Path, to: Option<PathBuf>, json: bool) -> Result<()> {
    let lagom = crate::open_with(db, key_store(db, false)?.as_ref())?;
    let receipt = lagom.backup(to.as_deref())?;
    if json {
        return print_json(&receipt);
    }
    println!("backed up {} contacts to {} ({} bytes)", receipt.contacts, receipt.path, receipt.bytes);
    println!("erasure ledger: {} ({} tombstones)", receipt.ledger, receipt.erasures);
    Ok(())
}

/// `lagom restore BACKUP --yes [--json]`.
pub fn restore(db: &Path, from: &Path, yes: bool, old_recovery_key: bool, json: bool) -> Result<()> {
    if !yes {
        bail!("a restore replaces the register with the backup (the current one is kept aside): add --yes to confirm");
    }
    let (_restored, report) = if db.exists() {
        let keys = key_store(db, false)?;
        let lagom = crate::open_with(db, keys.as_ref())?;
        let restored = if old_recovery_key {
            let recovery_key = crate::database::read_recovery_key()?;
            lagom.restore_with_recovery_key(from, &recovery_key)
        } else {
            lagom.restore(from)
        };
        restored.map_err(|failed| match failed.error {
            lagom_core::Error::WrongKey => anyhow::anyhow!(
                "the backup does not open with the register's key: it was taken before the key was changed \
                 (`lagom rekey`), or it is another register's. Give that time's recovery key: \
                 add --old-recovery-key and type it on standard input"
            ),
            other => other.into(),
        })?
    } else {
        // A new computer: the backup becomes the register, opened with its recovery key.
        let recovery_key = crate::database::read_recovery_key()?;
        let keys = key_store(db, true)?;
        Lagom::restore_new(db, from, &recovery_key, keys.as_ref())?
    };
    if json {
        return print_json(&report);
    }
    let taken = if report.backup_taken_at.is_empty() { "unknown" } else { report.backup_taken_at.as_str() };
    println!("restored {} contacts from {} (taken {taken})", report.contacts, report.restored_from);
    println!("erasures made since and applied again: {}", report.reapplied);
    if report.rejected > 0 {
        println!("erasure ledger lines not applied (not signed by this register): {}", report.rejected);
    }
    if report.replaced_contacts > 0 {
        println!("the register it replaced ({} contacts) is removed", report.replaced_contacts);
    }
    Ok(())
}

/// `lagom forget --yes [--backups] [--json]`.
pub fn forget(db: &Path, yes: bool, backups: bool, json: bool) -> Result<()> {
    if !yes {
        bail!(
            "this removes the register, its key and (with --backups) its backups from this computer; \
             nothing can bring them back without a backup elsewhere and the recovery key: add --yes to confirm"
        );
    }
    let keys = key_store(db, false)?;
    let report = crate::open_with(db, keys.as_ref())?.forget(keys.as_ref(), backups)?;
    if json {
        return print_json(&report);
    }
    println!("removed:");
    report.removed.iter().for_each(|r| println!("  {r}"));
    if !report.kept.is_empty() {
        println!("kept:");
        report.kept.iter().for_each(|k| println!("  {k}"));
    }
    Ok(())
}
