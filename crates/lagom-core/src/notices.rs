//! Telling people what is held about them and why (Art. 13, 14): the information notice of one
//! contact, generated in Swedish or English from what is live — the purposes the contact is
//! held for with their lawful bases and retention, the controller and DPO in settings, the
//! source of the data when it was not collected from the person (an import), and the person's
//! rights with how to use them — and the append-only record of when it was given and how.
//!
//! A notice is owed until one is recorded: for data collected from the person (typed in) from
//! the day it was obtained (Art. 13(1): "at the time when personal data are obtained"); for data
//! obtained elsewhere (imported) within one month, and at the latest at the first communication
//! (Art. 14(3)(a), (b)), which Lagom knows as the first interaction recorded.

use chrono::{Months, NaiveDate};
use rusqlite::params;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::audit::{self, AuditAction, Change};
use crate::clock::{self, new_id};
use crate::contacts::{Contact, Contacts};
use crate::context::Ctx;
use crate::document::{Block, Letter};
use crate::error::{Error, FieldErrorCode, InvalidInput, Result};
use crate::export::ReportLanguage;
use crate::purposes::{Purpose, Purposes};
use crate::record::basis_name;
use crate::settings::Settings;
use crate::vocab::{Channel, LawfulBasis, RetentionAnchor};

/// How long after obtaining data from elsewhere the notice may wait (Art. 14(3)(a)).
pub const ART_14_MONTHS: u32 = 1;

pub(crate) const SCHEMA: &str = r#"
-- When a person was given their information notice and how: only ever appended to.
CREATE TABLE notice_given (
    seq         INTEGER PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,
    contact_id  TEXT NOT NULL REFERENCES contact(id) ON DELETE CASCADE,
    given_on    TEXT NOT NULL CHECK (given_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    channel     TEXT NOT NULL CHECK (channel IN ('email', 'phone', 'sms', 'post', 'meeting')),
    language    TEXT NOT NULL CHECK (language IN ('en', 'sv')),
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL
) STRICT;
CREATE INDEX notice_given_by_contact ON notice_given (contact_id, given_on);
CREATE TRIGGER notice_given_append_only BEFORE UPDATE ON notice_given BEGIN
    SELECT RAISE(ABORT, 'the notice record is append-only');
END;
CREATE TRIGGER notice_given_no_delete BEFORE DELETE ON notice_given
WHEN NOT EXISTS (SELECT 1 FROM erase_guard) BEGIN
    SELECT RAISE(ABORT, 'the notice record is append-only; only erasure removes it');
END;
"#;

/// Which article a contact's notice is owed under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum NoticeArticle {
    /// Collected from the person: at the time it is obtained.
    Art13,
    /// Obtained from elsewhere (an import): within one month, at the latest at first contact.
    Art14,
}

/// One notice given, as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct NoticeGiven {
    pub id: String,
    /// `YYYY-MM-DD`.
    pub given_on: String,
    pub channel: Channel,
    pub language: ReportLanguage,
    pub recorded_by: String,
    pub recorded_at: String,
}

/// A contact's notice: owed since when and by when, and every time it was given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct NoticeState {
    pub contact_id: String,
    pub article: NoticeArticle,
    /// The day the data was obtained (the contact's creation, in the user's calendar).
    pub obtained_on: String,
    /// The last day to give it: the day obtained (Art. 13), or one month after it or the
    /// first interaction, whichever is earlier (Art. 14).
    pub due: String,
    /// Nothing given and the due day has passed.
    pub overdue: bool,
    /// Newest first; empty while it is owed.
    pub given: Vec<NoticeGiven>,
}

/// A contact whose notice is still owed (the home view and `lagom notice owed`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct OwedNotice {
    pub contact_id: String,
    pub given_name: String,
    pub family_name: String,
    pub article: NoticeArticle,
    pub obtained_on: String,
    pub due: String,
    pub overdue: bool,
}

/// The owed notices: how many, and the earliest due ones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct OwedNotices {
    pub total: u32,
    pub overdue: u32,
    /// Earliest due first (at most the limit asked for).
    pub contacts: Vec<OwedNotice>,
}

/// A notice to record as given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct NoticeGivenInput {
    pub channel: Channel,
    /// `YYYY-MM-DD`; today when not given; never in the future nor before the contact existed.
    pub on: Option<String>,
    /// The language it was given in; the notice's default language when not given.
    pub language: Option<ReportLanguage>,
}

/// The information notices of one open store.
#[derive(Debug)]
pub struct Notices<'a> {
    ctx: Ctx<'a>,
}

impl<'a> Notices<'a> {
    pub(crate) fn new(ctx: Ctx<'a>) -> Self {
        Notices { ctx }
    }

    /// The contact's notice in `language`, or when not given the contact's own language (Swedish
    /// or English), else `fallback` (the app's language as the user sees it), else the
    /// language in settings, else English; ready to copy, mail or print.
    pub fn notice(
        &self,
        contact_id: &str,
        language: Option<ReportLanguage>,
        fallback: Option<ReportLanguage>,
    ) -> Result<Letter> {
        let contact = Contacts::new(self.ctx).get(contact_id)?;
        let settings = Settings::load(self.ctx.conn)?;
        require_controller(&settings)?;
        let language = language.unwrap_or_else(|| letter_language(&contact, &settings, fallback));
        let purposes: Vec<Purpose> = Purposes::new(self.ctx)
            .list()?
            .into_iter()
            .filter(|p| contact.purposes.iter().any(|held| held.id == p.id))
            .collect();
        let (title, blocks) = notice_blocks(&contact, &purposes, &settings, language);
        Ok(Letter::new(contact.email.as_deref(), title, language, &blocks))
    }

    /// Whether the contact's notice is owed, by when, and when it was given.
    pub fn state(&self, contact_id: &str) -> Result<NoticeState> {
        let conn = self.ctx.conn;
        let mut found = None;
        self.scan("c.id = ?2", contact_id, |owed| found = Some(owed))?;
        let row = found.ok_or(Error::NotFound { what: "contact" })?;
        let given: Vec<NoticeGiven> = conn
            .prepare_cached(
                "SELECT id, given_on, channel, language, recorded_by, recorded_at FROM notice_given
                 WHERE contact_id = ?1 ORDER BY given_on DESC, seq DESC",
            )?
            .query_map([contact_id], |row| {
                let language: String = row.get(3)?;
                Ok(NoticeGiven {
                    id: row.get(0)?,
                    given_on: row.get(1)?,
                    channel: row.get(2)?,
                    language: if language == "sv" { ReportLanguage::Sv } else { ReportLanguage::En },
                    recorded_by: row.get(4)?,
                    recorded_at: row.get(5)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(NoticeState {
            contact_id: contact_id.to_owned(),
            article: row.article,
            overdue: given.is_empty() && row.due < self.ctx.today(),
            obtained_on: row.obtained.to_string(),
            due: row.due.to_string(),
            given,
        })
    }

    /// Records that the contact was given their notice; audited. Giving it again (after a new
    /// purpose) adds another record.
    pub fn record_given(&self, contact_id: &str, input: &NoticeGivenInput) -> Result<NoticeState> {
        let tx = self.ctx.begin()?;
        let before = self.state(contact_id)?;
        let today = self.ctx.today();
        let mut errors = InvalidInput::default();
        let on = match input.on.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
            None => Some(today),
            Some(text) => match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
                Ok(day) if day > today => {
                    errors.push("on", FieldErrorCode::DateInFuture, "is in the future");
                    None
                }
                Ok(day) if day.to_string() < before.obtained_on => {
                    errors.push("on", FieldErrorCode::OutOfRange, "is before the contact was added");
                    None
                }
                Ok(day) => Some(day),
                Err(_) => {
                    errors.push("on", FieldErrorCode::InvalidDate, "is not a date (YYYY-MM-DD)");
                    None
                }
            },
        };
        errors.into_result()?;
        let Some(on) = on else { return Err(Error::Invalid(InvalidInput::default())) };
        let language = match input.language {
            Some(language) => language,
            None => letter_language(&Contacts::new(self.ctx).get(contact_id)?, &Settings::load(self.ctx.conn)?, None),
        };
        let language_code = match language {
            ReportLanguage::En => "en",
            ReportLanguage::Sv => "sv",
        };
        let id = new_id();
        self.ctx
            .conn
            .prepare_cached(
                "INSERT INTO notice_given (id, contact_id, given_on, channel, language, recorded_by, recorded_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![
                id,
                contact_id,
                on.to_string(),
                input.channel,
                language_code,
                self.ctx.actor,
                self.ctx.now()
            ])?;
        let record = format!("given_on={on}; channel={}; language={language_code}", input.channel);
        audit::record(
            &self.ctx,
            Change {
                action: AuditAction::Create,
                subject_id: Some(contact_id),
                field: Some("notice"),
                old_value: None,
                new_value: Some(&record),
            },
        )?;
        tx.commit()?;
        self.state(contact_id)
    }

    /// The contacts whose notice is owed: how many, how many overdue, and the `limit` earliest
    /// due (every one when `None`), names read only for those.
    pub fn owed(&self, limit: Option<usize>) -> Result<OwedNotices> {
        let today = self.ctx.today();
        let limit = limit.unwrap_or(usize::MAX);
        let (mut total, mut overdue) = (0u32, 0u32);
        // The earliest due, kept in a bounded heap: no list of every owed contact is built.
        let mut earliest: std::collections::BinaryHeap<Owed> = std::collections::BinaryHeap::new();
        // `?2 = ?2`: the owed list binds no value of its own, and every bound parameter must appear.
        self.scan("NOT EXISTS (SELECT 1 FROM notice_given n WHERE n.contact_id = c.id) AND ?2 = ?2", "", |owed| {
            total += 1;
            overdue += u32::from(owed.due < today);
            if earliest.len() < limit {
                earliest.push(owed);
            } else if earliest.peek().is_some_and(|latest| owed < *latest) {
                earliest.pop();
                earliest.push(owed);
            }
        })?;
        let mut person =
            self.ctx.conn.prepare_cached("SELECT id, given_name, family_name FROM contact WHERE seq = ?1")?;
        let contacts = earliest
            .into_sorted_vec()
            .into_iter()
            .map(|owed| {
                let (contact_id, given_name, family_name) =
                    person.query_row([owed.seq], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
                Ok(OwedNotice {
                    contact_id,
                    given_name,
                    family_name,
                    article: owed.article,
                    obtained_on: owed.obtained.to_string(),
                    due: owed.due.to_string(),
                    overdue: owed.due < today,
                })
            })
            .collect::<Result<_>>()?;
        Ok(OwedNotices { total, overdue, contacts })
    }

    /// Calls `each` with the due day of every contact matching `filter` (SQL over `contact c`;
    /// `?2` is `value`). The day obtained is the contact's creation in the user's calendar, with
    /// the offset in force then. The first interaction on or after it is read only for imported
    /// contacts (`?1`, today's offset, bounds it: one dated before the import, such as meeting at
    /// the fair the list came from, was not a communication after obtaining).
    fn scan(&self, filter: &str, value: &str, mut each: impl FnMut(Owed)) -> Result<()> {
        let offset = format!("{} minutes", self.ctx.clock.utc_offset_seconds() / 60);
        let mut statement = self.ctx.conn.prepare_cached(&format!(
            "SELECT c.seq, c.created_at, c.source IS NOT NULL,
                    CASE WHEN c.source IS NOT NULL THEN
                        (SELECT min(i.on_date) FROM interaction i
                         WHERE i.contact_id = c.id AND i.on_date >= date(c.created_at, ?1))
                    END
             FROM contact c WHERE {filter}"
        ))?;
        let mut rows = statement.query(params![offset, value])?;
        while let Some(row) = rows.next()? {
            let created = row.get_ref(1)?.as_str().map_err(rusqlite::Error::from)?;
            let Some(created) = clock::parse_timestamp(created) else {
                return Err(Error::Storage(rusqlite::Error::InvalidColumnType(
                    1,
                    "created_at".into(),
                    rusqlite::types::Type::Text,
                )));
            };
            let obtained = self.ctx.clock.date_of(created);
            let imported: bool = row.get(2)?;
            let first_contact = match row.get_ref(3)?.as_str_or_null().map_err(rusqlite::Error::from)? {
                Some(day) => NaiveDate::parse_from_str(day, "%Y-%m-%d").ok(),
                None => None,
            };
            each(Owed::new(row.get(0)?, obtained, imported, first_contact));
        }
        Ok(())
    }
}

/// One contact's notice: when obtained, under which article, due when. Ordered by due day,
/// then by when the contact was added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Owed {
    due: NaiveDate,
    seq: i64,
    obtained: NaiveDate,
    article: NoticeArticle,
}

impl Owed {
    /// Typed in (Art. 13): due the day obtained. Imported (Art. 14(3)): one month later (31
    /// January → 28 February, as Regulation 1182/71 reads a month), or the first interaction
    /// on or after the day obtained if that is earlier.
    fn new(seq: i64, obtained: NaiveDate, imported: bool, first_contact: Option<NaiveDate>) -> Owed {
        if !imported {
            return Owed { due: obtained, seq, obtained, article: NoticeArticle::Art13 };
        }
        let month = obtained.checked_add_months(Months::new(ART_14_MONTHS)).unwrap_or(obtained);
        let due = first_contact.filter(|first| *first >= obtained).map_or(month, |first| first.min(month));
        Owed { due, seq, obtained, article: NoticeArticle::Art14 }
    }
}

/// The language of a letter to the contact: theirs (a BCP 47 tag such as `sv` or `en-GB`)
/// when Lagom writes it, else `fallback` (the app's language as shown), else the language in
/// settings, else English.
pub(crate) fn letter_language(
    contact: &Contact,
    settings: &Settings,
    fallback: Option<ReportLanguage>,
) -> ReportLanguage {
    let tag = contact.language.as_deref().unwrap_or_default().trim().to_lowercase();
    if tag.starts_with("sv") {
        ReportLanguage::Sv
    } else if tag.starts_with("en") {
        ReportLanguage::En
    } else if let Some(language) = fallback {
        language
    } else if settings.ui_language.as_str() == "sv" {
        ReportLanguage::Sv
    } else {
        ReportLanguage::En
    }
}

/// A letter must say who the controller is and how to reach them (Art. 13(1)(a), 14(1)(a)).
pub(crate) fn require_controller(settings: &Settings) -> Result<()> {
    let c = &settings.controller;
    if c.name.trim().is_empty() || c.contact.trim().is_empty() {
        return Err(Error::invalid(
            "controller",
            FieldErrorCode::ControllerMissing,
            "fill in the controller's name and contact in settings: the letter must say who is responsible",
        ));
    }
    Ok(())
}

struct Words {
    subject: &'static str,
    greeting: &'static str,
    intro: &'static str,
    controller: &'static str,
    controller_labels: [&'static str; 4],
    held: &'static str,
    held_labels: [&'static str; 8],
    purposes: &'static str,
    purpose_heads: [&'static str; 3],
    legitimate_interest: &'static str,
    consent_withdraw: &'static str,
    contract_needed: &'static str,
    retention: [&'static str; 3],
    retention_after: &'static str,
    source: &'static str,
    source_import: &'static str,
    source_direct: &'static str,
    recipients: &'static str,
    recipients_text: &'static str,
    rights: &'static str,
    rights_items: [&'static str; 7],
    how: &'static str,
    complaint: &'static str,
}

const EN: Words = Words {
    subject: "How we handle your personal data",
    greeting: "Hello",
    intro: "We keep a few details about you in our customer register. This is what we hold, why, for how long, and what you can do about it (GDPR Articles 13 and 14).",
    controller: "Who is responsible",
    controller_labels: ["Controller", "Organisation number", "Contact", "Data protection officer"],
    held: "What we hold about you",
    held_labels: [
        "Name",
        "Email address",
        "Phone number",
        "Organisation and role",
        "Preferred channel and language",
        "Interests",
        "Our contacts with you (type, date, channel, outcome)",
        "Your choices about marketing and consent",
    ],
    purposes: "Why, on what legal basis, and for how long",
    purpose_heads: ["Purpose", "Legal basis (GDPR Art. 6(1))", "Kept"],
    legitimate_interest: "Where the basis is our legitimate interest, that interest is the purpose itself: keeping in touch with you as a customer or contact of ours.",
    consent_withdraw: "Where the basis is your consent, you may withdraw it at any time; that does not affect what was done before.",
    contract_needed: "Where the basis is a contract, the details are needed to fulfil it; without them we cannot.",
    retention: [
        "{n} months after our last contact with you",
        "{n} months after you stop being our customer",
        "until you withdraw your consent",
    ],
    retention_after: "After that your details are erased from the register; only a record that an erasure took place is kept, without your details.",
    source: "Where your details come from",
    source_import: "We did not get these details from you: they were imported into our register ({source}). They are contact details of the kind listed above, which may come from a business card, a customer list or a public business directory.",
    source_direct: "You gave these details to us.",
    recipients: "Who receives them",
    recipients_text: "Nobody outside our organisation. The register is an encrypted file on our own computers and is not transferred outside the EU/EEA. No automated decisions or profiling are made about you.",
    rights: "Your rights",
    rights_items: [
        "Access: a copy of everything we hold about you (Art. 15).",
        "Rectification of anything that is wrong (Art. 16).",
        "Erasure, where we have no reason to keep the data (Art. 17).",
        "Restriction of processing while a question is being settled (Art. 18).",
        "Data portability for what you gave us under consent or a contract (Art. 20).",
        "Objection to processing based on our legitimate interest, and to direct marketing at any time (Art. 21).",
        "Withdrawal of consent at any time, as easily as it was given (Art. 7(3)).",
    ],
    how: "To use any of these rights, contact us as above; we answer within one month.",
    complaint: "You may also complain to the supervisory authority: in Sweden, Integritetsskyddsmyndigheten (IMY), Box 8114, 104 20 Stockholm, imy@imy.se, www.imy.se.",
};

const SV: Words = Words {
    subject: "Så behandlar vi dina personuppgifter",
    greeting: "Hej",
    intro: "Vi har några uppgifter om dig i vårt kundregister. Här är vad vi har, varför, hur länge och vad du kan göra (artiklarna 13 och 14 i dataskyddsförordningen).",
    controller: "Vem som ansvarar",
    controller_labels: ["Personuppgiftsansvarig", "Organisationsnummer", "Kontakt", "Dataskyddsombud"],
    held: "Vad vi har om dig",
    held_labels: [
        "Namn",
        "E-postadress",
        "Telefonnummer",
        "Organisation och roll",
        "Önskad kanal och språk",
        "Intressen",
        "Våra kontakter med dig (typ, datum, kanal, utfall)",
        "Dina val om marknadsföring och samtycke",
    ],
    purposes: "Varför, med vilken rättslig grund och hur länge",
    purpose_heads: ["Ändamål", "Rättslig grund (art. 6.1)", "Sparas"],
    legitimate_interest: "Där grunden är vårt berättigade intresse är intresset ändamålet självt: att hålla kontakten med dig som kund eller kontakt hos oss.",
    consent_withdraw: "Där grunden är ditt samtycke kan du när som helst återkalla det; det påverkar inte det som gjorts dessförinnan.",
    contract_needed: "Där grunden är ett avtal behövs uppgifterna för att fullgöra det; utan dem kan vi inte det.",
    retention: [
        "{n} månader efter vår senaste kontakt med dig",
        "{n} månader efter att du slutat vara kund hos oss",
        "tills du återkallar ditt samtycke",
    ],
    retention_after: "Därefter raderas dina uppgifter ur registret; bara en notering om att en radering skett sparas, utan dina uppgifter.",
    source: "Varifrån uppgifterna kommer",
    source_import: "Vi fick inte uppgifterna från dig: de importerades till vårt register ({source}). Det är kontaktuppgifter av det slag som står ovan, som kan komma från ett visitkort, en kundlista eller en offentlig företagskatalog.",
    source_direct: "Du lämnade uppgifterna till oss.",
    recipients: "Vem som får dem",
    recipients_text: "Ingen utanför vår organisation. Registret är en krypterad fil på våra egna datorer och förs inte över till länder utanför EU/EES. Inga automatiserade beslut eller profilering görs om dig.",
    rights: "Dina rättigheter",
    rights_items: [
        "Tillgång: en kopia av allt vi har om dig (art. 15).",
        "Rättelse av det som är fel (art. 16).",
        "Radering, när vi inte har skäl att spara uppgifterna (art. 17).",
        "Begränsning av behandlingen medan en fråga utreds (art. 18).",
        "Dataportabilitet för det du lämnat med samtycke eller avtal (art. 20).",
        "Invändning mot behandling som grundas på vårt berättigade intresse, och mot direktmarknadsföring när som helst (art. 21).",
        "Återkallelse av samtycke när som helst, lika enkelt som det gavs (art. 7.3).",
    ],
    how: "Kontakta oss enligt ovan för att använda dina rättigheter; vi svarar inom en månad.",
    complaint: "Du kan också klaga hos tillsynsmyndigheten: i Sverige Integritetsskyddsmyndigheten (IMY), Box 8114, 104 20 Stockholm, imy@imy.se, www.imy.se.",
};

fn words(language: ReportLanguage) -> &'static Words {
    match language {
        ReportLanguage::En => &EN,
        ReportLanguage::Sv => &SV,
    }
}

/// The controller and DPO as rows, the empty ones left out, labelled in `language`.
pub(crate) fn controller_rows(settings: &Settings, language: ReportLanguage) -> Vec<Vec<String>> {
    let c = &settings.controller;
    words(language)
        .controller_labels
        .iter()
        .zip([&c.name, &c.organisation_number, &c.contact, &c.dpo])
        .filter(|(_, value)| !value.trim().is_empty())
        .map(|(label, value)| vec![(*label).to_owned(), value.trim().to_owned()])
        .collect()
}

fn notice_blocks(
    contact: &Contact,
    purposes: &[Purpose],
    settings: &Settings,
    language: ReportLanguage,
) -> (String, Vec<Block>) {
    let w = words(language);
    let held = [
        true,
        contact.email.is_some(),
        contact.phone.is_some(),
        contact.organisation.is_some() || contact.role.is_some(),
        contact.channel.is_some() || contact.language.is_some(),
        !contact.tags.is_empty(),
        true,
        true,
    ];
    let purpose_rows = purposes
        .iter()
        .map(|p| {
            let name = if p.description.trim().is_empty() {
                p.name.clone()
            } else {
                format!("{} — {}", p.name, p.description.trim())
            };
            let anchor = match p.retention_anchor {
                RetentionAnchor::LastInteraction => 0,
                RetentionAnchor::FormerCustomer => 1,
                RetentionAnchor::ConsentWithdrawn => 2,
            };
            let kept = w.retention[anchor].replace("{n}", &p.retention_months.to_string());
            vec![name, basis_name(p.lawful_basis, language).to_owned(), kept]
        })
        .collect();
    let mut basis_notes = Vec::new();
    for (basis, note) in [
        (LawfulBasis::LegitimateInterest, w.legitimate_interest),
        (LawfulBasis::Consent, w.consent_withdraw),
        (LawfulBasis::Contract, w.contract_needed),
    ] {
        if purposes.iter().any(|p| p.lawful_basis == basis) {
            basis_notes.push(note);
        }
    }
    let mut purposes_text = basis_notes.join(" ");
    if !purposes_text.is_empty() {
        purposes_text.push(' ');
    }
    purposes_text.push_str(w.retention_after);
    let source = match contact.source.as_deref() {
        Some(source) => {
            let mut label = source.strip_prefix("import: ").unwrap_or(source).to_owned();
            if language == ReportLanguage::Sv {
                // The placeholders `import::source_label` writes for a file it will not name.
                label = label
                    .replace("a file whose name names a person", "en fil vars namn nämner en person")
                    .replace("unnamed file", "en fil utan namn");
            }
            w.source_import.replace("{source}", &label)
        }
        None => w.source_direct.to_owned(),
    };
    let blocks = vec![
        Block::Paragraph(format!("{} {},", w.greeting, contact.given_name)),
        Block::Paragraph(w.intro.to_owned()),
        Block::Heading(w.controller.to_owned()),
        Block::Table { head: vec![], rows: controller_rows(settings, language) },
        Block::Heading(w.held.to_owned()),
        Block::List(
            w.held_labels.iter().zip(held).filter(|(_, has)| *has).map(|(label, _)| (*label).to_owned()).collect(),
        ),
        Block::Heading(w.purposes.to_owned()),
        Block::Table { head: w.purpose_heads.iter().map(|h| (*h).to_owned()).collect(), rows: purpose_rows },
        Block::Paragraph(purposes_text),
        Block::Heading(w.source.to_owned()),
        Block::Paragraph(source),
        Block::Heading(w.recipients.to_owned()),
        Block::Paragraph(w.recipients_text.to_owned()),
        Block::Heading(w.rights.to_owned()),
        Block::List(w.rights_items.iter().map(|r| (*r).to_owned()).collect()),
        Block::Paragraph(format!("{} {}", w.how, w.complaint)),
    ];
    (w.subject.to_owned(), blocks)
}
