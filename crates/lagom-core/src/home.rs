//! The home view: what needs attention now. Open breaches with their 72-hour deadline, requests
//! near or past their deadline, contacts
//! due for erasure (in their grace period) and due in the next 30 days, contacts held only
//! for consent purposes whose consent is withdrawn, and this month's exports and erasures.

use chrono::{Datelike, Days, Months, NaiveDate};
use serde::Serialize;
use ts_rs::TS;

use crate::breaches::{Breach, Breaches};
use crate::context::Ctx;
use crate::error::Result;
use crate::notices::{Notices, OwedNotices};
use crate::requests::{Request, Requests};
use crate::retention::{Expiry, Retention};
use crate::vocab::RequestStatus;

/// How far ahead the home view looks for expiries.
pub const EXPIRY_HORIZON_DAYS: u64 = 30;
/// How many owed notices the home view lists.
pub const NOTICES_SHOWN: usize = 20;
/// How close a request's due date must be for the home view to show it.
pub const REQUEST_HORIZON_DAYS: u64 = 7;

/// What needs attention, as of one day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Home {
    /// The day the view counts as today.
    pub today: String,
    /// Open breaches with their 72-hour deadline, nearest first: shown at the top until closed;
    /// then breaches notified to the authority whose persons are still to be told (Art. 34).
    pub breaches: Vec<Breach>,
    /// Contacts still owed their information notice (Art. 13, 14): how many, how many
    /// overdue, and the [`NOTICES_SHOWN`] earliest due.
    pub notices: OwedNotices,
    /// Open requests overdue or due within [`REQUEST_HORIZON_DAYS`], overdue first.
    pub requests: Vec<Request>,
    /// All open requests (the inbox's badge).
    pub open_requests: u32,
    /// Due for erasure now, earliest first, each with the day automatic erasure may take it.
    pub due_now: Vec<Expiry>,
    /// Due within the next [`EXPIRY_HORIZON_DAYS`] days.
    pub due_soon: Vec<Expiry>,
    /// Held only for consent purposes, every consent withdrawn: nothing keeps them.
    pub consent_withdrawn_only: Vec<Expiry>,
    pub exports_this_month: u32,
    pub erasures_this_month: u32,
    /// Whether the daily sweep erases by itself, and after how many days in the preview.
    pub automatic_erasure: bool,
    pub grace_days: u32,
    /// An open request not yet matched to a contact: automatic erasure waits for it.
    pub automatic_paused_by: Option<String>,
}

pub(crate) fn build(ctx: Ctx<'_>, as_of: Option<NaiveDate>) -> Result<Home> {
    let today = as_of.unwrap_or_else(|| ctx.today());
    let settings = crate::settings::Settings::load(ctx.conn)?;
    let open: Vec<Request> = Requests::new(ctx)
        .list_as_of(Some(today))?
        .into_iter()
        .filter(|r| matches!(r.status, RequestStatus::Open | RequestStatus::Extended))
        .collect();
    let horizon = today.checked_add_days(Days::new(REQUEST_HORIZON_DAYS)).unwrap_or(today).to_string();
    let open_requests = u32::try_from(open.len()).unwrap_or(u32::MAX);
    let automatic_paused_by = open.iter().find(|r| r.contact_id.is_none()).map(|r| r.id.clone());
    let requests = open.into_iter().filter(|r| r.due <= horizon).collect();
    let until = today.checked_add_days(Days::new(EXPIRY_HORIZON_DAYS)).unwrap_or(today);
    let attention = Retention::new(ctx).attention(today, until)?;
    let month_start = today.with_day(1).unwrap_or(today);
    let next_month = month_start.checked_add_months(Months::new(1)).unwrap_or(today);
    let (from, to) = (month_start.to_string(), next_month.to_string());
    let count =
        |sql: &str| -> Result<u32> { Ok(ctx.conn.prepare_cached(sql)?.query_row([&from, &to], |row| row.get(0))?) };
    Ok(Home {
        today: today.to_string(),
        breaches: Breaches::new(ctx).needing_attention()?,
        notices: Notices::new(ctx).owed(Some(NOTICES_SHOWN))?,
        requests,
        open_requests,
        due_now: attention.due_now,
        due_soon: attention.due_soon,
        consent_withdrawn_only: attention.consent_withdrawn_only,
        exports_this_month: count("SELECT count(*) FROM audit_entry WHERE action = 'export' AND at >= ?1 AND at < ?2")?,
        erasures_this_month: count("SELECT count(*) FROM erasure WHERE at >= ?1 AND at < ?2")?,
        automatic_erasure: settings.automatic_erasure,
        grace_days: settings.grace_days,
        automatic_paused_by,
    })
}
