//! Data-subject requests (R-12): the inbox with the legal deadline. A request names the contact
//! by its random id, its type, the day it was received, and where it stands; its deadline is
//! one month counted as [`crate::deadline`] counts it, extendable once by two months with a
//! reason, before the first deadline passes. The export or erasure that answered it is linked
//! both ways: `lagom erase ID --request REF` closes the request, and the request names the
//! tombstone or export. Requests are kept after the person is erased (random ids, dates and
//! vocabulary only), so the register shows which deadlines were met.

use chrono::NaiveDate;
use rusqlite::{Row, params};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::audit::{self, AuditAction, Change};
use crate::context::Ctx;
use crate::deadline::{Deadline, HolidayCountry};
use crate::error::{Error, FieldErrorCode, Result};
use crate::vocab::{ExtensionReason, RefusalReason, RequestKind, RequestStatus};

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
    refusal_reason   TEXT CHECK (refusal_reason IN ('manifestly_unfounded', 'excessive', 'identity_not_confirmed')),
    answer           TEXT,
    closed_on        TEXT,
    recorded_by      TEXT NOT NULL,
    created_at       TEXT NOT NULL
) STRICT;
CREATE INDEX request_by_contact ON request (contact_id);
"#;

/// A request to record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RequestInput {
    pub kind: RequestKind,
    pub contact_id: String,
    /// `YYYY-MM-DD`; today when not given.
    pub received: Option<String>,
}

/// One request with its deadline, as the inbox and the export show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Request {
    /// The reference, `REQ-2026-0001`: opaque, for `lagom erase --request`.
    pub id: String,
    pub kind: RequestKind,
    pub contact_id: String,
    pub received: String,
    pub status: RequestStatus,
    /// The day the answer is due (one month, or three once extended), as a working day.
    pub due: String,
    /// How the due date was counted, in words.
    pub working: String,
    /// Open or extended and past its due date (by the clock's today).
    pub overdue: bool,
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

const COLUMNS: &str = "id, kind, contact_id, received, status, extension_reason, refusal_reason, answer, closed_on";

impl<'a> Requests<'a> {
    pub(crate) fn new(ctx: Ctx<'a>) -> Self {
        Requests { ctx }
    }

    /// Records a request received from a contact; its reference is the next `REQ-YEAR-NNNN`.
    pub fn add(&self, input: &RequestInput) -> Result<Request> {
        let conn = self.ctx.conn;
        let tx = conn.unchecked_transaction()?;
        let exists = conn.prepare_cached("SELECT 1 FROM contact WHERE id = ?1")?.exists([&input.contact_id])?;
        if !exists {
            return Err(Error::NotFound { what: "contact" });
        }
        let today = self.ctx.today();
        let received = match input.received.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
            None => today,
            Some(text) => {
                let date = NaiveDate::parse_from_str(text, "%Y-%m-%d")
                    .ok()
                    .filter(|d| text.len() == 10 && *d >= NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(NaiveDate::MIN))
                    .ok_or_else(|| {
                        Error::invalid("received", FieldErrorCode::InvalidDate, "use a date such as 2026-05-02")
                    })?;
                if date > today {
                    return Err(Error::invalid("received", FieldErrorCode::DateInFuture, "the date is after today"));
                }
                date
            }
        };
        let year = received.format("%Y").to_string();
        let taken: i64 = conn
            .prepare_cached("SELECT count(*) FROM request WHERE id GLOB 'REQ-' || ?1 || '-*'")?
            .query_row([&year], |row| row.get(0))?;
        let id = format!("REQ-{year}-{:04}", taken + 1);
        conn.prepare_cached(
            "INSERT INTO request (id, kind, contact_id, received, status, recorded_by, created_at)
             VALUES (?1, ?2, ?3, ?4, 'open', ?5, ?6)",
        )?
        .execute(params![
            id,
            input.kind,
            input.contact_id,
            received.to_string(),
            self.ctx.actor,
            self.ctx.now()
        ])?;
        self.audit(&input.contact_id, &id, input.kind.as_str())?;
        tx.commit()?;
        self.get(&id)
    }

    /// Every request: the open ones first, by due date (overdue at the top), then the closed.
    pub fn list(&self) -> Result<Vec<Request>> {
        let mut requests = self.select("", "")?;
        requests.sort_by(|a, b| {
            let closed = |r: &Request| matches!(r.status, RequestStatus::Answered | RequestStatus::Refused);
            (closed(a), &a.due, &a.id).cmp(&(closed(b), &b.due, &b.id))
        });
        Ok(requests)
    }

    /// The requests about one contact, oldest first.
    pub fn for_contact(&self, contact_id: &str) -> Result<Vec<Request>> {
        self.select("WHERE contact_id = ?1 ORDER BY seq", contact_id)
    }

    pub fn get(&self, id: &str) -> Result<Request> {
        self.select("WHERE id = ?1", id.trim())?.into_iter().next().ok_or(Error::NotFound { what: "request" })
    }

    /// Extends the deadline by two months (three from receipt), with the reason Art. 12(3)
    /// allows; only once, and only before the first deadline has passed.
    pub fn extend(&self, id: &str, reason: ExtensionReason) -> Result<Request> {
        let request = self.get(id)?;
        if request.status != RequestStatus::Open {
            return Err(Error::invalid(
                "status",
                FieldErrorCode::OutOfRange,
                "only an open request, not yet extended, can be extended",
            ));
        }
        if request.overdue {
            return Err(Error::invalid(
                "due",
                FieldErrorCode::OutOfRange,
                format!("the first deadline ({}) has passed: an extension must be made before it", request.due),
            ));
        }
        self.update(
            &request,
            "status = 'extended', extension_reason = ?2",
            &[&request.id, &reason.as_str()],
            "extended",
        )
    }

    /// Records that `answer` — the tombstone of the contact's erasure, or an export of the
    /// contact — answered the request.
    pub fn close(&self, id: &str, answer: &str) -> Result<Request> {
        let request = self.get(id)?;
        self.require_open(&request)?;
        let conn = self.ctx.conn;
        let answer = answer.trim();
        let erased = conn
            .prepare_cached("SELECT 1 FROM erasure WHERE id = ?1 AND contact_id = ?2")?
            .exists([answer, &request.contact_id])?;
        let exported = conn
            .prepare_cached(
                "SELECT 1 FROM audit_entry WHERE action = 'export' AND subject_id = ?2 AND field = 'export/' || ?1",
            )?
            .exists([answer, &request.contact_id])?;
        if !erased && !exported {
            return Err(Error::invalid(
                "answer",
                FieldErrorCode::UnknownAnswer,
                "give the id of this contact's export (from the export's receipt) or erasure (its tombstone)",
            ));
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
            "status = 'refused', refusal_reason = ?2, closed_on = ?3",
            &[&request.id, &reason.as_str(), &today],
            "refused",
        )
    }

    fn require_open(&self, request: &Request) -> Result<()> {
        if matches!(request.status, RequestStatus::Answered | RequestStatus::Refused) {
            return Err(Error::invalid("status", FieldErrorCode::OutOfRange, "the request is already closed"));
        }
        Ok(())
    }

    /// Applies `set` (`?1` is the request's id, then `values`) and audits the new status.
    fn update(&self, request: &Request, set: &str, values: &[&dyn rusqlite::ToSql], status: &str) -> Result<Request> {
        let tx = self.ctx.conn.unchecked_transaction()?;
        self.ctx.conn.prepare_cached(&format!("UPDATE request SET {set} WHERE id = ?1"))?.execute(values)?;
        self.audit(&request.contact_id, &request.id, status)?;
        tx.commit()?;
        self.get(&request.id)
    }

    /// The erase of `contact_id` answered request `id`, when that is an open request of theirs.
    pub(crate) fn answered_by_erasure(&self, id: &str, contact_id: &str, tombstone: &str) -> Result<()> {
        self.ctx
            .conn
            .prepare_cached(
                "UPDATE request SET status = 'answered', answer = ?3, closed_on = ?4
                 WHERE id = ?1 AND contact_id = ?2 AND status IN ('open', 'extended')",
            )?
            .execute(params![id, contact_id, tombstone, self.ctx.today().to_string()])?;
        Ok(())
    }

    fn audit(&self, contact_id: &str, id: &str, status: &str) -> Result<()> {
        audit::record(
            &self.ctx,
            Change {
                action: AuditAction::Update,
                subject_id: Some(contact_id),
                field: Some(&format!("request/{id}")),
                old_value: None,
                new_value: Some(status),
            },
        )
    }

    fn select(&self, clause: &str, param: &str) -> Result<Vec<Request>> {
        let mut statement = self.ctx.conn.prepare_cached(&format!("SELECT {COLUMNS} FROM request {clause}"))?;
        let params: &[&dyn rusqlite::ToSql] = if clause.contains("?1") { &[&param] } else { &[] };
        let rows: Vec<RawRequest> = statement.query_map(params, raw)?.collect::<rusqlite::Result<_>>()?;
        let today = self.ctx.today();
        rows.into_iter().map(|r| r.with_deadline(today)).collect()
    }
}

struct RawRequest {
    id: String,
    kind: RequestKind,
    contact_id: String,
    received: String,
    status: RequestStatus,
    extension_reason: Option<ExtensionReason>,
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
        refusal_reason: row.get(6)?,
        answer: row.get(7)?,
        closed_on: row.get(8)?,
    })
}

impl RawRequest {
    fn with_deadline(self, today: NaiveDate) -> Result<Request> {
        let received = NaiveDate::parse_from_str(&self.received, "%Y-%m-%d")
            .map_err(|_| Error::invalid("received", FieldErrorCode::InvalidDate, "a stored date does not parse"))?;
        let months = if self.extension_reason.is_some() { 3 } else { 1 };
        let deadline = Deadline::after_months(received, months, HolidayCountry::Se).ok_or_else(|| {
            Error::invalid("received", FieldErrorCode::InvalidDate, "the deadline is past the calendar")
        })?;
        let open = matches!(self.status, RequestStatus::Open | RequestStatus::Extended);
        Ok(Request {
            id: self.id,
            kind: self.kind,
            contact_id: self.contact_id,
            received: self.received,
            status: self.status,
            due: deadline.due.to_string(),
            working: deadline.working(),
            overdue: open && today > deadline.due,
            extension_reason: self.extension_reason,
            refusal_reason: self.refusal_reason,
            answer: self.answer,
            closed_on: self.closed_on,
        })
    }
}
