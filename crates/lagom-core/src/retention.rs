//! Retention (R-9): when each contact's data is due for erasure, and why.
//!
//! Each purpose keeps its contacts for `retention_months` counted from its anchor: the last
//! interaction (or the contact's creation when there is none), the move to "former customer",
//! or the withdrawal of consent. A purpose whose anchor has not happened yet (still a
//! customer, consent not withdrawn) keeps the contact without end. A consent purpose stops
//! keeping the contact once its consent is withdrawn. The contact's expiry is the latest over
//! the purposes it is held for, pushed later by a legal hold (e.g. the Bookkeeping Act). The
//! preview lists who is due by a date; applying it erases them exactly as a manual erase does.

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

/// The sweep's memory and what makes it fast: the day each due contact was first found due
/// (the grace period before automatic erasure counts from it), and a covering index so the
/// sweep reads contacts' anchors without their names.
pub(crate) const SWEEP_SCHEMA: &str = r#"
CREATE TABLE retention_due (
    contact_id TEXT PRIMARY KEY REFERENCES contact(id) ON DELETE CASCADE,
    since      TEXT NOT NULL CHECK (since GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]')
) STRICT, WITHOUT ROWID;
CREATE INDEX contact_retention ON contact (id, created_at, stage);
CREATE INDEX consent_event_by_contact_purpose ON consent_event (contact_id, purpose_id, seq, kind, at);
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
    /// The day the sweep first found the contact due; the grace period counts from it.
    pub due_since: Option<String>,
    /// The first day automatic erasure may take the contact (`due_since` + the grace period);
    /// `None` until a sweep has seen the contact due.
    pub erasable_from: Option<String>,
    /// Held only for consent purposes, and every consent is withdrawn.
    pub consent_withdrawn_only: bool,
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

/// What one sweep found and did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct SweepReport {
    /// The day the sweep counted as today.
    pub on: String,
    /// Everyone due today, earliest first, with their grace period.
    pub due: Vec<Expiry>,
    /// Erased by automatic erasure (only when it is on and their grace period has passed).
    pub erased: Vec<ErasureReceipt>,
}

/// Retention of one open store.
#[derive(Debug)]
pub struct Retention<'a> {
    ctx: Ctx<'a>,
}

/// What one purpose says about one contact: the anchors its rule may count from.
struct PurposeRow {
    /// The contact, as an index into the sweep's list of contacts.
    contact: usize,
    created: Option<NaiveDate>,
    purpose: usize,
    last_interaction: Option<NaiveDate>,
    former_since: Option<NaiveDate>,
    last_consent: Option<(ConsentEventKind, NaiveDate)>,
}

/// What one pass over the register found.
struct Dates {
    rules: Vec<PurposeRule>,
    rows: Vec<PurposeRow>,
    /// (id, created, a former customer), in id order; rows point into it.
    contacts: Vec<(String, Option<NaiveDate>, bool)>,
    holds: HashMap<String, NaiveDate>,
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
    contact_id: String,
    date: Option<NaiveDate>,
    decided_by: Decider,
    consent_withdrawn_only: bool,
}

#[derive(Clone, Copy)]
enum Decider {
    Purpose(usize),
    Hold(NaiveDate),
}

/// The home view's lists.
pub(crate) struct Attention {
    pub due_now: Vec<Expiry>,
    pub due_soon: Vec<Expiry>,
    pub consent_withdrawn_only: Vec<Expiry>,
}

impl<'a> Retention<'a> {
    pub(crate) fn new(ctx: Ctx<'a>) -> Self {
        Retention { ctx }
    }

    /// Every contact whose expiry is on or before `as_of` (today when `None`), earliest first.
    pub fn preview(&self, as_of: Option<NaiveDate>) -> Result<Vec<Expiry>> {
        let as_of = as_of.unwrap_or_else(|| self.ctx.today());
        self.expiring(None, as_of)
    }

    /// Every contact whose expiry is after `after` and on or before `until`, earliest first:
    /// "who expires in the next 30 days".
    pub fn expiring_between(&self, after: NaiveDate, until: NaiveDate) -> Result<Vec<Expiry>> {
        self.expiring(Some(after), until)
    }

    /// One contact's expiry (`None`: kept without end by a purpose whose anchor has not come).
    pub fn expiry_of(&self, contact_id: &str) -> Result<Option<Expiry>> {
        self.ctx.require_contact(contact_id)?;
        let Dates { rules, rows, dated, .. } = self.dates()?;
        let Some(found) = dated.into_iter().find(|d| d.contact_id == contact_id && d.date.is_some()) else {
            return Ok(None);
        };
        Ok(self.describe(&rules, &rows, vec![found])?.pop())
    }

    /// Erases everyone due by `as_of` (not after today), each exactly as a manual erase, and
    /// returns the receipts. This is "Erase the due ones now": the person has seen the preview,
    /// so the grace period does not hold them back.
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
        self.preview(as_of)?.iter().map(|e| rights.erase_expired(&e.contact_id)).collect()
    }

    /// The sweep the app runs at start-up and daily: remembers since when each contact has
    /// been due (and forgets those no longer due), then, when automatic erasure is on, erases
    /// those whose grace period has passed.
    pub fn sweep(&self) -> Result<SweepReport> {
        let today = self.ctx.today();
        let settings = Settings::load(self.ctx.conn)?;
        let Dates { rules, rows, dated, .. } = self.dates()?;
        let due: Vec<Dated> = dated.into_iter().filter(|d| d.date.is_some_and(|date| date <= today)).collect();
        let tx = self.ctx.conn.unchecked_transaction()?;
        tx.execute_batch(
            "CREATE TEMP TABLE IF NOT EXISTS sweep_due (contact_id TEXT PRIMARY KEY) WITHOUT ROWID;
             DELETE FROM temp.sweep_due;",
        )?;
        {
            let mut insert = tx.prepare_cached("INSERT INTO temp.sweep_due (contact_id) VALUES (?1)")?;
            for d in &due {
                insert.execute([&d.contact_id])?;
            }
        }
        tx.execute("DELETE FROM retention_due WHERE contact_id NOT IN (SELECT contact_id FROM temp.sweep_due)", [])?;
        tx.execute(
            "INSERT OR IGNORE INTO retention_due (contact_id, since) SELECT contact_id, ?1 FROM temp.sweep_due",
            [today.to_string()],
        )?;
        tx.execute("DELETE FROM temp.sweep_due", [])?;
        tx.commit()?;
        let mut due = self.describe(&rules, &rows, due)?;
        due.sort_by(|a, b| {
            (&a.expires, &a.family_name, &a.contact_id).cmp(&(&b.expires, &b.family_name, &b.contact_id))
        });
        let mut erased = Vec::new();
        if settings.automatic_erasure {
            let rights = Rights::new(self.ctx);
            let today = today.to_string();
            for expiry in &due {
                if expiry.erasable_from.as_deref().is_some_and(|from| from <= today.as_str()) {
                    erased.push(rights.erase_expired(&expiry.contact_id)?);
                }
            }
            due.retain(|e| !erased.iter().any(|r| r.tombstone.contact_id == e.contact_id));
        }
        Ok(SweepReport { on: today.to_string(), due, erased })
    }

    /// How many contacts a purpose's new retention would move into today's preview: those
    /// not due now who would be due with `months` counted from `anchor`.
    pub fn moved_by(&self, purpose_id: &str, months: u32, anchor: RetentionAnchor) -> Result<usize> {
        let today = self.ctx.today();
        let Dates { mut rules, rows, contacts, holds, dated: before } = self.dates()?;
        let Some(index) = rules.iter().position(|r| r.id == purpose_id) else {
            return Err(Error::NotFound { what: "purpose" });
        };
        rules[index].months = months;
        rules[index].anchor = anchor;
        let after = combine(&rules, &rows, &contacts, &holds);
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

    /// The day the sweep first found the contact due, if it has and they still are.
    pub fn due_since(&self, contact_id: &str) -> Result<Option<String>> {
        Ok(self
            .ctx
            .conn
            .prepare_cached("SELECT since FROM retention_due WHERE contact_id = ?1")?
            .query_row([contact_id], |row| row.get(0))
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
        let Dates { rules, rows, dated, .. } = self.dates()?;
        let (mut now, mut soon, mut withdrawn) = (Vec::new(), Vec::new(), Vec::new());
        for d in dated {
            if d.consent_withdrawn_only {
                withdrawn.push(d.clone());
            }
            match d.date {
                Some(date) if date <= today => now.push(d),
                Some(date) if date <= until => soon.push(d),
                _ => {}
            }
        }
        let sorted = |list: Vec<Dated>| -> Result<Vec<Expiry>> {
            let mut out = self.describe(&rules, &rows, list)?;
            out.sort_by(|a, b| {
                (&a.expires, &a.family_name, &a.contact_id).cmp(&(&b.expires, &b.family_name, &b.contact_id))
            });
            Ok(out)
        };
        Ok(Attention { due_now: sorted(now)?, due_soon: sorted(soon)?, consent_withdrawn_only: sorted(withdrawn)? })
    }

    /// Who expires after `after` (or any time when `None`) and by `until`, with names, words
    /// and grace period.
    fn expiring(&self, after: Option<NaiveDate>, until: NaiveDate) -> Result<Vec<Expiry>> {
        let Dates { rules, rows, dated, .. } = self.dates()?;
        let chosen: Vec<Dated> = dated
            .into_iter()
            .filter(|d| d.date.is_some_and(|date| date <= until && after.is_none_or(|a| date > a)))
            .collect();
        let mut out = self.describe(&rules, &rows, chosen)?;
        out.sort_by(|a, b| {
            (&a.expires, &a.family_name, &a.contact_id).cmp(&(&b.expires, &b.family_name, &b.contact_id))
        });
        Ok(out)
    }

    /// Names, the rule in words and the grace period, for the few contacts a caller shows.
    fn describe(&self, rules: &[PurposeRule], rows: &[PurposeRow], chosen: Vec<Dated>) -> Result<Vec<Expiry>> {
        let grace = Days::new(u64::from(Settings::load(self.ctx.conn)?.grace_days));
        let mut name = self.ctx.conn.prepare_cached(
            "SELECT c.given_name, c.family_name, d.since FROM contact c
             LEFT JOIN retention_due d ON d.contact_id = c.id WHERE c.id = ?1",
        )?;
        chosen
            .into_iter()
            .map(|d| {
                let (given_name, family_name, due_since): (String, String, Option<String>) =
                    name.query_row([&d.contact_id], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?;
                let rule = match d.decided_by {
                    Decider::Purpose(i) => rule_text(&rules[rows[i].purpose], &rows[i]),
                    Decider::Hold(until) => format!("legal hold until {until}"),
                };
                let erasable_from = due_since
                    .as_deref()
                    .and_then(crate::validate::iso_date)
                    .and_then(|since| since.checked_add_days(grace))
                    .map(|d| d.to_string());
                Ok(Expiry {
                    contact_id: d.contact_id,
                    given_name,
                    family_name,
                    expires: d.date.map(|date| date.to_string()).unwrap_or_default(),
                    rule,
                    due_since,
                    erasable_from,
                    consent_withdrawn_only: d.consent_withdrawn_only,
                })
            })
            .collect()
    }

    /// The latest hold's end per contact (the table is small: read it whole).
    fn holds_by_contact(&self) -> Result<HashMap<String, NaiveDate>> {
        let mut holds: HashMap<String, NaiveDate> = HashMap::new();
        let mut statement = self.ctx.conn.prepare_cached("SELECT contact_id, until FROM retention_hold")?;
        let mut rows = statement.query([])?;
        while let Some(row) = rows.next()? {
            let contact: String = row.get(0)?;
            let until: String = row.get(1)?;
            if let Some(until) = crate::validate::iso_date(&until) {
                let entry = holds.entry(contact).or_insert(until);
                *entry = (*entry).max(until);
            }
        }
        Ok(holds)
    }

    /// Every contact's expiry date. Each table the rules need is read once, in contact id
    /// order, through a covering index (contacts' creation and stage; the last interaction per
    /// contact; the latest consent given or withdrawn per contact and purpose), and merged with
    /// the contacts' purposes in the same order: no lookup per contact, names never read.
    fn dates(&self) -> Result<Dates> {
        let conn = self.ctx.conn;
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
        let counts_from = |anchor: RetentionAnchor| rules.iter().any(|r| r.anchor == anchor);
        let needs_consent =
            rules.iter().any(|r| r.basis == LawfulBasis::Consent || r.anchor == RetentionAnchor::ConsentWithdrawn);

        // (id, created, a former customer), in id order.
        let mut contacts: Vec<(String, Option<NaiveDate>, bool)> = Vec::new();
        {
            let mut statement = conn.prepare_cached(
                "SELECT id, created_at, stage = 'former_customer' FROM contact INDEXED BY contact_retention ORDER BY id",
            )?;
            let mut result = statement.query([])?;
            while let Some(row) = result.next()? {
                contacts.push((row.get(0)?, day(text(row, 1)?), row.get(2)?));
            }
        }
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
        // The latest consent given or withdrawn per (contact, purpose), in that order.
        let mut consents: Vec<(String, String, ConsentEventKind, Option<NaiveDate>)> = Vec::new();
        if needs_consent {
            let mut statement = conn.prepare_cached(
                "SELECT contact_id, purpose_id, kind, at FROM consent_event INDEXED BY consent_event_by_contact_purpose
                 WHERE purpose_id IS NOT NULL AND kind IN ('given', 'withdrawn')
                 ORDER BY contact_id, purpose_id, seq",
            )?;
            let mut result = statement.query([])?;
            while let Some(row) = result.next()? {
                let (contact, purpose) = (text(row, 0)?, text(row, 1)?);
                let kind: ConsentEventKind = row.get(2)?;
                let at = day(text(row, 3)?);
                match consents.last_mut() {
                    Some(last) if last.0 == contact && last.1 == purpose => (last.2, last.3) = (kind, at),
                    _ => consents.push((contact.to_owned(), purpose.to_owned(), kind, at)),
                }
            }
        }
        let mut former_since = conn.prepare_cached(
            "SELECT max(at) FROM audit_entry WHERE subject_id = ?1 AND field = 'stage' AND new_value = 'former_customer'",
        )?;

        let mut rows = Vec::new();
        let (mut c, mut i, mut k) = (0, 0, 0);
        let mut former: Option<(usize, Option<NaiveDate>)> = None;
        let mut statement =
            conn.prepare_cached("SELECT contact_id, purpose_id FROM contact_purpose ORDER BY contact_id, purpose_id")?;
        let mut result = statement.query([])?;
        while let Some(row) = result.next()? {
            let (contact_id, purpose_id) = (text(row, 0)?, text(row, 1)?);
            let Some(&purpose) = index.get(purpose_id) else { continue };
            while contacts.get(c).is_some_and(|x| x.0.as_str() < contact_id) {
                c += 1;
            }
            let Some((id, created, is_former)) = contacts.get(c).filter(|x| x.0 == contact_id) else { continue };
            while last_interactions.get(i).is_some_and(|x| x.0.as_str() < contact_id) {
                i += 1;
            }
            while consents.get(k).is_some_and(|x| (x.0.as_str(), x.1.as_str()) < (contact_id, purpose_id)) {
                k += 1;
            }
            let rule = &rules[purpose];
            let former_date = if *is_former && rule.anchor == RetentionAnchor::FormerCustomer {
                match former {
                    Some((at, date)) if at == c => date,
                    _ => {
                        let at: Option<String> = former_since.query_row([id], |r| r.get(0))?;
                        let date = at.as_deref().and_then(day);
                        former = Some((c, date));
                        date
                    }
                }
            } else {
                None
            };
            rows.push(PurposeRow {
                contact: c,
                created: *created,
                purpose,
                last_interaction: last_interactions.get(i).filter(|x| x.0 == contact_id).and_then(|x| x.1),
                former_since: former_date,
                last_consent: consents
                    .get(k)
                    .filter(|x| x.0 == contact_id && x.1 == purpose_id)
                    .and_then(|x| x.3.map(|at| (x.2, at))),
            });
        }
        drop(result);
        drop(statement);
        let holds = self.holds_by_contact()?;
        let dated = combine(&rules, &rows, &contacts, &holds);
        Ok(Dates { rules, rows, contacts, holds, dated })
    }
}

/// Each contact's expiry: the latest over its purposes (one without end keeps them), pushed
/// later by a hold. `rows` are grouped by contact; `contacts` holds their ids first.
fn combine(
    rules: &[PurposeRule],
    rows: &[PurposeRow],
    contacts: &[(String, Option<NaiveDate>, bool)],
    holds: &HashMap<String, NaiveDate>,
) -> Vec<Dated> {
    let mut out: Vec<Dated> = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let rule = &rules[row.purpose];
        let date = purpose_date(rule, row);
        let withdrawn_consent =
            rule.basis == LawfulBasis::Consent && matches!(row.last_consent, Some((ConsentEventKind::Withdrawn, _)));
        let contact_id = &contacts[row.contact].0;
        match out.last_mut().filter(|d| &d.contact_id == contact_id) {
            Some(current) => {
                if current.date.is_some() && date.is_none_or(|d| current.date.is_some_and(|c| d > c)) {
                    current.date = date;
                    current.decided_by = Decider::Purpose(i);
                }
                current.consent_withdrawn_only &= withdrawn_consent;
            }
            None => out.push(Dated {
                contact_id: contact_id.clone(),
                date,
                decided_by: Decider::Purpose(i),
                consent_withdrawn_only: withdrawn_consent,
            }),
        }
    }
    for dated in &mut out {
        if let (Some(current), Some(&hold)) = (dated.date, holds.get(&dated.contact_id))
            && hold > current
        {
            dated.date = Some(hold);
            dated.decided_by = Decider::Hold(hold);
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

/// The day a stored date or timestamp falls on (`2026-05-02`, or a UTC timestamp
/// `2026-05-02T…`). Read by hand: the sweep reads two per contact, and a format-string parse
/// costs more than the rest of the row.
fn day(text: &str) -> Option<NaiveDate> {
    let b = text.as_bytes();
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

fn anchor(rule: &PurposeRule, row: &PurposeRow) -> Anchor {
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
                    None => (row.created, "the contact was recorded"),
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
fn purpose_date(rule: &PurposeRule, row: &PurposeRow) -> Option<NaiveDate> {
    match anchor(rule, row) {
        Anchor::Withdrawn(on) => Some(on),
        Anchor::From(from, _) => from.checked_add_months(Months::new(rule.months)),
        Anchor::NotYet(_) => None,
    }
}

/// The rule that decided, in words: "Customer relationship: 24 months after the last
/// interaction on 2024-05-02".
fn rule_text(rule: &PurposeRule, row: &PurposeRow) -> String {
    match anchor(rule, row) {
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
