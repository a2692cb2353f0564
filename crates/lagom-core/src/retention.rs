//! Retention (R-9): when each contact's data is due for erasure, and why.
//!
//! Each purpose keeps its contacts for `retention_months` counted from its anchor: the last
//! interaction (or the contact's creation when there is none), the move to "former customer",
//! or the withdrawal of consent. A purpose whose anchor has not happened yet (still a
//! customer, consent not withdrawn) keeps the contact without end. A consent purpose stops
//! keeping the contact once its consent is withdrawn. The contact's expiry is the latest over
//! the purposes it is held for, pushed past the end of a legal hold (e.g. the Bookkeeping Act).
//! The preview lists who is due by a date; applying it erases them exactly as a manual erase
//! does. Nobody with an open data-subject request is erased by retention (the request is
//! answered first), except that an open erasure request is answered by the erasure.

use std::collections::HashMap;

use chrono::{Days, Months, NaiveDate};
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::audit::{self, AuditAction, Change};
use crate::clock::new_id;
use crate::context::Ctx;
use crate::error::{Error, FieldErrorCode, Result};
use crate::rights::{ErasureReceipt, Rights};
use crate::settings::Settings;
use crate::vocab::{ConsentEventKind, HoldReason, LawfulBasis, MarketingChannel, RequestKind, RetentionAnchor};

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

/// The sweep's memory and what makes it fast: the day each due contact was first found due
/// (the grace period before automatic erasure counts from it), and a covering index so the
/// sweep reads contacts' anchors without their names.
pub(crate) const SWEEP_SCHEMA: &str = r#"
CREATE TABLE retention_due (
    contact_id TEXT PRIMARY KEY REFERENCES contact(id) ON DELETE CASCADE,
    since      TEXT NOT NULL CHECK (since GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    -- The expiry the sweep saw: when it changes, the grace period starts again.
    expires    TEXT NOT NULL CHECK (expires GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]')
) STRICT, WITHOUT ROWID;
CREATE INDEX contact_retention ON contact (id, created_at, stage);
CREATE INDEX consent_event_by_contact_purpose ON consent_event (contact_id, purpose_id, seq, kind, at, channel);
"#;

/// When one contact is due for erasure, and the rule that decided it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Expiry {
    pub contact_id: String,
    pub given_name: String,
    pub family_name: String,
    /// The day from which the contact may be erased; empty when nothing ends their keeping.
    pub expires: String,
    /// "Customer relationship: 24 months after the last interaction on 2024-05-02".
    pub rule: String,
    /// The day the sweep first found the contact due (with this expiry); the grace period
    /// counts from it.
    pub due_since: Option<String>,
    /// The first day automatic erasure may take the contact: the grace period after
    /// `due_since`, or after automatic erasure was turned on if that was later. `None` until a
    /// sweep has seen the contact due.
    pub erasable_from: Option<String>,
    /// Held only for consent purposes, every consent withdrawn, and no legal hold.
    pub consent_withdrawn_only: bool,
    /// An open request (access, rectification, …) that must be answered first, or a
    /// restriction granted (Art. 18): retention does not erase the contact while it stands.
    pub held_by_request: Option<String>,
    /// An open erasure request that the erasure answers.
    pub answers_request: Option<String>,
}

/// A legal hold on a contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Hold {
    pub id: String,
    pub reason: HoldReason,
    /// The last day the hold keeps the contact.
    pub until: String,
    pub recorded_by: String,
    pub recorded_at: String,
}

/// What "erase the due ones" did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Applied {
    pub erased: Vec<ErasureReceipt>,
    /// Contacts whose erasure failed (the others went on); they stay due.
    pub failed: Vec<String>,
}

/// What one sweep found and did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct SweepReport {
    /// The day the sweep counted as today.
    pub on: String,
    /// Everyone still due today, earliest first, with their grace period.
    pub due: Vec<Expiry>,
    /// Erased by automatic erasure (only when it is on and their grace period has passed).
    pub erased: Vec<ErasureReceipt>,
    /// Contacts whose automatic erasure failed (the others went on); they stay in `due`.
    pub failed: Vec<String>,
    /// An open request not yet matched to a contact: automatic erasure waited for it.
    pub paused_by: Option<String>,
}

/// Retention of one open store.
#[derive(Debug)]
pub struct Retention<'a> {
    ctx: Ctx<'a>,
}

/// What one purpose says about one contact: the anchors its rule may count from.
struct PurposeRow {
    /// The contact, as an index into [`Dates::contacts`].
    contact: usize,
    purpose: usize,
    last_interaction: Option<NaiveDate>,
    former_since: Option<NaiveDate>,
    last_consent: Option<(ConsentEventKind, NaiveDate)>,
}

/// A contact as the sweep reads it: its row id, creation day, and whether a former customer.
#[derive(Clone, Copy)]
struct ContactRef {
    seq: i64,
    created: Option<NaiveDate>,
}

/// What one pass over the register found.
struct Dates {
    rules: Vec<PurposeRule>,
    rows: Vec<PurposeRow>,
    /// Every contact with a purpose, in id order; rows and `dated` point into it.
    contacts: Vec<ContactRef>,
    /// The last day of the latest hold, per contact row id.
    holds: HashMap<i64, NaiveDate>,
    dated: Vec<Dated>,
}

/// A purpose's retention rule, read once per sweep.
struct PurposeRule {
    id: String,
    name: String,
    basis: LawfulBasis,
    months: u32,
    anchor: RetentionAnchor,
}

/// One contact's expiry before names and words are attached: the date (`None`: kept without
/// end) and the purpose row (or the hold) that decided it.
#[derive(Clone)]
struct Dated {
    contact: usize,
    date: Option<NaiveDate>,
    decided_by: Decider,
    consent_withdrawn_only: bool,
}

#[derive(Clone, Copy)]
enum Decider {
    Purpose(usize),
    /// The last day of a legal hold; the contact is due the day after.
    Hold(NaiveDate),
}

/// The home view's lists.
pub(crate) struct Attention {
    pub due_now: Vec<Expiry>,
    pub due_soon: Vec<Expiry>,
    pub consent_withdrawn_only: Vec<Expiry>,
}

/// Which anchors to read: those the current rules count from, or all (to preview a change).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Anchors {
    InUse,
    All,
}

impl<'a> Retention<'a> {
    pub(crate) fn new(ctx: Ctx<'a>) -> Self {
        Retention { ctx }
    }

    /// Runs `read` in one read transaction (one snapshot, one lock instead of one per query)
    /// unless a transaction is already open.
    fn snapshot<T>(&self, read: impl FnOnce() -> Result<T>) -> Result<T> {
        if !self.ctx.conn.is_autocommit() {
            return read();
        }
        let tx = self.ctx.conn.unchecked_transaction()?;
        let result = read();
        tx.rollback()?;
        result
    }

    /// Every contact whose expiry is on or before `as_of` (today when `None`), earliest first.
    pub fn preview(&self, as_of: Option<NaiveDate>) -> Result<Vec<Expiry>> {
        let as_of = as_of.unwrap_or_else(|| self.ctx.today());
        self.snapshot(|| {
            let dates = self.dates(Anchors::InUse)?;
            self.describe_sorted(&dates, |d| d.date.is_some_and(|date| date <= as_of))
        })
    }

    /// One contact's expiry (`None`: kept without end by a purpose whose anchor has not come).
    pub fn expiry_of(&self, contact_id: &str) -> Result<Option<Expiry>> {
        self.ctx.require_contact(contact_id)?;
        let seq: i64 = self
            .ctx
            .conn
            .prepare_cached("SELECT seq FROM contact WHERE id = ?1")?
            .query_row([contact_id], |r| r.get(0))?;
        let dates = self.dates(Anchors::InUse)?;
        Ok(self.describe_sorted(&dates, |d| d.date.is_some() && dates.contacts[d.contact].seq == seq)?.pop())
    }

    /// Erases everyone due by `as_of` (not after today), each exactly as a manual erase, and
    /// returns the receipts: `lagom retention apply`. Contacts with an open request other than
    /// erasure are kept (it must be answered first); an open erasure request is answered.
    pub fn apply(&self, as_of: Option<NaiveDate>) -> Result<Applied> {
        let today = self.ctx.today();
        if as_of.is_some_and(|d| d > today) {
            return Err(Error::invalid(
                "as_of",
                FieldErrorCode::DateInFuture,
                "erasing those due by a later date would erase people before their time; preview it instead",
            ));
        }
        let due = self.preview(as_of)?;
        Ok(self.erase_each(due.iter().filter(|e| e.held_by_request.is_none())))
    }

    /// "Erase the due ones now" in the app: erases those of `contact_ids` (the list the person
    /// reviewed) that are still due today, as [`Retention::apply`] does; anyone else is left.
    pub fn apply_listed(&self, contact_ids: &[String]) -> Result<Applied> {
        let due = self.preview(None)?;
        Ok(self.erase_each(due.iter().filter(|e| e.held_by_request.is_none() && contact_ids.contains(&e.contact_id))))
    }

    /// Erases each one; a failure does not stop the others and is reported.
    fn erase_each<'e>(&self, due: impl Iterator<Item = &'e Expiry>) -> Applied {
        let mut applied = Applied { erased: Vec::new(), failed: Vec::new() };
        for expiry in due {
            match self.erase(expiry) {
                Ok(receipt) => applied.erased.push(receipt),
                Err(_) => applied.failed.push(expiry.contact_id.clone()),
            }
        }
        applied
    }

    fn erase(&self, expiry: &Expiry) -> Result<ErasureReceipt> {
        Rights::new(self.ctx).erase_expired(&expiry.contact_id, expiry.answers_request.as_deref())
    }

    /// The sweep the app runs at start-up and daily: remembers since when each contact has
    /// been due with its current expiry (and forgets those no longer due), then, when
    /// automatic erasure is on, erases those whose grace period has passed. One failed erasure
    /// does not stop the others; it is reported.
    pub fn sweep(&self) -> Result<SweepReport> {
        let today = self.ctx.today();
        let settings = Settings::load(self.ctx.conn)?;
        let dates = self.snapshot(|| self.dates(Anchors::InUse))?;
        let wanted: HashMap<i64, String> = dates
            .dated
            .iter()
            .filter_map(|d| {
                d.date.filter(|date| *date <= today).map(|date| (dates.contacts[d.contact].seq, date.to_string()))
            })
            .collect();
        let seen: HashMap<i64, String> = self
            .ctx
            .conn
            .prepare_cached("SELECT c.seq, d.expires FROM retention_due d JOIN contact c ON c.id = d.contact_id")?
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        // Most days nothing changed: no write at all.
        if wanted != seen {
            let tx = self.ctx.conn.unchecked_transaction()?;
            tx.execute_batch(
                "CREATE TEMP TABLE IF NOT EXISTS sweep_due (seq INTEGER PRIMARY KEY, expires TEXT NOT NULL);
                 DELETE FROM temp.sweep_due;",
            )?;
            {
                let mut insert = tx.prepare_cached("INSERT INTO temp.sweep_due (seq, expires) VALUES (?1, ?2)")?;
                for (seq, expires) in &wanted {
                    insert.execute(params![seq, expires])?;
                }
            }
            tx.execute(
                "DELETE FROM retention_due WHERE contact_id NOT IN
                     (SELECT c.id FROM temp.sweep_due t JOIN contact c ON c.seq = t.seq)",
                [],
            )?;
            // New, or due again with another expiry: the grace period starts today.
            tx.execute(
                "INSERT INTO retention_due (contact_id, since, expires)
                     SELECT c.id, ?1, t.expires FROM temp.sweep_due t JOIN contact c ON c.seq = t.seq WHERE true
                 ON CONFLICT (contact_id) DO UPDATE SET since = excluded.since, expires = excluded.expires
                     WHERE retention_due.expires <> excluded.expires",
                [today.to_string()],
            )?;
            tx.execute("DELETE FROM temp.sweep_due", [])?;
            tx.commit()?;
        }
        let mut due = self.snapshot(|| self.describe_sorted(&dates, |d| d.date.is_some_and(|date| date <= today)))?;
        // A request not yet matched to a contact may be about anyone due: automatic erasure
        // waits until it is matched or closed.
        let paused_by: Option<String> = self
            .ctx
            .conn
            .prepare_cached(
                "SELECT id FROM request WHERE contact_id IS NULL AND status IN ('open', 'extended') ORDER BY seq LIMIT 1",
            )?
            .query_row([], |row| row.get(0))
            .optional()?;
        let mut applied = Applied { erased: Vec::new(), failed: Vec::new() };
        if settings.automatic_erasure && paused_by.is_none() {
            let ready = |e: &&Expiry| {
                e.held_by_request.is_none()
                    && e.erasable_from.as_deref().and_then(crate::validate::iso_date).is_some_and(|d| d <= today)
            };
            applied = self.erase_each(due.iter().filter(ready));
            due.retain(|e| !applied.erased.iter().any(|r| r.tombstone.contact_id == e.contact_id));
        }
        Ok(SweepReport { on: today.to_string(), due, erased: applied.erased, failed: applied.failed, paused_by })
    }

    /// How many contacts a purpose's new retention would move into today's preview: those
    /// not due now who would be due with `months` counted from `anchor`.
    pub fn moved_by(&self, purpose_id: &str, months: u32, anchor: RetentionAnchor) -> Result<usize> {
        let today = self.ctx.today();
        let Dates { mut rules, rows, contacts, holds, dated: before } = self.dates(Anchors::All)?;
        let Some(index) = rules.iter().position(|r| r.id == purpose_id) else {
            return Err(Error::NotFound { what: "purpose" });
        };
        rules[index].months = months;
        rules[index].anchor = anchor;
        let after = combine(&rules, &rows, &contacts, &holds, today);
        let due = |d: &Dated| d.date.is_some_and(|date| date <= today);
        Ok(before.iter().zip(&after).filter(|(b, a)| !due(b) && due(a)).count())
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

    /// The day the sweep first found the contact due and the expiry it saw, if it has and
    /// they still were at the last sweep.
    pub fn due_since(&self, contact_id: &str) -> Result<Option<(String, String)>> {
        Ok(self
            .ctx
            .conn
            .prepare_cached("SELECT since, expires FROM retention_due WHERE contact_id = ?1")?
            .query_row([contact_id], |row| Ok((row.get(0)?, row.get(1)?)))
            .optional()?)
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

    /// The home view's three lists from one pass: due by `today`, due after it and by
    /// `until`, and held only for withdrawn consent.
    pub(crate) fn attention(&self, today: NaiveDate, until: NaiveDate) -> Result<Attention> {
        self.snapshot(|| {
            let dates = self.dates(Anchors::InUse)?;
            Ok(Attention {
                due_now: self.describe_sorted(&dates, |d| d.date.is_some_and(|date| date <= today))?,
                due_soon: self.describe_sorted(&dates, |d| d.date.is_some_and(|date| date > today && date <= until))?,
                consent_withdrawn_only: self.describe_sorted(&dates, |d| d.consent_withdrawn_only)?,
            })
        })
    }

    /// Names, the rule in words, the grace period and open requests for the contacts `chosen`
    /// picks (few, as a rule), earliest expiry first.
    fn describe_sorted(&self, dates: &Dates, chosen: impl Fn(&Dated) -> bool) -> Result<Vec<Expiry>> {
        let settings = Settings::load(self.ctx.conn)?;
        let grace = Days::new(u64::from(settings.grace_days));
        let at_least_default = Days::new(u64::from(settings.grace_days.max(crate::settings::DEFAULT_GRACE_DAYS)));
        let automatic_since = settings.automatic_erasure_since.as_deref().and_then(crate::validate::iso_date);
        let conn = self.ctx.conn;
        let mut contact = conn.prepare_cached(
            "SELECT c.id, c.given_name, c.family_name, d.since, d.expires FROM contact c
             LEFT JOIN retention_due d ON d.contact_id = c.id WHERE c.seq = ?1",
        )?;
        // Open requests, and restrictions granted (Art. 18: keep, do not erase).
        let mut requests = conn.prepare_cached(
            "SELECT id, kind FROM request WHERE contact_id = ?1
               AND (status IN ('open', 'extended') OR (kind = 'restriction' AND status = 'answered'))
             ORDER BY seq",
        )?;
        let mut out = Vec::new();
        for d in dates.dated.iter().filter(|d| chosen(d)) {
            let (contact_id, given_name, family_name, since, seen_expiry): (
                String,
                String,
                String,
                Option<String>,
                Option<String>,
            ) = contact.query_row([dates.contacts[d.contact].seq], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?))
            })?;
            let expires = d.date.map(|date| date.to_string()).unwrap_or_default();
            // A sweep saw them due with this expiry; otherwise the grace period has not begun.
            let due_since = since.filter(|_| seen_expiry.as_deref() == Some(expires.as_str()));
            let erasable_from = due_since
                .as_deref()
                .and_then(crate::validate::iso_date)
                .and_then(|since| since.checked_add_days(grace))
                .and_then(|from| match automatic_since {
                    // Turned on later: nobody already due goes before the default grace period
                    // (or a longer one) has run from that day, whatever the setting says.
                    Some(on) => on.checked_add_days(at_least_default).map(|after| from.max(after)),
                    None => Some(from),
                })
                .map(|day| day.to_string());
            let open: Vec<(String, RequestKind)> = requests
                .query_map([&contact_id], |row| Ok((row.get(0)?, row.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?;
            let rule = match d.decided_by {
                Decider::Purpose(i) => {
                    let row = &dates.rows[i];
                    rule_text(&dates.rules[row.purpose], row, dates.contacts[row.contact].created)
                }
                Decider::Hold(until) => format!("legal hold until {until}"),
            };
            out.push(Expiry {
                contact_id,
                given_name,
                family_name,
                expires,
                rule,
                due_since,
                erasable_from,
                consent_withdrawn_only: d.consent_withdrawn_only,
                held_by_request: open.iter().find(|(_, kind)| *kind != RequestKind::Erasure).map(|(id, _)| id.clone()),
                answers_request: open.iter().find(|(_, kind)| *kind == RequestKind::Erasure).map(|(id, _)| id.clone()),
            });
        }
        out.sort_by(|a, b| {
            (&a.expires, &a.family_name, &a.contact_id).cmp(&(&b.expires, &b.family_name, &b.contact_id))
        });
        Ok(out)
    }

    /// The last day of the latest hold per contact row id (the table is small: read it whole).
    fn holds_by_contact(&self) -> Result<HashMap<i64, NaiveDate>> {
        let mut holds: HashMap<i64, NaiveDate> = HashMap::new();
        let mut statement = self.ctx.conn.prepare_cached(
            "SELECT c.seq, max(h.until) FROM retention_hold h JOIN contact c ON c.id = h.contact_id GROUP BY c.seq",
        )?;
        let mut rows = statement.query([])?;
        while let Some(row) = rows.next()? {
            if let Some(until) = day(text(row, 1)?) {
                holds.insert(row.get(0)?, until);
            }
        }
        Ok(holds)
    }

    /// Every contact's expiry date. The contacts' purposes are walked in contact id order
    /// beside the contacts themselves (creation day, stage: a covering index), the last
    /// interaction per contact and the consent state per contact and purpose, all read in the
    /// same order: a merge, no lookup per contact (but one into the audit trail per former
    /// customer whose purpose counts from that move), names never read.
    fn dates(&self, anchors: Anchors) -> Result<Dates> {
        let conn = self.ctx.conn;
        let today = self.ctx.today();
        let rules: Vec<PurposeRule> = conn
            .prepare_cached("SELECT id, name, lawful_basis, retention_months, retention_anchor FROM purpose")?
            .query_map([], |row| {
                Ok(PurposeRule {
                    id: row.get(0)?,
                    name: row.get(1)?,
                    basis: row.get(2)?,
                    months: row.get(3)?,
                    anchor: row.get(4)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        let index: HashMap<&str, usize> = rules.iter().enumerate().map(|(i, r)| (r.id.as_str(), i)).collect();
        let all = anchors == Anchors::All;
        let counts_from = |anchor: RetentionAnchor| all || rules.iter().any(|r| r.anchor == anchor);
        let needs_consent = all
            || rules.iter().any(|r| r.basis == LawfulBasis::Consent || r.anchor == RetentionAnchor::ConsentWithdrawn);

        let mut last_interactions: Vec<(String, Option<NaiveDate>)> = Vec::new();
        if counts_from(RetentionAnchor::LastInteraction) {
            let mut statement = conn.prepare_cached(
                "SELECT contact_id, max(on_date) FROM interaction INDEXED BY interaction_by_contact
                 GROUP BY contact_id ORDER BY contact_id",
            )?;
            let mut result = statement.query([])?;
            while let Some(row) = result.next()? {
                last_interactions.push((row.get(0)?, day(text(row, 1)?)));
            }
        }
        // Timestamps are UTC; the user's calendar decides which day something happened on.
        let offset = self.ctx.clock.utc_offset_seconds() / 60;
        let consents = if needs_consent { consent_states(conn, offset)? } else { Vec::new() };
        let mut former_since = conn.prepare_cached(
            // The last change of stage to former customer; without one, a contact that is a
            // former customer now was created as one (`audit::EVERY_FIELD`, the creation).
            "SELECT max(at) FROM audit_entry
             WHERE subject_id = ?1
               AND ((field = 'stage' AND new_value = 'former_customer') OR (field = '*' AND action = 'create'))",
        )?;

        let mut contacts_statement = conn.prepare_cached(
            "SELECT id, seq, created_at, stage = 'former_customer' FROM contact INDEXED BY contact_retention ORDER BY id",
        )?;
        let mut contact_rows = contacts_statement.query([])?;
        // The contact row the walk stands on: its id (a reused buffer) and what is read of it.
        let mut current_id: Vec<u8> = Vec::new();
        let mut current: Option<(ContactRef, bool)> = None;
        let mut contacts: Vec<ContactRef> = Vec::new();
        let mut rows = Vec::new();
        let (mut i, mut k) = (0, 0);
        let mut former: Option<Option<NaiveDate>> = None;
        // The purpose of the previous row: most rows share one of a handful of purposes.
        let mut last_purpose: Option<(Vec<u8>, usize)> = None;
        let mut statement =
            conn.prepare_cached("SELECT contact_id, purpose_id FROM contact_purpose ORDER BY contact_id, purpose_id")?;
        let mut result = statement.query([])?;
        while let Some(row) = result.next()? {
            let (contact_id, purpose_id) = (bytes(row, 0)?, bytes(row, 1)?);
            let purpose = match &last_purpose {
                Some((id, index)) if id.as_slice() == purpose_id => *index,
                _ => {
                    let Some(&found) = std::str::from_utf8(purpose_id).ok().and_then(|p| index.get(p)) else {
                        continue;
                    };
                    last_purpose = Some((purpose_id.to_vec(), found));
                    found
                }
            };
            if current.is_none() || current_id.as_slice() < contact_id {
                current = None;
                while let Some(c) = contact_rows.next()? {
                    let id = bytes(c, 0)?;
                    if id >= contact_id {
                        current_id.clear();
                        current_id.extend_from_slice(id);
                        current =
                            Some((ContactRef { seq: c.get(1)?, created: local_day(bytes(c, 2)?, offset) }, c.get(3)?));
                        break;
                    }
                }
            }
            let Some((contact, is_former)) = current.filter(|_| current_id == contact_id) else { continue };
            // The first purpose of this contact (a purpose row without its contact, which only
            // a hand-edited file could hold, is skipped above and never shifts the others).
            if contacts.last().is_none_or(|last| last.seq != contact.seq) {
                contacts.push(contact);
                former = None;
            }
            while last_interactions.get(i).is_some_and(|x| x.0.as_bytes() < contact_id) {
                i += 1;
            }
            while consents
                .get(k)
                .is_some_and(|x| (x.contact.as_bytes(), x.purpose.as_bytes()) < (contact_id, purpose_id))
            {
                k += 1;
            }
            let rule = &rules[purpose];
            let former_date = if is_former && (all || rule.anchor == RetentionAnchor::FormerCustomer) {
                match former {
                    Some(date) => date,
                    None => {
                        // Bound as text: a BLOB never equals the TEXT subject id.
                        let id = String::from_utf8_lossy(contact_id);
                        let at: Option<String> = former_since.query_row([id.as_ref()], |r| r.get(0))?;
                        let date = at.as_deref().and_then(|at| local_day(at.as_bytes(), offset));
                        former = Some(date);
                        date
                    }
                }
            } else {
                None
            };
            rows.push(PurposeRow {
                contact: contacts.len() - 1,
                purpose,
                last_interaction: last_interactions.get(i).filter(|x| x.0.as_bytes() == contact_id).and_then(|x| x.1),
                former_since: former_date,
                last_consent: consents
                    .get(k)
                    .filter(|x| x.contact.as_bytes() == contact_id && x.purpose.as_bytes() == purpose_id)
                    .map(|x| (x.kind, x.on)),
            });
        }
        drop(result);
        drop(statement);
        drop(contact_rows);
        drop(contacts_statement);
        let holds = self.holds_by_contact()?;
        let dated = combine(&rules, &rows, &contacts, &holds, today);
        Ok(Dates { rules, rows, contacts, holds, dated })
    }
}

/// A contact's consent to one purpose, as retention reads the ledger: given while, on some
/// marketing channel, the latest event on that channel or on all channels is a consent (the
/// rule `reachable` uses); withdrawn, as of the last withdrawal, once no channel has one.
pub(crate) struct ConsentStateRow {
    pub contact: String,
    pub purpose: String,
    pub kind: ConsentEventKind,
    pub on: NaiveDate,
}

/// Every contact and purpose with consent recorded, in (contact, purpose) order: the ledger
/// read once through a covering index, days in the user's calendar (`offset_minutes` east).
pub(crate) fn consent_states(conn: &rusqlite::Connection, offset_minutes: i32) -> Result<Vec<ConsentStateRow>> {
    let mut out: Vec<ConsentStateRow> = Vec::new();
    let mut statement = conn.prepare_cached(
        "SELECT contact_id, purpose_id, kind, at, channel FROM consent_event INDEXED BY consent_event_by_contact_purpose
         WHERE purpose_id IS NOT NULL AND kind IN ('given', 'withdrawn')
         ORDER BY contact_id, purpose_id, seq",
    )?;
    let mut result = statement.query([])?;
    // The latest kind on each marketing channel for the pair being read.
    let mut channels: [Option<ConsentEventKind>; 5] = [None; 5];
    let (mut last_given, mut last_withdrawal): (Option<NaiveDate>, Option<NaiveDate>) = (None, None);
    let settle = |out: &mut Vec<ConsentStateRow>,
                  channels: &[Option<ConsentEventKind>; 5],
                  given: Option<NaiveDate>,
                  withdrawn: Option<NaiveDate>| {
        let Some(last) = out.last_mut() else { return };
        if channels.contains(&Some(ConsentEventKind::Given)) {
            last.kind = ConsentEventKind::Given;
            last.on = given.unwrap_or(last.on);
        } else if let Some(on) = withdrawn {
            last.kind = ConsentEventKind::Withdrawn;
            last.on = on;
        }
    };
    while let Some(row) = result.next()? {
        let (contact, purpose) = (text(row, 0)?, text(row, 1)?);
        let kind: ConsentEventKind = row.get(2)?;
        let Some(on) = local_day(bytes(row, 3)?, offset_minutes) else { continue };
        let channel: Option<MarketingChannel> = row.get(4)?;
        if !out.last().is_some_and(|last| last.contact == contact && last.purpose == purpose) {
            settle(&mut out, &channels, last_given, last_withdrawal);
            channels = [None; 5];
            (last_given, last_withdrawal) = (None, None);
            out.push(ConsentStateRow { contact: contact.to_owned(), purpose: purpose.to_owned(), kind, on });
        }
        for (slot, c) in channels.iter_mut().zip(MarketingChannel::ALL) {
            // An event for all channels is the latest on every channel.
            if channel.is_none_or(|ch| ch == *c) {
                *slot = Some(kind);
            }
        }
        match kind {
            ConsentEventKind::Withdrawn => last_withdrawal = Some(on),
            _ => last_given = Some(on),
        }
    }
    settle(&mut out, &channels, last_given, last_withdrawal);
    Ok(out)
}

/// Each contact's expiry: the latest over its purposes (one without end keeps them), pushed to
/// the day after a legal hold that ends later. `rows` are grouped by contact.
fn combine(
    rules: &[PurposeRule],
    rows: &[PurposeRow],
    contacts: &[ContactRef],
    holds: &HashMap<i64, NaiveDate>,
    today: NaiveDate,
) -> Vec<Dated> {
    let mut out: Vec<Dated> = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let rule = &rules[row.purpose];
        let date = purpose_date(rule, row, contacts[row.contact].created);
        let withdrawn_consent =
            rule.basis == LawfulBasis::Consent && matches!(row.last_consent, Some((ConsentEventKind::Withdrawn, _)));
        match out.last_mut().filter(|d| d.contact == row.contact) {
            Some(current) => {
                if current.date.is_some() && date.is_none_or(|d| current.date.is_some_and(|c| d > c)) {
                    current.date = date;
                    current.decided_by = Decider::Purpose(i);
                }
                current.consent_withdrawn_only &= withdrawn_consent;
            }
            None => out.push(Dated {
                contact: row.contact,
                date,
                decided_by: Decider::Purpose(i),
                consent_withdrawn_only: withdrawn_consent,
            }),
        }
    }
    for dated in &mut out {
        let Some(&until) = holds.get(&contacts[dated.contact].seq) else { continue };
        // A hold keeps the contact through its last day; an active one also means a law, not
        // only the withdrawn consent, keeps them.
        if until >= today {
            dated.consent_withdrawn_only = false;
        }
        let after_hold = until.succ_opt().unwrap_or(until);
        if let Some(current) = dated.date
            && after_hold > current
        {
            dated.date = Some(after_hold);
            dated.decided_by = Decider::Hold(until);
        }
    }
    out
}

/// Column `i` as borrowed text (no allocation per row in the sweep).
fn text<'r>(row: &'r rusqlite::Row<'_>, i: usize) -> rusqlite::Result<&'r str> {
    row.get_ref(i)?
        .as_str()
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e)))
}

/// Column `i` as borrowed bytes: ids and dates are ASCII, so the sweep's hot loop compares
/// and parses them without checking UTF-8 on every row.
fn bytes<'r>(row: &'r rusqlite::Row<'_>, i: usize) -> rusqlite::Result<&'r [u8]> {
    row.get_ref(i)?
        .as_bytes()
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Blob, Box::new(e)))
}

/// The day a stored date or timestamp falls on (`2026-05-02`, or a UTC timestamp
/// `2026-05-02T…`). Read by hand: the sweep reads two per contact, and a format-string parse
/// costs more than the rest of the row.
fn day(text: &str) -> Option<NaiveDate> {
    day_of(text.as_bytes())
}

/// The user's calendar day of a stored UTC timestamp (`2026-05-02T22:30:00Z` is 3 May in
/// Stockholm in summer), `offset_minutes` east of UTC; a plain date is taken as it is.
fn local_day(b: &[u8], offset_minutes: i32) -> Option<NaiveDate> {
    let date = day_of(b)?;
    if b.len() < 16 || b[10] != b'T' || b[13] != b':' {
        return Some(date);
    }
    let two = |i: usize| -> Option<i32> {
        (b[i].is_ascii_digit() && b[i + 1].is_ascii_digit())
            .then(|| i32::from(b[i] - b'0') * 10 + i32::from(b[i + 1] - b'0'))
    };
    let minutes = two(11)? * 60 + two(14)? + offset_minutes;
    Some(if minutes >= 24 * 60 {
        date.succ_opt()?
    } else if minutes < 0 {
        date.pred_opt()?
    } else {
        date
    })
}

fn day_of(b: &[u8]) -> Option<NaiveDate> {
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> Option<u32> {
        b[range].iter().try_fold(0u32, |n, &d| d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0')))
    };
    NaiveDate::from_ymd_opt(i32::try_from(number(0..4)?).ok()?, number(5..7)?, number(8..10)?)
}

/// What a purpose's period is counted from, for one contact.
enum Anchor {
    /// Consent to a consent purpose was withdrawn on this day: it keeps the person no longer.
    Withdrawn(NaiveDate),
    /// The period runs from this day; the words say what happened on it.
    From(NaiveDate, &'static str),
    /// The anchor has not happened: the purpose keeps the person without end.
    NotYet(&'static str),
}

fn anchor(rule: &PurposeRule, row: &PurposeRow, created: Option<NaiveDate>) -> Anchor {
    let withdrawn = match row.last_consent {
        Some((ConsentEventKind::Withdrawn, at)) => Some(at),
        _ => None,
    };
    match rule.anchor {
        RetentionAnchor::LastInteraction => match (rule.basis, withdrawn) {
            (LawfulBasis::Consent, Some(on)) => Anchor::Withdrawn(on),
            _ => {
                let (from, what) = match row.last_interaction {
                    Some(last) => (Some(last), "the last interaction"),
                    None => (created, "the contact was recorded"),
                };
                from.map_or(Anchor::NotYet("no date to count from"), |from| Anchor::From(from, what))
            }
        },
        RetentionAnchor::FormerCustomer => match row.former_since {
            Some(from) => Anchor::From(from, "becoming a former customer"),
            None => Anchor::NotYet("kept while a customer"),
        },
        RetentionAnchor::ConsentWithdrawn => match withdrawn {
            Some(from) => Anchor::From(from, "consent was withdrawn"),
            None => Anchor::NotYet("kept until consent is withdrawn"),
        },
    }
}

/// When one purpose stops keeping a contact (`None`: not yet).
fn purpose_date(rule: &PurposeRule, row: &PurposeRow, created: Option<NaiveDate>) -> Option<NaiveDate> {
    match anchor(rule, row, created) {
        Anchor::Withdrawn(on) => Some(on),
        Anchor::From(from, _) => from.checked_add_months(Months::new(rule.months)),
        Anchor::NotYet(_) => None,
    }
}

/// The rule that decided, in words: "Customer relationship: 24 months after the last
/// interaction on 2024-05-02".
fn rule_text(rule: &PurposeRule, row: &PurposeRow, created: Option<NaiveDate>) -> String {
    match anchor(rule, row, created) {
        Anchor::Withdrawn(on) => format!("{}: consent withdrawn on {on}", rule.name),
        Anchor::From(from, what) => format!("{}: {} months after {what} on {from}", rule.name, rule.months),
        Anchor::NotYet(why) => format!("{}: {why}", rule.name),
    }
}

#[cfg(test)]
mod tests {
    use super::day;
    use chrono::NaiveDate;

    #[test]
    fn stored_dates_and_timestamps_are_read_and_nonsense_is_not() {
        let may_2 = NaiveDate::from_ymd_opt(2026, 5, 2);
        assert_eq!(day("2026-05-02"), may_2);
        assert_eq!(day("2026-05-02T23:59:59Z"), may_2);
        assert_eq!(day("2024-02-29"), NaiveDate::from_ymd_opt(2024, 2, 29));
        for bad in
            ["2026-02-30", "2025-02-29", "2026/05/02", "2026-5-2", "", "20260502xx", "2026-13-01", "２０２６-05-02"]
        {
            assert_eq!(day(bad), None, "{bad:?}");
        }
    }
}
