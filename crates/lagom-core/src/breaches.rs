//! The breach register (Art. 33, 34): every personal data breach — what happened, when it was
//! discovered, whom it affects, the likely consequences and the measures taken — with the
//! 72-hour deadline to notify the supervisory authority counted from discovery, until it is
//! closed as notified or as not requiring notification, with the reason (Art. 33(5)).
//!
//! It holds no personal data beyond internal contact ids: the affected contacts are listed by
//! id (`breach_contact`), kept after a person's erasure as part of the record (the id then
//! names only a tombstone). Free text is limited to the incident itself and refuses personal
//! identity numbers.

use chrono::{DateTime, Duration, Utc};
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::audit::{self, AuditAction, Change};
use crate::clock;
use crate::context::Ctx;
use crate::error::{Error, FieldErrorCode, InvalidInput, Result};
use crate::vocab::{BreachKind, BreachStatus};

pub(crate) const SCHEMA: &str = r#"
CREATE TABLE breach (
    seq           INTEGER PRIMARY KEY,
    id            TEXT NOT NULL UNIQUE,
    kind          TEXT NOT NULL
                  CHECK (kind IN ('lost_device', 'wrong_recipient', 'unauthorised_access', 'other')),
    discovered_at TEXT NOT NULL,
    everyone      INTEGER NOT NULL CHECK (everyone IN (0, 1)),
    affected      INTEGER NOT NULL CHECK (affected >= 0),
    consequences  TEXT,
    measures      TEXT,
    recorded_at   TEXT NOT NULL,
    recorded_by   TEXT NOT NULL,
    status        TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'notified', 'not_required')),
    closed_at     TEXT,
    closed_by     TEXT,
    reason        TEXT,
    CHECK ((status = 'open') = (closed_at IS NULL)),
    CHECK (status <> 'not_required' OR reason IS NOT NULL)
) STRICT;

-- The contacts a breach affects, by internal id (no foreign key: kept after an erasure).
CREATE TABLE breach_contact (
    breach_id  TEXT NOT NULL REFERENCES breach(id),
    contact_id TEXT NOT NULL,
    PRIMARY KEY (breach_id, contact_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX breach_contact_by_contact ON breach_contact (contact_id);
"#;

/// How long the controller has to notify the supervisory authority after discovery (Art. 33(1)).
pub const NOTIFY_WITHIN_HOURS: i64 = 72;
/// The longest consequences, measures or reason accepted.
pub const MAX_BREACH_TEXT_CHARS: usize = 2000;

/// Whom a breach affects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case", tag = "scope", content = "contact_ids")]
pub enum Affected {
    /// Everyone in the register when it is reported (a lost laptop).
    Everyone,
    /// These contacts (a mail to the wrong recipient).
    Contacts(Vec<String>),
}

/// A breach to report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct BreachInput {
    pub kind: BreachKind,
    /// When it was discovered, RFC 3339 (`2026-11-30T09:15:00+01:00`); not in the future.
    pub discovered: String,
    pub affected: Affected,
    /// The likely consequences for the persons (Art. 33(3)(c)).
    pub consequences: Option<String>,
    /// The measures taken or proposed (Art. 33(3)(d)).
    pub measures: Option<String>,
}

/// One breach, as the register, the home view and the accountability pack show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Breach {
    /// `BREACH-2026-001`.
    pub id: String,
    pub kind: BreachKind,
    /// RFC 3339, UTC.
    pub discovered_at: String,
    /// Discovery plus 72 hours, RFC 3339, UTC.
    pub deadline: String,
    /// Whole hours until the deadline (negative once it has passed); while open.
    pub hours_left: Option<i32>,
    pub everyone: bool,
    /// How many contacts it affected when it was reported.
    pub affected: u32,
    pub consequences: Option<String>,
    pub measures: Option<String>,
    pub recorded_at: String,
    pub recorded_by: String,
    pub status: BreachStatus,
    pub closed_at: Option<String>,
    pub closed_by: Option<String>,
    pub reason: Option<String>,
}

/// A breach as an affected person's export shows it: what happened and when, not the
/// register's free text (which may mention others) nor who recorded it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BreachSummary {
    pub id: String,
    pub kind: BreachKind,
    pub discovered_at: String,
    pub deadline: String,
    pub status: BreachStatus,
    pub closed_at: Option<String>,
}

impl From<Breach> for BreachSummary {
    fn from(b: Breach) -> Self {
        BreachSummary {
            id: b.id,
            kind: b.kind,
            discovered_at: b.discovered_at,
            deadline: b.deadline,
            status: b.status,
            closed_at: b.closed_at,
        }
    }
}

/// The breach register of one open store.
#[derive(Debug)]
pub struct Breaches<'a> {
    ctx: Ctx<'a>,
}

impl<'a> Breaches<'a> {
    pub(crate) fn new(ctx: Ctx<'a>) -> Self {
        Breaches { ctx }
    }

    /// Records a breach and returns it with its deadline; audited. Every bad field is reported
    /// at once.
    pub fn add(&self, input: &BreachInput) -> Result<Breach> {
        let mut errors = InvalidInput::default();
        let now = self.ctx.clock.now();
        let discovered = match DateTime::parse_from_rfc3339(input.discovered.trim()) {
            Ok(at) if at.with_timezone(&Utc) > now => {
                errors.push("discovered", FieldErrorCode::DateInFuture, "is in the future");
                None
            }
            Ok(at) => Some(at),
            Err(_) => {
                errors.push(
                    "discovered",
                    FieldErrorCode::InvalidDate,
                    "is not a date and time with its offset (like 2026-11-30T09:15:00+01:00)",
                );
                None
            }
        };
        let conn = self.ctx.conn;
        let consequences = incident_text(&mut errors, "consequences", input.consequences.as_deref());
        let measures = incident_text(&mut errors, "measures", input.measures.as_deref());
        let contact_ids: Vec<String> = match &input.affected {
            Affected::Everyone => Vec::new(),
            Affected::Contacts(given) => {
                let mut exists = conn.prepare_cached("SELECT 1 FROM contact WHERE id = ?1")?;
                let mut ids: Vec<String> = Vec::with_capacity(given.len());
                for (position, id) in given.iter().map(|id| id.trim()).enumerate() {
                    if !exists.exists([id])? {
                        errors.push(
                            "affected",
                            FieldErrorCode::UnknownContact,
                            format!("the contact in position {} is not in the register", position + 1),
                        );
                        break;
                    }
                    ids.push(id.to_owned());
                }
                ids.sort();
                ids.dedup();
                if given.is_empty() {
                    errors.push("affected", FieldErrorCode::Required, "names no contact");
                }
                ids
            }
        };
        // The persons named in the text would outlive their erasure in the register.
        let texts = [("consequences", &consequences), ("measures", &measures)]
            .map(|(field, text)| (field, text.as_deref().unwrap_or_default().to_lowercase()));
        let mut names = conn.prepare_cached("SELECT family_name, email FROM contact WHERE id = ?1")?;
        for id in &contact_ids {
            let (family, email): (String, Option<String>) = names.query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))?;
            for (field, text) in &texts {
                let field = *field;
                let named = [Some(family.as_str()), email.as_deref()]
                    .into_iter()
                    .flatten()
                    .any(|value| value.chars().count() > 2 && text.contains(&value.to_lowercase()));
                if named && !errors.fields.iter().any(|e| e.field == field) {
                    errors.push(
                        field,
                        FieldErrorCode::PersonNamed,
                        "names an affected person: describe the incident, not the persons",
                    );
                }
            }
        }
        let (Some(discovered), true) = (discovered, errors.fields.is_empty()) else {
            return Err(Error::Invalid(errors));
        };

        // The year as the reporter wrote it (a breach found at 00:30 on New Year's Day in
        // Stockholm belongs to the new year).
        let year = discovered.format("%Y").to_string();
        let discovered_at = clock::timestamp(discovered.with_timezone(&Utc));
        let tx = self.ctx.begin()?;
        let id = self.next_reference(&year)?;
        let everyone = matches!(input.affected, Affected::Everyone);
        let affected: u32 = if everyone {
            conn.query_row("SELECT count(*) FROM contact", [], |row| row.get(0))?
        } else {
            u32::try_from(contact_ids.len()).unwrap_or(u32::MAX)
        };
        tx.prepare_cached(
            "INSERT INTO breach (id, kind, discovered_at, everyone, affected, consequences, measures,
                                 recorded_at, recorded_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )?
        .execute(params![
            id,
            input.kind,
            discovered_at,
            everyone,
            affected,
            consequences,
            measures,
            self.ctx.now(),
            self.ctx.actor
        ])?;
        if everyone {
            conn.prepare_cached("INSERT INTO breach_contact (breach_id, contact_id) SELECT ?1, id FROM contact")?
                .execute([&id])?;
        } else {
            let mut link = conn.prepare_cached("INSERT INTO breach_contact (breach_id, contact_id) VALUES (?1, ?2)")?;
            for contact_id in &contact_ids {
                link.execute([&id, contact_id])?;
            }
        }
        // The facts the deadline and the notification rest on are in the chain: moving the
        // discovery later to hide a missed deadline shows.
        let facts = format!("kind={}; discovered={discovered_at}; affected={affected}", input.kind);
        audit::record(
            &self.ctx,
            Change {
                action: AuditAction::Create,
                subject_id: Some(&id),
                field: Some("breach"),
                old_value: None,
                new_value: Some(&facts),
            },
        )?;
        tx.commit()?;
        self.get(&id)
    }

    /// Closes an open breach as notified to the supervisory authority, or as not requiring
    /// notification (Art. 33(1): unlikely to result in a risk), with the reason; audited.
    pub fn close(&self, id: &str, status: BreachStatus, reason: Option<&str>) -> Result<Breach> {
        let mut errors = InvalidInput::default();
        let reason = incident_text(&mut errors, "reason", reason);
        match status {
            BreachStatus::Open => {
                errors.push("status", FieldErrorCode::OutOfRange, "must be notified or not_required");
            }
            BreachStatus::NotRequired if reason.is_none() => errors.push(
                "reason",
                FieldErrorCode::Required,
                "is required: say why the breach is unlikely to result in a risk to the persons",
            ),
            _ => {}
        }
        errors.into_result()?;
        let id = id.trim();
        let tx = self.ctx.begin()?;
        let closed = tx
            .prepare_cached(
                "UPDATE breach SET status = ?2, closed_at = ?3, closed_by = ?4, reason = ?5
                 WHERE id = ?1 AND status = 'open'",
            )?
            .execute(params![id, status, self.ctx.now(), self.ctx.actor, reason])?;
        if closed != 1 {
            self.get(id)?;
            return Err(Error::invalid("id", FieldErrorCode::BreachClosed, "this breach is already closed"));
        }
        audit::record(
            &self.ctx,
            Change {
                action: AuditAction::Update,
                subject_id: Some(id),
                field: Some("breach/status"),
                old_value: Some(BreachStatus::Open.as_str()),
                new_value: Some(status.as_str()),
            },
        )?;
        tx.commit()?;
        self.get(id)
    }

    pub fn get(&self, id: &str) -> Result<Breach> {
        let found = self
            .ctx
            .conn
            .prepare_cached(&format!("SELECT {COLUMNS} FROM breach WHERE id = ?1"))?
            .query_row([id.trim()], |row| self.read_row(row))
            .optional()?;
        found.ok_or(Error::NotFound { what: "breach" })
    }

    /// Every breach: open ones first, the nearest deadline first, then closed ones, newest first.
    pub fn list(&self) -> Result<Vec<Breach>> {
        let breaches = self
            .ctx
            .conn
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM breach
                 ORDER BY status <> 'open', CASE WHEN status = 'open' THEN discovered_at END,
                          discovered_at DESC, seq DESC"
            ))?
            .query_map([], |row| self.read_row(row))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(breaches)
    }

    /// The open breaches, nearest deadline first (the home view's top).
    pub fn open(&self) -> Result<Vec<Breach>> {
        Ok(self.list()?.into_iter().filter(|b| b.status == BreachStatus::Open).collect())
    }

    /// The breaches that affected a contact, by id (the person's export).
    pub fn of_contact(&self, contact_id: &str) -> Result<Vec<BreachSummary>> {
        let ids: Vec<String> = self
            .ctx
            .conn
            .prepare_cached(
                "SELECT b.id FROM breach_contact bc JOIN breach b ON b.id = bc.breach_id
                 WHERE bc.contact_id = ?1 ORDER BY b.discovered_at, b.seq",
            )?
            .query_map([contact_id], |row| row.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        ids.iter().map(|id| self.get(id).map(BreachSummary::from)).collect()
    }

    fn read_row(&self, row: &rusqlite::Row<'_>) -> rusqlite::Result<Breach> {
        let discovered_at: String = row.get(2)?;
        let status: BreachStatus = row.get(10)?;
        let deadline = DateTime::parse_from_rfc3339(&discovered_at)
            .map(|at| at.with_timezone(&Utc) + Duration::hours(NOTIFY_WITHIN_HOURS))
            .map_err(|e| rusqlite::Error::FromSqlConversionFailure(2, rusqlite::types::Type::Text, Box::new(e)))?;
        let hours_left = (status == BreachStatus::Open).then(|| {
            // Whole hours, rounded down: the first overdue minutes are -1, never 0.
            let hours = (deadline - self.ctx.clock.now()).num_seconds().div_euclid(3600);
            i32::try_from(hours).unwrap_or(if hours < 0 { i32::MIN } else { i32::MAX })
        });
        Ok(Breach {
            id: row.get(0)?,
            kind: row.get(1)?,
            discovered_at,
            deadline: clock::timestamp(deadline),
            hours_left,
            everyone: row.get(3)?,
            affected: row.get(4)?,
            consequences: row.get(5)?,
            measures: row.get(6)?,
            recorded_at: row.get(7)?,
            recorded_by: row.get(8)?,
            status,
            closed_at: row.get(11)?,
            closed_by: row.get(12)?,
            reason: row.get(13)?,
        })
    }

    /// The next free `BREACH-YEAR-NNN` of the year of discovery.
    fn next_reference(&self, year: &str) -> Result<String> {
        let highest: i64 = self
            .ctx
            .conn
            .prepare_cached(
                "SELECT COALESCE(max(CAST(substr(id, 13) AS INTEGER)), 0) FROM breach WHERE id GLOB 'BREACH-' || ?1 || '-*'",
            )?
            .query_row([year], |row| row.get(0))?;
        Ok(format!("BREACH-{year}-{:03}", highest + 1))
    }
}

const COLUMNS: &str = "id, kind, discovered_at, everyone, affected, consequences, measures, recorded_at, recorded_by,
                       seq, status, closed_at, closed_by, reason";

/// Optional text about the incident: at most [`MAX_BREACH_TEXT_CHARS`], lines allowed, and
/// never a personal identity number (the register names persons by internal id only).
fn incident_text(errors: &mut InvalidInput, field: &str, text: Option<&str>) -> Option<String> {
    let value = crate::validate::optional_multiline(errors, field, text, MAX_BREACH_TEXT_CHARS)?;
    // Split at anything but digits, `-` and `+` (so "(850101-1234)." is found); a number
    // written with a space or a slash before its last four digits spans two pieces.
    let words: Vec<&str> =
        value.split(|c: char| !(c.is_ascii_digit() || c == '-' || c == '+')).filter(|w| !w.is_empty()).collect();
    let pairs = words.windows(2).map(|pair| pair.join(" "));
    if words.iter().any(|w| crate::import::is_personnummer(w))
        || pairs.into_iter().any(|p| crate::import::is_personnummer(&p))
    {
        errors.push(
            field,
            FieldErrorCode::IdentityNumber,
            "holds a personal identity number: describe the incident, not the persons",
        );
        return None;
    }
    Some(value)
}
