//! Contacts at scale: fills an encrypted database with 100 000 contacts, then times what a
//! salesperson does all day: search as they type, open the list, open one contact, save one.
//! Prints medians and 95th percentiles; `docs/performance.md` quotes them.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::time::{Duration, Instant};

use lagom_core::{
    Channel, ConsentInput, ConsentSource, ContactInput, InteractionInput, InteractionKind, KeyStore, Lagom,
    MemoryKeyStore, PassphraseStore, ReportLanguage,
};

const CONTACTS: usize = 100_000;
/// The CSV import the issue sets a target for: 100 000 rows in under 3 s.
const IMPORT_ROWS: usize = 100_000;
const GIVEN: &[&str] =
    &["Anna", "Erik", "Maja", "Lars", "Åsa", "Björn", "Karin", "Johan", "Elin", "Per", "Sofia", "Oskar"];
const FAMILY: &[&str] = &[
    "Andersson",
    "Johansson",
    "Karlsson",
    "Nilsson",
    "Eriksson",
    "Larsson",
    "Olsson",
    "Persson",
    "Svensson",
    "Gustafsson",
    "Östlund",
    "Åberg",
    "Lindqvist",
    "Berg",
    "Holm",
    "Sjöberg",
    "Ek",
    "Wikström",
];
const ORGS: &[&str] = &["Ålands Bygg", "Norrlands Trä", "Skåne Data", "Göta Konsult", "Väst Media", "Nord El"];

fn input(i: usize) -> ContactInput {
    let given = GIVEN[i % GIVEN.len()];
    let family = FAMILY[(i / GIVEN.len()) % FAMILY.len()];
    ContactInput {
        given_name: given.into(),
        family_name: family.into(),
        email: Some(format!("{}.{}{}@example.se", given.to_lowercase(), family.to_lowercase(), i)),
        phone: Some(format!("+4670{:07}", i)),
        organisation: Some(format!("{} {}", ORGS[i % ORGS.len()], i % 500)),
        // One in five also gets the newsletter (a consent purpose).
        purposes: if i.is_multiple_of(5) {
            vec!["Customer relationship".into(), "Newsletter".into()]
        } else {
            vec!["Customer relationship".into()]
        },
        ..ContactInput::default()
    }
}

fn time<T>(runs: usize, mut f: impl FnMut(usize) -> T) -> (Duration, Duration) {
    let mut samples: Vec<Duration> = (0..runs)
        .map(|i| {
            let start = Instant::now();
            std::hint::black_box(f(i));
            start.elapsed()
        })
        .collect();
    samples.sort();
    (samples[runs / 2], samples[runs * 95 / 100])
}

fn report(what: &str, (median, p95): (Duration, Duration)) {
    println!("{what:<52} median {:>9.3} ms   p95 {:>9.3} ms", ms(median), ms(p95));
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    // LAGOM_BENCH_KEEP=DIR keeps the filled register there (under a passphrase) and reuses it;
    // LAGOM_BENCH_ONLY=retention then times only the retention sweep and the home view.
    let keep = std::env::var_os("LAGOM_BENCH_KEEP").map(std::path::PathBuf::from);
    let temp = tempfile::tempdir().unwrap();
    if std::env::var("LAGOM_BENCH_ONLY").as_deref() == Ok("import") {
        import_rows(temp.path(), IMPORT_ROWS);
        return;
    }
    let dir = keep.clone().unwrap_or_else(|| temp.path().to_owned());
    let path = dir.join("bench.db");
    let keys: Box<dyn KeyStore> = match &keep {
        Some(_) => Box::new(PassphraseStore::for_database(&path, "lagom benchmark passphrase")),
        None => Box::new(MemoryKeyStore::new()),
    };
    if !path.exists() {
        fill(&path, keys.as_ref());
    }
    let start = Instant::now();
    let lagom = Lagom::open(&path, keys.as_ref()).unwrap();
    println!("open (key, verify, migrations check): {:.1} ms", ms(start.elapsed()));
    if std::env::var("LAGOM_BENCH_ONLY").as_deref() == Ok("search") {
        search(&lagom);
        return;
    }
    if std::env::var("LAGOM_BENCH_ONLY").as_deref() == Ok("retention") {
        retention(&lagom);
        return;
    }
    everything(&lagom, &dir);
}

fn fill(path: &std::path::Path, keys: &dyn KeyStore) {
    let lagom = Lagom::create(path, keys).unwrap().lagom;
    let start = Instant::now();
    for i in 0..CONTACTS {
        let id = lagom.contacts().create(&input(i)).unwrap().id;
        // One in ten has an interaction; one in fifty newsletter readers withdrew consent.
        if i.is_multiple_of(10) {
            let date = format!("2026-{:02}-{:02}", 1 + i % 11, 1 + i % 28);
            let call = InteractionInput {
                kind: InteractionKind::Call,
                date,
                channel: Channel::Phone,
                outcome: None,
                purpose: None,
            };
            lagom.interactions().add(&id, &call).unwrap();
        }
        if i.is_multiple_of(250) {
            let newsletter = ConsentInput {
                purpose: "Newsletter".into(),
                channel: None,
                source: ConsentSource::Email,
                wording: None,
            };
            lagom.consent().give(&id, &newsletter).unwrap();
            lagom.consent().withdraw(&id, &newsletter).unwrap();
        }
    }
    let fill = start.elapsed();
    println!(
        "filled {CONTACTS} contacts in {:.1} s ({:.0} µs each, each validated, audited, indexed and committed on its own)",
        fill.as_secs_f64(),
        fill.as_secs_f64() * 1e6 / CONTACTS as f64
    );
    drop(lagom);
    println!("database file: {:.1} MiB", std::fs::metadata(path).unwrap().len() as f64 / 1048576.0);
}

fn everything(lagom: &Lagom, dir: &std::path::Path) {
    search(lagom);
    report("list first 200 in name order (+ total)", time(50, |_| lagom.contacts().list(0, 200).unwrap()));
    report("list 200 from offset 50 000 (the CLI's paging)", time(20, |_| lagom.contacts().list(50_000, 200).unwrap()));
    let middle = lagom.contacts().list(50_000, 1).unwrap().contacts[0].id.clone();
    report(
        "list 200 after the 50 000th by key (the app's paging)",
        time(50, |_| lagom.contacts().list_after(Some(&middle), 200).unwrap()),
    );
    let ids: Vec<String> = lagom.contacts().list(0, 1000).unwrap().contacts.into_iter().map(|c| c.id).collect();
    report(
        "get one contact (fields, tags, purposes)",
        time(200, |i| lagom.contacts().get(&ids[i % ids.len()]).unwrap()),
    );
    report(
        "update one contact (validate, write, reindex)",
        time(100, |i| lagom.contacts().update(&ids[i % ids.len()], &input(i)).unwrap()),
    );
    report("search \"ostlund\" again after the updates", time(50, |_| lagom.contacts().search("ostlund").unwrap()));

    retention(lagom);

    // Data-subject rights on one person among 100 000.
    let out = dir.join("export.zip");
    report(
        "export one person (ZIP: json, vcf, csv, html, manifest)",
        time(20, |i| lagom.export_person(&ids[i], &out, ReportLanguage::En).unwrap()),
    );
    println!("export size: {} bytes", std::fs::metadata(&out).unwrap().len());
    report(
        "erase one person (delete, redact, tombstone, WAL truncate)",
        time(20, |i| lagom.rights().erase(&ids[100 + i], None).unwrap()),
    );
    let audit = std::time::Instant::now();
    let verified = lagom.verify_audit().unwrap();
    println!(
        "verify the audit chain ({} entries, {} redacted): {:.0} ms, intact: {}",
        verified.entries,
        verified.redacted,
        ms(audit.elapsed()),
        verified.is_intact()
    );
    // Its own scratch folder: a kept benchmark folder must not collect these files.
    let scratch = tempfile::tempdir().unwrap();
    import_rows(scratch.path(), IMPORT_ROWS);
    memory_security(scratch.path());
}

/// A CSV of `rows` contacts imported into a new register in one transaction (`lagom import`).
fn import_rows(dir: &std::path::Path, rows: usize) {
    let lagom = Lagom::create(&dir.join("import.db"), &MemoryKeyStore::new()).unwrap().lagom;
    let mut csv = String::from("Förnamn;Efternamn;E-post;Mobil;Företag\n");
    for i in 0..rows {
        let c = input(i);
        csv.push_str(&format!(
            "{};{};{};{};{}\n",
            c.given_name,
            c.family_name,
            c.email.unwrap_or_default(),
            c.phone.unwrap_or_default(),
            c.organisation.unwrap_or_default()
        ));
    }
    let start = Instant::now();
    let file = lagom_core::import::read(csv.as_bytes()).unwrap();
    let read = start.elapsed();
    let options = lagom_core::ImportOptions {
        purpose: "Customer relationship".into(),
        basis: None,
        file_name: "bench.csv".into(),
        mapping: None,
        skip_invalid: false,
        duplicates: lagom_core::DuplicateChoice::Skip,
        per_row: Vec::new(),
    };
    let report = lagom.imports().run(&file, &options, false, None, &mut |_, _| true).unwrap();
    let total = start.elapsed();
    println!(
        "import {rows} CSV rows in one transaction: {:.2} s ({:.0} µs a row; reading the file {:.0} ms), {} imported",
        total.as_secs_f64(),
        total.as_secs_f64() * 1e6 / rows as f64,
        ms(read),
        report.imported
    );
}

/// Search as a salesperson types: a prefix, a name, a broad prefix, diacritics, two words.
fn search(lagom: &Lagom) {
    let queries = ["ostlund", "anna", "an", "ål", "erik johansson", "skåne data 4", "anna.ostlund12", "zzz"];
    for q in queries {
        let hits = lagom.contacts().search(q).unwrap().len();
        report(&format!("search {q:?} ({hits} shown)"), time(50, |_| lagom.contacts().search(q).unwrap()));
    }
}

fn retention(lagom: &Lagom) {
    // Retention: the sweep (every contact's expiry over its purposes) and the home view.
    let due_today = lagom.retention().preview(None).unwrap().len();
    report(
        &format!("retention sweep (the app's daily one; {due_today} due today)"),
        time(20, |_| lagom.retention().sweep().unwrap()),
    );
    report(
        &format!("retention preview today ({due_today} due)"),
        time(20, |_| lagom.retention().preview(None).unwrap()),
    );
    let home = lagom.home(None).unwrap();
    report(
        &format!(
            "home view ({} due now, {} soon, {} withdrawn-only)",
            home.due_now.len(),
            home.due_soon.len(),
            home.consent_withdrawn_only.len()
        ),
        time(20, |_| lagom.home(None).unwrap()),
    );
    let conn = lagom.connection();
    report(
        "home: exports this month (partial index)",
        time(20, |_| {
            conn.query_row(
                "SELECT count(*) FROM audit_entry WHERE action = 'export' AND at >= '2026-11-01' AND at < '2026-12-01'",
                [],
                |r| r.get::<_, i64>(0),
            )
            .unwrap()
        }),
    );
    report("home: the request inbox", time(20, |_| lagom.requests().list().unwrap()));
    let by_2030 = chrono::NaiveDate::from_ymd_opt(2030, 1, 1);
    report(
        "retention preview by 2030-01-01 (everyone due, named)",
        time(5, |_| lagom.retention().preview(by_2030).unwrap()),
    );
}

/// What `PRAGMA cipher_memory_security = ON` (SQLCipher wipes every allocation it frees and
/// locks its pages in memory) costs the everyday operations, on a fresh 5 000-contact register:
/// measured first OFF, then ON, because SQLCipher applies the setting to the whole process.
fn memory_security(dir: &std::path::Path) {
    const SMALL: usize = 5_000;
    println!("\ncipher_memory_security, {SMALL} contacts (OFF first, then ON for the whole process):");
    for setting in ["OFF", "ON"] {
        let path = dir.join(format!("memsec-{setting}.db"));
        let lagom = Lagom::create(&path, &MemoryKeyStore::new()).unwrap().lagom;
        lagom.connection().execute_batch(&format!("PRAGMA cipher_memory_security = {setting};")).unwrap();
        let start = Instant::now();
        for i in 0..SMALL {
            lagom.contacts().create(&input(i)).unwrap();
        }
        let create = start.elapsed().as_secs_f64() * 1e6 / SMALL as f64;
        let ids: Vec<String> = lagom.contacts().list(0, 500).unwrap().contacts.into_iter().map(|c| c.id).collect();
        let (search, _) = time(50, |_| lagom.contacts().search("anna").unwrap());
        let (get, _) = time(200, |i| lagom.contacts().get(&ids[i % ids.len()]).unwrap());
        let (update, _) = time(100, |i| lagom.contacts().update(&ids[i % ids.len()], &input(i)).unwrap());
        println!(
            "  memory security {setting:<3}: create {create:>7.0} µs   search \"anna\" {:>7.3} ms   get {:>6.3} ms   update {:>6.3} ms",
            ms(search),
            ms(get),
            ms(update)
        );
    }
}
