//! `lagom interaction`: what happened with a person — calls, meetings, emails, events,
//! purchases, support — structured, never free text.

use anyhow::Result;
use clap::Subcommand;
use lagom_core::{Channel, Interaction, InteractionInput, InteractionKind, Lagom};

use crate::{parse_text_enum, print_json};

#[derive(Debug, Subcommand)]
pub enum InteractionCommand {
    /// Record an interaction with a contact.
    Add {
        id: String,
        /// call, meeting, email, event, purchase or support.
        #[arg(long = "type", value_parser = parse_text_enum::<InteractionKind>)]
        kind: InteractionKind,
        /// When it happened (YYYY-MM-DD, not in the future).
        #[arg(long)]
        date: String,
        /// email, phone, sms, post or meeting.
        #[arg(long, value_parser = parse_text_enum::<Channel>)]
        channel: Channel,
        /// One of the outcomes in settings (interested, not interested, follow up, ordered, no answer).
        #[arg(long)]
        outcome: Option<String>,
        /// The purpose it served (name or id).
        #[arg(long)]
        purpose: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// A contact's interactions, newest first.
    List {
        id: String,
        #[arg(long)]
        json: bool,
    },
}

pub fn run(lagom: &Lagom, command: InteractionCommand) -> Result<()> {
    let interactions = lagom.interactions();
    match command {
        InteractionCommand::Add { id, kind, date, channel, outcome, purpose, json } => {
            let added = interactions.add(&id, &InteractionInput { kind, date, channel, outcome, purpose })?;
            if json {
                return print_json(&added);
            }
            show(&added);
            Ok(())
        }
        InteractionCommand::List { id, json } => {
            let list = interactions.list(&id)?;
            if json {
                return print_json(&list);
            }
            list.iter().for_each(show);
            Ok(())
        }
    }
}

fn show(i: &Interaction) {
    println!(
        "{}  {:<8} {:<7} {:<14} {}",
        i.date,
        i.kind,
        i.channel,
        i.outcome.as_deref().unwrap_or("-"),
        i.purpose_name.as_deref().unwrap_or("")
    );
}
