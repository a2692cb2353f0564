//! `lagom settings`: show the settings, or change retention's grace period, automatic erasure,
//! whose public holidays count, the controller and DPO, and the list of interaction outcomes.

use anyhow::Result;
use clap::Subcommand;
use lagom_core::Lagom;
use lagom_core::deadline::HolidayCountry;

use crate::print_json;

#[derive(Debug, Subcommand)]
pub enum SettingsCommand {
    /// Print the settings.
    Show {
        #[arg(long)]
        json: bool,
    },
    /// Change some settings; the others stay as they are.
    Set {
        /// Days a contact stands in the retention preview before automatic erasure (0–365).
        #[arg(long)]
        grace_days: Option<u32>,
        /// Erase those due after their grace period by itself: on or off.
        #[arg(long, value_parser = ["on", "off"])]
        automatic_erasure: Option<String>,
        /// Whose public holidays move a request's deadline (SE).
        #[arg(long, value_parser = parse_country)]
        holiday_country: Option<HolidayCountry>,
        /// The outcomes an interaction can have, in order, separated by commas.
        #[arg(long, value_delimiter = ',')]
        outcomes: Option<Vec<String>>,
        #[command(flatten)]
        controller: ControllerArgs,
        #[arg(long)]
        json: bool,
    },
}

/// The controller and DPO, as the Art. 30 record, the notices and the breach notifications
/// name them.
#[derive(Debug, clap::Args)]
pub struct ControllerArgs {
    /// The controller's name (the company).
    #[arg(long)]
    controller_name: Option<String>,
    #[arg(long)]
    controller_organisation_number: Option<String>,
    /// How the persons reach the controller: an address, email or phone.
    #[arg(long)]
    controller_contact: Option<String>,
    /// The data protection officer and how to reach them (empty: none appointed).
    #[arg(long)]
    dpo: Option<String>,
}

fn parse_country(text: &str) -> Result<HolidayCountry, String> {
    HolidayCountry::from_code(text).ok_or_else(|| {
        let known: Vec<&str> = HolidayCountry::ALL.iter().map(|c| c.code()).collect();
        format!("'{text}' is not a country whose holidays Lagom knows: {}", known.join(", "))
    })
}

#[derive(serde::Serialize)]
struct Shown {
    #[serde(flatten)]
    settings: lagom_core::Settings,
    interaction_outcomes: Vec<String>,
}

pub fn run(lagom: &Lagom, command: SettingsCommand) -> Result<()> {
    let json = match command {
        SettingsCommand::Show { json } => json,
        SettingsCommand::Set { grace_days, automatic_erasure, holiday_country, outcomes, controller, json } => {
            // The outcomes are checked before anything is saved, so a bad list changes nothing.
            let outcomes = outcomes.map(|o| lagom_core::interactions::check_outcomes(&o)).transpose()?;
            let mut settings = lagom.settings()?;
            settings.grace_days = grace_days.unwrap_or(settings.grace_days);
            settings.automatic_erasure = automatic_erasure.map_or(settings.automatic_erasure, |a| a == "on");
            settings.holiday_country = holiday_country.unwrap_or(settings.holiday_country);
            let c = &mut settings.controller;
            for (value, field) in [
                (controller.controller_name, &mut c.name),
                (controller.controller_organisation_number, &mut c.organisation_number),
                (controller.controller_contact, &mut c.contact),
                (controller.dpo, &mut c.dpo),
            ] {
                if let Some(value) = value {
                    *field = value;
                }
            }
            lagom.save_settings(&settings)?;
            if let Some(outcomes) = outcomes {
                lagom.interactions().set_outcomes(&outcomes)?;
            }
            json
        }
    };
    let shown = Shown { settings: lagom.settings()?, interaction_outcomes: lagom.interactions().outcomes()? };
    if json {
        return print_json(&shown);
    }
    let s = &shown.settings;
    println!("default country for phone numbers: {}", s.default_country);
    println!("language: {}", s.ui_language);
    let c = &s.controller;
    println!("controller: {} ({}), contact: {}", c.name, c.organisation_number, c.contact);
    println!("data protection officer: {}", if c.dpo.is_empty() { "none" } else { &c.dpo });
    println!("grace period before automatic erasure: {} days", s.grace_days);
    println!("automatic erasure: {}", if s.automatic_erasure { "on" } else { "off" });
    println!("public holidays of: {}", s.holiday_country.code());
    println!("interaction outcomes: {}", shown.interaction_outcomes.join(", "));
    Ok(())
}
