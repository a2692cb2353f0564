//! Export of everything held about one person (R-3 portability, R-5 access): one ZIP with
//! `data.json`, `contact.vcf` (vCard 4.0), one CSV per record type (contact, consent events,
//! interactions, audit entries), `report.html` (a readable
//! register extract in the user's language) and `manifest.json` (SHA-256 of each file).
//! The ZIP is written to a private (0600), exclusively created temporary file in the target
//! folder, the export is recorded in the audit trail without copying the data, and only then
//! is the file renamed into place. The offered file name holds no personal data.

use std::io::Write;
use std::path::Path;

use serde::Serialize;
use sha2::{Digest, Sha256};
use ts_rs::TS;

use crate::audit::{self, AuditAction, AuditEntry, Change};
use crate::breaches::BreachSummary;
use crate::clock::new_id;
use crate::consent::{ConsentEvent, ConsentLedger, ConsentState, OptOuts};
use crate::contacts::{Contact, Contacts};
use crate::context::Ctx;
use crate::error::{Error, Result};
use crate::interactions::{Interaction, Interactions};
use crate::notices::NoticeState;
use crate::purposes::{Purpose, Purposes};
use crate::requests::{Request, Requests};
use crate::retention::{Hold, Retention};
use crate::vocab::{Channel, InteractionKind};

/// The version of `data.json`'s layout (documented in docs/export-schema.json).
pub const EXPORT_SCHEMA_VERSION: u32 = 1;

/// The language of the register extract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ReportLanguage {
    En,
    Sv,
}

/// What was written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ExportReceipt {
    /// The export's random id: what closes an access or portability request
    /// (`lagom request close REF --answer ID`), and what the audit trail records.
    pub id: String,
    pub path: String,
    pub bytes: u32,
    pub files: Vec<String>,
}

#[derive(Debug, Serialize)]
struct Data<'a> {
    schema_version: u32,
    exported_at: &'a str,
    exported_by: &'a str,
    contact: &'a Contact,
    purposes: Vec<&'a Purpose>,
    consent_state: &'a [ConsentState],
    consent_events: &'a [ConsentEvent],
    opt_outs: &'a OptOuts,
    interactions: &'a [Interaction],
    requests: &'a [Request],
    /// Personal data breaches that affected the person (Art. 33, 34).
    breaches: &'a [BreachSummary],
    /// The information notice (Art. 13, 14): owed since and by when, and when it was given.
    notice: &'a NoticeState,
    retention_holds: &'a [Hold],
    /// The day the retention sweep first found the person due for erasure, and the expiry it
    /// saw, if it has.
    retention_due_since: Option<String>,
    retention_due_expires: Option<String>,
    audit_entries: &'a [AuditEntry],
}

#[derive(Debug, Serialize)]
struct Manifest<'a> {
    schema_version: u32,
    /// The export's id, as its receipt and the audit trail name it.
    export_id: &'a str,
    created_at: &'a str,
    created_by: &'a str,
    app: String,
    files: Vec<ManifestFile>,
}

#[derive(Debug, Serialize)]
pub(crate) struct ManifestFile {
    name: String,
    bytes: usize,
    sha256: String,
}

impl ManifestFile {
    /// Each file's name, size and SHA-256, for a manifest.
    pub(crate) fn list(files: &[(String, Vec<u8>)]) -> Vec<ManifestFile> {
        files
            .iter()
            .map(|(name, bytes)| ManifestFile {
                name: name.clone(),
                bytes: bytes.len(),
                sha256: hex::encode(Sha256::digest(bytes)),
            })
            .collect()
    }
}

/// The register extract (`report.html`) of an export ZIP, so the salesperson can read it before
/// sending the file; at most 16 MiB is read.
pub fn register_extract(zip_path: &Path) -> Result<Vec<u8>> {
    use std::io::Read;
    let file = std::fs::File::open(zip_path).map_err(|e| Error::io("read", zip_path, e))?;
    let invalid =
        |what: &str| Error::io("read", zip_path, std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_owned()));
    let mut archive = zip::ZipArchive::new(file).map_err(|_| invalid("not a Lagom export"))?;
    let entry = archive.by_name("report.html").map_err(|_| invalid("no register extract in the export"))?;
    let mut html = Vec::new();
    entry.take(16 << 20).read_to_end(&mut html).map_err(|e| Error::io("read", zip_path, e))?;
    Ok(html)
}

/// The file name offered for the export of `contact`: `lagom-export-3f2a9c1b-2026-11-29.zip`.
/// It holds no personal data — the desktop's recently-used list and error messages keep file
/// names long after an erasure — only the start of the contact's random id and the date.
pub fn suggested_file_name(contact: &Contact, today: chrono::NaiveDate) -> String {
    let opaque: String = contact.id.chars().filter(char::is_ascii_hexdigit).take(8).collect();
    format!("lagom-export-{opaque}-{}.zip", today.format("%Y-%m-%d"))
}

pub(crate) fn export_person(
    ctx: Ctx<'_>,
    contact_id: &str,
    out: &Path,
    language: ReportLanguage,
) -> Result<ExportReceipt> {
    let contact = Contacts::new(ctx).get(contact_id)?;
    let ledger = ConsentLedger::new(ctx);
    let consent_events = ledger.history(contact_id)?;
    let consent_state = ledger.state(contact_id)?;
    let opt_outs = ledger.opt_outs(contact_id)?;
    let all_purposes = Purposes::new(ctx).list()?;
    let purposes: Vec<&Purpose> =
        all_purposes.iter().filter(|p| contact.purposes.iter().any(|cp| cp.id == p.id)).collect();
    let interactions = Interactions::new(ctx).list(contact_id)?;
    let requests = Requests::new(ctx).for_contact(contact_id)?;
    let breaches = crate::breaches::Breaches::new(ctx).of_contact(contact_id)?;
    let notice = crate::notices::Notices::new(ctx).state(contact_id)?;
    let retention_holds = Retention::new(ctx).holds(contact_id)?;
    let (retention_due_since, retention_due_expires) = Retention::new(ctx).due_since(contact_id)?.unzip();
    let export_id = new_id();
    let audit_entries = audit::for_subject(ctx.conn, contact_id, Some(&crate::contacts::audited_fields(&contact)))?;
    let now = ctx.now();
    let actor = ctx.actor;

    let data = Data {
        schema_version: EXPORT_SCHEMA_VERSION,
        exported_at: &now,
        exported_by: actor,
        contact: &contact,
        purposes: purposes.clone(),
        consent_state: &consent_state,
        consent_events: &consent_events,
        opt_outs: &opt_outs,
        interactions: &interactions,
        requests: &requests,
        breaches: &breaches,
        notice: &notice,
        retention_holds: &retention_holds,
        retention_due_since,
        retention_due_expires,
        audit_entries: &audit_entries,
    };
    let json =
        serde_json::to_vec_pretty(&data).map_err(|e| Error::io("encode", "data.json", std::io::Error::other(e)))?;
    let mut files: Vec<(String, Vec<u8>)> = vec![
        ("data.json".into(), json),
        ("contact.vcf".into(), vcard(&contact).into_bytes()),
        ("contact.csv".into(), csv(&contact_rows(&contact))),
        ("consent_events.csv".into(), csv(&consent_rows(&consent_events))),
        ("interactions.csv".into(), csv(&interaction_rows(&interactions))),
        ("audit_entries.csv".into(), csv(&audit_rows(&audit_entries))),
        (
            "report.html".into(),
            report(&contact, &purposes, &consent_events, &opt_outs, &interactions, &now, language).into_bytes(),
        ),
    ];
    let manifest = Manifest {
        schema_version: EXPORT_SCHEMA_VERSION,
        export_id: &export_id,
        created_at: &now,
        created_by: actor,
        app: format!("Lagom CRM {}", env!("CARGO_PKG_VERSION")),
        files: ManifestFile::list(&files),
    };
    let manifest = serde_json::to_vec_pretty(&manifest)
        .map_err(|e| Error::io("encode", "manifest.json", std::io::Error::other(e)))?;
    files.push(("manifest.json".into(), manifest));

    // The export is in the audit trail before anyone can open the file.
    let written = write_zip(out, &files, |_| {
        let tx = ctx.conn.unchecked_transaction()?;
        audit::record(
            &ctx,
            Change {
                action: AuditAction::Export,
                subject_id: Some(contact_id),
                field: Some(&format!("export/{export_id}")),
                old_value: None,
                new_value: None,
            },
        )?;
        Ok(tx.commit()?)
    })?;
    Ok(ExportReceipt {
        id: export_id,
        path: out.display().to_string(),
        bytes: u32::try_from(written).unwrap_or(u32::MAX),
        files: files.into_iter().map(|(name, _)| name).collect(),
    })
}

/// Writes the ZIP through a private temporary file in the target folder (see
/// [`crate::store::publish_private_file`]); `before_publish` runs once it is complete.
pub(crate) fn write_zip(
    out: &Path,
    files: &[(String, Vec<u8>)],
    before_publish: impl FnOnce(&u64) -> Result<()>,
) -> Result<u64> {
    crate::store::publish_private_file(
        out,
        |file| {
            // Built in memory (the files already are), then written in one go: a full disk is
            // then a plain write error, and the ZIP writer never retries on a failed file.
            let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
            let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
            for (name, bytes) in files {
                zip.start_file(name.as_str(), options).map_err(std::io::Error::other)?;
                zip.write_all(bytes)?;
            }
            let archive = zip.finish().map_err(std::io::Error::other)?.into_inner();
            file.write_all(&archive)?;
            Ok(archive.len() as u64)
        },
        before_publish,
    )
}

// ---- vCard 4.0 (RFC 6350) -----------------------------------------------------------------

/// Escapes a text value: backslash, comma, semicolon and newlines (RFC 6350 §3.4).
fn vcard_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ',' => out.push_str("\\,"),
            ';' => out.push_str("\\;"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Folds a content line at 75 octets with CRLF + space, never inside a UTF-8 character.
fn vcard_fold(line: &str) -> String {
    let mut out = String::new();
    let mut width = 0;
    for c in line.chars() {
        let len = c.len_utf8();
        if width + len > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += len;
    }
    out.push_str("\r\n");
    out
}

pub(crate) fn vcard(c: &Contact) -> String {
    let mut lines = vec![
        "BEGIN:VCARD".to_owned(),
        "VERSION:4.0".to_owned(),
        format!("FN:{}", vcard_escape(&format!("{} {}", c.given_name, c.family_name))),
        format!("N:{};{};;;", vcard_escape(&c.family_name), vcard_escape(&c.given_name)),
    ];
    if let Some(email) = &c.email {
        lines.push(format!("EMAIL;TYPE=work:{}", vcard_escape(email)));
    }
    if let Some(phone) = &c.phone {
        lines.push(format!("TEL;VALUE=uri;TYPE=voice:tel:{phone}"));
    }
    if let Some(org) = &c.organisation {
        lines.push(format!("ORG:{}", vcard_escape(org)));
    }
    if let Some(role) = &c.role {
        lines.push(format!("TITLE:{}", vcard_escape(role)));
    }
    if let Some(lang) = &c.language {
        lines.push(format!("LANG:{lang}"));
    }
    if !c.tags.is_empty() {
        let tags: Vec<String> = c.tags.iter().map(|t| vcard_escape(t)).collect();
        lines.push(format!("CATEGORIES:{}", tags.join(",")));
    }
    lines.push(format!("UID:urn:uuid:{}", c.id));
    lines.push(format!("REV:{}", c.updated_at.replace(['-', ':'], "")));
    lines.push("END:VCARD".to_owned());
    lines.iter().map(|l| vcard_fold(l)).collect()
}

// ---- CSV (RFC 4180, UTF-8 with BOM so Excel reads it as UTF-8) ----------------------------

/// Every CSV Lagom writes: RFC 4180 quoting, and no cell a spreadsheet would run as a formula.
pub(crate) fn csv(rows: &[Vec<String>]) -> Vec<u8> {
    let mut out = String::from("\u{feff}");
    for row in rows {
        let fields: Vec<String> = row
            .iter()
            .map(|f| {
                let f = neutralise_formula(f);
                if f.contains(['"', ',', '\r', '\n', ';']) {
                    format!("\"{}\"", f.replace('"', "\"\""))
                } else {
                    f.into_owned()
                }
            })
            .collect();
        out.push_str(&fields.join(","));
        out.push_str("\r\n");
    }
    out.into_bytes()
}

/// A cell starting with `=`, `+`, `-`, `@`, tab or carriage return is a formula to Excel,
/// LibreOffice and Google Sheets (CSV injection); a leading apostrophe makes it plain text
/// (OWASP's advice). `+46701234567` is shown as `'+46701234567` and stays readable.
fn neutralise_formula(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

fn opt(v: &Option<String>) -> String {
    v.clone().unwrap_or_default()
}

fn contact_rows(c: &Contact) -> Vec<Vec<String>> {
    vec![
        [
            "id",
            "given_name",
            "family_name",
            "email",
            "phone",
            "organisation",
            "role",
            "channel",
            "material",
            "language",
            "stage",
            "owner",
            "tags",
            "purposes",
            "created_at",
            "updated_at",
        ]
        .map(String::from)
        .to_vec(),
        vec![
            c.id.clone(),
            c.given_name.clone(),
            c.family_name.clone(),
            opt(&c.email),
            opt(&c.phone),
            opt(&c.organisation),
            opt(&c.role),
            c.channel.map(|v| v.as_str().to_owned()).unwrap_or_default(),
            c.material.map(|v| v.as_str().to_owned()).unwrap_or_default(),
            opt(&c.language),
            c.stage.as_str().to_owned(),
            opt(&c.owner),
            c.tags.join("; "),
            c.purposes.iter().map(|p| p.name.clone()).collect::<Vec<_>>().join("; "),
            c.created_at.clone(),
            c.updated_at.clone(),
        ],
    ]
}

fn consent_rows(events: &[ConsentEvent]) -> Vec<Vec<String>> {
    let mut rows = vec![
        ["at", "kind", "purpose", "channel", "source", "wording_sha256", "recorded_by"].map(String::from).to_vec(),
    ];
    rows.extend(events.iter().map(|e| {
        vec![
            e.at.clone(),
            e.kind.as_str().to_owned(),
            opt(&e.purpose_name),
            e.channel.map(|c| c.as_str().to_owned()).unwrap_or_else(|| "all".into()),
            e.source.as_str().to_owned(),
            opt(&e.wording_sha256),
            e.recorded_by.clone(),
        ]
    }));
    rows
}

fn interaction_rows(interactions: &[Interaction]) -> Vec<Vec<String>> {
    let mut rows = vec![["date", "type", "channel", "outcome", "purpose", "recorded_by"].map(String::from).to_vec()];
    rows.extend(interactions.iter().map(|i| {
        vec![
            i.date.clone(),
            i.kind.as_str().to_owned(),
            i.channel.as_str().to_owned(),
            opt(&i.outcome),
            opt(&i.purpose_name),
            i.recorded_by.clone(),
        ]
    }));
    rows
}

fn audit_rows(entries: &[AuditEntry]) -> Vec<Vec<String>> {
    let mut rows = vec![
        ["seq", "at", "actor", "action", "field", "old_value", "new_value", "unconfirmed"].map(String::from).to_vec(),
    ];
    rows.extend(entries.iter().map(|e| {
        vec![
            e.seq.to_string(),
            e.at.clone(),
            e.actor.clone(),
            e.action.clone(),
            opt(&e.field),
            opt(&e.old_value),
            opt(&e.new_value),
            if e.unconfirmed { "yes" } else { "" }.to_owned(),
        ]
    }));
    rows
}

// ---- The register extract (Art. 15) -------------------------------------------------------

fn interaction_word(kind: InteractionKind, language: ReportLanguage) -> &'static str {
    match (kind, language) {
        (InteractionKind::Call, ReportLanguage::En) => "call",
        (InteractionKind::Meeting, ReportLanguage::En) => "meeting",
        (InteractionKind::Email, ReportLanguage::En) => "email",
        (InteractionKind::Event, ReportLanguage::En) => "event",
        (InteractionKind::Purchase, ReportLanguage::En) => "purchase",
        (InteractionKind::Support, ReportLanguage::En) => "support",
        (InteractionKind::Call, ReportLanguage::Sv) => "samtal",
        (InteractionKind::Meeting, ReportLanguage::Sv) => "möte",
        (InteractionKind::Email, ReportLanguage::Sv) => "e-post",
        (InteractionKind::Event, ReportLanguage::Sv) => "evenemang",
        (InteractionKind::Purchase, ReportLanguage::Sv) => "köp",
        (InteractionKind::Support, ReportLanguage::Sv) => "support",
    }
}

fn channel_word(channel: Channel, language: ReportLanguage) -> &'static str {
    match (channel, language) {
        (Channel::Email, ReportLanguage::En) => "email",
        (Channel::Phone, ReportLanguage::En) => "phone",
        (Channel::Sms, ReportLanguage::En) => "SMS",
        (Channel::Post, ReportLanguage::En) => "post",
        (Channel::Meeting, ReportLanguage::En) => "in person",
        (Channel::Email, ReportLanguage::Sv) => "e-post",
        (Channel::Phone, ReportLanguage::Sv) => "telefon",
        (Channel::Sms, ReportLanguage::Sv) => "SMS",
        (Channel::Post, ReportLanguage::Sv) => "post",
        (Channel::Meeting, ReportLanguage::Sv) => "personligen",
    }
}

/// The default outcomes in Swedish; an outcome added in settings is shown as written.
fn outcome_word(outcome: &str, language: ReportLanguage) -> &str {
    match (language, outcome) {
        (ReportLanguage::Sv, "interested") => "intresserad",
        (ReportLanguage::Sv, "not interested") => "inte intresserad",
        (ReportLanguage::Sv, "follow up") => "följ upp",
        (ReportLanguage::Sv, "ordered") => "har beställt",
        (ReportLanguage::Sv, "no answer") => "inget svar",
        _ => outcome,
    }
}

/// Escapes text for HTML content and attribute values (the register extract, the Art. 30 record).
pub(crate) fn esc(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

struct Words {
    lang: &'static str,
    title: &'static str,
    intro: &'static str,
    data: &'static str,
    purposes: &'static str,
    purpose: &'static str,
    basis: &'static str,
    retention: &'static str,
    months: &'static str,
    consent: &'static str,
    interactions: &'static str,
    none: &'static str,
    sources: &'static str,
    sources_text: &'static str,
    /// For an imported contact (Art. 15(1)(g)): `{source}` is where it came from.
    sources_imported: &'static str,
    recipients: &'static str,
    recipients_text: &'static str,
    rights: &'static str,
    rights_items: [&'static str; 8],
    generated: &'static str,
    labels: [&'static str; 13],
}

const EN: Words = Words {
    lang: "en",
    title: "Register extract",
    intro: "This is everything our customer register (Lagom CRM) holds about you, as required by Article 15 of the GDPR.",
    data: "Your data",
    purposes: "Why we keep it, on which legal basis, and for how long",
    purpose: "Purpose",
    basis: "Lawful basis",
    retention: "Kept for",
    months: "months after the last contact or the end of the contract",
    consent: "Consent and marketing choices",
    interactions: "Our contacts with you",
    none: "None recorded.",
    sources: "Where the data came from",
    sources_text: "The data was entered by our staff from what you told us (a form, a phone call, a meeting or an email), as recorded below.",
    sources_imported: "Your contact details came to us in a list we imported ({source}); what you told us since is recorded below.",
    recipients: "Who receives it",
    recipients_text: "The data is kept in an encrypted database on our own computers. No recipients outside our organisation are recorded.",
    rights: "Your rights",
    rights_items: [
        "(a) The purposes of the processing are listed above.",
        "(b) The categories of data are the fields listed above.",
        "(c) Recipients: see above.",
        "(d) Retention: see the periods above.",
        "(e) You may ask us to correct or erase your data, to restrict its processing, or object to it — including at any time to direct marketing.",
        "(f) You may lodge a complaint with a supervisory authority (in Sweden: Integritetsskyddsmyndigheten, IMY).",
        "(g) Source: see above.",
        "(h) We make no automated decisions or profiling about you.",
    ],
    generated: "Produced",
    labels: [
        "Given name",
        "Family name",
        "Email",
        "Phone",
        "Organisation",
        "Role",
        "Preferred channel",
        "Preferred material",
        "Language",
        "Stage",
        "Interests",
        "Recorded",
        "Last changed",
    ],
};

const SV: Words = Words {
    lang: "sv",
    title: "Registerutdrag",
    intro: "Detta är allt vårt kundregister (Lagom CRM) innehåller om dig, enligt artikel 15 i dataskyddsförordningen (GDPR).",
    data: "Dina uppgifter",
    purposes: "Varför vi sparar dem, med vilken rättslig grund och hur länge",
    purpose: "Ändamål",
    basis: "Rättslig grund",
    retention: "Sparas",
    months: "månader efter senaste kontakt eller avtalets slut",
    consent: "Samtycken och val om marknadsföring",
    interactions: "Våra kontakttillfällen med dig",
    none: "Inget registrerat.",
    sources: "Varifrån uppgifterna kommer",
    sources_text: "Uppgifterna har förts in av vår personal utifrån vad du berättat för oss (formulär, telefon, möte eller e-post), som anges nedan.",
    sources_imported: "Dina kontaktuppgifter kom till oss i en lista som vi importerade ({source}); det du berättat för oss sedan anges nedan.",
    recipients: "Vem som tar emot dem",
    recipients_text: "Uppgifterna finns i en krypterad databas på våra egna datorer. Inga mottagare utanför vår organisation finns registrerade.",
    rights: "Dina rättigheter",
    rights_items: [
        "(a) Ändamålen med behandlingen anges ovan.",
        "(b) Kategorierna av uppgifter är fälten ovan.",
        "(c) Mottagare: se ovan.",
        "(d) Lagringstid: se perioderna ovan.",
        "(e) Du kan begära rättelse eller radering, begränsning av behandlingen, eller invända mot den — och när som helst mot direktmarknadsföring.",
        "(f) Du kan klaga hos en tillsynsmyndighet (i Sverige Integritetsskyddsmyndigheten, IMY).",
        "(g) Källa: se ovan.",
        "(h) Vi fattar inga automatiserade beslut och gör ingen profilering om dig.",
    ],
    generated: "Framtaget",
    labels: [
        "Förnamn",
        "Efternamn",
        "E-post",
        "Telefon",
        "Organisation",
        "Roll",
        "Föredragen kanal",
        "Föredraget material",
        "Språk",
        "Kundfas",
        "Intressen",
        "Registrerad",
        "Senast ändrad",
    ],
};

fn report(
    c: &Contact,
    purposes: &[&Purpose],
    events: &[ConsentEvent],
    opt_outs: &OptOuts,
    interactions: &[Interaction],
    now: &str,
    language: ReportLanguage,
) -> String {
    let w = match language {
        ReportLanguage::En => &EN,
        ReportLanguage::Sv => &SV,
    };
    let values = [
        Some(c.given_name.clone()),
        Some(c.family_name.clone()),
        c.email.clone(),
        c.phone.clone(),
        c.organisation.clone(),
        c.role.clone(),
        c.channel.map(|v| v.as_str().to_owned()),
        c.material.map(|v| v.as_str().to_owned()),
        c.language.clone(),
        Some(c.stage.as_str().replace('_', " ")),
        (!c.tags.is_empty()).then(|| c.tags.join(", ")),
        Some(c.created_at.clone()),
        Some(c.updated_at.clone()),
    ];
    let mut html = format!(
        "<!doctype html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\"><title>{title}</title>\n<style>\
         @page {{ size: A4; margin: 18mm; }} body {{ font: 11pt/1.45 system-ui, sans-serif; color: #1d2421; max-width: 46em; margin: 2em auto; }}\
         h1 {{ font-size: 18pt; margin-bottom: .2em; }} h2 {{ font-size: 13pt; margin-top: 1.6em; border-bottom: 1px solid #ccc; }}\
         table {{ border-collapse: collapse; width: 100%; }} th, td {{ text-align: left; padding: .25em .5em; border-bottom: 1px solid #eee; vertical-align: top; }}\
         th {{ width: 35%; font-weight: 600; }} h2, table, li {{ break-inside: avoid; }} .muted {{ color: #5f6b66; }}\
         </style></head><body>\n<h1>{title}</h1>\n<p class=\"muted\">{name} · {generated} {now}</p>\n<p>{intro}</p>\n<h2>{data}</h2>\n<table>\n",
        lang = w.lang,
        title = w.title,
        name = esc(&format!("{} {}", c.given_name, c.family_name)),
        generated = w.generated,
        now = esc(now),
        intro = w.intro,
        data = w.data,
    );
    for (label, value) in w.labels.iter().zip(values) {
        if let Some(value) = value {
            html.push_str(&format!("<tr><th>{label}</th><td>{}</td></tr>\n", esc(&value)));
        }
    }
    html.push_str(&format!(
        "</table>\n<h2>{}</h2>\n<table>\n<tr><th>{}</th><th>{}</th><th>{}</th></tr>\n",
        w.purposes, w.purpose, w.basis, w.retention
    ));
    for p in purposes {
        html.push_str(&format!(
            "<tr><td><strong>{}</strong><br><span class=\"muted\">{}</span></td><td>{}</td><td>{} {}</td></tr>\n",
            esc(&p.name),
            esc(&p.description),
            p.lawful_basis.as_str().replace('_', " "),
            p.retention_months,
            w.months
        ));
    }
    html.push_str(&format!("</table>\n<h2>{}</h2>\n", w.consent));
    if events.is_empty() && !opt_outs.all && opt_outs.channels.is_empty() {
        html.push_str(&format!("<p>{}</p>\n", w.none));
    } else {
        html.push_str("<ul>\n");
        for e in events {
            html.push_str(&format!(
                "<li>{} — {} {} {} ({})</li>\n",
                esc(&e.at),
                e.kind.as_str().replace('_', " "),
                esc(e.purpose_name.as_deref().unwrap_or("")),
                e.channel.map(|c| c.as_str()).unwrap_or("all"),
                e.source.as_str()
            ));
        }
        html.push_str("</ul>\n");
    }
    html.push_str(&format!("<h2>{}</h2>\n", w.interactions));
    if interactions.is_empty() {
        html.push_str(&format!("<p>{}</p>\n", w.none));
    } else {
        html.push_str("<ul>\n");
        for i in interactions {
            html.push_str(&format!(
                "<li>{} — {} ({}){}{}</li>\n",
                esc(&i.date),
                interaction_word(i.kind, language),
                channel_word(i.channel, language),
                i.outcome.as_deref().map(|o| format!(": {}", esc(outcome_word(o, language)))).unwrap_or_default(),
                i.purpose_name.as_deref().map(|p| format!(" · {}", esc(p))).unwrap_or_default(),
            ));
        }
        html.push_str("</ul>\n");
    }
    // Where the data came from (Art. 15(1)(g)): the import it arrived in, if it did.
    let sources = match &c.source {
        Some(source) => w.sources_imported.replace("{source}", &esc(source)),
        None => w.sources_text.to_owned(),
    };
    html.push_str(&format!(
        "<h2>{}</h2>\n<p>{}</p>\n<h2>{}</h2>\n<p>{}</p>\n<h2>{}</h2>\n<ul>\n",
        w.sources, sources, w.recipients, w.recipients_text, w.rights
    ));
    for item in w.rights_items {
        html.push_str(&format!("<li>{item}</li>\n"));
    }
    html.push_str("</ul>\n</body></html>\n");
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vcard_text_is_escaped_and_long_lines_fold_on_character_boundaries() {
        assert_eq!(vcard_escape("a,b;c\\d\ne"), "a\\,b\\;c\\\\d\\ne");
        let line = format!("ORG:{}", "Å".repeat(60));
        let folded = vcard_fold(&line);
        for physical in folded.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(physical.len() <= 75, "{} octets", physical.len());
        }
        assert_eq!(folded.replace("\r\n ", "").trim_end(), line);
    }

    #[test]
    fn csv_quotes_what_needs_quoting_and_starts_with_a_bom() {
        let bytes = csv(&[vec!["a".into(), "b,c".into(), "say \"hi\"".into(), "x\ny".into()]]);
        let text = String::from_utf8(bytes).unwrap();
        assert_eq!(text, "\u{feff}a,\"b,c\",\"say \"\"hi\"\"\",\"x\ny\"\r\n");
    }

    #[test]
    fn csv_cells_that_a_spreadsheet_would_run_as_formulas_are_neutralised() {
        let cells = ["=HYPERLINK(\"http://x\")", "+46701234567", "-1", "@SUM(A1)", "\tx", "\rx", "Anna", "a=b"];
        let text = String::from_utf8(csv(&[cells.iter().map(|c| c.to_string()).collect()])).unwrap();
        assert_eq!(
            text,
            "\u{feff}\"'=HYPERLINK(\"\"http://x\"\")\",'+46701234567,'-1,'@SUM(A1),'\tx,\"'\rx\",Anna,a=b\r\n"
        );
    }

    #[test]
    fn the_suggested_export_name_holds_no_personal_data() {
        let contact = Contact {
            id: "3f2a9c1b-0000-4000-8000-000000000000".into(),
            given_name: "Anna".into(),
            family_name: "Östlund".into(),
            email: Some("anna@example.se".into()),
            phone: None,
            organisation: Some("Ålands Bygg".into()),
            role: None,
            channel: None,
            material: None,
            language: None,
            stage: crate::Stage::Lead,
            owner: None,
            tags: vec![],
            purposes: vec![],
            source: None,
            created_at: String::new(),
            updated_at: String::new(),
        };
        let name = suggested_file_name(&contact, chrono::NaiveDate::from_ymd_opt(2026, 11, 29).unwrap());
        assert_eq!(name, "lagom-export-3f2a9c1b-2026-11-29.zip");
        assert!(name.starts_with("lagom-export-3f2a9c1b-"), "{name}");
        for personal in ["anna", "ostlund", "stlund", "aland", "example"] {
            assert!(!name.to_lowercase().contains(personal), "{name}");
        }
    }

    #[test]
    fn html_is_escaped() {
        assert_eq!(esc("<b>&\"</b>"), "&lt;b&gt;&amp;&quot;&lt;/b&gt;");
    }
}
