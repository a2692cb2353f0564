//! Settings kept in the database: the default country for phone numbers, the display
//! language, the controller for the Art. 30 record, retention's grace period and automatic
//! erasure, and whose public holidays move a deadline. Nothing here is personal data of contacts.

use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::audit::{self, AuditAction, Change};
use crate::context::Ctx;
use crate::deadline::HolidayCountry;
use crate::error::{FieldErrorCode, InvalidInput, Result};
use crate::validate;
use crate::vocab::UiLanguage;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Settings {
    /// ISO 3166-1 alpha-2; phone numbers without `+` are read as this country's.
    pub default_country: String,
    pub ui_language: UiLanguage,
    /// Who is responsible for the processing (Art. 30(1)(a)); blank until filled in.
    #[serde(default)]
    pub controller: Controller,
    /// Days a contact stands in the retention preview before automatic erasure may take it.
    #[serde(default = "default_grace_days")]
    pub grace_days: u32,
    /// Whether the daily sweep erases those whose grace period has passed (off by default:
    /// someone presses "Erase the due ones now").
    #[serde(default)]
    pub automatic_erasure: bool,
    /// Whose public holidays move a request's deadline to the next working day.
    #[serde(default = "default_holiday_country")]
    pub holiday_country: HolidayCountry,
    /// The day automatic erasure was last turned on (kept by Lagom; ignored when saving): no
    /// grace period ends before it has run from this day.
    #[serde(default)]
    pub automatic_erasure_since: Option<String>,
    /// Back up on the first start of each day (on by default).
    #[serde(default = "default_true")]
    pub daily_backup: bool,
    /// How many daily backups are kept in the folder; older ones are removed.
    #[serde(default = "default_backups_kept")]
    pub backups_kept: u32,
    /// Where backups go: an absolute folder; `None` for `backups` beside the register (the
    /// last folder a backup went to, when one was given).
    #[serde(default)]
    pub backup_folder: Option<String>,
    /// Minutes without use after which the app locks, when a passphrase or a second factor is
    /// set (0: never).
    #[serde(default = "default_idle_lock")]
    pub lock_after_idle_minutes: u32,
}

/// The idle lock when none is set.
pub const DEFAULT_IDLE_LOCK_MINUTES: u32 = 10;
/// The longest idle time before the lock: a working day.
pub const MAX_IDLE_LOCK_MINUTES: u32 = 480;

fn default_idle_lock() -> u32 {
    DEFAULT_IDLE_LOCK_MINUTES
}

/// Daily backups kept when none is set: a week.
pub const DEFAULT_BACKUPS_KEPT: u32 = 7;
/// The most daily backups kept.
pub const MAX_BACKUPS_KEPT: u32 = 100;

fn default_true() -> bool {
    true
}

fn default_backups_kept() -> u32 {
    DEFAULT_BACKUPS_KEPT
}

/// The grace period when none is set: two weeks.
pub const DEFAULT_GRACE_DAYS: u32 = 14;
/// The longest grace period accepted: a year.
pub const MAX_GRACE_DAYS: u32 = 365;

fn default_grace_days() -> u32 {
    DEFAULT_GRACE_DAYS
}

fn default_holiday_country() -> HolidayCountry {
    HolidayCountry::Se
}

/// The controller and its data protection officer, as the record of processing names them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct Controller {
    pub name: String,
    /// The organisation number (in Sweden, organisationsnummer).
    pub organisation_number: String,
    /// Postal address, email or phone, as the controller wants to be reached.
    pub contact: String,
    /// The data protection officer's name and contact, when there is one.
    pub dpo: String,
}

/// The keys the controller fields are stored under, with their input field names and limits.
const CONTROLLER_FIELDS: [(&str, &str, usize); 4] = [
    ("controller_name", "controller.name", 200),
    ("controller_organisation_number", "controller.organisation_number", 40),
    ("controller_contact", "controller.contact", 300),
    ("controller_dpo", "controller.dpo", 300),
];

impl Controller {
    fn field_mut(&mut self, key: &str) -> Option<&mut String> {
        match key {
            "controller_name" => Some(&mut self.name),
            "controller_organisation_number" => Some(&mut self.organisation_number),
            "controller_contact" => Some(&mut self.contact),
            "controller_dpo" => Some(&mut self.dpo),
            _ => None,
        }
    }
}

impl Settings {
    /// Every stored setting as (key, text), in a fixed order.
    fn stored_values(&self) -> Vec<(&'static str, String)> {
        let mut values: Vec<(&'static str, String)> = vec![
            ("default_country", self.default_country.clone()),
            ("ui_language", self.ui_language.as_str().into()),
            ("grace_days", self.grace_days.to_string()),
            ("automatic_erasure", if self.automatic_erasure { "on" } else { "off" }.into()),
            ("holiday_country", self.holiday_country.code().into()),
            ("daily_backup", if self.daily_backup { "on" } else { "off" }.into()),
            ("backups_kept", self.backups_kept.to_string()),
            ("backup_folder", self.backup_folder.clone().unwrap_or_default()),
            ("lock_after_idle_minutes", self.lock_after_idle_minutes.to_string()),
        ];
        let mut controller = self.controller.clone();
        for (key, _, _) in CONTROLLER_FIELDS {
            if let Some(value) = controller.field_mut(key) {
                values.push((key, std::mem::take(value)));
            }
        }
        values
    }

    pub(crate) fn load(conn: &Connection) -> Result<Settings> {
        let mut settings = Settings {
            default_country: "SE".into(),
            ui_language: UiLanguage::Auto,
            controller: Controller::default(),
            grace_days: DEFAULT_GRACE_DAYS,
            automatic_erasure: false,
            holiday_country: HolidayCountry::Se,
            automatic_erasure_since: None,
            daily_backup: true,
            backups_kept: DEFAULT_BACKUPS_KEPT,
            backup_folder: None,
            lock_after_idle_minutes: DEFAULT_IDLE_LOCK_MINUTES,
        };
        let mut statement = conn.prepare_cached("SELECT key, value FROM setting")?;
        let mut rows = statement.query([])?;
        while let Some(row) = rows.next()? {
            let key: String = row.get(0)?;
            let value: String = row.get(1)?;
            match key.as_str() {
                "default_country" => settings.default_country = value,
                "ui_language" => settings.ui_language = value.parse().unwrap_or(UiLanguage::Auto),
                "grace_days" => settings.grace_days = value.parse().unwrap_or(DEFAULT_GRACE_DAYS).min(MAX_GRACE_DAYS),
                "automatic_erasure_since" => settings.automatic_erasure_since = Some(value),
                "automatic_erasure" => settings.automatic_erasure = value == "on",
                "daily_backup" => settings.daily_backup = value != "off",
                "backups_kept" => {
                    settings.backups_kept = value.parse().unwrap_or(DEFAULT_BACKUPS_KEPT).clamp(1, MAX_BACKUPS_KEPT)
                }
                "backup_folder" => settings.backup_folder = (!value.is_empty()).then_some(value),
                "lock_after_idle_minutes" => {
                    settings.lock_after_idle_minutes =
                        value.parse().unwrap_or(DEFAULT_IDLE_LOCK_MINUTES).min(MAX_IDLE_LOCK_MINUTES)
                }
                "holiday_country" => {
                    settings.holiday_country = HolidayCountry::from_code(&value).unwrap_or(HolidayCountry::Se)
                }
                other => {
                    if let Some(field) = settings.controller.field_mut(other) {
                        *field = value;
                    }
                }
            }
        }
        Ok(settings)
    }

    /// The settings as they would be stored, or why they are refused; nothing is written.
    pub(crate) fn checked(input: &Settings) -> Result<Settings> {
        let mut errors = InvalidInput::default();
        let country = validate::country(&mut errors, "default_country", &input.default_country);
        let mut controller = input.controller.clone();
        for (key, field, max) in CONTROLLER_FIELDS {
            if let Some(value) = controller.field_mut(key) {
                *value = if key == "controller_organisation_number" {
                    validate::optional_text_of_the_controller(&mut errors, field, Some(value), max)
                } else {
                    validate::optional_text(&mut errors, field, Some(value), max)
                }
                .unwrap_or_default();
            }
        }
        if !(1..=MAX_BACKUPS_KEPT).contains(&input.backups_kept) {
            errors.push("backups_kept", FieldErrorCode::OutOfRange, format!("keep 1 to {MAX_BACKUPS_KEPT} backups"));
        }
        let backup_folder = match input.backup_folder.as_deref().map(str::trim).filter(|f| !f.is_empty()) {
            None => None,
            Some(folder) if std::path::Path::new(folder).is_absolute() && !folder.chars().any(char::is_control) => {
                Some(folder.to_owned())
            }
            Some(_) => {
                errors.push("backup_folder", FieldErrorCode::OutOfRange, "give the whole path of a folder (/home/…)");
                None
            }
        };
        if input.lock_after_idle_minutes > MAX_IDLE_LOCK_MINUTES {
            errors.push(
                "lock_after_idle_minutes",
                FieldErrorCode::OutOfRange,
                format!("give 0 (never) to {MAX_IDLE_LOCK_MINUTES} minutes"),
            );
        }
        if input.grace_days > MAX_GRACE_DAYS {
            errors.push("grace_days", FieldErrorCode::OutOfRange, format!("give 0 to {MAX_GRACE_DAYS} days"));
        }
        errors.into_result()?;
        Ok(Settings {
            default_country: country.unwrap_or_else(|| "SE".into()),
            controller,
            automatic_erasure_since: None,
            backup_folder,
            ..input.clone()
        })
    }

    /// Validates and stores the settings; every value that changes is in the audit trail
    /// (who turned automatic erasure on, and when).
    pub(crate) fn save(ctx: &Ctx<'_>, input: &Settings) -> Result<Settings> {
        let conn = ctx.conn;
        let checked = Self::checked(input)?;
        let before = Self::load(conn)?;
        let tx = conn.unchecked_transaction()?;
        let stored: std::collections::HashSet<String> = tx
            .prepare_cached("SELECT key FROM setting")?
            .query_map([], |row| row.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let mut upsert = tx.prepare_cached(
            "INSERT INTO setting (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )?;
        for ((key, old), (_, new)) in before.stored_values().iter().zip(checked.stored_values()) {
            if old == &new && stored.contains(*key) {
                continue;
            }
            upsert.execute([key, new.as_str()])?;
            if old != &new {
                audit::record(
                    ctx,
                    Change {
                        action: AuditAction::Update,
                        subject_id: None,
                        field: Some(&format!("settings/{key}")),
                        // The controller's details may name a person (a sole trader, the DPO): the
                        // audit trail keeps for ever that they changed, not what they were.
                        old_value: (!key.starts_with("controller_")).then_some(old.as_str()),
                        new_value: Some(if key.starts_with("controller_") { "changed" } else { new.as_str() }),
                    },
                )?;
            }
        }
        // The grace period of automatic erasure also runs from the day it is turned on.
        if input.automatic_erasure && !before.automatic_erasure {
            upsert.execute(["automatic_erasure_since", ctx.today().to_string().as_str()])?;
        } else if !input.automatic_erasure {
            tx.execute("DELETE FROM setting WHERE key = 'automatic_erasure_since'", [])?;
        }
        drop(upsert);
        tx.commit()?;
        Self::load(conn)
    }
}
