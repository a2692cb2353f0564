//! The audit trail (R-6): who did what to whose data, when. Append-only and tamper-evident.
//!
//! Each entry is chained: `hash = SHA-256(previous entry's hash ‖ seq ‖ at ‖ actor ‖ action ‖ subject ‖
//! field ‖ commitment)`. The values themselves (old → new) are not hashed directly: a plain
//! hash of an email address is guessable and would itself be personal data. Instead the chain
//! covers `commitment = HMAC-SHA-256(secret, old ‖ new)` with a random per-entry secret kept in
//! `audit_secret`. Erasure deletes the values and the secret; the commitment stays, so the
//! chain still verifies while nothing about the person can be recovered or confirmed.
//! Triggers refuse UPDATE and DELETE except the redaction done inside an erase.
//!
//! A new contact is one entry (field `*`) without values: what it was created with is its record
//! and the old values of every later change, so [`for_subject`] shows the creation field by field
//! without the trail holding a second copy of the person, after checking what it read back
//! against the creation's commitment (an HMAC over the person's own fields as created, with the
//! entry's secret). An update is one entry per changed field (old → new).

use hmac::{Hmac, Mac};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use sha2::{Digest, Sha256};
use ts_rs::TS;

use crate::context::Ctx;
use crate::error::Result;

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    Create,
    Update,
    Consent,
    Export,
    Erase,
}

impl AuditAction {
    fn as_str(self) -> &'static str {
        match self {
            AuditAction::Create => "create",
            AuditAction::Update => "update",
            AuditAction::Consent => "consent",
            AuditAction::Export => "export",
            AuditAction::Erase => "erase",
        }
    }
}

/// One entry as shown in an export or the contact's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct AuditEntry {
    pub seq: u32,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub subject_id: Option<String>,
    pub field: Option<String>,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    /// The values were removed by an erasure; the entry still proves that something happened.
    pub redacted: bool,
    /// A contact's creation whose values could not be confirmed: what the record and its later
    /// changes say it was created with does not match the creation's commitment, or the record
    /// does not follow from its changes. The record or the trail was changed outside Lagom.
    pub unconfirmed: bool,
}

/// The outcome of checking the whole chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct AuditVerification {
    pub entries: u32,
    pub redacted: u32,
    /// The first entry whose hash, link or commitment does not match, or that was redacted
    /// although no erasure of its subject is recorded, if any.
    pub first_broken: Option<u32>,
    /// The last entry's hash (hex): written down elsewhere, it proves later that the chain
    /// was not cut short or rewritten from the start.
    pub head_hash: Option<String>,
}

impl AuditVerification {
    pub fn is_intact(&self) -> bool {
        self.first_broken.is_none()
    }
}

/// One change to record.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Change<'a> {
    pub action: AuditAction,
    pub subject_id: Option<&'a str>,
    pub field: Option<&'a str>,
    pub old_value: Option<&'a str>,
    pub new_value: Option<&'a str>,
}

pub(crate) const SCHEMA: &str = r#"
CREATE TABLE audit_entry (
    seq        INTEGER PRIMARY KEY,
    at         TEXT NOT NULL,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    subject_id TEXT,
    field      TEXT,
    old_value  TEXT,
    new_value  TEXT,
    commitment BLOB NOT NULL,
    prev_hash  BLOB NOT NULL,
    hash       BLOB NOT NULL
) STRICT;
CREATE INDEX audit_entry_by_subject ON audit_entry (subject_id);

CREATE TABLE audit_secret (
    seq    INTEGER PRIMARY KEY REFERENCES audit_entry(seq),
    secret BLOB NOT NULL
) STRICT;

-- Present only inside an erase transaction: lets the triggers below tell erasure from tampering.
CREATE TABLE erase_guard (active INTEGER NOT NULL) STRICT;

CREATE TRIGGER audit_entry_append_only BEFORE UPDATE ON audit_entry
WHEN NOT EXISTS (SELECT 1 FROM erase_guard)
  OR new.old_value IS NOT NULL OR new.new_value IS NOT NULL
  OR new.seq IS NOT old.seq OR new.at IS NOT old.at OR new.actor IS NOT old.actor
  OR new.action IS NOT old.action OR new.subject_id IS NOT old.subject_id
  OR new.field IS NOT old.field OR new.commitment IS NOT old.commitment
  OR new.prev_hash IS NOT old.prev_hash OR new.hash IS NOT old.hash
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only');
END;

CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_entry BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only');
END;

CREATE TRIGGER audit_secret_no_delete BEFORE DELETE ON audit_secret
WHEN NOT EXISTS (SELECT 1 FROM erase_guard) BEGIN
    SELECT RAISE(ABORT, 'audit secrets are removed only by erasure');
END;
"#;

/// The link to the previous entry is its hash, which the previous row already holds: it is
/// not stored twice (32 bytes an entry). The hash itself still covers it.
pub(crate) const NO_STORED_PREVIOUS_HASH: &str = r#"
DROP TRIGGER audit_entry_append_only;
ALTER TABLE audit_entry DROP COLUMN prev_hash;
CREATE TRIGGER audit_entry_append_only BEFORE UPDATE ON audit_entry
WHEN NOT EXISTS (SELECT 1 FROM erase_guard)
  OR new.old_value IS NOT NULL OR new.new_value IS NOT NULL
  OR new.seq IS NOT old.seq OR new.at IS NOT old.at OR new.actor IS NOT old.actor
  OR new.action IS NOT old.action OR new.subject_id IS NOT old.subject_id
  OR new.field IS NOT old.field OR new.commitment IS NOT old.commitment
  OR new.hash IS NOT old.hash
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only');
END;
"#;

/// Exports by date, for the home view's count of exports this month (a partial index: only
/// the export entries, a few per person).
pub(crate) const EXPORTS_BY_DATE: &str = "CREATE INDEX audit_export_by_at ON audit_entry (at) WHERE action = 'export';";

fn put(hasher: &mut Sha256, part: Option<&[u8]>) {
    // Length-prefixed, with NULL distinct from empty, so no two entries encode alike.
    match part {
        None => hasher.update(u64::MAX.to_be_bytes()),
        Some(bytes) => {
            hasher.update((bytes.len() as u64).to_be_bytes());
            hasher.update(bytes);
        }
    }
}

fn commitment(secret: &[u8], old_value: Option<&str>, new_value: Option<&str>) -> Vec<u8> {
    keyed_hash(secret, [old_value, new_value])
}

/// HMAC-SHA-256 under `secret` over `parts`, each length-prefixed, `None` distinct from empty.
pub(crate) fn keyed_hash<'a>(secret: &[u8], parts: impl IntoIterator<Item = Option<&'a str>>) -> Vec<u8> {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(secret).unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
    for part in parts {
        match part {
            None => mac.update(&u64::MAX.to_be_bytes()),
            Some(v) => {
                mac.update(&(v.len() as u64).to_be_bytes());
                mac.update(v.as_bytes());
            }
        }
    }
    mac.finalize().into_bytes().to_vec()
}

struct Link<'a> {
    prev_hash: &'a [u8],
    seq: i64,
    at: &'a str,
    actor: &'a str,
    action: &'a str,
    subject_id: Option<&'a str>,
    field: Option<&'a str>,
    commitment: &'a [u8],
}

fn link_hash(link: &Link<'_>) -> Vec<u8> {
    let mut h = Sha256::new();
    put(&mut h, Some(link.prev_hash));
    put(&mut h, Some(&link.seq.to_be_bytes()));
    put(&mut h, Some(link.at.as_bytes()));
    put(&mut h, Some(link.actor.as_bytes()));
    put(&mut h, Some(link.action.as_bytes()));
    put(&mut h, link.subject_id.map(str::as_bytes));
    put(&mut h, link.field.map(str::as_bytes));
    put(&mut h, Some(link.commitment));
    h.finalize().to_vec()
}

/// Appends one entry to the chain. Call inside the transaction that makes the change.
pub(crate) fn record(ctx: &Ctx<'_>, change: Change<'_>) -> Result<()> {
    record_committed(ctx, change, |secret| commitment(secret, change.old_value, change.new_value))
}

/// [`record`] with the commitment made by `commit` from the entry's fresh secret.
fn record_committed(ctx: &Ctx<'_>, change: Change<'_>, commit: impl FnOnce(&[u8]) -> Vec<u8>) -> Result<()> {
    let (conn, actor) = (ctx.conn, ctx.actor);
    let (last_seq, prev_hash): (i64, Vec<u8>) = conn
        .prepare_cached("SELECT seq, hash FROM audit_entry ORDER BY seq DESC LIMIT 1")?
        .query_row([], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?
        .unwrap_or((0, vec![0u8; 32]));
    let seq = last_seq + 1;
    let at = ctx.now();
    let mut secret = [0u8; 32];
    crate::store::keys::fill_random(&mut secret)?;
    let commitment = commit(&secret);
    let hash = link_hash(&Link {
        prev_hash: &prev_hash,
        seq,
        at: &at,
        actor,
        action: change.action.as_str(),
        subject_id: change.subject_id,
        field: change.field,
        commitment: &commitment,
    });
    conn.prepare_cached(
        "INSERT INTO audit_entry (seq, at, actor, action, subject_id, field, old_value, new_value,
                                  commitment, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        seq,
        at,
        actor,
        change.action.as_str(),
        change.subject_id,
        change.field,
        change.old_value,
        change.new_value,
        commitment,
        hash
    ])?;
    conn.prepare_cached("INSERT INTO audit_secret (seq, secret) VALUES (?1, ?2)")?
        .execute(params![seq, &secret[..]])?;
    Ok(())
}

/// The audited fields of a record as (field, value), in a fixed order.
pub(crate) type Fields = Vec<(&'static str, Option<String>)>;

/// The `field` of the one entry that records a new contact. It holds no values: what the
/// contact was created with is its record now and the old values of the changes made since,
/// so a copy would only double the personal data the register holds (and the file's size).
/// Its commitment covers the person's own fields as created ([`COMMITTED_AT_CREATION`]), so
/// what is read back is checked against what was created ([`for_subject`]).
pub(crate) const EVERY_FIELD: &str = "*";

/// The fields a creation's commitment covers: the contact's own values, which change only
/// through audited updates. Tags, purposes and the organisation are names from shared lists
/// (renamed or deleted for everyone), read back as they are named now.
const COMMITTED_AT_CREATION: &[&str] = &[
    "given_name",
    "family_name",
    "email",
    "phone",
    "role",
    "channel",
    "material",
    "language",
    "stage",
    "owner",
    "source",
];

/// HMAC over the committed fields of `fields`, each named and length-prefixed, `None` distinct
/// from empty.
fn creation_commitment(secret: &[u8], fields: &Fields) -> Vec<u8> {
    let value = |name: &str| fields.iter().find(|(field, _)| *field == name).and_then(|(_, v)| v.as_deref());
    keyed_hash(secret, COMMITTED_AT_CREATION.iter().flat_map(|name| [Some(*name), value(name)]))
}

/// Records the creation of a contact with `fields` (as [`Fields`] of the new contact): who,
/// when, one link of the chain ([`EVERY_FIELD`]), no values.
pub(crate) fn record_creation(ctx: &Ctx<'_>, subject_id: &str, fields: &Fields) -> Result<()> {
    let change = Change {
        action: AuditAction::Create,
        subject_id: Some(subject_id),
        field: Some(EVERY_FIELD),
        old_value: None,
        new_value: None,
    };
    record_committed(ctx, change, |secret| creation_commitment(secret, fields))
}

fn is_creation(action: &str, field: Option<&str>) -> bool {
    action == AuditAction::Create.as_str() && field == Some(EVERY_FIELD)
}

/// One entry per field whose value differs between `before` (`None` for something new) and
/// `after`: every set field of a new record, every changed field of an update.
pub(crate) fn record_field_changes(
    ctx: &Ctx<'_>,
    action: AuditAction,
    subject_id: &str,
    before: Option<&Fields>,
    after: &Fields,
) -> Result<()> {
    for (field, new_value) in after {
        let old_value = before.and_then(|b| b.iter().find(|(f, _)| f == field)).and_then(|(_, v)| v.as_deref());
        if old_value == new_value.as_deref() {
            continue;
        }
        record(
            ctx,
            Change {
                action,
                subject_id: Some(subject_id),
                field: Some(field),
                old_value,
                new_value: new_value.as_deref(),
            },
        )?;
    }
    Ok(())
}

/// An entry with what is needed to check a creation read back: its secret (gone once erased)
/// and its commitment.
struct Stored {
    entry: AuditEntry,
    secret: Option<Vec<u8>>,
    commitment: Vec<u8>,
}

/// The entries as people read them: a contact's creation ([`EVERY_FIELD`]) becomes one row per
/// field it was created with, each value read back from the first later change of that field
/// (its old value) or, when it never changed, from `current` (the contact now, as audited) —
/// shown only when the values read back match the creation's commitment and the record follows
/// from its changes. When not (the record or the trail was changed outside Lagom), the creation
/// stays one row without values, marked `unconfirmed`.
fn readable(stored: Vec<Stored>, current: Option<&Fields>) -> Vec<AuditEntry> {
    let mut out = Vec::with_capacity(stored.len() + 16);
    for (i, item) in stored.iter().enumerate() {
        let entry = &item.entry;
        let (Some(current), Some(secret), true) =
            (current, &item.secret, is_creation(&entry.action, entry.field.as_deref()))
        else {
            out.push(entry.clone());
            continue;
        };
        let updates = |field| changes_of(&stored[i + 1..], field);
        let created: Fields = current
            .iter()
            .map(|(field, now)| {
                (*field, updates(field).next().map_or_else(|| now.clone(), |first| first.old_value.clone()))
            })
            .collect();
        // Each of the person's own fields must follow from its creation through its changes
        // (every change starts where the one before ended) to the record now.
        let follows = current.iter().filter(|(field, _)| COMMITTED_AT_CREATION.contains(field)).all(|(field, now)| {
            let mut value = created.iter().find(|(f, _)| f == field).and_then(|(_, v)| v.clone());
            for change in updates(field) {
                if change.old_value != value {
                    return false;
                }
                value.clone_from(&change.new_value);
            }
            value == *now
        });
        if !follows || creation_commitment(secret, &created) != item.commitment {
            out.push(AuditEntry { unconfirmed: true, ..entry.clone() });
            continue;
        }
        for (field, value) in created {
            if let Some(value) = value {
                out.push(AuditEntry { field: Some(field.to_owned()), new_value: Some(value), ..entry.clone() });
            }
        }
    }
    out
}

/// The updates of `field` among `entries`, oldest first.
fn changes_of<'a>(entries: &'a [Stored], field: &'a str) -> impl Iterator<Item = &'a AuditEntry> + 'a {
    entries
        .iter()
        .map(|s| &s.entry)
        .filter(move |e| e.action == AuditAction::Update.as_str() && e.field.as_deref() == Some(field))
}

/// The hash of the register's first audit entry: it never changes (the trail is append-only
/// and erasure keeps the hashes), and no other register shares it, so it tells whether a
/// backup is of this register. `None` for a trail still empty.
pub(crate) fn genesis(conn: &Connection) -> Result<Option<Vec<u8>>> {
    Ok(conn.query_row("SELECT hash FROM audit_entry ORDER BY seq LIMIT 1", [], |row| row.get(0)).optional()?)
}

/// Removes the values and secrets of every entry about `subject_id`. Only inside an erase
/// (the caller holds the erase guard). Returns how many entries were redacted.
pub(crate) fn redact_subject(conn: &Connection, subject_id: &str) -> Result<usize> {
    conn.prepare_cached("DELETE FROM audit_secret WHERE seq IN (SELECT seq FROM audit_entry WHERE subject_id = ?1)")?
        .execute([subject_id])?;
    Ok(conn
        .prepare_cached("UPDATE audit_entry SET old_value = NULL, new_value = NULL WHERE subject_id = ?1")?
        .execute([subject_id])?)
}

/// The entries about one subject, oldest first; for a contact, `current` is its audited fields
/// now, from which its creation is shown field by field.
pub(crate) fn for_subject(conn: &Connection, subject_id: &str, current: Option<&Fields>) -> Result<Vec<AuditEntry>> {
    let stored = conn
        .prepare_cached(
            "SELECT e.seq, e.at, e.actor, e.action, e.subject_id, e.field, e.old_value, e.new_value,
                    s.seq IS NULL, s.secret, e.commitment
             FROM audit_entry e LEFT JOIN audit_secret s ON s.seq = e.seq
             WHERE e.subject_id = ?1 ORDER BY e.seq",
        )?
        .query_map([subject_id], |row| {
            Ok(Stored {
                entry: AuditEntry {
                    seq: row.get(0)?,
                    at: row.get(1)?,
                    actor: row.get(2)?,
                    action: row.get(3)?,
                    subject_id: row.get(4)?,
                    field: row.get(5)?,
                    old_value: row.get(6)?,
                    new_value: row.get(7)?,
                    redacted: row.get(8)?,
                    unconfirmed: false,
                },
                secret: row.get(9)?,
                commitment: row.get(10)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(readable(stored, current))
}

/// Walks the whole chain: every link, every hash, and every commitment whose secret remains.
pub fn verify(conn: &Connection) -> Result<AuditVerification> {
    let mut statement = conn.prepare(
        "SELECT e.seq, e.at, e.actor, e.action, e.subject_id, e.field, e.old_value, e.new_value,
                e.commitment, e.hash, s.secret,
                -- An erasure of the subject: a tombstone, no contact any more, and a later erase
                -- entry in the chain itself (which a forged tombstone alone cannot add).
                t.id IS NOT NULL
                AND NOT EXISTS (SELECT 1 FROM contact c WHERE c.id = e.subject_id)
                AND EXISTS (SELECT 1 FROM audit_entry x
                            WHERE x.action = 'erase' AND x.subject_id = e.subject_id AND x.seq > e.seq)
         FROM audit_entry e
         LEFT JOIN audit_secret s ON s.seq = e.seq
         LEFT JOIN erasure t ON t.contact_id = e.subject_id
         ORDER BY e.seq",
    )?;
    let mut rows = statement.query([])?;
    let mut expected_prev = vec![0u8; 32];
    let mut expected_seq = 1i64;
    let mut report = AuditVerification { entries: 0, redacted: 0, first_broken: None, head_hash: None };
    while let Some(row) = rows.next()? {
        let seq: i64 = row.get(0)?;
        let at: String = row.get(1)?;
        let actor: String = row.get(2)?;
        let action: String = row.get(3)?;
        let subject_id: Option<String> = row.get(4)?;
        let field: Option<String> = row.get(5)?;
        let old_value: Option<String> = row.get(6)?;
        let new_value: Option<String> = row.get(7)?;
        let stored_commitment: Vec<u8> = row.get(8)?;
        let hash: Vec<u8> = row.get(9)?;
        let secret: Option<Vec<u8>> = row.get(10)?;
        let erased: bool = row.get(11)?;
        report.entries += 1;
        let commitment_ok = match &secret {
            // A creation's commitment covers values it does not hold: it is checked when the
            // contact's trail is read ([`for_subject`]); here the chain covers the commitment.
            Some(_) if is_creation(&action, field.as_deref()) => old_value.is_none() && new_value.is_none(),
            Some(secret) => commitment(secret, old_value.as_deref(), new_value.as_deref()) == stored_commitment,
            // Only an erasure redacts, so a redacted entry needs its subject's tombstone:
            // otherwise removing a secret would hide a changed value.
            None => {
                report.redacted += 1;
                erased && old_value.is_none() && new_value.is_none()
            }
        };
        // Linked to the entry before it: a removed, inserted or reordered entry breaks here.
        let recomputed = link_hash(&Link {
            prev_hash: &expected_prev,
            seq,
            at: &at,
            actor: &actor,
            action: &action,
            subject_id: subject_id.as_deref(),
            field: field.as_deref(),
            commitment: &stored_commitment,
        });
        let intact = seq == expected_seq && recomputed == hash && commitment_ok;
        if !intact && report.first_broken.is_none() {
            report.first_broken = Some(u32::try_from(seq).unwrap_or(u32::MAX));
        }
        expected_prev = hash;
        expected_seq = seq + 1;
    }
    report.head_hash = (report.entries > 0).then(|| hex::encode(&expected_prev));
    Ok(report)
}
