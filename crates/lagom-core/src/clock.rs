//! Time and identifiers: the ground floor. Every timestamp Lagom stores comes from the one
//! [`Clock`] a [`crate::Lagom`] holds — the system clock in the app and the CLI, a
//! [`FixedClock`] in tests — so rules about dates can be tested at their boundaries without
//! sleeping. This module imports nothing from the rest of the crate.

use std::sync::Mutex;

use chrono::{DateTime, FixedOffset, NaiveDate, Offset, SecondsFormat, Utc};

/// Where "now" comes from.
pub trait Clock: std::fmt::Debug + Send + Sync {
    fn now(&self) -> DateTime<Utc>;
    /// Today's date where the user is (their time zone): what "today" means on a form, in a
    /// file name, or for a request received at 00:30 local time.
    fn today(&self) -> NaiveDate;
    /// The user's offset from UTC now, in seconds east (Stockholm in summer: 7200): how a
    /// stored UTC timestamp is read as the user's calendar day.
    fn utc_offset_seconds(&self) -> i32;
    /// The user's calendar day at a past moment, with the offset in force then (a breach found
    /// at 23:30 in January is read as that January day in summer too).
    fn date_of(&self, at: DateTime<Utc>) -> NaiveDate {
        FixedOffset::east_opt(self.utc_offset_seconds()).map_or(at.date_naive(), |o| at.with_timezone(&o).date_naive())
    }
}

/// The operating system's clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
    fn today(&self) -> NaiveDate {
        chrono::Local::now().date_naive()
    }
    fn utc_offset_seconds(&self) -> i32 {
        chrono::Local::now().offset().local_minus_utc()
    }
    fn date_of(&self, at: DateTime<Utc>) -> NaiveDate {
        at.with_timezone(&chrono::Local).date_naive()
    }
}

/// A clock that reads what it was set to, and moves only when told.
#[derive(Debug)]
pub struct FixedClock {
    now: Mutex<DateTime<Utc>>,
    /// The user's offset from UTC, for [`Clock::today`].
    offset: FixedOffset,
}

impl FixedClock {
    /// A clock at `now`, for a user in UTC.
    pub fn at(now: DateTime<Utc>) -> Self {
        FixedClock { now: Mutex::new(now), offset: Utc.fix() }
    }

    /// The same clock for a user `offset` from UTC (Stockholm in summer: +02:00).
    pub fn in_offset(self, offset: FixedOffset) -> Self {
        FixedClock { offset, ..self }
    }

    pub fn set(&self, now: DateTime<Utc>) {
        *self.slot() = now;
    }

    pub fn advance(&self, by: chrono::Duration) {
        let mut now = self.slot();
        *now += by;
    }

    fn slot(&self) -> std::sync::MutexGuard<'_, DateTime<Utc>> {
        self.now.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        *self.slot()
    }
    fn today(&self) -> NaiveDate {
        self.slot().with_timezone(&self.offset).date_naive()
    }
    fn utc_offset_seconds(&self) -> i32 {
        self.offset.local_minus_utc()
    }
}

/// A stored timestamp: RFC 3339 in UTC with second precision (`2026-11-29T18:16:28Z`).
pub fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Reads a stored timestamp back (`2026-11-29T18:16:28Z`); the fixed layout is read directly
/// (a scan over every contact reads one each), anything else as RFC 3339.
pub fn parse_timestamp(stored: &str) -> Option<DateTime<Utc>> {
    let b = stored.as_bytes();
    let fixed = b.len() == 20
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && b[19] == b'Z';
    if fixed {
        let n = |from: usize, to: usize| stored.get(from..to).and_then(|d| d.parse::<u32>().ok());
        let date = NaiveDate::from_ymd_opt(i32::try_from(n(0, 4)?).ok()?, n(5, 7)?, n(8, 10)?)?;
        return Some(date.and_hms_opt(n(11, 13)?, n(14, 16)?, n(17, 19)?)?.and_utc());
    }
    DateTime::parse_from_rfc3339(stored).ok().map(|at| at.with_timezone(&Utc))
}

/// A new random identifier (UUID v4). Ids are never reused, so an erased person's id cannot
/// come to mean someone else.
pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn timestamps_are_utc_rfc3339_to_the_second() {
        let clock = FixedClock::at(DateTime::parse_from_rfc3339("2024-02-29T23:59:59.750+01:00").unwrap().to_utc());
        assert_eq!(timestamp(clock.now()), "2024-02-29T22:59:59Z");
        clock.advance(chrono::Duration::days(1));
        assert_eq!(timestamp(clock.now()), "2024-03-01T22:59:59Z");
        assert_eq!(clock.today().to_string(), "2024-03-01");
        let stockholm_summer = clock.in_offset(FixedOffset::east_opt(2 * 3600).unwrap());
        assert_eq!(stockholm_summer.today().to_string(), "2024-03-02", "22:59 UTC is 00:59 tomorrow at +02:00");
    }

    #[test]
    fn stored_timestamps_are_read_back_exactly_and_nonsense_is_not() {
        let at = Utc.with_ymd_and_hms(2024, 2, 29, 23, 59, 58).unwrap();
        assert_eq!(parse_timestamp(&timestamp(at)), Some(at));
        assert_eq!(parse_timestamp("2024-03-01T00:59:58+01:00"), Some(at), "another layout, the same moment");
        for bad in
            ["2025-02-29T10:00:00Z", "2024-13-01T10:00:00Z", "2024-01-01T25:00:00Z", "2024-01-01T10:00Z", "", "x"]
        {
            assert_eq!(parse_timestamp(bad), None, "{bad:?}");
        }
    }
}
