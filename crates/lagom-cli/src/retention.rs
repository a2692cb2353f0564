//! `lagom retention`: who is due for erasure and why, erasing them, and legal holds.

use anyhow::{Result, bail};
use chrono::NaiveDate;
use clap::Subcommand;
use lagom_core::{ErasureReceipt, Expiry, HoldReason, Lagom};

use crate::{parse_date, parse_text_enum, print_json};

#[derive(Debug, Subcommand)]
pub enum RetentionCommand {
    /// Who is due for erasure by a date (today by default), the expiry and the rule behind it.
    Preview {
        /// "Who expires by the end of next quarter": any date (YYYY-MM-DD).
        #[arg(long, value_parser = parse_date)]
        as_of: Option<NaiveDate>,
        #[arg(long)]
        json: bool,
    },
    /// Erase everyone due (as `lagom erase` does) and print the tombstones.
    Apply {
        /// Confirms the erasures (required: there is no undo).
        #[arg(long)]
        yes: bool,
        /// Those due by this date (not after today).
        #[arg(long, value_parser = parse_date)]
        as_of: Option<NaiveDate>,
        #[arg(long)]
        json: bool,
    },
    /// The app's daily sweep: note since when each contact has been due (the grace period
    /// counts from it) and, when automatic erasure is on, erase those past their grace period.
    Sweep {
        #[arg(long)]
        json: bool,
    },
    /// Keep a contact past their expiry for a legal reason, until a date.
    Hold {
        id: String,
        /// bookkeeping_act, legal_claim or other_law.
        #[arg(long, value_parser = parse_text_enum::<HoldReason>)]
        reason: HoldReason,
        /// The last day the hold keeps the contact (YYYY-MM-DD, after today).
        #[arg(long)]
        until: String,
        #[arg(long)]
        json: bool,
    },
}

pub fn run(lagom: &Lagom, command: RetentionCommand) -> Result<()> {
    let retention = lagom.retention();
    match command {
        RetentionCommand::Preview { as_of, json } => {
            let due = retention.preview(as_of)?;
            if json {
                return print_json(&due);
            }
            due.iter().for_each(show);
            eprintln!("{} due", due.len());
            Ok(())
        }
        RetentionCommand::Sweep { json } => {
            let report = retention.sweep()?;
            if json {
                return print_json(&report);
            }
            report.due.iter().for_each(show);
            report.erased.iter().for_each(show_erased);
            if let Some(request) = &report.paused_by {
                eprintln!("lagom: automatic erasure waits: request {request} is not yet matched to a contact");
            }
            eprintln!("{} due, {} erased automatically", report.due.len(), report.erased.len());
            failed(&report.failed)
        }
        RetentionCommand::Apply { yes, as_of, json } => {
            if !yes {
                bail!("erasing people cannot be undone: run `lagom retention preview`, then add --yes");
            }
            let applied = retention.apply(as_of)?;
            for warning in applied.erased.iter().filter_map(|r| r.warning.as_deref()) {
                eprintln!("lagom: warning: {warning}");
            }
            if json {
                print_json(&applied.erased)?;
            } else {
                applied.erased.iter().for_each(show_erased);
                eprintln!("{} erased", applied.erased.len());
            }
            failed(&applied.failed)
        }
        RetentionCommand::Hold { id, reason, until, json } => {
            let hold = retention.hold(&id, reason, &until)?;
            if json {
                return print_json(&hold);
            }
            println!("held {id} until {} ({})", hold.until, hold.reason);
            Ok(())
        }
    }
}

fn show(e: &Expiry) {
    let grace = match (&e.held_by_request, &e.erasable_from) {
        (Some(request), _) => format!("; kept until request {request} is answered"),
        (None, Some(from)) => format!("; automatic erasure from {from}"),
        (None, None) => String::new(),
    };
    println!("{}  {} {}  expires {}  ({}{grace})", e.contact_id, e.given_name, e.family_name, e.expires, e.rule);
}

/// Names each contact whose erasure failed; exit 1 when any did.
fn failed(ids: &[String]) -> Result<()> {
    for id in ids {
        eprintln!("lagom: could not erase {id}; it stays due");
    }
    if !ids.is_empty() {
        bail!("{} erasures failed", ids.len());
    }
    Ok(())
}

fn show_erased(r: &ErasureReceipt) {
    let t = &r.tombstone;
    println!("erased {}; tombstone {} at {} ({})", t.contact_id, t.id, t.at, t.article);
}
