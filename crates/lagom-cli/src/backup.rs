//! `lagom backup` and `lagom restore`: an encrypted copy of the register that the recovery key
//! opens, with the erasure ledger beside it, and a restore that erases again everyone erased
//! since the backup was taken.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use lagom_core::Lagom;

use crate::{key_store, print_json};

/// `lagom backup [--to DIR] [--json]`.
pub fn backup(db: &Path, to: Option<PathBuf>, json: bool) -> Result<()> {
    let lagom = Lagom::open(db, key_store(db, false)?.as_ref())?;
    let receipt = lagom.backup(to.as_deref())?;
    if json {
        return print_json(&receipt);
    }
    println!("backed up {} contacts to {} ({} bytes)", receipt.contacts, receipt.path, receipt.bytes);
    println!("erasure ledger: {} ({} tombstones)", receipt.ledger, receipt.erasures);
    Ok(())
}

/// `lagom restore BACKUP --yes [--json]`.
pub fn restore(db: &Path, from: &Path, yes: bool, json: bool) -> Result<()> {
    if !yes {
        bail!("a restore replaces the register with the backup (the current one is kept aside): add --yes to confirm");
    }
    let keys = key_store(db, false)?;
    let lagom = Lagom::open(db, keys.as_ref())?;
    let (_restored, report) = lagom.restore(from, keys.as_ref())?;
    if json {
        return print_json(&report);
    }
    let taken = if report.backup_taken_at.is_empty() { "unknown" } else { report.backup_taken_at.as_str() };
    println!("restored {} contacts from {} (taken {taken})", report.contacts, report.restored_from);
    println!("erasures made since and applied again: {}", report.reapplied);
    println!("the register it replaced is kept at {}", report.kept_aside);
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
    let report = Lagom::open(db, keys.as_ref())?.forget(keys.as_ref(), backups)?;
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
