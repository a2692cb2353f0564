//! `lagom import`: contacts from a CSV or vCard file, all or nothing, with a purpose.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use clap::Args;
use lagom_core::import::{self, DuplicateChoice, ImportOptions};
use lagom_core::{Lagom, LawfulBasis};

use crate::{parse_text_enum, print_json};

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// A CSV (Excel, LibreOffice, Google, Outlook) or vCard (.vcf) file.
    file: PathBuf,
    /// The purpose every imported contact is held for (name or id).
    #[arg(long)]
    purpose: String,
    /// The lawful basis you expect the purpose to rest on: refused (exit 2) when it does not.
    #[arg(long, value_parser = parse_text_enum::<LawfulBasis>)]
    basis: Option<LawfulBasis>,
    /// Check everything and report what would happen; store nothing.
    #[arg(long)]
    dry_run: bool,
    /// Import the valid rows; the others go to the report file (see --report).
    #[arg(long)]
    skip_invalid: bool,
    /// Where rows that fail validation are written with --skip-invalid
    /// [default: FILE.rejected.csv beside the file].
    #[arg(long, value_name = "FILE.csv")]
    report: Option<PathBuf>,
    /// Rows whose email or phone is already in the register (or earlier in the file):
    /// skip, update (the register's contact) or keep (both).
    #[arg(long, default_value = "skip", value_parser = ["skip", "update", "keep"])]
    duplicates: String,
    #[arg(long)]
    json: bool,
}

#[derive(serde::Serialize)]
struct Summary<'a> {
    imported: u32,
    updated: u32,
    skipped: u32,
    invalid: u32,
    dropped_columns: Vec<&'a str>,
    encoding: &'a str,
    committed: bool,
    rejected_file: Option<String>,
}

pub fn run(lagom: &Lagom, args: ImportArgs) -> Result<()> {
    let file = import::read_path(&args.file)?;
    let options = ImportOptions {
        purpose: args.purpose,
        basis: args.basis,
        file_name: file_name(&args.file),
        mapping: None,
        skip_invalid: args.skip_invalid,
        duplicates: match args.duplicates.as_str() {
            "update" => DuplicateChoice::Update,
            "keep" => DuplicateChoice::KeepBoth,
            _ => DuplicateChoice::Skip,
        },
        per_row: Vec::new(),
    };
    let out = args.report.unwrap_or_else(|| rejected_path(&args.file));
    let report = lagom.imports().run(&file, &options, args.dry_run, Some(&out), &mut |_, _| true)?;
    let rejected_file = (report.invalid > 0 && report.committed).then(|| out.display().to_string());
    let summary = Summary {
        imported: report.imported,
        updated: report.updated,
        skipped: report.skipped,
        invalid: report.invalid,
        dropped_columns: report.dropped.iter().map(|d| d.name.as_str()).collect(),
        encoding: &file.encoding,
        committed: report.committed,
        rejected_file,
    };
    if args.json {
        return print_json(&summary);
    }
    let verb = if report.committed { "imported" } else { "would import (dry run)" };
    println!(
        "{verb} {}, updated {}, skipped {} duplicates, {} invalid ({}, {} rows)",
        summary.imported,
        summary.updated,
        summary.skipped,
        summary.invalid,
        file.encoding,
        file.rows.len()
    );
    if !summary.dropped_columns.is_empty() {
        println!("dropped (no place in Lagom, not stored): {}", summary.dropped_columns.join(", "));
    }
    if let Some(path) = &summary.rejected_file {
        println!("rows not imported, with what was wrong: {path}");
    }
    if report.invalid > 0 && args.dry_run && !args.skip_invalid {
        bail!("{} rows are not valid: fix them, or add --skip-invalid", report.invalid);
    }
    Ok(())
}

fn file_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

fn rejected_path(file: &Path) -> PathBuf {
    let mut name = file.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".rejected.csv");
    file.with_file_name(name)
}
