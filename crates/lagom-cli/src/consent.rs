//! `lagom consent`: the consent ledger — give, withdraw, history.

use anyhow::Result;
use clap::{Args, Subcommand};
use lagom_core::{ConsentInput, ConsentSource, Lagom, MarketingChannel};

use crate::{parse_text_enum, print_json};

#[derive(Debug, Subcommand)]
pub enum ConsentCommand {
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
pub struct ConsentArgs {
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

pub fn run(lagom: &Lagom, command: ConsentCommand) -> Result<()> {
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
