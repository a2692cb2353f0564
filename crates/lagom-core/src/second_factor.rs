//! The app lock's second factor (R-10): a TOTP code (RFC 6238: HMAC-SHA-1, 6 digits, 30-second
//! steps, one step of drift either way) from the user's authenticator app, or one of ten
//! one-time recovery codes.
//!
//! The shared secret and the recovery codes' hashes are kept in the encrypted register, so the
//! second factor is checked once the register's key has opened it and before anything of it is
//! shown: with the key in the keychain it is what stands between a person at the unlocked
//! session and the register; with a passphrase it is a second thing to know. It is enforced by
//! Lagom, not by the encryption (docs/security.md says what that means). A code is accepted
//! once: a time step already used is refused, so a code seen over a shoulder cannot be replayed.

use rusqlite::OptionalExtension;
use serde::Serialize;
use sha2::{Digest, Sha256};
use totp_rs::{Algorithm, TOTP};
use ts_rs::TS;
use zeroize::Zeroizing;

use crate::context::Ctx;
use crate::error::{Error, Result};

pub(crate) const SCHEMA: &str = r#"
-- The app lock's second factor: the secret shared with the user's authenticator app (RFC 6238)
-- and the last time step a code was accepted for (a code is accepted once). One row or none.
CREATE TABLE second_factor (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    secret      BLOB NOT NULL CHECK (length(secret) = 20),
    enrolled_at TEXT NOT NULL,
    last_step   INTEGER NOT NULL DEFAULT 0
) STRICT;
-- One-time recovery codes, as SHA-256 of the code (50 random bits each); `used_at` once used.
CREATE TABLE recovery_code (
    hash    BLOB PRIMARY KEY CHECK (length(hash) = 32),
    used_at TEXT
) STRICT;
"#;

/// How many recovery codes an enrolment gives.
pub const RECOVERY_CODES: usize = 10;
const STEP_SECONDS: u64 = 30;
const DIGITS: usize = 6;
/// Letters and digits that cannot be mistaken for each other (no 0/o, 1/l/i).
const CODE_ALPHABET: &[u8; 31] = b"abcdefghjkmnpqrstuvwxyz23456789";

/// Whether the second factor is on, and how many recovery codes are left.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct SecondFactorState {
    pub enabled: bool,
    pub enrolled_at: Option<String>,
    pub recovery_codes_left: u32,
}

/// What the enrolment screen shows: the `otpauth://` URI as a QR code and as text, and the
/// secret in groups of four for typing by hand. Shown once; confirmed with a code.
#[derive(Clone, Serialize, TS)]
pub struct Enrolment {
    pub uri: String,
    pub secret: String,
    /// The QR code's modules, row by row (`true` is dark), `qr_width` to a row.
    pub qr: Vec<bool>,
    pub qr_width: u32,
}

impl std::fmt::Debug for Enrolment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Enrolment(<redacted>)")
    }
}

/// A secret being enrolled, held by the caller until a code from it confirms it.
pub struct PendingSecondFactor(Zeroizing<Vec<u8>>);

impl std::fmt::Debug for PendingSecondFactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PendingSecondFactor(<redacted>)")
    }
}

/// How a code was accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case", tag = "by")]
pub enum CodeAccepted {
    Authenticator,
    RecoveryCode { left: u32 },
}

fn totp(secret: &[u8], account: &str) -> Result<TOTP> {
    // The label may not hold ':' (it separates issuer and account).
    let account = account.replace(':', " ");
    TOTP::new(Algorithm::SHA1, DIGITS, 1, STEP_SECONDS, secret.to_vec(), Some("Lagom CRM".into()), account)
        .map_err(|e| Error::io("set up", "the second factor", std::io::Error::other(e.to_string())))
}

/// A new secret (160 bits from the OS's CSPRNG, RFC 4226's recommended length) and what the
/// enrolment screen shows for it.
pub fn begin(account: &str) -> Result<(PendingSecondFactor, Enrolment)> {
    let mut secret = Zeroizing::new(vec![0u8; 20]);
    crate::store::keys::fill_random(&mut secret)?;
    let totp = totp(&secret, account)?;
    let uri = totp.get_url();
    let code = qrcode::QrCode::with_error_correction_level(uri.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| Error::io("draw", "the QR code", std::io::Error::other(e.to_string())))?;
    let qr_width = u32::try_from(code.width()).unwrap_or(0);
    let qr = code.to_colors().into_iter().map(|c| c == qrcode::Color::Dark).collect();
    let base32 = totp.get_secret_base32();
    let grouped = base32.as_bytes().chunks(4).map(|g| String::from_utf8_lossy(g).into_owned()).collect::<Vec<_>>();
    Ok((PendingSecondFactor(secret), Enrolment { uri, secret: grouped.join(" "), qr, qr_width }))
}

impl PendingSecondFactor {
    /// The code an authenticator app holding this secret shows at `unix_seconds` (what the
    /// tests type, as the person would).
    pub fn code_at(&self, unix_seconds: u64) -> Result<String> {
        Ok(totp(&self.0, "")?.generate(unix_seconds))
    }
}

/// The time step (RFC 6238's T) a code matches, within one step of `now_step` either way.
fn matching_step(secret: &[u8], code: &str, now_step: u64) -> Option<u64> {
    let totp = totp(secret, "").ok()?;
    let mut found = None;
    // Every candidate is computed and compared in constant time, whichever matches.
    for step in now_step.saturating_sub(1)..=now_step + 1 {
        let expected = totp.generate(step * STEP_SECONDS);
        let equal: bool = subtle::ConstantTimeEq::ct_eq(expected.as_bytes(), code.as_bytes()).into();
        if equal && found.is_none() {
            found = Some(step);
        }
    }
    found
}

/// A code as typed: spaces and dashes dropped, lower case.
fn normalised(code: &str) -> Zeroizing<String> {
    Zeroizing::new(code.chars().filter(|c| !c.is_whitespace() && *c != '-').flat_map(char::to_lowercase).collect())
}

fn recovery_hash(code: &str) -> Vec<u8> {
    Sha256::digest(normalised(code).as_bytes()).to_vec()
}

/// Ten new one-time codes, `xxxxx-xxxxx` from an unambiguous alphabet.
fn new_recovery_codes() -> Result<Vec<String>> {
    (0..RECOVERY_CODES)
        .map(|_| {
            let mut letters = String::with_capacity(11);
            while letters.len() < 10 {
                let mut byte = [0u8; 1];
                crate::store::keys::fill_random(&mut byte)?;
                // 248 = 8 × 31: bytes above it are drawn again, so every letter is equally likely.
                if let Some(&letter) = CODE_ALPHABET.get(usize::from(byte[0]) % 31).filter(|_| byte[0] < 248) {
                    letters.push(char::from(letter));
                }
            }
            letters.insert(5, '-');
            Ok(letters)
        })
        .collect()
}

/// The second factor's rows as stored, carried from the register a restore replaces into the
/// restored one.
#[derive(Default)]
pub(crate) struct Stored {
    factor: Option<(Zeroizing<Vec<u8>>, String, i64)>,
    codes: Vec<(Vec<u8>, Option<String>)>,
}

impl Stored {
    pub(crate) fn read(conn: &rusqlite::Connection) -> Result<Stored> {
        let factor = conn
            .query_row("SELECT secret, enrolled_at, last_step FROM second_factor", [], |row| {
                Ok((Zeroizing::new(row.get::<_, Vec<u8>>(0)?), row.get(1)?, row.get(2)?))
            })
            .optional()?;
        let codes = conn
            .prepare("SELECT hash, used_at FROM recovery_code")?
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(Stored { factor, codes })
    }

    /// Replaces the second factor in `conn` (a restored copy) with this one; the last time step
    /// accepted is the later of the two, so no code is accepted twice.
    pub(crate) fn write(&self, conn: &rusqlite::Connection) -> Result<()> {
        let restored_step: i64 =
            conn.query_row("SELECT coalesce(max(last_step), 0) FROM second_factor", [], |row| row.get(0))?;
        conn.execute("DELETE FROM second_factor", [])?;
        conn.execute("DELETE FROM recovery_code", [])?;
        if let Some((secret, enrolled_at, last_step)) = &self.factor {
            conn.execute(
                "INSERT INTO second_factor (id, secret, enrolled_at, last_step) VALUES (1, ?1, ?2, ?3)",
                rusqlite::params![secret.as_slice(), enrolled_at, (*last_step).max(restored_step)],
            )?;
        }
        for (hash, used_at) in &self.codes {
            conn.execute(
                "INSERT INTO recovery_code (hash, used_at) VALUES (?1, ?2)",
                rusqlite::params![hash, used_at],
            )?;
        }
        Ok(())
    }
}

/// The second factor of one register.
#[derive(Debug)]
pub struct SecondFactor<'a> {
    pub(crate) ctx: Ctx<'a>,
}

impl SecondFactor<'_> {
    pub fn state(&self) -> Result<SecondFactorState> {
        let conn = self.ctx.conn;
        let enrolled_at: Option<String> =
            conn.query_row("SELECT enrolled_at FROM second_factor", [], |row| row.get(0)).optional()?;
        let left: u32 =
            conn.query_row("SELECT count(*) FROM recovery_code WHERE used_at IS NULL", [], |row| row.get(0))?;
        let enabled = enrolled_at.is_some();
        Ok(SecondFactorState { enabled, enrolled_at, recovery_codes_left: if enabled { left } else { 0 } })
    }

    /// Turns the second factor on once `code` shows the authenticator app holds `pending`'s
    /// secret; returns the ten recovery codes, to be shown once (only their hashes are kept).
    pub fn enable(&self, pending: &PendingSecondFactor, code: &str) -> Result<Vec<String>> {
        if self.state()?.enabled {
            return Err(Error::AlreadyExists { path: "the second factor".into() });
        }
        let step = self.now_step();
        let matched = matching_step(&pending.0, &normalised(code), step).ok_or(Error::WrongCode)?;
        let codes = new_recovery_codes()?;
        let tx = self.ctx.begin()?;
        tx.execute(
            "INSERT INTO second_factor (id, secret, enrolled_at, last_step) VALUES (1, ?1, ?2, ?3)",
            rusqlite::params![pending.0.as_slice(), self.ctx.now(), i64::try_from(matched).unwrap_or(i64::MAX)],
        )?;
        tx.execute("DELETE FROM recovery_code", [])?;
        for code in &codes {
            tx.execute("INSERT INTO recovery_code (hash) VALUES (?1)", [recovery_hash(code)])?;
        }
        self.audit("second_factor", "on")?;
        tx.commit()?;
        Ok(codes)
    }

    /// Accepts a code from the authenticator app (once per time step) or an unused recovery
    /// code (then used up). A right code too late (its step, or a later one, already accepted)
    /// or a recovery code already used is `code_used`; anything else is `wrong_code`.
    pub fn check(&self, code: &str) -> Result<CodeAccepted> {
        let conn = self.ctx.conn;
        let row: Option<(Vec<u8>, i64)> = conn
            .query_row("SELECT secret, last_step FROM second_factor", [], |row| Ok((row.get(0)?, row.get(1)?)))
            .optional()?;
        let Some((secret, last_step)) = row else {
            return Err(Error::NotSetUp { what: "the second factor", how: "turn it on in Settings → Security" });
        };
        let secret = Zeroizing::new(secret);
        let code = normalised(code);
        if code.len() == DIGITS && code.chars().all(|c| c.is_ascii_digit()) {
            let step = matching_step(&secret, &code, self.now_step()).ok_or(Error::WrongCode)?;
            let step = i64::try_from(step).unwrap_or(i64::MAX);
            // A step already used (or an earlier one) is a replay: the right code, too late.
            if step <= last_step {
                return Err(Error::CodeUsed);
            }
            conn.execute("UPDATE second_factor SET last_step = ?1", [step])?;
            return Ok(CodeAccepted::Authenticator);
        }
        let tx = self.ctx.begin()?;
        let used = tx.execute(
            "UPDATE recovery_code SET used_at = ?1 WHERE hash = ?2 AND used_at IS NULL",
            rusqlite::params![self.ctx.now(), recovery_hash(&code)],
        )?;
        if used == 0 {
            // A recovery code already crossed off is the owner's mistake, not a guess.
            let spent = tx
                .prepare_cached("SELECT 1 FROM recovery_code WHERE hash = ?1 AND used_at IS NOT NULL")?
                .exists([recovery_hash(&code)])?;
            return Err(if spent { Error::CodeUsed } else { Error::WrongCode });
        }
        // Used up and audited together, or neither.
        self.audit("recovery_code", "used")?;
        tx.commit()?;
        Ok(CodeAccepted::RecoveryCode { left: self.state()?.recovery_codes_left })
    }

    /// Turns the second factor off after a code (or recovery code) is accepted.
    pub fn disable(&self, code: &str) -> Result<()> {
        self.check(code)?;
        let tx = self.ctx.begin()?;
        tx.execute("DELETE FROM second_factor", [])?;
        tx.execute("DELETE FROM recovery_code", [])?;
        self.audit("second_factor", "off")?;
        tx.commit()?;
        Ok(())
    }

    fn now_step(&self) -> u64 {
        u64::try_from(self.ctx.clock.now().timestamp()).unwrap_or(0) / STEP_SECONDS
    }

    fn audit(&self, what: &str, value: &str) -> Result<()> {
        crate::audit::record(
            &self.ctx,
            crate::audit::Change {
                action: crate::audit::AuditAction::Update,
                subject_id: None,
                field: Some(&format!("security/{what}")),
                old_value: None,
                new_value: Some(value),
            },
        )
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    /// RFC 6238, Appendix B: the SHA-1 test vectors (8 digits there; the last 6 here).
    #[test]
    fn codes_match_the_rfc_6238_test_vectors() {
        let secret = b"12345678901234567890";
        for (time, code) in [
            (59u64, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ] {
            let six = &code[2..];
            assert_eq!(matching_step(secret, six, time / STEP_SECONDS), Some(time / STEP_SECONDS), "{time}");
        }
    }

    #[test]
    fn a_code_is_accepted_one_step_early_or_late_and_not_two() {
        let secret = b"12345678901234567890";
        let code = &totp(secret, "").unwrap().generate(59)[..];
        assert_eq!(matching_step(secret, code, 1), Some(1));
        assert_eq!(matching_step(secret, code, 2), Some(1));
        assert_eq!(matching_step(secret, code, 0), Some(1));
        assert_eq!(matching_step(secret, code, 3), None);
    }

    #[test]
    fn recovery_codes_are_ten_distinct_unambiguous_codes() {
        let codes = new_recovery_codes().unwrap();
        assert_eq!(codes.len(), RECOVERY_CODES);
        assert_eq!(codes.iter().collect::<std::collections::HashSet<_>>().len(), RECOVERY_CODES);
        for code in &codes {
            assert_eq!(code.len(), 11);
            assert!(!code.contains(['0', '1', 'o', 'l', 'i']), "{code}");
        }
        assert_eq!(recovery_hash(&codes[0].to_uppercase().replace('-', " ")), recovery_hash(&codes[0]));
    }

    #[test]
    fn the_enrolment_uri_names_the_issuer_and_the_secret() {
        let (_, enrolment) = begin("anna:laptop").unwrap();
        assert!(enrolment.uri.starts_with("otpauth://totp/Lagom%20CRM:anna%20laptop?secret="), "{}", enrolment.uri);
        assert!(enrolment.uri.contains("issuer=Lagom%20CRM"));
        assert_eq!(enrolment.qr.len(), (enrolment.qr_width * enrolment.qr_width) as usize);
        assert_eq!(enrolment.secret.replace(' ', "").len(), 32);
    }
}
