//! `lagom purpose`: the purposes contacts are held for, their lawful bases and retention.

use anyhow::Result;
use clap::Subcommand;
use lagom_core::{Lagom, LawfulBasis, Purpose, PurposeInput, RetentionAnchor};

use crate::{parse_text_enum, print_json};

#[derive(Debug, Subcommand)]
pub enum PurposeCommand {
    /// List the purposes contacts can be held for.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Add a purpose of processing.
    Add {
        #[arg(long)]
        name: String,
        /// The lawful basis (GDPR Art. 6): consent, contract, legitimate_interest, legal_obligation.
        #[arg(long, value_parser = parse_text_enum::<LawfulBasis>)]
        basis: LawfulBasis,
        /// How many months the data is kept (1–600).
        #[arg(long)]
        retention_months: u32,
        #[arg(long, default_value = "")]
        description: String,
        /// What the retention is counted from: last_interaction, former_customer or consent_withdrawn.
        #[arg(long, default_value = "last_interaction", value_parser = parse_text_enum::<RetentionAnchor>)]
        anchor: RetentionAnchor,
        #[arg(long)]
        json: bool,
    },
    /// Change a purpose; options not given keep their value. The lawful basis cannot change
    /// once contacts or consent records rely on it: create a new purpose instead.
    Update {
        /// The purpose's id or name.
        id_or_name: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long, value_parser = parse_text_enum::<LawfulBasis>)]
        basis: Option<LawfulBasis>,
        #[arg(long)]
        retention_months: Option<u32>,
        #[arg(long)]
        description: Option<String>,
        #[arg(long, value_parser = parse_text_enum::<RetentionAnchor>)]
        anchor: Option<RetentionAnchor>,
        #[arg(long)]
        json: bool,
    },
}

pub fn run(lagom: &Lagom, command: PurposeCommand) -> Result<()> {
    let purposes = lagom.purposes();
    match command {
        PurposeCommand::List { json } => {
            let list = purposes.list()?;
            if json {
                return print_json(&list);
            }
            for p in &list {
                show(p);
            }
            Ok(())
        }
        PurposeCommand::Add { name, basis, retention_months, description, anchor, json } => {
            let purpose = purposes.create(&PurposeInput {
                name,
                description,
                lawful_basis: basis,
                retention_months,
                retention_anchor: anchor,
            })?;
            if json {
                return print_json(&purpose);
            }
            show(&purpose);
            Ok(())
        }
        PurposeCommand::Update { id_or_name, name, basis, retention_months, description, anchor, json } => {
            let current = purposes.get(id_or_name.trim())?;
            let purpose = purposes.update(
                &current.id,
                &PurposeInput {
                    name: name.unwrap_or(current.name),
                    description: description.unwrap_or(current.description),
                    lawful_basis: basis.unwrap_or(current.lawful_basis),
                    retention_months: retention_months.unwrap_or(current.retention_months),
                    retention_anchor: anchor.unwrap_or(current.retention_anchor),
                },
            )?;
            if json {
                return print_json(&purpose);
            }
            show(&purpose);
            Ok(())
        }
    }
}

fn show(p: &Purpose) {
    println!(
        "{}  {}  ({}, kept {} months after the {}, {} contacts)",
        p.id,
        p.name,
        p.lawful_basis,
        p.retention_months,
        p.retention_anchor.as_str().replace('_', " "),
        p.contacts
    );
}
