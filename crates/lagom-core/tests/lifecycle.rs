//! The customer life cycle over time, with the injected clock: the retention sweep and its
//! grace period, automatic erasure, the home view, unmatched requesters, the accountability
//! pack, and the settings behind them. Real encrypted databases throughout.

// A failed unwrap is a failed test, with the reason printed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Read;
use std::sync::Arc;

use chrono::{NaiveDate, TimeZone, Utc};
use lagom_core::{
    Affected, BreachClosing, BreachInput, BreachKind, BreachStatus, ConsentInput, ConsentSource, ContactInput,
    FieldErrorCode, FixedClock, IdentityCheck, Lagom, MemoryKeyStore, RefusalReason, ReportLanguage, RequestInput,
    RequestKind, RetentionAnchor,
};

struct World {
    dir: tempfile::TempDir,
    clock: Arc<FixedClock>,
    lagom: Lagom,
}

/// A register whose clock starts at noon UTC on `y-m-d`.
fn world(y: i32, m: u32, d: u32) -> World {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(FixedClock::at(Utc.with_ymd_and_hms(y, m, d, 12, 0, 0).unwrap()));
    let lagom =
        Lagom::create_with_clock(&dir.path().join("l.db"), &MemoryKeyStore::new(), clock.clone()).unwrap().lagom;
    World { dir, clock, lagom }
}

impl World {
    /// The controller's name and contact, which every letter to a person names.
    fn controller(&self) {
        let mut settings = self.lagom.settings().unwrap();
        settings.controller.name = "Bygg & Co AB".into();
        settings.controller.contact = "dataskydd@bygg.example".into();
        self.lagom.save_settings(&settings).unwrap();
    }

    fn set(&self, date: &str) {
        let day = NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap();
        self.clock.set(Utc.from_utc_datetime(&day.and_hms_opt(12, 0, 0).unwrap()));
    }

    fn person(&self, given: &str, purposes: &[&str]) -> String {
        self.lagom
            .contacts()
            .create(&ContactInput {
                given_name: given.into(),
                family_name: "Testsson".into(),
                email: Some(format!("{}@example.se", given.to_lowercase())),
                purposes: purposes.iter().map(|p| p.to_string()).collect(),
                ..ContactInput::default()
            })
            .unwrap()
            .id
    }

    /// The old and new values of every audit entry for `field`, oldest first.
    fn audited(&self, field: &str) -> Vec<(Option<String>, Option<String>)> {
        self.lagom
            .connection()
            .prepare("SELECT old_value, new_value FROM audit_entry WHERE field = ?1 ORDER BY seq")
            .unwrap()
            .query_map([field], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    fn automatic(&self, on: bool, grace_days: u32) {
        let mut settings = self.lagom.settings().unwrap();
        settings.automatic_erasure = on;
        settings.grace_days = grace_days;
        self.lagom.save_settings(&settings).unwrap();
    }
}

fn newsletter() -> ConsentInput {
    ConsentInput { purpose: "Newsletter".into(), channel: None, source: ConsentSource::Form, wording: None }
}

fn request(kind: RequestKind, contact: Option<&str>) -> RequestInput {
    RequestInput {
        kind,
        contact_id: contact.map(str::to_owned),
        requester_name: None,
        requester_address: None,
        identity_check: None,
        received: None,
    }
}

#[test]
fn automatic_erasure_waits_for_the_grace_period_counted_from_the_first_sweep_that_saw_the_contact_due() {
    // "Events" keeps people 12 months after the last interaction (or their creation).
    let w = world(2025, 3, 10);
    let bo = w.person("Bo", &["Events"]);
    let retention = w.lagom.retention();

    // Due on 2026-03-10. Automatic erasure is off by default: the sweep only notes the date.
    w.set("2026-03-10");
    let report = retention.sweep().unwrap();
    assert_eq!(report.due.len(), 1);
    assert!(report.erased.is_empty(), "automatic erasure is off by default");
    assert_eq!(report.due[0].due_since.as_deref(), Some("2026-03-10"));
    assert_eq!(report.due[0].erasable_from.as_deref(), Some("2026-03-24"), "14 days by default");

    // Turned on later: the grace period still counts from the first sweep that saw Bo due.
    w.automatic(true, 14);
    w.set("2026-03-23");
    assert!(retention.sweep().unwrap().erased.is_empty(), "the day before the grace period ends");
    assert!(w.lagom.contacts().get(&bo).is_ok());
    w.set("2026-03-24");
    let report = retention.sweep().unwrap();
    assert_eq!(report.erased.len(), 1, "on the day it ends");
    assert_eq!(report.erased[0].tombstone.contact_id, bo);
    assert_eq!(report.erased[0].tombstone.article, "GDPR Art. 5(1)(e), 17(1)(a)");
    assert!(report.due.is_empty());
    assert!(w.lagom.contacts().get(&bo).is_err());
}

#[test]
fn a_contact_no_longer_due_is_forgotten_by_the_sweep_and_its_grace_period_starts_again() {
    let w = world(2025, 1, 1);
    let cia = w.person("Cia", &["Events"]);
    w.automatic(true, 10);
    let retention = w.lagom.retention();
    w.set("2026-01-01");
    assert_eq!(retention.sweep().unwrap().due[0].due_since.as_deref(), Some("2026-01-01"));

    // A call on 5 January keeps Cia another 12 months: no longer due, so forgotten.
    w.set("2026-01-05");
    let mut call = lagom_core::InteractionInput {
        kind: lagom_core::InteractionKind::Call,
        date: "2026-01-05".into(),
        channel: lagom_core::Channel::Phone,
        outcome: None,
        purpose: None,
    };
    w.lagom.interactions().add(&cia, &call).unwrap();
    assert!(retention.sweep().unwrap().due.is_empty());
    assert_eq!(retention.due_since(&cia).unwrap(), None);

    // Due again a year later: a fresh grace period, not the old one.
    w.set("2027-01-05");
    let report = retention.sweep().unwrap();
    assert!(report.erased.is_empty());
    assert_eq!(report.due[0].erasable_from.as_deref(), Some("2027-01-15"));
    call.date = "2027-01-05".into();
    assert!(w.lagom.contacts().get(&cia).is_ok());
}

#[test]
fn erase_the_due_ones_now_does_not_wait_for_the_grace_period() {
    let w = world(2025, 6, 1);
    let eva = w.person("Eva", &["Events"]);
    w.set("2026-06-01");
    w.lagom.retention().sweep().unwrap();
    let receipts = w.lagom.retention().apply(None).unwrap().erased;
    assert_eq!(receipts.len(), 1);
    assert_eq!(receipts[0].tombstone.contact_id, eva);
}

#[test]
fn the_home_view_shows_requests_due_within_a_week_expiries_within_30_days_and_withdrawn_consent() {
    let w = world(2025, 1, 15);
    let due_now = w.person("Dan", &["Events"]); // due 2026-01-15
    w.set("2025-02-14");
    let due_in_30 = w.person("Sam", &["Events"]); // due 2026-02-14: 30 days after 2026-01-15
    w.set("2025-02-15");
    let due_in_31 = w.person("Tor", &["Events"]); // due 2026-02-15: 31 days after
    let withdrawn = w.person("Wim", &["Newsletter"]);
    w.lagom.consent().give(&withdrawn, &newsletter()).unwrap();
    w.set("2025-03-01");
    w.lagom.consent().withdraw(&withdrawn, &newsletter()).unwrap();
    let both = w.person("Bea", &["Newsletter", "Customer relationship"]);
    w.lagom.consent().give(&both, &newsletter()).unwrap();
    w.lagom.consent().withdraw(&both, &newsletter()).unwrap();

    // Requests received 2025-12-15 (due 2026-01-15, today: listed), 2025-12-22 (due
    // 2026-01-22, seven days ahead: listed) and 2025-12-23 (due 2026-01-23: not yet).
    w.set("2026-01-15");
    for received in ["2025-12-15", "2025-12-22", "2025-12-23"] {
        let mut input = request(RequestKind::Access, Some(&due_in_31));
        input.received = Some(received.into());
        w.lagom.requests().add(&input).unwrap();
    }
    w.lagom.export_person(&due_in_31, &w.dir.path().join("e.zip"), ReportLanguage::En).unwrap();

    let home = w.lagom.home(None).unwrap();
    assert_eq!(home.today, "2026-01-15");
    let ids = |list: &[lagom_core::Expiry]| list.iter().map(|e| e.contact_id.clone()).collect::<Vec<_>>();
    assert!(ids(&home.due_now).contains(&due_now));
    assert!(ids(&home.due_now).contains(&withdrawn), "a withdrawn consent purpose keeps nobody");
    assert_eq!(ids(&home.due_soon), [due_in_30], "30 days ahead is in, 31 is not");
    assert_eq!(ids(&home.consent_withdrawn_only), [withdrawn], "Bea is still a customer");
    assert_eq!(home.requests.iter().map(|r| r.received.as_str()).collect::<Vec<_>>(), ["2025-12-15", "2025-12-22"]);
    assert_eq!(home.open_requests, 3);
    assert_eq!((home.exports_this_month, home.erasures_this_month), (1, 0));

    // The day after: the first request is overdue and still listed, at the top.
    w.lagom.rights().erase(&due_now, None).unwrap();
    let home = w.lagom.home(Some(NaiveDate::from_ymd_opt(2026, 1, 16).unwrap())).unwrap();
    assert!(home.requests[0].overdue);
    assert_eq!(home.erasures_this_month, 1);
    // As of February, January's export and erasure are last month's.
    let february = w.lagom.home(Some(NaiveDate::from_ymd_opt(2026, 2, 1).unwrap())).unwrap();
    assert_eq!((february.exports_this_month, february.erasures_this_month), (0, 0));
}

#[test]
fn an_unmatched_requester_is_held_only_until_their_identity_is_checked() {
    let w = world(2026, 3, 2);
    let anna = w.person("Anna", &["Customer relationship"]);
    let requests = w.lagom.requests();
    let raw_names = || -> i64 {
        w.lagom
            .connection()
            .query_row("SELECT count(*) FROM request WHERE requester_name IS NOT NULL", [], |r| r.get(0))
            .unwrap()
    };

    let mut input = request(RequestKind::Access, None);
    let missing = requests.add(&input).unwrap_err();
    assert_eq!(missing.field_errors()[0].field, "requester_name");
    input.requester_name = Some("Anna Q. Requester".into());
    input.requester_address = Some("anna.q@example.org".into());
    let unmatched = requests.add(&input).unwrap();
    assert_eq!(unmatched.contact_id, None);
    assert_eq!(unmatched.due, "2026-04-02");
    assert_eq!(raw_names(), 1);

    // No export or erasure can answer it before it is matched.
    assert_eq!(
        requests.close(&unmatched.id, Some("0123abcd")).unwrap_err().field_errors()[0].code,
        FieldErrorCode::RequestUnmatched
    );
    assert_eq!(
        requests.identify(&unmatched.id, None, IdentityCheck::ElectronicId).unwrap_err().field_errors()[0].code,
        FieldErrorCode::RequestUnmatched
    );

    // Matched after an electronic ID check: the name and address are gone from the row.
    let matched = requests.identify(&unmatched.id, Some(&anna), IdentityCheck::ElectronicId).unwrap();
    assert_eq!(matched.contact_id.as_deref(), Some(anna.as_str()));
    assert_eq!(matched.identity_check, Some(IdentityCheck::ElectronicId));
    assert_eq!(matched.identity_checked_on.as_deref(), Some("2026-03-02"));
    assert_eq!((matched.requester_name, matched.requester_address), (None, None));
    assert_eq!(raw_names(), 0);

    // A requester who never proves who they are: refusing deletes the name too.
    input.requester_name = Some("Unknown Caller".into());
    let stranger = requests.add(&input).unwrap();
    let refused = requests.refuse(&stranger.id, RefusalReason::IdentityNotConfirmed).unwrap();
    assert_eq!(refused.requester_name, None);
    assert_eq!(raw_names(), 0);
    // Someone Lagom holds nothing about: closed as answered ("no data held"), the name goes.
    input.requester_name = Some("Nobody We Know".into());
    let nobody = requests.add(&input).unwrap();
    let closed = requests.close(&nobody.id, None).unwrap();
    assert_eq!((closed.status, closed.requester_name), (lagom_core::RequestStatus::Answered, None));
    assert_eq!(raw_names(), 0);
    // The table itself refuses a closed request that keeps a name.
    assert!(
        w.lagom
            .connection()
            .execute("UPDATE request SET requester_name = 'x', contact_id = NULL WHERE id = ?1", [&stranger.id])
            .is_err()
    );
}

#[test]
fn the_accountability_pack_holds_every_record_with_its_hash_and_names_nobody() {
    let w = world(2026, 1, 31);
    let anna = w.person("Anna", &["Customer relationship", "Newsletter"]);
    w.lagom.consent().give(&anna, &newsletter()).unwrap();
    let bo = w.person("Bo", &["Newsletter"]);
    w.lagom.consent().give(&bo, &newsletter()).unwrap();
    w.lagom.consent().withdraw(&bo, &newsletter()).unwrap();
    let erasure = w.lagom.requests().add(&request(RequestKind::Erasure, Some(&bo))).unwrap();
    let mut unmatched = request(RequestKind::Access, None);
    unmatched.requester_name = Some("Zelda Unmatched".into());
    w.lagom.requests().add(&unmatched).unwrap();
    w.lagom.rights().erase(&bo, Some(&erasure.id)).unwrap();

    let out = w.dir.path().join("pack.zip");
    let receipt = w.lagom.accountability_pack(&out, ReportLanguage::Sv).unwrap();
    assert!(receipt.audit_intact);
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&out).unwrap()).unwrap();
    let mut read = |name: &str| {
        let mut text = String::new();
        zip.by_name(name).unwrap().read_to_string(&mut text).unwrap();
        text
    };
    let manifest: serde_json::Value = serde_json::from_str(&read("manifest.json")).unwrap();
    let files = manifest["files"].as_array().unwrap();
    assert_eq!(files.len(), 7);
    for file in files {
        let name = file["name"].as_str().unwrap();
        let bytes = read(name);
        let digest = sha2::Digest::finalize(<sha2::Sha256 as sha2::Digest>::new_with_prefix(bytes.as_bytes()));
        assert_eq!(file["sha256"].as_str().unwrap(), hex_of(&digest), "{name}");
    }
    let ledger = read("erasure-ledger.csv");
    assert!(ledger.contains(&bo) && ledger.contains(&erasure.id));
    let register = read("request-register.csv");
    assert!(register.contains(&format!("{},erasure,{bo},2026-01-31", erasure.id)));
    assert!(register.contains("answered,") && register.contains(",met"));
    assert!(register.contains("(not yet matched)"));
    let consent = read("consent-statistics.csv");
    assert!(consent.contains("Newsletter,consent,1,1,0,0"), "Bo is erased, Anna's consent stands:\n{consent}");
    let audit: serde_json::Value = serde_json::from_str(&read("audit-verification.json")).unwrap();
    assert_eq!(audit["intact"], true);
    assert_eq!(audit["head_hash"].as_str().unwrap().len(), 64);
    assert!(read("record-of-processing.md").contains("Register över behandling"));
    for file in files {
        let text = read(file["name"].as_str().unwrap());
        for personal in ["Anna", "Testsson", "anna@example.se", "Zelda"] {
            assert!(!text.contains(personal), "{personal} in {}", file["name"]);
        }
    }
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn a_shorter_retention_is_previewed_as_the_number_of_contacts_it_makes_due() {
    let w = world(2025, 1, 10);
    w.person("Ada", &["Events"]);
    w.person("Ben", &["Events", "Customer relationship"]);
    w.set("2025-09-10");
    let events = w.lagom.purposes().list().unwrap().into_iter().find(|p| p.name == "Events").unwrap();
    let retention = w.lagom.retention();
    assert_eq!(retention.moved_by(&events.id, 12, RetentionAnchor::LastInteraction).unwrap(), 0, "unchanged");
    assert_eq!(
        retention.moved_by(&events.id, 8, RetentionAnchor::LastInteraction).unwrap(),
        1,
        "Ben is kept by a contract"
    );
    assert_eq!(retention.moved_by(&events.id, 9, RetentionAnchor::LastInteraction).unwrap(), 0, "due 2025-10-10");
    assert_eq!(retention.moved_by(&events.id, 8, RetentionAnchor::ConsentWithdrawn).unwrap(), 0);
    assert!(retention.moved_by("no-such-purpose", 1, RetentionAnchor::LastInteraction).is_err());
}

#[test]
fn interaction_outcomes_are_edited_as_a_list_never_emptied_or_duplicated_and_audited() {
    let w = world(2026, 1, 1);
    let interactions = w.lagom.interactions();
    let list = |items: &[&str]| items.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let saved = interactions.set_outcomes(&list(&["interested", "  demo booked ", "no answer"])).unwrap();
    assert_eq!(saved, ["interested", "demo booked", "no answer"]);
    let duplicate = interactions.set_outcomes(&list(&["ordered", "Ordered"])).unwrap_err();
    assert_eq!(duplicate.field_errors()[0].code, FieldErrorCode::Duplicate);
    assert_eq!(interactions.set_outcomes(&[]).unwrap_err().field_errors()[0].code, FieldErrorCode::OutOfRange);
    assert_eq!(interactions.outcomes().unwrap(), saved, "a refused list changes nothing");
    let audited: i64 = w
        .lagom
        .connection()
        .query_row("SELECT count(*) FROM audit_entry WHERE field = 'settings/interaction_outcomes'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(audited, 1);
}

#[test]
fn the_grace_period_is_at_most_a_year_and_the_holiday_country_is_one_lagom_knows() {
    let w = world(2026, 1, 1);
    let mut settings = w.lagom.settings().unwrap();
    assert_eq!((settings.grace_days, settings.automatic_erasure), (14, false), "the defaults");
    settings.grace_days = 366;
    let error = w.lagom.save_settings(&settings).unwrap_err();
    assert_eq!(error.field_errors()[0].field, "grace_days");
    assert_eq!(lagom_core::deadline::HolidayCountry::from_code("se"), Some(lagom_core::deadline::HolidayCountry::Se));
    assert_eq!(lagom_core::deadline::HolidayCountry::from_code("XX"), None);
}

#[test]
fn access_is_answered_only_after_the_identity_was_checked() {
    let w = world(2026, 3, 2);
    let anna = w.person("Anna", &["Customer relationship"]);
    let access = w.lagom.requests().add(&request(RequestKind::Access, Some(&anna))).unwrap();
    let export = w.lagom.export_person(&anna, &w.dir.path().join("a.zip"), ReportLanguage::En).unwrap();
    let refused = w.lagom.requests().close(&access.id, Some(&export.id)).unwrap_err();
    assert_eq!(refused.field_errors()[0].code, FieldErrorCode::IdentityNotChecked);
    w.lagom.requests().identify(&access.id, None, IdentityCheck::InPerson).unwrap();
    assert_eq!(w.lagom.requests().close(&access.id, Some(&export.id)).unwrap().answer, Some(export.id));
}

#[test]
fn a_withdrawal_on_one_channel_does_not_end_consent_given_on_another() {
    let w = world(2025, 1, 10);
    let ida = w.person("Ida", &["Newsletter"]);
    let on = |channel| ConsentInput { channel: Some(channel), ..newsletter() };
    w.lagom.consent().give(&ida, &on(lagom_core::MarketingChannel::Email)).unwrap();
    w.lagom.consent().give(&ida, &on(lagom_core::MarketingChannel::Sms)).unwrap();
    w.set("2025-06-01");
    w.lagom.consent().withdraw(&ida, &on(lagom_core::MarketingChannel::Sms)).unwrap();
    let retention = w.lagom.retention();
    assert!(retention.preview(None).unwrap().is_empty(), "email consent still stands");
    assert!(w.lagom.home(None).unwrap().consent_withdrawn_only.is_empty());

    // Withdrawn on email too: now nothing keeps Ida, as of the last withdrawal.
    w.set("2025-07-01");
    w.lagom.consent().withdraw(&ida, &on(lagom_core::MarketingChannel::Email)).unwrap();
    let due = retention.preview(None).unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!((due[0].contact_id.as_str(), due[0].expires.as_str()), (ida.as_str(), "2025-07-01"));
    // A withdrawal for all channels overrides every channel's own consent.
    let jon = w.person("Jon", &["Newsletter"]);
    w.lagom.consent().give(&jon, &on(lagom_core::MarketingChannel::Email)).unwrap();
    w.lagom.consent().withdraw(&jon, &newsletter()).unwrap();
    assert!(retention.preview(None).unwrap().iter().any(|e| e.contact_id == jon));
}

#[test]
fn retention_does_not_erase_anyone_with_an_open_request_but_answers_an_erasure_request() {
    let w = world(2025, 1, 10);
    let ada = w.person("Ada", &["Events"]);
    let bo = w.person("Bo", &["Events"]);
    w.set("2026-02-01");
    let access = w.lagom.requests().add(&request(RequestKind::Access, Some(&ada))).unwrap();
    let erasure = w.lagom.requests().add(&request(RequestKind::Erasure, Some(&bo))).unwrap();
    let due = w.lagom.retention().preview(None).unwrap();
    assert_eq!(due.iter().find(|e| e.contact_id == ada).unwrap().held_by_request.as_deref(), Some(access.id.as_str()));
    assert_eq!(due.iter().find(|e| e.contact_id == bo).unwrap().answers_request.as_deref(), Some(erasure.id.as_str()));

    w.automatic(true, 0);
    w.set("2026-02-15"); // the 14 days any backlog gets once automatic erasure is turned on
    let report = w.lagom.retention().sweep().unwrap();
    assert_eq!(report.erased.len(), 1, "Bo only");
    assert_eq!(report.erased[0].tombstone.request_id.as_deref(), Some(erasure.id.as_str()));
    assert_eq!(w.lagom.requests().get(&erasure.id).unwrap().status, lagom_core::RequestStatus::Answered);
    assert_eq!(report.due.len(), 1, "Ada waits for her access request");
    assert!(w.lagom.retention().apply(None).unwrap().erased.is_empty(), "nor does the button take her");
    assert!(w.lagom.contacts().get(&ada).is_ok());
}

#[test]
fn erase_the_due_ones_now_takes_only_the_reviewed_list() {
    let w = world(2025, 1, 10);
    let ada = w.person("Ada", &["Events"]);
    let bo = w.person("Bo", &["Events"]);
    w.set("2026-02-01");
    let receipts = w.lagom.retention().apply_listed(std::slice::from_ref(&ada)).unwrap().erased;
    assert_eq!(receipts.len(), 1);
    assert!(w.lagom.contacts().get(&bo).is_ok(), "Bo was not on the list that was reviewed");
    // A listed contact who is no longer due is not erased.
    let cy = w.person("Cy", &["Events"]);
    assert!(w.lagom.retention().apply_listed(std::slice::from_ref(&cy)).unwrap().erased.is_empty());
    assert!(w.lagom.contacts().get(&cy).is_ok());
}

#[test]
fn turning_automatic_erasure_on_starts_the_grace_period_that_day_and_is_audited() {
    let w = world(2025, 1, 10);
    let ada = w.person("Ada", &["Events"]);
    w.set("2026-01-10");
    w.lagom.retention().sweep().unwrap(); // due since 2026-01-10
    w.set("2026-03-01");
    w.automatic(true, 14);
    let report = w.lagom.retention().sweep().unwrap();
    assert!(report.erased.is_empty(), "a backlog is not erased the day automatic erasure is turned on");
    assert_eq!(report.due[0].erasable_from.as_deref(), Some("2026-03-15"));
    w.set("2026-03-15");
    assert_eq!(w.lagom.retention().sweep().unwrap().erased[0].tombstone.contact_id, ada);
    assert_eq!(w.audited("settings/automatic_erasure"), [(Some("off".to_owned()), Some("on".to_owned()))]);
}

#[test]
fn a_new_expiry_restarts_the_grace_period_even_without_a_sweep_in_between() {
    let w = world(2025, 1, 10);
    let ada = w.person("Ada", &["Events"]);
    w.automatic(true, 10);
    w.set("2026-01-10");
    w.lagom.retention().sweep().unwrap(); // due since 2026-01-10 with expiry 2026-01-10
    // A call on 1 February 2025 that was logged late moves her expiry; no sweep runs until
    // long after the old grace period.
    let call = lagom_core::InteractionInput {
        kind: lagom_core::InteractionKind::Call,
        date: "2025-02-01".into(),
        channel: lagom_core::Channel::Phone,
        outcome: None,
        purpose: None,
    };
    w.lagom.interactions().add(&ada, &call).unwrap();
    w.set("2026-03-01");
    let report = w.lagom.retention().sweep().unwrap();
    assert!(report.erased.is_empty(), "a new expiry (2026-02-01) is a new grace period");
    assert_eq!(report.due[0].due_since.as_deref(), Some("2026-03-01"));
}

#[test]
fn previewing_a_new_anchor_counts_the_contacts_it_would_make_due() {
    let w = world(2024, 1, 10);
    let former = ContactInput {
        given_name: "Fia".into(),
        family_name: "Testsson".into(),
        email: Some("fia@example.se".into()),
        stage: Some(lagom_core::Stage::FormerCustomer),
        purposes: vec!["Customer relationship".into()],
        ..ContactInput::default()
    };
    w.lagom.contacts().create(&former).unwrap();
    w.set("2026-01-10");
    let purpose = w.lagom.purposes().list().unwrap().into_iter().find(|p| p.name == "Customer relationship").unwrap();
    // Counted from becoming a former customer (2024-01-10), 12 months: due since 2025-01-10.
    let moved = w.lagom.retention().moved_by(&purpose.id, 12, RetentionAnchor::FormerCustomer).unwrap();
    assert_eq!(moved, 1);
}

#[test]
fn every_changed_setting_is_audited_and_an_unchanged_one_is_not() {
    let w = world(2026, 1, 1);
    let mut settings = w.lagom.settings().unwrap();
    settings.grace_days = 30;
    w.lagom.save_settings(&settings).unwrap();
    w.lagom.save_settings(&settings).unwrap();
    let fields: Vec<String> = w
        .lagom
        .connection()
        .prepare("SELECT field FROM audit_entry WHERE field LIKE 'settings/%' ORDER BY seq")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(fields.iter().filter(|f| *f == "settings/grace_days").count(), 1);
    assert!(w.lagom.verify_audit().unwrap().is_intact());
}

#[test]
fn consent_for_all_channels_withdrawn_on_each_channel_is_withdrawn() {
    let w = world(2025, 1, 10);
    let kim = w.person("Kim", &["Newsletter"]);
    w.lagom.consent().give(&kim, &newsletter()).unwrap();
    for channel in lagom_core::MarketingChannel::ALL {
        w.lagom.consent().withdraw(&kim, &ConsentInput { channel: Some(*channel), ..newsletter() }).unwrap();
    }
    let due = w.lagom.retention().preview(None).unwrap();
    assert_eq!(due.iter().map(|e| e.contact_id.as_str()).collect::<Vec<_>>(), [kim.as_str()]);
    assert!(w.lagom.consent().reachable("Newsletter", lagom_core::MarketingChannel::Email).unwrap().is_empty());
    // The contact's own consent state says the same: a withdrawal for all channels after a
    // consent on email leaves no consent standing.
    let lo = w.person("Lo", &["Newsletter"]);
    let email = ConsentInput { channel: Some(lagom_core::MarketingChannel::Email), ..newsletter() };
    w.lagom.consent().give(&lo, &email).unwrap();
    w.lagom.consent().withdraw(&lo, &newsletter()).unwrap();
    let state = w.lagom.consent().state(&lo).unwrap();
    assert!(state.iter().all(|s| !s.given), "{state:?}");
}

#[test]
fn the_sweep_merges_many_contacts_without_mixing_them_up() {
    // Contacts created in an order unrelated to their random ids, some with two purposes,
    // one with none (a row removed by hand), and a purpose row whose contact is gone.
    let w = world(2024, 1, 10);
    let mut expected = Vec::new();
    for i in 0..40u32 {
        w.set(&format!("2024-{:02}-{:02}", 1 + i % 12, 1 + i % 28));
        let purposes: &[&str] = if i % 3 == 0 { &["Events", "Customer relationship"] } else { &["Events"] };
        let id = w.person(&format!("P{i}"), purposes);
        // "Events": 12 months after creation; "Customer relationship" keeps them 36.
        let months = if i % 3 == 0 { 36 } else { 12 };
        let created = NaiveDate::from_ymd_opt(2024, 1 + i % 12, 1 + i % 28).unwrap();
        expected.push((id, created.checked_add_months(chrono::Months::new(months)).unwrap().to_string()));
    }
    let conn = w.lagom.connection();
    conn.execute_batch("PRAGMA foreign_keys = OFF").unwrap();
    let events: String = conn.query_row("SELECT id FROM purpose WHERE name = 'Events'", [], |r| r.get(0)).unwrap();
    for orphan in ["00000000-0000-0000-0000-000000000000", "zzzzzzzz-orphan", &expected[5].0[..8]] {
        conn.execute("INSERT INTO contact_purpose (contact_id, purpose_id) VALUES (?1, ?2)", [orphan, &events])
            .unwrap();
    }
    conn.execute("DELETE FROM contact_purpose WHERE contact_id = ?1", [&expected[7].0]).unwrap();
    conn.execute_batch("PRAGMA foreign_keys = ON").unwrap();
    let kept_forever = expected.remove(7).0;

    w.set("2099-01-01");
    let due = w.lagom.retention().preview(None).unwrap();
    let mut found: Vec<(String, String)> = due.into_iter().map(|e| (e.contact_id, e.expires)).collect();
    found.sort();
    expected.sort();
    assert_eq!(found, expected);
    assert!(w.lagom.retention().expiry_of(&kept_forever).unwrap().is_none());
}

#[test]
fn a_granted_restriction_and_an_unmatched_request_hold_back_retention() {
    let w = world(2025, 1, 10);
    let ada = w.person("Ada", &["Events"]);
    let bo = w.person("Bo", &["Events"]);
    w.set("2026-02-01");
    let restriction = w.lagom.requests().add(&request(RequestKind::Restriction, Some(&ada))).unwrap();
    w.lagom.requests().close(&restriction.id, None).unwrap();
    let due = w.lagom.retention().preview(None).unwrap();
    let ada_due = due.iter().find(|e| e.contact_id == ada).unwrap();
    assert_eq!(ada_due.held_by_request.as_deref(), Some(restriction.id.as_str()), "Art. 18: kept, not erased");

    // Someone not yet identified asks for their data: automatic erasure waits for the match.
    let mut unknown = request(RequestKind::Access, None);
    unknown.requester_name = Some("Maybe Bo".into());
    let pending = w.lagom.requests().add(&unknown).unwrap();
    w.automatic(true, 0);
    w.set("2026-03-01");
    let report = w.lagom.retention().sweep().unwrap();
    assert!(report.erased.is_empty());
    assert_eq!(report.paused_by.as_deref(), Some(pending.id.as_str()));
    assert_eq!(w.lagom.home(None).unwrap().automatic_paused_by.as_deref(), Some(pending.id.as_str()));
    w.lagom.requests().identify(&pending.id, Some(&bo), IdentityCheck::ElectronicId).unwrap();
    let report = w.lagom.retention().sweep().unwrap();
    assert!(report.erased.is_empty(), "Bo's own access request is open now");
    w.lagom.requests().close(&pending.id, None).unwrap_err(); // access needs an export
    assert!(w.lagom.contacts().get(&ada).is_ok() && w.lagom.contacts().get(&bo).is_ok());
}

#[test]
fn automatic_erasure_remembers_when_it_was_turned_on_and_the_audit_keeps_no_controller_details() {
    let w = world(2026, 1, 1);
    w.automatic(true, 14);
    assert_eq!(w.lagom.settings().unwrap().automatic_erasure_since.as_deref(), Some("2026-01-01"));
    w.set("2026-02-01");
    let mut settings = w.lagom.settings().unwrap();
    settings.grace_days = 20;
    settings.controller.dpo = "Dana Dataskydd, 070-1234567".into();
    w.lagom.save_settings(&settings).unwrap();
    assert_eq!(w.lagom.settings().unwrap().automatic_erasure_since.as_deref(), Some("2026-01-01"), "kept");
    w.automatic(false, 20);
    assert_eq!(w.lagom.settings().unwrap().automatic_erasure_since, None, "gone when off");
    assert_eq!(w.audited("settings/controller_dpo"), [(None, Some("changed".to_owned()))]);
}

#[test]
fn a_day_is_the_users_calendar_day_not_utc() {
    // Recorded at 23:30 UTC on 31 January 2025 = 00:30 on 1 February in Stockholm.
    let dir = tempfile::tempdir().unwrap();
    let stockholm = chrono::FixedOffset::east_opt(3600).unwrap();
    let clock = Arc::new(FixedClock::at(Utc.with_ymd_and_hms(2025, 1, 31, 23, 30, 0).unwrap()).in_offset(stockholm));
    let lagom = Lagom::create_with_clock(&dir.path().join("l.db"), &MemoryKeyStore::new(), clock).unwrap().lagom;
    let id = lagom
        .contacts()
        .create(&ContactInput {
            given_name: "Nattuggla".into(),
            family_name: "Testsson".into(),
            purposes: vec!["Events".into()],
            ..ContactInput::default()
        })
        .unwrap()
        .id;
    let expiry = lagom.retention().expiry_of(&id).unwrap().unwrap();
    assert_eq!(expiry.expires, "2026-02-01");
    assert_eq!(expiry.rule, "Events: 12 months after the contact was recorded on 2025-02-01");
}

// ---- Breaches (Art. 33, 34) ---------------------------------------------------------------

fn breach(kind: BreachKind, discovered: &str, affected: Affected) -> BreachInput {
    BreachInput {
        kind,
        discovered: discovered.into(),
        affected,
        consequences: Some("Names and email addresses may be read by the wrong recipient.".into()),
        measures: Some("Asked the recipient to delete the mail.".into()),
    }
}

fn closing(status: BreachStatus, reason: Option<&str>) -> BreachClosing {
    BreachClosing { status, reason: reason.map(str::to_owned), notified_at: None, delay_reason: None }
}

#[test]
fn a_breach_has_its_72_hour_deadline_across_day_and_month_boundaries_and_stays_on_home_until_closed() {
    // Noon UTC on 31 January; discovered at 22:30 Stockholm time on 30 January (21:30 UTC).
    let w = world(2026, 1, 31);
    let anna = w.person("Anna", &["Customer relationship"]);
    let added = w
        .lagom
        .breaches()
        .add(&breach(BreachKind::WrongRecipient, "2026-01-30T22:30:00+01:00", Affected::Contacts(vec![anna.clone()])))
        .unwrap();
    assert_eq!(added.id, "BREACH-2026-001");
    assert_eq!(added.discovered_at, "2026-01-30T21:30:00Z");
    assert_eq!(added.deadline, "2026-02-02T21:30:00Z", "72 hours on, into the next month");
    assert_eq!(added.hours_left, Some(57));
    assert_eq!(added.affected, 1);
    assert_eq!(w.lagom.home(None).unwrap().breaches, std::slice::from_ref(&added));

    // In the first minutes past the deadline it is overdue, not "0 hours left".
    w.clock.set(Utc.with_ymd_and_hms(2026, 2, 2, 21, 50, 0).unwrap());
    assert_eq!(w.lagom.home(None).unwrap().breaches[0].hours_left, Some(-1));
    // Past the deadline it is still on Home, overdue, until it is closed.
    w.set("2026-02-03");
    let overdue = &w.lagom.home(None).unwrap().breaches[0];
    assert_eq!(overdue.hours_left, Some(-15));
    let reasonless = w.lagom.breaches().close(&added.id, &closing(BreachStatus::NotRequired, None)).unwrap_err();
    assert_eq!(reasonless.field_errors()[0].code, FieldErrorCode::Required);
    // An id with spaces around it (pasted) closes the breach itself, once.
    let closed = w
        .lagom
        .breaches()
        .close(
            &format!(" {} ", added.id),
            &closing(BreachStatus::NotRequired, Some("One recipient, a customer who confirmed deletion.")),
        )
        .unwrap();
    assert_eq!((closed.status, closed.hours_left), (BreachStatus::NotRequired, None));
    assert!(w.lagom.home(None).unwrap().breaches.is_empty());
    let again = w.lagom.breaches().close(&added.id, &closing(BreachStatus::Notified, None)).unwrap_err();
    assert_eq!(again.field_errors()[0].code, FieldErrorCode::BreachClosed);

    // A lost laptop affects everyone in the register; the next reference follows.
    w.person("Bo", &["Customer relationship"]);
    let laptop =
        w.lagom.breaches().add(&breach(BreachKind::LostDevice, "2026-02-03T08:00:00Z", Affected::Everyone)).unwrap();
    assert_eq!((laptop.id.as_str(), laptop.affected, laptop.everyone), ("BREACH-2026-002", 2, true));
    let listed: Vec<String> = w.lagom.breaches().list().unwrap().into_iter().map(|b| b.id).collect();
    assert_eq!(listed, ["BREACH-2026-002", "BREACH-2026-001"], "open first");
    let audited =
        w.lagom
            .connection()
            .query_row("SELECT count(*) FROM audit_entry WHERE subject_id LIKE 'BREACH-%'", [], |r| r.get::<_, i64>(0));
    assert_eq!(audited.unwrap(), 3, "reported twice, closed once");
}

#[test]
fn a_breach_report_refuses_a_future_discovery_bad_times_unknown_contacts_and_identity_numbers() {
    let w = world(2026, 3, 1);
    let fields = |input: &BreachInput| -> Vec<(String, FieldErrorCode)> {
        w.lagom.breaches().add(input).unwrap_err().field_errors().iter().map(|e| (e.field.clone(), e.code)).collect()
    };
    let future = breach(BreachKind::Other, "2026-03-02T09:00:00Z", Affected::Everyone);
    assert_eq!(fields(&future), [("discovered".into(), FieldErrorCode::DateInFuture)]);
    let no_offset = breach(BreachKind::Other, "2026-02-28 09:00", Affected::Everyone);
    assert_eq!(fields(&no_offset), [("discovered".into(), FieldErrorCode::InvalidDate)]);
    let nobody = breach(BreachKind::Other, "2026-02-28T09:00:00Z", Affected::Contacts(vec!["no-such-id".into()]));
    assert_eq!(fields(&nobody), [("affected".into(), FieldErrorCode::UnknownContact)]);
    let mut named = breach(BreachKind::Other, "2026-02-28T09:00:00Z", Affected::Everyone);
    named.consequences = Some("The file held 19121212 1212 and more.".into());
    assert_eq!(fields(&named), [("consequences".into(), FieldErrorCode::IdentityNumber)]);
    let anna = w.person("Anna", &["Customer relationship"]);
    let mut about_anna = breach(BreachKind::WrongRecipient, "2026-02-28T09:00:00Z", Affected::Contacts(vec![anna]));
    about_anna.consequences = Some("Testsson's invoice went to another customer.".into());
    assert_eq!(fields(&about_anna), [("consequences".into(), FieldErrorCode::PersonNamed)]);
    let mut in_brackets = breach(BreachKind::Other, "2026-02-28T09:00:00Z", Affected::Everyone);
    in_brackets.measures = Some("Deleted the list (121212-1212).".into());
    assert_eq!(fields(&in_brackets), [("measures".into(), FieldErrorCode::IdentityNumber)]);
    assert!(w.lagom.breaches().list().unwrap().is_empty(), "nothing recorded");
    // A breach found at 00:30 on New Year's Day in Stockholm belongs to the new year.
    w.set("2027-01-02");
    let new_year = w.lagom.breaches().add(&breach(BreachKind::Other, "2027-01-01T00:30:00+01:00", Affected::Everyone));
    assert_eq!(new_year.unwrap().id, "BREACH-2027-001");
}

#[test]
fn a_breach_stays_in_the_register_after_an_affected_person_is_erased_and_is_in_their_export_before() {
    let w = world(2026, 3, 1);
    let anna = w.person("Anna", &["Customer relationship"]);
    let reported = w
        .lagom
        .breaches()
        .add(&breach(BreachKind::WrongRecipient, "2026-03-01T10:00:00Z", Affected::Contacts(vec![anna.clone()])))
        .unwrap();
    let out = w.dir.path().join("anna.zip");
    w.lagom.export_person(&anna, &out, ReportLanguage::En).unwrap();
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&out).unwrap()).unwrap();
    let mut data = String::new();
    zip.by_name("data.json").unwrap().read_to_string(&mut data).unwrap();
    let data: serde_json::Value = serde_json::from_str(&data).unwrap();
    assert_eq!(data["breaches"][0]["id"], reported.id.as_str());
    assert!(data["breaches"][0].get("measures").is_none(), "the register's free text is not the person's data");

    w.lagom.rights().erase(&anna, None).unwrap();
    let kept = w.lagom.breaches().get(&reported.id).unwrap();
    assert_eq!(kept.affected, 1, "the record of the breach is kept (Art. 33(5))");
    let ids: i64 = w
        .lagom
        .connection()
        .query_row("SELECT count(*) FROM breach_contact WHERE contact_id = ?1", [&anna], |r| r.get(0))
        .unwrap();
    assert_eq!(ids, 1, "by the erased contact's random id, which now names only a tombstone");

    let pack = w.dir.path().join("pack.zip");
    w.lagom.accountability_pack(&pack, ReportLanguage::En).unwrap();
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&pack).unwrap()).unwrap();
    let mut register = String::new();
    zip.by_name("breach-register.csv").unwrap().read_to_string(&mut register).unwrap();
    assert!(
        register.contains(&reported.id)
            && register.contains("wrong_recipient")
            && register.contains("2026-03-04T10:00:00Z")
    );
    assert!(!register.contains("Anna"), "names nobody");
}

#[test]
fn a_late_notification_needs_the_reasons_for_the_delay_and_each_affected_person_is_told_once() {
    let w = world(2026, 3, 10);
    let anna = w.person("Anna", &["Customer relationship"]);
    let bo = w.person("Bo", &["Customer relationship"]);
    let breaches = w.lagom.breaches();
    let reported = breaches
        .add(&breach(BreachKind::WrongRecipient, "2026-03-01T10:00:00Z", Affected::Contacts(vec![anna.clone()])))
        .unwrap();
    assert_eq!(reported.deadline, "2026-03-04T10:00:00Z");
    let notified = |at: &str, delay: Option<&str>| BreachClosing {
        status: BreachStatus::Notified,
        reason: None,
        notified_at: Some(at.into()),
        delay_reason: delay.map(str::to_owned),
    };
    let field = |e: lagom_core::Error| (e.field_errors()[0].field.clone(), e.field_errors()[0].code);
    // One second after the deadline is late (09:00:01 at +01:00 is 10:00:01 UTC … on the 5th here).
    let late = breaches.close(&reported.id, &notified("2026-03-04T11:00:01+01:00", None)).unwrap_err();
    assert_eq!(field(late), ("delay_reason".into(), FieldErrorCode::Required));
    let early = breaches.close(&reported.id, &notified("2026-03-01T09:59:59Z", None)).unwrap_err();
    assert_eq!(field(early), ("notified_at".into(), FieldErrorCode::OutOfRange));
    let future = breaches.close(&reported.id, &notified("2026-03-11T09:00:00Z", None)).unwrap_err();
    assert_eq!(field(future), ("notified_at".into(), FieldErrorCode::DateInFuture));

    let on_time =
        breaches.close(&reported.id, &notified("2026-03-04T09:00:00Z", Some("There was no delay."))).unwrap_err();
    assert_eq!(field(on_time), ("delay_reason".into(), FieldErrorCode::OutOfRange), "only a late one has a delay");
    let naming = breaches
        .close(&reported.id, &notified("2026-03-05T09:00:00Z", Some("We could not reach Testsson over the weekend.")))
        .unwrap_err();
    assert_eq!(field(naming), ("delay_reason".into(), FieldErrorCode::PersonNamed), "kept after her erasure");

    // The notification to the person needs the controller's name and contact.
    let nobody = breaches.notification(&reported.id, &anna, None, None).unwrap_err();
    assert_eq!(field(nobody), ("controller".into(), FieldErrorCode::ControllerMissing));
    w.controller();
    // In their language or the one asked for; the register's own texts stay out of it.
    let letter = breaches.notification(&reported.id, &anna, Some(ReportLanguage::Sv), None).unwrap();
    assert_eq!(letter.title, "Om en personuppgiftsincident");
    for expected in ["Hej Anna,", "fel mottagare", "upptäckte det 2026-03-01", "Bygg & Co AB", &reported.id] {
        assert!(letter.text.contains(expected), "{expected} in {}", letter.text);
    }
    assert!(!letter.text.contains("Asked the recipient"), "the register's measures may name others");
    assert!(
        letter
            .mailto
            .as_deref()
            .unwrap()
            .starts_with("mailto:anna@example.se?subject=Om%20en%20personuppgiftsincident&body=")
    );
    let not_affected = breaches.notification(&reported.id, &bo, None, None).unwrap_err();
    assert_eq!(field(not_affected), ("contact".into(), FieldErrorCode::UnknownContact));
    let before = breaches.record_told(&reported.id, &anna, lagom_core::Channel::Email, Some("2026-02-28")).unwrap_err();
    assert_eq!(field(before), ("on".into(), FieldErrorCode::OutOfRange), "before the discovery");
    let told = breaches.record_told(&reported.id, &anna, lagom_core::Channel::Email, None).unwrap();
    assert_eq!((told.told_on.as_deref(), told.told_channel), (Some("2026-03-10"), Some(lagom_core::Channel::Email)));
    let twice = breaches.record_told(&reported.id, &anna, lagom_core::Channel::Phone, None).unwrap_err();
    assert_eq!(field(twice), ("contact".into(), FieldErrorCode::Duplicate));

    let closed = breaches
        .close(&reported.id, &notified("2026-03-05T09:00:00+01:00", Some("The mail was found in a weekly review.")))
        .unwrap();
    assert_eq!(closed.notified_at.as_deref(), Some("2026-03-05T08:00:00Z"));
    assert_eq!(closed.delay_reason.as_deref(), Some("The mail was found in a weekly review."));
    assert_eq!((closed.status, closed.told), (BreachStatus::Notified, 1));
    // The register in the accountability pack says it was late, why, and how many were told.
    let pack = w.dir.path().join("pack.zip");
    w.lagom.accountability_pack(&pack, ReportLanguage::En).unwrap();
    let mut register = String::new();
    zip::ZipArchive::new(std::fs::File::open(&pack).unwrap())
        .unwrap()
        .by_name("breach-register.csv")
        .unwrap()
        .read_to_string(&mut register)
        .unwrap();
    assert!(register.lines().next().unwrap().ends_with("notified_at,notified_in_time,delay_reason,persons_told"));
    assert!(register.contains("2026-03-05T08:00:00Z,no,The mail was found in a weekly review.,1"), "{register}");
    // Her export says when and how she was told.
    let out = w.dir.path().join("anna.zip");
    w.lagom.export_person(&anna, &out, ReportLanguage::En).unwrap();
    let mut data = String::new();
    zip::ZipArchive::new(std::fs::File::open(&out).unwrap())
        .unwrap()
        .by_name("data.json")
        .unwrap()
        .read_to_string(&mut data)
        .unwrap();
    let data: serde_json::Value = serde_json::from_str(&data).unwrap();
    assert_eq!(data["breaches"][0]["told_on"], "2026-03-10");
    assert_eq!(data["breaches"][0]["told_channel"], "email");

    // After Anna's erasure the record of telling her stays, by id only.
    w.lagom.rights().erase(&anna, None).unwrap();
    let affected = breaches.affected(&reported.id, None).unwrap();
    assert_eq!((affected.total, affected.told), (1, 1));
    assert_eq!(affected.contacts[0].given_name, None);
    assert_eq!(affected.contacts[0].told_on.as_deref(), Some("2026-03-10"));
}

#[test]
fn a_lost_device_assessment_states_the_encryption_and_where_the_key_is_and_other_kinds_get_none() {
    let w = world(2026, 3, 10);
    let anna = w.person("Anna", &["Customer relationship"]);
    w.lagom.export_person(&anna, &w.dir.path().join("anna.zip"), ReportLanguage::En).unwrap();
    // Lost at noon, after the export: the export file may be on it.
    let laptop =
        w.lagom.breaches().add(&breach(BreachKind::LostDevice, "2026-03-10T12:00:00Z", Affected::Everyone)).unwrap();
    let assessment = w.lagom.breach_assessment(&laptop.id, ReportLanguage::En).unwrap().unwrap();
    assert!(assessment.summary.contains("Art. 34(3)(a)"), "{}", assessment.summary);
    let reasoning = assessment.reasoning.join("\n");
    for expected in ["AES-256", "keychain", "Art. 33(1)", "1 export(s)", "The data protection officer decides."] {
        assert!(reasoning.contains(expected), "{expected} in {reasoning}");
    }
    let sv = w.lagom.breach_assessment(&laptop.id, ReportLanguage::Sv).unwrap().unwrap();
    assert!(sv.summary.contains("art. 34.3 a"), "{}", sv.summary);
    let mail = w
        .lagom
        .breaches()
        .add(&breach(BreachKind::WrongRecipient, "2026-03-10T08:00:00Z", Affected::Everyone))
        .unwrap();
    assert_eq!(w.lagom.breach_assessment(&mail.id, ReportLanguage::En).unwrap(), None);
}

// ---- Information notices (Art. 13, 14) -------------------------------------------------

fn import_one(w: &World, given: &str) -> String {
    let csv = format!("Förnamn;Efternamn;E-post\n{given};Importsson;{}@example.se\n", given.to_lowercase());
    let file = lagom_core::import::read(csv.as_bytes()).unwrap();
    let options = lagom_core::ImportOptions {
        purpose: "Customer relationship".into(),
        basis: None,
        file_name: "/home/sara/mässan.csv".into(),
        mapping: None,
        skip_invalid: false,
        duplicates: lagom_core::DuplicateChoice::Skip,
        per_row: Vec::new(),
    };
    w.lagom.imports().run(&file, &options, false, None, &mut |_, _| true).unwrap();
    w.lagom.contacts().search(given).unwrap()[0].id.clone()
}

#[test]
fn a_notice_names_the_purposes_bases_retention_controller_source_and_rights_in_swedish_and_english() {
    let w = world(2026, 3, 10);
    let early = w.person("Eva", &["Customer relationship"]);
    let refused = w.lagom.notices().notice(&early, None, None).unwrap_err();
    assert_eq!(refused.field_errors()[0].code, FieldErrorCode::ControllerMissing, "a notice names the controller");
    // A notice given outside Lagom (a privacy page, paper) can still be recorded.
    let outside = lagom_core::NoticeGivenInput { channel: lagom_core::Channel::Post, on: None, language: None };
    assert_eq!(w.lagom.notices().record_given(&early, &outside).unwrap().given.len(), 1);
    let mut settings = w.lagom.settings().unwrap();
    settings.controller.name = "Bygg & Co AB".into();
    settings.controller.organisation_number = "556000-0000".into();
    settings.controller.contact = "dataskydd@bygg.example".into();
    settings.controller.dpo = "Dora Ombud, dpo@bygg.example".into();
    w.lagom.save_settings(&settings).unwrap();
    w.lagom
        .purposes()
        .create(&lagom_core::PurposeInput {
            name: "Follow-up".into(),
            description: "Follow up offers we made.".into(),
            lawful_basis: lagom_core::LawfulBasis::LegitimateInterest,
            retention_months: 18,
            retention_anchor: RetentionAnchor::FormerCustomer,
        })
        .unwrap();
    let anna = w.person("Anna", &["Customer relationship", "Newsletter", "Follow-up"]);
    let en = w.lagom.notices().notice(&anna, Some(ReportLanguage::En), None).unwrap();
    for expected in [
        "How we handle your personal data",
        "Hello Anna,",
        "Controller: Bygg & Co AB",
        "Data protection officer: Dora Ombud, dpo@bygg.example",
        "Customer relationship — Deliver and follow up what the customer has ordered.; Legal basis (GDPR Art. 6(1)): contract (b); Kept: 36 months after our last contact with you",
        "Newsletter",
        "consent (a)",
        "Follow-up",
        "legitimate interest (f)",
        "18 months after you stop being our customer",
        "you may withdraw it at any time",
        "the details are needed to fulfil it",
        "You gave these details to us.",
        "Email address",
        "Integritetsskyddsmyndigheten (IMY)",
        "Objection to processing based on our legitimate interest, and to direct marketing at any time (Art. 21).",
    ] {
        assert!(en.text.contains(expected), "{expected:?} in\n{}", en.text);
    }
    assert!(!en.text.contains("Phone number"), "no phone is held");
    assert!(en.html.contains("<td>Bygg &amp; Co AB</td>") && en.markdown.contains("| Controller | Bygg & Co AB |"));
    assert!(en.mailto.unwrap().starts_with("mailto:anna@example.se?subject=How%20we%20handle"));

    let sv = w.lagom.notices().notice(&anna, Some(ReportLanguage::Sv), None).unwrap();
    for expected in [
        "Så behandlar vi dina personuppgifter",
        "Hej Anna,",
        "avtal (b)",
        "samtycke (a)",
        "berättigat intresse (f)",
        "Du lämnade uppgifterna till oss.",
    ] {
        assert!(sv.text.contains(expected), "{expected:?} in\n{}", sv.text);
    }

    // Imported: Art. 14 names the source; the basis of the import's purpose only.
    let erik = import_one(&w, "Erik");
    let imported = w.lagom.notices().notice(&erik, None, Some(ReportLanguage::En)).unwrap();
    assert!(imported.text.contains("they were imported into our register (mässan.csv"), "{}", imported.text);
    assert!(imported.text.contains("contract (b)") && !imported.text.contains("consent (a)"));
    assert_eq!(w.lagom.notices().state(&erik).unwrap().article, lagom_core::NoticeArticle::Art14);
}

#[test]
fn an_owed_notice_is_due_at_once_when_typed_in_and_within_one_month_or_by_first_contact_when_imported() {
    let w = world(2026, 1, 31);
    w.controller();
    let anna = w.person("Anna", &["Customer relationship"]);
    let erik = import_one(&w, "Erik");
    let fia = import_one(&w, "Fia");
    // Met Erik at the fair the list came from, before the import: not a communication after it.
    let fair = lagom_core::InteractionInput {
        kind: lagom_core::InteractionKind::Event,
        date: "2026-01-20".into(),
        channel: lagom_core::Channel::Meeting,
        outcome: None,
        purpose: None,
    };
    w.lagom.interactions().add(&erik, &fair).unwrap();
    let owed = |date: &str| {
        w.set(date);
        w.lagom.notices().owed(None).unwrap()
    };
    let due = |o: &lagom_core::OwedNotices| -> Vec<(String, String, bool)> {
        o.contacts.iter().map(|n| (n.given_name.clone(), n.due.clone(), n.overdue)).collect()
    };
    let today = owed("2026-01-31");
    assert_eq!((today.total, today.overdue), (3, 0));
    assert_eq!(today.contacts[0].contact_id, anna, "typed in: due the day it was obtained (Art. 13)");
    assert_eq!(today.contacts[0].due, "2026-01-31");
    // One month from 31 January is the last day of February (Art. 14(3)(a)).
    assert_eq!(today.contacts[1].due, "2026-02-28");

    // Fia is called on 10 February: her notice is due then, at the latest (Art. 14(3)(b)).
    w.set("2026-02-10");
    let call = lagom_core::InteractionInput {
        kind: lagom_core::InteractionKind::Call,
        date: "2026-02-10".into(),
        channel: lagom_core::Channel::Phone,
        outcome: None,
        purpose: None,
    };
    w.lagom.interactions().add(&fia, &call).unwrap();
    assert_eq!(
        due(&owed("2026-02-10")),
        [
            ("Anna".into(), "2026-01-31".into(), true),
            ("Fia".into(), "2026-02-10".into(), false),
            ("Erik".into(), "2026-02-28".into(), false)
        ]
    );
    assert_eq!(due(&owed("2026-02-28"))[2], ("Erik".into(), "2026-02-28".into(), false), "the last day is in time");
    let march = owed("2026-03-01");
    assert_eq!((march.total, march.overdue), (3, 3));
    assert!(w.lagom.notices().state(&erik).unwrap().overdue);

    // Giving it takes the person off the list; a date before they were added or after today is refused.
    let given = |on: Option<&str>| lagom_core::NoticeGivenInput {
        channel: lagom_core::Channel::Email,
        on: on.map(str::to_owned),
        language: Some(ReportLanguage::Sv),
    };
    let refused = w.lagom.notices().record_given(&erik, &given(Some("2026-01-30"))).unwrap_err();
    assert_eq!(refused.field_errors()[0].code, FieldErrorCode::OutOfRange);
    let refused = w.lagom.notices().record_given(&erik, &given(Some("2026-03-02"))).unwrap_err();
    assert_eq!(refused.field_errors()[0].code, FieldErrorCode::DateInFuture);
    let state = w.lagom.notices().record_given(&erik, &given(Some("2026-02-27"))).unwrap();
    assert_eq!((state.given.len(), state.overdue), (1, false));
    assert_eq!(state.given[0].given_on, "2026-02-27");
    let home = w.lagom.home(None).unwrap();
    assert_eq!((home.notices.total, home.notices.overdue), (2, 2));
    assert!(home.notices.contacts.iter().all(|n| n.contact_id != erik));
    // The record is append-only.
    let update = w.lagom.connection().execute("UPDATE notice_given SET channel = 'post'", []);
    assert!(update.is_err());
    let audited: i64 = w
        .lagom
        .connection()
        .query_row("SELECT count(*) FROM audit_entry WHERE field = 'notice' AND subject_id = ?1", [&erik], |r| r.get(0))
        .unwrap();
    assert_eq!(audited, 1);
}

#[test]
fn the_day_a_notice_is_owed_from_is_the_users_calendar_day_not_utcs() {
    // 23:30 UTC on 31 January is 00:30 on 1 February in Stockholm.
    let clock = Arc::new(
        FixedClock::at(Utc.with_ymd_and_hms(2026, 1, 31, 23, 30, 0).unwrap())
            .in_offset(chrono::FixedOffset::east_opt(3600).unwrap()),
    );
    let dir = tempfile::tempdir().unwrap();
    let lagom =
        Lagom::create_with_clock(&dir.path().join("l.db"), &MemoryKeyStore::new(), clock.clone()).unwrap().lagom;
    let id = lagom
        .contacts()
        .create(&ContactInput {
            given_name: "Nils".into(),
            family_name: "Natt".into(),
            purposes: vec!["Customer relationship".into()],
            ..ContactInput::default()
        })
        .unwrap()
        .id;
    let state = lagom.notices().state(&id).unwrap();
    assert_eq!((state.obtained_on.as_str(), state.due.as_str(), state.overdue), ("2026-02-01", "2026-02-01", false));
    // 23:59 local on 1 February: still in time; a minute later overdue.
    clock.set(Utc.with_ymd_and_hms(2026, 2, 1, 22, 59, 0).unwrap());
    assert!(!lagom.notices().state(&id).unwrap().overdue);
    clock.set(Utc.with_ymd_and_hms(2026, 2, 1, 23, 0, 0).unwrap());
    assert!(lagom.notices().state(&id).unwrap().overdue);
}

#[test]
fn a_notified_breach_stays_on_home_until_its_persons_are_told_or_decided_not_to_need_it() {
    let w = world(2026, 3, 10);
    w.controller();
    let anna = w.person("Anna", &["Customer relationship"]);
    let bo = w.person("Bo", &["Customer relationship"]);
    let lin = w
        .lagom
        .contacts()
        .create(&ContactInput {
            given_name: "Li".into(),
            family_name: "Lin".into(),
            purposes: vec!["Customer relationship".into()],
            ..ContactInput::default()
        })
        .unwrap()
        .id;
    let breaches = w.lagom.breaches();
    let mail = breaches
        .add(&breach(
            BreachKind::WrongRecipient,
            "2026-03-09T10:00:00Z",
            Affected::Contacts(vec![anna.clone(), bo.clone(), lin.clone()]),
        ))
        .unwrap();
    // A family name is refused as a word, not inside another ("Lin" in "deadline").
    let closing = |reason: &str| BreachClosing {
        status: BreachStatus::Notified,
        reason: Some(reason.into()),
        notified_at: None,
        delay_reason: None,
    };
    let named = breaches.close(&mail.id, &closing("IMY 2026-7, about the mail to Lin.")).unwrap_err();
    assert_eq!(named.field_errors()[0].code, FieldErrorCode::PersonNamed);
    let notified = breaches.close(&mail.id, &closing("IMY 2026-7, well inside the deadline.")).unwrap();
    assert_eq!((notified.to_tell, notified.told), (3, 0));
    let on_home = |w: &World| w.lagom.home(None).unwrap().breaches.iter().map(|b| b.id.clone()).collect::<Vec<_>>();
    assert_eq!(on_home(&w), std::slice::from_ref(&mail.id), "notified, but three persons still to tell");

    breaches.record_told(&mail.id, &anna, lagom_core::Channel::Email, None).unwrap();
    // An erased person can no longer be told, and is not waited for.
    w.lagom.rights().erase(&bo, None).unwrap();
    assert_eq!(breaches.get(&mail.id).unwrap().to_tell, 1);
    let refused = breaches.persons_not_required(&mail.id, "Lin was told by phone by the recipient.").unwrap_err();
    assert_eq!(refused.field_errors()[0].code, FieldErrorCode::PersonNamed);
    let decided = breaches.persons_not_required(&mail.id, "The recipient deleted it unread; no risk remains.").unwrap();
    assert!(decided.persons_reason.is_some() && decided.persons_decided_at.is_some());
    assert!(on_home(&w).is_empty(), "decided: off Home");
    assert!(breaches.persons_not_required(&mail.id, "Again.").is_err(), "decided once");
}

#[test]
fn a_breach_letter_and_the_day_a_person_was_told_are_read_in_the_users_calendar() {
    // 23:30 UTC on 9 March is 00:30 on 10 March in Stockholm (+01:00).
    let clock = Arc::new(
        FixedClock::at(Utc.with_ymd_and_hms(2026, 3, 10, 8, 0, 0).unwrap())
            .in_offset(chrono::FixedOffset::east_opt(3600).unwrap()),
    );
    let dir = tempfile::tempdir().unwrap();
    let w = World {
        lagom: Lagom::create_with_clock(&dir.path().join("l.db"), &MemoryKeyStore::new(), clock.clone()).unwrap().lagom,
        dir,
        clock,
    };
    w.controller();
    let anna = w.person("Anna", &["Customer relationship"]);
    let breaches = w.lagom.breaches();
    let found = breaches
        .add(&breach(BreachKind::WrongRecipient, "2026-03-10T00:30:00+01:00", Affected::Contacts(vec![anna.clone()])))
        .unwrap();
    assert_eq!(found.discovered_at, "2026-03-09T23:30:00Z");
    let letter = breaches.notification(&found.id, &anna, Some(ReportLanguage::En), None).unwrap();
    assert!(letter.text.contains("We discovered it on 2026-03-10."), "{}", letter.text);
    let told = breaches.record_told(&found.id, &anna, lagom_core::Channel::Phone, Some("2026-03-10")).unwrap();
    assert_eq!(told.told_on.as_deref(), Some("2026-03-10"), "the day it was found where the user is");
}
