//! The accountability pack (Art. 5(2)): one ZIP for the data protection officer or the
//! supervisory authority. It holds the record of processing, the erasure ledger, the request
//! register with deadlines met or missed, consent statistics per purpose, the audit chain's
//! verification with its head hash, and a manifest with each file's SHA-256. Contacts appear
//! only as their random internal ids (pseudonymous: still personal data, so the pack is kept
//! as carefully as the register); no contact's name, address or consent wording is in it. The
//! staff's OS account names appear where they acted (who erased, who made the pack).

use std::collections::{HashMap, HashSet};
use std::path::Path;

use serde::Serialize;
use ts_rs::TS;

use crate::audit::{self, AuditVerification};
use crate::context::Ctx;
use crate::error::{Error, Result};
use crate::export::{ManifestFile, ReportLanguage, csv, write_zip};
use crate::purposes::Purposes;
use crate::record::RecordOfProcessing;
use crate::requests::Requests;
use crate::retention::consent_states;
use crate::rights::Rights;
use crate::vocab::{ConsentEventKind, RequestStatus};

/// What was written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct PackReceipt {
    pub path: String,
    pub bytes: u32,
    pub files: Vec<String>,
    /// Whether the audit chain verified, as the pack records it.
    pub audit_intact: bool,
}

#[derive(Serialize)]
struct Manifest<'a> {
    kind: &'static str,
    created_at: &'a str,
    created_by: &'a str,
    app: String,
    files: Vec<ManifestFile>,
}

#[derive(Serialize)]
struct AuditSummary<'a> {
    intact: bool,
    #[serde(flatten)]
    verification: &'a AuditVerification,
    verified_at: &'a str,
}

pub(crate) fn write(
    ctx: Ctx<'_>,
    record: &RecordOfProcessing,
    out: &Path,
    language: ReportLanguage,
) -> Result<PackReceipt> {
    let now = ctx.now();
    let verification = audit::verify(ctx.conn)?;
    let mut files: Vec<(String, Vec<u8>)> = vec![
        ("record-of-processing.md".into(), record.to_markdown(language).into_bytes()),
        ("record-of-processing.html".into(), record.to_html(language).into_bytes()),
        ("erasure-ledger.csv".into(), csv(&erasure_rows(ctx)?)),
        ("request-register.csv".into(), csv(&request_rows(ctx)?)),
        ("breach-register.csv".into(), csv(&breach_rows(ctx)?)),
        ("consent-statistics.csv".into(), csv(&consent_rows(ctx)?)),
        (
            "audit-verification.json".into(),
            encode(
                "audit-verification.json",
                &AuditSummary { intact: verification.is_intact(), verification: &verification, verified_at: &now },
            )?,
        ),
    ];
    let manifest = Manifest {
        kind: "lagom-accountability-pack",
        created_at: &now,
        created_by: ctx.actor,
        app: format!("Lagom CRM {}", env!("CARGO_PKG_VERSION")),
        files: ManifestFile::list(&files),
    };
    files.push(("manifest.json".into(), encode("manifest.json", &manifest)?));
    let written = write_zip(out, &files, |_| Ok(()))?;
    Ok(PackReceipt {
        path: out.display().to_string(),
        bytes: u32::try_from(written).unwrap_or(u32::MAX),
        files: files.into_iter().map(|(name, _)| name).collect(),
        audit_intact: verification.is_intact(),
    })
}

fn encode(name: &str, value: &impl Serialize) -> Result<Vec<u8>> {
    serde_json::to_vec_pretty(value).map_err(|e| Error::io("encode", name, std::io::Error::other(e)))
}

fn erasure_rows(ctx: Ctx<'_>) -> Result<Vec<Vec<String>>> {
    let mut rows =
        vec![["tombstone", "contact_id", "erased_at", "erased_by", "article", "request"].map(String::from).to_vec()];
    for t in Rights::new(ctx).erasures()? {
        rows.push(vec![t.id, t.contact_id, t.at, t.erased_by, t.article, t.request_id.unwrap_or_default()]);
    }
    Ok(rows)
}

/// The breach register (Art. 33(5)): each breach with its deadline and how it was closed
/// (when the authority was notified, in time or why not); whom it affected and how many were
/// told, as counts (the ids stay in the register).
fn breach_rows(ctx: Ctx<'_>) -> Result<Vec<Vec<String>>> {
    let mut rows = vec![
        [
            "breach",
            "kind",
            "discovered_at",
            "deadline",
            "everyone",
            "affected",
            "consequences",
            "measures",
            "recorded_at",
            "recorded_by",
            "status",
            "closed_at",
            "closed_by",
            "reason",
            "notified_at",
            "notified_in_time",
            "delay_reason",
            "persons_told",
        ]
        .map(String::from)
        .to_vec(),
    ];
    let text = |v: Option<String>| v.unwrap_or_default();
    for b in crate::breaches::Breaches::new(ctx).list()? {
        // Both are UTC RFC 3339 to the second, so they compare as text.
        let in_time =
            b.notified_at.as_ref().map_or(String::new(), |at| if *at <= b.deadline { "yes" } else { "no" }.to_owned());
        rows.push(vec![
            b.id,
            b.kind.to_string(),
            b.discovered_at,
            b.deadline,
            if b.everyone { "yes" } else { "no" }.to_owned(),
            b.affected.to_string(),
            text(b.consequences),
            text(b.measures),
            b.recorded_at,
            b.recorded_by,
            b.status.to_string(),
            text(b.closed_at),
            text(b.closed_by),
            text(b.reason),
            text(b.notified_at),
            in_time,
            text(b.delay_reason),
            b.told.to_string(),
        ]);
    }
    Ok(rows)
}

/// Every request with its deadline and whether it was met; contacts as internal ids only
/// (an unmatched requester's name is never in the pack).
fn request_rows(ctx: Ctx<'_>) -> Result<Vec<Vec<String>>> {
    let mut rows = vec![
        [
            "request",
            "kind",
            "contact_id",
            "received",
            "identity_check",
            "due",
            "status",
            "extended_on",
            "extension_reason",
            "closed_on",
            "refusal_reason",
            "answer",
            "deadline",
        ]
        .map(String::from)
        .to_vec(),
    ];
    let text = |v: Option<String>| v.unwrap_or_default();
    for r in Requests::new(ctx).list()? {
        let open = matches!(r.status, RequestStatus::Open | RequestStatus::Extended);
        let deadline = match (open, r.late) {
            (true, true) => "overdue",
            (true, false) => "open",
            (false, true) => "missed",
            (false, false) => "met",
        };
        rows.push(vec![
            r.id,
            r.kind.to_string(),
            r.contact_id.unwrap_or_else(|| "(not yet matched)".into()),
            r.received,
            r.identity_check.map(|c| c.to_string()).unwrap_or_default(),
            r.due,
            r.status.to_string(),
            text(r.extended_on),
            r.extension_reason.map(|c| c.to_string()).unwrap_or_default(),
            text(r.closed_on),
            r.refusal_reason.map(|c| c.to_string()).unwrap_or_default(),
            text(r.answer),
            deadline.into(),
        ]);
    }
    Ok(rows)
}

/// Per purpose: how many contacts are held for it, and how many of them have consent given
/// or withdrawn (read per channel as retention reads it), or none recorded.
fn consent_rows(ctx: Ctx<'_>) -> Result<Vec<Vec<String>>> {
    let mut rows = vec![
        ["purpose", "lawful_basis", "contacts_held", "consent_given", "consent_withdrawn", "no_consent_recorded"]
            .map(String::from)
            .to_vec(),
    ];
    let held: HashSet<(String, String)> = ctx
        .conn
        .prepare_cached("SELECT contact_id, purpose_id FROM contact_purpose")?
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut counts: HashMap<&str, (u32, u32)> = HashMap::new();
    let states = consent_states(ctx.conn, ctx.clock.utc_offset_seconds() / 60)?;
    for state in &states {
        if held.contains(&(state.contact.clone(), state.purpose.clone())) {
            let entry = counts.entry(state.purpose.as_str()).or_default();
            match state.kind {
                ConsentEventKind::Withdrawn => entry.1 += 1,
                _ => entry.0 += 1,
            }
        }
    }
    for purpose in Purposes::new(ctx).list()? {
        let (given, withdrawn) = counts.get(purpose.id.as_str()).copied().unwrap_or_default();
        let held_count = u32::try_from(held.iter().filter(|(_, p)| *p == purpose.id).count()).unwrap_or(u32::MAX);
        rows.push(vec![
            purpose.name,
            purpose.lawful_basis.to_string(),
            held_count.to_string(),
            given.to_string(),
            withdrawn.to_string(),
            held_count.saturating_sub(given + withdrawn).to_string(),
        ]);
    }
    Ok(rows)
}
