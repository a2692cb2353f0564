//! `lagom request`: the data-subject request inbox with its legal deadline (Art. 12(3)).

use anyhow::Result;
use chrono::NaiveDate;
use clap::Subcommand;
use lagom_core::{ExtensionReason, IdentityCheck, Lagom, RefusalReason, Request, RequestInput, RequestKind};

use crate::{parse_date, parse_text_enum, print_json};

#[derive(Debug, Subcommand)]
pub enum RequestCommand {
    /// Record a request; prints it with its due date and how that was counted.
    Add {
        /// access, portability, erasure, rectification, objection or restriction.
        #[arg(long = "type", value_parser = parse_text_enum::<RequestKind>)]
        kind: RequestKind,
        /// The contact's id (or give --name for a requester not yet matched to a contact).
        #[arg(long, required_unless_present = "name", conflicts_with_all = ["name", "address"])]
        contact: Option<String>,
        /// An unmatched requester's name, kept only until their identity is checked.
        #[arg(long)]
        name: Option<String>,
        /// Where to answer an unmatched requester (email or postal address).
        #[arg(long)]
        address: Option<String>,
        /// How the identity was checked, if it already was: address_on_file, electronic_id,
        /// id_document or in_person.
        #[arg(long, value_parser = parse_text_enum::<IdentityCheck>)]
        identity_check: Option<IdentityCheck>,
        /// When it was received (YYYY-MM-DD) [default: today].
        #[arg(long)]
        received: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Every request with its due date: open ones first, overdue at the top.
    List {
        /// Count "overdue" as of this date (YYYY-MM-DD) [default: today].
        #[arg(long, value_parser = parse_date)]
        as_of: Option<NaiveDate>,
        #[arg(long)]
        json: bool,
    },
    /// Record how the requester's identity was checked and, for an unmatched request, the
    /// contact it is about (the requester's name and address are deleted then).
    Identify {
        id: String,
        /// address_on_file, electronic_id, id_document or in_person.
        #[arg(long, value_parser = parse_text_enum::<IdentityCheck>)]
        check: IdentityCheck,
        /// The contact the request is about (required when it is not matched yet).
        #[arg(long)]
        contact: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Extend the deadline by two months, before the first one passes.
    Extend {
        /// The request's reference (REQ-2026-0001).
        id: String,
        /// complexity or number_of_requests (Art. 12(3)).
        #[arg(long, value_parser = parse_text_enum::<ExtensionReason>)]
        reason: ExtensionReason,
        #[arg(long)]
        json: bool,
    },
    /// Record what answered the request: the export (access, portability) or the erasure's
    /// tombstone (erasure); rectification, objection and restriction close without one.
    Close {
        id: String,
        /// The export's id (from its receipt) or the erasure's tombstone id.
        #[arg(long)]
        answer: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Refuse the request: manifestly_unfounded, excessive or identity_not_confirmed.
    Refuse {
        id: String,
        #[arg(long, value_parser = parse_text_enum::<RefusalReason>)]
        reason: RefusalReason,
        #[arg(long)]
        json: bool,
    },
}

pub fn run(lagom: &Lagom, command: RequestCommand) -> Result<()> {
    let requests = lagom.requests();
    let (request, json) = match command {
        RequestCommand::Add { kind, contact, name, address, identity_check, received, json } => {
            let input = RequestInput {
                kind,
                contact_id: contact,
                requester_name: name,
                requester_address: address,
                identity_check,
                received,
            };
            (requests.add(&input)?, json)
        }
        RequestCommand::Identify { id, check, contact, json } => {
            (requests.identify(&id, contact.as_deref(), check)?, json)
        }
        RequestCommand::List { as_of, json } => {
            let list = requests.list_as_of(as_of)?;
            if json {
                return print_json(&list);
            }
            list.iter().for_each(show);
            return Ok(());
        }
        RequestCommand::Extend { id, reason, json } => (requests.extend(&id, reason)?, json),
        RequestCommand::Close { id, answer, json } => (requests.close(&id, answer.as_deref())?, json),
        RequestCommand::Refuse { id, reason, json } => (requests.refuse(&id, reason)?, json),
    };
    if json {
        return print_json(&request);
    }
    show(&request);
    Ok(())
}

fn show(r: &Request) {
    let overdue = match (r.overdue, r.late) {
        (true, _) => "  OVERDUE",
        (false, true) => "  LATE",
        _ => "",
    };
    let who = match (&r.contact_id, &r.requester_name) {
        (Some(contact), _) => format!("contact {contact}"),
        (None, Some(name)) => format!("from {name} (identity not checked)"),
        (None, None) => String::new(),
    };
    println!("{}  {:<13} {:<9} due {}{}  ({})  {who}", r.id, r.kind, r.status, r.due, overdue, r.working);
}
