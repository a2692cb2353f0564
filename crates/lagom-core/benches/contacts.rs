//! Contacts at scale: fills an encrypted database with 100 000 contacts, and a plain SQLite file
//! with the same schema and the same contacts, then times on both what a salesperson does all
//! day: search as they type, page through the list, open one contact, save one, import, export,
//! erase, retention. Prints medians and 95th percentiles side by side with the ratio;
//! `docs/performance.md` quotes them. `make bench` (release mode).

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

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The same 100 000 contacts in an encrypted register (Lagom's) and in a plain SQLite file with
/// the same schema and settings: every figure is measured on both, printed side by side.
struct Pair {
    encrypted: Lagom,
    plain: Lagom,
}

/// Times `f` on the encrypted register, then on the plain one, and prints both and the ratio
/// of the medians.
fn both<T>(what: &str, runs: usize, pair: &Pair, mut f: impl FnMut(&Lagom, usize) -> T) {
    let (em, ep) = time(runs, |i| f(&pair.encrypted, i));
    let (pm, pp) = time(runs, |i| f(&pair.plain, i));
    print_row(what, (em, ep), (pm, pp));
}

fn print_row(what: &str, (em, ep): (Duration, Duration), (pm, pp): (Duration, Duration)) {
    println!(
        "{what:<56} encrypted {:>9.3} / {:>9.3} ms   plain {:>9.3} / {:>9.3} ms   ×{:.2}",
        ms(em),
        ms(ep),
        ms(pm),
        ms(pp),
        em.as_secs_f64() / pm.as_secs_f64().max(1e-9)
    );
}

fn main() {
    // LAGOM_BENCH_KEEP=DIR keeps the filled registers there (the encrypted one under a
    // passphrase) and reuses them; LAGOM_BENCH_ONLY=search|retention|import|backup times one section.
    let keep = std::env::var_os("LAGOM_BENCH_KEEP").map(std::path::PathBuf::from);
    let temp = tempfile::tempdir().unwrap();
    let only = std::env::var("LAGOM_BENCH_ONLY").ok();
    println!("median / p95 of each; ×: encrypted median ÷ plain median");
    if only.as_deref() == Some("import") {
        import_rows(temp.path(), IMPORT_ROWS);
        return;
    }
    let dir = keep.clone().unwrap_or_else(|| temp.path().to_owned());
    let path = dir.join("bench.db");
    let plain_path = dir.join("bench-plain.db");
    let keys: Box<dyn KeyStore> = match &keep {
        Some(_) => Box::new(PassphraseStore::for_database(&path, "lagom benchmark passphrase")),
        None => Box::new(MemoryKeyStore::new()),
    };
    if !path.exists() {
        fill(&Lagom::create(&path, keys.as_ref()).unwrap().lagom, "encrypted");
    }
    if only.as_deref() == Some("backup") {
        // Backups, restores and key rotation exist only for the encrypted register.
        backup_restore(&path, keys.as_ref());
        return;
    }
    if !plain_path.exists() {
        fill(&Lagom::unencrypted_for_benchmark(&plain_path).unwrap(), "plain");
    }
    for (name, file) in [("encrypted", &path), ("plain", &plain_path)] {
        println!("database file, {name}: {:.1} MiB", std::fs::metadata(file).unwrap().len() as f64 / 1048576.0);
    }
    let start = Instant::now();
    let encrypted = Lagom::open(&path, keys.as_ref()).unwrap();
    println!("open the encrypted register (key, verify, migrations check): {:.1} ms", ms(start.elapsed()));
    let pair = Pair { encrypted, plain: Lagom::unencrypted_for_benchmark(&plain_path).unwrap() };
    match only.as_deref() {
        Some("search") => search(&pair),
        Some("retention") => retention(&pair),
        _ => {
            everything(&pair, &dir);
            drop(pair);
            backup_restore(&path, keys.as_ref());
        }
    }
}

/// A backup of the 100 000-contact register, and a restore of it that erases again the ten
/// persons erased after it was taken; on a copy in a scratch folder, so a kept register stays
/// as it is.
fn backup_restore(path: &std::path::Path, keys: &dyn KeyStore) {
    let scratch = tempfile::tempdir().unwrap();
    let copy = scratch.path().join("lagom.db");
    std::fs::copy(path, &copy).unwrap();
    let memory = MemoryKeyStore::new();
    memory.save(&keys.load().unwrap().unwrap()).unwrap();
    let lagom = Lagom::open(&copy, &memory).unwrap();
    let mut receipt = None;
    let (median, p95) = time(3, |i| receipt = Some(lagom.backup(Some(&scratch.path().join(format!("b{i}")))).unwrap()));
    let receipt = receipt.unwrap();
    println!(
        "backup ({} contacts, {:.1} MiB)                          encrypted {:>10.3} / {:>10.3} ms",
        receipt.contacts,
        f64::from(receipt.bytes) / 1048576.0,
        ms(median),
        ms(p95)
    );
    for id in first_ids(&lagom, 10) {
        lagom.rights().erase(&id, None).unwrap();
    }
    let start = Instant::now();
    let (restored, report) = lagom.restore(std::path::Path::new(&receipt.path)).unwrap();
    println!(
        "restore with {} erasures applied again (copy, check, migrate, replay, swap, reopen): {:.1} ms",
        report.reapplied,
        ms(start.elapsed())
    );
    assert_eq!(report.reapplied, 10);
    // A key rotation: the whole register copied under a new key, checked, swapped in.
    let start = Instant::now();
    let (rotated, _) = restored.rekey(&memory).unwrap();
    println!("key rotation (export under the new key, check, swap, reopen): {:.1} ms", ms(start.elapsed()));
    drop(rotated);
}

fn fill(lagom: &Lagom, name: &str) {
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
        "filled {CONTACTS} contacts ({name}) in {:.1} s ({:.0} µs each, each validated, audited, indexed and committed on its own)",
        fill.as_secs_f64(),
        fill.as_secs_f64() * 1e6 / CONTACTS as f64
    );
}

/// The ids of the first `n` contacts in name order (the same people in both registers).
fn first_ids(lagom: &Lagom, n: u32) -> Vec<String> {
    lagom.contacts().list(0, n).unwrap().contacts.into_iter().map(|c| c.id).collect()
}

fn everything(pair: &Pair, dir: &std::path::Path) {
    search(pair);
    both("list first 200 in name order (+ total)", 50, pair, |l, _| l.contacts().list(0, 200).unwrap());
    both("list 200 from offset 50 000 (the CLI's paging)", 20, pair, |l, _| l.contacts().list(50_000, 200).unwrap());
    let middle = |l: &Lagom| l.contacts().list(50_000, 1).unwrap().contacts[0].id.clone();
    let (enc_middle, plain_middle) = (middle(&pair.encrypted), middle(&pair.plain));
    both("list 200 after the 50 000th by key (the app's paging)", 50, pair, |l, _| {
        let after = if std::ptr::eq(l, &pair.encrypted) { &enc_middle } else { &plain_middle };
        l.contacts().list_after(Some(after), 200).unwrap()
    });
    let last = |l: &Lagom| l.contacts().list(99_799, 1).unwrap().contacts[0].id.clone();
    let (enc_last, plain_last) = (last(&pair.encrypted), last(&pair.plain));
    both("list the last 200 by key", 50, pair, |l, _| {
        let after = if std::ptr::eq(l, &pair.encrypted) { &enc_last } else { &plain_last };
        l.contacts().list_after(Some(after), 200).unwrap()
    });
    let (enc_ids, plain_ids) = (first_ids(&pair.encrypted, 1000), first_ids(&pair.plain, 1000));
    let ids = |l: &Lagom| if std::ptr::eq(l, &pair.encrypted) { &enc_ids } else { &plain_ids };
    both("get one contact (fields, tags, purposes)", 200, pair, |l, i| l.contacts().get(&ids(l)[i % 1000]).unwrap());
    both("update one contact (validate, write, reindex, audit)", 100, pair, |l, i| {
        l.contacts().update(&ids(l)[i % 1000], &input(i)).unwrap()
    });

    retention(pair);

    // Data-subject rights on one person among 100 000.
    let out = dir.join("export.zip");
    both("export one person (ZIP: json, vcf, csv, html, manifest)", 50, pair, |l, i| {
        l.export_person(&ids(l)[i], &out, ReportLanguage::En).unwrap()
    });
    println!("export size: {} bytes", std::fs::metadata(&out).unwrap().len());
    both("erase one person (delete, redact, tombstone, WAL truncate)", 50, pair, |l, i| {
        l.rights().erase(&ids(l)[100 + i], None).unwrap()
    });
    both("verify the whole audit chain", 3, pair, |l, _| {
        let verified = l.verify_audit().unwrap();
        assert!(verified.is_intact());
        verified
    });
    let verified = pair.encrypted.verify_audit().unwrap();
    println!("  ({} entries, {} redacted)", verified.entries, verified.redacted);
    // Its own scratch folder: a kept benchmark folder must not collect these files.
    let scratch = tempfile::tempdir().unwrap();
    import_rows(scratch.path(), IMPORT_ROWS);
    memory_security(scratch.path());
}

/// A CSV of `rows` contacts imported in one transaction (`lagom import`) into a new encrypted
/// register and into a new plain one.
fn import_rows(dir: &std::path::Path, rows: usize) {
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
    let options = lagom_core::ImportOptions {
        purpose: "Customer relationship".into(),
        basis: None,
        file_name: "bench.csv".into(),
        mapping: None,
        skip_invalid: false,
        duplicates: lagom_core::DuplicateChoice::Skip,
        per_row: Vec::new(),
    };
    let run = |lagom: Lagom| {
        let start = Instant::now();
        let file = lagom_core::import::read(csv.as_bytes()).unwrap();
        let report = lagom.imports().run(&file, &options, false, None, &mut |_, _| true).unwrap();
        assert_eq!(report.imported as usize, rows);
        let took = start.elapsed();
        (took, took)
    };
    let encrypted = run(Lagom::create(&dir.join("import.db"), &MemoryKeyStore::new()).unwrap().lagom);
    let plain = run(Lagom::unencrypted_for_benchmark(&dir.join("import-plain.db")).unwrap());
    print_row(&format!("import {rows} CSV rows in one transaction (one run)"), encrypted, plain);
    println!("  {:.0} µs a row encrypted", encrypted.0.as_secs_f64() * 1e6 / rows as f64);
}

/// Search as a salesperson types: a prefix, a name, a broad prefix, diacritics, two words. The
/// app's search also counts the matches when more than 50 are shown (up to 10 000).
fn search(pair: &Pair) {
    let queries = ["a", "an", "ål", "ostlund", "anna", "erik johansson", "skåne data 4", "anna.ostlund12", "zzz"];
    for q in queries {
        let found = pair.encrypted.contacts().search_counted(q).unwrap();
        let more = if found.count.more { "+" } else { "" };
        let label = format!("search {q:?} ({} shown of {}{more})", found.contacts.len(), found.count.matches);
        both(&label, 50, pair, |l, _| l.contacts().search_counted(q).unwrap());
    }
}

fn retention(pair: &Pair) {
    // Retention: the sweep (every contact's expiry over its purposes) and the home view.
    let due_today = pair.encrypted.retention().preview(None).unwrap().len();
    both(&format!("retention sweep (the daily one; {due_today} due today)"), 20, pair, |l, _| {
        l.retention().sweep().unwrap()
    });
    both("retention preview today", 20, pair, |l, _| l.retention().preview(None).unwrap());
    both("home view", 20, pair, |l, _| l.home(None).unwrap());
    let by_2030 = chrono::NaiveDate::from_ymd_opt(2030, 1, 1);
    both("retention preview by 2030-01-01 (everyone due, named)", 5, pair, |l, _| {
        l.retention().preview(by_2030).unwrap()
    });
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
