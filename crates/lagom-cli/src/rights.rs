//! `lagom export`, `lagom erase` and `lagom audit`: what a person can ask for, and the trail
//! that proves what was done.

use std::path::Path;

use anyhow::{Result, bail};
use clap::Subcommand;
use lagom_core::{Lagom, ReportLanguage};

use crate::print_json;

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check the whole hash chain; exits 1 when an entry was altered. Prints the number of
    /// entries and the head hash: write them down elsewhere to detect a rewritten trail later.
    Verify {
        #[arg(long)]
        json: bool,
    },
}

pub fn parse_report_language(text: &str) -> Result<ReportLanguage, String> {
    match text {
        "en" => Ok(ReportLanguage::En),
        "sv" => Ok(ReportLanguage::Sv),
        _ => Err(format!("'{text}' is not one of: en, sv")),
    }
}

pub fn export(lagom: &Lagom, id: &str, out: &Path, lang: ReportLanguage, json: bool) -> Result<()> {
    let receipt = lagom.export_person(id, out, lang)?;
    if json {
        return print_json(&receipt);
    }
    println!(
        "wrote {} ({} bytes): {}; export id {}",
        receipt.path,
        receipt.bytes,
        receipt.files.join(", "),
        receipt.id
    );
    Ok(())
}

pub fn erase(lagom: &Lagom, id: &str, request: Option<&str>, json: bool) -> Result<()> {
    let receipt = lagom.rights().erase(id, request)?;
    if let Some(warning) = &receipt.warning {
        eprintln!("lagom: warning: {warning}");
    }
    if json {
        return print_json(&receipt);
    }
    let tombstone = &receipt.tombstone;
    println!("erased {id}; tombstone {} at {} ({})", tombstone.id, tombstone.at, tombstone.article);
    Ok(())
}

pub fn audit(lagom: &Lagom, command: AuditCommand) -> Result<()> {
    let AuditCommand::Verify { json } = command;
    let report = lagom.verify_audit()?;
    if json {
        print_json(&report)?;
    } else {
        println!("{} entries, {} redacted by erasure", report.entries, report.redacted);
        if let Some(head) = &report.head_hash {
            println!("head hash {head}");
        }
    }
    match report.first_broken {
        None => Ok(()),
        Some(seq) => bail!("the audit trail was altered: entry {seq} does not match its chain"),
    }
}
