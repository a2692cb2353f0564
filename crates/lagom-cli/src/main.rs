//! `lagom`: the command-line interface to a Lagom CRM database, for scripts, administration
//! and tests. It drives the same core as the desktop app.
//!
//! Contract: exit 0 on success, 2 on invalid input (the message names the field), 1 on any
//! other error. Messages go to stderr; `--json` output goes to stdout and is stable.

mod backup;
mod breach;
mod consent;
mod contact;
mod database;
mod home;
mod import;
mod interaction;
mod notice;
mod purpose;
mod request;
mod retention;
mod rights;
mod security;
mod settings;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use lagom_core::unlock::UnlockAttempts;
use lagom_core::{
    DocumentFormat, ErrorKind, KeyStore, KeyStoreKind, KeychainStore, Lagom, PassphraseStore, ReportLanguage,
    SystemClock,
};
use serde::Serialize;
use zeroize::Zeroizing;

use breach::BreachCommand;
use consent::ConsentCommand;
use contact::ContactCommand;
use interaction::InteractionCommand;
use purpose::PurposeCommand;
use request::RequestCommand;
use retention::RetentionCommand;
use rights::{AuditCommand, parse_report_language};
use settings::SettingsCommand;

#[derive(Debug, Parser)]
#[command(name = "lagom", version, about = "Lagom CRM: keep just enough about each customer, and prove it.")]
struct Cli {
    /// The database file [default: the OS data directory, e.g. ~/.local/share/lagom/lagom.db].
    /// Its key file, if it uses a passphrase, sits beside it.
    #[arg(long, global = true, env = "LAGOM_DB", value_name = "PATH")]
    db: Option<PathBuf>,

    #[command(subcommand)]
    command: Command,
}

// Parsed once per process; boxing the big variant would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
enum Command {
    /// Create a new encrypted database and print its recovery key (shown only this once).
    Init {
        /// The language of the default purposes and tags (sv: Kundrelation, Nyhetsbrev, Evenemang).
        #[arg(long, default_value = "en", value_parser = parse_report_language)]
        lang: ReportLanguage,
        #[arg(long)]
        json: bool,
    },
    /// Restore access with the recovery key (read from standard input) on a new machine or
    /// after a lost keychain; the key is stored in the keychain, or under LAGOM_PASSPHRASE.
    Recover,
    /// Contacts: add, update, show, list, search.
    #[command(subcommand)]
    Contact(ContactCommand),
    /// Interactions with a contact: add, list.
    #[command(subcommand)]
    Interaction(InteractionCommand),
    /// Data-subject requests and their legal deadlines: add, list, extend, close, refuse.
    #[command(subcommand)]
    Request(RequestCommand),
    /// The breach register: report, list and close breaches, with the 72-hour deadline;
    /// Lagom's assessment of a lost device; the notification to each affected person.
    #[command(subcommand)]
    Breach(BreachCommand),
    /// The information notice each person is owed (Art. 13, 14): show, given, owed.
    #[command(subcommand)]
    Notice(notice::NoticeCommand),
    /// Retention: who is due for erasure and why, erasing them, legal holds.
    #[command(subcommand)]
    Retention(RetentionCommand),
    /// Import contacts from a CSV or vCard file, all or nothing, held for a purpose.
    Import(import::ImportArgs),
    /// What needs attention now: requests near their deadline, contacts due for erasure,
    /// withdrawn consent, this month's exports and erasures.
    Home {
        /// As of this date (YYYY-MM-DD) [default: today].
        #[arg(long, value_parser = parse_date)]
        as_of: Option<chrono::NaiveDate>,
        #[arg(long)]
        json: bool,
    },
    /// Settings: show them, or set the grace period, automatic erasure, holidays and outcomes.
    #[command(subcommand)]
    Settings(SettingsCommand),
    /// Purposes of processing and their lawful bases.
    #[command(subcommand)]
    Purpose(PurposeCommand),
    /// The consent ledger: give, withdraw, history.
    #[command(subcommand)]
    Consent(ConsentCommand),
    /// Write everything held about a person to one ZIP (data.json, vCard, CSV, register extract, manifest).
    Export {
        id: String,
        /// Where to write the ZIP.
        #[arg(long, value_name = "FILE.zip")]
        out: PathBuf,
        /// Language of the register extract (report.html).
        #[arg(long, default_value = "en", value_parser = parse_report_language)]
        lang: ReportLanguage,
        #[arg(long)]
        json: bool,
    },
    /// Back the register up: an encrypted copy the recovery key opens, with the erasure ledger
    /// beside it (default folder: the last backup's, else `backups` beside the database).
    Backup {
        #[arg(long, value_name = "DIR")]
        to: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Replace the register with a backup, then erase again everyone erased since it was taken
    /// (from this register's tombstones and the signed erasure ledgers). Without a register
    /// (a new computer), the backup becomes it, opened with the recovery key from standard input.
    Restore {
        backup: PathBuf,
        /// Confirms the restore.
        #[arg(long)]
        yes: bool,
        /// The backup was taken before the key was rotated: open it with the recovery key of
        /// that time, read from standard input.
        #[arg(long)]
        old_recovery_key: bool,
        #[arg(long)]
        json: bool,
    },
    /// Re-encrypt the register under a new random key and print the new recovery key once;
    /// the old recovery key stops opening it. Safe to interrupt at any moment.
    Rekey {
        /// Confirms the new key.
        #[arg(long)]
        yes: bool,
        #[arg(long)]
        json: bool,
    },
    /// Show the recovery key while it has not been confirmed as stored (after set-up or
    /// `lagom rekey` was interrupted); --stored confirms it.
    RecoveryKey {
        #[arg(long)]
        stored: bool,
    },
    /// Whether Lagom asks for a passphrase when it opens, and the passphrase.
    #[command(subcommand)]
    Passphrase(security::PassphraseCommand),
    /// Remove Lagom's data from this computer: the register, its side files and its key, and
    /// with --backups the backups and the erasure ledger (a leaver's laptop, one going back to IT).
    Forget {
        #[arg(long)]
        yes: bool,
        /// Also remove the backups and the erasure ledger in the backup folder.
        #[arg(long)]
        backups: bool,
        #[arg(long)]
        json: bool,
    },
    /// Erase a person everywhere (GDPR Art. 17), keeping only a tombstone. Cannot be undone.
    Erase {
        id: String,
        /// Confirms the erasure (required: there is no undo).
        #[arg(long)]
        yes: bool,
        /// The data-subject request this erasure answers: an opaque reference such as
        /// REQ-2026-0042 (A–Z, 0–9, '.', '_', '-'; at most 64), never a name or an email.
        #[arg(long)]
        request: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// The audit trail.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Write the accountability pack for the DPO or the supervisory authority: the Art. 30
    /// record, the erasure ledger, the request register, consent statistics, the audit
    /// chain's verification and a manifest with SHA-256 (no names: internal ids only).
    AccountabilityPack {
        #[arg(long, value_name = "FILE.zip")]
        out: PathBuf,
        #[arg(long, default_value = "en", value_parser = parse_report_language)]
        lang: ReportLanguage,
        #[arg(long)]
        json: bool,
    },
    /// Print the record of processing activities (GDPR Art. 30), generated from the settings.
    RecordOfProcessing {
        /// md (Markdown) or html.
        #[arg(long, default_value = "md", value_parser = ["md", "html"])]
        format: String,
        #[arg(long, default_value = "en", value_parser = parse_report_language)]
        lang: ReportLanguage,
        /// Write it to this file instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// The record as data (JSON), whatever --format says.
        #[arg(long)]
        json: bool,
    },
}

pub(crate) fn parse_date(text: &str) -> Result<chrono::NaiveDate, String> {
    lagom_core::validate::iso_date(text).ok_or_else(|| format!("'{text}' is not a date such as 2026-06-30"))
}

pub(crate) fn parse_document_format(text: &str) -> Result<DocumentFormat, String> {
    match text {
        "text" => Ok(DocumentFormat::Text),
        "md" => Ok(DocumentFormat::Md),
        "html" => Ok(DocumentFormat::Html),
        other => Err(format!("'{other}' is not a format: text, md or html")),
    }
}

pub(crate) fn parse_text_enum<T: std::str::FromStr<Err = String>>(text: &str) -> Result<T, String> {
    text.parse()
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("lagom: {error:#}");
            let invalid = error.downcast_ref::<lagom_core::Error>().is_some_and(|e| {
                matches!(e.kind(), ErrorKind::Invalid | ErrorKind::InvalidRecoveryKey | ErrorKind::WeakPassphrase)
            });
            if invalid { ExitCode::from(2) } else { ExitCode::from(1) }
        }
    }
}

fn run(cli: Cli) -> Result<()> {
    let db = cli.db.unwrap_or_else(lagom_core::default_path);
    match cli.command {
        Command::Init { lang, json } => database::init(&db, lang, json),
        Command::Recover => database::recover(&db),
        Command::Contact(command) => contact::run(&open(&db)?, command),
        Command::Consent(command) => consent::run(&open(&db)?, command),
        Command::Purpose(command) => purpose::run(&open(&db)?, command),
        Command::Interaction(command) => interaction::run(&open(&db)?, command),
        Command::Request(command) => request::run(&open(&db)?, command),
        Command::Breach(command) => breach::run(&open(&db)?, command),
        Command::Notice(command) => notice::run(&open(&db)?, command),
        Command::Retention(command) => retention::run(&open(&db)?, command),
        Command::Home { as_of, json } => home::run(&open(&db)?, as_of, json),
        Command::Import(args) => import::run(&open(&db)?, args),
        Command::Settings(command) => settings::run(&open(&db)?, command),
        Command::AccountabilityPack { out, lang, json } => {
            let receipt = open(&db)?.accountability_pack(&out, lang)?;
            if json {
                return print_json(&receipt);
            }
            println!("wrote {} ({} bytes): {}", receipt.path, receipt.bytes, receipt.files.join(", "));
            if !receipt.audit_intact {
                eprintln!("lagom: warning: the audit chain did not verify; the pack records where it breaks");
            }
            Ok(())
        }
        Command::Backup { to, json } => backup::backup(&db, to, json),
        Command::Forget { yes, backups, json } => backup::forget(&db, yes, backups, json),
        Command::Restore { backup: from, yes, old_recovery_key, json } => {
            backup::restore(&db, &from, yes, old_recovery_key, json)
        }
        Command::Rekey { yes, json } => security::rekey(&db, yes, json),
        Command::RecoveryKey { stored } => security::recovery_key(&open(&db)?, stored),
        Command::Passphrase(command) => security::run(&db, command),
        Command::Export { id, out, lang, json } => rights::export(&open(&db)?, &id, &out, lang, json),
        Command::Erase { id, yes, request, json } => {
            if !yes {
                bail!("erasing a person cannot be undone: add --yes to confirm");
            }
            rights::erase(&open(&db)?, &id, request.as_deref(), json)
        }
        Command::Audit(command) => rights::audit(&open(&db)?, command),
        Command::RecordOfProcessing { format, lang, out, json } => {
            let record = open(&db)?.record_of_processing()?;
            if json {
                return print_json(&record);
            }
            let text = if format == "html" { record.to_html(lang) } else { record.to_markdown(lang) };
            match out {
                Some(path) => {
                    std::fs::write(&path, text).with_context(|| format!("could not write {}", path.display()))
                }
                None => {
                    print!("{text}");
                    Ok(())
                }
            }
        }
    }
}

/// The key store for `db`: `LAGOM_PASSPHRASE`, or the key file's passphrase asked on the
/// terminal, or else the OS keychain.
pub(crate) fn key_store(db: &Path, creating: bool) -> Result<Box<dyn KeyStore>> {
    if let Some(passphrase) = std::env::var_os("LAGOM_PASSPHRASE") {
        let passphrase =
            Zeroizing::new(passphrase.into_string().map_err(|_| anyhow::anyhow!("LAGOM_PASSPHRASE is not UTF-8"))?);
        if creating {
            PassphraseStore::check_strength(&passphrase)?;
        }
        return Ok(Box::new(PassphraseStore::for_database(db, &passphrase)));
    }
    if !creating && KeyStoreKind::for_database(db) == KeyStoreKind::Passphrase {
        if !std::io::stdin().is_terminal() {
            bail!("this database is protected by a passphrase: set LAGOM_PASSPHRASE");
        }
        let passphrase =
            Zeroizing::new(rpassword::prompt_password("Passphrase: ").context("could not read the passphrase")?);
        return Ok(Box::new(PassphraseStore::for_database(db, &passphrase)));
    }
    Ok(Box::new(KeychainStore::for_database(db)?))
}

fn open(db: &Path) -> Result<Lagom> {
    open_with(db, key_store(db, false)?.as_ref())
}

/// Opens the register as the app unlocks it: a wrong passphrase counts towards the growing
/// wait; with the second factor on, a code (LAGOM_CODE, or asked on the terminal) must be
/// accepted first; failed attempts go into the audit trail at the next success.
pub(crate) fn open_with(db: &Path, keys: &dyn KeyStore) -> Result<Lagom> {
    let attempts = UnlockAttempts::for_database(db);
    attempts.check(&SystemClock)?;
    let lagom = match Lagom::open(db, keys) {
        Err(e) if e.kind() == ErrorKind::WrongPassphrase => {
            let _ = attempts.failed(&SystemClock);
            return Err(e.into());
        }
        opened => opened?,
    };
    if lagom.second_factor().state()?.enabled {
        let code = secret_from_env_or_prompt("LAGOM_CODE", "Code from the authenticator app (or a recovery code): ")?;
        if let Err(e) = lagom.second_factor().check(&code) {
            if e.kind() == ErrorKind::WrongCode {
                let _ = attempts.failed(&SystemClock);
            }
            return Err(e.into());
        }
    }
    if let Some(failed) = attempts.succeeded() {
        let _ = lagom.record_failed_unlocks(&failed);
    }
    if lagom.unconfirmed_recovery_key()?.is_some() {
        eprintln!(
            "lagom: note: this register's recovery key has not been confirmed as stored since it was made or \
             changed; start the app to see it, or run `lagom recovery-key`"
        );
    }
    Ok(lagom)
}

/// A secret from `variable`, or typed on the terminal (not echoed).
pub(crate) fn secret_from_env_or_prompt(variable: &str, prompt: &str) -> Result<Zeroizing<String>> {
    if let Some(value) = std::env::var_os(variable) {
        return Ok(Zeroizing::new(value.into_string().map_err(|_| anyhow::anyhow!("{variable} is not UTF-8"))?));
    }
    if !std::io::stdin().is_terminal() {
        bail!("set {variable}, or run this on a terminal to be asked");
    }
    Ok(Zeroizing::new(rpassword::prompt_password(prompt).with_context(|| format!("could not read {variable}"))?))
}

#[allow(clippy::print_stdout)]
pub(crate) fn print_json<T: Serialize + ?Sized>(value: &T) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}
