//! Import from CSV and vCard files as the common programs write them, into a real encrypted
//! register: encodings, separators, mapping, validation, duplicates, consent, all or nothing.

// A failed unwrap is a failed test, with the reason printed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use lagom_core::import::{self, DuplicateChoice, ImportField, ImportFormat, ImportOptions};
use lagom_core::{ConsentSource, ErrorKind, FieldErrorCode, Lagom, LawfulBasis, MemoryKeyStore};

fn register() -> (tempfile::TempDir, Lagom) {
    let dir = tempfile::tempdir().unwrap();
    let lagom = Lagom::create(&dir.path().join("l.db"), &MemoryKeyStore::new()).unwrap().lagom;
    (dir, lagom)
}

fn options(purpose: &str) -> ImportOptions {
    ImportOptions {
        purpose: purpose.into(),
        basis: None,
        file_name: "/home/sara/Hämtade filer/kunder.csv".into(),
        mapping: None,
        skip_invalid: false,
        duplicates: DuplicateChoice::Skip,
        per_row: Vec::new(),
    }
}

fn names(lagom: &Lagom) -> Vec<String> {
    let mut names: Vec<String> = lagom
        .contacts()
        .list(0, 1000)
        .unwrap()
        .contacts
        .into_iter()
        .map(|c| format!("{} {}", c.given_name, c.family_name))
        .collect();
    names.sort();
    names
}

/// Excel on a Swedish Windows: semicolons, Windows-1252, Swedish headers, a quoted field with
/// a line break, columns Lagom has no place for.
fn excel_swedish() -> Vec<u8> {
    let text = "Förnamn;Efternamn;E-post;Mobil;Företag;Titel;Anteckningar;Födelsedag\r\n\
                Åsa;Öberg;asa@oberg.example;070-111 22 33;Öberg & Dotter AB;Inköpare;\"ringer på\r\nmåndagar\";1971-03-02\r\n\
                Erik;Ek;erik@ek.example;;;;;\r\n";
    encoding_rs::WINDOWS_1252.encode(text).0.into_owned()
}

#[test]
fn an_excel_file_in_windows_1252_with_semicolons_is_read_and_unknown_columns_are_dropped() {
    let (_dir, lagom) = register();
    let file = import::read(&excel_swedish()).unwrap();
    assert_eq!(
        (file.format, file.encoding.as_str(), file.delimiter.as_deref()),
        (ImportFormat::Csv, "windows-1252", Some(";"))
    );
    assert_eq!(
        file.mapping,
        [
            Some(ImportField::GivenName),
            Some(ImportField::FamilyName),
            Some(ImportField::Email),
            Some(ImportField::Phone),
            Some(ImportField::Organisation),
            Some(ImportField::Role),
            None,
            None
        ]
    );
    let dropped: Vec<(&str, u32)> = file.dropped.iter().map(|d| (d.name.as_str(), d.values)).collect();
    assert_eq!(dropped, [("Anteckningar", 1), ("Födelsedag", 1)]);
    assert_eq!(file.rows[1].line, 4, "the second row starts on line 4: the quoted field spans two");

    let report = lagom.imports().run(&file, &options("Customer relationship"), false, None, &mut |_, _| true).unwrap();
    assert_eq!((report.imported, report.invalid, report.committed), (2, 0, true));
    assert_eq!(names(&lagom), ["Erik Ek", "Åsa Öberg"]);
    let asa = lagom.contacts().search("öberg").unwrap()[0].id.clone();
    let asa = lagom.contacts().get(&asa).unwrap();
    assert_eq!(asa.phone.as_deref(), Some("+46701112233"), "a local number read as the default country's");
    assert_eq!(asa.source.as_deref(), Some(&*format!("import: kunder.csv, {}", lagom.clock().today())), "no folders");
    // Nothing of the dropped columns is anywhere in the register.
    let kept: i64 = lagom
        .connection()
        .query_row(
            "SELECT count(*) FROM audit_entry WHERE new_value LIKE '%måndagar%' OR new_value LIKE '%1971%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(kept, 0);
}

#[test]
fn utf16_tab_separated_and_utf8_with_bom_and_google_headers_are_read() {
    let (_dir, lagom) = register();
    let unicode_text = "Name\tE-mail Address\tBusiness Phone\nAnna Maria Berg\tanna@berg.example\t+46 8 123 456 78\n";
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(unicode_text.encode_utf16().flat_map(u16::to_le_bytes));
    let file = import::read(&utf16).unwrap();
    assert_eq!((file.encoding.as_str(), file.delimiter.as_deref()), ("UTF-16LE", Some("\t")));
    let mut google = vec![0xEF, 0xBB, 0xBF];
    google.extend_from_slice(
        "Given Name,Family Name,E-mail 1 - Value,Phone 1 - Value,Organization 1 - Name\nBo,Lund,bo@lund.example,,\"Lund, Berg & Co\"\n"
            .as_bytes(),
    );
    let google = import::read(&google).unwrap();
    assert_eq!(google.encoding, "UTF-8");
    let imports = lagom.imports();
    imports.run(&file, &options("Customer relationship"), false, None, &mut |_, _| true).unwrap();
    imports.run(&google, &options("Customer relationship"), false, None, &mut |_, _| true).unwrap();
    assert_eq!(names(&lagom), ["Anna Maria Berg", "Bo Lund"]);
    let bo = lagom.contacts().search("lund").unwrap()[0].clone();
    assert_eq!(bo.organisation.as_deref(), Some("Lund, Berg & Co"));
}

#[test]
fn vcards_from_phones_and_mail_programs_are_read_and_what_lagom_does_not_keep_is_dropped() {
    let (_dir, lagom) = register();
    let cards = "BEGIN:VCARD\r\nVERSION:3.0\r\nPRODID:-//Apple Inc.//iPhone OS 17//EN\r\nN:Lind;Karin;;;\r\nFN:Karin Lind\r\n\
        item1.EMAIL;type=INTERNET;type=pref:karin@lind.example\r\nTEL;type=CELL;type=VOICE;type=pref:070-222 33 44\r\n\
        ORG:Lind Bygg AB;\r\nTITLE:VD\r\nBDAY:1980-01-02\r\nADR;type=HOME:;;Storgatan 1;Umeå;;90330;Sverige\r\n\
        PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8UHRofHh0aHBwg\r\n \
        JC4nICIsIxwcKDcpLDAxNDQ0Hyc5PTgyPC4zNDL/2wBDAQkJCQwLDBgNDRgyIRwhMjIyMjIyMjIy\r\nEND:VCARD\r\n\
        BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Per Holm\r\nEMAIL:per@holm.example\r\nNOTE:träffades på mässan\r\nEND:VCARD\r\n\
        BEGIN:VCARD\r\nVERSION:2.1\r\nN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=C3=85berg;=C3=85ke\r\n\
        TEL;CELL:0703334455\r\nKEY;ENCODING=BASE64:MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\r\nEND:VCARD\r\n\
        BEGIN:VCARD\r\nVERSION:3.0\r\nEMAIL:only-an-email@example.com\r\nEND:VCARD\r\n";
    let file = import::read(cards.as_bytes()).unwrap();
    assert_eq!(file.format, ImportFormat::Vcard);
    assert_eq!(file.rows.len(), 4);
    let dropped: Vec<&str> = file.dropped.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(dropped, ["ADR", "BDAY", "KEY", "NOTE", "PHOTO"]);

    // The card with only an email has no name: invalid, so the file is refused as a whole…
    let refused =
        lagom.imports().run(&file, &options("Customer relationship"), false, None, &mut |_, _| true).unwrap_err();
    assert_eq!(refused.field_errors()[0].code, FieldErrorCode::InvalidImport);
    let fourth = cards.match_indices("BEGIN:VCARD").nth(3).unwrap().0;
    let line = cards[..fourth].matches('\n').count() + 1;
    assert!(refused.to_string().contains(&format!("line {line}")), "{refused}");
    assert!(names(&lagom).is_empty(), "all or nothing");
    // …unless the valid rows are wanted.
    let mut skip = options("Customer relationship");
    skip.skip_invalid = true;
    let report = lagom.imports().run(&file, &skip, false, None, &mut |_, _| true).unwrap();
    assert_eq!((report.imported, report.invalid), (3, 1));
    assert_eq!(names(&lagom), ["Karin Lind", "Per Holm", "Åke Åberg"]);
    let karin = lagom.contacts().get(&lagom.contacts().search("lind").unwrap()[0].id).unwrap();
    assert_eq!(
        (karin.email.as_deref(), karin.phone.as_deref(), karin.organisation.as_deref(), karin.role.as_deref()),
        (Some("karin@lind.example"), Some("+46702223344"), Some("Lind Bygg AB"), Some("VD"))
    );
    let stored: i64 = lagom
        .connection()
        .query_row(
            "SELECT count(*) FROM audit_entry WHERE new_value LIKE '%Storgatan%' OR new_value LIKE '%mässan%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(stored, 0);
}

#[test]
fn a_column_of_personal_identity_numbers_refuses_the_file_by_name() {
    let named = "Namn;Personnummer\nAnna Berg;\n";
    let error = import::read(named.as_bytes()).unwrap_err();
    assert!(error.to_string().contains("'Personnummer'"), "{error}");
    let unnamed = "Namn,ID,E-post\nAnna Berg,811228-9874,a@b.example\nBo Ek,19811228-9874,b@e.example\n";
    let error = import::read(unnamed.as_bytes()).unwrap_err();
    assert!(error.to_string().contains("'ID'"), "{error}");
    assert_eq!(error.kind(), ErrorKind::Invalid);
}

#[test]
fn duplicates_against_the_register_and_within_the_file_are_skipped_updated_or_kept() {
    let (_dir, lagom) = register();
    let first = "Name,Email,Phone\nAnna Berg,anna@berg.example,\n";
    lagom
        .imports()
        .run(&import::read(first.as_bytes()).unwrap(), &options("Customer relationship"), false, None, &mut |_, _| true)
        .unwrap();
    let again = "Name,Email,Phone,Company\nAnna Berg,ANNA@berg.example,,Berg AB\nBo Ek,bo@ek.example,0701234567,\nBosse Ek,,070-123 45 67,\n";
    let file = import::read(again.as_bytes()).unwrap();
    let preview = lagom.imports().preview(&file, &options("Customer relationship")).unwrap();
    assert!(preview.rows[0].duplicate_of.is_some(), "the same email in another case");
    assert_eq!(preview.rows[2].duplicate_of_line, Some(3), "the same phone as line 3, written otherwise");

    let skipped = lagom.imports().run(&file, &options("Customer relationship"), false, None, &mut |_, _| true).unwrap();
    assert_eq!((skipped.imported, skipped.skipped, skipped.updated), (1, 2, 0));
    let mut update = options("Customer relationship");
    update.duplicates = DuplicateChoice::Update;
    let updated = lagom.imports().run(&file, &update, false, None, &mut |_, _| true).unwrap();
    assert_eq!(updated.updated, 3, "Anna, Bo, and Bo again as Bosse (the same phone)");
    let anna = lagom.contacts().get(&lagom.contacts().search("anna").unwrap()[0].id).unwrap();
    assert_eq!(anna.organisation.as_deref(), Some("Berg AB"));
    assert_eq!(names(&lagom), ["Anna Berg", "Bosse Ek"], "the row's values replace the register's");
}

#[test]
fn a_consent_purpose_gets_one_ledger_event_per_person_from_the_import() {
    let (_dir, lagom) = register();
    let csv = "Förnamn,Efternamn,E-post\nLo,Ek,lo@ek.example\nMi,Ek,mi@ek.example\n";
    let report = lagom
        .imports()
        .run(&import::read(csv.as_bytes()).unwrap(), &options("Newsletter"), false, None, &mut |_, _| true)
        .unwrap();
    assert_eq!(report.imported, 2);
    for id in lagom.contacts().list(0, 10).unwrap().contacts.iter().map(|c| c.id.clone()) {
        let events = lagom.consent().history(&id).unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].source, ConsentSource::Import);
        assert_eq!(events[0].wording, None, "no wording is invented: where it came from is on the contact");
        assert!(lagom.contacts().get(&id).unwrap().source.unwrap_or_default().contains("kunder.csv"));
    }
    // The basis, when given, must be the purpose's.
    let mut wrong = options("Newsletter");
    wrong.basis = Some(LawfulBasis::Contract);
    let error =
        lagom.imports().run(&import::read(csv.as_bytes()).unwrap(), &wrong, true, None, &mut |_, _| true).unwrap_err();
    assert_eq!(error.field_errors()[0].code, FieldErrorCode::BasisMismatch);
}

#[test]
fn a_cancelled_or_dry_run_import_leaves_the_register_as_it_was() {
    let (_dir, lagom) = register();
    let mut csv = String::from("Name,Email\n");
    for i in 0..50 {
        csv.push_str(&format!("Person Nummer{i},p{i}@example.com\n"));
    }
    let file = import::read(csv.as_bytes()).unwrap();
    let audit_before = lagom.verify_audit().unwrap().entries;
    let cancelled =
        lagom.imports().run(&file, &options("Customer relationship"), false, None, &mut |done, _| done < 30);
    assert_eq!(cancelled.unwrap_err().kind(), ErrorKind::Cancelled);
    let dry = lagom.imports().run(&file, &options("Customer relationship"), true, None, &mut |_, _| true).unwrap();
    assert_eq!((dry.imported, dry.committed), (50, false));
    assert!(names(&lagom).is_empty());
    assert_eq!(lagom.verify_audit().unwrap().entries, audit_before, "not one audit entry either");
    let done = lagom.imports().run(&file, &options("Customer relationship"), false, None, &mut |_, _| true).unwrap();
    assert_eq!(done.imported, 50);
    assert!(lagom.verify_audit().unwrap().is_intact());
}

#[test]
fn rows_left_out_are_written_to_a_private_report_with_their_line_and_problem() {
    let (dir, lagom) = register();
    let csv = "Name,Email\nAnna Berg,anna@berg.example\nBo Ek,not-an-email\n";
    let file = import::read(csv.as_bytes()).unwrap();
    let mut skip = options("Customer relationship");
    skip.skip_invalid = true;
    let report = lagom.imports().run(&file, &skip, false, None, &mut |_, _| true).unwrap();
    let out = dir.path().join("kunder.rejected.csv");
    assert_eq!(import::write_rejected(&report, &file, &out).unwrap(), 1);
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.contains("3,email:") && text.contains("Bo Ek,not-an-email"), "{text}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&out).unwrap().permissions().mode() & 0o777, 0o600);
    }
}

fn run(lagom: &Lagom, file: &import::ImportFile, options: &ImportOptions) -> lagom_core::Result<import::ImportReport> {
    lagom.imports().run(file, options, false, None, &mut |_, _| true)
}

#[test]
fn an_import_never_gives_back_a_consent_the_person_withdrew() {
    let (_dir, lagom) = register();
    let csv = "Name,Email\nAnna Berg,anna@berg.example\n";
    let file = import::read(csv.as_bytes()).unwrap();
    run(&lagom, &file, &options("Newsletter")).unwrap();
    let anna = lagom.contacts().list(0, 1).unwrap().contacts[0].id.clone();
    let newsletter = lagom_core::ConsentInput {
        purpose: "Newsletter".into(),
        channel: None,
        source: ConsentSource::Email,
        wording: None,
    };
    lagom.consent().withdraw(&anna, &newsletter).unwrap();
    // The same old list again, updating or keeping both: no new consent for her either way.
    for choice in [DuplicateChoice::Update, DuplicateChoice::KeepBoth] {
        let mut again = options("Newsletter");
        again.duplicates = choice;
        run(&lagom, &file, &again).unwrap();
    }
    for contact in lagom.contacts().list(0, 10).unwrap().contacts {
        let given = lagom.consent().state(&contact.id).unwrap().iter().any(|s| s.given);
        assert!(!given, "{} has consent again", contact.id);
    }
}

#[test]
fn a_failed_report_file_stores_nothing_and_lines_are_right_with_mac_line_endings() {
    let (dir, lagom) = register();
    // Excel for Mac's "CSV (Macintosh)": lines end with a lone CR.
    let csv = "Name,Email\rAnna Berg,anna@berg.example\rBo Ek,not-an-email\rCia Lund,cia@lund.example\r";
    let file = import::read(csv.as_bytes()).unwrap();
    assert_eq!(file.rows.iter().map(|r| r.line).collect::<Vec<_>>(), [2, 3, 4]);
    let mut skip = options("Customer relationship");
    skip.skip_invalid = true;
    let unwritable = dir.path().join("no-such-folder").join("rejected.csv");
    let error = lagom.imports().run(&file, &skip, false, Some(&unwritable), &mut |_, _| true).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Io);
    assert!(names(&lagom).is_empty(), "no report, no import");
    let out = dir.path().join("rejected.csv");
    let report = lagom.imports().run(&file, &skip, false, Some(&out), &mut |_, _| true).unwrap();
    assert_eq!((report.imported, report.invalid), (2, 1));
    assert!(std::fs::read_to_string(&out).unwrap().contains("3,email:"));
}

#[test]
fn a_headerless_file_keeps_its_first_person_and_identity_numbers_in_a_field_refuse_the_row() {
    let (_dir, lagom) = register();
    let file = import::read("Anna Berg,anna@berg.example\nBo Ek,bo@ek.example\n".as_bytes()).unwrap();
    assert_eq!(file.headers, ["column 1", "column 2"]);
    assert_eq!(file.rows.len(), 2, "the first line is a person, not a header");
    let mut mapped = options("Customer relationship");
    mapped.mapping = Some(vec![Some(ImportField::FullName), Some(ImportField::Email)]);
    assert_eq!(run(&lagom, &file, &mapped).unwrap().imported, 2);

    let hidden = "Name,Title\nCia Lund,811228 9874\nDan Ek,Säljare\n";
    let file = import::read(hidden.as_bytes()).unwrap();
    let preview = lagom.imports().preview(&file, &options("Customer relationship")).unwrap();
    assert_eq!(preview.rows[0].errors[0].field, "role");
    assert!(preview.rows[1].errors.is_empty());
}

#[test]
fn within_the_file_only_a_row_that_goes_in_counts_as_the_original() {
    let (_dir, lagom) = register();
    // Line 3 repeats line 2's phone; line 4 shares only line 3's email: line 4 is new.
    let csv = "Name,Email,Phone\nAnna Berg,a@x.example,0701111111\nAnna B,b@x.example,0701111111\nBo Ek,b@x.example,0702222222\n";
    let file = import::read(csv.as_bytes()).unwrap();
    let report = run(&lagom, &file, &options("Customer relationship")).unwrap();
    assert_eq!((report.imported, report.skipped), (2, 1));
    assert_eq!(names(&lagom), ["Anna Berg", "Bo Ek"]);
}

#[test]
fn a_file_named_after_a_person_is_not_recorded_as_every_contacts_source() {
    let (_dir, lagom) = register();
    let file = import::read("Name,Email\nAnna Berg,anna@berg.example\nBo Ek,bo@ek.example\n".as_bytes()).unwrap();
    let mut named = options("Customer relationship");
    named.file_name = "Anna Berg and 1 other.csv".into();
    run(&lagom, &file, &named).unwrap();
    for contact in lagom.contacts().list(0, 10).unwrap().contacts {
        let source = lagom.contacts().get(&contact.id).unwrap().source.unwrap_or_default();
        assert!(!source.contains("Anna"), "{source}");
    }
}

#[test]
fn the_register_extract_of_an_imported_contact_says_where_the_data_came_from() {
    let (dir, lagom) = register();
    let file = import::read("Name,Email\nAnna Berg,anna@berg.example\n".as_bytes()).unwrap();
    run(&lagom, &file, &options("Customer relationship")).unwrap();
    let anna = lagom.contacts().list(0, 1).unwrap().contacts[0].id.clone();
    let out = dir.path().join("anna.zip");
    lagom.export_person(&anna, &out, lagom_core::ReportLanguage::En).unwrap();
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&out).unwrap()).unwrap();
    let mut report = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("report.html").unwrap(), &mut report).unwrap();
    let expected = format!("came to us in a list we imported (import: kunder.csv, {})", lagom.clock().today());
    assert!(report.contains(&expected), "Art. 15(1)(g): {report}");
}

#[test]
fn an_email_differing_only_in_non_ascii_letter_case_is_a_duplicate() {
    let (_dir, lagom) = register();
    let first = import::read("Name,Email\nÅsa Öst,ÅSA.ÖST@example.se\n".as_bytes()).unwrap();
    run(&lagom, &first, &options("Customer relationship")).unwrap();
    let existing = lagom.contacts().list(0, 1).unwrap().contacts[0].id.clone();
    // The same person in another list, her address typed in lower case.
    let again = import::read("Name,Email\nÅsa Öst,åsa.öst@Example.SE\nBo Ek,bo@example.se\n".as_bytes()).unwrap();
    let preview = lagom.imports().preview(&again, &options("Customer relationship")).unwrap();
    assert_eq!(preview.rows[0].duplicate_of.as_deref(), Some(existing.as_str()));
    assert_eq!(preview.rows[1].duplicate_of, None);
    let report = run(&lagom, &again, &options("Customer relationship")).unwrap();
    assert_eq!((report.imported, report.skipped), (1, 1));
}
