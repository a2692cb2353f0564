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

fn lagom(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lagom"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env("LAGOM_PASSPHRASE", PASSPHRASE)
        .env_remove("LAGOM_DB")
        .stdin(Stdio::null())
        .output()
        .expect("run lagom")
}

fn ok_json(db: &Path, args: &[&str]) -> Value {
    let out = lagom(db, args);
    assert!(
        out.status.success(),
        "lagom {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("lagom {args:?}: not JSON ({e})"))
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
    assert!(
        !key_file.contains(key),
        "the key file holds only the wrapped key"
    );

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
        &[
            "contact",
            "add",
            "--given-name",
            "Bo",
            "--family-name",
            "Ek",
            "--purpose",
            "Newsletter",
            "--json",
        ],
    );

    let list = ok_json(&db.path, &["contact", "list", "--json"]);
    let names: Vec<_> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["family_name"].as_str().unwrap())
        .collect();
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
    let updated = ok_json(
        &db.path,
        &[
            "contact", "update", id, "--role", "CEO", "--email", "", "--json",
        ],
    );
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
        &[
            "contact",
            "add",
            "--given-name",
            "Bo",
            "--family-name",
            "Ek",
            "--email",
            "bo@",
            "--purpose",
            "Newsletter",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("email"), "{stderr}");
    assert!(out.stdout.is_empty());

    let out = lagom(
        &db.path,
        &[
            "contact",
            "add",
            "--given-name",
            "Bo",
            "--family-name",
            "Ek",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("purposes"));

    let out = lagom(
        &db.path,
        &[
            "contact",
            "add",
            "--given-name",
            "Bo",
            "--family-name",
            "Ek",
            "--channel",
            "fax",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--channel"));

    let list = ok_json(&db.path, &["contact", "list", "--json"]);
    assert_eq!(
        list.as_array().unwrap().len(),
        0,
        "nothing half-valid was stored"
    );
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
    child
        .stdin
        .take()
        .unwrap()
        .write_all(init["recovery_key"].as_str().unwrap().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

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
    let names: Vec<_> = purposes
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Customer relationship", "Events", "Newsletter"]);
}
