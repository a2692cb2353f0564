//! The field dictionary: every table and column that can hold personal data, declared once,
//! with its category, the purpose it serves and how it is erased and exported. Erasure walks
//! this list, and a structural test fails when the live schema has a table or column that is
//! neither declared here nor declared not personal.

use serde::Serialize;
use ts_rs::TS;

/// The kind of personal data a column holds (for the Art. 30 record and the register extract).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Identity,
    ContactDetails,
    Preferences,
    Relationship,
    Consent,
    Audit,
}

/// How a table's rows about a person are erased.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Erasure {
    /// `DELETE` with the person's contact id bound to `?1`, run in this list's order.
    DeleteRows(&'static str),
    /// The values are removed, the rows stay (the audit chain must still verify).
    RedactValues,
    /// An index kept in step by triggers on `contact` (FTS5 with secure-delete).
    IndexOfContact,
    /// Kept after the person is erased, as the record that their request was answered on time
    /// (Art. 5(2), 12(3)): only the random contact id, dates and vocabulary, nothing else.
    KeptAsRecord,
    /// Deleted when nothing refers to it any more (a sole trader's company name, a consent
    /// wording shown to one person only). `candidates` lists, with the person's contact id in
    /// `?1`, the rows the person refers to, read before their rows go; `delete` removes one of
    /// them (`?1`) if nothing else refers to it.
    DeleteWhenOrphaned { candidates: &'static str, delete: &'static str },
}

/// Deletes organisation `?1` when no contact belongs to it; run on erase and when a contact
/// leaves an organisation, so an old employer never outlives the person.
pub(crate) const DELETE_ORPHANED_ORGANISATION: &str =
    "DELETE FROM organisation WHERE id = ?1 AND NOT EXISTS (SELECT 1 FROM contact WHERE organisation_id = ?1)";

/// A column of a personal table: `None` for keys and timestamps that say nothing by themselves.
pub type Column = (&'static str, Option<Category>);

#[derive(Debug)]
pub struct PersonalTable {
    pub table: &'static str,
    pub purpose: &'static str,
    pub columns: &'static [Column],
    pub erasure: Erasure,
}

#[derive(Debug)]
pub struct OtherTable {
    pub table: &'static str,
    pub why: &'static str,
}

use Category::*;

/// Every table holding personal data, in erasure order (children before parents).
pub const PERSONAL: &[PersonalTable] = &[
    PersonalTable {
        table: "consent_event",
        purpose: "Prove consent and honour opt-outs (Art. 7(1), Art. 21)",
        columns: &[
            ("seq", None),
            ("id", None),
            ("contact_id", None),
            ("purpose_id", Some(Consent)),
            ("channel", Some(Consent)),
            ("kind", Some(Consent)),
            ("at", Some(Consent)),
            ("source", Some(Consent)),
            ("wording", Some(Consent)),
            ("recorded_by", Some(Audit)),
        ],
        erasure: Erasure::DeleteRows("DELETE FROM consent_event WHERE contact_id = ?1"),
    },
    PersonalTable {
        table: "interaction",
        purpose: "Keep the customer relationship; the last one will anchor retention (R-9)",
        columns: &[
            ("seq", None),
            ("id", None),
            ("contact_id", None),
            ("kind", Some(Relationship)),
            ("on_date", Some(Relationship)),
            ("channel", Some(Relationship)),
            ("outcome", Some(Relationship)),
            ("purpose_id", Some(Relationship)),
            ("recorded_by", Some(Audit)),
            ("recorded_at", Some(Relationship)),
        ],
        erasure: Erasure::DeleteRows("DELETE FROM interaction WHERE contact_id = ?1"),
    },
    PersonalTable {
        table: "notice_given",
        purpose: "Prove the person was told what is held and why (Art. 5(2), 13, 14)",
        columns: &[
            ("seq", None),
            ("id", None),
            ("contact_id", None),
            ("given_on", Some(Relationship)),
            ("channel", Some(Relationship)),
            ("language", Some(Relationship)),
            ("recorded_by", Some(Audit)),
            ("recorded_at", Some(Relationship)),
        ],
        erasure: Erasure::DeleteRows("DELETE FROM notice_given WHERE contact_id = ?1"),
    },
    PersonalTable {
        table: "retention_hold",
        purpose: "Keep a person past their expiry where a law requires it (Art. 17(3)(b))",
        columns: &[
            ("seq", None),
            ("id", None),
            ("contact_id", None),
            ("reason", Some(Relationship)),
            ("until", Some(Relationship)),
            ("recorded_by", Some(Audit)),
            ("recorded_at", Some(Relationship)),
        ],
        erasure: Erasure::DeleteRows("DELETE FROM retention_hold WHERE contact_id = ?1"),
    },
    PersonalTable {
        table: "retention_due",
        purpose: "Give a contact past their expiry a grace period before automatic erasure (R-9)",
        columns: &[("contact_id", None), ("since", Some(Relationship)), ("expires", Some(Relationship))],
        erasure: Erasure::DeleteRows("DELETE FROM retention_due WHERE contact_id = ?1"),
    },
    PersonalTable {
        table: "breach",
        purpose: "Document a personal data breach and how it was handled (Art. 33(5)); persons only by internal id",
        columns: &[
            ("seq", None),
            ("id", None),
            ("kind", Some(Relationship)),
            ("discovered_at", Some(Relationship)),
            ("everyone", None),
            ("affected", None),
            // About the incident; names of the affected contacts are refused.
            ("consequences", Some(Relationship)),
            ("measures", Some(Relationship)),
            ("recorded_at", None),
            ("recorded_by", Some(Audit)),
            ("status", Some(Relationship)),
            ("closed_at", Some(Relationship)),
            ("closed_by", Some(Audit)),
            ("reason", Some(Relationship)),
            ("notified_at", Some(Relationship)),
            ("delay_reason", Some(Relationship)),
            ("persons_reason", Some(Relationship)),
            ("persons_decided_at", Some(Relationship)),
            ("persons_decided_by", Some(Audit)),
        ],
        erasure: Erasure::KeptAsRecord,
    },
    PersonalTable {
        table: "breach_contact",
        purpose: "Document a personal data breach and whom it affected (Art. 33(5), Art. 34)",
        columns: &[
            ("breach_id", Some(Relationship)),
            ("contact_id", None),
            ("told_on", Some(Relationship)),
            ("told_channel", Some(Relationship)),
        ],
        erasure: Erasure::KeptAsRecord,
    },
    PersonalTable {
        table: "request",
        purpose: "Answer the person's requests on time, and show it (Art. 12(3), Art. 5(2))",
        columns: &[
            ("seq", None),
            ("id", None),
            ("kind", Some(Relationship)),
            ("contact_id", None),
            // Held only while the request is open and not matched to a contact (the table's
            // CHECKs enforce it): matching or closing the request deletes them.
            ("requester_name", Some(Identity)),
            ("requester_address", Some(ContactDetails)),
            ("identity_check", Some(Relationship)),
            ("identity_checked_on", Some(Relationship)),
            ("received", Some(Relationship)),
            ("status", Some(Relationship)),
            ("extension_reason", Some(Relationship)),
            ("extended_on", Some(Relationship)),
            ("refusal_reason", Some(Relationship)),
            ("answer", None),
            ("closed_on", Some(Relationship)),
            ("recorded_by", Some(Audit)),
            ("created_at", None),
        ],
        erasure: Erasure::KeptAsRecord,
    },
    PersonalTable {
        table: "contact_tag",
        purpose: "Send only what the person is interested in",
        columns: &[("contact_id", None), ("tag_id", Some(Preferences))],
        erasure: Erasure::DeleteRows("DELETE FROM contact_tag WHERE contact_id = ?1"),
    },
    PersonalTable {
        table: "contact_purpose",
        purpose: "Record why the person's data is kept (Art. 5(1)(b), Art. 6)",
        columns: &[("contact_id", None), ("purpose_id", Some(Relationship))],
        erasure: Erasure::DeleteRows("DELETE FROM contact_purpose WHERE contact_id = ?1"),
    },
    PersonalTable {
        table: "contact",
        purpose: "Reach the person and keep the customer relationship",
        columns: &[
            ("seq", None),
            ("id", None),
            ("given_name", Some(Identity)),
            ("family_name", Some(Identity)),
            ("email", Some(ContactDetails)),
            ("phone", Some(ContactDetails)),
            ("organisation_id", Some(Relationship)),
            ("role", Some(Relationship)),
            ("channel", Some(Preferences)),
            ("material", Some(Preferences)),
            ("language", Some(Preferences)),
            ("stage", Some(Relationship)),
            ("owner", Some(Relationship)),
            ("created_at", Some(Relationship)),
            ("updated_at", Some(Relationship)),
            ("source", Some(Relationship)),
        ],
        erasure: Erasure::DeleteRows("DELETE FROM contact WHERE id = ?1"),
    },
    PersonalTable {
        table: "contact_fts",
        purpose: "Find the person by name, email or organisation",
        columns: &[
            ("given_name", Some(Identity)),
            ("family_name", Some(Identity)),
            ("email", Some(ContactDetails)),
            ("organisation", Some(Relationship)),
        ],
        erasure: Erasure::IndexOfContact,
    },
    PersonalTable {
        table: "organisation",
        purpose: "Know where the person works (may be a sole trader's own name)",
        columns: &[("id", None), ("name", Some(Relationship)), ("created_at", None)],
        erasure: Erasure::DeleteWhenOrphaned {
            candidates: "SELECT organisation_id FROM contact WHERE id = ?1 AND organisation_id IS NOT NULL",
            delete: DELETE_ORPHANED_ORGANISATION,
        },
    },
    PersonalTable {
        table: "consent_wording",
        purpose: "Prove the exact text a person agreed to (Art. 7(1))",
        columns: &[("sha256", None), ("text", Some(Consent))],
        erasure: Erasure::DeleteWhenOrphaned {
            candidates: "SELECT DISTINCT wording FROM consent_event WHERE contact_id = ?1 AND wording IS NOT NULL",
            delete: "DELETE FROM consent_wording WHERE sha256 = ?1
                     AND NOT EXISTS (SELECT 1 FROM consent_event WHERE wording = ?1)",
        },
    },
    PersonalTable {
        table: "audit_entry",
        purpose: "Account for every change to personal data (Art. 5(2), Art. 30)",
        columns: &[
            ("seq", None),
            ("at", Some(Audit)),
            ("actor", Some(Audit)),
            ("action", Some(Audit)),
            ("subject_id", None),
            ("field", Some(Audit)),
            ("old_value", Some(Audit)),
            ("new_value", Some(Audit)),
            ("commitment", None),
            ("hash", None),
        ],
        erasure: Erasure::RedactValues,
    },
    PersonalTable {
        table: "audit_secret",
        purpose: "Let the audit chain verify values that still exist",
        columns: &[("seq", None), ("secret", None)],
        erasure: Erasure::RedactValues,
    },
];

/// Tables that hold no personal data, and why.
pub const NOT_PERSONAL: &[OtherTable] = &[
    OtherTable { table: "setting", why: "configuration" },
    OtherTable { table: "purpose", why: "the purposes of processing, configured by the controller" },
    OtherTable { table: "tag", why: "the interests vocabulary" },
    OtherTable { table: "interaction_outcome", why: "the vocabulary of interaction outcomes" },
    OtherTable { table: "erasure", why: "tombstones: random ids, times, the article and the request" },
    OtherTable { table: "backup_taken", why: "when each backup was taken and where its file is" },
    OtherTable { table: "ledger_secret", why: "the key that signs this register's erasure ledger lines" },
    OtherTable {
        table: "second_factor",
        why: "the app lock's TOTP secret, shared with the user's own authenticator app",
    },
    OtherTable { table: "recovery_code", why: "hashes of the app lock's one-time recovery codes" },
    OtherTable { table: "erase_guard", why: "a marker that exists only inside an erase transaction" },
    OtherTable { table: "fts_deferred", why: "a marker (a row number) that exists only inside an import transaction" },
];

/// The statements that delete a person's rows, in order.
pub(crate) fn delete_statements() -> impl Iterator<Item = &'static str> {
    PERSONAL.iter().filter_map(|t| match t.erasure {
        Erasure::DeleteRows(sql) => Some(sql),
        _ => None,
    })
}

/// For each table whose rows are deleted when orphaned: the statement listing the person's
/// candidates and the statement deleting one of them.
pub(crate) fn orphan_statements() -> impl Iterator<Item = (&'static str, &'static str)> {
    PERSONAL.iter().filter_map(|t| match t.erasure {
        Erasure::DeleteWhenOrphaned { candidates, delete } => Some((candidates, delete)),
        _ => None,
    })
}

/// The declaration that covers `table`: FTS5 shadow tables (`contact_fts_data`, …) belong
/// to their index.
pub fn declared(table: &str) -> Option<&'static str> {
    PERSONAL.iter().map(|t| t.table).chain(NOT_PERSONAL.iter().map(|t| t.table)).find(|name| {
        *name == table || (table.starts_with(name) && table[name.len()..].starts_with('_') && name.ends_with("_fts"))
    })
}
