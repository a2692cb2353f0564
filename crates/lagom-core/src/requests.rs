//! Data-subject requests (R-12): the inbox with the legal deadline. A request names the contact
//! by its random id, its type, the day it was received, and where it stands; its deadline is
//! one month counted as [`crate::deadline`] counts it, extendable once by two months with a
//! reason, before the first deadline passes. The export or erasure that answered it is linked
//! both ways: `lagom erase ID --request REF` closes the request, and the request names the
//! tombstone or export. Requests are kept after the person is erased (random ids, dates and
//! vocabulary only), so the register shows which deadlines were met.

use chrono::NaiveDate;
use rusqlite::{OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::audit::{self, AuditAction, Change};
use crate::context::Ctx;
use crate::deadline::{Deadline, HolidayCountry};
use crate::error::{Error, FieldErrorCode, InvalidInput, Result};
use crate::validate;
use crate::vocab::{ExtensionReason, IdentityCheck, RefusalReason, RequestKind, RequestStatus};

pub(crate) const SCHEMA: &str = r#"
CREATE TABLE request (
    seq              INTEGER PRIMARY KEY,
    id               TEXT NOT NULL UNIQUE,
    kind             TEXT NOT NULL CHECK (kind IN
                         ('access', 'portability', 'erasure', 'rectification', 'objection', 'restriction')),
    contact_id       TEXT NOT NULL,
    received         TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('open', 'extended', 'answered', 'refused')),
    extension_reason TEXT CHECK (extension_reason IN ('complexity', 'number_of_requests')),
    extended_on      TEXT,
    refusal_reason   TEXT CHECK (refusal_reason IN ('manifestly_unfounded', 'excessive', 'identity_not_confirmed')),
    answer           TEXT,
    closed_on        TEXT,
    recorded_by      TEXT NOT NULL,
    created_at       TEXT NOT NULL
) STRICT;
CREATE INDEX request_by_contact ON request (contact_id);
"#;

/// Requests from someone not yet matched to a contact: their name and address are held only
/// until their identity is checked and the request is matched (or it is closed), which the
/// table itself enforces. SQLite cannot relax `NOT NULL`, so the table is rebuilt.
pub(crate) const UNMATCHED_SCHEMA: &str = r#"
CREATE TABLE request_v2 (
    seq                 INTEGER PRIMARY KEY,
    id                  TEXT NOT NULL UNIQUE,
    kind                TEXT NOT NULL CHECK (kind IN
                            ('access', 'portability', 'erasure', 'rectification', 'objection', 'restriction')),
    contact_id          TEXT,
    requester_name      TEXT,
    requester_address   TEXT,
    identity_check      TEXT CHECK (identity_check IN ('address_on_file', 'electronic_id', 'id_document', 'in_person')),
    identity_checked_on TEXT,
    received            TEXT NOT NULL,
    status              TEXT NOT NULL CHECK (status IN ('open', 'extended', 'answered', 'refused')),
    extension_reason    TEXT CHECK (extension_reason IN ('complexity', 'number_of_requests')),
    extended_on         TEXT,
    refusal_reason      TEXT CHECK (refusal_reason IN ('manifestly_unfounded', 'excessive', 'identity_not_confirmed')),
    answer              TEXT,
    closed_on           TEXT,
    recorded_by         TEXT NOT NULL,
    created_at          TEXT NOT NULL,
    -- Never both; an open request has one or the other (a refused unmatched one has neither).
    CHECK (contact_id IS NULL OR requester_name IS NULL),
    CHECK (contact_id IS NOT NULL OR requester_name IS NOT NULL OR status NOT IN ('open', 'extended')),
    CHECK (requester_name IS NOT NULL OR requester_address IS NULL),
    CHECK (status IN ('open', 'extended') OR requester_name IS NULL)
) STRICT;
INSERT INTO request_v2 (seq, id, kind, contact_id, received, status, extension_reason, extended_on,
                        refusal_reason, answer, closed_on, recorded_by, created_at)
    SELECT seq, id, kind, contact_id, received, status, extension_reason, extended_on,
           refusal_reason, answer, closed_on, recorded_by, created_at FROM request;
DROP TABLE request;
ALTER TABLE request_v2 RENAME TO request;
CREATE INDEX request_by_contact ON request (contact_id);
"#;

/// A request to record: from a contact, or from a requester not yet matched to one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RequestInput {
    pub kind: RequestKind,
    /// The contact the request is about; `None` while the requester is not matched.
    pub contact_id: Option<String>,
    /// An unmatched requester's name, held only until they are matched to a contact.
    pub requester_name: Option<String>,
    /// How to answer an unmatched requester (email or postal address), held as long as the name.
    pub requester_address: Option<String>,
    /// How the identity was checked, when it already was.
    pub identity_check: Option<IdentityCheck>,
    /// `YYYY-MM-DD`; today when not given.
    pub received: Option<String>,
}

/// The longest requester name and address accepted.
const MAX_REQUESTER_CHARS: usize = 200;

/// One request with its deadline, as the inbox and the export show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Request {
    /// The reference, `REQ-2026-0001`: opaque, for `lagom erase --request`.
    pub id: String,
    pub kind: RequestKind,
    /// The contact; `None` while the requester is not matched.
    pub contact_id: Option<String>,
    /// An unmatched requester's name and address (gone once matched or closed).
    pub requester_name: Option<String>,
    pub requester_address: Option<String>,
    pub identity_check: Option<IdentityCheck>,
    pub identity_checked_on: Option<String>,
    pub received: String,
    pub status: RequestStatus,
    /// The day the answer is due (one month, or three once extended), as a working day.
    pub due: String,
    /// How the due date was counted, in words.
    pub working: String,
    /// Open or extended and past its due date (by the clock's today).
    pub overdue: bool,
    /// Answered or refused after its due date, or overdue: the deadline was missed.
    pub late: bool,
    pub extended_on: Option<String>,
    pub extension_reason: Option<ExtensionReason>,
    pub refusal_reason: Option<RefusalReason>,
    /// The tombstone or export that answered it.
    pub answer: Option<String>,
    pub closed_on: Option<String>,
}

/// The request inbox of one open store.
#[derive(Debug)]
pub struct Requests<'a> {
    ctx: Ctx<'a>,
}

const COLUMNS: &str = "id, kind, contact_id, received, status, extension_reason, extended_on, refusal_reason, answer, \
     closed_on, requester_name, requester_address, identity_check, identity_checked_on";

impl<'a> Requests<'a> {
    pub(crate) fn new(ctx: Ctx<'a>) -> Self {
        Requests { ctx }
    }

    /// Records a request received from a contact, or from a requester not yet matched to one
    /// (name and address only); its reference is the next `REQ-YEAR-NNNN`.
    pub fn add(&self, input: &RequestInput) -> Result<Request> {
        let conn = self.ctx.conn;
        let mut errors = InvalidInput::default();
        let contact_id = input.contact_id.as_deref().map(str::trim).filter(|c| !c.is_empty());
        let (name, address) = match contact_id {
            Some(_) => (None, None),
            None => (
                validate::required_text(
                    &mut errors,
                    "requester_name",
                    input.requester_name.as_deref().unwrap_or_default(),
                    MAX_REQUESTER_CHARS,
                ),
                validate::optional_text(
                    &mut errors,
                    "requester_address",
                    input.requester_address.as_deref(),
                    MAX_REQUESTER_CHARS,
                ),
            ),
        };
        let today = self.ctx.today();
        let received = match input.received.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
            None => Some(today),
            Some(text) => match crate::validate::iso_date(text) {
                None => {
                    errors.push("received", FieldErrorCode::InvalidDate, "use a date such as 2026-05-02");
                    None
                }
                Some(date) if date > today => {
                    errors.push("received", FieldErrorCode::DateInFuture, "the date is after today");
                    None
                }
                Some(date) => Some(date),
            },
        };
        errors.into_result()?;
        let received = received.unwrap_or(today);
        let tx = conn.unchecked_transaction()?;
        if let Some(contact) = contact_id {
            self.ctx.require_contact(contact)?;
        }
        let checked_on = input.identity_check.map(|_| today.to_string());
        let id = self.next_reference(received)?;
        conn.prepare_cached(
            "INSERT INTO request (id, kind, contact_id, requester_name, requester_address, identity_check,
                                  identity_checked_on, received, status, recorded_by, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'open', ?9, ?10)",
        )?
        .execute(params![
            id,
            input.kind,
            contact_id,
            name,
            address,
            input.identity_check,
            checked_on,
            received.to_string(),
            self.ctx.actor,
            self.ctx.now()
        ])?;
        self.audit(AuditAction::Create, contact_id, &id, input.kind.as_str())?;
        tx.commit()?;
        self.get(&id)
    }

    /// Records how the requester's identity was checked and, for an unmatched request, the
    /// contact it is about: the requester's name and address are deleted then.
    pub fn identify(&self, id: &str, contact_id: Option<&str>, check: IdentityCheck) -> Result<Request> {
        let request = self.get(id)?;
        self.require_open(&request)?;
        let contact = match (request.contact_id.as_deref(), contact_id.map(str::trim).filter(|c| !c.is_empty())) {
            (Some(held), Some(given)) if held != given => {
                return Err(Error::invalid(
                    "contact_id",
                    FieldErrorCode::RequestMismatch,
                    "the request is already matched to another contact",
                ));
            }
            (Some(held), _) => held.to_owned(),
            (None, Some(given)) => given.to_owned(),
            (None, None) => {
                return Err(Error::invalid(
                    "contact_id",
                    FieldErrorCode::RequestUnmatched,
                    "choose the contact the request is about",
                ));
            }
        };
        self.ctx.require_contact(&contact)?;
        let today = self.ctx.today().to_string();
        self.update(
            &request,
            "contact_id = ?2, identity_check = ?3, identity_checked_on = ?4,
             requester_name = NULL, requester_address = NULL",
            &[&request.id, &contact, &check.as_str(), &today],
            "identity_checked",
        )
    }

    /// The next free `REQ-YEAR-NNNN` of the year of receipt: after the highest so far, and
    /// never one an older tombstone already names.
    fn next_reference(&self, received: NaiveDate) -> Result<String> {
        let conn = self.ctx.conn;
        let year = received.format("%Y").to_string();
        let highest: i64 = conn
            .prepare_cached(
                "SELECT COALESCE(max(CAST(substr(id, 10) AS INTEGER)), 0) FROM request WHERE id GLOB 'REQ-' || ?1 || '-*'",
            )?
            .query_row([&year], |row| row.get(0))?;
        let mut number = highest + 1;
        loop {
            let id = format!("REQ-{year}-{number:04}");
            let taken = conn.prepare_cached("SELECT 1 FROM erasure WHERE request_id = ?1")?.exists([&id])?
                || conn.prepare_cached("SELECT 1 FROM request WHERE id = ?1")?.exists([&id])?;
            if !taken {
                return Ok(id);
            }
            number += 1;
        }
    }

    /// Every request: the open ones first, by due date (overdue at the top; receipt order on
    /// the same day), then the closed ones, latest first.
    pub fn list(&self) -> Result<Vec<Request>> {
        self.list_as_of(None)
    }

    /// [`Requests::list`] with "overdue" counted as of `as_of` (today when `None`).
    pub fn list_as_of(&self, as_of: Option<NaiveDate>) -> Result<Vec<Request>> {
        let requests = self.select_as_of("ORDER BY seq", "", as_of.unwrap_or_else(|| self.ctx.today()))?;
        let (mut open, mut closed): (Vec<Request>, Vec<Request>) =
            requests.into_iter().partition(|r| matches!(r.status, RequestStatus::Open | RequestStatus::Extended));
        open.sort_by(|a, b| a.due.cmp(&b.due));
        closed.reverse();
        closed.sort_by(|a, b| b.closed_on.cmp(&a.closed_on));
        open.extend(closed);
        Ok(open)
    }

    /// The requests about one contact, oldest first.
    pub fn for_contact(&self, contact_id: &str) -> Result<Vec<Request>> {
        self.select("WHERE contact_id = ?1 ORDER BY seq", contact_id)
    }

    pub fn get(&self, id: &str) -> Result<Request> {
        self.select("WHERE id = ?1", id.trim())?.into_iter().next().ok_or(Error::NotFound { what: "request" })
    }

    /// Extends the deadline by two further months, with the reason Art. 12(3) allows; only
    /// once, and only before the first deadline has passed.
    pub fn extend(&self, id: &str, reason: ExtensionReason) -> Result<Request> {
        let request = self.get(id)?;
        match request.status {
            RequestStatus::Open if request.overdue => Err(Error::invalid(
                "reason",
                FieldErrorCode::ExtensionTooLate,
                format!("the first deadline ({}) has passed: an extension must be made before it", request.due),
            )),
            RequestStatus::Open => {
                let today = self.ctx.today().to_string();
                self.update(
                    &request,
                    "status = 'extended', extension_reason = ?2, extended_on = ?3",
                    &[&request.id, &reason.as_str(), &today],
                    "extended",
                )
            }
            RequestStatus::Extended => {
                Err(Error::invalid("reason", FieldErrorCode::AlreadyExtended, "the request was already extended once"))
            }
            RequestStatus::Answered | RequestStatus::Refused => Err(closed_error()),
        }
    }

    /// Records what answered the request: for an erasure request the tombstone of the
    /// contact's erasure; for access or portability an export of the contact made on or after
    /// the day it was received; rectification, objection and restriction are closed without
    /// one (the change itself is in the contact's audit trail).
    ///
    /// A request from someone not matched to any contact is closed without an answer id:
    /// "we hold no data about you" (their name and address are deleted then). Access and
    /// portability are answered with the person's data, so only after their identity was
    /// checked.
    pub fn close(&self, id: &str, answer: Option<&str>) -> Result<Request> {
        let request = self.get(id)?;
        self.require_open(&request)?;
        let answer = answer.map(str::trim).filter(|a| !a.is_empty());
        let Some(contact_id) = request.contact_id.as_deref() else {
            if answer.is_some() {
                return Err(Error::invalid(
                    "answer",
                    FieldErrorCode::RequestUnmatched,
                    "match the request to a contact first, or close it without an answer: no data held",
                ));
            }
            let today = self.ctx.today().to_string();
            return self.update(
                &request,
                "status = 'answered', closed_on = ?2, requester_name = NULL, requester_address = NULL",
                &[&request.id, &today],
                "answered: no data held",
            );
        };
        if matches!(request.kind, RequestKind::Access | RequestKind::Portability) && request.identity_check.is_none() {
            return Err(Error::invalid(
                "identity_check",
                FieldErrorCode::IdentityNotChecked,
                "record how the requester's identity was checked before sending them the data",
            ));
        }
        let conn = self.ctx.conn;
        let mismatch = |message: &str| Error::invalid("answer", FieldErrorCode::AnswerMismatch, message);
        match (request.kind, answer) {
            (RequestKind::Erasure, Some(answer)) => {
                let erased = conn
                    .prepare_cached("SELECT 1 FROM erasure WHERE id = ?1 AND contact_id = ?2")?
                    .exists([answer, contact_id])?;
                if !erased {
                    return Err(unknown_answer());
                }
            }
            (RequestKind::Access | RequestKind::Portability, Some(answer)) => {
                let exported_on: Option<String> = conn
                    .prepare_cached(
                        "SELECT substr(at, 1, 10) FROM audit_entry
                         WHERE action = 'export' AND subject_id = ?2 AND field = 'export/' || ?1",
                    )?
                    .query_row([answer, contact_id], |row| row.get(0))
                    .optional()?;
                match exported_on {
                    None => return Err(unknown_answer()),
                    Some(on) if on < request.received => {
                        return Err(mismatch("that export was made before the request was received: export again"));
                    }
                    Some(_) => {}
                }
            }
            (RequestKind::Rectification | RequestKind::Objection | RequestKind::Restriction, None) => {}
            (RequestKind::Erasure, None) => return Err(mismatch("give the tombstone id of the contact's erasure")),
            (RequestKind::Access | RequestKind::Portability, None) => {
                return Err(mismatch("give the id of the contact's export (from its receipt)"));
            }
            (_, Some(_)) => {
                return Err(mismatch("this kind of request is closed without an export or erasure id"));
            }
        }
        let today = self.ctx.today().to_string();
        self.update(
            &request,
            "status = 'answered', answer = ?2, closed_on = ?3",
            &[&request.id, &answer, &today],
            "answered",
        )
    }

    /// Refuses the request with the reason Art. 12 allows.
    pub fn refuse(&self, id: &str, reason: RefusalReason) -> Result<Request> {
        let request = self.get(id)?;
        self.require_open(&request)?;
        let today = self.ctx.today().to_string();
        self.update(
            &request,
            "status = 'refused', refusal_reason = ?2, closed_on = ?3, requester_name = NULL, requester_address = NULL",
            &[&request.id, &reason.as_str(), &today],
            "refused",
        )
    }

    fn require_open(&self, request: &Request) -> Result<()> {
        if matches!(request.status, RequestStatus::Answered | RequestStatus::Refused) {
            return Err(closed_error());
        }
        Ok(())
    }

    /// Applies `set` (`?1` is the request's id, then `values`) to a request still open, and
    /// audits the new status.
    fn update(
        &self,
        request: &Request,
        set: &'static str,
        values: &[&dyn rusqlite::ToSql],
        status: &str,
    ) -> Result<Request> {
        let tx = self.ctx.conn.unchecked_transaction()?;
        let changed = self
            .ctx
            .conn
            .prepare_cached(&format!("UPDATE request SET {set} WHERE id = ?1 AND status IN ('open', 'extended')"))?
            .execute(values)?;
        if changed != 1 {
            return Err(closed_error());
        }
        self.audit(AuditAction::Update, request.contact_id.as_deref(), &request.id, status)?;
        tx.commit()?;
        let updated = self.get(&request.id)?;
        if request.requester_name.is_some() && updated.requester_name.is_none() {
            // A requester's name was deleted: its old page must not linger in the write-ahead log.
            crate::rights::checkpoint_truncate(self.ctx.conn);
        }
        Ok(updated)
    }

    /// Before an erase that names `reference`: an inbox reference must be an open erasure
    /// request of this contact. Returns whether it is one (an external reference is kept as
    /// given). Call inside the erase transaction, before anything is deleted.
    pub(crate) fn check_erasure_reference(&self, reference: &str, contact_id: &str) -> Result<bool> {
        let found: Option<(Option<String>, RequestKind, RequestStatus)> = self
            .ctx
            .conn
            .prepare_cached("SELECT contact_id, kind, status FROM request WHERE id = ?1")?
            .query_row([reference], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
            .optional()?;
        let mismatch = |message: String| Error::invalid("request", FieldErrorCode::RequestMismatch, message);
        match found {
            None if is_inbox_reference(reference) => {
                Err(mismatch(format!("there is no request {reference} in the inbox: nothing was erased")))
            }
            None => Ok(false),
            Some((owner, _, _)) if owner.as_deref() != Some(contact_id) => {
                Err(mismatch(format!("{reference} is another person's request: nothing was erased")))
            }
            Some((_, kind, _)) if kind != RequestKind::Erasure => {
                Err(mismatch(format!("{reference} is a request for {kind}, not erasure: nothing was erased")))
            }
            Some((_, _, RequestStatus::Answered | RequestStatus::Refused)) => {
                Err(mismatch(format!("{reference} is already closed: nothing was erased")))
            }
            Some(_) => Ok(true),
        }
    }

    /// The erase of `contact_id` answered request `id` (checked by
    /// [`Requests::check_erasure_reference`] in the same transaction).
    pub(crate) fn answered_by_erasure(&self, id: &str, contact_id: &str, tombstone: &str) -> Result<()> {
        let changed = self
            .ctx
            .conn
            .prepare_cached(
                "UPDATE request SET status = 'answered', answer = ?3, closed_on = ?4
                 WHERE id = ?1 AND contact_id = ?2 AND kind = 'erasure' AND status IN ('open', 'extended')",
            )?
            .execute(params![id, contact_id, tombstone, self.ctx.today().to_string()])?;
        if changed != 1 {
            return Err(closed_error());
        }
        Ok(())
    }

    /// Audits a request's change under its contact (or, unmatched, under the request itself;
    /// never the requester's name).
    fn audit(&self, action: AuditAction, contact_id: Option<&str>, id: &str, status: &str) -> Result<()> {
        audit::record(
            &self.ctx,
            Change {
                action,
                subject_id: Some(contact_id.unwrap_or(id)),
                field: Some(&format!("request/{id}")),
                old_value: None,
                new_value: Some(status),
            },
        )
    }

    /// Requests matching `clause`, which binds `param` as `?1` when it has one.
    fn select(&self, clause: &'static str, param: &str) -> Result<Vec<Request>> {
        self.select_as_of(clause, param, self.ctx.today())
    }

    fn select_as_of(&self, clause: &'static str, param: &str, today: NaiveDate) -> Result<Vec<Request>> {
        let mut statement = self.ctx.conn.prepare_cached(&format!("SELECT {COLUMNS} FROM request {clause}"))?;
        let params: &[&dyn rusqlite::ToSql] = if clause.contains("?1") { &[&param] } else { &[] };
        let rows: Vec<RawRequest> = statement.query_map(params, raw)?.collect::<rusqlite::Result<_>>()?;
        let country = crate::settings::Settings::load(self.ctx.conn)?.holiday_country;
        rows.into_iter().map(|r| r.with_deadline(today, country)).collect()
    }
}

struct RawRequest {
    id: String,
    kind: RequestKind,
    contact_id: Option<String>,
    requester_name: Option<String>,
    requester_address: Option<String>,
    identity_check: Option<IdentityCheck>,
    identity_checked_on: Option<String>,
    received: String,
    status: RequestStatus,
    extension_reason: Option<ExtensionReason>,
    extended_on: Option<String>,
    refusal_reason: Option<RefusalReason>,
    answer: Option<String>,
    closed_on: Option<String>,
}

fn raw(row: &Row<'_>) -> rusqlite::Result<RawRequest> {
    Ok(RawRequest {
        id: row.get(0)?,
        kind: row.get(1)?,
        contact_id: row.get(2)?,
        received: row.get(3)?,
        status: row.get(4)?,
        extension_reason: row.get(5)?,
        extended_on: row.get(6)?,
        refusal_reason: row.get(7)?,
        answer: row.get(8)?,
        closed_on: row.get(9)?,
        requester_name: row.get(10)?,
        requester_address: row.get(11)?,
        identity_check: row.get(12)?,
        identity_checked_on: row.get(13)?,
    })
}

impl RawRequest {
    fn with_deadline(self, today: NaiveDate, country: HolidayCountry) -> Result<Request> {
        let received = NaiveDate::parse_from_str(&self.received, "%Y-%m-%d")
            .map_err(|_| Error::invalid("received", FieldErrorCode::InvalidDate, "a stored date does not parse"))?;
        let deadline = if self.extension_reason.is_some() {
            Deadline::extended(received, country)
        } else {
            Deadline::after_months(received, 1, country)
        }
        .ok_or_else(|| Error::invalid("received", FieldErrorCode::InvalidDate, "the deadline is past the calendar"))?;
        let open = matches!(self.status, RequestStatus::Open | RequestStatus::Extended);
        let due = deadline.due.to_string();
        let late =
            (open && today > deadline.due) || self.closed_on.as_deref().is_some_and(|closed| closed > due.as_str());
        Ok(Request {
            id: self.id,
            kind: self.kind,
            contact_id: self.contact_id,
            requester_name: self.requester_name,
            requester_address: self.requester_address,
            identity_check: self.identity_check,
            identity_checked_on: self.identity_checked_on,
            received: self.received,
            status: self.status,
            working: deadline.working(),
            overdue: open && today > deadline.due,
            late,
            due,
            extension_reason: self.extension_reason,
            extended_on: self.extended_on,
            refusal_reason: self.refusal_reason,
            answer: self.answer,
            closed_on: self.closed_on,
        })
    }
}

fn closed_error() -> Error {
    Error::invalid("status", FieldErrorCode::RequestClosed, "the request is already answered or refused")
}

fn unknown_answer() -> Error {
    Error::invalid(
        "answer",
        FieldErrorCode::UnknownAnswer,
        "give the id of this contact's export (from its receipt) or erasure (its tombstone)",
    )
}

/// Whether `reference` has the inbox's shape, `REQ-2026-0001`.
fn is_inbox_reference(reference: &str) -> bool {
    let parts: Vec<&str> = reference.split('-').collect();
    matches!(parts.as_slice(), ["REQ", year, number]
        if year.len() == 4 && year.bytes().all(|b| b.is_ascii_digit())
            && !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit()))
}
