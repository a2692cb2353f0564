//! The schema, as an append-only list of steps. A shipped step is never edited; a change is a
//! new step at the end. `PRAGMA user_version` records how many steps a file has had, all
//! pending steps run in one transaction, and a file from a newer Lagom is refused untouched.

use rusqlite::{Connection, Transaction};

use crate::clock::{Clock, new_id, timestamp};
use crate::error::{Error, Result};

enum Step {
    Sql(&'static str),
    /// A step in Rust, given the time to stamp what it writes.
    Rust(fn(&Transaction<'_>, &str) -> Result<()>),
}

const STEPS: &[Step] = &[
    Step::Sql(SCHEMA_V1),
    Step::Rust(seed_defaults_v1),
    Step::Sql(crate::audit::SCHEMA),
    Step::Sql(crate::consent::SCHEMA),
    Step::Sql(crate::rights::SCHEMA),
    Step::Sql(ORPHANS_V6),
    Step::Sql(TOMBSTONES_V7),
    Step::Sql(crate::interactions::SCHEMA),
    Step::Sql(crate::requests::SCHEMA),
    Step::Sql(crate::retention::SCHEMA),
    Step::Sql(crate::requests::UNMATCHED_SCHEMA),
    Step::Sql(crate::retention::SWEEP_SCHEMA),
    Step::Sql(crate::audit::EXPORTS_BY_DATE),
    Step::Sql(crate::import::SCHEMA),
    Step::Sql(crate::import::DEFERRED_INDEX_SCHEMA),
    Step::Sql(crate::import::NO_DUPLICATE_INDEXES),
    Step::Sql(crate::audit::NO_STORED_PREVIOUS_HASH),
    Step::Sql(crate::contacts::ONE_LETTER_PREFIX_INDEX),
    Step::Sql(crate::breaches::SCHEMA),
    Step::Sql(crate::notices::SCHEMA),
    Step::Sql(crate::breaches::NOTIFICATION_SCHEMA),
    Step::Sql(crate::backup::SCHEMA),
    Step::Rust(crate::backup::seed_ledger_secret),
    Step::Sql(crate::second_factor::SCHEMA),
];

/// The schema version this build writes and understands.
pub const SCHEMA_VERSION: i64 = STEPS.len() as i64;

fn user_version(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("PRAGMA user_version", [], |row| row.get(0))?)
}

pub(super) fn check_not_newer(conn: &Connection) -> Result<()> {
    let found = user_version(conn)?;
    if found > SCHEMA_VERSION {
        return Err(Error::NewerSchema { found, supported: SCHEMA_VERSION });
    }
    Ok(())
}

pub(super) fn apply(conn: &Connection, clock: &dyn Clock) -> Result<()> {
    check_not_newer(conn)?;
    let current = user_version(conn)?;
    let pending = usize::try_from(current).unwrap_or(0);
    if pending >= STEPS.len() {
        return Ok(());
    }
    let tx = conn.unchecked_transaction()?;
    for step in &STEPS[pending..] {
        match step {
            Step::Sql(sql) => tx.execute_batch(sql)?,
            Step::Rust(f) => f(&tx, &timestamp(clock.now()))?,
        }
    }
    tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    tx.commit()?;
    Ok(())
}

/// Rows that earlier versions left behind with nobody referring to them: organisations of
/// contacts who moved or were erased, and wordings shown only to erased people. Erasure and
/// contact updates now remove them as they happen; this clears what came before.
const ORPHANS_V6: &str = r#"
CREATE INDEX consent_event_by_wording ON consent_event (wording);
DELETE FROM organisation WHERE NOT EXISTS (SELECT 1 FROM contact WHERE organisation_id = organisation.id);
DELETE FROM consent_wording WHERE NOT EXISTS (SELECT 1 FROM consent_event WHERE wording = consent_wording.sha256);
"#;

/// Tombstones' request references were free text and could hold a name ("Anna phoned"): any
/// that is not an opaque reference (`[A-Za-z0-9._-]{1,64}`) is replaced, since a name cannot
/// be told from a harmless reference. Tombstones become append-only.
const TOMBSTONES_V7: &str = r#"
UPDATE erasure SET request_id = 'removed-free-text'
WHERE request_id IS NOT NULL
  AND (length(request_id) NOT BETWEEN 1 AND 64 OR request_id GLOB '*[^A-Za-z0-9._-]*');
CREATE TRIGGER erasure_append_only BEFORE UPDATE ON erasure BEGIN
    SELECT RAISE(ABORT, 'tombstones are append-only');
END;
CREATE TRIGGER erasure_no_delete BEFORE DELETE ON erasure BEGIN
    SELECT RAISE(ABORT, 'tombstones are append-only');
END;
"#;

const SCHEMA_V1: &str = r#"
CREATE TABLE setting (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE purpose (
    id               TEXT PRIMARY KEY,
    name             TEXT NOT NULL UNIQUE COLLATE NOCASE,
    description      TEXT NOT NULL DEFAULT '',
    lawful_basis     TEXT NOT NULL CHECK (lawful_basis IN
                         ('consent', 'contract', 'legitimate_interest', 'legal_obligation')),
    retention_months INTEGER NOT NULL CHECK (retention_months BETWEEN 1 AND 600),
    created_at       TEXT NOT NULL
) STRICT;

CREATE TABLE tag (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE COLLATE NOCASE,
    purpose_id TEXT NOT NULL REFERENCES purpose(id)
) STRICT;

CREATE TABLE organisation (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE COLLATE NOCASE,
    created_at TEXT NOT NULL
) STRICT;

-- Essential fields only (R-1, R-8). There is deliberately no free-text notes column.
CREATE TABLE contact (
    seq             INTEGER PRIMARY KEY,
    id              TEXT NOT NULL UNIQUE,
    given_name      TEXT NOT NULL,
    family_name     TEXT NOT NULL,
    email           TEXT,
    phone           TEXT,
    organisation_id TEXT REFERENCES organisation(id),
    role            TEXT,
    channel         TEXT CHECK (channel IN ('email', 'phone', 'sms', 'post', 'meeting')),
    material        TEXT CHECK (material IN ('digital', 'print')),
    language        TEXT,
    stage           TEXT NOT NULL CHECK (stage IN ('lead', 'prospect', 'customer', 'former_customer')),
    owner           TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
) STRICT;
CREATE INDEX contact_by_name ON contact (family_name COLLATE NOCASE, given_name COLLATE NOCASE);
CREATE INDEX contact_by_organisation ON contact (organisation_id);

CREATE TABLE contact_purpose (
    contact_id TEXT NOT NULL REFERENCES contact(id) ON DELETE CASCADE,
    purpose_id TEXT NOT NULL REFERENCES purpose(id),
    PRIMARY KEY (contact_id, purpose_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX contact_purpose_by_purpose ON contact_purpose (purpose_id);

CREATE TABLE contact_tag (
    contact_id TEXT NOT NULL REFERENCES contact(id) ON DELETE CASCADE,
    tag_id     TEXT NOT NULL REFERENCES tag(id) ON DELETE CASCADE,
    PRIMARY KEY (contact_id, tag_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX contact_tag_by_tag ON contact_tag (tag_id);

-- Search (R-1): an external-content FTS5 index over names, email and organisation.
-- unicode61 with remove_diacritics 2 folds "Östlund" to "ostlund"; secure-delete makes a
-- deleted row's tokens leave the index's pages (R-4).
CREATE VIEW contact_search AS
    SELECT c.seq AS seq, c.given_name, c.family_name, c.email, o.name AS organisation
    FROM contact c LEFT JOIN organisation o ON o.id = c.organisation_id;

CREATE VIRTUAL TABLE contact_fts USING fts5(
    given_name, family_name, email, organisation,
    content = 'contact_search', content_rowid = 'seq',
    tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO contact_fts (contact_fts, rank) VALUES ('secure-delete', 1);

CREATE TRIGGER contact_fts_after_insert AFTER INSERT ON contact BEGIN
    INSERT INTO contact_fts (rowid, given_name, family_name, email, organisation)
    VALUES (new.seq, new.given_name, new.family_name, new.email,
            (SELECT name FROM organisation WHERE id = new.organisation_id));
END;

CREATE TRIGGER contact_fts_after_delete AFTER DELETE ON contact BEGIN
    INSERT INTO contact_fts (contact_fts, rowid, given_name, family_name, email, organisation)
    VALUES ('delete', old.seq, old.given_name, old.family_name, old.email,
            (SELECT name FROM organisation WHERE id = old.organisation_id));
END;

CREATE TRIGGER contact_fts_after_update
AFTER UPDATE OF given_name, family_name, email, organisation_id ON contact BEGIN
    INSERT INTO contact_fts (contact_fts, rowid, given_name, family_name, email, organisation)
    VALUES ('delete', old.seq, old.given_name, old.family_name, old.email,
            (SELECT name FROM organisation WHERE id = old.organisation_id));
    INSERT INTO contact_fts (rowid, given_name, family_name, email, organisation)
    VALUES (new.seq, new.given_name, new.family_name, new.email,
            (SELECT name FROM organisation WHERE id = new.organisation_id));
END;

CREATE TRIGGER organisation_fts_after_rename AFTER UPDATE OF name ON organisation BEGIN
    INSERT INTO contact_fts (contact_fts, rowid, given_name, family_name, email, organisation)
        SELECT 'delete', seq, given_name, family_name, email, old.name
        FROM contact WHERE organisation_id = old.id;
    INSERT INTO contact_fts (rowid, given_name, family_name, email, organisation)
        SELECT seq, given_name, family_name, email, new.name
        FROM contact WHERE organisation_id = new.id;
END;
"#;

/// The default purposes (name, description) and tags (name) in Swedish, by their English
/// names: what a register made on a Swedish first run starts with (`name_defaults_in`).
pub(crate) const SWEDISH_DEFAULTS: [(&str, &str, &str); 3] = [
    ("Customer relationship", "Kundrelation", "Leverera och följa upp det kunden har beställt."),
    ("Newsletter", "Nyhetsbrev", "Skicka nyhetsbrevet till dem som bett om det."),
    ("Events", "Evenemang", "Bjuda in till evenemang och webbinarier som personen är intresserad av."),
];
pub(crate) const SWEDISH_TAGS: [(&str, &str); 3] =
    [("golf", "golf"), ("webinars", "webbinarier"), ("product news", "produktnyheter")];

/// A fresh database starts with sensible purposes, a small interest vocabulary and settings;
/// all of it is editable later.
fn seed_defaults_v1(tx: &Transaction<'_>, now: &str) -> Result<()> {
    let purposes = [
        ("Customer relationship", "Deliver and follow up what the customer has ordered.", "contract", 36),
        ("Newsletter", "Send the newsletter to people who asked for it.", "consent", 24),
        ("Events", "Invite people to events and webinars they are interested in.", "consent", 12),
    ];
    for (name, description, basis, months) in purposes {
        tx.execute(
            "INSERT INTO purpose (id, name, description, lawful_basis, retention_months, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            (new_id(), name, description, basis, months, now),
        )?;
    }
    let tags = [("golf", "Events"), ("webinars", "Events"), ("product news", "Newsletter")];
    for (tag, purpose) in tags {
        tx.execute(
            "INSERT INTO tag (id, name, purpose_id) SELECT ?1, ?2, id FROM purpose WHERE name = ?3",
            (new_id(), tag, purpose),
        )?;
    }
    tx.execute("INSERT INTO setting (key, value) VALUES ('default_country', 'SE'), ('ui_language', 'auto')", [])?;
    Ok(())
}
