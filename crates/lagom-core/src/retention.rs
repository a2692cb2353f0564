//! Retention (R-9): when each contact's data is due for erasure, and why.
//!
//! Each purpose keeps its contacts for `retention_months` counted from its anchor: the last
//! interaction (or the contact's creation when there is none), the move to "former customer",
//! or the withdrawal of consent. A purpose whose anchor has not happened yet (still a
//! customer, consent not withdrawn) keeps the contact without end. A consent purpose stops
//! keeping the contact once its consent is withdrawn. The contact's expiry is the latest over
//! the purposes it is held for, pushed later by a legal hold (e.g. the Bookkeeping Act). The
//! preview lists who is due by a date; applying it erases them exactly as a manual erase does.

use chrono::{Months, NaiveDate};
use rusqlite::params;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::audit::{self, AuditAction, Change};
use crate::clock::new_id;
use crate::context::Ctx;
use crate::error::{Error, FieldErrorCode, Result};
use crate::rights::{ErasureReceipt, Rights};
use crate::vocab::{ConsentEventKind, HoldReason, LawfulBasis, RetentionAnchor};

pub(crate) const SCHEMA: &str = r#"
ALTER TABLE purpose ADD COLUMN retention_anchor TEXT NOT NULL DEFAULT 'last_interaction'
    CHECK (retention_anchor IN ('last_interaction', 'former_customer', 'consent_withdrawn'));

-- A contact kept past their expiry, with the reason and until when (audited).
CREATE TABLE retention_hold (
    seq         INTEGER PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,
    contact_id  TEXT NOT NULL REFERENCES contact(id) ON DELETE CASCADE,
    reason      TEXT NOT NULL CHECK (reason IN ('bookkeeping_act', 'legal_claim', 'other_law')),
    until       TEXT NOT NULL CHECK (until GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL
) STRICT;
CREATE INDEX retention_hold_by_contact ON retention_hold (contact_id);
"#;

/// When one contact is due for erasure, and the rule that decided it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Expiry {
    pub contact_id: String,
    pub given_name: String,
    pub family_name: String,
    /// The day from which the contact may be erased.
    pub expires: String,
    /// "Customer relationship: 24 months after the last interaction on 2024-05-02".
    pub rule: String,
}

/// A legal hold on a contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Hold {
    pub id: String,
    pub reason: HoldReason,
    pub until: String,
    pub recorded_by: String,
    pub recorded_at: String,
}

/// Retention of one open store.
#[derive(Debug)]
pub struct Retention<'a> {
    ctx: Ctx<'a>,
}

/// What one purpose says about one contact.
struct PurposeRow {
    contact_id: String,
    given_name: String,
    family_name: String,
    created: String,
    purpose: String,
    basis: LawfulBasis,
    months: u32,
    anchor: RetentionAnchor,
    last_interaction: Option<String>,
    former_since: Option<String>,
    last_consent: Option<(ConsentEventKind, String)>,
    hold_until: Option<String>,
}

impl<'a> Retention<'a> {
    pub(crate) fn new(ctx: Ctx<'a>) -> Self {
        Retention { ctx }
    }

    /// Every contact whose expiry is on or before `as_of` (today when `None`), earliest first.
    pub fn preview(&self, as_of: Option<NaiveDate>) -> Result<Vec<Expiry>> {
        let as_of = as_of.unwrap_or_else(|| self.ctx.today());
        let mut due: Vec<Expiry> = self
            .expiries()?
            .into_iter()
            .filter_map(|(expiry, date)| date.filter(|d| *d <= as_of).map(|_| expiry))
            .collect();
        due.sort_by(|a, b| {
            (&a.expires, &a.family_name, &a.contact_id).cmp(&(&b.expires, &b.family_name, &b.contact_id))
        });
        Ok(due)
    }

    /// One contact's expiry (`None`: kept without end by a purpose whose anchor has not come).
    pub fn expiry_of(&self, contact_id: &str) -> Result<Option<Expiry>> {
        self.ctx.require_contact(contact_id)?;
        Ok(self.expiries()?.into_iter().find(|(e, date)| e.contact_id == contact_id && date.is_some()).map(|(e, _)| e))
    }

    /// Erases everyone due by `as_of` (not after today), each exactly as a manual erase, and
    /// returns the receipts.
    pub fn apply(&self, as_of: Option<NaiveDate>) -> Result<Vec<ErasureReceipt>> {
        let today = self.ctx.today();
        if as_of.is_some_and(|d| d > today) {
            return Err(Error::invalid(
                "as_of",
                FieldErrorCode::DateInFuture,
                "erasing those due by a later date would erase people before their time; preview it instead",
            ));
        }
        let rights = Rights::new(self.ctx);
        self.preview(as_of)?.iter().map(|e| rights.erase(&e.contact_id, None)).collect()
    }

    /// Keeps a contact until `until` for a legal reason; audited.
    pub fn hold(&self, contact_id: &str, reason: HoldReason, until: &str) -> Result<Hold> {
        let conn = self.ctx.conn;
        let until_date = crate::validate::iso_date(until).filter(|d| *d > self.ctx.today()).ok_or_else(|| {
            Error::invalid("until", FieldErrorCode::InvalidDate, "give a date after today, such as 2033-12-31")
        })?;
        let tx = conn.unchecked_transaction()?;
        self.ctx.require_contact(contact_id)?;
        let hold = Hold {
            id: new_id(),
            reason,
            until: until_date.to_string(),
            recorded_by: self.ctx.actor.to_owned(),
            recorded_at: self.ctx.now(),
        };
        conn.prepare_cached(
            "INSERT INTO retention_hold (id, contact_id, reason, until, recorded_by, recorded_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?
        .execute(params![hold.id, contact_id, hold.reason, hold.until, hold.recorded_by, hold.recorded_at])?;
        audit::record(
            &self.ctx,
            Change {
                action: AuditAction::Update,
                subject_id: Some(contact_id),
                field: Some("retention/hold"),
                old_value: None,
                new_value: Some(&format!("{} until {}", hold.reason, hold.until)),
            },
        )?;
        tx.commit()?;
        Ok(hold)
    }

    /// The contact's holds, latest end first.
    pub fn holds(&self, contact_id: &str) -> Result<Vec<Hold>> {
        let holds = self
            .ctx
            .conn
            .prepare_cached(
                "SELECT id, reason, until, recorded_by, recorded_at FROM retention_hold
                 WHERE contact_id = ?1 ORDER BY until DESC",
            )?
            .query_map([contact_id], |row| {
                Ok(Hold {
                    id: row.get(0)?,
                    reason: row.get(1)?,
                    until: row.get(2)?,
                    recorded_by: row.get(3)?,
                    recorded_at: row.get(4)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(holds)
    }

    /// Every contact with its expiry date (`None`: kept without end).
    fn expiries(&self) -> Result<Vec<(Expiry, Option<NaiveDate>)>> {
        let rows: Vec<PurposeRow> = self
            .ctx
            .conn
            .prepare_cached(
                "SELECT c.id, c.given_name, c.family_name, c.created_at, p.name, p.lawful_basis, p.retention_months,
                        p.retention_anchor,
                        (SELECT max(i.on_date) FROM interaction i WHERE i.contact_id = c.id),
                        CASE WHEN c.stage = 'former_customer' THEN
                            (SELECT max(a.at) FROM audit_entry a
                             WHERE a.subject_id = c.id AND a.field = 'stage' AND a.new_value = 'former_customer')
                        END,
                        (SELECT e.kind FROM consent_event e WHERE e.contact_id = c.id AND e.purpose_id = p.id
                         ORDER BY e.seq DESC LIMIT 1),
                        (SELECT e.at FROM consent_event e WHERE e.contact_id = c.id AND e.purpose_id = p.id
                         ORDER BY e.seq DESC LIMIT 1),
                        (SELECT max(h.until) FROM retention_hold h WHERE h.contact_id = c.id)
                 FROM contact c
                 JOIN contact_purpose cp ON cp.contact_id = c.id
                 JOIN purpose p ON p.id = cp.purpose_id
                 ORDER BY c.seq, p.name",
            )?
            .query_map([], |row| {
                let kind: Option<ConsentEventKind> = row.get(10)?;
                let at: Option<String> = row.get(11)?;
                Ok(PurposeRow {
                    contact_id: row.get(0)?,
                    given_name: row.get(1)?,
                    family_name: row.get(2)?,
                    created: row.get(3)?,
                    purpose: row.get(4)?,
                    basis: row.get(5)?,
                    months: row.get(6)?,
                    anchor: row.get(7)?,
                    last_interaction: row.get(8)?,
                    former_since: row.get(9)?,
                    last_consent: kind.zip(at),
                    hold_until: row.get(12)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;

        let mut out: Vec<(Expiry, Option<NaiveDate>)> = Vec::new();
        for row in rows {
            let (date, rule) = purpose_expiry(&row);
            match out.last_mut().filter(|(e, _)| e.contact_id == row.contact_id) {
                // The latest over the contact's purposes; one without end keeps them.
                Some((expiry, current)) => {
                    if current.is_some() && date.is_none_or(|d| current.is_some_and(|c| d > c)) {
                        *current = date;
                        expiry.rule = rule;
                    }
                }
                None => out.push((
                    Expiry {
                        contact_id: row.contact_id.clone(),
                        given_name: row.given_name.clone(),
                        family_name: row.family_name.clone(),
                        expires: String::new(),
                        rule,
                    },
                    date,
                )),
            }
            let hold = row.hold_until.as_deref().and_then(|h| NaiveDate::parse_from_str(h, "%Y-%m-%d").ok());
            if let (Some((expiry, current)), Some(hold)) = (out.last_mut(), hold)
                && current.is_some_and(|c| hold > c)
            {
                *current = Some(hold);
                expiry.rule = format!("legal hold until {hold}");
            }
        }
        for (expiry, date) in &mut out {
            expiry.expires = date.map(|d| d.to_string()).unwrap_or_default();
        }
        Ok(out)
    }
}

/// When one purpose stops keeping a contact, and the rule in words.
fn purpose_expiry(row: &PurposeRow) -> (Option<NaiveDate>, String) {
    let date = |text: &str| NaiveDate::parse_from_str(text.get(..10).unwrap_or(text), "%Y-%m-%d").ok();
    let plus = |from: NaiveDate| from.checked_add_months(Months::new(row.months));
    let withdrawn = match &row.last_consent {
        Some((ConsentEventKind::Withdrawn, at)) => date(at),
        _ => None,
    };
    match row.anchor {
        RetentionAnchor::LastInteraction => {
            let (from, what) = match &row.last_interaction {
                Some(last) => (date(last), "the last interaction"),
                None => (date(&row.created), "the contact was recorded"),
            };
            match (row.basis, withdrawn, from) {
                // Consent withdrawn: the purpose no longer keeps the person.
                (LawfulBasis::Consent, Some(on), _) => {
                    (Some(on), format!("{}: consent withdrawn on {on}", row.purpose))
                }
                (_, _, Some(from)) => {
                    (plus(from), format!("{}: {} months after {what} on {from}", row.purpose, row.months))
                }
                (_, _, None) => (None, format!("{}: no date to count from", row.purpose)),
            }
        }
        RetentionAnchor::FormerCustomer => match row.former_since.as_deref().and_then(date) {
            Some(from) => (
                plus(from),
                format!("{}: {} months after becoming a former customer on {from}", row.purpose, row.months),
            ),
            None => (None, format!("{}: kept while a customer", row.purpose)),
        },
        RetentionAnchor::ConsentWithdrawn => match withdrawn {
            Some(from) => {
                (plus(from), format!("{}: {} months after consent was withdrawn on {from}", row.purpose, row.months))
            }
            None => (None, format!("{}: kept until consent is withdrawn", row.purpose)),
        },
    }
}
