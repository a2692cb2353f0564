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
use crate::contacts::{Contact, Contacts};
use crate::context::Ctx;
use crate::document::{Block, Letter};
use crate::error::{Error, FieldErrorCode, InvalidInput, Result};
use crate::export::ReportLanguage;
use crate::notices::{controller_rows, letter_language};
use crate::settings::Settings;
use crate::store::keys::KeyStoreKind;
use crate::vocab::{BreachKind, BreachStatus, Channel};

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

/// When the authority was notified and why it was late (Art. 33(1)), and when each affected
/// person was told (Art. 34): added after the register shipped.
pub(crate) const NOTIFICATION_SCHEMA: &str = r#"
ALTER TABLE breach ADD COLUMN notified_at TEXT;
ALTER TABLE breach ADD COLUMN delay_reason TEXT;
-- The decision that the persons need not be told (Art. 34(3)), with its reason.
ALTER TABLE breach ADD COLUMN persons_reason TEXT;
ALTER TABLE breach ADD COLUMN persons_decided_at TEXT;
ALTER TABLE breach ADD COLUMN persons_decided_by TEXT;
ALTER TABLE breach_contact ADD COLUMN told_on TEXT;
ALTER TABLE breach_contact ADD COLUMN told_channel TEXT
    CHECK (told_channel IS NULL OR told_channel IN ('email', 'phone', 'sms', 'post', 'meeting'));
CREATE TRIGGER breach_contact_told_once BEFORE UPDATE ON breach_contact
WHEN OLD.told_on IS NOT NULL BEGIN
    SELECT RAISE(ABORT, 'a person is recorded as told of a breach once');
END;
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
    /// When the supervisory authority was notified (closed as notified), RFC 3339, UTC.
    pub notified_at: Option<String>,
    /// Why the authority was notified after the 72 hours (Art. 33(1)).
    pub delay_reason: Option<String>,
    /// How many affected persons are recorded as told (Art. 34).
    pub told: u32,
    /// Affected persons still in the register and not yet told.
    pub to_tell: u32,
    /// Why telling the persons is not required (Art. 34(3)), once decided.
    pub persons_reason: Option<String>,
    pub persons_decided_at: Option<String>,
}

/// How a breach is closed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct BreachClosing {
    /// `notified` or `not_required`.
    pub status: BreachStatus,
    /// Why notification is not required (required then), or a note on the notification.
    pub reason: Option<String>,
    /// When the authority was notified, RFC 3339 with offset; now when not given. Only with
    /// `notified`; not in the future nor before discovery.
    pub notified_at: Option<String>,
    /// Required when notified after the deadline (Art. 33(1)).
    pub delay_reason: Option<String>,
}

/// A person a breach affects, and whether they were told (Art. 34).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct AffectedContact {
    pub contact_id: String,
    /// `None` once the person is erased (the id then names only a tombstone).
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub email: Option<String>,
    /// `YYYY-MM-DD`.
    pub told_on: Option<String>,
    pub told_channel: Option<Channel>,
}

/// The affected persons of a breach: how many, how many told, and the first ones by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct AffectedContacts {
    pub total: u32,
    pub told: u32,
    /// Not yet told first, then by name (at most the limit asked for).
    pub contacts: Vec<AffectedContact>,
}

/// Lagom's assessment of a lost or stolen device (Art. 34(3)(a)), for the DPO to decide on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct BreachAssessment {
    /// Telling the persons is unlikely to be required when the key was not exposed.
    pub summary: String,
    /// The facts and the reasoning, one point each.
    pub reasoning: Vec<String>,
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
    /// When and how the person was told of it (Art. 34), if they were.
    pub told_on: Option<String>,
    pub told_channel: Option<Channel>,
}

impl BreachSummary {
    fn of(b: Breach, told: &AffectedContact) -> Self {
        BreachSummary {
            id: b.id,
            kind: b.kind,
            discovered_at: b.discovered_at,
            deadline: b.deadline,
            status: b.status,
            closed_at: b.closed_at,
            told_on: told.told_on.clone(),
            told_channel: told.told_channel,
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
        refuse_named_persons(
            conn,
            &mut errors,
            &contact_ids,
            &[("consequences", consequences.as_deref()), ("measures", measures.as_deref())],
        )?;
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

    /// Closes an open breach as notified to the supervisory authority (when, and why late if
    /// after the deadline), or as not requiring notification (Art. 33(1): unlikely to result in
    /// a risk), with the reason; audited.
    pub fn close(&self, id: &str, closing: &BreachClosing) -> Result<Breach> {
        let id = id.trim();
        let breach = self.get(id)?;
        if breach.status != BreachStatus::Open {
            return Err(Error::invalid("id", FieldErrorCode::BreachClosed, "this breach is already closed"));
        }
        let mut errors = InvalidInput::default();
        let reason = incident_text(&mut errors, "reason", closing.reason.as_deref());
        let delay_reason = incident_text(&mut errors, "delay_reason", closing.delay_reason.as_deref());
        let now = self.ctx.clock.now();
        let notified_at = match closing.status {
            BreachStatus::Notified => match closing.notified_at.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
                None => Some(now),
                Some(text) => match DateTime::parse_from_rfc3339(text).map(|at| at.with_timezone(&Utc)) {
                    Ok(at) if at > now => {
                        errors.push("notified_at", FieldErrorCode::DateInFuture, "is in the future");
                        None
                    }
                    Ok(at) if clock::timestamp(at) < breach.discovered_at => {
                        errors.push("notified_at", FieldErrorCode::OutOfRange, "is before the breach was discovered");
                        None
                    }
                    Ok(at) => Some(at),
                    Err(_) => {
                        errors.push(
                            "notified_at",
                            FieldErrorCode::InvalidDate,
                            "is not a date and time with its offset",
                        );
                        None
                    }
                },
            },
            _ => None,
        };
        match closing.status {
            BreachStatus::Open => {
                errors.push("status", FieldErrorCode::OutOfRange, "must be notified or not_required");
            }
            BreachStatus::NotRequired if reason.is_none() => errors.push(
                "reason",
                FieldErrorCode::Required,
                "is required: say why the breach is unlikely to result in a risk to the persons",
            ),
            BreachStatus::NotRequired if closing.notified_at.is_some() || delay_reason.is_some() => errors.push(
                "notified_at",
                FieldErrorCode::OutOfRange,
                "only a breach closed as notified has a notification time",
            ),
            BreachStatus::Notified => {
                let late = notified_at.is_some_and(|at| clock::timestamp(at) > breach.deadline);
                if late && delay_reason.is_none() {
                    errors.push(
                        "delay_reason",
                        FieldErrorCode::Required,
                        "is required: the notification came after 72 hours, so it must give the reasons for the delay",
                    );
                } else if !late && notified_at.is_some() && delay_reason.is_some() {
                    errors.push(
                        "delay_reason",
                        FieldErrorCode::OutOfRange,
                        "only a notification after 72 hours is late",
                    );
                }
            }
            _ => {}
        }
        if !breach.everyone {
            let affected = self.affected_ids(id)?;
            refuse_named_persons(
                self.ctx.conn,
                &mut errors,
                &affected,
                &[("reason", reason.as_deref()), ("delay_reason", delay_reason.as_deref())],
            )?;
        }
        errors.into_result()?;
        let tx = self.ctx.begin()?;
        let closed = tx
            .prepare_cached(
                "UPDATE breach SET status = ?2, closed_at = ?3, closed_by = ?4, reason = ?5, notified_at = ?6,
                                   delay_reason = ?7
                 WHERE id = ?1 AND status = 'open'",
            )?
            .execute(params![
                id,
                closing.status,
                self.ctx.now(),
                self.ctx.actor,
                reason,
                notified_at.map(clock::timestamp),
                delay_reason
            ])?;
        if closed != 1 {
            return Err(Error::invalid("id", FieldErrorCode::BreachClosed, "this breach is already closed"));
        }
        let new_value = match notified_at {
            Some(at) => format!("{}; notified_at={}", closing.status, clock::timestamp(at)),
            None => closing.status.to_string(),
        };
        audit::record(
            &self.ctx,
            Change {
                action: AuditAction::Update,
                subject_id: Some(id),
                field: Some("breach/status"),
                old_value: Some(BreachStatus::Open.as_str()),
                new_value: Some(&new_value),
            },
        )?;
        tx.commit()?;
        self.get(id)
    }

    /// The persons a breach affects: how many, how many told, and the first `limit` (every one
    /// when `None`), not yet told first.
    pub fn affected(&self, id: &str, limit: Option<u32>) -> Result<AffectedContacts> {
        let id = id.trim();
        self.get(id)?;
        let conn = self.ctx.conn;
        let (total, told): (u32, u32) = conn
            .prepare_cached("SELECT count(*), count(told_on) FROM breach_contact WHERE breach_id = ?1")?
            .query_row([id], |row| Ok((row.get(0)?, row.get(1)?)))?;
        let contacts = conn
            .prepare_cached(
                "SELECT bc.contact_id, c.given_name, c.family_name, c.email, bc.told_on, bc.told_channel
                 FROM breach_contact bc LEFT JOIN contact c ON c.id = bc.contact_id
                 WHERE bc.breach_id = ?1
                 ORDER BY bc.told_on IS NOT NULL, c.family_name IS NULL, c.family_name, c.given_name, bc.contact_id
                 LIMIT ?2",
            )?
            .query_map(params![id, limit.map_or(-1, i64::from)], |row| {
                Ok(AffectedContact {
                    contact_id: row.get(0)?,
                    given_name: row.get(1)?,
                    family_name: row.get(2)?,
                    email: row.get(3)?,
                    told_on: row.get(4)?,
                    told_channel: row.get(5)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(AffectedContacts { total, told, contacts })
    }

    /// The notification to one affected person (Art. 34(2)): what happened, the likely
    /// consequences, the measures taken, and whom to contact; in `language` (theirs by default).
    pub fn notification(
        &self,
        id: &str,
        contact_id: &str,
        language: Option<ReportLanguage>,
        fallback: Option<ReportLanguage>,
    ) -> Result<Letter> {
        let breach = self.get(id)?;
        self.require_affected(&breach.id, contact_id)?;
        let contact = Contacts::new(self.ctx).get(contact_id)?;
        let settings = Settings::load(self.ctx.conn)?;
        crate::notices::require_controller(&settings)?;
        let language = language.unwrap_or_else(|| letter_language(&contact, &settings, fallback));
        let discovered = self.local_date(&breach.discovered_at).map_or_else(String::new, |d| d.to_string());
        let (title, blocks) = notification_blocks(&breach, &discovered, &contact, &settings, language);
        Ok(Letter::new(contact.email.as_deref(), title, language, &blocks))
    }

    /// Records that an affected person was told of the breach, on `on` (today when `None`), by
    /// `channel`; once per person; audited.
    pub fn record_told(
        &self,
        id: &str,
        contact_id: &str,
        channel: Channel,
        on: Option<&str>,
    ) -> Result<AffectedContact> {
        let breach = self.get(id)?;
        self.require_affected(&breach.id, contact_id)?;
        let today = self.ctx.today();
        let on = match on.map(str::trim).filter(|d| !d.is_empty()) {
            None => today,
            Some(text) => {
                let discovered = self.local_date(&breach.discovered_at).unwrap_or(today);
                match chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
                    Ok(day) if day > today => {
                        return Err(Error::invalid("on", FieldErrorCode::DateInFuture, "is in the future"));
                    }
                    Ok(day) if day < discovered => {
                        return Err(Error::invalid(
                            "on",
                            FieldErrorCode::OutOfRange,
                            "is before the breach was discovered",
                        ));
                    }
                    Ok(day) => day,
                    Err(_) => {
                        return Err(Error::invalid("on", FieldErrorCode::InvalidDate, "is not a date (YYYY-MM-DD)"));
                    }
                }
            }
        };
        let tx = self.ctx.begin()?;
        let changed = tx
            .prepare_cached(
                "UPDATE breach_contact SET told_on = ?3, told_channel = ?4
                 WHERE breach_id = ?1 AND contact_id = ?2 AND told_on IS NULL",
            )?
            .execute(params![breach.id, contact_id, on.to_string(), channel])?;
        if changed != 1 {
            return Err(Error::invalid(
                "contact",
                FieldErrorCode::Duplicate,
                "this person is already recorded as told",
            ));
        }
        let record = format!("breach={}; told_on={on}; channel={channel}", breach.id);
        audit::record(
            &self.ctx,
            Change {
                action: AuditAction::Create,
                subject_id: Some(contact_id),
                field: Some("breach_notification"),
                old_value: None,
                new_value: Some(&record),
            },
        )?;
        tx.commit()?;
        let found = self.affected_one(&breach.id, contact_id)?;
        Ok(found)
    }

    /// Lagom's assessment of a lost or stolen device: what it knows of its own register's
    /// protection (Art. 34(3)(a)); `None` for other kinds of breach.
    pub(crate) fn assessment(
        &self,
        id: &str,
        key_store: KeyStoreKind,
        language: ReportLanguage,
    ) -> Result<Option<BreachAssessment>> {
        let breach = self.get(id)?;
        if breach.kind != BreachKind::LostDevice {
            return Ok(None);
        }
        let exports: u32 = self
            .ctx
            .conn
            .prepare_cached("SELECT count(*) FROM audit_entry WHERE action = 'export' AND at <= ?1")?
            .query_row([&breach.discovered_at], |row| row.get(0))?;
        Ok(Some(assessment_text(key_store, exports, language)))
    }

    /// The day of a stored moment in the user's calendar.
    fn local_date(&self, moment: &str) -> Option<chrono::NaiveDate> {
        DateTime::parse_from_rfc3339(moment).ok().map(|at| self.ctx.clock.date_of(at.with_timezone(&Utc)))
    }

    fn require_affected(&self, breach_id: &str, contact_id: &str) -> Result<()> {
        let affected = self
            .ctx
            .conn
            .prepare_cached("SELECT 1 FROM breach_contact WHERE breach_id = ?1 AND contact_id = ?2")?
            .exists([breach_id, contact_id])?;
        if !affected {
            return Err(Error::invalid("contact", FieldErrorCode::UnknownContact, "is not affected by this breach"));
        }
        self.ctx.require_contact(contact_id)
    }

    fn affected_one(&self, breach_id: &str, contact_id: &str) -> Result<AffectedContact> {
        let found = self
            .ctx
            .conn
            .prepare_cached(
                "SELECT c.given_name, c.family_name, c.email, bc.told_on, bc.told_channel
                 FROM breach_contact bc LEFT JOIN contact c ON c.id = bc.contact_id
                 WHERE bc.breach_id = ?1 AND bc.contact_id = ?2",
            )?
            .query_row([breach_id, contact_id], |row| {
                Ok(AffectedContact {
                    contact_id: contact_id.to_owned(),
                    given_name: row.get(0)?,
                    family_name: row.get(1)?,
                    email: row.get(2)?,
                    told_on: row.get(3)?,
                    told_channel: row.get(4)?,
                })
            })?;
        Ok(found)
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

    /// What the home view's top shows: the open breaches, nearest deadline first, then those
    /// notified to the authority whose affected persons are still to be told (Art. 34), unless
    /// telling them was decided not to be required.
    pub fn needing_attention(&self) -> Result<Vec<Breach>> {
        Ok(self
            .list()?
            .into_iter()
            .filter(|b| {
                b.status == BreachStatus::Open
                    || (b.status == BreachStatus::Notified && b.to_tell > 0 && b.persons_reason.is_none())
            })
            .collect())
    }

    /// Records that the affected persons need not be told (Art. 34(3): the data was
    /// unintelligible, the risk was removed, or telling each would take disproportionate effort
    /// and a public communication was made instead), with the reason; once; audited.
    pub fn persons_not_required(&self, id: &str, reason: &str) -> Result<Breach> {
        let breach = self.get(id)?;
        let mut errors = InvalidInput::default();
        let reason = incident_text(&mut errors, "reason", Some(reason));
        if reason.is_none() && errors.fields.is_empty() {
            errors.push("reason", FieldErrorCode::Required, "is required: say why the persons need not be told");
        }
        if !breach.everyone {
            let affected = self.affected_ids(&breach.id)?;
            refuse_named_persons(self.ctx.conn, &mut errors, &affected, &[("reason", reason.as_deref())])?;
        }
        errors.into_result()?;
        let tx = self.ctx.begin()?;
        let decided = tx
            .prepare_cached(
                "UPDATE breach SET persons_reason = ?2, persons_decided_at = ?3, persons_decided_by = ?4
                 WHERE id = ?1 AND persons_reason IS NULL",
            )?
            .execute(params![breach.id, reason, self.ctx.now(), self.ctx.actor])?;
        if decided != 1 {
            return Err(Error::invalid("id", FieldErrorCode::Duplicate, "this was already decided"));
        }
        audit::record(
            &self.ctx,
            Change {
                action: AuditAction::Update,
                subject_id: Some(&breach.id),
                field: Some("breach/persons"),
                old_value: None,
                new_value: Some("not_required"),
            },
        )?;
        tx.commit()?;
        self.get(&breach.id)
    }

    fn affected_ids(&self, breach_id: &str) -> Result<Vec<String>> {
        Ok(self
            .ctx
            .conn
            .prepare_cached("SELECT contact_id FROM breach_contact WHERE breach_id = ?1")?
            .query_map([breach_id], |row| row.get(0))?
            .collect::<rusqlite::Result<_>>()?)
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
        ids.iter().map(|id| Ok(BreachSummary::of(self.get(id)?, &self.affected_one(id, contact_id)?))).collect()
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
            notified_at: row.get(14)?,
            delay_reason: row.get(15)?,
            told: row.get(16)?,
            to_tell: row.get(17)?,
            persons_reason: row.get(18)?,
            persons_decided_at: row.get(19)?,
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
                       seq, status, closed_at, closed_by, reason, notified_at, delay_reason,
                       (SELECT count(told_on) FROM breach_contact WHERE breach_id = breach.id),
                       (SELECT count(*) FROM breach_contact bc JOIN contact c ON c.id = bc.contact_id
                        WHERE bc.breach_id = breach.id AND bc.told_on IS NULL),
                       persons_reason, persons_decided_at";

/// Refuses a text that names one of `contact_ids` by family name or email: the register is
/// kept after their erasure, and the text would outlive them.
fn refuse_named_persons(
    conn: &rusqlite::Connection,
    errors: &mut InvalidInput,
    contact_ids: &[String],
    texts: &[(&str, Option<&str>)],
) -> Result<()> {
    // Whole words only, in any letter case: "Lin" is refused in "we called Lin", not in "deadline".
    let texts: Vec<(&str, String)> =
        texts.iter().filter_map(|(field, text)| text.map(|t| (*field, crate::validate::whole_words(t)))).collect();
    if texts.is_empty() {
        return Ok(());
    }
    let mut names = conn.prepare_cached("SELECT family_name, email FROM contact WHERE id = ?1")?;
    for id in contact_ids {
        let Some((family, email)) =
            names.query_row([id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?))).optional()?
        else {
            continue; // erased since: nothing of them left to name
        };
        for (field, text) in &texts {
            let named = [Some(family.as_str()), email.as_deref()]
                .into_iter()
                .flatten()
                .filter(|value| value.chars().count() > 2)
                .any(|value| text.contains(&crate::validate::whole_words(value)));
            if named && !errors.fields.iter().any(|e| e.field == *field) {
                errors.push(
                    field,
                    FieldErrorCode::PersonNamed,
                    "names an affected person: describe the incident, not the persons",
                );
            }
        }
    }
    Ok(())
}

/// Optional text about the incident: at most [`MAX_BREACH_TEXT_CHARS`], lines allowed, and
/// never a personal identity number (the register names persons by internal id only).
fn incident_text(errors: &mut InvalidInput, field: &str, text: Option<&str>) -> Option<String> {
    // Identity numbers are refused there, as in every text Lagom stores.
    crate::validate::optional_multiline(errors, field, text, MAX_BREACH_TEXT_CHARS)
}

fn assessment_text(key_store: KeyStoreKind, exports: u32, language: ReportLanguage) -> BreachAssessment {
    let sv = language == ReportLanguage::Sv;
    let pick = |en: &str, sv_text: &str| if sv { sv_text.to_owned() } else { en.to_owned() };
    let mut reasoning = vec![pick(
        "The register is encrypted with SQLCipher 4 (AES-256 with a random 256-bit key, every page authenticated): without the key its file is unintelligible.",
        "Registret är krypterat med SQLCipher 4 (AES-256 med en slumpmässig 256-bitars nyckel, varje sida autentiserad): utan nyckeln går filen inte att läsa.",
    )];
    reasoning.push(match key_store {
        KeyStoreKind::Keychain => pick(
            "Its key is in the operating system's keychain, which the login password locks: if the device was off or locked and its login password was not with it, the key was not exposed.",
            "Nyckeln finns i operativsystemets nyckelring, som låses med inloggningslösenordet: om enheten var avstängd eller låst och lösenordet inte fanns med den, har nyckeln inte röjts.",
        ),
        KeyStoreKind::Passphrase => pick(
            "Its key is wrapped by the passphrase asked for when Lagom opens (Argon2id): unless the passphrase was written down with the device, the key was not exposed.",
            "Nyckeln är skyddad av lösenfrasen som Lagom frågar efter vid start (Argon2id): om lösenfrasen inte fanns nedskriven med enheten har nyckeln inte röjts.",
        ),
        KeyStoreKind::Memory => pick(
            "Its key was held only in memory for this session.",
            "Nyckeln fanns bara i minnet under sessionen.",
        ),
    });
    reasoning.push(pick(
        "Where the data is unintelligible to anyone not authorised to access it, telling the persons is not required (Art. 34(3)(a)).",
        "När uppgifterna är oläsliga för den som inte har behörighet behöver de registrerade inte underrättas (art. 34.3 a).",
    ));
    reasoning.push(pick(
        "Notifying the supervisory authority (IMY) is still required unless the breach is unlikely to result in a risk to the persons (Art. 33(1)); if you judge it unlikely, close the breach as not requiring notification and record why.",
        "Anmälan till tillsynsmyndigheten (IMY) krävs ändå, om det inte är osannolikt att incidenten medför en risk för de registrerade (art. 33.1); bedömer ni det osannolikt, stäng incidenten som inte anmälningspliktig och skriv varför.",
    ));
    if exports > 0 {
        reasoning.push(if sv {
            format!("{exports} export(er) har gjorts ur registret före upptäckten: en exportfil på enheten är inte krypterad och omfattas inte av den här bedömningen.")
        } else {
            format!("{exports} export(s) were made from the register before discovery: an export file on the device is not encrypted and is not covered by this assessment.")
        });
    }
    reasoning.push(pick(
        "This covers Lagom's register only, not other copies on the device (mail, documents). The data protection officer decides.",
        "Bedömningen gäller bara Lagoms register, inte andra kopior på enheten (e-post, dokument). Dataskyddsombudet beslutar.",
    ));
    BreachAssessment {
        summary: pick(
            "Telling the persons is unlikely to be required if the key was not exposed (Art. 34(3)(a)).",
            "De registrerade behöver sannolikt inte underrättas om nyckeln inte röjts (art. 34.3 a).",
        ),
        reasoning,
    }
}

fn notification_blocks(
    breach: &Breach,
    discovered: &str,
    contact: &Contact,
    settings: &Settings,
    language: ReportLanguage,
) -> (String, Vec<Block>) {
    let sv = language == ReportLanguage::Sv;
    let pick = |en: &str, sv_text: &str| if sv { sv_text.to_owned() } else { en.to_owned() };
    // Standard wording per kind: the register's own consequences and measures may mention
    // other persons, so they never go into a letter to one of them.
    let (what, consequences) = match breach.kind {
        BreachKind::LostDevice => (
            pick(
                "a device holding our customer register was lost or stolen",
                "en enhet med vårt kundregister har förlorats eller stulits",
            ),
            pick(
                "Someone who has the device could try to read the details we hold about you (listed in the information we gave you: name and contact details, and how we have been in touch).",
                "Den som har enheten kan försöka läsa de uppgifter vi har om dig (de som står i informationen du fått: namn och kontaktuppgifter, och hur vi haft kontakt).",
            ),
        ),
        BreachKind::WrongRecipient => (
            pick(
                "information about you was sent to the wrong recipient",
                "uppgifter om dig har skickats till fel mottagare",
            ),
            pick(
                "A person who should not have them may have seen some of your details, such as your name and contact details.",
                "En person som inte borde ha dem kan ha sett några av dina uppgifter, till exempel namn och kontaktuppgifter.",
            ),
        ),
        BreachKind::UnauthorisedAccess => (
            pick(
                "someone without permission gained access to our customer register",
                "någon utan behörighet har fått tillgång till vårt kundregister",
            ),
            pick(
                "Someone without permission may have seen or copied the details we hold about you.",
                "Någon utan behörighet kan ha sett eller kopierat de uppgifter vi har om dig.",
            ),
        ),
        BreachKind::Other => (
            pick(
                "an incident affected the security of our customer register",
                "en incident har påverkat säkerheten i vårt kundregister",
            ),
            pick(
                "The details we hold about you may have been exposed to someone who should not have them.",
                "De uppgifter vi har om dig kan ha blivit tillgängliga för någon som inte borde ha dem.",
            ),
        ),
    };
    let mut blocks = vec![
        Block::Paragraph(format!("{} {},", pick("Hello", "Hej"), contact.given_name)),
        Block::Paragraph(if sv {
            format!(
                "Vi vill berätta att {what}. Vi upptäckte det {discovered}. Det kan gälla uppgifter om dig i vårt kundregister, därför meddelar vi dig (artikel 34 i dataskyddsförordningen)."
            )
        } else {
            format!(
                "We want to tell you that {what}. We discovered it on {discovered}. It may concern details about you in our customer register, so we are letting you know (GDPR Article 34)."
            )
        }),
        Block::Heading(pick("The likely consequences", "Troliga följder")),
        Block::Paragraph(consequences),
        Block::Heading(pick("What we have done", "Vad vi har gjort")),
        Block::Paragraph(pick(
            "We have stopped what we could, documented the incident in our breach register, and reported it to the supervisory authority (IMY) where the law requires it. Ask us and we will tell you more.",
            "Vi har stoppat det vi kunnat, dokumenterat incidenten i vårt incidentregister och anmält den till tillsynsmyndigheten (IMY) där lagen kräver det. Fråga oss så berättar vi mer.",
        )),
        Block::Heading(pick("What you can do", "Vad du kan göra")),
        Block::Paragraph(pick(
            "Be wary of mail, messages or calls that refer to us and ask for details, passwords or payment; when in doubt, contact us on the details below.",
            "Var uppmärksam på e-post, meddelanden eller samtal som hänvisar till oss och ber om uppgifter, lösenord eller betalning; kontakta oss på uppgifterna nedan om du är osäker.",
        )),
        Block::Heading(pick("Whom to contact", "Vem du kontaktar")),
    ];
    blocks.push(Block::Table { head: vec![], rows: controller_rows(settings, language) });
    blocks.push(Block::Paragraph(format!("{} {}", pick("Our reference:", "Vår referens:"), breach.id)));
    (pick("About a personal data breach", "Om en personuppgiftsincident"), blocks)
}
