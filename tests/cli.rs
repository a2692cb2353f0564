//! The `lagom` command as a user runs it: a real process on a real encrypted database.
//! The key store is the passphrase file (`LAGOM_PASSPHRASE`), so these tests never touch the
//! developer's keychain; the keychain path is covered by the end-to-end tests.

// A failed unwrap is a failed test, with the reason printed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

const PASSPHRASE: &str = "correct horse battery staple";

struct Db {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

/// `lagom --db DB args…` with the test passphrase and no terminal.
fn command(db: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_lagom"));
    command
        .arg("--db")
        .arg(db)
        .args(args)
        .env("LAGOM_PASSPHRASE", PASSPHRASE)
        .env_remove("LAGOM_DB")
        .stdin(Stdio::null());
    command
}

fn lagom(db: &Path, args: &[&str]) -> Output {
    command(db, args).output().expect("run lagom")
}

fn ok_json(db: &Path, args: &[&str]) -> Value {
    let out = lagom(db, args);
    assert!(out.status.success(), "lagom {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("lagom {args:?}: not JSON ({e})"))
}

/// Standard output of a successful run.
fn ok(db: &Path, args: &[&str]) -> String {
    let out = lagom(db, args);
    assert!(out.status.success(), "lagom {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

fn init() -> (Db, Value) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lagom.db");
    let out = ok_json(&path, &["init", "--json"]);
    (Db { _dir: dir, path }, out)
}

fn add_anna(db: &Path) -> Value {
    ok_json(
        db,
        &[
            "contact",
            "add",
            "--given-name",
            "Anna",
            "--family-name",
            "Östlund",
            "--email",
            "anna.ostlund@example.se",
            "--phone",
            "070-123 45 67",
            "--organisation",
            "Ålands Bygg",
            "--channel",
            "email",
            "--stage",
            "customer",
            "--tag",
            "golf",
            "--purpose",
            "Customer relationship",
            "--json",
        ],
    )
}

#[test]
fn init_prints_the_recovery_key_once_and_creates_an_encrypted_file() {
    let (db, out) = init();
    let key = out["recovery_key"].as_str().unwrap();
    assert_eq!(key.len(), 64);
    assert!(key.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(out["db"].as_str().map(PathBuf::from), Some(db.path.clone()));
    assert_eq!(out["key_store"], "passphrase");
    let bytes = std::fs::read(&db.path).unwrap();
    assert!(!bytes.starts_with(b"SQLite format 3"));
    let key_file = std::fs::read_to_string(db.path.with_extension("db.key")).unwrap();
    assert!(!key_file.contains(key), "the key file holds only the wrapped key");

    let again = lagom(&db.path, &["init"]);
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
}

#[test]
fn add_show_list_and_search() {
    let (db, _) = init();
    let anna = add_anna(&db.path);
    let id = anna["id"].as_str().unwrap();
    assert_eq!(anna["phone"], "+46701234567");
    assert_eq!(anna["tags"], serde_json::json!(["golf"]));
    assert_eq!(anna["purposes"][0]["lawful_basis"], "contract");

    ok_json(
        &db.path,
        &["contact", "add", "--given-name", "Bo", "--family-name", "Ek", "--purpose", "Newsletter", "--json"],
    );

    let list = ok_json(&db.path, &["contact", "list", "--json"]);
    let names: Vec<_> = list.as_array().unwrap().iter().map(|c| c["family_name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Ek", "Östlund"]);

    let found = ok_json(&db.path, &["contact", "search", "ostlund", "--json"]);
    assert_eq!(found.as_array().unwrap().len(), 1);
    assert_eq!(found[0]["id"], id);

    let shown = ok_json(&db.path, &["contact", "show", id, "--json"]);
    assert_eq!(shown, anna);

    let human = lagom(&db.path, &["contact", "show", id]);
    assert!(String::from_utf8_lossy(&human.stdout).contains("Anna Östlund"));
}

#[test]
fn update_changes_only_the_given_fields() {
    let (db, _) = init();
    let anna = add_anna(&db.path);
    let id = anna["id"].as_str().unwrap();
    let updated = ok_json(&db.path, &["contact", "update", id, "--role", "CEO", "--email", "", "--json"]);
    assert_eq!(updated["role"], "CEO");
    assert_eq!(updated["email"], Value::Null);
    assert_eq!(updated["phone"], anna["phone"]);
    assert_eq!(updated["purposes"], anna["purposes"]);
}

#[test]
fn bad_input_exits_2_and_names_the_field() {
    let (db, _) = init();
    let out = lagom(
        &db.path,
        &["contact", "add", "--given-name", "Bo", "--family-name", "Ek", "--email", "bo@", "--purpose", "Newsletter"],
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("email"), "{stderr}");
    assert!(out.stdout.is_empty());

    let out = lagom(&db.path, &["contact", "add", "--given-name", "Bo", "--family-name", "Ek"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("purposes"));

    let out = lagom(&db.path, &["contact", "add", "--given-name", "Bo", "--family-name", "Ek", "--channel", "fax"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--channel"));

    let list = ok_json(&db.path, &["contact", "list", "--json"]);
    assert_eq!(list.as_array().unwrap().len(), 0, "nothing half-valid was stored");
}

#[test]
fn other_errors_exit_1_with_a_clear_message() {
    let (db, _) = init();
    let out = lagom(&db.path, &["contact", "show", "no-such-id"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("contact not found"));

    let missing = db.path.with_file_name("missing.db");
    let out = lagom(&missing, &["contact", "list"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no Lagom database"));
    assert!(!missing.exists());

    let out = Command::new(env!("CARGO_BIN_EXE_lagom"))
        .args(["--db"])
        .arg(&db.path)
        .args(["contact", "list"])
        .env("LAGOM_PASSPHRASE", "not the passphrase")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("wrong passphrase"));
}

#[test]
fn recover_rewraps_the_key_under_a_new_passphrase() {
    let (db, init) = init();
    add_anna(&db.path);
    std::fs::remove_file(db.path.with_extension("db.key")).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_lagom"))
        .arg("--db")
        .arg(&db.path)
        .arg("recover")
        .env("LAGOM_PASSPHRASE", "a brand new passphrase")
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(init["recovery_key"].as_str().unwrap().as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let list = Command::new(env!("CARGO_BIN_EXE_lagom"))
        .arg("--db")
        .arg(&db.path)
        .args(["contact", "list", "--json"])
        .env("LAGOM_PASSPHRASE", "a brand new passphrase")
        .output()
        .unwrap();
    assert!(list.status.success());
    let list: Value = serde_json::from_slice(&list.stdout).unwrap();
    assert_eq!(list[0]["family_name"], "Östlund");
}

#[test]
fn purposes_are_listed() {
    let (db, _) = init();
    let purposes = ok_json(&db.path, &["purpose", "list", "--json"]);
    let names: Vec<_> = purposes.as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Customer relationship", "Events", "Newsletter"]);
}

fn add(db: &Path, given: &str, family: &str, purpose: &str) -> String {
    let out = ok_json(
        db,
        &["contact", "add", "--given-name", given, "--family-name", family, "--purpose", purpose, "--json"],
    );
    out["id"].as_str().unwrap().to_owned()
}

fn names(list: &Value) -> Vec<String> {
    list.as_array().unwrap().iter().map(|c| c["given_name"].as_str().unwrap().to_owned()).collect()
}

#[test]
fn marketing_lists_respect_consent_and_opt_outs() {
    let (db, _) = init();
    let anna = add(&db.path, "Anna", "Berg", "Customer relationship");
    let bo = add(&db.path, "Bo", "Ek", "Customer relationship");
    add(&db.path, "Cia", "Lund", "Newsletter"); // held for the newsletter, never consented
    for id in [&anna, &bo] {
        ok_json(
            &db.path,
            &[
                "consent",
                "give",
                id,
                "--purpose",
                "Newsletter",
                "--source",
                "form",
                "--wording",
                "Send me the newsletter",
                "--json",
            ],
        );
    }
    let list = |db: &Path| {
        names(&ok_json(db, &["contact", "list", "--purpose", "Newsletter", "--channel", "email", "--json"]))
    };
    assert_eq!(list(&db.path), ["Anna", "Bo"]);

    let out = ok_json(&db.path, &["contact", "opt-out", &bo, "--channel", "email", "--source", "phone", "--json"]);
    assert_eq!(out["channels"], serde_json::json!(["email"]));
    assert_eq!(list(&db.path), ["Anna"], "an opted-out contact never appears");
    let post = ok_json(&db.path, &["contact", "list", "--purpose", "Newsletter", "--channel", "post", "--json"]);
    assert_eq!(names(&post), ["Anna", "Bo"]);

    ok_json(&db.path, &["contact", "opt-out", &anna, "--all", "--json"]);
    assert!(list(&db.path).is_empty());
    ok_json(&db.path, &["contact", "opt-in", &bo, "--channel", "email", "--json"]);
    assert_eq!(list(&db.path), ["Bo"]);

    let history = ok_json(&db.path, &["consent", "history", &bo, "--json"]);
    let kinds: Vec<_> = history.as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["given", "opt_out", "opt_in"]);

    let bad = lagom(&db.path, &["contact", "list", "--purpose", "Newsletter"]);
    assert_eq!(bad.status.code(), Some(2), "--purpose needs --channel");
}

#[test]
fn export_writes_a_zip_that_real_parsers_read() {
    let (db, _) = init();
    let anna = add_anna(&db.path);
    let id = anna["id"].as_str().unwrap();
    ok_json(
        &db.path,
        &["consent", "give", id, "--purpose", "Newsletter", "--channel", "email", "--source", "meeting", "--json"],
    );
    let zip_path = db.path.with_file_name("anna.zip");
    let receipt = ok_json(&db.path, &["export", id, "--out", zip_path.to_str().unwrap(), "--lang", "sv", "--json"]);
    assert_eq!(receipt["path"], zip_path.to_str().unwrap());

    let mut archive = zip::ZipArchive::new(std::fs::File::open(&zip_path).unwrap()).unwrap();
    let mut read = |name: &str| -> Vec<u8> {
        use std::io::Read;
        let mut bytes = Vec::new();
        archive.by_name(name).unwrap_or_else(|e| panic!("{name}: {e}")).read_to_end(&mut bytes).unwrap();
        bytes
    };

    let data: Value = serde_json::from_slice(&read("data.json")).unwrap();
    assert_eq!(data["schema_version"], 1);
    assert_eq!(data["contact"]["family_name"], "Östlund");
    assert_eq!(data["consent_events"][0]["source"], "meeting");
    assert!(data["audit_entries"].as_array().unwrap().iter().any(|e| e["field"] == "email"));

    // docs/export-schema.json documents data.json: what it requires must be there.
    let schema: Value = serde_json::from_str(include_str!("../docs/export-schema.json")).unwrap();
    for (required, object) in [
        (&schema["required"], &data),
        (&schema["properties"]["contact"]["required"], &data["contact"]),
        (&schema["properties"]["opt_outs"]["required"], &data["opt_outs"]),
    ] {
        for key in required.as_array().unwrap() {
            assert!(object.get(key.as_str().unwrap()).is_some(), "data.json lacks {key}, which the schema requires");
        }
    }
    assert_eq!(schema["properties"]["schema_version"]["const"], data["schema_version"]);

    let manifest: Value = serde_json::from_slice(&read("manifest.json")).unwrap();
    let files = manifest["files"].as_array().unwrap();
    assert_eq!(files.len(), 7);
    for file in files {
        let name = file["name"].as_str().unwrap();
        let digest = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(read(name)));
        assert_eq!(file["sha256"], digest, "{name}");
    }

    let vcf = read("contact.vcf");
    let mut cards = ical::VcardParser::new(std::io::BufReader::new(vcf.as_slice()));
    let card = cards.next().unwrap().unwrap();
    let prop = |name: &str| card.properties.iter().find(|p| p.name == name).and_then(|p| p.value.clone());
    assert_eq!(prop("VERSION").as_deref(), Some("4.0"));
    assert_eq!(prop("FN").as_deref(), Some("Anna Östlund"));
    assert_eq!(prop("EMAIL").as_deref(), Some("anna.ostlund@example.se"));
    assert_eq!(prop("TEL").as_deref(), Some("tel:+46701234567"));

    let contact_csv = read("contact.csv");
    assert!(contact_csv.starts_with("\u{feff}".as_bytes()), "UTF-8 BOM for Excel");
    let mut reader = csv::Reader::from_reader(&contact_csv[3..]);
    let headers = reader.headers().unwrap().clone();
    let row = reader.records().next().unwrap().unwrap();
    let field = |name: &str| row.get(headers.iter().position(|h| h == name).unwrap()).unwrap().to_owned();
    assert_eq!(field("family_name"), "Östlund");
    assert_eq!(field("organisation"), "Ålands Bygg");
    let consent_csv = read("consent_events.csv");
    assert_eq!(csv::Reader::from_reader(&consent_csv[3..]).records().count(), 1);

    let report = String::from_utf8(read("report.html")).unwrap();
    assert!(report.contains("<html lang=\"sv\">") && report.contains("Registerutdrag"));
    assert!(report.contains("Integritetsskyddsmyndigheten"));

    let history = ok_json(&db.path, &["consent", "history", id, "--json"]);
    assert_eq!(history.as_array().unwrap().len(), 1);
    let out = lagom(&db.path, &["export", "no-such-id", "--out", zip_path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn erase_needs_confirmation_then_removes_the_person_and_the_audit_still_verifies() {
    let (db, _) = init();
    let anna = add_anna(&db.path);
    let id = anna["id"].as_str().unwrap();
    add(&db.path, "Bo", "Ek", "Newsletter");

    let refused = lagom(&db.path, &["erase", id]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--yes"));
    assert_eq!(ok_json(&db.path, &["contact", "list", "--json"]).as_array().unwrap().len(), 2);

    let tombstone = ok_json(&db.path, &["erase", id, "--yes", "--request", "req-7", "--json"]);
    assert_eq!(tombstone["contact_id"], id);
    assert_eq!(tombstone["request_id"], "req-7");
    assert_eq!(names(&ok_json(&db.path, &["contact", "list", "--json"])), ["Bo"]);
    assert!(ok_json(&db.path, &["contact", "search", "ostlund", "--json"]).as_array().unwrap().is_empty());
    assert_eq!(lagom(&db.path, &["contact", "show", id]).status.code(), Some(1));

    let verify = ok_json(&db.path, &["audit", "verify", "--json"]);
    assert_eq!(verify["first_broken"], Value::Null);
    assert!(verify["redacted"].as_u64().unwrap() > 0);
}

// ---- Regression tests for the review findings (issue 6) ------------------------------------

#[test]
fn purposes_are_added_and_updated_but_a_basis_people_rely_on_cannot_change() {
    let (db, _) = init();
    let added = ok_json(
        &db.path,
        &[
            "purpose",
            "add",
            "--name",
            "Trade fair",
            "--basis",
            "legitimate_interest",
            "--retention-months",
            "18",
            "--json",
        ],
    );
    assert_eq!(added["lawful_basis"], "legitimate_interest");
    assert_eq!(added["basis_locked"], false);

    // Nobody is held for it yet: every field may change, by name or by id.
    let updated = ok_json(
        &db.path,
        &[
            "purpose",
            "update",
            "Trade fair",
            "--basis",
            "consent",
            "--description",
            "Invitations to our stand",
            "--json",
        ],
    );
    assert_eq!(updated["lawful_basis"], "consent");
    assert_eq!(updated["retention_months"], 18, "options not given keep their value");

    add(&db.path, "Anna", "Berg", "Trade fair");
    let refused = lagom(&db.path, &["purpose", "update", added["id"].as_str().unwrap(), "--basis", "contract"]);
    assert_eq!(refused.status.code(), Some(2));
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(message.contains("lawful_basis") && message.contains("create a new purpose"), "{message}");
    let renamed = ok_json(&db.path, &["purpose", "update", "trade fair", "--name", "Trade fairs", "--json"]);
    assert_eq!(renamed["name"], "Trade fairs");
    assert_eq!(renamed["lawful_basis"], "consent");

    let bad = lagom(&db.path, &["purpose", "add", "--name", "X", "--basis", "whim", "--retention-months", "1"]);
    assert_eq!(bad.status.code(), Some(2));
    let bad = lagom(&db.path, &["purpose", "add", "--name", "X", "--basis", "consent", "--retention-months", "0"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("retention_months"));
}

#[test]
fn an_erase_request_reference_must_be_opaque() {
    let (db, _) = init();
    let id = add(&db.path, "Anna", "Berg", "Newsletter");
    let out = lagom(&db.path, &["erase", &id, "--yes", "--request", "Anna Berg called on Monday"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("request"));
    assert_eq!(names(&ok_json(&db.path, &["contact", "list", "--json"])), ["Anna"], "nothing was erased");
}

#[test]
fn audit_verify_reports_the_head_hash_and_the_actor_is_the_os_account() {
    let (db, _) = init();
    let as_mallory = |args: &[&str]| -> Value {
        let out = Command::new(env!("CARGO_BIN_EXE_lagom"))
            .arg("--db")
            .arg(&db.path)
            .args(args)
            .env("LAGOM_PASSPHRASE", PASSPHRASE)
            .env("USER", "mallory")
            .env("LOGNAME", "mallory")
            .env("USERNAME", "mallory")
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let created = as_mallory(&[
        "contact",
        "add",
        "--given-name",
        "Anna",
        "--family-name",
        "Berg",
        "--purpose",
        "Newsletter",
        "--json",
    ]);
    let id = created["id"].as_str().unwrap().to_owned();
    let event = as_mallory(&["consent", "give", &id, "--purpose", "Newsletter", "--source", "form", "--json"]);
    let recorded_by = event["recorded_by"].as_str().unwrap().to_owned();
    assert_ne!(recorded_by, "mallory", "the environment does not name who recorded the consent");
    // The audit trail's entries of both runs name the same OS account.
    let zip_path = db.path.with_file_name("anna.zip");
    ok_json(&db.path, &["export", &id, "--out", zip_path.to_str().unwrap(), "--json"]);
    let mut archive = zip::ZipArchive::new(std::fs::File::open(&zip_path).unwrap()).unwrap();
    let mut data = String::new();
    std::io::Read::read_to_string(&mut archive.by_name("data.json").unwrap(), &mut data).unwrap();
    let data: Value = serde_json::from_str(&data).unwrap();
    let actors: Vec<&str> =
        data["audit_entries"].as_array().unwrap().iter().map(|e| e["actor"].as_str().unwrap()).collect();
    assert!(actors.len() > 2, "{actors:?}");
    assert!(actors.iter().all(|a| *a == recorded_by), "{actors:?}");

    let verify = ok_json(&db.path, &["audit", "verify", "--json"]);
    let head = verify["head_hash"].as_str().unwrap();
    assert_eq!(head.len(), 64);
    assert!(verify["entries"].as_u64().unwrap() > 1);
    let text = lagom(&db.path, &["audit", "verify"]);
    assert!(String::from_utf8_lossy(&text.stdout).contains(head));
}

#[test]
fn interactions_are_added_listed_and_exported() {
    let (db, _) = init();
    let id = add(&db.path, "Anna", "Berg", "Customer relationship");
    let added = ok_json(
        &db.path,
        &[
            "interaction",
            "add",
            &id,
            "--type",
            "call",
            "--date",
            "2026-01-15",
            "--channel",
            "phone",
            "--outcome",
            "follow up",
            "--purpose",
            "Customer relationship",
            "--json",
        ],
    );
    assert_eq!(added["kind"], "call");
    assert_eq!(added["purpose_name"], "Customer relationship");
    ok_json(
        &db.path,
        &["interaction", "add", &id, "--type", "meeting", "--date", "2026-02-01", "--channel", "meeting", "--json"],
    );
    let list = ok_json(&db.path, &["interaction", "list", &id, "--json"]);
    let dates: Vec<&str> = list.as_array().unwrap().iter().map(|i| i["date"].as_str().unwrap()).collect();
    assert_eq!(dates, ["2026-02-01", "2026-01-15"]);

    let bad =
        lagom(&db.path, &["interaction", "add", &id, "--type", "call", "--date", "15/1/2026", "--channel", "phone"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("date"));
    let bad =
        lagom(&db.path, &["interaction", "add", &id, "--type", "lunch", "--date", "2026-01-15", "--channel", "phone"]);
    assert_eq!(bad.status.code(), Some(2));

    let zip_path = db.path.with_file_name("anna.zip");
    ok_json(&db.path, &["export", &id, "--out", zip_path.to_str().unwrap(), "--json"]);
    let mut archive = zip::ZipArchive::new(std::fs::File::open(&zip_path).unwrap()).unwrap();
    let mut csv_bytes = Vec::new();
    std::io::Read::read_to_end(&mut archive.by_name("interactions.csv").unwrap(), &mut csv_bytes).unwrap();
    assert_eq!(csv::Reader::from_reader(&csv_bytes[3..]).records().count(), 2);

    ok_json(&db.path, &["erase", &id, "--yes", "--json"]);
    assert_eq!(lagom(&db.path, &["interaction", "list", &id]).status.code(), Some(1), "gone with the person");
}

#[test]
fn the_record_of_processing_is_printed_as_markdown_html_or_json() {
    let (db, _) = init();
    add(&db.path, "Anna", "Berg", "Newsletter");
    let md = lagom(&db.path, &["record-of-processing"]);
    assert!(md.status.success());
    let md = String::from_utf8(md.stdout).unwrap();
    assert!(md.starts_with("# Record of processing activities") && md.contains("| Newsletter"));
    assert!(!md.contains("Berg"), "names nobody");
    let out = db.path.with_file_name("record.html");
    let written =
        lagom(&db.path, &["record-of-processing", "--format", "html", "--lang", "sv", "--out", out.to_str().unwrap()]);
    assert!(written.status.success(), "{}", String::from_utf8_lossy(&written.stderr));
    assert!(std::fs::read_to_string(&out).unwrap().contains("<html lang=\"sv\">"));
    let json = ok_json(&db.path, &["record-of-processing", "--json"]);
    assert_eq!(json["key_store"], "passphrase");
    assert_eq!(lagom(&db.path, &["record-of-processing", "--format", "pdf"]).status.code(), Some(2));
}

#[test]
fn the_request_inbox_counts_the_deadline_and_an_erase_closes_its_request() {
    let (db, _) = init();
    let id = add(&db.path, "Anna", "Berg", "Newsletter");
    let request = ok_json(
        &db.path,
        &["request", "add", "--type", "erasure", "--contact", &id, "--received", "2026-01-31", "--json"],
    );
    assert_eq!(request["due"], "2026-03-02");
    assert!(request["working"].as_str().unwrap().contains("28 Feb is a Saturday"));
    let reference = request["id"].as_str().unwrap().to_owned();
    assert_eq!(reference, "REQ-2026-0001");
    let list = ok_json(&db.path, &["request", "list", "--json"]);
    assert_eq!(list[0]["overdue"], true, "2 March 2026 has passed");
    let bad = lagom(&db.path, &["request", "add", "--type", "complaint", "--contact", &id]);
    assert_eq!(bad.status.code(), Some(2));

    let receipt = ok_json(&db.path, &["erase", &id, "--yes", "--request", &reference, "--json"]);
    let list = ok_json(&db.path, &["request", "list", "--json"]);
    assert_eq!(list[0]["status"], "answered");
    assert_eq!(list[0]["answer"], receipt["id"]);
    let closed = lagom(&db.path, &["request", "close", &reference, "--answer", receipt["id"].as_str().unwrap()]);
    assert_eq!(closed.status.code(), Some(2), "already answered");
    let typo =
        lagom(&db.path, &["erase", &add(&db.path, "Bo", "Ek", "Newsletter"), "--yes", "--request", "REQ-2026-0009"]);
    assert_eq!(typo.status.code(), Some(2), "an inbox reference that does not exist erases nobody");
    assert_eq!(names(&ok_json(&db.path, &["contact", "list", "--json"])), ["Bo"]);
}

/// A register with a "Quotes" purpose (12 months, legitimate interest) and Olle and Nina held for it.
fn quotes_register() -> (Db, String, String) {
    let (db, _) = init();
    ok_json(
        &db.path,
        &["purpose", "add", "--name", "Quotes", "--basis", "legitimate_interest", "--retention-months", "12", "--json"],
    );
    let olle = add(&db.path, "Olle", "Gammal", "Quotes");
    let nina = add(&db.path, "Nina", "Ny", "Quotes");
    (db, olle, nina)
}

#[test]
fn retention_previews_who_is_due_with_the_rule_then_erases_them() {
    let (db, old, recent) = quotes_register();
    for (id, date) in [(&old, "2020-03-01"), (&recent, "2026-11-01")] {
        ok_json(
            &db.path,
            &["interaction", "add", id, "--type", "call", "--date", date, "--channel", "phone", "--json"],
        );
    }
    let due = ok_json(&db.path, &["retention", "preview", "--json"]);
    assert_eq!(due.as_array().unwrap().len(), 1, "{due}");
    assert_eq!(due[0]["contact_id"], old.as_str());
    assert_eq!(due[0]["expires"], "2021-03-01");
    assert_eq!(due[0]["rule"], "Quotes: 12 months after the last interaction on 2020-03-01");
    let later = ok_json(&db.path, &["retention", "preview", "--as-of", "2027-11-01", "--json"]);
    assert_eq!(later.as_array().unwrap().len(), 2, "by 1 November 2027 Nina is due too");

    let refused = lagom(&db.path, &["retention", "apply"]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--yes"));
    let too_far = lagom(&db.path, &["retention", "apply", "--yes", "--as-of", "2099-01-01"]);
    assert_eq!(too_far.status.code(), Some(2), "never erases people before their time");

    let receipts = ok_json(&db.path, &["retention", "apply", "--yes", "--json"]);
    assert_eq!(receipts[0]["contact_id"], old.as_str());
    assert_eq!(names(&ok_json(&db.path, &["contact", "list", "--json"])), ["Nina"]);

    let held = ok_json(
        &db.path,
        &["retention", "hold", &recent, "--reason", "bookkeeping_act", "--until", "2033-12-31", "--json"],
    );
    assert_eq!(held["until"], "2033-12-31");
    let later = ok_json(&db.path, &["retention", "preview", "--as-of", "2027-11-01", "--json"]);
    assert!(later.as_array().unwrap().is_empty(), "held until 2033");
}

#[test]
fn home_settings_the_sweep_unmatched_requests_and_the_accountability_pack_from_the_command_line() {
    let (db, old, nina) = quotes_register();
    ok_json(
        &db.path,
        &["interaction", "add", &old, "--type", "call", "--date", "2020-03-01", "--channel", "phone", "--json"],
    );

    // The home view as of today and as of a later day.
    let home = ok_json(&db.path, &["home", "--json"]);
    assert_eq!(home["due_now"][0]["contact_id"], old.as_str(), "{home}");
    assert_eq!(home["automatic_erasure"], false);
    let later = ok_json(&db.path, &["home", "--as-of", "2099-01-01", "--json"]);
    assert_eq!(later["due_now"].as_array().unwrap().len(), 2);
    assert_eq!(lagom(&db.path, &["home", "--as-of", "2026-02-30"]).status.code(), Some(2), "not a date");

    // Settings: a grace period over a year is refused by name; then automatic erasure, no grace.
    let refused = lagom(&db.path, &["settings", "set", "--grace-days", "400"]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("grace_days"));
    let settings = ok_json(
        &db.path,
        &[
            "settings",
            "set",
            "--grace-days",
            "0",
            "--automatic-erasure",
            "on",
            "--outcomes",
            "interested,demo booked",
            "--json",
        ],
    );
    assert_eq!((settings["grace_days"].as_u64(), settings["automatic_erasure"].as_bool()), (Some(0), Some(true)));
    assert_eq!(settings["interaction_outcomes"], serde_json::json!(["interested", "demo booked"]));
    assert_eq!(settings["holiday_country"], "SE");

    // Automatic erasure just turned on with no grace period: Olle, due for years, still gets
    // the default 14 days from today before the sweep may take him.
    let sweep = ok_json(&db.path, &["retention", "sweep", "--json"]);
    assert_eq!(sweep["erased"], serde_json::json!([]), "{sweep}");
    assert_eq!(sweep["due"][0]["contact_id"], old.as_str());
    assert!(sweep["due"][0]["erasable_from"].as_str().unwrap() > sweep["on"].as_str().unwrap());
    // "Erase the due ones now" does not wait.
    let erased = ok_json(&db.path, &["retention", "apply", "--yes", "--json"]);
    assert_eq!(erased[0]["contact_id"], old.as_str(), "{erased}");
    assert_eq!(erased[0]["article"], "GDPR Art. 5(1)(e), 17(1)(a)");
    assert_eq!(names(&ok_json(&db.path, &["contact", "list", "--json"])), ["Nina"]);

    // A request from someone not yet identified: the name is kept only until they are.
    let request = ok_json(
        &db.path,
        &["request", "add", "--type", "access", "--name", "Nina Ny", "--address", "nina@example.org", "--json"],
    );
    assert_eq!(request["contact_id"], serde_json::Value::Null);
    assert_eq!(request["requester_name"], "Nina Ny");
    let id = request["id"].as_str().unwrap().to_owned();
    let unmatched = lagom(&db.path, &["request", "close", &id, "--answer", "0123abcd"]);
    assert_eq!(unmatched.status.code(), Some(2), "no export answers an unmatched request");
    let matched =
        ok_json(&db.path, &["request", "identify", &id, "--check", "electronic_id", "--contact", &nina, "--json"]);
    assert_eq!(matched["contact_id"], nina.as_str());
    assert_eq!(matched["requester_name"], serde_json::Value::Null);
    assert_eq!(matched["identity_check"], "electronic_id");
    let overdue = ok_json(&db.path, &["request", "list", "--as-of", "2099-01-01", "--json"]);
    assert_eq!(overdue[0]["overdue"], true);

    // The accountability pack: private, every file listed, no name in it.
    let out = db.path.with_file_name("pack.zip");
    let receipt = ok_json(&db.path, &["accountability-pack", "--out", out.to_str().unwrap(), "--lang", "sv", "--json"]);
    assert_eq!(receipt["files"].as_array().unwrap().len(), 8, "{receipt}");
    assert_eq!(receipt["audit_intact"], true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&out).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&out).unwrap()).unwrap();
    for i in 0..zip.len() {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut zip.by_index(i).unwrap(), &mut text).unwrap();
        for personal in ["Nina", "Olle", "nina@example.org"] {
            assert!(!text.contains(personal), "{personal} in the pack");
        }
    }
}

#[test]
fn import_reads_a_file_all_or_nothing_and_reports_counts_and_rejected_rows() {
    let (db, _) = init();
    let dir = db.path.parent().unwrap();
    let csv = dir.join("kunder.csv");
    std::fs::write(
        &csv,
        "Förnamn;Efternamn;E-post;Anteckning\nÅsa;Öberg;asa@oberg.example;ringer måndagar\nBo;Ek;inte-en-adress;\n",
    )
    .unwrap();
    let path = csv.to_str().unwrap();

    // A wrong basis, or an invalid row without --skip-invalid: exit 2, nothing stored.
    let wrong = lagom(&db.path, &["import", path, "--purpose", "Newsletter", "--basis", "contract"]);
    assert_eq!(wrong.status.code(), Some(2), "{}", String::from_utf8_lossy(&wrong.stderr));
    let invalid = lagom(&db.path, &["import", path, "--purpose", "Customer relationship"]);
    assert_eq!(invalid.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&invalid.stderr).contains("line 3"));
    assert!(names(&ok_json(&db.path, &["contact", "list", "--json"])).is_empty());

    let dry = ok_json(
        &db.path,
        &["import", path, "--purpose", "Customer relationship", "--skip-invalid", "--dry-run", "--json"],
    );
    assert_eq!((dry["imported"].as_u64(), dry["committed"].as_bool()), (Some(1), Some(false)));
    let done = ok_json(&db.path, &["import", path, "--purpose", "Customer relationship", "--skip-invalid", "--json"]);
    assert_eq!((done["imported"].as_u64(), done["invalid"].as_u64()), (Some(1), Some(1)), "{done}");
    assert_eq!(done["dropped_columns"], serde_json::json!(["Anteckning"]));
    let rejected = std::fs::read_to_string(dir.join("kunder.csv.rejected.csv")).unwrap();
    assert!(rejected.contains("Bo,Ek,inte-en-adress"), "{rejected}");
    assert_eq!(names(&ok_json(&db.path, &["contact", "list", "--json"])), ["Åsa"]);

    // Again: Åsa is a duplicate now and is skipped.
    let again = ok_json(&db.path, &["import", path, "--purpose", "Customer relationship", "--skip-invalid", "--json"]);
    assert_eq!((again["imported"].as_u64(), again["skipped"].as_u64()), (Some(0), Some(1)));

    // Personal identity numbers refuse the file by the column's name.
    let ids = dir.join("ids.csv");
    std::fs::write(&ids, "Namn,Pnr\nAnna Berg,811228-9874\n").unwrap();
    let refused = lagom(&db.path, &["import", ids.to_str().unwrap(), "--purpose", "Customer relationship"]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("'Pnr'"));
}

/// Starts `lagom args…` and kills it with SIGKILL after `after`; whether it had finished.
fn killed_after(db: &Path, args: &[&str], after: std::time::Duration) -> bool {
    let mut child = command(db, args).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    std::thread::sleep(after);
    let finished = child.try_wait().unwrap().is_some();
    let _ = child.kill(); // SIGKILL on Unix: no destructor, no rollback code runs
    let _ = child.wait();
    finished
}

/// Opens the register in this process. Other tests spawn processes meanwhile, and a child
/// forked while this process held the lock file open keeps the lock until it execs (the file
/// is close-on-exec): a moment's `in_use` after a close is that, and is waited out.
fn open_in_test(db: &Path) -> lagom_core::Lagom {
    let keys = lagom_core::PassphraseStore::for_database(db, PASSPHRASE);
    for _ in 0..100 {
        match lagom_core::Lagom::open(db, &keys) {
            Err(lagom_core::Error::InUse) => std::thread::sleep(std::time::Duration::from_millis(20)),
            other => return other.unwrap(),
        }
    }
    panic!("the register stayed in use for 2 s")
}

/// `PRAGMA integrity_check` and the audit chain, through the core, after a crash.
fn intact(db: &Path) -> bool {
    let lagom = open_in_test(db);
    let check: String = lagom.connection().query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    check == "ok" && lagom.verify_audit().unwrap().is_intact()
}

#[test]
fn an_import_killed_at_any_moment_leaves_all_or_none_of_the_batch() {
    let (db, _) = init();
    let dir = db.path.parent().unwrap();
    let rows = 1500;
    let mut csv = String::from("Förnamn;Efternamn;E-post\n");
    for i in 0..rows {
        csv.push_str(&format!("Person;Nummer{i};p{i}@kill.example\n"));
    }
    let file = dir.join("many.csv");
    std::fs::write(&file, csv).unwrap();
    let path = file.to_str().unwrap();
    let args = ["import", path, "--purpose", "Customer relationship", "--duplicates", "keep"];
    let mut expected = 0;
    // From before the file is read to past the commit: several moments, several runs.
    for millis in [150, 400, 700, 1000, 1500, 2500, 4000] {
        let finished = killed_after(&db.path, &args, std::time::Duration::from_millis(millis));
        assert!(intact(&db.path), "integrity after a kill at {millis} ms");
        let count = ok_json(&db.path, &["contact", "list", "--json"]).as_array().unwrap().len();
        assert!(count == expected || count == expected + rows, "{count} contacts after a kill at {millis} ms");
        if finished {
            assert_eq!(count, expected + rows, "a finished import is all there");
        }
        expected = count;
    }
}

#[test]
fn an_erase_killed_at_any_moment_is_complete_or_not_started() {
    let (db, _) = init();
    for millis in [5, 60, 120, 250, 400, 800] {
        let id = add_anna(&db.path)["id"].as_str().unwrap().to_owned();
        killed_after(&db.path, &["erase", &id, "--yes"], std::time::Duration::from_millis(millis));
        assert!(intact(&db.path), "integrity after a kill at {millis} ms");
        let core = open_in_test(&db.path);
        let present = core.contacts().get(&id).is_ok();
        let tombstone = core.rights().erasures().unwrap().iter().any(|t| t.contact_id == id);
        // Either still there (untouched) or gone with its tombstone: never half.
        assert_ne!(present, tombstone, "half an erasure after a kill at {millis} ms");
    }
}

#[test]
fn a_second_lagom_on_an_open_register_is_told_so_and_nothing_is_lost() {
    let (db, _) = init();
    let anna = add_anna(&db.path)["id"].as_str().unwrap().to_owned();
    // The app (here: the core in this process) holds the register open.
    let keys = lagom_core::PassphraseStore::for_database(&db.path, PASSPHRASE);
    let app = lagom_core::Lagom::open(&db.path, &keys).unwrap();
    let busy = lagom(
        &db.path,
        &["contact", "add", "--given-name", "Bo", "--family-name", "Ek", "--purpose", "Customer relationship"],
    );
    assert_eq!(busy.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&busy.stderr).contains("in use by another Lagom"),
        "{}",
        String::from_utf8_lossy(&busy.stderr)
    );
    assert_eq!(app.contacts().get(&anna).unwrap().given_name, "Anna");
    drop(app);
    assert_eq!(names(&ok_json(&db.path, &["contact", "list", "--json"])), ["Anna"]);
}

#[test]
fn nothing_a_person_typed_appears_in_error_output_or_logs() {
    let (db, _) = init();
    let secret_name = "Xyloquent";
    let secret_email = "xylo.secret@example.se";
    let run = |args: &[&str]| {
        let out = command(&db.path, args).env("RUST_LOG", "trace").env("RUST_BACKTRACE", "1").output().unwrap();
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let mut stderr = String::new();
    // Bad input of every kind, a person who is there, an erase without confirmation, an import
    // with a bad row: the messages name fields and lines, never the values.
    stderr += &run(&[
        "contact",
        "add",
        "--given-name",
        secret_name,
        "--family-name",
        "Q",
        "--email",
        "xylo.secret@",
        "--purpose",
        "Customer relationship",
    ]);
    stderr += &run(&[
        "contact",
        "add",
        "--given-name",
        secret_name,
        "--family-name",
        "Q",
        "--phone",
        "070-XYLO",
        "--purpose",
        "Customer relationship",
    ]);
    let id = ok_json(
        &db.path,
        &[
            "contact",
            "add",
            "--given-name",
            secret_name,
            "--family-name",
            "Q",
            "--email",
            secret_email,
            "--purpose",
            "Customer relationship",
            "--json",
        ],
    )["id"]
        .as_str()
        .unwrap()
        .to_owned();
    stderr += &run(&["erase", &id]);
    let csv = db.path.with_file_name("x.csv");
    std::fs::write(&csv, format!("Name,Email\n{secret_name} Q,not-an-address-{secret_name}\n")).unwrap();
    stderr += &run(&["import", csv.to_str().unwrap(), "--purpose", "Customer relationship"]);
    stderr += &run(&["export", &id, "--out", "/nonexistent-folder/x.zip"]);
    stderr += &run(&["erase", &id, "--yes"]);
    assert!(!stderr.is_empty(), "the scenario produced messages to check");
    for secret in [secret_name, "xylo.secret", "XYLO"] {
        assert!(!stderr.contains(secret), "{secret:?} in: {stderr}");
    }
}

/// `program` as root: directly when the tests run as root, else through password-less sudo.
fn as_root(program: &str) -> Command {
    let root = Command::new("id").arg("-u").output().map(|o| o.stdout == b"0\n").unwrap_or(false);
    if root {
        return Command::new(program);
    }
    let mut command = Command::new("sudo");
    command.args(["-n", program]);
    command
}

/// A small tmpfs mounted for one test and unmounted after: a disk that really fills up. Needs
/// root or password-less sudo (CI runs as root); `None`, with the reason printed, otherwise —
/// unless `LAGOM_REQUIRE_MOUNT_TESTS` is set (`make test` sets it under `CI=true`).
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(kib: u32) -> Option<SmallDisk> {
        let dir = tempfile::tempdir().unwrap();
        // Owned by whoever runs the tests (sudo would make it root's).
        let id = |flag: &str| {
            let out = Command::new("id").arg(flag).output().unwrap();
            String::from_utf8_lossy(&out.stdout).trim().to_owned()
        };
        let options = format!("size={kib}k,mode=0700,uid={},gid={}", id("-u"), id("-g"));
        let status = as_root("mount")
            .args(["-t", "tmpfs", "-o", &options, "tmpfs"])
            .arg(dir.path())
            .stderr(Stdio::null())
            .status();
        if status.map(|s| s.success()).unwrap_or(false) {
            Some(SmallDisk { dir })
        } else {
            // CI runs as root: there a skip would hide lost coverage, so it fails instead.
            assert!(
                std::env::var_os("LAGOM_REQUIRE_MOUNT_TESTS").is_none(),
                "LAGOM_REQUIRE_MOUNT_TESTS is set but a tmpfs could not be mounted"
            );
            eprintln!("skipped: mounting a small tmpfs needs root or password-less sudo");
            None
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn remount_read_only(&self) {
        assert!(as_root("mount").args(["-o", "remount,ro"]).arg(self.path()).status().unwrap().success());
    }

    /// Fills what is left with one file, up to the last byte the disk takes.
    fn fill(&self) -> PathBuf {
        use std::io::Write;
        let filler = self.path().join("filler");
        let mut file = std::fs::File::create(&filler).unwrap();
        let chunk = vec![0u8; 4096];
        while file.write_all(&chunk).is_ok() {}
        let _ = file.write_all(&[0u8; 1]);
        filler
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = as_root("umount").arg(self.dir.path()).status();
    }
}

fn contact_count(db: &Path) -> usize {
    ok_json(db, &["contact", "list", "--json"]).as_array().unwrap().len()
}

#[test]
fn a_full_disk_during_an_import_is_a_clear_error_and_the_register_is_as_it_was() {
    let Some(disk) = SmallDisk::mount(1536) else { return };
    let db = disk.path().join("lagom.db");
    ok_json(&db, &["init", "--json"]);
    add_anna(&db);
    // Far more than the disk takes; the file itself is elsewhere.
    let source = tempfile::tempdir().unwrap();
    let mut csv = String::from("Förnamn;Efternamn;E-post;Företag\n");
    for i in 0..20_000 {
        csv.push_str(&format!("Person;Nummer{i};p{i}@full.example;Företaget nummer {i} AB\n"));
    }
    let file = source.path().join("many.csv");
    std::fs::write(&file, csv).unwrap();
    let out = lagom(&db, &["import", file.to_str().unwrap(), "--purpose", "Customer relationship"]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("the disk is full"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    assert!(intact(&db), "integrity and the audit chain after the failed import");
    assert_eq!(contact_count(&db), 1, "none of the batch, Anna still there");
    // Nothing else was left on the disk: the register, its lock and its key file.
    let mut left: Vec<String> = std::fs::read_dir(disk.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, ["lagom.db", "lagom.db.key", "lagom.db.lock"]);
}

#[test]
fn a_full_disk_during_an_export_leaves_no_half_written_file_and_records_no_export() {
    let (db, _) = init();
    let anna = add_anna(&db.path)["id"].as_str().unwrap().to_owned();
    let Some(disk) = SmallDisk::mount(256) else { return };
    let filler = disk.fill();
    let out = disk.path().join("anna.zip");
    let failed = lagom(&db.path, &["export", &anna, "--out", out.to_str().unwrap()]);
    assert_eq!(failed.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&failed.stderr).contains("the disk is full"),
        "{}",
        String::from_utf8_lossy(&failed.stderr)
    );
    let left: Vec<_> = std::fs::read_dir(disk.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(left, ["filler"], "no export and no temporary part of one");
    assert!(intact(&db.path));
    let exports = open_in_test(&db.path).audit_for(&anna).unwrap().into_iter().filter(|e| e.action == "export").count();
    assert_eq!(exports, 0, "an export that was never written is not recorded as made");

    // With room again, the same export succeeds: the disk was the only problem.
    std::fs::remove_file(filler).unwrap();
    let json = ok_json(&db.path, &["export", &anna, "--out", out.to_str().unwrap(), "--json"]);
    assert!(out.exists(), "{json}");
}

#[test]
fn a_register_on_a_read_only_disk_is_refused_by_name_and_left_byte_for_byte() {
    let Some(disk) = SmallDisk::mount(1024) else { return };
    let db = disk.path().join("lagom.db");
    ok_json(&db, &["init", "--json"]);
    add_anna(&db);
    let snapshot = |dir: &Path| -> Vec<(std::ffi::OsString, Vec<u8>)> {
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap())
            .map(|e| (e.file_name(), std::fs::read(e.path()).unwrap()))
            .collect();
        files.sort();
        files
    };
    let before = snapshot(disk.path());
    disk.remount_read_only();
    for args in [&["contact", "list", "--json"][..], &["contact", "add", "--given-name", "Bo", "--family-name", "Ek"]] {
        let out = lagom(&db, args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("cannot be written") && stderr.contains("read-only"), "{stderr}");
    }
    assert_eq!(snapshot(disk.path()), before, "every file byte for byte, nothing new beside them");
}

#[test]
fn an_information_notice_is_shown_in_either_language_and_format_recorded_as_given_and_listed_while_owed() {
    let (db, _) = init();
    let anna = add_anna(&db.path)["id"].as_str().unwrap().to_owned();
    let owed = ok_json(&db.path, &["notice", "owed", "--json"]);
    assert_eq!((owed["total"].as_u64(), owed["overdue"].as_u64()), (Some(1), Some(0)));
    let nameless = lagom(&db.path, &["notice", "show", &anna]);
    assert_eq!(nameless.status.code(), Some(2), "a notice names the controller, which is not filled in yet");
    assert!(String::from_utf8_lossy(&nameless.stderr).contains("controller"));
    let set =
        ["settings", "set", "--controller-name", "Bygg & Co AB", "--controller-contact", "dataskydd@bygg.example"];
    ok_json(&db.path, &[&set[..], &["--dpo", "Dora Ombud", "--json"]].concat());
    assert_eq!(owed["contacts"][0]["article"], "art13");
    let text = ok(&db.path, &["notice", "show", &anna, "--lang", "sv"]);
    assert!(text.starts_with("Så behandlar vi dina personuppgifter\n====") && text.contains("IMY"), "{text}");
    let md = ok(&db.path, &["notice", "show", &anna, "--lang", "en", "--format", "md"]);
    assert!(md.starts_with("# How we handle your personal data") && md.contains("## Your rights"), "{md}");
    let html = ok(&db.path, &["notice", "show", &anna, "--format", "html"]);
    assert!(html.starts_with("<!doctype html>"));
    let home = ok(&db.path, &["home"]);
    assert!(home.contains("information notices owed: 1"), "{home}");
    let bad = lagom(&db.path, &["notice", "given", &anna, "--channel", "pigeon"]);
    assert_eq!(bad.status.code(), Some(2));
    let future = lagom(&db.path, &["notice", "given", &anna, "--channel", "email", "--on", "2999-01-01"]);
    assert_eq!(future.status.code(), Some(2));
    let given = ok_json(&db.path, &["notice", "given", &anna, "--channel", "email", "--json"]);
    assert_eq!(given["given"][0]["channel"], "email");
    assert_eq!(ok_json(&db.path, &["notice", "owed", "--json"])["total"], 0);
    assert_eq!(lagom(&db.path, &["notice", "show", "no-such-id"]).status.code(), Some(1));
}

#[test]
fn a_breach_is_reported_listed_with_its_deadline_and_closed_from_the_command_line() {
    let (db, _) = init();
    let anna = add_anna(&db.path)["id"].as_str().unwrap().to_owned();
    let laptop = ok_json(
        &db.path,
        &[
            "breach",
            "add",
            "--discovered",
            "2026-01-30T22:30:00+01:00",
            "--kind",
            "lost_device",
            "--everyone",
            "--json",
        ],
    );
    assert_eq!(laptop["id"], "BREACH-2026-001");
    assert_eq!(laptop["deadline"], "2026-02-02T21:30:00Z");
    assert_eq!((laptop["everyone"].as_bool(), laptop["affected"].as_u64()), (Some(true), Some(1)));
    let mail = ok_json(
        &db.path,
        &[
            "breach",
            "add",
            "--discovered",
            "2026-02-01T08:00:00Z",
            "--kind",
            "wrong_recipient",
            "--contacts",
            &anna,
            "--json",
        ],
    );
    assert_eq!(mail["affected"], 1);
    let list = ok_json(&db.path, &["breach", "list", "--json"]);
    let deadlines: Vec<&str> = list.as_array().unwrap().iter().map(|b| b["deadline"].as_str().unwrap()).collect();
    assert_eq!(deadlines, ["2026-02-02T21:30:00Z", "2026-02-04T08:00:00Z"], "open ones, nearest deadline first");

    // Notified now, months after the deadline: the reasons for the delay are required.
    let late = lagom(&db.path, &["breach", "close", "BREACH-2026-001", "--status", "notified"]);
    assert_eq!(late.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&late.stderr).contains("delay_reason"),
        "{}",
        String::from_utf8_lossy(&late.stderr)
    );
    let closed = ok_json(
        &db.path,
        &[
            "breach",
            "close",
            "BREACH-2026-001",
            "--status",
            "notified",
            "--notified-at",
            "2026-02-01T10:00:00+01:00",
            "--reason",
            "IMY 2026-123",
            "--json",
        ],
    );
    assert_eq!(
        (closed["status"].as_str(), closed["notified_at"].as_str()),
        (Some("notified"), Some("2026-02-01T09:00:00Z"))
    );
    let assessed = ok(&db.path, &["breach", "assess", "BREACH-2026-001"]);
    assert!(assessed.contains("Art. 34(3)(a)") && assessed.contains("wrapped by the passphrase"), "{assessed}");

    // Telling the affected person: the notification, then the record, once.
    ok_json(
        &db.path,
        &["settings", "set", "--controller-name", "Bygg & Co AB", "--controller-contact", "x@bygg.example", "--json"],
    );
    let letter = ok(&db.path, &["breach", "notification", "BREACH-2026-002", "--contact", &anna, "--lang", "sv"]);
    assert!(letter.starts_with("Om en personuppgiftsincident\n") && letter.contains("fel mottagare"), "{letter}");
    let html = ok(&db.path, &["breach", "notification", "BREACH-2026-002", "--contact", &anna, "--format", "html"]);
    assert!(html.starts_with("<!doctype html>") && html.contains("About a personal data breach"));
    let told =
        ok_json(&db.path, &["breach", "told", "BREACH-2026-002", "--contact", &anna, "--channel", "email", "--json"]);
    assert_eq!(told["told_channel"], "email");
    assert_eq!(
        lagom(&db.path, &["breach", "told", "BREACH-2026-002", "--contact", &anna, "--channel", "post"]).status.code(),
        Some(2)
    );
    let affected = ok_json(&db.path, &["breach", "affected", "BREACH-2026-002", "--json"]);
    assert_eq!((affected["total"].as_u64(), affected["told"].as_u64()), (Some(1), Some(1)));
    // The laptop: notified, its person not told, then decided not to need it (Art. 34(3)(a)).
    assert!(ok(&db.path, &["home"]).contains("BREACH-2026-001"), "still a person to tell");
    let args =
        ["breach", "persons-not-required", "BREACH-2026-001", "--reason", "Encrypted, key not exposed.", "--json"];
    assert_eq!(ok_json(&db.path, &args)["persons_reason"], "Encrypted, key not exposed.");
    assert!(!ok(&db.path, &["home"]).contains("BREACH-2026-001"));
    let no_reason = lagom(&db.path, &["breach", "close", "BREACH-2026-002", "--status", "not_required"]);
    assert_eq!(no_reason.status.code(), Some(2), "{}", String::from_utf8_lossy(&no_reason.stderr));
    for bad in [
        &["breach", "add", "--discovered", "2026-02-01", "--kind", "other", "--everyone"][..],
        &["breach", "add", "--discovered", "2026-02-01T08:00:00Z", "--kind", "other"],
        &["breach", "add", "--discovered", "2026-02-01T08:00:00Z", "--kind", "stolen", "--everyone"],
        &["breach", "add", "--discovered", "2026-02-01T08:00:00Z", "--kind", "other", "--contacts", "nobody"],
    ] {
        assert_eq!(lagom(&db.path, bad).status.code(), Some(2), "{bad:?}");
    }
}

#[test]
fn a_backup_restored_from_the_command_line_erases_again_who_was_erased_since() {
    let (db, init_out) = init();
    let anna = add_anna(&db.path)["id"].as_str().unwrap().to_owned();
    let folder = db.path.parent().unwrap().join("backups");
    let backup = ok_json(&db.path, &["backup", "--to", folder.to_str().unwrap(), "--json"]);
    assert_eq!(backup["contacts"], 1);
    ok_json(&db.path, &["erase", &anna, "--yes", "--json"]);
    let path = backup["path"].as_str().unwrap();
    let unconfirmed = lagom(&db.path, &["restore", path]);
    assert_ne!(unconfirmed.status.code(), Some(0), "a restore needs --yes");
    let report = ok_json(&db.path, &["restore", path, "--yes", "--json"]);
    assert_eq!((report["reapplied"].as_u64(), report["contacts"].as_u64()), (Some(1), Some(0)));
    let shown = lagom(&db.path, &["contact", "show", &anna]);
    assert_eq!(shown.status.code(), Some(1), "Anna stays erased");

    // A new computer: no register, the backup and its ledger, the recovery key on stdin.
    let elsewhere = tempfile::tempdir().unwrap();
    let new_db = elsewhere.path().join("lagom.db");
    // A computer without a keychain (the passphrase case): the restore must not need one.
    let mut child = command(&new_db, &["restore", path, "--yes", "--json"])
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/lagom-no-keychain")
        .env_remove("DISPLAY")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), init_out["recovery_key"].as_str().unwrap().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["reapplied"], 1, "erased again from the ledger beside the backup");
    assert_eq!(lagom(&new_db, &["contact", "show", &anna]).status.code(), Some(1));
}

#[test]
fn forget_removes_the_register_its_key_and_the_chosen_backups_and_says_what() {
    let (db, _) = init();
    let folder = db.path.parent().unwrap().join("backups");
    let anna = add_anna(&db.path)["id"].as_str().unwrap().to_owned();
    ok_json(&db.path, &["backup", "--to", folder.to_str().unwrap(), "--json"]);
    ok_json(&db.path, &["erase", &anna, "--yes", "--json"]);
    assert_ne!(lagom(&db.path, &["forget"]).status.code(), Some(0), "forget needs --yes");
    let report = ok_json(&db.path, &["forget", "--yes", "--json"]);
    let kept: Vec<&str> = report["kept"].as_array().unwrap().iter().map(|k| k.as_str().unwrap()).collect();
    assert!(kept.iter().any(|k| k.contains("lagom-backup-")), "backups stay unless chosen: {kept:?}");
    assert!(!db.path.exists(), "the register is gone");
    let key_file = format!("{}.key", db.path.display());
    assert!(!Path::new(&key_file).exists(), "the key file is gone");
    let left: Vec<String> = std::fs::read_dir(db.path.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left, ["backups"], "nothing but the backups remains");
    // Opening now finds nothing. A new register's backups go when chosen, never another's.
    assert_eq!(lagom(&db.path, &["contact", "list"]).status.code(), Some(1));
    ok_json(&db.path, &["init", "--json"]);
    let mine = ok_json(&db.path, &["backup", "--to", folder.to_str().unwrap(), "--json"]);
    let report = ok_json(&db.path, &["forget", "--yes", "--backups", "--json"]);
    let removed = report["removed"].to_string();
    assert!(removed.contains(mine["path"].as_str().unwrap()), "{report}");
    let kept = report["kept"].to_string();
    assert!(kept.contains("lagom-erasures.csv"), "the ledger lists the first register's erasures too: {report}");
    let left: Vec<String> =
        std::fs::read_dir(&folder).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(left.len(), 2, "the first register's backup and the shared ledger stay: {left:?}");
}

#[test]
fn a_role_revealing_a_special_category_is_refused_naming_it_until_confirmed() {
    let (db, _) = init();
    let args = [
        "contact",
        "add",
        "--given-name",
        "Bo",
        "--family-name",
        "Berg",
        "--role",
        "Fackombud",
        "--purpose",
        "Customer relationship",
    ];
    let refused = lagom(&db.path, &args);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("trade union membership"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    let added = ok_json(&db.path, &[&args[..], &["--confirm-special-category", "--json"]].concat());
    assert_eq!(added["role"], "Fackombud");
    let id = added["id"].as_str().unwrap();
    // Another change to the same contact does not ask again.
    assert_eq!(ok_json(&db.path, &["contact", "update", id, "--owner", "Sara", "--json"])["owner"], "Sara");
}

#[test]
fn a_rekey_killed_at_any_moment_opens_with_the_old_key_or_the_new_one() {
    let (db, created) = init();
    let mut recovery = created["recovery_key"].as_str().unwrap().to_owned();
    let anna = add_anna(&db.path)["id"].as_str().unwrap().to_owned();
    let refused = lagom(&db.path, &["rekey"]);
    assert_eq!(refused.status.code(), Some(1), "rekey without --yes");
    for millis in [5, 40, 100, 200, 350, 600, 1000] {
        let finished = killed_after(&db.path, &["rekey", "--yes"], std::time::Duration::from_millis(millis));
        // Opens with the stored passphrase whatever happened, whole and with Anna.
        assert!(intact(&db.path), "integrity after a kill at {millis} ms");
        assert_eq!(open_in_test(&db.path).contacts().get(&anna).unwrap().given_name, "Anna");
        let with = |key: &str| opens_with(&db.path, key);
        // Which key opens it: the old one, or (the rotation got past its swap) only the new one.
        if with(&recovery).is_err() {
            let key = lagom_core::KeyStore::load(&lagom_core::PassphraseStore::for_database(&db.path, PASSPHRASE))
                .unwrap()
                .unwrap();
            recovery = key.to_hex().to_string();
            assert!(with(&recovery).is_ok(), "after a kill at {millis} ms ({finished})");
        }
        let leftovers: Vec<_> = std::fs::read_dir(db.path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name.contains("rekeying") || name.ends_with(".key.next"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?} after a kill at {millis} ms");
    }
    let out = ok_json(&db.path, &["rekey", "--yes", "--json"]);
    let new = out["recovery_key"].as_str().unwrap();
    assert_ne!(new, recovery);
    assert!(opens_with(&db.path, &recovery).is_err(), "the old recovery key no longer opens the register");
}

/// Whether `key` (a recovery key) opens the register; a moment's `in_use` is waited out.
fn opens_with(db: &Path, key: &str) -> Result<(), lagom_core::Error> {
    let keys = lagom_core::MemoryKeyStore::with_key(lagom_core::DbKey::from_recovery_key(key).unwrap());
    for _ in 0..100 {
        match lagom_core::Lagom::open(db, &keys) {
            Err(lagom_core::Error::InUse) => std::thread::sleep(std::time::Duration::from_millis(20)),
            other => return other.map(drop),
        }
    }
    panic!("the register stayed in use for 2 s")
}

#[test]
fn a_passphrase_change_rewraps_the_key_and_the_old_passphrase_stops_working() {
    let (db, _) = init();
    add_anna(&db.path);
    let changed = command(&db.path, &["passphrase", "change", "--json"])
        .env("LAGOM_NEW_PASSPHRASE", "a brand new passphrase")
        .output()
        .unwrap();
    assert!(changed.status.success(), "{}", String::from_utf8_lossy(&changed.stderr));
    let old = lagom(&db.path, &["contact", "list"]);
    assert_eq!(old.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&old.stderr).contains("wrong passphrase"));
    let new = command(&db.path, &["contact", "list", "--json"])
        .env("LAGOM_PASSPHRASE", "a brand new passphrase")
        .output()
        .unwrap();
    assert!(new.status.success(), "{}", String::from_utf8_lossy(&new.stderr));
    let weak = command(&db.path, &["passphrase", "change"])
        .env("LAGOM_PASSPHRASE", "a brand new passphrase")
        .env("LAGOM_NEW_PASSPHRASE", "short")
        .output()
        .unwrap();
    assert_eq!(weak.status.code(), Some(2), "{}", String::from_utf8_lossy(&weak.stderr));
}

#[test]
fn the_cli_asks_for_the_second_factor_and_counts_wrong_attempts() {
    let (db, _) = init();
    let codes = {
        let lagom = open_in_test(&db.path);
        let (pending, _) = lagom.begin_second_factor().unwrap();
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
        lagom.second_factor().enable(&pending, &pending.code_at(now).unwrap()).unwrap()
    };
    let without = lagom(&db.path, &["contact", "list"]);
    assert_eq!(without.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&without.stderr).contains("LAGOM_CODE"));
    let wrong = command(&db.path, &["contact", "list"]).env("LAGOM_CODE", "not-a-code").output().unwrap();
    assert_eq!(wrong.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("not right"), "{}", String::from_utf8_lossy(&wrong.stderr));
    let right = command(&db.path, &["contact", "list", "--json"]).env("LAGOM_CODE", &codes[0]).output().unwrap();
    assert!(right.status.success(), "{}", String::from_utf8_lossy(&right.stderr));
    // The failed attempt is in the audit trail now.
    let failures: u32 = open_in_test(&db.path)
        .connection()
        .query_row("SELECT count(*) FROM audit_entry WHERE field = 'security/unlock'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(failures, 1);
}
