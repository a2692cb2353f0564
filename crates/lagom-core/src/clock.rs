//! Time and identifiers: the ground floor. Every timestamp Lagom stores comes from the one
//! [`Clock`] a [`crate::Lagom`] holds — the system clock in the app and the CLI, a
//! [`FixedClock`] in tests — so rules about dates can be tested at their boundaries without
//! sleeping. This module imports nothing from the rest of the crate.

use std::sync::Mutex;

use chrono::{DateTime, SecondsFormat, Utc};

/// Where "now" comes from.
pub trait Clock: std::fmt::Debug + Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// The operating system's clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that reads what it was set to, and moves only when told.
#[derive(Debug)]
pub struct FixedClock {
    now: Mutex<DateTime<Utc>>,
}

impl FixedClock {
    pub fn at(now: DateTime<Utc>) -> Self {
        FixedClock { now: Mutex::new(now) }
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
}

/// A stored timestamp: RFC 3339 in UTC with second precision (`2026-11-29T18:16:28Z`).
pub fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A new random identifier (UUID v4). Ids are never reused, so an erased person's id cannot
/// come to mean someone else.
pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_utc_rfc3339_to_the_second() {
        let clock = FixedClock::at(DateTime::parse_from_rfc3339("2024-02-29T23:59:59.750+01:00").unwrap().to_utc());
        assert_eq!(timestamp(clock.now()), "2024-02-29T22:59:59Z");
        clock.advance(chrono::Duration::days(1));
        assert_eq!(timestamp(clock.now()), "2024-03-01T22:59:59Z");
    }
}
