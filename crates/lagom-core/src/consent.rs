//! The consent ledger (R-2) and marketing opt-outs (R-7).
//!
//! Append-only events per contact × purpose × channel: consent given or withdrawn, and
//! opt-out or opt-in per marketing channel (or for all direct marketing). Nothing is ever
//! overwritten; the current state is derived from the latest event. Triggers refuse UPDATE
//! and DELETE except inside an erase. The wording shown to the person is stored once and
//! referenced by its SHA-256.
//!
//! [`ConsentLedger::reachable`] is the one query every marketing list uses: who may be
//! contacted about a purpose on a channel.

use rusqlite::OptionalExtension;
use rusqlite::params;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use ts_rs::TS;

use crate::audit::{self, AuditAction, Change};
use crate::clock::new_id;
use crate::contacts::{ContactSummary, SUMMARY_COLUMNS, summary_from_row};
use crate::context::Ctx;
use crate::error::{Error, FieldErrorCode, InvalidInput, Result};
use crate::validate;
use crate::vocab::{ConsentEventKind, ConsentSource, LawfulBasis, MarketingChannel};

pub(crate) const SCHEMA: &str = r#"
CREATE TABLE consent_wording (
    sha256 TEXT PRIMARY KEY,
    text   TEXT NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE consent_event (
    seq          INTEGER PRIMARY KEY,
    id           TEXT NOT NULL UNIQUE,
    contact_id   TEXT NOT NULL REFERENCES contact(id) ON DELETE CASCADE,
    purpose_id   TEXT REFERENCES purpose(id),
    channel      TEXT CHECK (channel IN ('email', 'phone', 'sms', 'post', 'events')),
    kind         TEXT NOT NULL CHECK (kind IN ('given', 'withdrawn', 'opt_out', 'opt_in')),
    at           TEXT NOT NULL,
    source       TEXT NOT NULL CHECK (source IN ('form', 'phone', 'meeting', 'email', 'import')),
    wording      TEXT REFERENCES consent_wording(sha256),
    recorded_by  TEXT NOT NULL,
    -- Consent names a purpose; an opt-out is about a channel (NULL: all direct marketing).
    CHECK ((kind IN ('given', 'withdrawn')) = (purpose_id IS NOT NULL))
) STRICT;
CREATE INDEX consent_event_by_contact ON consent_event (contact_id, seq);

CREATE TRIGGER consent_event_append_only BEFORE UPDATE ON consent_event BEGIN
    SELECT RAISE(ABORT, 'the consent ledger is append-only');
END;
CREATE TRIGGER consent_event_no_delete BEFORE DELETE ON consent_event
WHEN NOT EXISTS (SELECT 1 FROM erase_guard) BEGIN
    SELECT RAISE(ABORT, 'the consent ledger is append-only; only erasure removes events');
END;
"#;

/// One event of the ledger, as shown in the history and the export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ConsentEvent {
    pub id: String,
    pub kind: ConsentEventKind,
    pub purpose_id: Option<String>,
    pub purpose_name: Option<String>,
    /// `None` for a consent that covers every channel, or an opt-out of all direct marketing.
    pub channel: Option<MarketingChannel>,
    pub at: String,
    pub source: ConsentSource,
    /// The exact wording shown when consent was asked, and its SHA-256 (hex).
    pub wording: Option<String>,
    pub wording_sha256: Option<String>,
    pub recorded_by: String,
}

/// A consent to give or withdraw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ConsentInput {
    /// The purpose's name or id.
    pub purpose: String,
    pub channel: Option<MarketingChannel>,
    pub source: ConsentSource,
    pub wording: Option<String>,
}

/// Current consent for one purpose, derived from the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ConsentState {
    pub purpose_id: String,
    pub purpose_name: String,
    pub lawful_basis: LawfulBasis,
    pub channel: Option<MarketingChannel>,
    pub given: bool,
    pub at: String,
}

/// Current marketing opt-outs of one contact.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
pub struct OptOuts {
    /// "No direct marketing at all".
    pub all: bool,
    pub channels: Vec<MarketingChannel>,
}

/// What the contact view shows: current consent, opt-outs and the readable history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ConsentOverview {
    pub state: Vec<ConsentState>,
    pub opt_outs: OptOuts,
    pub history: Vec<ConsentEvent>,
}

/// The consent ledger of one open store.
#[derive(Debug)]
pub struct ConsentLedger<'a> {
    ctx: Ctx<'a>,
}

const MAX_WORDING_CHARS: usize = 4000;

/// One event with its purpose's name and its wording, as every event query reads it.
const EVENT_SELECT: &str =
    "SELECT e.id, e.kind, e.purpose_id, p.name, e.channel, e.at, e.source, w.text, e.wording, e.recorded_by
     FROM consent_event e
     LEFT JOIN purpose p ON p.id = e.purpose_id
     LEFT JOIN consent_wording w ON w.sha256 = e.wording";

fn event_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<ConsentEvent> {
    Ok(ConsentEvent {
        id: row.get(0)?,
        kind: row.get(1)?,
        purpose_id: row.get(2)?,
        purpose_name: row.get(3)?,
        channel: row.get(4)?,
        at: row.get(5)?,
        source: row.get(6)?,
        wording: row.get(7)?,
        wording_sha256: row.get(8)?,
        recorded_by: row.get(9)?,
    })
}

struct NewEvent<'a> {
    contact_id: &'a str,
    purpose_id: Option<&'a str>,
    channel: Option<MarketingChannel>,
    kind: ConsentEventKind,
    source: ConsentSource,
    wording: Option<&'a str>,
}

impl<'a> ConsentLedger<'a> {
    pub(crate) fn new(ctx: Ctx<'a>) -> Self {
        ConsentLedger { ctx }
    }

    /// Records that the person gave consent for a purpose (on one channel, or all); the
    /// contact is then held for that purpose.
    pub fn give(&self, contact_id: &str, input: &ConsentInput) -> Result<ConsentEvent> {
        self.consent(contact_id, input, ConsentEventKind::Given)
    }

    /// Whether the person's latest consent event for the purpose (on any channel or all) is a
    /// withdrawal: an import must not give it back.
    pub(crate) fn withdrew(&self, contact_id: &str, purpose_id: &str) -> Result<bool> {
        let latest: Option<ConsentEventKind> = self
            .ctx
            .conn
            .prepare_cached(
                "SELECT kind FROM consent_event WHERE contact_id = ?1 AND purpose_id = ?2
                   AND kind IN ('given', 'withdrawn') ORDER BY seq DESC LIMIT 1",
            )?
            .query_row([contact_id, purpose_id], |row| row.get(0))
            .optional()?;
        Ok(latest == Some(ConsentEventKind::Withdrawn))
    }

    /// Records that the person withdrew consent. Earlier events stay in the ledger.
    pub fn withdraw(&self, contact_id: &str, input: &ConsentInput) -> Result<ConsentEvent> {
        self.consent(contact_id, input, ConsentEventKind::Withdrawn)
    }

    fn consent(&self, contact_id: &str, input: &ConsentInput, kind: ConsentEventKind) -> Result<ConsentEvent> {
        let mut errors = InvalidInput::default();
        let purpose = crate::purposes::Purposes::new(self.ctx).get(input.purpose.trim()).ok();
        if purpose.is_none() {
            errors.push(
                "purpose",
                FieldErrorCode::UnknownPurpose,
                format!("there is no purpose called '{}'", input.purpose.trim()),
            );
        }
        let wording = validate::optional_multiline(&mut errors, "wording", input.wording.as_deref(), MAX_WORDING_CHARS);
        errors.into_result()?;
        let Some(purpose) = purpose else {
            return Err(Error::Invalid(InvalidInput::default()));
        };
        let tx = self.ctx.begin()?;
        self.ctx.require_contact(contact_id)?;
        let id = self.append(&NewEvent {
            contact_id,
            purpose_id: Some(&purpose.id),
            channel: input.channel,
            kind,
            source: input.source,
            wording: wording.as_deref(),
        })?;
        if kind == ConsentEventKind::Given {
            self.ctx
                .conn
                .prepare_cached("INSERT OR IGNORE INTO contact_purpose (contact_id, purpose_id) VALUES (?1, ?2)")?
                .execute([contact_id, &purpose.id])?;
        }
        tx.commit()?;
        self.event(&id)
    }

    /// Opts the person out of one marketing channel, or of all direct marketing (`None`).
    pub fn opt_out(
        &self,
        contact_id: &str,
        channel: Option<MarketingChannel>,
        source: ConsentSource,
    ) -> Result<OptOuts> {
        self.toggle(contact_id, channel, source, ConsentEventKind::OptOut)
    }

    /// Undoes an opt-out with a new event; the opt-out stays in the history.
    pub fn opt_in(
        &self,
        contact_id: &str,
        channel: Option<MarketingChannel>,
        source: ConsentSource,
    ) -> Result<OptOuts> {
        self.toggle(contact_id, channel, source, ConsentEventKind::OptIn)
    }

    fn toggle(
        &self,
        contact_id: &str,
        channel: Option<MarketingChannel>,
        source: ConsentSource,
        kind: ConsentEventKind,
    ) -> Result<OptOuts> {
        let tx = self.ctx.begin()?;
        self.ctx.require_contact(contact_id)?;
        self.append(&NewEvent { contact_id, purpose_id: None, channel, kind, source, wording: None })?;
        tx.commit()?;
        self.opt_outs(contact_id)
    }

    fn append(&self, event: &NewEvent<'_>) -> Result<String> {
        let wording_sha256 = match event.wording {
            Some(text) => {
                let sha = hex::encode(Sha256::digest(text.as_bytes()));
                self.ctx
                    .conn
                    .prepare_cached("INSERT OR IGNORE INTO consent_wording (sha256, text) VALUES (?1, ?2)")?
                    .execute([&sha, text])?;
                Some(sha)
            }
            None => None,
        };
        let id = new_id();
        self.ctx.conn
            .prepare_cached(
                "INSERT INTO consent_event (id, contact_id, purpose_id, channel, kind, at, source, wording, recorded_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?
            .execute(params![
                id,
                event.contact_id,
                event.purpose_id,
                event.channel,
                event.kind,
                self.ctx.now(),
                event.source,
                wording_sha256,
                self.ctx.actor
            ])?;
        let field = match (event.purpose_id, event.channel) {
            (Some(_), Some(channel)) => format!("consent/{channel}"),
            (Some(_), None) => "consent".to_owned(),
            (None, Some(channel)) => format!("marketing/{channel}"),
            (None, None) => "marketing/all".to_owned(),
        };
        audit::record(
            &self.ctx,
            Change {
                action: AuditAction::Consent,
                subject_id: Some(event.contact_id),
                field: Some(&field),
                old_value: None,
                new_value: Some(event.kind.as_str()),
            },
        )?;
        Ok(id)
    }

    fn event(&self, id: &str) -> Result<ConsentEvent> {
        Ok(self.ctx.conn.prepare_cached(&format!("{EVENT_SELECT} WHERE e.id = ?1"))?.query_row([id], event_from_row)?)
    }

    /// State, opt-outs and history, all derived from one read of the ledger.
    pub fn overview(&self, contact_id: &str) -> Result<ConsentOverview> {
        let history = self.history(contact_id)?;
        Ok(ConsentOverview { state: self.state_of(&history)?, opt_outs: opt_outs_of(&history), history })
    }

    /// Every event about the contact, oldest first.
    pub fn history(&self, contact_id: &str) -> Result<Vec<ConsentEvent>> {
        self.ctx.require_contact(contact_id)?;
        let events = self
            .ctx
            .conn
            .prepare_cached(&format!("{EVENT_SELECT} WHERE e.contact_id = ?1 ORDER BY e.seq"))?
            .query_map([contact_id], event_from_row)?
            .collect::<rusqlite::Result<_>>()?;
        Ok(events)
    }

    /// The current consent per purpose and channel: the latest given/withdrawn event of each.
    pub fn state(&self, contact_id: &str) -> Result<Vec<ConsentState>> {
        self.state_of(&self.history(contact_id)?)
    }

    fn state_of(&self, history: &[ConsentEvent]) -> Result<Vec<ConsentState>> {
        let mut latest: Vec<ConsentState> = Vec::new();
        for event in history {
            let (Some(purpose_id), Some(purpose_name)) = (event.purpose_id.clone(), event.purpose_name.clone()) else {
                continue;
            };
            let given = event.kind == ConsentEventKind::Given;
            // An event for all channels supersedes each channel's own for the purpose.
            latest.retain(|s| !(s.purpose_id == purpose_id && (event.channel.is_none() || s.channel == event.channel)));
            let lawful_basis = crate::purposes::Purposes::new(self.ctx).get(&purpose_id)?.lawful_basis;
            latest.push(ConsentState {
                purpose_id,
                purpose_name,
                lawful_basis,
                channel: event.channel,
                given,
                at: event.at.clone(),
            });
        }
        latest.sort_by(|a, b| {
            (&a.purpose_name, a.channel.map(|c| c.as_str())).cmp(&(&b.purpose_name, b.channel.map(|c| c.as_str())))
        });
        Ok(latest)
    }

    /// The channels the person has currently opted out of.
    pub fn opt_outs(&self, contact_id: &str) -> Result<OptOuts> {
        Ok(opt_outs_of(&self.history(contact_id)?))
    }

    /// Who may be contacted about `purpose` on `channel`: contacts held for the purpose with
    /// an active basis (for a consent purpose, consent currently given for that channel or for
    /// all channels), whose latest consent event for the purpose on that channel (or on all) is
    /// not a withdrawal whatever the basis, and opted out neither of the channel nor of all
    /// direct marketing.
    /// Every marketing list in the app and the CLI is this query.
    pub fn reachable(&self, purpose: &str, channel: MarketingChannel) -> Result<Vec<ContactSummary>> {
        let purpose = crate::purposes::Purposes::new(self.ctx).get(purpose.trim())?;
        let contacts = self
            .ctx
            .conn
            .prepare_cached(&format!(
                "SELECT {SUMMARY_COLUMNS}
                 FROM contact c
                 JOIN contact_purpose cp ON cp.contact_id = c.id AND cp.purpose_id = ?1
                 JOIN purpose p ON p.id = cp.purpose_id
                 LEFT JOIN organisation o ON o.id = c.organisation_id
                 WHERE COALESCE((SELECT e.kind FROM consent_event e
                                 WHERE e.contact_id = c.id AND e.purpose_id = p.id
                                   AND (e.channel IS NULL OR e.channel = ?2)
                                 ORDER BY e.seq DESC LIMIT 1),
                                CASE p.lawful_basis WHEN 'consent' THEN 'none' ELSE 'given' END) = 'given'
                   AND COALESCE((SELECT e.kind FROM consent_event e
                                 WHERE e.contact_id = c.id AND e.purpose_id IS NULL AND e.channel = ?2
                                 ORDER BY e.seq DESC LIMIT 1), 'opt_in') = 'opt_in'
                   AND COALESCE((SELECT e.kind FROM consent_event e
                                 WHERE e.contact_id = c.id AND e.purpose_id IS NULL AND e.channel IS NULL
                                 ORDER BY e.seq DESC LIMIT 1), 'opt_in') = 'opt_in'
                 ORDER BY c.family_name COLLATE NOCASE, c.given_name COLLATE NOCASE"
            ))?
            .query_map(params![purpose.id, channel], summary_from_row)?
            .collect::<rusqlite::Result<_>>()?;
        Ok(contacts)
    }
}

/// The current opt-outs: the latest opt-out/opt-in event per channel and for "all".
fn opt_outs_of(history: &[ConsentEvent]) -> OptOuts {
    let mut out = OptOuts::default();
    for event in history.iter().filter(|e| e.purpose_id.is_none()) {
        let on = event.kind == ConsentEventKind::OptOut;
        match event.channel {
            None => out.all = on,
            Some(channel) => {
                out.channels.retain(|c| *c != channel);
                if on {
                    out.channels.push(channel);
                }
            }
        }
    }
    out.channels.sort_by_key(|c| MarketingChannel::ALL.iter().position(|x| x == c));
    out
}
