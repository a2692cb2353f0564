//! `lagom rekey` and `lagom passphrase …`: a new database key, and where the key is kept.

use std::path::Path;

use anyhow::{Result, bail};
use clap::Subcommand;
use lagom_core::{KeyStoreKind, KeychainStore, Lagom, PassphraseStore};
use serde::Serialize;
use zeroize::Zeroizing;

use crate::{key_store, print_json};

#[derive(Debug, Subcommand)]
pub enum PassphraseCommand {
    /// Ask for a passphrase when Lagom opens: the key moves from the OS keychain to a key file
    /// wrapped under the passphrase (LAGOM_NEW_PASSPHRASE, or asked twice on the terminal).
    Set {
        #[arg(long)]
        json: bool,
    },
    /// Wrap the key under a new passphrase (the current one from LAGOM_PASSPHRASE or asked; the
    /// new one from LAGOM_NEW_PASSPHRASE or asked twice).
    Change {
        #[arg(long)]
        json: bool,
    },
    /// Stop asking for a passphrase: the key moves back to the OS keychain.
    Remove {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Serialize)]
struct KeyStoreReceipt {
    key_store: KeyStoreKind,
}

#[derive(Serialize)]
struct RekeyReceipt<'a> {
    recovery_key: &'a str,
    key_store: KeyStoreKind,
}

/// `lagom rekey --yes [--json]`: prints the new recovery key, once.
pub fn rekey(db: &Path, yes: bool, json: bool) -> Result<()> {
    if !yes {
        bail!(
            "this makes a new database key and a new recovery key; the old recovery key will no longer \
             open the register (backups taken before still need it): add --yes to confirm"
        );
    }
    let keys = key_store(db, false)?;
    let lagom = crate::open_with(db, keys.as_ref())?;
    let (lagom, key) = lagom.rekey(keys.as_ref()).map_err(|failed| failed.error)?;
    let shown = key.to_recovery_groups();
    if json {
        print_json(&RekeyReceipt { recovery_key: &key.to_hex(), key_store: keys.kind() })?;
    } else {
        println!("The register is now encrypted with a new key, kept in the {}.", keys.kind().describe());
        println!("Your new recovery key (write it down now):\n\n{}\n", shown.as_str());
        println!("The old recovery key no longer opens the register; keep it with backups taken before today.");
    }
    // Printed: the caller has it. (Interrupted before this, `lagom recovery-key` shows it.)
    lagom.confirm_recovery_key()?;
    Ok(())
}

/// `lagom recovery-key [--stored]`: the recovery key, only while it is unconfirmed.
pub fn recovery_key(lagom: &Lagom, stored: bool) -> Result<()> {
    let Some(key) = lagom.unconfirmed_recovery_key()? else {
        bail!("the recovery key was confirmed as stored when it was shown; Lagom does not show it again");
    };
    if stored {
        lagom.confirm_recovery_key()?;
        println!("Confirmed: the recovery key will not be shown again.");
    } else {
        println!("{}", key.to_recovery_groups().as_str());
        eprintln!("When it is stored safely, run `lagom recovery-key --stored`.");
    }
    Ok(())
}

pub fn run(db: &Path, command: PassphraseCommand) -> Result<()> {
    let kind = KeyStoreKind::for_database(db);
    let (json, kind) = match command {
        PassphraseCommand::Set { json } => {
            if kind == KeyStoreKind::Passphrase {
                bail!("the register already asks for a passphrase: use `lagom passphrase change`");
            }
            let keychain = KeychainStore::for_database(db)?;
            let lagom = crate::open_with(db, &keychain)?;
            let new = new_passphrase()?;
            PassphraseStore::check_strength(&new)?;
            lagom.move_key(&keychain, &PassphraseStore::for_database(db, &new))?;
            (json, KeyStoreKind::Passphrase)
        }
        PassphraseCommand::Change { json } => {
            if kind != KeyStoreKind::Passphrase {
                bail!("the register does not ask for a passphrase: use `lagom passphrase set`");
            }
            let current = current_passphrase(db)?;
            let lagom = crate::open_with(db, &current)?;
            let new = new_passphrase()?;
            lagom.change_passphrase(&current, &new)?;
            (json, KeyStoreKind::Passphrase)
        }
        PassphraseCommand::Remove { json } => {
            if kind != KeyStoreKind::Passphrase {
                bail!("the register does not ask for a passphrase");
            }
            let current = current_passphrase(db)?;
            let lagom = crate::open_with(db, &current)?;
            lagom.move_key(&current, &KeychainStore::for_database(db)?)?;
            (json, KeyStoreKind::Keychain)
        }
    };
    if json {
        return print_json(&KeyStoreReceipt { key_store: kind });
    }
    println!("The key is now kept in the {}.", kind.describe());
    Ok(())
}

/// The key file's store with the current passphrase (LAGOM_PASSPHRASE, or asked).
fn current_passphrase(db: &Path) -> Result<PassphraseStore> {
    let passphrase = crate::secret_from_env_or_prompt("LAGOM_PASSPHRASE", "Current passphrase: ")?;
    Ok(PassphraseStore::for_database(db, &passphrase))
}

/// The new passphrase: LAGOM_NEW_PASSPHRASE, or typed twice on the terminal.
fn new_passphrase() -> Result<Zeroizing<String>> {
    if std::env::var_os("LAGOM_NEW_PASSPHRASE").is_some() {
        return crate::secret_from_env_or_prompt("LAGOM_NEW_PASSPHRASE", "");
    }
    let first = crate::secret_from_env_or_prompt("LAGOM_NEW_PASSPHRASE", "New passphrase: ")?;
    let again = crate::secret_from_env_or_prompt("LAGOM_NEW_PASSPHRASE", "The new passphrase again: ")?;
    if first != again {
        bail!("the two passphrases differ; nothing was changed");
    }
    Ok(first)
}
