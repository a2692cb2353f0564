//! `lagom init` and `lagom recover`: creating a database and restoring access to one.

use std::io::{IsTerminal, Read, Write};
use std::path::Path;

use anyhow::{Context, Result};
use lagom_core::{ErrorKind, KeyStoreKind, Lagom};
use serde::Serialize;

use zeroize::Zeroizing;

use crate::key_store;

/// More than any recovery key needs, with spaces, dashes and line breaks.
const MAX_RECOVERY_INPUT: usize = 1024;

#[derive(Serialize)]
struct InitOutput<'a> {
    db: &'a Path,
    recovery_key: &'a str,
    key_store: KeyStoreKind,
}

pub fn init(db: &Path, lang: lagom_core::ReportLanguage, json: bool) -> Result<()> {
    let keys = key_store(db, true)?;
    let created = Lagom::create(db, keys.as_ref()).map_err(|e| match e.kind() {
        ErrorKind::KeychainUnavailable => anyhow::Error::new(e)
            .context("no usable OS keychain: set LAGOM_PASSPHRASE to protect the key with a passphrase instead"),
        _ => e.into(),
    })?;
    // Best effort: the register and its key exist now, and its recovery key must be printed.
    if let Err(e) = created.lagom.name_defaults_in(lang) {
        eprintln!("lagom: warning: the default purposes keep their English names ({e})");
    }
    if json {
        let output = InitOutput { db, recovery_key: &created.recovery_key.to_hex(), key_store: keys.kind() };
        // Serialised into one buffer sized up front and wiped afterwards.
        let mut buffer = Zeroizing::new(Vec::with_capacity(4096));
        serde_json::to_writer_pretty(&mut *buffer, &output)?;
        buffer.push(b'\n');
        std::io::stdout().lock().write_all(&buffer)?;
        // Printed: the caller has it.
        created.lagom.confirm_recovery_key()?;
        return Ok(());
    }
    println!("Created an encrypted Lagom database at {}", db.display());
    println!("Its key is kept in the {}.", keys.kind().describe());
    println!();
    println!("RECOVERY KEY (shown only now; store it offline, e.g. printed in a safe):");
    println!();
    for line in created.recovery_key.to_recovery_groups().lines() {
        println!("    {line}");
    }
    println!();
    println!("With it you can open this database on another machine (`lagom recover`) or with");
    println!("any SQLCipher 4: PRAGMA key = \"x'<the 64 characters without spaces>'\";");
    created.lagom.confirm_recovery_key()?;
    Ok(())
}

/// The recovery key from standard input (a prompt on a terminal).
pub(crate) fn read_recovery_key() -> Result<Zeroizing<String>> {
    if std::io::stdin().is_terminal() {
        eprintln!("Type or paste the recovery key, then press Enter:");
    }
    // Read into a buffer sized up front (and capped), so no reallocation leaves a copy of the
    // key behind; wiped when dropped.
    let mut text = Zeroizing::new(String::with_capacity(MAX_RECOVERY_INPUT));
    std::io::stdin()
        .take(MAX_RECOVERY_INPUT as u64)
        .read_to_string(&mut text)
        .context("could not read the recovery key")?;
    Ok(text)
}

pub fn recover(db: &Path) -> Result<()> {
    let text = read_recovery_key()?;
    let keys = key_store(db, true)?;
    Lagom::recover(db, &text, keys.as_ref())?;
    eprintln!("The database opens again; its key is now kept in the {}.", keys.kind().describe());
    Ok(())
}
