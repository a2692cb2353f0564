//! Consent ledger, opt-outs, the audit chain, erasure without residue, and the field
//! dictionary's coverage, against real encrypted databases.

// A failed unwrap is a failed test, with the reason printed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use aes::cipher::{BlockDecryptMut, KeyIvInit, block_padding::NoPadding};
use lagom_core::personal_data::{self, Erasure, NOT_PERSONAL, PERSONAL};
use lagom_core::{
    ConsentEventKind, ConsentInput, ConsentSource, ContactInput, DbKey, ErrorKind, KeyStore, Lagom, MarketingChannel,
    MemoryKeyStore,
};

struct Db {
    _dir: tempfile::TempDir,
    path: PathBuf,
    key: DbKey,
    lagom: Lagom,
}

fn open() -> Db {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lagom.db");
    let keys = MemoryKeyStore::new();
    let created = Lagom::create(&path, &keys).unwrap();
    Db { key: keys.load().unwrap().unwrap(), lagom: created.lagom, path, _dir: dir }
}

fn person(lagom: &Lagom, given: &str, family: &str, purposes: &[&str]) -> String {
    lagom
        .contacts()
        .create(&ContactInput {
            given_name: given.into(),
            family_name: family.into(),
            email: Some(format!("{}.{}@example.se", given.to_lowercase(), family.to_lowercase())),
            purposes: purposes.iter().map(|p| p.to_string()).collect(),
            ..ContactInput::default()
        })
        .unwrap()
        .id
}

fn consent(purpose: &str, channel: Option<MarketingChannel>) -> ConsentInput {
    ConsentInput {
        purpose: purpose.into(),
        channel,
        source: ConsentSource::Form,
        wording: Some("Yes, send me the newsletter by email. You can unsubscribe at any time.".into()),
    }
}

/// A phone call on `date` that ended with "follow up", for the customer relationship.
fn call(date: &str) -> lagom_core::InteractionInput {
    lagom_core::InteractionInput {
        kind: lagom_core::InteractionKind::Call,
        date: date.into(),
        channel: lagom_core::Channel::Phone,
        outcome: Some("follow up".into()),
        purpose: Some("Customer relationship".into()),
    }
}

fn reachable(lagom: &Lagom, purpose: &str, channel: MarketingChannel) -> Vec<String> {
    lagom.consent().reachable(purpose, channel).unwrap().into_iter().map(|c| c.given_name).collect()
}

#[test]
fn the_consent_ledger_keeps_history_and_derives_the_current_state() {
    let db = open();
    let anna = person(&db.lagom, "Anna", "Berg", &["Customer relationship"]);
    let ledger = db.lagom.consent();
    ledger.give(&anna, &consent("Newsletter", None)).unwrap();
    ledger.withdraw(&anna, &consent("Newsletter", None)).unwrap();
    ledger.give(&anna, &consent("Newsletter", Some(MarketingChannel::Email))).unwrap();

    let history = ledger.history(&anna).unwrap();
    let kinds: Vec<_> = history.iter().map(|e| e.kind).collect();
    assert_eq!(kinds, [ConsentEventKind::Given, ConsentEventKind::Withdrawn, ConsentEventKind::Given]);
    assert_eq!(history[0].wording_sha256.as_deref().map(str::len), Some(64));
    assert!(history[0].wording.as_deref().unwrap().starts_with("Yes, send me"));
    assert_eq!(history[0].wording_sha256, history[2].wording_sha256, "the wording is stored once");

    let state = ledger.state(&anna).unwrap();
    let summary: Vec<_> = state.iter().map(|s| (s.purpose_name.as_str(), s.channel, s.given)).collect();
    assert_eq!(summary, [("Newsletter", None, false), ("Newsletter", Some(MarketingChannel::Email), true)]);
    let purposes: Vec<_> = db.lagom.contacts().get(&anna).unwrap().purposes.into_iter().map(|p| p.name).collect();
    assert!(purposes.contains(&"Newsletter".to_owned()), "giving consent holds the contact for the purpose");
}

#[test]
fn the_database_refuses_to_rewrite_or_delete_the_ledger() {
    let db = open();
    let anna = person(&db.lagom, "Anna", "Berg", &["Newsletter"]);
    db.lagom.consent().give(&anna, &consent("Newsletter", None)).unwrap();
    let conn = db.lagom.connection();
    let update = conn.execute("UPDATE consent_event SET kind = 'withdrawn'", []).unwrap_err();
    assert!(update.to_string().contains("append-only"), "{update}");
    let delete = conn.execute("DELETE FROM consent_event", []).unwrap_err();
    assert!(delete.to_string().contains("append-only"), "{delete}");
    let audit = conn.execute("UPDATE audit_entry SET new_value = 'x'", []).unwrap_err();
    assert!(audit.to_string().contains("append-only"), "{audit}");
    assert!(conn.execute("DELETE FROM audit_entry", []).is_err());
}

#[test]
fn opted_out_contacts_never_appear_in_a_marketing_list() {
    let db = open();
    let ledger = db.lagom.consent();
    let anna = person(&db.lagom, "Anna", "Berg", &["Newsletter"]);
    let bo = person(&db.lagom, "Bo", "Ek", &["Newsletter"]);
    let cia = person(&db.lagom, "Cia", "Lund", &["Newsletter"]);
    let _dan = person(&db.lagom, "Dan", "Moe", &["Newsletter"]); // held, but never consented
    for id in [&anna, &bo, &cia] {
        ledger.give(id, &consent("Newsletter", None)).unwrap();
    }
    assert_eq!(reachable(&db.lagom, "Newsletter", MarketingChannel::Email), ["Anna", "Bo", "Cia"]);

    ledger.opt_out(&bo, Some(MarketingChannel::Email), ConsentSource::Phone).unwrap();
    let out = ledger.opt_out(&cia, None, ConsentSource::Email).unwrap();
    assert!(out.all);
    assert_eq!(reachable(&db.lagom, "Newsletter", MarketingChannel::Email), ["Anna"]);
    assert_eq!(
        reachable(&db.lagom, "Newsletter", MarketingChannel::Post),
        ["Anna", "Bo"],
        "Bo opted out of email only"
    );

    ledger.opt_in(&bo, Some(MarketingChannel::Email), ConsentSource::Phone).unwrap();
    assert_eq!(reachable(&db.lagom, "Newsletter", MarketingChannel::Email), ["Anna", "Bo"]);
    assert_eq!(ledger.opt_outs(&bo).unwrap().channels, []);
    assert_eq!(ledger.history(&bo).unwrap().len(), 3, "undo is a new event");

    ledger.withdraw(&anna, &consent("Newsletter", Some(MarketingChannel::Email))).unwrap();
    assert_eq!(reachable(&db.lagom, "Newsletter", MarketingChannel::Email), ["Bo"]);
    assert_eq!(reachable(&db.lagom, "Newsletter", MarketingChannel::Sms), ["Anna", "Bo"]);
}

#[test]
fn contract_purposes_need_no_consent_but_opt_outs_still_apply() {
    let db = open();
    let anna = person(&db.lagom, "Anna", "Berg", &["Customer relationship"]);
    person(&db.lagom, "Bo", "Ek", &["Customer relationship"]);
    assert_eq!(reachable(&db.lagom, "Customer relationship", MarketingChannel::Post), ["Anna", "Bo"]);
    db.lagom.consent().opt_out(&anna, Some(MarketingChannel::Post), ConsentSource::Meeting).unwrap();
    assert_eq!(reachable(&db.lagom, "Customer relationship", MarketingChannel::Post), ["Bo"]);
}

#[test]
fn the_audit_chain_records_changes_and_detects_tampering() {
    let db = open();
    let anna = person(&db.lagom, "Anna", "Berg", &["Customer relationship"]);
    let mut input = ContactInput {
        given_name: "Anna".into(),
        family_name: "Lind".into(),
        email: Some("anna.berg@example.se".into()),
        purposes: vec!["Customer relationship".into()],
        ..ContactInput::default()
    };
    db.lagom.contacts().update(&anna, &input).unwrap();
    input.role = Some("CEO".into());
    db.lagom.contacts().update(&anna, &input).unwrap();

    let entries = db.lagom.audit_for(&anna).unwrap();
    let changes: Vec<_> = entries
        .iter()
        .filter(|e| e.action == "update")
        .map(|e| (e.field.as_deref().unwrap(), e.old_value.as_deref(), e.new_value.as_deref()))
        .collect();
    assert_eq!(changes, [("family_name", Some("Berg"), Some("Lind")), ("role", None, Some("CEO"))]);
    assert!(entries.iter().any(|e| e.action == "create" && e.field.as_deref() == Some("email")));
    assert!(db.lagom.verify_audit().unwrap().is_intact());

    let conn = db.lagom.connection();
    conn.execute_batch("DROP TRIGGER audit_entry_append_only").unwrap();
    let target = entries.iter().find(|e| e.field.as_deref() == Some("role")).unwrap().seq;
    conn.execute("UPDATE audit_entry SET new_value = 'CFO' WHERE seq = ?1", [target]).unwrap();
    let report = db.lagom.verify_audit().unwrap();
    assert_eq!(report.first_broken, Some(target), "a changed value breaks its commitment");

    conn.execute("UPDATE audit_entry SET new_value = 'CEO' WHERE seq = ?1", [target]).unwrap();
    assert!(db.lagom.verify_audit().unwrap().is_intact());
    conn.execute("UPDATE audit_entry SET actor = 'mallory' WHERE seq = 1", []).unwrap();
    assert_eq!(db.lagom.verify_audit().unwrap().first_broken, Some(1), "a changed actor breaks the hash");
}

#[test]
fn a_created_contact_is_one_audit_entry_without_values_read_back_field_by_field() {
    let db = open();
    let anna = person(&db.lagom, "Anna", "Berg", &["Customer relationship"]);
    let conn = db.lagom.connection();
    let (stored, values): (u32, u32) = conn
        .query_row(
            "SELECT count(*), count(old_value) + count(new_value) FROM audit_entry WHERE subject_id = ?1 AND action = 'create'",
            [&anna],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((stored, values), (1, 0), "one link of the chain, no second copy of the person");

    // Changed later: the creation still shows what she was created with.
    let mut input = ContactInput {
        given_name: "Anna".into(),
        family_name: "Lind".into(),
        email: None,
        role: Some("CEO".into()),
        purposes: vec!["Customer relationship".into()],
        ..ContactInput::default()
    };
    db.lagom.contacts().update(&anna, &input).unwrap();
    input.role = None;
    db.lagom.contacts().update(&anna, &input).unwrap();
    let entries = db.lagom.audit_for(&anna).unwrap();
    let created: Vec<(&str, &str)> = entries
        .iter()
        .filter(|e| e.action == "create")
        .map(|e| (e.field.as_deref().unwrap(), e.new_value.as_deref().unwrap()))
        .collect();
    assert!(created.contains(&("given_name", "Anna")), "{created:?}");
    assert!(created.contains(&("family_name", "Berg")), "{created:?}");
    assert!(created.contains(&("email", "anna.berg@example.se")), "{created:?}");
    assert!(created.contains(&("purposes", "Customer relationship")), "{created:?}");
    assert!(created.iter().all(|(field, _)| *field != "role" && *field != "phone"), "unset at creation: {created:?}");
    let seq = entries.iter().find(|e| e.action == "create").unwrap().seq;
    assert!(entries.iter().filter(|e| e.action == "create").all(|e| e.seq == seq));
    assert!(db.lagom.verify_audit().unwrap().is_intact());

    // A record changed outside Lagom no longer matches the creation's commitment: the creation
    // is then shown without values rather than with ones it never had.
    conn.execute("UPDATE contact SET given_name = 'Anne' WHERE id = ?1", [&anna]).unwrap();
    let creation: Vec<_> = db.lagom.audit_for(&anna).unwrap().into_iter().filter(|e| e.action == "create").collect();
    assert_eq!(creation.len(), 1, "{creation:?}");
    assert_eq!((creation[0].field.as_deref(), creation[0].new_value.as_deref()), (Some("*"), None));
    assert!(creation[0].unconfirmed);
    conn.execute("UPDATE contact SET given_name = 'Anna' WHERE id = ?1", [&anna]).unwrap();
    let restored = db.lagom.audit_for(&anna).unwrap();
    assert!(
        restored.iter().any(|e| e.action == "create" && e.field.as_deref() == Some("given_name")),
        "matching again, shown field by field again"
    );

    // A field that was changed, then changed again outside Lagom: the record no longer follows
    // from its changes, although the creation's own values still match.
    conn.execute("UPDATE contact SET family_name = 'Evil' WHERE id = ?1", [&anna]).unwrap();
    let creation: Vec<_> = db.lagom.audit_for(&anna).unwrap().into_iter().filter(|e| e.action == "create").collect();
    assert_eq!(creation.len(), 1);
    assert!(creation[0].unconfirmed);
    conn.execute("UPDATE contact SET family_name = 'Lind' WHERE id = ?1", [&anna]).unwrap();
    assert!(db.lagom.audit_for(&anna).unwrap().iter().all(|e| !e.unconfirmed));

    // The creation is in the chain like any other entry.
    conn.execute_batch("DROP TRIGGER audit_entry_append_only").unwrap();
    conn.execute("UPDATE audit_entry SET actor = 'mallory' WHERE seq = ?1", [seq]).unwrap();
    assert_eq!(db.lagom.verify_audit().unwrap().first_broken, Some(seq));
}

// ---- Erasure ----------------------------------------------------------------------------

const PAGE: usize = 4096;
const RESERVE: usize = 80; // SQLCipher 4: 16-byte IV + 64-byte HMAC-SHA512 per page

/// Decrypts one SQLCipher 4 page (AES-256-CBC with the raw key; page 1 keeps its salt in
/// the clear in its first 16 bytes).
fn decrypt_page(key: &[u8; 32], page: &[u8], first: bool) -> Vec<u8> {
    let start = if first { 16 } else { 0 };
    let iv = &page[PAGE - RESERVE..PAGE - RESERVE + 16];
    let mut data = page[start..PAGE - RESERVE].to_vec();
    cbc::Decryptor::<aes::Aes256>::new(key.into(), iv.into()).decrypt_padded_mut::<NoPadding>(&mut data).unwrap();
    data
}

/// Every page of the main file and every frame of the WAL (and any journal), decrypted.
fn decrypted_pages(path: &Path, key: &DbKey) -> Vec<Vec<u8>> {
    let key = key.as_bytes();
    let mut pages = Vec::new();
    let main = std::fs::read(path).unwrap();
    for (i, page) in main.chunks_exact(PAGE).enumerate() {
        pages.push(decrypt_page(key, page, i == 0));
    }
    for suffix in ["-wal", "-journal"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        let Ok(bytes) = std::fs::read(PathBuf::from(name)) else {
            continue;
        };
        if suffix == "-wal" && bytes.len() > 32 {
            // 32-byte WAL header, then frames: a 24-byte header with the page number, a page.
            for frame in bytes[32..].chunks_exact(24 + PAGE) {
                let page_no = u32::from_be_bytes(frame[0..4].try_into().unwrap());
                pages.push(decrypt_page(key, &frame[24..], page_no == 1));
            }
        } else if suffix == "-journal" {
            pages.push(bytes);
        }
    }
    pages
}

fn occurrences(pages: &[Vec<u8>], needle: &str) -> usize {
    pages.iter().map(|p| p.windows(needle.len()).filter(|w| *w == needle.as_bytes()).count()).sum()
}

#[test]
fn erase_leaves_no_residue_in_any_page_wal_frame_or_index() {
    let db = open();
    let lagom = &db.lagom;
    let before = person(lagom, "Tova", "Bergström", &["Customer relationship"]);
    for i in 0..300 {
        person(lagom, &format!("Filler{i}"), &format!("Person{i}"), &["Customer relationship"]);
    }
    let target = lagom
        .contacts()
        .create(&ContactInput {
            given_name: "Qwilhelmina".into(),
            family_name: "Zyxwöquist".into(),
            email: Some("qwilhelmina.zyxwoquist@residue.example".into()),
            phone: Some("+46 70 987 65 43".into()),
            organisation: Some("Zyxwöquist Konsult".into()),
            role: Some("Ägare".into()),
            tags: vec!["golf".into()],
            purposes: vec!["Customer relationship".into()],
            ..ContactInput::default()
        })
        .unwrap();
    lagom.consent().give(&target.id, &consent("Newsletter", None)).unwrap();
    // A wording shown to this person only, naming them.
    let mut own_wording = consent("Events", None);
    own_wording.wording = Some("Qwilhelmina, may Xyloquent Golf invite you?".into());
    lagom.consent().give(&target.id, &own_wording).unwrap();
    lagom.consent().opt_out(&target.id, Some(MarketingChannel::Post), ConsentSource::Phone).unwrap();
    // An organisation the person has since left.
    let mut moved = ContactInput {
        given_name: "Qwilhelmina".into(),
        family_name: "Zyxwöquist".into(),
        organisation: Some("Vårdquast Former Employer".into()),
        purposes: vec!["Customer relationship".into()],
        ..ContactInput::default()
    };
    lagom.contacts().update(&target.id, &moved).unwrap();
    assert!(occurrences(&decrypted_pages(&db.path, &db.key), "Vårdquast Former Employer") > 0, "the scan sees it");
    moved.organisation = None;
    lagom.contacts().update(&target.id, &moved).unwrap();
    let mut renamed = ContactInput {
        given_name: "Qwilhelmina".into(),
        family_name: "Zyxwöquist-Ahl".into(),
        email: Some("qwilhelmina.zyxwoquist@residue.example".into()),
        phone: Some("+46 70 987 65 43".into()),
        organisation: Some("Zyxwöquist Konsult".into()),
        purposes: vec!["Customer relationship".into()],
        ..ContactInput::default()
    };
    lagom.contacts().update(&target.id, &renamed).unwrap();
    renamed.family_name = "Zyxwöquist".into();
    lagom.contacts().update(&target.id, &renamed).unwrap();
    let after = person(lagom, "Ulla", "Sandberg", &["Customer relationship"]);

    // What must vanish: the strings as stored (UTF-8) and as the search index keeps them.
    let needles = [
        "Qwilhelmina",
        "Zyxwöquist",
        "qwilhelmina.zyxwoquist@residue.example",
        "+46709876543",
        "Zyxwöquist Konsult",
        "qwilhelmina",
        "zyxwoquist",
        "residue",
        "709876543",
        "Vårdquast Former Employer",
        "vardquast",
        "Xyloquent Golf",
    ];
    let pages = decrypted_pages(&db.path, &db.key);
    for needle in ["Qwilhelmina", "zyxwoquist", "+46709876543", "Xyloquent Golf"] {
        assert!(occurrences(&pages, needle) > 0, "the scan must see {needle} before the erase");
    }
    let filler = occurrences(&pages, "Filler17");
    assert!(filler > 0, "decryption works for every page");

    let receipt = lagom.rights().erase(&target.id, Some("request-42")).unwrap();
    assert_eq!(receipt.warning, None);
    let tombstone = receipt.tombstone;
    assert_eq!(tombstone.article, "GDPR Art. 17");

    let mut wal = db.path.as_os_str().to_owned();
    wal.push("-wal");
    let wal_len = std::fs::metadata(PathBuf::from(wal)).map(|m| m.len()).unwrap_or(0);
    assert_eq!(wal_len, 0, "the WAL is truncated after the erase");

    let pages = decrypted_pages(&db.path, &db.key);
    for needle in needles {
        assert_eq!(occurrences(&pages, needle), 0, "{needle} survived the erase");
    }
    assert!(occurrences(&pages, "Filler17") > 0);
    for (id, name) in [(&before, "Tova"), (&after, "Ulla")] {
        assert_eq!(lagom.contacts().get(id).unwrap().given_name, name);
    }
    assert_eq!(lagom.contacts().get(&target.id).unwrap_err().kind(), ErrorKind::NotFound);
    assert!(lagom.contacts().search("zyxw").unwrap().is_empty());
    assert_eq!(lagom.contacts().search("bergström").unwrap().len(), 1);
    assert!(lagom.verify_audit().unwrap().is_intact(), "the chain still verifies after redaction");
    assert!(lagom.audit_for(&target.id).unwrap().iter().all(|e| e.old_value.is_none() && e.new_value.is_none()));
    let integrity: String = lagom.connection().query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(integrity, "ok");
    assert_eq!(lagom.rights().erasures().unwrap(), [tombstone]);
}

#[test]
fn erasing_an_unknown_contact_is_not_found_and_changes_nothing() {
    let db = open();
    let err = db.lagom.rights().erase("no-such-id", None).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert!(db.lagom.rights().erasures().unwrap().is_empty());
}

// ---- The field dictionary -----------------------------------------------------------------

fn live_schema(lagom: &Lagom) -> Vec<(String, Vec<String>)> {
    let conn = lagom.connection();
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    tables
        .into_iter()
        .map(|t| {
            let columns = conn
                .prepare("SELECT name FROM pragma_table_info(?1)")
                .unwrap()
                .query_map([&t], |r| r.get(0))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            (t, columns)
        })
        .collect()
}

#[test]
fn every_table_and_column_is_declared_personal_or_not() {
    let db = open();
    for (table, columns) in live_schema(&db.lagom) {
        let declared = personal_data::declared(&table)
            .unwrap_or_else(|| panic!("table {table} is in neither PERSONAL nor NOT_PERSONAL (src/personal_data.rs)"));
        if declared != table {
            continue; // an FTS5 shadow table, covered by its index
        }
        if let Some(personal) = PERSONAL.iter().find(|p| p.table == table) {
            for column in &columns {
                assert!(
                    personal.columns.iter().any(|(c, _)| c == column),
                    "column {table}.{column} is not declared in src/personal_data.rs"
                );
            }
            for (column, _) in personal.columns {
                assert!(columns.iter().any(|c| c == column), "{table}.{column} is declared but does not exist");
            }
        }
    }
    for declared in PERSONAL.iter().map(|p| p.table).chain(NOT_PERSONAL.iter().map(|t| t.table)) {
        assert!(live_schema(&db.lagom).iter().any(|(t, _)| t == declared), "{declared} is declared but does not exist");
    }
}

#[test]
fn erase_removes_the_person_from_every_personal_table() {
    let db = open();
    let id = person(&db.lagom, "Anna", "Berg", &["Customer relationship"]);
    db.lagom
        .contacts()
        .update(
            &id,
            &ContactInput {
                given_name: "Anna".into(),
                family_name: "Berg".into(),
                organisation: Some("Anna Berg Design".into()),
                tags: vec!["golf".into()],
                purposes: vec!["Customer relationship".into(), "Events".into()],
                ..ContactInput::default()
            },
        )
        .unwrap();
    db.lagom.consent().give(&id, &consent("Events", None)).unwrap();
    db.lagom.consent().opt_out(&id, None, ConsentSource::Form).unwrap();
    db.lagom.interactions().add(&id, &call("2026-01-15")).unwrap();
    db.lagom.retention().hold(&id, lagom_core::HoldReason::LegalClaim, "2031-06-30").unwrap();
    let mut settings = db.lagom.settings().unwrap();
    settings.controller.name = "Bygg & Co AB".into();
    settings.controller.contact = "dataskydd@bygg.example".into();
    db.lagom.save_settings(&settings).unwrap();
    let notice = lagom_core::NoticeGivenInput { channel: lagom_core::Channel::Email, on: None, language: None };
    db.lagom.notices().record_given(&id, &notice).unwrap();
    db.lagom.rights().erase(&id, None).unwrap();

    let conn = db.lagom.connection();
    for table in PERSONAL {
        let remaining: i64 = match table.erasure {
            Erasure::DeleteRows(_) => {
                let key = if table.table == "contact" { "id" } else { "contact_id" };
                conn.query_row(&format!("SELECT count(*) FROM {} WHERE {key} = ?1", table.table), [&id], |r| r.get(0))
                    .unwrap()
            }
            Erasure::RedactValues if table.table == "audit_entry" => conn
                .query_row(
                    "SELECT count(*) FROM audit_entry WHERE subject_id = ?1 AND (old_value IS NOT NULL OR new_value IS NOT NULL)",
                    [&id],
                    |r| r.get(0),
                )
                .unwrap(),
            Erasure::RedactValues => conn
                .query_row(
                    // The erase entry itself holds no values; its secret commits to nothing.
                    "SELECT count(*) FROM audit_secret WHERE seq IN
                     (SELECT seq FROM audit_entry WHERE subject_id = ?1 AND action <> 'erase')",
                    [&id],
                    |r| r.get(0),
                )
                .unwrap(),
            // Kept by design: the person's requests stay as the record that they were
            // answered, with the random contact id, dates and vocabulary only.
            Erasure::KeptAsRecord => 0,
            Erasure::IndexOfContact => conn
                .query_row("SELECT count(*) FROM contact_fts WHERE contact_fts MATCH 'berg'", [], |r| r.get(0))
                .unwrap(),
            Erasure::DeleteWhenOrphaned { .. } if table.table == "organisation" => conn
                .query_row("SELECT count(*) FROM organisation WHERE name = 'Anna Berg Design'", [], |r| r.get(0))
                .unwrap(),
            Erasure::DeleteWhenOrphaned { .. } => conn
                .query_row(&format!("SELECT count(*) FROM {}", table.table), [], |r| r.get(0))
                .unwrap(),
        };
        assert_eq!(remaining, 0, "{} still holds data about the erased person", table.table);
    }
}

#[test]
fn every_declared_personal_value_is_in_the_export() {
    let db = open();
    let lagom = &db.lagom;
    let id = lagom
        .contacts()
        .create(&ContactInput {
            given_name: "Märta".into(),
            family_name: "Öberg".into(),
            email: Some("marta@oberg.example".into()),
            phone: Some("070 111 22 33".into()),
            organisation: Some("Öberg & Dotter AB".into()),
            role: Some("Inköpare".into()),
            channel: Some(lagom_core::Channel::Post),
            material: Some(lagom_core::Material::Print),
            language: Some("sv".into()),
            stage: Some(lagom_core::Stage::Customer),
            owner: Some("Sara Säljare".into()),
            tags: vec!["golf".into()],
            purposes: vec!["Customer relationship".into()],
            confirmed_special_categories: false,
        })
        .unwrap()
        .id;
    lagom.consent().give(&id, &consent("Events", Some(MarketingChannel::Events))).unwrap();
    lagom.consent().opt_out(&id, Some(MarketingChannel::Sms), ConsentSource::Phone).unwrap();
    lagom.interactions().add(&id, &call("2026-01-15")).unwrap();
    lagom.retention().hold(&id, lagom_core::HoldReason::BookkeepingAct, "2033-12-31").unwrap();
    let mut settings = lagom.settings().unwrap();
    settings.controller.name = "Bygg & Co AB".into();
    settings.controller.contact = "dataskydd@bygg.example".into();
    lagom.save_settings(&settings).unwrap();
    let notice = lagom_core::NoticeGivenInput { channel: lagom_core::Channel::Post, on: None, language: None };
    lagom.notices().record_given(&id, &notice).unwrap();
    // As a sweep leaves a person found due (the hold keeps this one, so write it directly).
    lagom
        .connection()
        .execute(
            "INSERT INTO retention_due (contact_id, since, expires) VALUES (?1, '2026-03-01', '2026-02-27')",
            [&id],
        )
        .unwrap();
    // As an import leaves a contact it brought in.
    lagom
        .connection()
        .execute("UPDATE contact SET source = 'import: kunder.csv, 2026-01-15' WHERE id = ?1", [&id])
        .unwrap();
    let out = db.path.with_file_name("export.zip");
    lagom.export_person(&id, &out, lagom_core::ReportLanguage::En).unwrap();
    let mut archive = zip::ZipArchive::new(std::fs::File::open(&out).unwrap()).unwrap();
    let mut data = String::new();
    std::io::Read::read_to_string(&mut archive.by_name("data.json").unwrap(), &mut data).unwrap();

    let conn = lagom.connection();
    let mut checked = 0;
    for table in PERSONAL.iter().filter(|t| matches!(t.erasure, Erasure::DeleteRows(_))) {
        let key = if table.table == "contact" { "id" } else { "contact_id" };
        for (column, category) in table.columns {
            if category.is_none() {
                continue;
            }
            // Foreign keys are exported as what they point to.
            let select = match (table.table, *column) {
                ("contact_tag", "tag_id") => {
                    "SELECT t.name FROM contact_tag x JOIN tag t ON t.id = x.tag_id WHERE x.contact_id = ?1".to_owned()
                }
                ("contact", "organisation_id") => {
                    "SELECT o.name FROM contact x JOIN organisation o ON o.id = x.organisation_id WHERE x.id = ?1"
                        .to_owned()
                }
                _ => format!(
                    "SELECT CAST({column} AS TEXT) FROM {} WHERE {key} = ?1 AND {column} IS NOT NULL",
                    table.table
                ),
            };
            let values: Vec<String> = conn
                .prepare(&select)
                .unwrap()
                .query_map([&id], |r| r.get(0))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            assert!(!values.is_empty(), "the test person has no {}.{column}: populate it", table.table);
            for value in values {
                let json = serde_json::to_string(&value).unwrap();
                assert!(data.contains(&json), "{}.{column} = {value} is not in data.json", table.table);
                checked += 1;
            }
        }
    }
    assert!(checked > 20, "checked {checked} values");
}

// ---- Regression tests for the review findings (issue 6) ------------------------------------

fn purpose_input(lagom: &Lagom, name: &str) -> lagom_core::PurposeInput {
    let p = lagom.purposes().get(name).unwrap();
    lagom_core::PurposeInput {
        name: p.name,
        description: p.description,
        lawful_basis: p.lawful_basis,
        retention_months: p.retention_months,
        retention_anchor: p.retention_anchor,
    }
}

#[test]
fn a_purpose_that_people_rely_on_cannot_change_its_lawful_basis() {
    let db = open();
    let anna = person(&db.lagom, "Anna", "Berg", &["Customer relationship"]);
    db.lagom.consent().give(&anna, &consent("Newsletter", None)).unwrap();
    db.lagom.consent().withdraw(&anna, &consent("Newsletter", None)).unwrap();
    assert!(reachable(&db.lagom, "Newsletter", MarketingChannel::Email).is_empty());

    // The review's scenario: switch "Newsletter" to legitimate interest after Anna withdrew.
    let mut input = purpose_input(&db.lagom, "Newsletter");
    input.lawful_basis = lagom_core::LawfulBasis::LegitimateInterest;
    let err = db.lagom.purposes().update("Newsletter", &input).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Invalid);
    assert_eq!(err.field_errors()[0].field, "lawful_basis");
    assert_eq!(err.field_errors()[0].code, lagom_core::FieldErrorCode::BasisLocked);
    assert!(err.to_string().contains("create a new purpose"), "{err}");
    assert_eq!(db.lagom.purposes().get("Newsletter").unwrap().lawful_basis, lagom_core::LawfulBasis::Consent);
    assert!(reachable(&db.lagom, "Newsletter", MarketingChannel::Email).is_empty(), "Anna stays off the list");

    // Events is held by nobody and has no consent events: its basis may still change.
    let mut events = purpose_input(&db.lagom, "Events");
    assert!(!db.lagom.purposes().get("Events").unwrap().basis_locked);
    events.lawful_basis = lagom_core::LawfulBasis::LegitimateInterest;
    assert_eq!(db.lagom.purposes().update("Events", &events).unwrap().lawful_basis, events.lawful_basis);
    assert!(db.lagom.purposes().get("Newsletter").unwrap().basis_locked);
}

#[test]
fn a_withdrawal_keeps_a_person_off_a_list_whatever_the_basis() {
    let db = open();
    let purpose = db
        .lagom
        .purposes()
        .create(&lagom_core::PurposeInput {
            name: "Customer magazine".into(),
            description: "A printed magazine for customers.".into(),
            lawful_basis: lagom_core::LawfulBasis::LegitimateInterest,
            retention_months: 24,
            retention_anchor: Default::default(),
        })
        .unwrap();
    let anna = person(&db.lagom, "Anna", "Berg", &[&purpose.name]);
    person(&db.lagom, "Bo", "Ek", &[&purpose.name]);
    assert_eq!(reachable(&db.lagom, &purpose.name, MarketingChannel::Post), ["Anna", "Bo"]);
    db.lagom.consent().withdraw(&anna, &consent(&purpose.name, Some(MarketingChannel::Post))).unwrap();
    assert_eq!(reachable(&db.lagom, &purpose.name, MarketingChannel::Post), ["Bo"]);
    assert_eq!(reachable(&db.lagom, &purpose.name, MarketingChannel::Email), ["Anna", "Bo"], "only post");
    db.lagom.consent().give(&anna, &consent(&purpose.name, Some(MarketingChannel::Post))).unwrap();
    assert_eq!(reachable(&db.lagom, &purpose.name, MarketingChannel::Post), ["Anna", "Bo"]);
}

#[test]
fn every_change_to_a_purpose_is_audited() {
    let db = open();
    let mut input = purpose_input(&db.lagom, "Newsletter");
    let id = db.lagom.purposes().get("Newsletter").unwrap().id;
    input.name = "Monthly newsletter".into();
    input.description = "Our monthly news.".into();
    input.retention_months = 12;
    db.lagom.purposes().update(&id, &input).unwrap();
    let changes: Vec<_> = db
        .lagom
        .audit_for(&id)
        .unwrap()
        .into_iter()
        .map(|e| (e.action, e.field.unwrap(), e.old_value, e.new_value))
        .collect();
    assert_eq!(
        changes,
        [
            ("update".into(), "purpose/name".into(), Some("Newsletter".into()), Some("Monthly newsletter".into())),
            (
                "update".into(),
                "purpose/description".into(),
                Some("Send the newsletter to people who asked for it.".into()),
                Some("Our monthly news.".into())
            ),
            ("update".into(), "purpose/retention_months".into(), Some("24".into()), Some("12".into())),
        ]
    );
    assert!(db.lagom.verify_audit().unwrap().is_intact());
}

#[test]
fn a_contact_leaving_an_organisation_takes_it_out_of_the_register() {
    let db = open();
    let mut input = ContactInput {
        given_name: "Anna".into(),
        family_name: "Berg".into(),
        organisation: Some("Anna Berg Design".into()),
        purposes: vec!["Customer relationship".into()],
        ..ContactInput::default()
    };
    let anna = db.lagom.contacts().create(&input).unwrap().id;
    let mut bo = input.clone();
    bo.given_name = "Bo".into();
    bo.organisation = Some("Shared AB".into());
    db.lagom.contacts().create(&bo).unwrap();
    input.organisation = Some("Shared AB".into());
    db.lagom.contacts().update(&anna, &input).unwrap();
    assert_eq!(db.lagom.organisation_names().unwrap(), ["Shared AB"], "the old one is gone from the suggestions");
    input.organisation = None;
    db.lagom.contacts().update(&anna, &input).unwrap();
    assert_eq!(db.lagom.organisation_names().unwrap(), ["Shared AB"], "Bo still belongs to it");
}

#[test]
fn erase_removes_consent_wordings_only_the_person_was_shown() {
    let db = open();
    let anna = person(&db.lagom, "Anna", "Berg", &["Customer relationship"]);
    let bo = person(&db.lagom, "Bo", "Ek", &["Customer relationship"]);
    let shared = consent("Newsletter", None);
    let mut personal = consent("Events", None);
    personal.wording = Some("Anna Berg, do you want the golf invitations?".into());
    db.lagom.consent().give(&anna, &shared).unwrap();
    db.lagom.consent().give(&anna, &personal).unwrap();
    db.lagom.consent().give(&bo, &shared).unwrap();
    db.lagom.rights().erase(&anna, None).unwrap();
    let wordings: Vec<String> = db
        .lagom
        .connection()
        .prepare("SELECT text FROM consent_wording")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(wordings, [shared.wording.unwrap()], "Bo's wording stays, Anna's own is gone");
    assert!(db.lagom.consent().history(&bo).unwrap()[0].wording.is_some());
}

#[test]
fn an_erasure_accepts_only_an_opaque_request_reference() {
    let db = open();
    let anna = person(&db.lagom, "Anna", "Berg", &["Customer relationship"]);
    for bad in ["Anna Berg asked by phone", "anna.berg@example.se", "", &"x".repeat(65)] {
        let err = db.lagom.rights().erase(&anna, Some(bad)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Invalid, "{bad}");
        assert_eq!(err.field_errors()[0].code, lagom_core::FieldErrorCode::InvalidReference);
    }
    assert!(db.lagom.contacts().get(&anna).is_ok(), "nothing was erased");
    let receipt = db.lagom.rights().erase(&anna, Some("REQ-2026.0042_b")).unwrap();
    assert_eq!(receipt.tombstone.request_id.as_deref(), Some("REQ-2026.0042_b"));
}

#[test]
fn a_busy_checkpoint_after_the_erase_reports_success_with_a_warning() {
    let db = open();
    let anna = person(&db.lagom, "Anna", "Berg", &["Customer relationship"]);
    person(&db.lagom, "Bo", "Ek", &["Customer relationship"]);
    // Another program holds a read snapshot from before the erase (e.g. a backup tool).
    let reader = rusqlite::Connection::open(&db.path).unwrap();
    reader.execute_batch(&format!("PRAGMA key = \"x'{}'\";", db.key.to_hex().as_str())).unwrap();
    reader.execute_batch("BEGIN; SELECT count(*) FROM contact;").unwrap();

    let receipt = db.lagom.rights().erase(&anna, None).unwrap();
    assert!(receipt.warning.as_deref().unwrap().contains("is erased"), "{receipt:?}");
    assert_eq!(db.lagom.contacts().get(&anna).unwrap_err().kind(), ErrorKind::NotFound, "the person is gone");
    assert_eq!(db.lagom.rights().erasures().unwrap(), [receipt.tombstone]);

    reader.execute_batch("COMMIT").unwrap();
    drop(reader);
    let bo = person(&db.lagom, "Cia", "Lund", &["Customer relationship"]);
    assert!(db.lagom.rights().erase(&bo, None).unwrap().warning.is_none(), "once the reader is gone, no warning");
}

#[test]
fn verify_requires_a_tombstone_for_every_redacted_entry() {
    let db = open();
    let anna = person(&db.lagom, "Anna", "Berg", &["Customer relationship"]);
    let mut changed = db.lagom.contacts().get(&anna).unwrap();
    changed.role = Some("CFO".into());
    let input = ContactInput {
        given_name: changed.given_name,
        family_name: changed.family_name,
        email: changed.email,
        role: changed.role,
        purposes: vec!["Customer relationship".into()],
        ..ContactInput::default()
    };
    db.lagom.contacts().update(&anna, &input).unwrap();
    let conn = db.lagom.connection();
    // Hiding a change by deleting its secret and value, without any erasure, must show.
    conn.execute_batch("DROP TRIGGER audit_secret_no_delete; DROP TRIGGER audit_entry_append_only;").unwrap();
    let seq: i64 = conn
        .query_row("SELECT seq FROM audit_entry WHERE subject_id = ?1 AND field = 'role'", [&anna], |r| r.get(0))
        .unwrap();
    conn.execute("DELETE FROM audit_secret WHERE seq = ?1", [seq]).unwrap();
    conn.execute("UPDATE audit_entry SET old_value = NULL, new_value = NULL WHERE seq = ?1", [seq]).unwrap();
    let report = db.lagom.verify_audit().unwrap();
    assert_eq!(report.first_broken, Some(u32::try_from(seq).unwrap()), "{report:?}");

    // A forged tombstone does not make it look like an erasure: the chain has no erase entry
    // for the person, and the person is still there.
    conn.execute(
        "INSERT INTO erasure (id, contact_id, at, erased_by, article) VALUES ('forged', ?1, '2026-01-01', 'x', 'y')",
        [&anna],
    )
    .unwrap();
    assert_eq!(db.lagom.verify_audit().unwrap().first_broken, Some(u32::try_from(seq).unwrap()));
    // Nor does removing the person behind the trail's back: the chain holds no erase entry.
    conn.execute("DELETE FROM contact WHERE id = ?1", [&anna]).unwrap();
    assert_eq!(db.lagom.verify_audit().unwrap().first_broken, Some(u32::try_from(seq).unwrap()));
    assert!(conn.execute("DELETE FROM erasure", []).unwrap_err().to_string().contains("append-only"));
    assert!(conn.execute("UPDATE erasure SET at = 'x'", []).unwrap_err().to_string().contains("append-only"));
}

#[test]
fn verify_reports_the_head_hash_and_entry_count() {
    let db = open();
    let empty = db.lagom.verify_audit().unwrap();
    person(&db.lagom, "Anna", "Berg", &["Customer relationship"]);
    let report = db.lagom.verify_audit().unwrap();
    let head: Vec<u8> =
        db.lagom.connection().query_row("SELECT hash FROM audit_entry ORDER BY seq DESC", [], |r| r.get(0)).unwrap();
    assert_eq!(report.head_hash.as_deref(), Some(hex_of(&head).as_str()));
    assert!(report.entries > empty.entries);
    person(&db.lagom, "Bo", "Ek", &["Customer relationship"]);
    assert_ne!(db.lagom.verify_audit().unwrap().head_hash, report.head_hash, "the head moves with the chain");
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn the_actor_is_the_os_account_from_the_user_database() {
    // `tests/cli.rs` checks that USER and LOGNAME do not change it.
    let db = open();
    let id = person(&db.lagom, "Anna", "Berg", &["Customer relationship"]);
    let actor = db.lagom.audit_for(&id).unwrap()[0].actor.clone();
    assert_eq!(actor, db.lagom.actor());
    assert_ne!(actor, "unknown user");
    #[cfg(unix)]
    {
        // The account name that owns files this process creates, from the system's user list.
        use std::os::unix::fs::MetadataExt;
        let uid = std::fs::metadata(&db.path).unwrap().uid();
        let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
        if let Some(name) = passwd.lines().find_map(|l| {
            let fields: Vec<_> = l.split(':').collect();
            (fields.get(2) == Some(&uid.to_string().as_str())).then(|| fields[0].to_owned())
        }) {
            assert_eq!(actor, name);
        }
    }
}

// ---- Export files ------------------------------------------------------------------------

#[cfg(unix)]
#[test]
fn the_export_is_private_and_leaves_no_temporary_file() {
    use std::os::unix::fs::PermissionsExt;
    let db = open();
    let id = person(&db.lagom, "Anna", "Berg", &["Customer relationship"]);
    let dir = tempfile::tempdir().unwrap();
    // What a crash left an hour ago, and what another export is writing right now.
    let stale = dir.path().join(".lagom-crashed.part");
    std::fs::write(&stale, b"half an export").unwrap();
    std::fs::File::options()
        .write(true)
        .open(&stale)
        .unwrap()
        .set_modified(std::time::SystemTime::now() - std::time::Duration::from_secs(3600))
        .unwrap();
    let fresh = dir.path().join(".lagom-busy.part");
    std::fs::write(&fresh, b"being written").unwrap();

    let out = dir.path().join("export.zip");
    db.lagom.export_person(&id, &out, lagom_core::ReportLanguage::En).unwrap();
    assert_eq!(std::fs::metadata(&out).unwrap().permissions().mode() & 0o777, 0o600);
    let mut left: Vec<String> =
        std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    left.sort();
    assert_eq!(left, [".lagom-busy.part", "export.zip"], "the crash's leftover is gone, nothing else left");
}

#[test]
fn an_export_that_cannot_be_audited_is_never_published() {
    let db = open();
    let id = person(&db.lagom, "Anna", "Berg", &["Customer relationship"]);
    db.lagom
        .connection()
        .execute_batch(
            "CREATE TRIGGER test_refuse_export BEFORE INSERT ON audit_entry WHEN new.action = 'export'
             BEGIN SELECT RAISE(ABORT, 'test: the audit trail refuses'); END;",
        )
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("export.zip");
    assert!(db.lagom.export_person(&id, &out, lagom_core::ReportLanguage::En).is_err());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "no file, not even a temporary one");
}

#[test]
fn an_export_through_a_symlinked_target_replaces_the_link_not_its_target() {
    let db = open();
    let id = person(&db.lagom, "Anna", "Berg", &["Customer relationship"]);
    let dir = tempfile::tempdir().unwrap();
    let victim = dir.path().join("victim.txt");
    std::fs::write(&victim, b"do not overwrite").unwrap();
    let out = dir.path().join("export.zip");
    #[cfg(unix)]
    std::os::unix::fs::symlink(&victim, &out).unwrap();
    db.lagom.export_person(&id, &out, lagom_core::ReportLanguage::En).unwrap();
    assert_eq!(std::fs::read(&victim).unwrap(), b"do not overwrite");
    assert!(std::fs::symlink_metadata(&out).unwrap().is_file());
}

// ---- Time comes from the injected clock ----------------------------------------------------

#[test]
fn every_timestamp_comes_from_the_one_injected_clock() {
    use chrono::TimeZone;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lagom.db");
    let clock =
        std::sync::Arc::new(lagom_core::FixedClock::at(chrono::Utc.with_ymd_and_hms(2024, 2, 29, 12, 0, 0).unwrap()));
    let lagom = Lagom::create_with_clock(&path, &MemoryKeyStore::new(), clock.clone()).unwrap().lagom;
    let anna = person(&lagom, "Anna", "Berg", &["Customer relationship"]);
    assert_eq!(lagom.contacts().get(&anna).unwrap().created_at, "2024-02-29T12:00:00Z");
    assert!(lagom.audit_for(&anna).unwrap().iter().all(|e| e.at == "2024-02-29T12:00:00Z"));

    clock.advance(chrono::Duration::days(1));
    let event = lagom.consent().give(&anna, &consent("Newsletter", None)).unwrap();
    assert_eq!(event.at, "2024-03-01T12:00:00Z", "the day after a leap day");
    let name = lagom.export_file_name(&anna).unwrap();
    assert!(name.ends_with("-2024-03-01.zip"), "{name}");

    clock.set(chrono::Utc.with_ymd_and_hms(2031, 12, 31, 23, 59, 59).unwrap());
    let receipt = lagom.rights().erase(&anna, None).unwrap();
    assert_eq!(receipt.tombstone.at, "2031-12-31T23:59:59Z");
}

// ---- Interactions --------------------------------------------------------------------------

#[test]
fn interactions_are_validated_listed_newest_first_and_audited() {
    use chrono::TimeZone;
    let dir = tempfile::tempdir().unwrap();
    let clock =
        std::sync::Arc::new(lagom_core::FixedClock::at(chrono::Utc.with_ymd_and_hms(2026, 5, 2, 9, 0, 0).unwrap()));
    let lagom = Lagom::create_with_clock(&dir.path().join("l.db"), &MemoryKeyStore::new(), clock).unwrap().lagom;
    let anna = person(&lagom, "Anna", "Berg", &["Customer relationship"]);
    let interactions = lagom.interactions();
    interactions.add(&anna, &call("2026-04-30")).unwrap();
    let mut meeting = call("2026-05-02");
    meeting.kind = lagom_core::InteractionKind::Meeting;
    meeting.channel = lagom_core::Channel::Meeting;
    meeting.outcome = Some("Ordered".into());
    meeting.purpose = None;
    let added = interactions.add(&anna, &meeting).unwrap();
    assert_eq!(added.outcome.as_deref(), Some("ordered"), "the outcome as the list spells it");
    let mut earlier = call("2025-12-01");
    earlier.outcome = None;
    interactions.add(&anna, &earlier).unwrap();

    let dates: Vec<String> = interactions.list(&anna).unwrap().into_iter().map(|i| i.date).collect();
    assert_eq!(dates, ["2026-05-02", "2026-04-30", "2025-12-01"], "newest first");

    // Every bad field at once: a date tomorrow (by the injected clock), an unknown outcome and
    // an unknown purpose; and a date that is not a date.
    let mut bad = call("2026-05-03");
    bad.outcome = Some("maybe".into());
    bad.purpose = Some("Golf trips".into());
    let err = interactions.add(&anna, &bad).unwrap_err();
    let fields: Vec<_> = err.field_errors().iter().map(|f| (f.field.as_str(), f.code)).collect();
    assert_eq!(
        fields,
        [
            ("date", lagom_core::FieldErrorCode::DateInFuture),
            ("outcome", lagom_core::FieldErrorCode::UnknownOutcome),
            ("purpose", lagom_core::FieldErrorCode::UnknownPurpose)
        ]
    );
    for not_a_date in ["2 May 2026", "-0001-01-01", "0226-05-01", "+2026-05-01"] {
        let err = interactions.add(&anna, &call(not_a_date)).unwrap_err();
        assert_eq!(err.field_errors()[0].code, lagom_core::FieldErrorCode::InvalidDate, "{not_a_date}");
    }
    let mut newsletter = call("2026-05-01");
    newsletter.purpose = Some("Newsletter".into());
    let err = interactions.add(&anna, &newsletter).unwrap_err();
    assert_eq!(err.field_errors()[0].code, lagom_core::FieldErrorCode::PurposeNotHeld, "Anna is not held for it");
    assert_eq!(interactions.add("no-such-id", &call("2026-05-01")).unwrap_err().kind(), ErrorKind::NotFound);
    assert_eq!(interactions.list(&anna).unwrap().len(), 3, "nothing half-stored");

    let audited =
        lagom.audit_for(&anna).unwrap().into_iter().filter(|e| e.field.as_deref() == Some("interaction")).count();
    assert_eq!(audited, 3);
    assert_eq!(interactions.outcomes().unwrap(), ["interested", "not interested", "follow up", "ordered", "no answer"]);

    // In the export, as its own list, and in Swedish in the Swedish register extract.
    let out = dir.path().join("anna.zip");
    lagom.export_person(&anna, &out, lagom_core::ReportLanguage::Sv).unwrap();
    let mut archive = zip::ZipArchive::new(std::fs::File::open(&out).unwrap()).unwrap();
    let mut read = |name: &str| {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut archive.by_name(name).unwrap(), &mut text).unwrap();
        text
    };
    let data: serde_json::Value = serde_json::from_str(&read("data.json")).unwrap();
    let exported: Vec<(&str, &str)> = data["interactions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["date"].as_str().unwrap(), i["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(exported, [("2026-05-02", "meeting"), ("2026-04-30", "call"), ("2025-12-01", "call")]);
    let report = read("report.html");
    assert!(report.contains("2026-05-02 — möte (personligen): har beställt"), "{report}");
    assert!(report.contains("2026-04-30 — samtal (telefon): följ upp · Customer relationship"), "{report}");
}

#[test]
fn today_for_an_interaction_is_the_users_local_date() {
    use chrono::TimeZone;
    let dir = tempfile::tempdir().unwrap();
    // 23:30 UTC on 30 June is 01:30 on 1 July in Stockholm (summer time).
    let clock = lagom_core::FixedClock::at(chrono::Utc.with_ymd_and_hms(2026, 6, 30, 23, 30, 0).unwrap())
        .in_offset(chrono::FixedOffset::east_opt(2 * 3600).unwrap());
    let lagom = Lagom::create_with_clock(&dir.path().join("l.db"), &MemoryKeyStore::new(), std::sync::Arc::new(clock))
        .unwrap()
        .lagom;
    let anna = person(&lagom, "Anna", "Berg", &["Customer relationship"]);
    assert_eq!(lagom.interactions().add(&anna, &call("2026-07-01")).unwrap().date, "2026-07-01");
    assert!(lagom.export_file_name(&anna).unwrap().ends_with("-2026-07-01.zip"));
}

// ---- Data-subject requests ----------------------------------------------------------------

#[test]
fn requests_have_the_legal_deadline_and_are_answered_by_an_export_or_an_erasure() {
    use chrono::TimeZone;
    use lagom_core::{ExtensionReason, FieldErrorCode, RefusalReason, RequestInput, RequestKind, RequestStatus};
    let dir = tempfile::tempdir().unwrap();
    // Saturday 31 January 2026.
    let clock =
        std::sync::Arc::new(lagom_core::FixedClock::at(chrono::Utc.with_ymd_and_hms(2026, 1, 31, 10, 0, 0).unwrap()));
    let lagom =
        Lagom::create_with_clock(&dir.path().join("l.db"), &MemoryKeyStore::new(), clock.clone()).unwrap().lagom;
    let anna = person(&lagom, "Anna", "Berg", &["Customer relationship"]);
    let bo = person(&lagom, "Bo", "Ek", &["Customer relationship"]);
    let requests = lagom.requests();
    let input = |kind, contact: &str, received: Option<&str>| RequestInput {
        kind,
        contact_id: Some(contact.to_owned()),
        requester_name: None,
        requester_address: None,
        identity_check: Some(lagom_core::IdentityCheck::AddressOnFile),
        received: received.map(str::to_owned),
    };
    let code = |result: lagom_core::Result<lagom_core::Request>| result.unwrap_err().field_errors()[0].code;

    // An export of Anna made the day before her access request arrives cannot answer it.
    clock.set(chrono::Utc.with_ymd_and_hms(2026, 1, 30, 10, 0, 0).unwrap());
    let old_export = lagom.export_person(&anna, &dir.path().join("old.zip"), lagom_core::ReportLanguage::En).unwrap();
    clock.set(chrono::Utc.with_ymd_and_hms(2026, 1, 31, 10, 0, 0).unwrap());

    let access = requests.add(&input(RequestKind::Access, &anna, None)).unwrap();
    assert_eq!(access.id, "REQ-2026-0001");
    assert_eq!(access.received, "2026-01-31", "today by the injected clock");
    assert_eq!(access.due, "2026-03-02");
    assert_eq!(
        access.working,
        "received Sat 31 Jan 2026; due Mon 2 Mar 2026 — 28 Feb is a Saturday, 1 Mar is a Sunday"
    );
    // A reference an older tombstone already holds is skipped.
    lagom
        .connection()
        .execute(
            "INSERT INTO erasure (id, contact_id, at, erased_by, article, request_id)
             VALUES ('t-old', 'c-old', '2025-06-01T00:00:00Z', 'sara', 'GDPR Art. 17', 'REQ-2026-0002')",
            [],
        )
        .unwrap();
    let late = requests.add(&input(RequestKind::Rectification, &bo, Some("2025-12-01"))).unwrap();
    assert_eq!(late.id, "REQ-2025-0001", "numbered within the year it was received");
    assert!(late.overdue && late.late, "due {} is before today", late.due);
    let objection = requests.add(&input(RequestKind::Objection, &bo, Some("2026-01-20"))).unwrap();
    assert_eq!(objection.id, "REQ-2026-0003", "0002 is taken by an older tombstone");
    assert_eq!(
        code(requests.add(&input(RequestKind::Access, &anna, Some("2026-02-01")))),
        FieldErrorCode::DateInFuture
    );
    assert_eq!(requests.add(&input(RequestKind::Access, "nobody", None)).unwrap_err().kind(), ErrorKind::NotFound);

    let order: Vec<String> = requests.list().unwrap().into_iter().map(|r| r.id).collect();
    assert_eq!(order, ["REQ-2025-0001", "REQ-2026-0003", "REQ-2026-0001"], "by due date, overdue first");

    // An extension needs a reason, comes before the first deadline, and only once.
    assert_eq!(code(requests.extend(&late.id, ExtensionReason::Complexity)), FieldErrorCode::ExtensionTooLate);
    let extended = requests.extend(&access.id, ExtensionReason::NumberOfRequests).unwrap();
    assert_eq!((extended.status, extended.due.as_str()), (RequestStatus::Extended, "2026-04-28"));
    assert_eq!(extended.extended_on.as_deref(), Some("2026-01-31"));
    assert_eq!(code(requests.extend(&access.id, ExtensionReason::Complexity)), FieldErrorCode::AlreadyExtended);

    // Answered by an export of Anna made after the request arrived — not Bo's, not an older one.
    let bo_export = lagom.export_person(&bo, &dir.path().join("b.zip"), lagom_core::ReportLanguage::En).unwrap();
    assert_eq!(code(requests.close(&access.id, Some(&bo_export.id))), FieldErrorCode::UnknownAnswer);
    assert_eq!(code(requests.close(&access.id, None)), FieldErrorCode::AnswerMismatch);
    assert_eq!(code(requests.close(&access.id, Some(&old_export.id))), FieldErrorCode::AnswerMismatch, "made before");
    clock.advance(chrono::Duration::days(1));
    let receipt = lagom.export_person(&anna, &dir.path().join("a.zip"), lagom_core::ReportLanguage::En).unwrap();
    let answered = requests.close(&access.id, Some(&receipt.id)).unwrap();
    assert_eq!((answered.status, answered.answer.as_deref()), (RequestStatus::Answered, Some(receipt.id.as_str())));
    assert!(!answered.late);
    assert_eq!(code(requests.close(&access.id, Some(&receipt.id))), FieldErrorCode::RequestClosed);
    // An objection is closed without an export or erasure; an id is refused.
    assert_eq!(code(requests.close(&objection.id, Some(&bo_export.id))), FieldErrorCode::AnswerMismatch);
    assert_eq!(requests.close(&objection.id, None).unwrap().status, RequestStatus::Answered);

    // An erase that names a request must name this person's open erasure request; otherwise
    // nothing is erased.
    let erasure = requests.add(&input(RequestKind::Erasure, &anna, None)).unwrap();
    let bo_erasure = requests.add(&input(RequestKind::Erasure, &bo, None)).unwrap();
    for wrong in [bo_erasure.id.as_str(), "REQ-2026-0999", access.id.as_str()] {
        let err = lagom.rights().erase(&anna, Some(wrong)).unwrap_err();
        assert_eq!(err.field_errors()[0].code, FieldErrorCode::RequestMismatch, "{wrong}");
    }
    assert!(lagom.contacts().get(&anna).is_ok(), "nothing was erased");
    clock.advance(chrono::Duration::days(2));
    let receipt = lagom.rights().erase(&anna, Some(&erasure.id)).unwrap();
    let after = requests.get(&erasure.id).unwrap();
    assert_eq!(after.status, RequestStatus::Answered);
    assert_eq!(after.answer.as_deref(), Some(receipt.tombstone.id.as_str()));
    assert_eq!(after.closed_on.as_deref(), Some("2026-02-03"));
    assert_eq!(receipt.tombstone.request_id.as_deref(), Some(erasure.id.as_str()));
    let erase_entry = lagom.audit_for(&anna).unwrap().into_iter().find(|e| e.action == "erase").unwrap();
    assert_eq!(erase_entry.field.as_deref(), Some(format!("request/{}", erasure.id).as_str()), "linked in the trail");
    assert!(lagom.verify_audit().unwrap().is_intact());

    // Refusing a late request keeps it marked late.
    let refused = requests.refuse(&late.id, RefusalReason::IdentityNotConfirmed).unwrap();
    assert_eq!(refused.status, RequestStatus::Refused);
    assert!(!refused.overdue && refused.late, "closed after its due date");
    let order: Vec<String> = requests.list().unwrap().into_iter().map(|r| r.id).collect();
    assert_eq!(order[0], bo_erasure.id, "the one open request first, then the closed, latest first");
}

// ---- Retention ----------------------------------------------------------------------------

#[test]
fn retention_counts_from_each_purposes_anchor_to_the_day_with_holds_and_withdrawals() {
    use chrono::TimeZone;
    use lagom_core::{HoldReason, LawfulBasis, PurposeInput, RetentionAnchor};
    let dir = tempfile::tempdir().unwrap();
    let at = |y, m, d| chrono::Utc.with_ymd_and_hms(y, m, d, 10, 0, 0).unwrap();
    let day = |text: &str| chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap();
    let clock = std::sync::Arc::new(lagom_core::FixedClock::at(at(2024, 2, 29)));
    let lagom =
        Lagom::create_with_clock(&dir.path().join("l.db"), &MemoryKeyStore::new(), clock.clone()).unwrap().lagom;
    let purpose = |name: &str, basis, months, anchor| {
        lagom
            .purposes()
            .create(&PurposeInput {
                name: name.into(),
                description: String::new(),
                lawful_basis: basis,
                retention_months: months,
                retention_anchor: anchor,
            })
            .unwrap()
    };
    purpose("Support", LawfulBasis::Contract, 24, RetentionAnchor::LastInteraction);
    purpose("Orders", LawfulBasis::Contract, 36, RetentionAnchor::FormerCustomer);
    purpose("Webinars", LawfulBasis::Consent, 6, RetentionAnchor::ConsentWithdrawn);
    let retention = lagom.retention();
    let expiry = |id: &str| retention.expiry_of(id).unwrap().map(|e| (e.expires, e.rule));

    // Recorded on a leap day, never contacted: 12 months later ends on 28 February.
    let bo = person(&lagom, "Bo", "Ek", &["Events"]);
    assert_eq!(
        expiry(&bo),
        Some(("2025-02-28".into(), "Events: 12 months after the contact was recorded on 2024-02-29".into()))
    );

    clock.set(at(2024, 5, 2));
    let anna = person(&lagom, "Anna", "Berg", &["Support"]);
    let mut call_on = call("2024-05-02");
    call_on.purpose = Some("Support".into());
    lagom.interactions().add(&anna, &call_on).unwrap();
    assert_eq!(
        expiry(&anna),
        Some(("2026-05-02".into(), "Support: 24 months after the last interaction on 2024-05-02".into()))
    );
    let due = |as_of: &str| -> Vec<String> {
        retention.preview(Some(day(as_of))).unwrap().into_iter().map(|e| e.given_name).collect()
    };
    assert_eq!(due("2026-05-01"), ["Bo"], "the day before Anna's expiry");
    assert_eq!(due("2026-05-02"), ["Bo", "Anna"], "on the day itself, earliest first");

    // Still a customer: kept without end, even with a shorter purpose beside it.
    let cia = person(&lagom, "Cia", "Lund", &["Orders", "Support"]);
    assert_eq!(expiry(&cia), None);
    assert!(!due("2099-01-01").contains(&"Cia".to_owned()));
    clock.set(at(2024, 6, 1));
    let mut former = ContactInput {
        given_name: "Cia".into(),
        family_name: "Lund".into(),
        email: Some("cia.lund@example.se".into()),
        stage: Some(lagom_core::Stage::FormerCustomer),
        purposes: vec!["Orders".into(), "Support".into()],
        ..ContactInput::default()
    };
    lagom.contacts().update(&cia, &former).unwrap();
    assert_eq!(
        expiry(&cia),
        Some(("2027-06-01".into(), "Orders: 36 months after becoming a former customer on 2024-06-01".into())),
        "the latest over both purposes"
    );
    former.stage = Some(lagom_core::Stage::Customer);
    lagom.contacts().update(&cia, &former).unwrap();
    assert_eq!(expiry(&cia), None, "a customer again");

    // A consent purpose stops keeping the person once consent is withdrawn…
    let eva = person(&lagom, "Eva", "Holm", &["Newsletter"]);
    lagom.consent().give(&eva, &consent("Newsletter", None)).unwrap();
    clock.set(at(2024, 7, 1));
    lagom.consent().withdraw(&eva, &consent("Newsletter", None)).unwrap();
    assert_eq!(expiry(&eva), Some(("2024-07-01".into(), "Newsletter: consent withdrawn on 2024-07-01".into())));
    // …and a purpose anchored on the withdrawal counts its months from it.
    let fia = person(&lagom, "Fia", "Sjö", &["Webinars"]);
    lagom.consent().give(&fia, &consent("Webinars", None)).unwrap();
    assert_eq!(expiry(&fia), None, "kept until consent is withdrawn");
    clock.set(at(2024, 8, 31));
    lagom.consent().withdraw(&fia, &consent("Webinars", None)).unwrap();
    assert_eq!(expiry(&fia).unwrap().0, "2025-02-28", "31 August + 6 months ends on the last day of February");

    // A legal hold keeps Anna past her expiry until it ends.
    let hold = retention.hold(&anna, HoldReason::BookkeepingAct, "2031-12-31").unwrap();
    assert_eq!(hold.until, "2031-12-31");
    assert_eq!(expiry(&anna), Some(("2032-01-01".into(), "legal hold until 2031-12-31".into())));
    assert!(!due("2031-12-31").contains(&"Anna".to_owned()), "kept through the hold's last day");
    assert!(due("2032-01-01").contains(&"Anna".to_owned()));
    assert!(retention.hold(&anna, HoldReason::OtherLaw, "2024-08-30").is_err(), "a hold ends after today");
    assert!(lagom.audit_for(&anna).unwrap().iter().any(|e| e.field.as_deref() == Some("retention/hold")));

    // Applying erases those due today, exactly as an erase does; never those due later.
    assert_eq!(
        retention.apply(Some(day("2026-01-01"))).unwrap_err().field_errors()[0].code,
        lagom_core::FieldErrorCode::DateInFuture
    );
    clock.set(at(2025, 3, 1));
    let receipts = retention.apply(None).unwrap();
    let erased: Vec<&str> = receipts.erased.iter().map(|r| r.tombstone.contact_id.as_str()).collect();
    assert_eq!(erased.len(), 3, "Bo, Eva and Fia: {erased:?}");
    for gone in [&bo, &eva, &fia] {
        assert_eq!(lagom.contacts().get(gone).unwrap_err().kind(), ErrorKind::NotFound);
    }
    assert!(lagom.contacts().get(&anna).is_ok() && lagom.contacts().get(&cia).is_ok());
    assert_eq!(lagom.rights().erasures().unwrap().len(), 3);
    assert!(retention.preview(None).unwrap().is_empty());
    assert!(lagom.verify_audit().unwrap().is_intact());
}

#[test]
fn a_restored_backup_erases_again_everyone_erased_since_and_leaves_no_byte_of_them() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lagom.db");
    let keys = MemoryKeyStore::new();
    let created = Lagom::create(&path, &keys).unwrap();
    let (lagom, recovery) = (created.lagom, created.recovery_key.to_hex());
    let target = lagom
        .contacts()
        .create(&ContactInput {
            given_name: "Qwilhelmina".into(),
            family_name: "Zyxwöquist".into(),
            email: Some("qwilhelmina.zyxwoquist@residue.example".into()),
            phone: Some("+46 70 987 65 43".into()),
            purposes: vec!["Customer relationship".into()],
            ..ContactInput::default()
        })
        .unwrap()
        .id;
    lagom.consent().give(&target, &consent("Newsletter", None)).unwrap();
    lagom.interactions().add(&target, &call("2026-01-15")).unwrap();
    let kept = person(&lagom, "Bo", "Kvar", &["Customer relationship"]);
    for i in 0..100 {
        person(&lagom, &format!("Filler{i}"), &format!("Person{i}"), &["Customer relationship"]);
    }
    let backups = dir.path().join("backups");
    let receipt = lagom.backup(Some(&backups)).unwrap();
    assert_eq!(receipt.contacts, 102);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(Path::new(&receipt.path)), 0o600, "the backup is private");
        assert_eq!(mode(Path::new(&receipt.ledger)), 0o600, "the ledger is private");
        assert_eq!(mode(&backups), 0o700, "the folder Lagom made is private");
    }
    // Every form the person is stored in: as typed, folded for search, and the phone in E.164.
    let needles = ["Qwilhelmina", "qwilhelmina", "Zyxw", "zyxwoquist", "residue.example", "46709876543", "709876543"];
    // The backup holds her (it is a backup), readable with the same key as the register.
    let key = keys.load().unwrap().unwrap();
    let in_backup = decrypted_pages(Path::new(&receipt.path), &key);
    assert!(["Qwilhelmina", "Zyxw", "46709876543"].iter().all(|n| occurrences(&in_backup, n) > 0), "the scan sees her");

    // Erased after the backup: the tombstone goes to the ledger beside it, nothing personal.
    let erased = lagom.rights().erase(&target, None).unwrap().tombstone;
    let ledger_path = backups.join(lagom_core::backup::LEDGER_FILE);
    let ledger = std::fs::read_to_string(&ledger_path).unwrap();
    assert!(ledger.contains(&erased.id) && ledger.contains(&target));
    assert!(needles.iter().all(|n| !ledger.contains(n)), "{ledger}");
    // A line someone wrote into the ledger by hand (or another register's) is never applied.
    let forged = format!("{},{kept},2099-01-01T00:00:00Z,mallory,GDPR Art. 17,,00ff\n", erased.id.replace('a', "b"));
    std::fs::write(&ledger_path, format!("{ledger}{forged}")).unwrap();

    let (restored, report) = lagom.restore(Path::new(&receipt.path)).unwrap();
    assert_eq!((report.reapplied, report.rejected, report.contacts, report.replaced_contacts), (1, 1, 101, 101));
    assert_eq!(report.backup_taken_at, receipt.taken_at);
    assert!(matches!(restored.contacts().get(&target), Err(lagom_core::Error::NotFound { .. })));
    assert_eq!(restored.contacts().get(&kept).unwrap().given_name, "Bo", "the forged line erased nobody");
    assert_eq!(
        restored.rights().erasures().unwrap(),
        std::slice::from_ref(&erased),
        "the same tombstone, not a new one"
    );
    assert!(restored.verify_audit().unwrap().is_intact());
    drop(restored);
    let left: Vec<String> =
        std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert!(left.iter().all(|f| !f.contains("before-restore") && !f.contains("restoring")), "{left:?}");

    let pages = decrypted_pages(&path, &key);
    for needle in needles {
        assert_eq!(occurrences(&pages, needle), 0, "{needle} is in a page or WAL frame of the restored register");
    }
    assert_eq!(std::fs::read(Path::new(&receipt.path)).unwrap().len() as u32, receipt.bytes, "the backup is unchanged");

    // The laptop is lost with its register: on a new computer the backup and the ledger beside
    // it are all there is. Restored with the recovery key, she is erased again from the ledger.
    let new_laptop = tempfile::tempdir().unwrap();
    let new_path = new_laptop.path().join("lagom").join("lagom.db");
    let new_keys = MemoryKeyStore::new();
    let (fresh, report) = Lagom::restore_new(&new_path, Path::new(&receipt.path), &recovery, &new_keys).unwrap();
    assert_eq!((report.reapplied, report.rejected, report.contacts), (1, 1, 101));
    assert!(fresh.contacts().get(&target).is_err());
    assert_eq!(fresh.rights().erasures().unwrap(), [erased]);
    drop(fresh);
    let pages = decrypted_pages(&new_path, &key);
    assert!(needles.iter().all(|n| occurrences(&pages, n) == 0), "nothing of her on the new laptop either");
    assert_eq!(new_keys.load().unwrap().unwrap(), key, "the key is stored for the next start");
}

#[test]
fn the_daily_backup_is_taken_once_a_day_and_only_the_newest_are_kept() {
    use chrono::TimeZone;
    let dir = tempfile::tempdir().unwrap();
    let clock =
        std::sync::Arc::new(lagom_core::FixedClock::at(chrono::Utc.with_ymd_and_hms(2026, 3, 1, 8, 0, 0).unwrap()));
    let lagom =
        Lagom::create_with_clock(&dir.path().join("lagom.db"), &MemoryKeyStore::new(), clock.clone()).unwrap().lagom;
    let mut settings = lagom.settings().unwrap();
    assert!(settings.daily_backup && settings.backups_kept == 7, "on by default, a week kept");
    settings.backups_kept = 2;
    lagom.save_settings(&settings).unwrap();
    let first = lagom.scheduled_backup().unwrap().expect("the first start of the day backs up");
    assert!(first.path.starts_with(dir.path().join("backups").to_str().unwrap()), "beside the register");
    clock.advance(chrono::Duration::hours(10));
    assert_eq!(lagom.scheduled_backup().unwrap(), None, "once a day");
    for day in 2..=4 {
        clock.set(chrono::Utc.with_ymd_and_hms(2026, 3, day, 8, 0, 0).unwrap());
        assert!(lagom.scheduled_backup().unwrap().is_some(), "day {day}");
    }
    let kept: Vec<String> = lagom.backups().unwrap().into_iter().map(|b| b.taken_at).collect();
    assert_eq!(kept, ["2026-03-04T08:00:00Z", "2026-03-03T08:00:00Z"], "only the newest two stay");
    settings.daily_backup = false;
    lagom.save_settings(&settings).unwrap();
    clock.set(chrono::Utc.with_ymd_and_hms(2026, 3, 5, 8, 0, 0).unwrap());
    assert_eq!(lagom.scheduled_backup().unwrap(), None, "off");
    settings.backup_folder = Some("relative/folder".into());
    assert!(lagom.save_settings(&settings).is_err(), "a folder is a whole path");
}

#[test]
fn a_restore_that_cannot_happen_hands_the_register_back_open_and_a_wrong_clock_brings_nobody_back() {
    use chrono::TimeZone;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lagom.db");
    let keys = MemoryKeyStore::new();
    let clock =
        std::sync::Arc::new(lagom_core::FixedClock::at(chrono::Utc.with_ymd_and_hms(2027, 6, 1, 8, 0, 0).unwrap()));
    let created = Lagom::create_with_clock(&path, &keys, clock.clone()).unwrap();
    let (lagom, recovery) = (created.lagom, created.recovery_key.to_hex());
    let eva = person(&lagom, "Eva", "Raderad", &["Customer relationship"]);
    let receipt = lagom.backup(Some(&dir.path().join("backups"))).unwrap();

    // Not a backup of this register: refused, and the register comes back open and whole.
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, vec![7u8; 8192]).unwrap();
    let failed = lagom.restore(&junk).unwrap_err();
    let lagom = failed.register.expect("handed back open");
    assert_eq!(lagom.contacts().get(&eva).unwrap().given_name, "Eva");
    assert!(
        std::fs::read_dir(dir.path()).unwrap().all(|e| !e.unwrap().file_name().to_string_lossy().contains("restoring"))
    );

    // The clock was a year ahead at the backup; corrected, Eva is erased "before" it was taken.
    clock.set(chrono::Utc.with_ymd_and_hms(2026, 6, 1, 8, 0, 0).unwrap());
    lagom.rights().erase(&eva, None).unwrap();
    let (restored, report) = lagom.restore(Path::new(&receipt.path)).unwrap();
    assert_eq!((report.reapplied, report.rejected), (1, 0), "a tombstone's date never brings anyone back");
    assert!(restored.contacts().get(&eva).is_err());
    drop(restored);

    // Onto a computer that already has a register there, or a key for it: refused, untouched.
    let refused = Lagom::restore_new(&path, Path::new(&receipt.path), &recovery, &MemoryKeyStore::new()).unwrap_err();
    assert!(matches!(refused, lagom_core::Error::AlreadyExists { .. }), "{refused:?}");
    let elsewhere = dir.path().join("new").join("lagom.db");
    let holding = MemoryKeyStore::new();
    holding.save(&keys.load().unwrap().unwrap()).unwrap();
    let refused = Lagom::restore_new(&elsewhere, Path::new(&receipt.path), &recovery, &holding).unwrap_err();
    assert!(matches!(refused, lagom_core::Error::KeyAlreadyStored { .. }), "{refused:?}");
    assert!(!elsewhere.exists());
}

#[test]
fn two_backups_in_the_same_second_are_both_kept() {
    use chrono::TimeZone;
    let dir = tempfile::tempdir().unwrap();
    let clock =
        std::sync::Arc::new(lagom_core::FixedClock::at(chrono::Utc.with_ymd_and_hms(2026, 3, 1, 8, 0, 0).unwrap()));
    let lagom = Lagom::create_with_clock(&dir.path().join("lagom.db"), &MemoryKeyStore::new(), clock).unwrap().lagom;
    let folder = dir.path().join("backups");
    let first = lagom.backup(Some(&folder)).unwrap();
    let second = lagom.backup(Some(&folder)).unwrap();
    assert_ne!(first.path, second.path);
    assert!(second.path.ends_with("lagom-backup-20260301T080000Z-1.db"), "{}", second.path);
    assert!(Path::new(&first.path).exists() && Path::new(&second.path).exists());
}
