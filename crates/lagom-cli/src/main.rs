//! `lagom`: the command-line interface to a Lagom CRM database, for scripts, administration
//! and tests. It drives the same core as the desktop app.
//!
//! Contract: exit 0 on success, 2 on invalid input (the message names the field), 1 on any
//! other error. Messages go to stderr; `--json` output goes to stdout and is stable.

use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use lagom_core::{
    Channel, ConsentInput, ConsentSource, Contact, ContactInput, ContactSummary, ErrorKind, KeyStore, KeyStoreKind,
    KeychainStore, Lagom, MarketingChannel, Material, OptOuts, PassphraseStore, ReportLanguage, Stage,
};
use serde::Serialize;

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
        #[arg(long)]
        json: bool,
    },
    /// Restore access with the recovery key (read from standard input) on a new machine or
    /// after a lost keychain; the key is stored in the keychain, or under LAGOM_PASSPHRASE.
    Recover,
    /// Contacts: add, update, show, list, search.
    #[command(subcommand)]
    Contact(ContactCommand),
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
    /// Erase a person everywhere (GDPR Art. 17), keeping only a tombstone. Cannot be undone.
    Erase {
        id: String,
        /// Confirms the erasure (required: there is no undo).
        #[arg(long)]
        yes: bool,
        /// The data-subject request this erasure answers.
        #[arg(long)]
        request: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// The audit trail.
    #[command(subcommand)]
    Audit(AuditCommand),
}

#[derive(Debug, Subcommand)]
enum ConsentCommand {
    /// Record that the person gave consent for a purpose (optionally on one channel).
    Give(ConsentArgs),
    /// Record that the person withdrew consent.
    Withdraw(ConsentArgs),
    /// Every consent and opt-out event about the person, oldest first.
    History {
        id: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
struct ConsentArgs {
    id: String,
    /// The purpose's name or id.
    #[arg(long)]
    purpose: String,
    /// A marketing channel; without it the consent covers every channel.
    #[arg(long, value_parser = parse_text_enum::<MarketingChannel>)]
    channel: Option<MarketingChannel>,
    /// How the consent reached us.
    #[arg(long, value_parser = parse_text_enum::<ConsentSource>)]
    source: ConsentSource,
    /// The exact wording shown to the person.
    #[arg(long)]
    wording: Option<String>,
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Check the whole hash chain; exits 1 when an entry was altered.
    Verify {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
struct OptArgs {
    id: String,
    /// The marketing channel.
    #[arg(long, value_parser = parse_text_enum::<MarketingChannel>, required_unless_present = "all", conflicts_with = "all")]
    channel: Option<MarketingChannel>,
    /// All direct marketing.
    #[arg(long)]
    all: bool,
    /// How the request reached us.
    #[arg(long, default_value = "form", value_parser = parse_text_enum::<ConsentSource>)]
    source: ConsentSource,
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Subcommand)]
enum ContactCommand {
    /// Add a contact; at least one --purpose is required.
    Add {
        #[command(flatten)]
        fields: ContactFields,
        #[arg(long)]
        json: bool,
    },
    /// Change the given fields of a contact; fields not given keep their value ("" clears one).
    Update {
        id: String,
        #[command(flatten)]
        fields: ContactFields,
        #[arg(long)]
        json: bool,
    },
    /// Show one contact.
    Show {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// List contacts in name order; with --purpose and --channel, only those who may be
    /// contacted about that purpose on that channel (active basis, no opt-out).
    List {
        #[arg(long, requires = "channel")]
        purpose: Option<String>,
        #[arg(long, requires = "purpose", value_parser = parse_text_enum::<MarketingChannel>)]
        channel: Option<MarketingChannel>,
        #[arg(long)]
        json: bool,
    },
    /// Opt the person out of direct marketing on a channel (or --all).
    OptOut(OptArgs),
    /// Undo an opt-out (recorded as a new event).
    OptIn(OptArgs),
    /// Search names, email and organisation (prefixes; case and accents ignored).
    Search {
        text: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
enum PurposeCommand {
    /// List the purposes contacts can be held for.
    List {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
struct ContactFields {
    #[arg(long)]
    given_name: Option<String>,
    #[arg(long)]
    family_name: Option<String>,
    #[arg(long)]
    email: Option<String>,
    /// Local numbers are read with the default country from settings.
    #[arg(long)]
    phone: Option<String>,
    #[arg(long)]
    organisation: Option<String>,
    #[arg(long)]
    role: Option<String>,
    /// Preferred channel.
    #[arg(long, value_parser = parse_text_enum::<Channel>)]
    channel: Option<Channel>,
    /// Preferred material.
    #[arg(long, value_parser = parse_text_enum::<Material>)]
    material: Option<Material>,
    /// ISO 639-1 code, e.g. sv.
    #[arg(long)]
    language: Option<String>,
    /// Life-cycle stage.
    #[arg(long, value_parser = parse_text_enum::<Stage>)]
    stage: Option<Stage>,
    /// The responsible salesperson.
    #[arg(long)]
    owner: Option<String>,
    /// An interest tag from the vocabulary (repeat for more).
    #[arg(long = "tag")]
    tags: Vec<String>,
    /// A purpose's name or id (repeat for more).
    #[arg(long = "purpose")]
    purposes: Vec<String>,
}

fn parse_report_language(text: &str) -> Result<ReportLanguage, String> {
    match text {
        "en" => Ok(ReportLanguage::En),
        "sv" => Ok(ReportLanguage::Sv),
        _ => Err(format!("'{text}' is not one of: en, sv")),
    }
}

fn parse_text_enum<T: std::str::FromStr<Err = String>>(text: &str) -> Result<T, String> {
    text.parse()
}

impl ContactFields {
    /// Applies the given flags over `base`; flags not given leave the base value.
    fn apply_to(self, mut base: ContactInput) -> ContactInput {
        let optional = |flag: Option<String>, old: Option<String>| match flag {
            Some(text) if text.trim().is_empty() => None,
            Some(text) => Some(text),
            None => old,
        };
        base.given_name = self.given_name.unwrap_or(base.given_name);
        base.family_name = self.family_name.unwrap_or(base.family_name);
        base.email = optional(self.email, base.email);
        base.phone = optional(self.phone, base.phone);
        base.organisation = optional(self.organisation, base.organisation);
        base.role = optional(self.role, base.role);
        base.language = optional(self.language, base.language);
        base.owner = optional(self.owner, base.owner);
        base.channel = self.channel.or(base.channel);
        base.material = self.material.or(base.material);
        base.stage = self.stage.or(base.stage);
        if !self.tags.is_empty() {
            base.tags = self.tags;
        }
        if !self.purposes.is_empty() {
            base.purposes = self.purposes;
        }
        base
    }
}

fn input_from(contact: Contact) -> ContactInput {
    ContactInput {
        given_name: contact.given_name,
        family_name: contact.family_name,
        email: contact.email,
        phone: contact.phone,
        organisation: contact.organisation,
        role: contact.role,
        channel: contact.channel,
        material: contact.material,
        language: contact.language,
        stage: Some(contact.stage),
        owner: contact.owner,
        tags: contact.tags,
        purposes: contact.purposes.into_iter().map(|p| p.id).collect(),
    }
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
        Command::Init { json } => init(&db, json),
        Command::Recover => recover(&db),
        Command::Contact(command) => contact(&open(&db)?, command),
        Command::Consent(command) => consent(&open(&db)?, command),
        Command::Export { id, out, lang, json } => {
            let receipt = open(&db)?.export_person(&id, &out, lang)?;
            if json {
                return print_json(&receipt);
            }
            println!("wrote {} ({} bytes): {}", receipt.path, receipt.bytes, receipt.files.join(", "));
            Ok(())
        }
        Command::Erase { id, yes, request, json } => {
            if !yes {
                bail!("erasing a person cannot be undone: add --yes to confirm");
            }
            let tombstone = open(&db)?.rights().erase(&id, request.as_deref())?;
            if json {
                return print_json(&tombstone);
            }
            println!("erased {id}; tombstone {} at {} ({})", tombstone.id, tombstone.at, tombstone.article);
            Ok(())
        }
        Command::Audit(AuditCommand::Verify { json }) => {
            let report = open(&db)?.verify_audit()?;
            if json {
                print_json(&report)?;
            } else {
                println!("{} entries, {} redacted by erasure", report.entries, report.redacted);
            }
            match report.first_broken {
                None => Ok(()),
                Some(seq) => {
                    bail!("the audit trail was altered: entry {seq} does not match its chain")
                }
            }
        }
        Command::Purpose(PurposeCommand::List { json }) => {
            let purposes = open(&db)?.purposes().list()?;
            if json {
                return print_json(&purposes);
            }
            for p in purposes {
                println!(
                    "{}  {}  ({}, kept {} months, {} contacts)",
                    p.id, p.name, p.lawful_basis, p.retention_months, p.contacts
                );
            }
            Ok(())
        }
    }
}

/// The key store for `db`: `LAGOM_PASSPHRASE`, or the key file's passphrase asked on the
/// terminal, or else the OS keychain.
fn key_store(db: &Path, creating: bool) -> Result<Box<dyn KeyStore>> {
    if let Some(passphrase) = std::env::var_os("LAGOM_PASSPHRASE") {
        let passphrase = passphrase.into_string().map_err(|_| anyhow::anyhow!("LAGOM_PASSPHRASE is not UTF-8"))?;
        if creating {
            PassphraseStore::check_strength(&passphrase)?;
        }
        return Ok(Box::new(PassphraseStore::for_database(db, &passphrase)));
    }
    if !creating && KeyStoreKind::for_database(db) == KeyStoreKind::Passphrase {
        if !std::io::stdin().is_terminal() {
            bail!("this database is protected by a passphrase: set LAGOM_PASSPHRASE");
        }
        let passphrase = rpassword::prompt_password("Passphrase: ").context("could not read the passphrase")?;
        return Ok(Box::new(PassphraseStore::for_database(db, &passphrase)));
    }
    Ok(Box::new(KeychainStore::for_database(db)?))
}

fn open(db: &Path) -> Result<Lagom> {
    Ok(Lagom::open(db, key_store(db, false)?.as_ref())?)
}

#[derive(Serialize)]
struct InitOutput<'a> {
    db: &'a Path,
    recovery_key: &'a str,
    key_store: KeyStoreKind,
}

fn init(db: &Path, json: bool) -> Result<()> {
    let keys = key_store(db, true)?;
    let created = Lagom::create(db, keys.as_ref()).map_err(|e| match e.kind() {
        ErrorKind::KeychainUnavailable => anyhow::Error::new(e)
            .context("no usable OS keychain: set LAGOM_PASSPHRASE to protect the key with a passphrase instead"),
        _ => e.into(),
    })?;
    if json {
        return print_json(&InitOutput { db, recovery_key: &created.recovery_key.to_hex(), key_store: keys.kind() });
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
    Ok(())
}

fn recover(db: &Path) -> Result<()> {
    if std::io::stdin().is_terminal() {
        eprintln!("Type or paste the recovery key, then press Enter:");
    }
    let mut text = String::new();
    std::io::stdin().read_to_string(&mut text).context("could not read the recovery key")?;
    let keys = key_store(db, true)?;
    Lagom::recover(db, &text, keys.as_ref())?;
    eprintln!("The database opens again; its key is now kept in the {}.", keys.kind().describe());
    Ok(())
}

fn contact(lagom: &Lagom, command: ContactCommand) -> Result<()> {
    let contacts = lagom.contacts();
    match command {
        ContactCommand::Add { fields, json } => {
            let contact = contacts.create(&fields.apply_to(ContactInput::default()))?;
            show_contact(&contact, json)
        }
        ContactCommand::Update { id, fields, json } => {
            let current = input_from(contacts.get(&id)?);
            let contact = contacts.update(&id, &fields.apply_to(current))?;
            show_contact(&contact, json)
        }
        ContactCommand::Show { id, json } => show_contact(&contacts.get(&id)?, json),
        ContactCommand::List { purpose: Some(purpose), channel: Some(channel), json } => {
            show_summaries(&lagom.consent().reachable(&purpose, channel)?, json)
        }
        ContactCommand::List { json, .. } => {
            let total = contacts.list(0, 0)?.total;
            show_summaries(&contacts.list(0, total)?.contacts, json)
        }
        ContactCommand::OptOut(args) => {
            let out = lagom.consent().opt_out(&args.id, args.channel, args.source)?;
            show_opt_outs(&out, args.json)
        }
        ContactCommand::OptIn(args) => {
            let out = lagom.consent().opt_in(&args.id, args.channel, args.source)?;
            show_opt_outs(&out, args.json)
        }
        ContactCommand::Search { text, json } => show_summaries(&contacts.search(&text)?, json),
    }
}

fn show_opt_outs(out: &OptOuts, json: bool) -> Result<()> {
    if json {
        return print_json(out);
    }
    let channels: Vec<&str> = out.channels.iter().map(|c| c.as_str()).collect();
    match (out.all, channels.is_empty()) {
        (true, _) => println!("opted out of all direct marketing"),
        (false, true) => println!("no marketing opt-outs"),
        (false, false) => println!("opted out of: {}", channels.join(", ")),
    }
    Ok(())
}

fn consent(lagom: &Lagom, command: ConsentCommand) -> Result<()> {
    let ledger = lagom.consent();
    let (args, event) = match command {
        ConsentCommand::History { id, json } => {
            let history = ledger.history(&id)?;
            if json {
                return print_json(&history);
            }
            for e in history {
                println!(
                    "{}  {:<9} {:<22} {:<7} via {:<8} by {}",
                    e.at,
                    e.kind,
                    e.purpose_name.as_deref().unwrap_or("(marketing)"),
                    e.channel.map(|c| c.as_str()).unwrap_or("all"),
                    e.source,
                    e.recorded_by
                );
            }
            return Ok(());
        }
        ConsentCommand::Give(args) => {
            let event = ledger.give(&args.id, &consent_input(&args))?;
            (args, event)
        }
        ConsentCommand::Withdraw(args) => {
            let event = ledger.withdraw(&args.id, &consent_input(&args))?;
            (args, event)
        }
    };
    if args.json {
        return print_json(&event);
    }
    println!(
        "recorded: consent {} for {} ({})",
        event.kind,
        event.purpose_name.as_deref().unwrap_or("-"),
        event.channel.map(|c| c.as_str()).unwrap_or("all channels")
    );
    Ok(())
}

fn consent_input(args: &ConsentArgs) -> ConsentInput {
    ConsentInput {
        purpose: args.purpose.clone(),
        channel: args.channel,
        source: args.source,
        wording: args.wording.clone(),
    }
}

fn show_contact(contact: &Contact, json: bool) -> Result<()> {
    if json {
        return print_json(contact);
    }
    let line = |label: &str, value: Option<&str>| {
        if let Some(value) = value {
            println!("{label:<14}{value}");
        }
    };
    line("id", Some(&contact.id));
    line("name", Some(&format!("{} {}", contact.given_name, contact.family_name)));
    line("email", contact.email.as_deref());
    line("phone", contact.phone.as_deref());
    line("organisation", contact.organisation.as_deref());
    line("role", contact.role.as_deref());
    line("channel", contact.channel.map(Channel::as_str));
    line("material", contact.material.map(Material::as_str));
    line("language", contact.language.as_deref());
    line("stage", Some(contact.stage.as_str()));
    line("owner", contact.owner.as_deref());
    if !contact.tags.is_empty() {
        line("interests", Some(&contact.tags.join(", ")));
    }
    let purposes: Vec<String> = contact.purposes.iter().map(|p| format!("{} ({})", p.name, p.lawful_basis)).collect();
    line("purposes", Some(&purposes.join(", ")));
    line("created", Some(&contact.created_at));
    line("updated", Some(&contact.updated_at));
    Ok(())
}

fn show_summaries(contacts: &[ContactSummary], json: bool) -> Result<()> {
    if json {
        return print_json(contacts);
    }
    for c in contacts {
        println!(
            "{}  {} {}  {}  {}  {}",
            c.id,
            c.given_name,
            c.family_name,
            c.email.as_deref().unwrap_or("-"),
            c.organisation.as_deref().unwrap_or("-"),
            c.stage
        );
    }
    Ok(())
}

#[allow(clippy::print_stdout)]
fn print_json<T: Serialize + ?Sized>(value: &T) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}
