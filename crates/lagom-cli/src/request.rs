//! `lagom request`: the data-subject request inbox with its legal deadline (Art. 12(3)).

use anyhow::Result;
use clap::Subcommand;
use lagom_core::{ExtensionReason, Lagom, RefusalReason, Request, RequestInput, RequestKind};

use crate::{parse_text_enum, print_json};

#[derive(Debug, Subcommand)]
pub enum RequestCommand {
    /// Record a request; prints it with its due date and how that was counted.
    Add {
        /// access, portability, erasure, rectification, objection or restriction.
        #[arg(long = "type", value_parser = parse_text_enum::<RequestKind>)]
        kind: RequestKind,
        /// The contact's id.
        #[arg(long)]
        contact: String,
        /// When it was received (YYYY-MM-DD) [default: today].
        #[arg(long)]
        received: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Every request with its due date: open ones first, overdue at the top.
    List {
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
        RequestCommand::Add { kind, contact, received, json } => {
            (requests.add(&RequestInput { kind, contact_id: contact, received })?, json)
        }
        RequestCommand::List { json } => {
            let list = requests.list()?;
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
    println!(
        "{}  {:<13} {:<9} due {}{}  ({})  contact {}",
        r.id, r.kind, r.status, r.due, overdue, r.working, r.contact_id
    );
}
