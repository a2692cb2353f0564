//! Contacts (R-1): the essential, structured fields of a person, their organisation, interest
//! tags and purposes, and instant search over names, email and organisation.

use std::collections::HashMap;

use rusqlite::{OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::audit::{self, AuditAction};
use crate::clock::new_id;
use crate::context::Ctx;
use crate::error::{Error, FieldErrorCode, InvalidInput, Result};
use crate::validate::{self, MAX_NAME_CHARS, MAX_ORGANISATION_CHARS, MAX_SHORT_TEXT_CHARS};
use crate::vocab::{Channel, LawfulBasis, Material, Stage};

/// What a form or a command submits to create or change a contact.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct ContactInput {
    pub given_name: String,
    pub family_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// An organisation's name; a new name creates the organisation.
    pub organisation: Option<String>,
    pub role: Option<String>,
    pub channel: Option<Channel>,
    pub material: Option<Material>,
    /// ISO 639-1 code, e.g. `sv`.
    pub language: Option<String>,
    /// Defaults to `lead`.
    pub stage: Option<Stage>,
    /// The salesperson responsible.
    pub owner: Option<String>,
    /// Names (or ids) of interest tags from the vocabulary in settings.
    pub tags: Vec<String>,
    /// Names (or ids) of purposes; at least one is required (R-2).
    pub purposes: Vec<String>,
    /// The user confirmed keeping a role or organisation that reveals a special category
    /// (Art. 9); without it such a value is refused, naming the category.
    #[serde(default)]
    pub confirmed_special_categories: bool,
}

/// A purpose as shown on a contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct PurposeRef {
    pub id: String,
    pub name: String,
    pub lawful_basis: LawfulBasis,
}

/// Everything the store holds in the contact record itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Contact {
    pub id: String,
    pub given_name: String,
    pub family_name: String,
    pub email: Option<String>,
    /// E.164, e.g. `+46701234567`.
    pub phone: Option<String>,
    pub organisation: Option<String>,
    pub role: Option<String>,
    pub channel: Option<Channel>,
    pub material: Option<Material>,
    pub language: Option<String>,
    pub stage: Stage,
    pub owner: Option<String>,
    pub tags: Vec<String>,
    pub purposes: Vec<PurposeRef>,
    /// Where the contact came from when not typed in: `import: customers.csv, 2026-11-29`.
    pub source: Option<String>,
    /// RFC 3339, UTC.
    pub created_at: String,
    pub updated_at: String,
}

/// One line of the contact list or of search results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ContactSummary {
    pub id: String,
    pub given_name: String,
    pub family_name: String,
    pub email: Option<String>,
    pub organisation: Option<String>,
    pub stage: Stage,
}

/// A window of the contact list and how many contacts there are in all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ContactPage {
    pub total: u32,
    pub contacts: Vec<ContactSummary>,
}

/// The search index again, with an index of one-character prefixes: a search for one letter
/// (`a`) read and merged the lists of every word starting with it (6–8 ms at 100 000
/// contacts); now it reads one list. Searches are words and prefixes, never phrases, so the
/// index keeps which column a word is in but not its position (`detail = 'column'`), and bm25
/// reads column sizes from the few rows it ranks instead of a stored copy (`columnsize = 0`):
/// 55 bytes a contact instead of 99 with the prefix index, 62 before it. Rebuilt from the
/// contacts in the same transaction.
pub(crate) const ONE_LETTER_PREFIX_INDEX: &str = r#"
DROP TABLE contact_fts;
CREATE VIRTUAL TABLE contact_fts USING fts5(
    given_name, family_name, email, organisation,
    content = 'contact_search', content_rowid = 'seq',
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '1', detail = 'column', columnsize = 0
);
INSERT INTO contact_fts (contact_fts, rank) VALUES ('secure-delete', 1);
INSERT INTO contact_fts (contact_fts) VALUES ('rebuild');
"#;

/// How many results a search returns (whole-word matches first; see [`Contacts::search`]).
pub const SEARCH_LIMIT: u32 = 50;

/// A search with at most this many matches is ranked by relevance; a broader one lists the most
/// recently added first ([`Contacts::search`]).
pub const RANKED_AT_MOST: u32 = 100;

/// A search counts its matches up to this many ("more than 10 000").
pub const MATCHES_COUNTED: u32 = 10_000;

/// How many contacts a search matched; `more` when there are more than `matches`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
pub struct MatchCount {
    pub matches: u32,
    pub more: bool,
}

/// The best matches of a search, and how many there are in all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct SearchResult {
    pub contacts: Vec<ContactSummary>,
    pub count: MatchCount,
}

/// The contacts of one open store.
#[derive(Debug)]
pub struct Contacts<'a> {
    ctx: Ctx<'a>,
    /// The settings' default country for phone numbers, read once per handle (an import
    /// validates thousands of rows through one).
    default_country: std::cell::OnceCell<String>,
}

struct ValidContact {
    given_name: String,
    family_name: String,
    email: Option<String>,
    phone: Option<String>,
    organisation: Option<String>,
    role: Option<String>,
    channel: Option<Channel>,
    material: Option<Material>,
    language: Option<String>,
    stage: Stage,
    owner: Option<String>,
    tag_ids: Vec<String>,
    purpose_ids: Vec<String>,
}

pub(crate) const SUMMARY_COLUMNS: &str = "c.id, c.given_name, c.family_name, c.email, o.name, c.stage";

pub(crate) fn summary_from_row(row: &Row<'_>) -> rusqlite::Result<ContactSummary> {
    Ok(ContactSummary {
        id: row.get(0)?,
        given_name: row.get(1)?,
        family_name: row.get(2)?,
        email: row.get(3)?,
        organisation: row.get(4)?,
        stage: row.get(5)?,
    })
}

impl<'a> Contacts<'a> {
    pub(crate) fn new(ctx: Ctx<'a>) -> Self {
        Contacts { ctx, default_country: std::cell::OnceCell::new() }
    }

    /// Validates and stores a new contact; returns it as stored.
    pub fn create(&self, input: &ContactInput) -> Result<Contact> {
        let id = self.insert(input, None)?;
        self.get(&id)
    }

    /// Validates and stores a new contact, recording where it came from (an import), and
    /// returns its id.
    pub(crate) fn insert(&self, input: &ContactInput, source: Option<&str>) -> Result<String> {
        let valid = self.validate(input)?;
        let id = new_id();
        let now = self.ctx.now();
        let tx = self.ctx.begin()?;
        let organisation_id = self.organisation_id(valid.organisation.as_deref())?;
        tx.prepare_cached(
            "INSERT INTO contact (id, given_name, family_name, email, phone, organisation_id, role,
                                  channel, material, language, stage, owner, created_at, updated_at, source)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13, ?14)",
        )?
        .execute(params![
            id,
            valid.given_name,
            valid.family_name,
            valid.email,
            valid.phone,
            organisation_id,
            valid.role,
            valid.channel,
            valid.material,
            valid.language,
            valid.stage,
            valid.owner,
            now,
            source,
        ])?;
        self.add_links(&id, &valid)?;
        audit::record_creation(&self.ctx, &id, &created_fields(valid, source))?;
        tx.commit()?;
        Ok(id)
    }

    /// Validates and replaces every field of an existing contact.
    pub fn update(&self, id: &str, input: &ContactInput) -> Result<Contact> {
        // A role or organisation kept as it was was confirmed when it was stored (or predates
        // the check): only a changed one asks again.
        let stored = self.get(id)?;
        let same = |new: &Option<String>, old: &Option<String>| {
            new.as_deref().and_then(validate::clean) == old.as_deref().and_then(validate::clean)
        };
        let valid = if !input.confirmed_special_categories
            && same(&input.role, &stored.role)
            && same(&input.organisation, &stored.organisation)
        {
            self.validate(&ContactInput { confirmed_special_categories: true, ..input.clone() })?
        } else {
            self.validate(input)?
        };
        let tx = self.ctx.begin()?;
        let before = self.get(id)?;
        let old_organisation_id: Option<String> = tx
            .prepare_cached("SELECT organisation_id FROM contact WHERE id = ?1")?
            .query_row([id], |row| row.get(0))?;
        let organisation_id = self.organisation_id(valid.organisation.as_deref())?;
        let changed = tx
            .prepare_cached(
                "UPDATE contact SET given_name = ?2, family_name = ?3, email = ?4, phone = ?5,
                        organisation_id = ?6, role = ?7, channel = ?8, material = ?9, language = ?10,
                        stage = ?11, owner = ?12, updated_at = ?13
                 WHERE id = ?1",
            )?
            .execute(params![
                id,
                valid.given_name,
                valid.family_name,
                valid.email,
                valid.phone,
                organisation_id,
                valid.role,
                valid.channel,
                valid.material,
                valid.language,
                valid.stage,
                valid.owner,
                self.ctx.now(),
            ])?;
        if changed == 0 {
            return Err(Error::NotFound { what: "contact" });
        }
        if let Some(old) = old_organisation_id.filter(|old| Some(old) != organisation_id.as_ref()) {
            // An organisation nobody belongs to any more may be the person's own name, and
            // would otherwise outlive their erasure.
            tx.prepare_cached(crate::personal_data::DELETE_ORPHANED_ORGANISATION)?.execute([&old])?;
        }
        self.replace_links(id, &valid)?;
        let after = self.get(id)?;
        self.record_changes(id, &before, &after)?;
        tx.commit()?;
        Ok(after)
    }

    /// One audit entry per field that changed.
    fn record_changes(&self, id: &str, before: &Contact, after: &Contact) -> Result<()> {
        let before = audited_fields(before);
        audit::record_field_changes(&self.ctx, AuditAction::Update, id, Some(&before), &audited_fields(after))
    }

    pub fn get(&self, id: &str) -> Result<Contact> {
        let mut contact = self
            .ctx
            .conn
            .prepare_cached(
                "SELECT c.id, c.given_name, c.family_name, c.email, c.phone, o.name, c.role,
                        c.channel, c.material, c.language, c.stage, c.owner, c.created_at, c.updated_at, c.source
                 FROM contact c LEFT JOIN organisation o ON o.id = c.organisation_id
                 WHERE c.id = ?1",
            )?
            .query_row([id], |row| {
                Ok(Contact {
                    id: row.get(0)?,
                    given_name: row.get(1)?,
                    family_name: row.get(2)?,
                    email: row.get(3)?,
                    phone: row.get(4)?,
                    organisation: row.get(5)?,
                    role: row.get(6)?,
                    channel: row.get(7)?,
                    material: row.get(8)?,
                    language: row.get(9)?,
                    stage: row.get(10)?,
                    owner: row.get(11)?,
                    tags: Vec::new(),
                    purposes: Vec::new(),
                    source: row.get(14)?,
                    created_at: row.get(12)?,
                    updated_at: row.get(13)?,
                })
            })
            .optional()?
            .ok_or(Error::NotFound { what: "contact" })?;
        contact.tags = self
            .ctx
            .conn
            .prepare_cached(
                "SELECT t.name FROM contact_tag ct JOIN tag t ON t.id = ct.tag_id
                 WHERE ct.contact_id = ?1 ORDER BY t.name",
            )?
            .query_map([id], |row| row.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        contact.purposes = self
            .ctx
            .conn
            .prepare_cached(
                "SELECT p.id, p.name, p.lawful_basis FROM contact_purpose cp
                 JOIN purpose p ON p.id = cp.purpose_id
                 WHERE cp.contact_id = ?1 ORDER BY p.name",
            )?
            .query_map([id], |row| Ok(PurposeRef { id: row.get(0)?, name: row.get(1)?, lawful_basis: row.get(2)? }))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(contact)
    }

    /// Contacts in name order (family name, then given name), `limit` of them from `offset`.
    pub fn list(&self, offset: u32, limit: u32) -> Result<ContactPage> {
        let total: u32 = self.ctx.conn.query_row("SELECT count(*) FROM contact", [], |row| row.get(0))?;
        let contacts = self
            .ctx
            .conn
            .prepare_cached(&format!(
                "SELECT {SUMMARY_COLUMNS}
                 FROM contact c LEFT JOIN organisation o ON o.id = c.organisation_id
                 ORDER BY c.family_name COLLATE NOCASE, c.given_name COLLATE NOCASE, c.seq
                 LIMIT ?1 OFFSET ?2"
            ))?
            .query_map([limit, offset], summary_from_row)?
            .collect::<rusqlite::Result<_>>()?;
        Ok(ContactPage { total, contacts })
    }

    /// The page of `limit` contacts after the contact `after` (the first page when `None`), in
    /// name order, and the total. Pages by key, not by offset: as fast at the end of 100 000
    /// contacts as at the start. An `after` that no longer exists (erased meanwhile) starts
    /// over from the top.
    pub fn list_after(&self, after: Option<&str>, limit: u32) -> Result<ContactPage> {
        let total: u32 = self.ctx.conn.query_row("SELECT count(*) FROM contact", [], |row| row.get(0))?;
        let key: Option<(String, String, i64)> = match after {
            Some(id) => self
                .ctx
                .conn
                .prepare_cached("SELECT family_name, given_name, seq FROM contact WHERE id = ?1")?
                .query_row([id], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
                .optional()?,
            None => None,
        };
        let Some((family, given, seq)) = key else {
            return self.list(0, limit);
        };
        // "After (family, given, seq)" as three seeks into the name index, in order: the same
        // name with a later row, the same family name with a later given name, a later family
        // name. (SQLite does not seek on a row-value comparison: it scanned from the top.)
        let mut contacts: Vec<ContactSummary> = Vec::new();
        for after in [
            "c.family_name = ?1 COLLATE NOCASE AND c.given_name = ?2 COLLATE NOCASE AND c.seq > ?3",
            "c.family_name = ?1 COLLATE NOCASE AND c.given_name > ?2 COLLATE NOCASE",
            "c.family_name > ?1 COLLATE NOCASE",
        ] {
            let wanted = limit.saturating_sub(u32::try_from(contacts.len()).unwrap_or(u32::MAX));
            if wanted == 0 {
                break;
            }
            let mut statement = self.ctx.conn.prepare_cached(&format!(
                "SELECT {SUMMARY_COLUMNS}
                 FROM contact c INDEXED BY contact_by_name LEFT JOIN organisation o ON o.id = c.organisation_id
                 WHERE {after}
                 ORDER BY c.family_name COLLATE NOCASE, c.given_name COLLATE NOCASE, c.seq
                 LIMIT ?4"
            ))?;
            let page = statement.query_map(params![family, given, seq, wanted], summary_from_row)?;
            contacts.extend(page.collect::<rusqlite::Result<Vec<_>>>()?);
        }
        Ok(ContactPage { total, contacts })
    }

    /// The best [`SEARCH_LIMIT`] matches for `text` over names, email and organisation. Every
    /// word is a prefix, case and diacritics are ignored (`ostl` finds `Östlund`). Blank text
    /// returns the start of the list.
    ///
    /// Contacts matching the words whole come first (`berg` puts Berg before Bergström), then
    /// those matching them as prefixes. Within each, up to [`RANKED_AT_MOST`] matches are ranked
    /// by relevance (bm25); a broader set (a first letter, a common name) lists the most recently
    /// added first. Ranking reads every match's positions and scores it: at 100 000 contacts it
    /// took 10–20 ms a keystroke for thousands of matches that are all about equally relevant,
    /// where reading the index backwards stops after the first few.
    pub fn search(&self, text: &str) -> Result<Vec<ContactSummary>> {
        let (Some(whole), Some(prefix)) = (fts_query(text, false), fts_query(text, true)) else {
            return Ok(self.list(0, SEARCH_LIMIT)?.contacts);
        };
        let limit = SEARCH_LIMIT as usize;
        let mut seqs: Vec<i64> = Vec::with_capacity(limit);
        for query in [whole, prefix] {
            if seqs.len() == limit {
                break;
            }
            for seq in self.best_matches(&query)? {
                if seqs.len() == limit {
                    break;
                }
                if !seqs.contains(&seq) {
                    seqs.push(seq);
                }
            }
        }
        let mut statement = self.ctx.conn.prepare_cached(&format!(
            "SELECT {SUMMARY_COLUMNS} FROM contact c LEFT JOIN organisation o ON o.id = c.organisation_id
             WHERE c.seq = ?1"
        ))?;
        let mut found = Vec::with_capacity(seqs.len());
        for seq in seqs {
            // An index entry without its contact (never expected) is skipped, not an error.
            if let Some(summary) = statement.query_row([seq], summary_from_row).optional()? {
                found.push(summary);
            }
        }
        Ok(found)
    }

    /// [`Contacts::search`] with how many match in all (counted only when the list is full).
    pub fn search_counted(&self, text: &str) -> Result<SearchResult> {
        let contacts = self.search(text)?;
        let count = if contacts.len() < SEARCH_LIMIT as usize {
            MatchCount { matches: u32::try_from(contacts.len()).unwrap_or(u32::MAX), more: false }
        } else {
            self.count_matches(text)?
        };
        Ok(SearchResult { contacts, count })
    }

    /// How many contacts match `text` (as prefixes, so every whole-word match is counted too),
    /// counted up to [`MATCHES_COUNTED`]: the list shows the best [`SEARCH_LIMIT`] and says how
    /// many there are, so the user knows to narrow the search.
    pub fn count_matches(&self, text: &str) -> Result<MatchCount> {
        // Nothing to search for (only punctuation): the list shown is not a search's.
        let Some(prefix) = fts_query(text, true) else {
            return Ok(MatchCount { matches: 0, more: false });
        };
        let counted: u32 = self
            .ctx
            .conn
            .prepare_cached("SELECT count(*) FROM (SELECT 1 FROM contact_fts WHERE contact_fts MATCH ?1 LIMIT ?2)")?
            .query_row(params![prefix, MATCHES_COUNTED + 1], |row| row.get(0))?;
        Ok(MatchCount { matches: counted.min(MATCHES_COUNTED), more: counted > MATCHES_COUNTED })
    }

    /// The row numbers of the best [`SEARCH_LIMIT`] matches of an FTS5 `query`: ranked when
    /// there are at most [`RANKED_AT_MOST`], else the newest.
    fn best_matches(&self, query: &str) -> Result<Vec<i64>> {
        let conn = self.ctx.conn;
        // Read backwards from the newest: for a broad search this pass is all the index work.
        let newest: Vec<i64> = conn
            .prepare_cached("SELECT rowid FROM contact_fts WHERE contact_fts MATCH ?1 ORDER BY rowid DESC LIMIT ?2")?
            .query_map(params![query, RANKED_AT_MOST + 1], |row| row.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        if newest.len() > RANKED_AT_MOST as usize {
            return Ok(newest);
        }
        let ranked = conn
            .prepare_cached("SELECT rowid FROM contact_fts WHERE contact_fts MATCH ?1 ORDER BY rank LIMIT ?2")?
            .query_map(params![query, SEARCH_LIMIT], |row| row.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(ranked)
    }

    /// Validates `input` as [`Contacts::create`] would, and returns the keys a duplicate
    /// shares (`email:…`, `phone:…`, as stored).
    pub(crate) fn check(&self, input: &ContactInput) -> Result<Vec<String>> {
        let valid = self.validate(input)?;
        let mut keys = Vec::new();
        if let Some(email) = &valid.email {
            keys.push(format!("email:{}", email.to_lowercase()));
        }
        if let Some(phone) = &valid.phone {
            keys.push(format!("phone:{phone}"));
        }
        Ok(keys)
    }

    /// Every contact's duplicate keys (as [`Contacts::check`] makes them) and its id, the
    /// oldest contact for a key shared by several: one pass over the register, so an import
    /// compares emails in any letter case (`Åsa@…` and `åsa@…`), which SQLite's `NOCASE` (ASCII
    /// only) could not, and needs no index on email or phone.
    pub(crate) fn duplicate_keys(&self) -> Result<HashMap<String, String>> {
        let mut keys = HashMap::new();
        let mut statement = self.ctx.conn.prepare(
            "SELECT id, email, phone FROM contact WHERE email IS NOT NULL OR phone IS NOT NULL ORDER BY seq",
        )?;
        let mut rows = statement.query([])?;
        while let Some(row) = rows.next()? {
            let id: String = row.get(0)?;
            if let Some(email) = row.get::<_, Option<String>>(1)? {
                keys.entry(format!("email:{}", email.to_lowercase())).or_insert_with(|| id.clone());
            }
            if let Some(phone) = row.get::<_, Option<String>>(2)? {
                keys.entry(format!("phone:{phone}")).or_insert(id);
            }
        }
        Ok(keys)
    }

    /// Updates a contact from an imported row: the row's non-empty fields replace the
    /// contact's, its purposes are added, everything else stays.
    pub(crate) fn merge_import(&self, id: &str, row: &ContactInput) -> Result<Contact> {
        let c = self.get(id)?;
        let pick = |new: &Option<String>, old: Option<String>| new.clone().filter(|v| !v.is_empty()).or(old);
        let mut purposes: Vec<String> = c.purposes.iter().map(|p| p.id.clone()).collect();
        purposes.extend(row.purposes.iter().cloned());
        let merged = ContactInput {
            given_name: if row.given_name.trim().is_empty() { c.given_name } else { row.given_name.clone() },
            family_name: if row.family_name.trim().is_empty() { c.family_name } else { row.family_name.clone() },
            email: pick(&row.email, c.email),
            phone: pick(&row.phone, c.phone),
            organisation: pick(&row.organisation, c.organisation),
            role: pick(&row.role, c.role),
            channel: c.channel,
            material: c.material,
            language: c.language,
            stage: Some(c.stage),
            owner: c.owner,
            tags: c.tags,
            purposes,
            confirmed_special_categories: false,
        };
        self.update(id, &merged)
    }

    fn validate(&self, input: &ContactInput) -> Result<ValidContact> {
        let default_country = match self.default_country.get() {
            Some(country) => country,
            None => {
                let country = crate::settings::Settings::load(self.ctx.conn)?.default_country;
                self.default_country.get_or_init(|| country)
            }
        };
        let mut errors = InvalidInput::default();
        let given_name = validate::required_text(&mut errors, "given_name", &input.given_name, MAX_NAME_CHARS);
        let family_name = validate::required_text(&mut errors, "family_name", &input.family_name, MAX_NAME_CHARS);
        let email = validate::optional_email(&mut errors, "email", input.email.as_deref());
        let phone = validate::optional_phone(&mut errors, "phone", input.phone.as_deref(), default_country);
        let organisation =
            validate::optional_text(&mut errors, "organisation", input.organisation.as_deref(), MAX_ORGANISATION_CHARS);
        let role = validate::optional_text(&mut errors, "role", input.role.as_deref(), MAX_SHORT_TEXT_CHARS);
        for (field, value) in [("organisation", &organisation), ("role", &role)] {
            crate::special::check(&mut errors, field, value.as_deref(), input.confirmed_special_categories);
        }
        let language = validate::optional_language(&mut errors, "language", input.language.as_deref());
        let owner = validate::optional_text(&mut errors, "owner", input.owner.as_deref(), MAX_SHORT_TEXT_CHARS);
        let tag_ids = self.resolve(&mut errors, "tags", &input.tags, "tag")?;
        let purpose_ids = self.resolve(&mut errors, "purposes", &input.purposes, "purpose")?;
        if input.purposes.iter().all(|p| validate::clean(p).is_none()) {
            errors.push("purposes", FieldErrorCode::Required, "at least one purpose is required (GDPR Art. 6)");
        }
        errors.into_result()?;
        // Every `None` above recorded an error, so after `into_result` they are all present.
        match (given_name, family_name) {
            (Some(given_name), Some(family_name)) => Ok(ValidContact {
                given_name,
                family_name,
                email,
                phone,
                organisation,
                role,
                channel: input.channel,
                material: input.material,
                language,
                stage: input.stage.unwrap_or(Stage::Lead),
                owner,
                tag_ids,
                purpose_ids,
            }),
            _ => Err(Error::Invalid(InvalidInput::default())),
        }
    }

    /// Looks up tags or purposes by id or name (case-insensitive); unknown ones are field errors.
    fn resolve(&self, errors: &mut InvalidInput, field: &str, names: &[String], table: &str) -> Result<Vec<String>> {
        let (sql, code) = match table {
            "tag" => ("SELECT id FROM tag WHERE id = ?1 OR name = ?1", FieldErrorCode::UnknownTag),
            _ => ("SELECT id FROM purpose WHERE id = ?1 OR name = ?1", FieldErrorCode::UnknownPurpose),
        };
        let mut ids = Vec::new();
        for name in names.iter().filter_map(|n| validate::clean(n)) {
            match self.ctx.conn.prepare_cached(sql)?.query_row([&name], |row| row.get::<_, String>(0)).optional()? {
                Some(id) if !ids.contains(&id) => ids.push(id),
                Some(_) => {}
                None => errors.push(field, code, format!("there is no {table} called '{name}' in settings")),
            }
        }
        Ok(ids)
    }

    fn organisation_id(&self, name: Option<&str>) -> Result<Option<String>> {
        let Some(name) = name else { return Ok(None) };
        self.ctx
            .conn
            .prepare_cached(
                "INSERT INTO organisation (id, name, created_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (name) DO NOTHING",
            )?
            .execute(params![new_id(), name, self.ctx.now()])?;
        Ok(Some(
            self.ctx
                .conn
                .prepare_cached("SELECT id FROM organisation WHERE name = ?1")?
                .query_row([name], |row| row.get(0))?,
        ))
    }

    fn replace_links(&self, id: &str, valid: &ValidContact) -> Result<()> {
        self.ctx.conn.prepare_cached("DELETE FROM contact_purpose WHERE contact_id = ?1")?.execute([id])?;
        self.ctx.conn.prepare_cached("DELETE FROM contact_tag WHERE contact_id = ?1")?.execute([id])?;
        self.add_links(id, valid)
    }

    fn add_links(&self, id: &str, valid: &ValidContact) -> Result<()> {
        for purpose_id in &valid.purpose_ids {
            self.ctx
                .conn
                .prepare_cached("INSERT INTO contact_purpose (contact_id, purpose_id) VALUES (?1, ?2)")?
                .execute([id, purpose_id])?;
        }
        for tag_id in &valid.tag_ids {
            self.ctx
                .conn
                .prepare_cached("INSERT INTO contact_tag (contact_id, tag_id) VALUES (?1, ?2)")?
                .execute([id, tag_id])?;
        }
        Ok(())
    }
}

/// The personal fields of a contact as text, as the audit trail records them.
pub(crate) fn audited_fields(c: &Contact) -> audit::Fields {
    let join = |items: Vec<String>| (!items.is_empty()).then(|| items.join(", "));
    vec![
        ("given_name", Some(c.given_name.clone())),
        ("family_name", Some(c.family_name.clone())),
        ("email", c.email.clone()),
        ("phone", c.phone.clone()),
        ("organisation", c.organisation.clone()),
        ("role", c.role.clone()),
        ("channel", c.channel.map(|v| v.as_str().to_owned())),
        ("material", c.material.map(|v| v.as_str().to_owned())),
        ("language", c.language.clone()),
        ("stage", Some(c.stage.as_str().to_owned())),
        ("owner", c.owner.clone()),
        ("tags", join(c.tags.clone())),
        ("purposes", join(c.purposes.iter().map(|p| p.name.clone()).collect())),
        ("source", c.source.clone()),
    ]
}

/// The audited fields of a contact just stored from `valid`, without reading it back (the
/// creation's commitment covers the contact's own fields; tags and purposes are not needed).
fn created_fields(valid: ValidContact, source: Option<&str>) -> audit::Fields {
    audited_fields(&Contact {
        id: String::new(),
        given_name: valid.given_name,
        family_name: valid.family_name,
        email: valid.email,
        phone: valid.phone,
        organisation: valid.organisation,
        role: valid.role,
        channel: valid.channel,
        material: valid.material,
        language: valid.language,
        stage: valid.stage,
        owner: valid.owner,
        tags: Vec::new(),
        purposes: Vec::new(),
        source: source.map(str::to_owned),
        created_at: String::new(),
        updated_at: String::new(),
    })
}

/// Turns what a person typed into an FTS5 query: every word a quoted term (a prefix when
/// `prefix`), all required.
/// Quoting makes FTS5 syntax characters (`"`, `*`, `:`, `-`, `OR`) plain text.
fn fts_query(text: &str, prefix: bool) -> Option<String> {
    let normalised = validate::clean(text)?;
    let star = if prefix { "*" } else { "" };
    // Split where the index's tokenizer splits (anything not a letter or digit), so every term
    // is one token: `anna@bygg` is `anna` and `bygg`, never a phrase (the index keeps no
    // positions), and quotes or FTS5 operators are plain text.
    let terms: Vec<String> = normalised
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(|word| format!("\"{word}\"{star}"))
        .collect();
    (!terms.is_empty()).then(|| terms.join(" "))
}

#[cfg(test)]
mod tests {
    use super::fts_query;

    #[test]
    fn search_text_becomes_quoted_prefixes() {
        assert_eq!(fts_query("  ", true).as_deref(), None);
        assert_eq!(fts_query("ost", true).as_deref(), Some("\"ost\"*"));
        assert_eq!(fts_query("ost", false).as_deref(), Some("\"ost\""));
        assert_eq!(fts_query("anna ö", true).as_deref(), Some("\"anna\"* \"ö\"*"));
        assert_eq!(fts_query("a\"b OR -c", true).as_deref(), Some("\"a\"* \"b\"* \"OR\"* \"c\"*"));
        assert_eq!(fts_query("anna@bygg.se", false).as_deref(), Some("\"anna\" \"bygg\" \"se\""));
        assert_eq!(fts_query("\" * -", true).as_deref(), None);
    }
}
