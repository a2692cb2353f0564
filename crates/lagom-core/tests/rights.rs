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
    lagom.consent().opt_out(&target.id, Some(MarketingChannel::Post), ConsentSource::Phone).unwrap();
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
    ];
    let pages = decrypted_pages(&db.path, &db.key);
    for needle in ["Qwilhelmina", "zyxwoquist", "+46709876543"] {
        assert!(occurrences(&pages, needle) > 0, "the scan must see {needle} before the erase");
    }
    let filler = occurrences(&pages, "Filler17");
    assert!(filler > 0, "decryption works for every page");

    let tombstone = lagom.rights().erase(&target.id, Some("request-42")).unwrap();
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
            Erasure::IndexOfContact => conn
                .query_row("SELECT count(*) FROM contact_fts WHERE contact_fts MATCH 'berg'", [], |r| r.get(0))
                .unwrap(),
            Erasure::DeleteWhenOrphaned => conn
                .query_row("SELECT count(*) FROM organisation WHERE name = 'Anna Berg Design'", [], |r| r.get(0))
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
        })
        .unwrap()
        .id;
    lagom.consent().give(&id, &consent("Events", Some(MarketingChannel::Events))).unwrap();
    lagom.consent().opt_out(&id, Some(MarketingChannel::Sms), ConsentSource::Phone).unwrap();
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
