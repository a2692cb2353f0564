//! Interactions (R-9): structured notes of what happened with a person — type, date, channel,
//! an outcome from a configurable list and optionally the purpose it served. No free text.
//! They are personal data (declared in the field dictionary, exported and erased with the
//! person). The last one anchors retention for purposes counted from it (see `retention`).

use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::audit::{self, AuditAction, Change};
use crate::clock::new_id;
use crate::context::Ctx;
use crate::error::{Error, FieldErrorCode, InvalidInput, Result};
use crate::vocab::{Channel, InteractionKind};

pub(crate) const SCHEMA: &str = r#"
-- The outcomes an interaction can have: a vocabulary kept in settings, never free text.
CREATE TABLE interaction_outcome (
    name       TEXT PRIMARY KEY COLLATE NOCASE,
    position   INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
INSERT INTO interaction_outcome (name, position) VALUES
    ('interested', 1), ('not interested', 2), ('follow up', 3), ('ordered', 4), ('no answer', 5);

CREATE TABLE interaction (
    seq         INTEGER PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,
    contact_id  TEXT NOT NULL REFERENCES contact(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('call', 'meeting', 'email', 'event', 'purchase', 'support')),
    on_date     TEXT NOT NULL CHECK (on_date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    channel     TEXT NOT NULL CHECK (channel IN ('email', 'phone', 'sms', 'post', 'meeting')),
    outcome     TEXT,
    purpose_id  TEXT REFERENCES purpose(id),
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL
) STRICT;
CREATE INDEX interaction_by_contact ON interaction (contact_id, on_date);
"#;

/// An interaction to record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct InteractionInput {
    pub kind: InteractionKind,
    /// `YYYY-MM-DD`; not after today.
    pub date: String,
    pub channel: Channel,
    /// One of the outcomes in settings.
    pub outcome: Option<String>,
    /// The purpose's name or id.
    pub purpose: Option<String>,
}

/// One interaction, as the contact's timeline and the export show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Interaction {
    pub id: String,
    pub kind: InteractionKind,
    pub date: String,
    pub channel: Channel,
    pub outcome: Option<String>,
    pub purpose_id: Option<String>,
    pub purpose_name: Option<String>,
    pub recorded_by: String,
    pub recorded_at: String,
}

/// The interactions of one open store.
#[derive(Debug)]
pub struct Interactions<'a> {
    ctx: Ctx<'a>,
}

impl<'a> Interactions<'a> {
    pub(crate) fn new(ctx: Ctx<'a>) -> Self {
        Interactions { ctx }
    }

    /// Records an interaction with the contact; audited (its values are redacted when the
    /// person is erased). Every bad field is reported at once.
    pub fn add(&self, contact_id: &str, input: &InteractionInput) -> Result<Interaction> {
        let conn = self.ctx.conn;
        let tx = conn.unchecked_transaction()?;
        self.ctx.require_contact(contact_id)?;
        let mut errors = InvalidInput::default();
        let date = self.valid_date(&mut errors, &input.date);
        let outcome = match input.outcome.as_deref().map(str::trim).filter(|o| !o.is_empty()) {
            None => None,
            Some(outcome) => {
                let known: Option<String> = conn
                    .prepare_cached("SELECT name FROM interaction_outcome WHERE name = ?1")?
                    .query_row([outcome], |row| row.get(0))
                    .optional()?;
                if known.is_none() {
                    errors.push(
                        "outcome",
                        FieldErrorCode::UnknownOutcome,
                        format!("'{outcome}' is not an outcome in settings"),
                    );
                }
                known
            }
        };
        let purpose = match input.purpose.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
            None => None,
            Some(purpose) => self.held_purpose(&mut errors, contact_id, purpose)?,
        };
        errors.into_result()?;
        let Some(date) = date else { return Err(Error::Invalid(InvalidInput::default())) };

        let id = new_id();
        conn.prepare_cached(
            "INSERT INTO interaction (id, contact_id, kind, on_date, channel, outcome, purpose_id, recorded_by, recorded_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )?
        .execute(params![
            id,
            contact_id,
            input.kind,
            date,
            input.channel,
            outcome,
            purpose.as_ref().map(|p| &p.0),
            self.ctx.actor,
            self.ctx.now()
        ])?;
        let summary = format!(
            "{} {} {} {} {}",
            input.kind,
            date,
            input.channel,
            outcome.as_deref().unwrap_or("-"),
            purpose.as_ref().map_or("-", |p| p.1.as_str())
        );
        audit::record(
            &self.ctx,
            Change {
                action: AuditAction::Create,
                subject_id: Some(contact_id),
                field: Some("interaction"),
                old_value: None,
                new_value: Some(&summary),
            },
        )?;
        tx.commit()?;
        self.list(contact_id)?.into_iter().find(|i| i.id == id).ok_or(Error::NotFound { what: "interaction" })
    }

    /// `YYYY-MM-DD`, from 1900 to today where the user is.
    fn valid_date(&self, errors: &mut InvalidInput, text: &str) -> Option<String> {
        match crate::validate::iso_date(text) {
            Some(date) => {
                if date > self.ctx.today() {
                    errors.push("date", FieldErrorCode::DateInFuture, "the date is after today");
                    return None;
                }
                Some(date.format("%Y-%m-%d").to_string())
            }
            _ => {
                errors.push("date", FieldErrorCode::InvalidDate, "use a date such as 2026-05-02 (YYYY-MM-DD)");
                None
            }
        }
    }

    /// The purpose (id, name) by name or id, when the contact is held for it.
    fn held_purpose(
        &self,
        errors: &mut InvalidInput,
        contact_id: &str,
        purpose: &str,
    ) -> Result<Option<(String, String)>> {
        let found: Option<(String, String, bool)> = self
            .ctx
            .conn
            .prepare_cached(
                "SELECT p.id, p.name, EXISTS (SELECT 1 FROM contact_purpose cp WHERE cp.purpose_id = p.id AND cp.contact_id = ?2)
                 FROM purpose p WHERE p.id = ?1 OR p.name = ?1",
            )?
            .query_row(params![purpose, contact_id], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
            .optional()?;
        Ok(match found {
            Some((id, name, true)) => Some((id, name)),
            Some((_, name, false)) => {
                errors.push(
                    "purpose",
                    FieldErrorCode::PurposeNotHeld,
                    format!("the contact is not held for '{name}': add the purpose to the contact first"),
                );
                None
            }
            None => {
                errors.push(
                    "purpose",
                    FieldErrorCode::UnknownPurpose,
                    format!("there is no purpose called '{purpose}'"),
                );
                None
            }
        })
    }

    /// The contact's interactions, newest first.
    pub fn list(&self, contact_id: &str) -> Result<Vec<Interaction>> {
        let conn = self.ctx.conn;
        self.ctx.require_contact(contact_id)?;
        let interactions = conn
            .prepare_cached(
                "SELECT i.id, i.kind, i.on_date, i.channel, i.outcome, i.purpose_id, p.name, i.recorded_by, i.recorded_at
                 FROM interaction i LEFT JOIN purpose p ON p.id = i.purpose_id
                 WHERE i.contact_id = ?1 ORDER BY i.on_date DESC, i.seq DESC",
            )?
            .query_map([contact_id], |row| {
                Ok(Interaction {
                    id: row.get(0)?,
                    kind: row.get(1)?,
                    date: row.get(2)?,
                    channel: row.get(3)?,
                    outcome: row.get(4)?,
                    purpose_id: row.get(5)?,
                    purpose_name: row.get(6)?,
                    recorded_by: row.get(7)?,
                    recorded_at: row.get(8)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(interactions)
    }

    /// The outcomes an interaction may have, in their order in settings.
    pub fn outcomes(&self) -> Result<Vec<String>> {
        let outcomes = self
            .ctx
            .conn
            .prepare_cached("SELECT name FROM interaction_outcome ORDER BY position, name")?
            .query_map([], |row| row.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(outcomes)
    }

    /// Replaces the list of outcomes (settings): 1 to 20 distinct names of 1 to 40 characters,
    /// in the order given. Interactions recorded with an outcome no longer listed keep it.
    pub fn set_outcomes(&self, outcomes: &[String]) -> Result<Vec<String>> {
        let names = check_outcomes(outcomes)?;
        let before = self.outcomes()?;
        if before == names {
            return Ok(before);
        }
        let tx = self.ctx.conn.unchecked_transaction()?;
        tx.execute("DELETE FROM interaction_outcome", [])?;
        {
            let mut insert = tx.prepare_cached("INSERT INTO interaction_outcome (name, position) VALUES (?1, ?2)")?;
            for (position, name) in (1_i64..).zip(&names) {
                insert.execute(params![name, position])?;
            }
        }
        audit::record(
            &self.ctx,
            Change {
                action: AuditAction::Update,
                subject_id: None,
                field: Some("settings/interaction_outcomes"),
                old_value: Some(&before.join(", ")),
                new_value: Some(&names.join(", ")),
            },
        )?;
        tx.commit()?;
        self.outcomes()
    }
}

/// A list of outcomes as [`Interactions::set_outcomes`] would store it, or every reason it
/// would not: 1 to 20 distinct names of 1 to 40 characters.
pub fn check_outcomes(outcomes: &[String]) -> Result<Vec<String>> {
    let mut errors = InvalidInput::default();
    let mut names: Vec<String> = Vec::new();
    for (i, outcome) in outcomes.iter().enumerate() {
        let field = format!("outcomes.{i}");
        if let Some(name) = crate::validate::required_text(&mut errors, &field, outcome, MAX_OUTCOME_CHARS) {
            if names.iter().any(|n| n.to_lowercase() == name.to_lowercase()) {
                errors.push(&field, FieldErrorCode::Duplicate, "this outcome is already in the list");
            } else {
                names.push(name);
            }
        }
    }
    if outcomes.is_empty() || outcomes.len() > MAX_OUTCOMES {
        errors.push("outcomes", FieldErrorCode::OutOfRange, format!("keep 1 to {MAX_OUTCOMES} outcomes"));
    }
    errors.into_result()?;
    Ok(names)
}

/// The longest outcome name, and how many outcomes the list may hold.
const MAX_OUTCOME_CHARS: usize = 40;
const MAX_OUTCOMES: usize = 20;
