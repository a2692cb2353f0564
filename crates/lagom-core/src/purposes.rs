//! Purposes of processing: name, lawful basis and retention period, and the interest
//! tag vocabulary, where every tag names the purpose it serves.
//!
//! A purpose's lawful basis is what people agreed to or were told: once contacts or consent
//! records rely on it, it cannot change. Every change to a purpose is in the audit trail.

use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::audit::{self, AuditAction};
use crate::clock::new_id;
use crate::context::Ctx;
use crate::error::{Error, FieldErrorCode, InvalidInput, Result};
use crate::validate;
use crate::vocab::{LawfulBasis, RetentionAnchor};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Purpose {
    pub id: String,
    pub name: String,
    pub description: String,
    pub lawful_basis: LawfulBasis,
    /// Months kept after the anchor.
    pub retention_months: u32,
    /// What the retention period is counted from.
    pub retention_anchor: RetentionAnchor,
    /// How many contacts are held for this purpose.
    pub contacts: u32,
    /// Contacts or consent records rely on the lawful basis, so it can no longer change.
    pub basis_locked: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct PurposeInput {
    pub name: String,
    pub description: String,
    pub lawful_basis: LawfulBasis,
    pub retention_months: u32,
    /// What the retention period is counted from; the last interaction when not given.
    #[serde(default)]
    pub retention_anchor: RetentionAnchor,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Tag {
    pub id: String,
    pub name: String,
    pub purpose_id: String,
    pub purpose_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct TagInput {
    pub name: String,
    /// The purpose's name or id.
    pub purpose: String,
    /// The user confirmed a tag that reveals a special category (Art. 9).
    #[serde(default)]
    pub confirmed_special_categories: bool,
}

const MAX_PURPOSE_NAME_CHARS: usize = 80;
const MAX_DESCRIPTION_CHARS: usize = 500;
const MAX_TAG_CHARS: usize = 40;
const MAX_RETENTION_MONTHS: u32 = 600;

/// Purposes and tags of one open store.
#[derive(Debug)]
pub struct Purposes<'a> {
    ctx: Ctx<'a>,
}

impl<'a> Purposes<'a> {
    pub(crate) fn new(ctx: Ctx<'a>) -> Self {
        Purposes { ctx }
    }

    pub fn list(&self) -> Result<Vec<Purpose>> {
        self.select("ORDER BY p.name", "")
    }

    /// One purpose by id or (case-insensitive) name, without counting every other purpose.
    pub fn get(&self, id_or_name: &str) -> Result<Purpose> {
        self.select("WHERE p.id = ?1 OR p.name = ?1", id_or_name)?
            .into_iter()
            .next()
            .ok_or(Error::NotFound { what: "purpose" })
    }

    fn select(&self, clause: &str, param: &str) -> Result<Vec<Purpose>> {
        let mut statement = self.ctx.conn.prepare_cached(&format!(
            "SELECT p.id, p.name, p.description, p.lawful_basis, p.retention_months, p.retention_anchor,
                    (SELECT count(*) FROM contact_purpose cp WHERE cp.purpose_id = p.id),
                    EXISTS (SELECT 1 FROM contact_purpose cp WHERE cp.purpose_id = p.id)
                    OR EXISTS (SELECT 1 FROM consent_event e WHERE e.purpose_id = p.id)
             FROM purpose p {clause}"
        ))?;
        let params: &[&dyn rusqlite::ToSql] = if clause.contains("?1") { &[&param] } else { &[] };
        let purposes = statement
            .query_map(params, |row| {
                Ok(Purpose {
                    id: row.get(0)?,
                    name: row.get(1)?,
                    description: row.get(2)?,
                    lawful_basis: row.get(3)?,
                    retention_months: row.get(4)?,
                    retention_anchor: row.get(5)?,
                    contacts: row.get(6)?,
                    basis_locked: row.get(7)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(purposes)
    }

    pub fn create(&self, input: &PurposeInput) -> Result<Purpose> {
        let (name, description) = self.validate(input, None)?;
        let id = new_id();
        let tx = self.ctx.conn.unchecked_transaction()?;
        self.ctx
            .conn
            .prepare_cached(
                "INSERT INTO purpose (id, name, description, lawful_basis, retention_months, retention_anchor, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![
                id,
                name,
                description,
                input.lawful_basis,
                input.retention_months,
                input.retention_anchor,
                self.ctx.now()
            ])?;
        let created = self.get(&id)?;
        self.record_changes(AuditAction::Create, None, &created)?;
        tx.commit()?;
        Ok(created)
    }

    /// Changes a purpose (by id or name). Name, description and retention may change and each
    /// change is audited; the lawful basis may not once contacts or consent records rely on
    /// it — what people agreed to must keep its meaning, so a new basis is a new purpose.
    pub fn update(&self, id_or_name: &str, input: &PurposeInput) -> Result<Purpose> {
        let tx = self.ctx.conn.unchecked_transaction()?;
        let before = self.get(id_or_name.trim())?;
        let (name, description) = self.validate(input, Some(&before.id))?;
        if input.lawful_basis != before.lawful_basis && before.basis_locked {
            return Err(Error::invalid(
                "lawful_basis",
                FieldErrorCode::BasisLocked,
                format!(
                    "contacts or consent records rely on this purpose's lawful basis ({}), so it cannot \
                     change; create a new purpose with the new basis instead",
                    before.lawful_basis
                ),
            ));
        }
        self.ctx
            .conn
            .prepare_cached(
                "UPDATE purpose SET name = ?2, description = ?3, lawful_basis = ?4, retention_months = ?5,
                        retention_anchor = ?6
                 WHERE id = ?1",
            )?
            .execute(params![
                before.id,
                name,
                description,
                input.lawful_basis,
                input.retention_months,
                input.retention_anchor
            ])?;
        let after = self.get(&before.id)?;
        self.record_changes(AuditAction::Update, Some(&before), &after)?;
        tx.commit()?;
        Ok(after)
    }

    /// One audit entry per field that changed (every field, for a new purpose).
    fn record_changes(&self, action: AuditAction, before: Option<&Purpose>, after: &Purpose) -> Result<()> {
        let fields = |p: &Purpose| -> audit::Fields {
            vec![
                ("purpose/name", Some(p.name.clone())),
                ("purpose/description", Some(p.description.clone())),
                ("purpose/lawful_basis", Some(p.lawful_basis.as_str().to_owned())),
                ("purpose/retention_months", Some(p.retention_months.to_string())),
                ("purpose/retention_anchor", Some(p.retention_anchor.as_str().to_owned())),
            ]
        };
        audit::record_field_changes(&self.ctx, action, &after.id, before.map(fields).as_ref(), &fields(after))
    }

    fn validate(&self, input: &PurposeInput, own_id: Option<&str>) -> Result<(String, String)> {
        let mut errors = InvalidInput::default();
        let name = validate::required_text(&mut errors, "name", &input.name, MAX_PURPOSE_NAME_CHARS);
        let description =
            validate::optional_text(&mut errors, "description", Some(&input.description), MAX_DESCRIPTION_CHARS);
        if !(1..=MAX_RETENTION_MONTHS).contains(&input.retention_months) {
            errors.push(
                "retention_months",
                FieldErrorCode::OutOfRange,
                format!("must be between 1 and {MAX_RETENTION_MONTHS} months"),
            );
        }
        if let Some(name) = &name {
            let clash: Option<String> = self
                .ctx
                .conn
                .prepare_cached("SELECT id FROM purpose WHERE name = ?1")?
                .query_row([name], |row| row.get(0))
                .optional()?;
            if clash.is_some_and(|clash| Some(clash.as_str()) != own_id) {
                errors.push("name", FieldErrorCode::Duplicate, "another purpose already has this name");
            }
        }
        errors.into_result()?;
        Ok((name.unwrap_or_default(), description.unwrap_or_default()))
    }

    pub fn tags(&self) -> Result<Vec<Tag>> {
        let tags = self
            .ctx
            .conn
            .prepare_cached(
                "SELECT t.id, t.name, p.id, p.name FROM tag t JOIN purpose p ON p.id = t.purpose_id
                 ORDER BY t.name",
            )?
            .query_map([], |row| {
                Ok(Tag { id: row.get(0)?, name: row.get(1)?, purpose_id: row.get(2)?, purpose_name: row.get(3)? })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(tags)
    }

    pub fn create_tag(&self, input: &TagInput) -> Result<Tag> {
        let mut errors = InvalidInput::default();
        let name = validate::required_text(&mut errors, "name", &input.name, MAX_TAG_CHARS);
        crate::special::check(&mut errors, "name", name.as_deref(), input.confirmed_special_categories);
        let purpose = self.get(input.purpose.trim()).ok();
        if purpose.is_none() {
            errors.push("purpose", FieldErrorCode::UnknownPurpose, "choose the purpose this interest serves");
        }
        if let Some(name) = &name
            && self.tags()?.iter().any(|t| t.name.eq_ignore_ascii_case(name))
        {
            errors.push("name", FieldErrorCode::Duplicate, "this interest already exists");
        }
        errors.into_result()?;
        let (Some(name), Some(purpose)) = (name, purpose) else {
            return Err(Error::Invalid(InvalidInput::default()));
        };
        let id = new_id();
        self.ctx.conn.prepare_cached("INSERT INTO tag (id, name, purpose_id) VALUES (?1, ?2, ?3)")?.execute([
            &id,
            &name,
            &purpose.id,
        ])?;
        Ok(Tag { id, name, purpose_id: purpose.id, purpose_name: purpose.name })
    }

    /// Removes a tag from the vocabulary and from every contact that had it.
    pub fn delete_tag(&self, id: &str) -> Result<()> {
        let removed = self.ctx.conn.prepare_cached("DELETE FROM tag WHERE id = ?1")?.execute([id])?;
        if removed == 0 {
            return Err(Error::NotFound { what: "tag" });
        }
        Ok(())
    }
}
