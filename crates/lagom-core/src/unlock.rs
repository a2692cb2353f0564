//! Failed unlock attempts: each one after the second makes the next wait longer (5 s, 10 s,
//! 20 s … up to 15 minutes), across restarts of the app.
//!
//! A wrong passphrase cannot be written into the register (it does not open), so the count is
//! kept beside it in `<db>.attempts` (0600): how many, the first and the last, nothing secret.
//! The next successful unlock moves them into the audit trail and removes the file. Against
//! someone who can delete that file the delay is no protection; the passphrase's Argon2id cost
//! and the key file's encryption are (docs/security.md).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::clock::{Clock, parse_timestamp, timestamp};
use crate::error::{Error, Result};

/// The failed attempts since the last successful unlock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailedAttempts {
    pub failures: u32,
    pub first_at: String,
    pub last_at: String,
}

/// Failures allowed before any wait.
const FREE_ATTEMPTS: u32 = 2;
const FIRST_WAIT_SECONDS: u64 = 5;
const LONGEST_WAIT_SECONDS: u64 = 15 * 60;

/// The wait after `failures` failed attempts.
pub fn wait_after(failures: u32) -> u64 {
    match failures.checked_sub(FREE_ATTEMPTS + 1) {
        None => 0,
        Some(doublings) => {
            FIRST_WAIT_SECONDS.saturating_mul(1u64.checked_shl(doublings).unwrap_or(u64::MAX)).min(LONGEST_WAIT_SECONDS)
        }
    }
}

/// The attempts file of one register.
#[derive(Debug, Clone)]
pub struct UnlockAttempts {
    file: PathBuf,
}

impl UnlockAttempts {
    pub fn for_database(db_path: &Path) -> Self {
        let canonical = crate::store::canonical_path(db_path).unwrap_or_else(|_| db_path.to_owned());
        UnlockAttempts { file: crate::store::with_suffix(&canonical, ".attempts") }
    }

    pub fn path(&self) -> &Path {
        &self.file
    }

    fn read(&self) -> Option<FailedAttempts> {
        let text = std::fs::read_to_string(&self.file).ok()?;
        serde_json::from_str(&text).ok()
    }

    /// `try_later` while the wait after the last failure has not passed.
    pub fn check(&self, clock: &dyn Clock) -> Result<()> {
        let Some(failed) = self.read() else { return Ok(()) };
        let Some(last) = parse_timestamp(&failed.last_at) else { return Ok(()) };
        let until = last + chrono::Duration::seconds(i64::try_from(wait_after(failed.failures)).unwrap_or(i64::MAX));
        let left = (until - clock.now()).num_seconds();
        // A clock set back is no way round the wait: it is counted from the last failure at most.
        if left > 0 {
            let seconds = u64::try_from(left).unwrap_or(0).min(wait_after(failed.failures));
            return Err(Error::TryLater { seconds: seconds.max(1) });
        }
        Ok(())
    }

    /// Counts a failed attempt; returns the wait before the next one.
    pub fn failed(&self, clock: &dyn Clock) -> Result<u64> {
        let now = timestamp(clock.now());
        let failed = match self.read() {
            Some(before) => FailedAttempts { failures: before.failures.saturating_add(1), last_at: now, ..before },
            None => FailedAttempts { failures: 1, first_at: now.clone(), last_at: now },
        };
        let json =
            serde_json::to_vec(&failed).map_err(|e| Error::io("encode", &self.file, std::io::Error::other(e)))?;
        crate::store::write_atomically(&self.file, &json)?;
        Ok(wait_after(failed.failures))
    }

    /// After a successful unlock: the failures to record, and the file gone.
    pub fn succeeded(&self) -> Option<FailedAttempts> {
        let failed = self.read();
        let _ = std::fs::remove_file(&self.file);
        failed
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::clock::FixedClock;

    #[test]
    fn each_failure_after_the_second_waits_longer_up_to_fifteen_minutes() {
        let waits: Vec<u64> = (0..=12).map(wait_after).collect();
        assert_eq!(waits, [0, 0, 0, 5, 10, 20, 40, 80, 160, 320, 640, 900, 900]);
        assert_eq!(wait_after(u32::MAX), 900);
    }

    #[test]
    fn the_wait_holds_across_restarts_and_ends_on_time() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("lagom.db");
        let clock = FixedClock::at(chrono::DateTime::parse_from_rfc3339("2026-11-30T10:00:00Z").unwrap().to_utc());
        let attempts = UnlockAttempts::for_database(&db);
        for _ in 0..3 {
            attempts.check(&clock).unwrap();
            attempts.failed(&clock).unwrap();
        }
        // A new process reads the same file.
        let again = UnlockAttempts::for_database(&db);
        assert!(matches!(again.check(&clock), Err(Error::TryLater { seconds: 5 })));
        clock.advance(chrono::Duration::seconds(4));
        assert!(matches!(again.check(&clock), Err(Error::TryLater { seconds: 1 })));
        clock.advance(chrono::Duration::seconds(1));
        again.check(&clock).unwrap();
        let failed = again.succeeded().unwrap();
        assert_eq!(failed.failures, 3);
        assert!(!again.path().exists());
        again.check(&clock).unwrap();
    }
}
