//! `lagom breach`: the breach register with the 72-hour deadline to notify the supervisory
//! authority (Art. 33, 34).

use anyhow::Result;
use clap::Subcommand;
use lagom_core::{
    Affected, Breach, BreachClosing, BreachInput, BreachKind, BreachStatus, Channel, DocumentFormat, Lagom,
    ReportLanguage,
};

use crate::rights::parse_report_language;
use crate::{parse_document_format, parse_text_enum, print_json};

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
        /// When the authority was notified, RFC 3339 (now when not given); notified only.
        #[arg(long, value_name = "DATETIME")]
        notified_at: Option<String>,
        /// Why the notification came after 72 hours (required then, Art. 33(1)).
        #[arg(long)]
        delay_reason: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Lagom's assessment of a lost or stolen device: whether telling the persons is likely
    /// required (Art. 34(3)(a)), with its reasoning.
    Assess {
        id: String,
        #[arg(long, default_value = "en", value_parser = parse_report_language)]
        lang: ReportLanguage,
        #[arg(long)]
        json: bool,
    },
    /// The affected contacts, and whether each was told (Art. 34).
    Affected {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// The notification to one affected person (Art. 34), to send them.
    Notification {
        id: String,
        /// The affected contact's id.
        #[arg(long)]
        contact: String,
        /// sv or en (the contact's language when not given).
        #[arg(long, value_parser = parse_report_language)]
        lang: Option<ReportLanguage>,
        /// text, md or html.
        #[arg(long, default_value = "text", value_parser = parse_document_format)]
        format: DocumentFormat,
    },
    /// Record that the affected persons need not be told (Art. 34(3)), with the reason: the
    /// breach then leaves Home once the authority is notified.
    PersonsNotRequired {
        id: String,
        #[arg(long)]
        reason: String,
        #[arg(long)]
        json: bool,
    },
    /// Record that an affected person was told of the breach.
    Told {
        id: String,
        #[arg(long)]
        contact: String,
        /// email, phone, sms, post or meeting.
        #[arg(long, value_parser = parse_text_enum::<Channel>)]
        channel: Channel,
        /// The day they were told, YYYY-MM-DD (today when not given).
        #[arg(long, value_name = "DATE")]
        on: Option<String>,
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
        BreachCommand::Close { id, status, reason, notified_at, delay_reason, json } => {
            (breaches.close(&id, &BreachClosing { status, reason, notified_at, delay_reason })?, json)
        }
        BreachCommand::PersonsNotRequired { id, reason, json } => (breaches.persons_not_required(&id, &reason)?, json),
        BreachCommand::Assess { id, lang, json } => {
            let assessment = lagom.breach_assessment(&id, lang)?;
            if json {
                return print_json(&assessment);
            }
            match assessment {
                Some(a) => {
                    println!("{}", a.summary);
                    a.reasoning.iter().for_each(|point| println!("- {point}"));
                }
                None => println!("Lagom assesses lost or stolen devices only; this breach is for the DPO to assess."),
            }
            return Ok(());
        }
        BreachCommand::Affected { id, json } => {
            let affected = breaches.affected(&id, None)?;
            if json {
                return print_json(&affected);
            }
            println!("{} affected, {} told", affected.total, affected.told);
            for c in &affected.contacts {
                let name = match (&c.given_name, &c.family_name) {
                    (Some(given), Some(family)) => format!("{given} {family}"),
                    _ => "(erased)".to_owned(),
                };
                let told = match (&c.told_on, c.told_channel) {
                    (Some(on), Some(channel)) => format!("told {on} by {channel}"),
                    _ => "not told".to_owned(),
                };
                println!("  {}  {name}  {told}", c.contact_id);
            }
            return Ok(());
        }
        BreachCommand::Notification { id, contact, lang, format } => {
            print!("{}", breaches.notification(&id, &contact, lang, None)?.render(format));
            return Ok(());
        }
        BreachCommand::Told { id, contact, channel, on, json } => {
            let told = breaches.record_told(&id, &contact, channel, on.as_deref())?;
            if json {
                return print_json(&told);
            }
            println!("{} told of {id} on {} by {channel}", told.contact_id, told.told_on.unwrap_or_default());
            return Ok(());
        }
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
    if b.told > 0 || b.to_tell > 0 {
        println!("  persons told: {}, still to tell: {}", b.told, b.to_tell);
    }
    if let Some(reason) = &b.persons_reason {
        println!("  telling the persons not required: {reason}");
    }
    if let Some(at) = &b.notified_at {
        let late = b.delay_reason.as_deref().map(|r| format!(" (late: {r})")).unwrap_or_default();
        println!("  notified {at}{late}");
    }
}
