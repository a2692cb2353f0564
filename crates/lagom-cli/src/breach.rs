//! `lagom breach`: the breach register with the 72-hour deadline to notify the supervisory
//! authority (Art. 33, 34).

use anyhow::Result;
use clap::Subcommand;
use lagom_core::{Affected, Breach, BreachInput, BreachKind, BreachStatus, Lagom};

use crate::{parse_text_enum, print_json};

#[derive(Debug, Subcommand)]
pub enum BreachCommand {
    /// Report a breach; prints it with its deadline (discovery + 72 hours).
    Add {
        /// When it was discovered, RFC 3339 with its offset (2026-11-30T09:15:00+01:00).
        #[arg(long, value_name = "DATETIME")]
        discovered: String,
        /// lost_device, wrong_recipient, unauthorised_access or other.
        #[arg(long, value_parser = parse_text_enum::<BreachKind>)]
        kind: BreachKind,
        /// Everyone in the register is affected (a lost or stolen laptop).
        #[arg(long, required_unless_present = "contacts", conflicts_with = "contacts")]
        everyone: bool,
        /// The affected contacts' ids, comma separated.
        #[arg(long, value_delimiter = ',', value_name = "ID,ID")]
        contacts: Vec<String>,
        /// The likely consequences for the persons.
        #[arg(long)]
        consequences: Option<String>,
        /// The measures taken or proposed.
        #[arg(long)]
        measures: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Every breach: open ones first with their deadline, then closed ones.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Close a breach: notified to the supervisory authority, or not requiring notification
    /// (with the reason).
    Close {
        /// The breach's reference (BREACH-2026-001).
        id: String,
        /// notified or not_required.
        #[arg(long, value_parser = parse_text_enum::<BreachStatus>)]
        status: BreachStatus,
        /// Why (required for not_required), or the notification's reference.
        #[arg(long)]
        reason: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

pub fn run(lagom: &Lagom, command: BreachCommand) -> Result<()> {
    let breaches = lagom.breaches();
    let (breach, json) = match command {
        BreachCommand::Add { discovered, kind, everyone, contacts, consequences, measures, json } => {
            let affected = if everyone { Affected::Everyone } else { Affected::Contacts(contacts) };
            (breaches.add(&BreachInput { kind, discovered, affected, consequences, measures })?, json)
        }
        BreachCommand::List { json } => {
            let list = breaches.list()?;
            if json {
                return print_json(&list);
            }
            list.iter().for_each(show);
            return Ok(());
        }
        BreachCommand::Close { id, status, reason, json } => (breaches.close(&id, status, reason.as_deref())?, json),
    };
    if json {
        return print_json(&breach);
    }
    show(&breach);
    Ok(())
}

pub fn show(b: &Breach) {
    let left = match b.hours_left {
        Some(hours) if hours < 0 => format!("  OVERDUE by {} h", -hours),
        Some(hours) => format!("  {hours} h left"),
        None => String::new(),
    };
    let whom = if b.everyone { format!("everyone ({})", b.affected) } else { format!("{} contacts", b.affected) };
    let (kind, status) = (b.kind.to_string(), b.status.to_string());
    println!("{}  {kind:<19} {status:<12} notify by {}{left}  {whom}", b.id, b.deadline);
}
