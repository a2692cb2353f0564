//! The accountability pack (Art. 5(2)): one ZIP for the data protection officer or the
//! supervisory authority. It holds the record of processing, the erasure ledger, the request
//! register with deadlines met or missed, consent statistics per purpose, the audit chain's
//! verification with its head hash, and a manifest with each file's SHA-256. Contacts appear
//! only as their random internal ids; no name, address or wording is in it.

use std::path::Path;

use serde::Serialize;
use ts_rs::TS;

use crate::audit::{self, AuditVerification};
use crate::context::Ctx;
use crate::error::{Error, Result};
use crate::export::{ManifestFile, ReportLanguage, csv, write_zip};
use crate::record::RecordOfProcessing;
use crate::requests::Requests;
use crate::rights::Rights;
use crate::vocab::RequestStatus;

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

/// Per purpose: how many contacts are held for it, and (for every purpose) how many have
/// consent given or withdrawn as their latest consent event for it.
fn consent_rows(ctx: Ctx<'_>) -> Result<Vec<Vec<String>>> {
    let mut rows = vec![
        ["purpose", "lawful_basis", "contacts_held", "consent_given", "consent_withdrawn", "no_consent_recorded"]
            .map(String::from)
            .to_vec(),
    ];
    let mut statement = ctx.conn.prepare_cached(
        "WITH latest AS (
             SELECT e.contact_id, e.purpose_id, e.kind FROM consent_event e
             WHERE e.kind IN ('given', 'withdrawn') AND e.seq = (
                 SELECT max(f.seq) FROM consent_event f
                 WHERE f.contact_id = e.contact_id AND f.purpose_id = e.purpose_id AND f.kind IN ('given', 'withdrawn')))
         SELECT p.name, p.lawful_basis,
                (SELECT count(*) FROM contact_purpose cp WHERE cp.purpose_id = p.id),
                (SELECT count(*) FROM latest l WHERE l.purpose_id = p.id AND l.kind = 'given'),
                (SELECT count(*) FROM latest l WHERE l.purpose_id = p.id AND l.kind = 'withdrawn'),
                (SELECT count(*) FROM contact_purpose cp WHERE cp.purpose_id = p.id
                   AND NOT EXISTS (SELECT 1 FROM latest l WHERE l.purpose_id = p.id AND l.contact_id = cp.contact_id))
         FROM purpose p ORDER BY p.name",
    )?;
    let mut result = statement.query([])?;
    while let Some(row) = result.next()? {
        let basis: String = row.get(1)?;
        let mut line = vec![row.get::<_, String>(0)?, basis];
        for i in 2..6 {
            line.push(row.get::<_, i64>(i)?.to_string());
        }
        rows.push(line);
    }
    Ok(rows)
}
