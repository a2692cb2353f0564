//! Import from spreadsheets and address books (R-10 interfaces): CSV as Excel, LibreOffice,
//! Google Sheets and Outlook save it, and vCard 2.1, 3.0 and 4.0 as phones and mail programs
//! export it. A file is read into rows of the few fields Lagom keeps; every other column or
//! property is dropped and listed (never stored as free text); a column of Swedish personal
//! identity numbers refuses the whole file. The preview validates every row (with the file's
//! line number) and finds duplicates against the register and within the file; the import
//! itself is one transaction: all rows or none.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::consent::{ConsentInput, ConsentLedger};
use crate::contacts::{ContactInput, Contacts};
use crate::context::Ctx;
use crate::error::{Error, FieldError, FieldErrorCode, Result};
use crate::purposes::Purposes;
use crate::vocab::{ConsentSource, LawfulBasis};

/// Where imported contacts came from, and lookups by email and phone for duplicates.
pub(crate) const SCHEMA: &str = r#"
ALTER TABLE contact ADD COLUMN source TEXT;
CREATE INDEX contact_by_email ON contact (email COLLATE NOCASE);
CREATE INDEX contact_by_phone ON contact (phone);
"#;

/// Duplicates are found in one pass over the register (`Contacts::duplicate_keys`), in any
/// letter case: the indexes on email and phone made for lookups one row at a time go.
pub(crate) const NO_DUPLICATE_INDEXES: &str = "
DROP INDEX IF EXISTS contact_by_email;
DROP INDEX IF EXISTS contact_by_phone;";

/// Present only inside an import's transaction (`since`: the last contact before it): the
/// contacts the import adds go into the search index in one statement at its end, not one
/// at a time (FTS5 writes its pending index at every statement that touches it).
pub(crate) const DEFERRED_INDEX_SCHEMA: &str = r#"
CREATE TABLE fts_deferred (since INTEGER NOT NULL) STRICT;
DROP TRIGGER contact_fts_after_insert;
CREATE TRIGGER contact_fts_after_insert AFTER INSERT ON contact
WHEN NOT EXISTS (SELECT 1 FROM fts_deferred) BEGIN
    INSERT INTO contact_fts (rowid, given_name, family_name, email, organisation)
    VALUES (new.seq, new.given_name, new.family_name, new.email,
            (SELECT name FROM organisation WHERE id = new.organisation_id));
END;
"#;

/// A marker row left behind (never by Lagom: an import removes it inside its own transaction)
/// would keep every new contact out of the search index: at open, remove it and rebuild. Best
/// effort: a register that cannot be written now (a full or read-only disk) still opens, so
/// requests can be answered, and the repair is tried again at the next open.
pub(crate) fn repair_deferred_index(conn: &rusqlite::Connection) {
    let left = conn.query_row("SELECT EXISTS (SELECT 1 FROM fts_deferred)", [], |row| row.get::<_, bool>(0));
    if left.unwrap_or(false) {
        let repaired = conn.execute_batch(
            "BEGIN IMMEDIATE;
             DELETE FROM fts_deferred;
             INSERT INTO contact_fts (contact_fts) VALUES ('rebuild');
             COMMIT;",
        );
        if repaired.is_err() && !conn.is_autocommit() {
            let _ = conn.execute_batch("ROLLBACK");
        }
    }
}

/// Puts the contacts added since [`DEFERRED_INDEX_SCHEMA`]'s marker into the search index and
/// removes the marker. Inside the import's transaction, before its commit.
const INDEX_DEFERRED: &str = "
INSERT INTO contact_fts (rowid, given_name, family_name, email, organisation)
    SELECT seq, given_name, family_name, email, organisation FROM contact_search
    WHERE seq > (SELECT since FROM fts_deferred);
DELETE FROM fts_deferred;";

/// The fields an imported column can fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ImportField {
    GivenName,
    FamilyName,
    /// "Anna Berg" in one column: split at the last space.
    FullName,
    Email,
    Phone,
    Organisation,
    Role,
}

/// What a file was read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ImportFormat {
    Csv,
    Vcard,
}

/// A file read into rows, before anything is validated or stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ImportFile {
    pub format: ImportFormat,
    /// `UTF-8`, `UTF-16LE`, `windows-1252`, …
    pub encoding: String,
    /// The CSV separator found (`,` `;` or a tab); `None` for vCard.
    pub delimiter: Option<String>,
    /// The column headers (for vCard: the properties Lagom reads).
    pub headers: Vec<String>,
    /// Per header, the field it fills as guessed from its name; `None`: dropped.
    pub mapping: Vec<Option<ImportField>>,
    pub rows: Vec<ImportRow>,
    /// Columns (or vCard properties) with no place in Lagom, with how many values each had:
    /// dropped, never stored.
    pub dropped: Vec<DroppedColumn>,
}

/// A file as the app shows it before the preview: everything but the rows themselves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ImportSummary {
    pub file_name: String,
    pub format: ImportFormat,
    pub encoding: String,
    pub delimiter: Option<String>,
    pub headers: Vec<String>,
    pub mapping: Vec<Option<ImportField>>,
    pub rows: u32,
    pub dropped: Vec<DroppedColumn>,
}

impl ImportFile {
    pub fn summary(&self, file_name: &str) -> ImportSummary {
        ImportSummary {
            file_name: file_label(file_name),
            format: self.format,
            encoding: self.encoding.clone(),
            delimiter: self.delimiter.clone(),
            headers: self.headers.clone(),
            mapping: self.mapping.clone(),
            rows: count(self.rows.iter()),
            dropped: self.dropped.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ImportRow {
    /// The line in the file where the row (or card) starts, counted from 1.
    pub line: u32,
    pub values: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct DroppedColumn {
    pub name: String,
    pub values: u32,
}

/// What to do with a row that matches a contact already in the register (or an earlier row).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum DuplicateChoice {
    #[default]
    Skip,
    /// Overwrite the existing contact's imported fields (never for a duplicate within the file).
    Update,
    KeepBoth,
}

/// How to import a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ImportOptions {
    /// The purpose every imported contact is held for (name or id).
    pub purpose: String,
    /// When given, it must be the purpose's lawful basis (a check the user asked for).
    pub basis: Option<LawfulBasis>,
    /// The file's name, recorded as where the contacts came from (no path).
    pub file_name: String,
    /// The mapping to use instead of the guessed one (one entry per header).
    pub mapping: Option<Vec<Option<ImportField>>>,
    /// Import the valid rows and report the others, instead of refusing the whole file.
    pub skip_invalid: bool,
    /// For duplicates: one choice for all, overridden per row (by line) in `per_row`.
    pub duplicates: DuplicateChoice,
    #[serde(default)]
    pub per_row: Vec<(u32, DuplicateChoice)>,
}

/// One row as it would be stored, with what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct PreviewRow {
    pub line: u32,
    pub contact: ContactInput,
    pub errors: Vec<FieldError>,
    /// The register's contact with the same email or phone.
    pub duplicate_of: Option<String>,
    /// An earlier row of the file with the same email or phone.
    pub duplicate_of_line: Option<u32>,
}

/// What an import would do, or did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ImportReport {
    pub imported: u32,
    pub updated: u32,
    /// Duplicates skipped.
    pub skipped: u32,
    /// Rows that failed validation (refused, or left out with `skip_invalid`).
    pub invalid: u32,
    /// Every row with its errors and duplicates (the preview; the invalid rows for the report file).
    pub rows: Vec<PreviewRow>,
    pub dropped: Vec<DroppedColumn>,
    /// Whether anything was stored (false for a preview or a dry run).
    pub committed: bool,
}

/// The most rows a file may hold (a register of 100 000 with room to spare), and columns.
const MAX_ROWS: usize = 200_000;
const MAX_COLUMNS: usize = 200;

/// The largest file read (a 200 000-row spreadsheet is far smaller).
const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

/// Reads the file at `path` as [`read`] does, refusing one over 256 MB.
pub fn read_path(path: &std::path::Path) -> Result<ImportFile> {
    let size = std::fs::metadata(path).map_err(|e| Error::io("read", path, e))?.len();
    if size > MAX_FILE_BYTES {
        return Err(invalid_file("the file is larger than 256 MB: split it and import the parts"));
    }
    // Read through a limit: a FIFO or device reports no size.
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(
        &mut std::io::Read::take(
            std::fs::File::open(path).map_err(|e| Error::io("open", path, e))?,
            MAX_FILE_BYTES + 1,
        ),
        &mut bytes,
    )
    .map_err(|e| Error::io("read", path, e))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(invalid_file("the file is larger than 256 MB: split it and import the parts"));
    }
    read(&bytes)
}

/// Reads a CSV or vCard file: detects the encoding and (for CSV) the separator, and guesses
/// the mapping from the headers. Refuses a file with a column of personal identity numbers.
pub fn read(bytes: &[u8]) -> Result<ImportFile> {
    let (text, encoding) = decode(bytes);
    // Excel for Mac's "CSV (Macintosh)" ends lines with a lone CR: read every ending as LF.
    let text = if text.contains('\r') { text.replace("\r\n", "\n").replace('\r', "\n") } else { text };
    let trimmed = text.trim_start();
    let file = if trimmed.get(..11).is_some_and(|start| start.eq_ignore_ascii_case("BEGIN:VCARD")) {
        read_vcards(&text, encoding)?
    } else {
        read_csv(&text, encoding)?
    };
    if file.rows.len() > MAX_ROWS {
        return Err(invalid_file(format!(
            "the file has {} rows; import at most {MAX_ROWS} at a time",
            file.rows.len()
        )));
    }
    refuse_identity_numbers(&file)?;
    Ok(file)
}

fn invalid_file(message: impl Into<String>) -> Error {
    Error::invalid("file", FieldErrorCode::InvalidImport, message)
}

/// The text of the file and the encoding it was in: a byte-order mark decides; else UTF-16
/// when every other byte is zero; else UTF-8 when valid; else Windows-1252 (Excel's "CSV" on a
/// Western Windows).
fn decode(bytes: &[u8]) -> (String, &'static str) {
    if let Some((encoding, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, _) = encoding.decode_without_bom_handling(&bytes[bom..]);
        return (text.into_owned(), encoding.name());
    }
    let sample = &bytes[..bytes.len().min(4096)];
    let zeros_at = |parity: usize| sample.iter().skip(parity).step_by(2).filter(|b| **b == 0).count();
    if sample.len() >= 4 {
        let half = sample.len() / 2;
        if zeros_at(1) * 3 > half && zeros_at(0) * 10 < half {
            return (encoding_rs::UTF_16LE.decode_without_bom_handling(bytes).0.into_owned(), "UTF-16LE");
        }
        if zeros_at(0) * 3 > half && zeros_at(1) * 10 < half {
            return (encoding_rs::UTF_16BE.decode_without_bom_handling(bytes).0.into_owned(), "UTF-16BE");
        }
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => (text.to_owned(), "UTF-8"),
        Err(_) => (encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes).0.into_owned(), "windows-1252"),
    }
}

// ---- CSV ------------------------------------------------------------------------------------

fn read_csv(text: &str, encoding: &str) -> Result<ImportFile> {
    let delimiter = guess_delimiter(text);
    let mut reader =
        csv::ReaderBuilder::new().delimiter(delimiter).has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut records = reader.records();
    let headers: Vec<String> = match records.next() {
        Some(header) => header
            .map_err(|e| invalid_file(format!("the header line cannot be read: {e}")))?
            .iter()
            .map(|h| h.trim().to_owned())
            .collect(),
        None => return Err(invalid_file("the file is empty")),
    };
    if headers.len() > MAX_COLUMNS {
        return Err(invalid_file(format!("the file has {} columns; Lagom reads at most {MAX_COLUMNS}", headers.len())));
    }
    // A header line that names no field but holds an email or a number is the first person,
    // not a header: read every line as data, with columns named by position.
    let mut rows = Vec::new();
    let headers = if headers.iter().all(|h| guess_field(h).is_none())
        && headers.iter().any(|h| h.contains('@') || h.chars().any(|c| c.is_ascii_digit()))
    {
        // The header record already holds that person's values, trimmed as data rows are.
        let names = (1..=headers.len()).map(|i| format!("column {i}")).collect();
        rows.push(ImportRow { line: 1, values: headers });
        names
    } else {
        headers
    };
    // The csv reader counts records, not the line breaks inside quoted fields: lines are
    // counted from each record's byte offset instead.
    let (mut counted_to, mut line) = (0usize, 1u32);
    for record in records {
        let record = record.map_err(|e| invalid_file(format!("the file cannot be read as CSV: {e}")))?;
        let start = record.position().map_or(counted_to, |p| usize::try_from(p.byte()).unwrap_or(usize::MAX));
        let mut start = start.min(text.len()).max(counted_to);
        // The reader may report a record from the line break before it (the LF of a CRLF).
        while matches!(text.as_bytes().get(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        line += count(text.as_bytes()[counted_to..start].iter().filter(|b| **b == b'\n'));
        counted_to = start;
        if record.iter().all(|v| v.trim().is_empty()) {
            continue;
        }
        if rows.len() >= MAX_ROWS {
            return Err(invalid_file(format!("the file has more than {MAX_ROWS} rows; import it in parts")));
        }
        let mut values: Vec<String> = record.iter().take(headers.len()).map(|v| v.trim().to_owned()).collect();
        values.resize(headers.len(), String::new());
        rows.push(ImportRow { line, values });
    }
    let mapping: Vec<Option<ImportField>> = headers.iter().map(|h| guess_field(h)).collect();
    let dropped = dropped_columns(&headers, &mapping, &rows);
    Ok(ImportFile {
        format: ImportFormat::Csv,
        encoding: encoding.to_owned(),
        delimiter: Some(char::from(delimiter).to_string()),
        headers,
        mapping,
        rows,
        dropped,
    })
}

/// The separator that appears most often outside quotes on the header line.
fn guess_delimiter(text: &str) -> u8 {
    let first = text.lines().next().unwrap_or_default();
    let mut counts = [(b',', 0), (b';', 0), (b'\t', 0)];
    let mut quoted = false;
    for byte in first.bytes() {
        if byte == b'"' {
            quoted = !quoted;
        } else if !quoted && let Some(count) = counts.iter_mut().find(|(d, _)| *d == byte) {
            count.1 += 1;
        }
    }
    counts.iter().max_by_key(|(_, n)| *n).filter(|(_, n)| *n > 0).map_or(b',', |(d, _)| *d)
}

/// The field a header names, in English or Swedish, as the big exporters spell them.
fn guess_field(header: &str) -> Option<ImportField> {
    let h = header.trim().to_lowercase().replace(['_', '.'], " ");
    let h = h.trim();
    let any = |names: &[&str]| names.contains(&h);
    if any(&["first name", "firstname", "given name", "givenname", "förnamn", "fornamn", "tilltalsnamn"]) {
        Some(ImportField::GivenName)
    } else if any(&["last name", "lastname", "surname", "family name", "familyname", "efternamn"]) {
        Some(ImportField::FamilyName)
    } else if any(&["name", "full name", "fullname", "display name", "namn", "fullständigt namn", "kontakt", "contact"])
    {
        Some(ImportField::FullName)
    } else if any(&[
        "email",
        "e-mail",
        "e mail",
        "email address",
        "e-mail address",
        "e-post",
        "epost",
        "e-postadress",
        "mejl",
        "mail",
        "e-mail 1 - value",
        "e-mail 1 value",
        "primary email",
    ]) {
        Some(ImportField::Email)
    } else if any(&[
        "phone",
        "telephone",
        "tel",
        "mobile",
        "mobile phone",
        "cell",
        "telefon",
        "mobil",
        "mobiltelefon",
        "telefonnummer",
        "mobilnummer",
        "phone 1 - value",
        "phone 1 value",
        "business phone",
        "primary phone",
        "arbetstelefon",
    ]) {
        Some(ImportField::Phone)
    } else if any(&[
        "company",
        "organization",
        "organisation",
        "företag",
        "foretag",
        "organisation name",
        "organization 1 - name",
        "organization name",
        "bolag",
        "arbetsgivare",
    ]) {
        Some(ImportField::Organisation)
    } else if any(&["title", "job title", "titel", "roll", "role", "position", "befattning", "organization 1 - title"])
    {
        Some(ImportField::Role)
    } else {
        None
    }
}

fn dropped_columns(headers: &[String], mapping: &[Option<ImportField>], rows: &[ImportRow]) -> Vec<DroppedColumn> {
    headers
        .iter()
        .enumerate()
        .filter(|(i, _)| mapping.get(*i).copied().flatten().is_none())
        .map(|(i, name)| DroppedColumn {
            name: if name.is_empty() { format!("column {}", i + 1) } else { name.clone() },
            values: count(rows.iter().filter(|r| r.values.get(i).is_some_and(|v| !v.is_empty()))),
        })
        .collect()
}

fn count<T>(items: impl Iterator<Item = T>) -> u32 {
    u32::try_from(items.count()).unwrap_or(u32::MAX)
}

// ---- Swedish personal identity numbers ---------------------------------------------------------

/// A column named like one, or whose values mostly are (ten or twelve digits with a valid
/// check digit), refuses the file by name: Lagom never stores them.
fn refuse_identity_numbers(file: &ImportFile) -> Result<()> {
    for (i, header) in file.headers.iter().enumerate() {
        let name = header.trim().to_lowercase();
        let named = ["personnummer", "personnr", "pnr", "personal identity number", "ssn", "social security number"]
            .contains(&name.as_str());
        let values: Vec<&str> =
            file.rows.iter().filter_map(|r| r.values.get(i)).map(String::as_str).filter(|v| !v.is_empty()).collect();
        let looks = !values.is_empty() && values.iter().filter(|v| is_personnummer(v)).count() * 2 > values.len();
        if named || looks {
            return Err(invalid_file(format!(
                "the column '{header}' holds Swedish personal identity numbers: Lagom does not store them. \
                 Remove the column and import again"
            )));
        }
    }
    Ok(())
}

pub use crate::validate::is_personnummer;

// ---- vCard ----------------------------------------------------------------------------------

/// The properties a card's values are read into, in this order.
const VCARD_COLUMNS: [(&str, ImportField); 6] = [
    ("given name (N)", ImportField::GivenName),
    ("family name (N)", ImportField::FamilyName),
    ("EMAIL", ImportField::Email),
    ("TEL", ImportField::Phone),
    ("ORG", ImportField::Organisation),
    ("TITLE", ImportField::Role),
];

fn read_vcards(text: &str, encoding: &str) -> Result<ImportFile> {
    let mut rows = Vec::new();
    let mut dropped: HashMap<String, u32> = HashMap::new();
    let mut card: Option<(u32, Card)> = None;
    for (line_no, line) in unfold(text) {
        let Some((name, params, value)) = split_property(&line) else { continue };
        match name.as_str() {
            "BEGIN" if value.trim().eq_ignore_ascii_case("VCARD") => card = Some((line_no, Card::default())),
            "END" if value.trim().eq_ignore_ascii_case("VCARD") => {
                if let Some((start, c)) = card.take() {
                    if rows.len() >= MAX_ROWS {
                        return Err(invalid_file(format!(
                            "the file has more than {MAX_ROWS} cards; import it in parts"
                        )));
                    }
                    rows.push(ImportRow { line: start, values: c.values() });
                }
            }
            "VERSION" | "PRODID" | "UID" | "REV" | "KIND" | "X-ABUID" => {}
            _ => {
                if let Some((_, c)) = card.as_mut()
                    && !c.take(&name, &params, &value)
                {
                    // A broken line (a raw line break inside a note) is not a property: it is
                    // counted without repeating its text.
                    let property = name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') && name.len() <= 40;
                    *dropped.entry(if property { name } else { "(unreadable lines)".into() }).or_default() += 1;
                }
            }
        }
    }
    if rows.is_empty() {
        return Err(invalid_file("no complete card (BEGIN:VCARD … END:VCARD) was found"));
    }
    let mut dropped: Vec<DroppedColumn> =
        dropped.into_iter().map(|(name, values)| DroppedColumn { name, values }).collect();
    dropped.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(ImportFile {
        format: ImportFormat::Vcard,
        encoding: encoding.to_owned(),
        delimiter: None,
        headers: VCARD_COLUMNS.iter().map(|(h, _)| (*h).to_owned()).collect(),
        mapping: VCARD_COLUMNS.iter().map(|(_, f)| Some(*f)).collect(),
        rows,
        dropped,
    })
}

/// Logical lines with the line number each starts on: RFC folding (a line starting with a
/// space or tab continues the previous one) and vCard 2.1's quoted-printable soft breaks (a
/// line ending in `=` inside a QUOTED-PRINTABLE value).
fn unfold(text: &str) -> Vec<(u32, String)> {
    let mut out: Vec<(u32, String)> = Vec::new();
    let mut continues_qp = false;
    for (i, raw) in text.split('\n').enumerate() {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        let number = u32::try_from(i + 1).unwrap_or(u32::MAX);
        if continues_qp && let Some(last) = out.last_mut() {
            last.1.pop(); // the soft break's '='
            last.1.push_str(line);
        } else if (line.starts_with(' ') || line.starts_with('\t')) && !out.is_empty() {
            if let Some(last) = out.last_mut() {
                last.1.push_str(&line[1..]);
            }
        } else {
            out.push((number, line.to_owned()));
        }
        continues_qp = out.last().is_some_and(|(_, l)| {
            l.ends_with('=') && l.split(':').next().is_some_and(|head| head.to_uppercase().contains("QUOTED-PRINTABLE"))
        });
    }
    out
}

/// `item1.TEL;TYPE=CELL;CHARSET=UTF-8:+46…` → (`TEL`, params upper-cased, value).
fn split_property(line: &str) -> Option<(String, Vec<String>, String)> {
    let colon = line.find(':')?;
    let (head, value) = (&line[..colon], &line[colon + 1..]);
    let mut parts = head.split(';');
    let name = parts.next()?.rsplit('.').next()?.trim().to_uppercase();
    if name.is_empty() {
        return None;
    }
    let params = parts.map(|p| p.trim().to_uppercase()).collect();
    Some((name, params, value.to_owned()))
}

#[derive(Default)]
struct Card {
    given: String,
    family: String,
    full: String,
    email: String,
    phone: String,
    org: String,
    title: String,
}

impl Card {
    /// Takes a property Lagom keeps; `false` for one it drops (PHOTO, NOTE, BDAY, ADR, KEY, …).
    fn take(&mut self, name: &str, params: &[String], raw: &str) -> bool {
        let value = decode_value(params, raw);
        let first_of = |slot: &mut String, text: &str| {
            if slot.is_empty() {
                *slot = text.trim().to_owned();
            }
        };
        match name {
            "N" => {
                let parts = split_components(&value);
                first_of(&mut self.family, parts.first().map_or("", String::as_str));
                first_of(&mut self.given, parts.get(1).map_or("", String::as_str));
            }
            "FN" => first_of(&mut self.full, &unescape(&value)),
            "EMAIL" => first_of(&mut self.email, &unescape(&value)),
            "TEL" => first_of(&mut self.phone, &unescape(&value).replace("tel:", "")),
            "ORG" => first_of(&mut self.org, split_components(&value).first().map_or("", String::as_str)),
            "TITLE" => first_of(&mut self.title, &unescape(&value)),
            _ => return false,
        }
        true
    }

    fn values(self) -> Vec<String> {
        let (mut given, mut family) = (self.given, self.family);
        if given.is_empty() && family.is_empty() && !self.full.is_empty() {
            (given, family) = split_full_name(&self.full);
        }
        vec![given, family, self.email, self.phone, self.org, self.title]
    }
}

/// Quoted-printable (vCard 2.1) decoded in its CHARSET (UTF-8 unless said otherwise).
fn decode_value(params: &[String], raw: &str) -> String {
    let qp = params.iter().any(|p| p == "ENCODING=QUOTED-PRINTABLE" || p == "QUOTED-PRINTABLE");
    if !qp {
        return raw.to_owned();
    }
    let mut bytes = Vec::with_capacity(raw.len());
    let b = raw.as_bytes();
    let mut i = 0;
    while i < b.len() {
        // Hex digits read as bytes: a multi-byte character after '=' is never sliced.
        let hex = |d: u8| char::from(d).to_digit(16);
        if b[i] == b'='
            && let (Some(&hi), Some(&lo)) = (b.get(i + 1), b.get(i + 2))
            && let (Some(hi), Some(lo)) = (hex(hi), hex(lo))
        {
            bytes.push(u8::try_from(hi * 16 + lo).unwrap_or(b'?'));
            i += 3;
            continue;
        }
        bytes.push(b[i]);
        i += 1;
    }
    let charset = params.iter().find_map(|p| p.strip_prefix("CHARSET=")).unwrap_or("UTF-8");
    let encoding = encoding_rs::Encoding::for_label(charset.as_bytes()).unwrap_or(encoding_rs::UTF_8);
    encoding.decode_without_bom_handling(&bytes).0.into_owned()
}

/// `Berg;Anna;;;` → ["Berg", "Anna", …], honouring `\;` escapes.
fn split_components(value: &str) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(next) = chars.next()
                    && let Some(last) = parts.last_mut()
                {
                    last.push(match next {
                        'n' | 'N' => ' ',
                        other => other,
                    });
                }
            }
            ';' => parts.push(String::new()),
            other => {
                if let Some(last) = parts.last_mut() {
                    last.push(other);
                }
            }
        }
    }
    parts.into_iter().map(|p| p.trim().to_owned()).collect()
}

/// A single-valued property's text with its escapes (`\\,` `\\;` `\\\\` `\\n`) undone.
fn unescape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n' | 'N') => out.push(' '),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out.trim().to_owned()
}

/// "Anna Maria Berg" → ("Anna Maria", "Berg"); one word → (word, "").
fn split_full_name(full: &str) -> (String, String) {
    let full = full.trim();
    match full.rsplit_once(char::is_whitespace) {
        Some((given, family)) => (given.trim().to_owned(), family.trim().to_owned()),
        None => (full.to_owned(), String::new()),
    }
}

// ---- Preview and import ---------------------------------------------------------------------

/// Imports of one open store.
#[derive(Debug)]
pub struct Imports<'a> {
    ctx: Ctx<'a>,
}

impl<'a> Imports<'a> {
    pub(crate) fn new(ctx: Ctx<'a>) -> Self {
        Imports { ctx }
    }

    /// What importing `file` would do: every row as it would be stored, its errors and its
    /// duplicates. Nothing is stored.
    pub fn preview(&self, file: &ImportFile, options: &ImportOptions) -> Result<ImportReport> {
        let purpose = self.purpose(options)?;
        let mapping = self.mapping(file, options)?;
        let contacts = Contacts::new(self.ctx);
        let register = if file.rows.is_empty() { HashMap::new() } else { contacts.duplicate_keys()? };
        let mut seen: HashMap<String, u32> = HashMap::new();
        let mut rows = Vec::with_capacity(file.rows.len());
        for row in &file.rows {
            let contact = to_contact(row, &mapping, &purpose.name);
            let (mut errors, keys) = match contacts.check(&contact) {
                Ok(keys) => (Vec::new(), keys),
                Err(e) => (e.field_errors().to_vec(), Vec::new()),
            };
            // A personal identity number in any field that would be stored refuses the row.
            for (field, value) in mapping.iter().zip(&row.values) {
                // A phone number is checked as one (a Swedish mobile number can pass the identity
                // number's check digit by chance).
                if let Some(field) = field
                    && *field != ImportField::Phone
                    && is_personnummer(value)
                    && !errors.iter().any(|e| e.field == field_name(*field))
                {
                    errors.push(FieldError {
                        field: field_name(*field).to_owned(),
                        code: FieldErrorCode::InvalidImport,
                        message: "holds a personal identity number, which Lagom does not store".into(),
                    });
                }
            }
            let mut duplicate_of = None;
            let mut duplicate_of_line = None;
            for key in &keys {
                if duplicate_of.is_none() {
                    duplicate_of = register.get(key).cloned();
                }
                if duplicate_of_line.is_none() {
                    duplicate_of_line = seen.get(key).copied();
                }
            }
            // Only a row that goes in as a new contact is what later rows duplicate.
            if errors.is_empty() && duplicate_of.is_none() && duplicate_of_line.is_none() {
                for key in keys {
                    seen.insert(key, row.line);
                }
            }
            rows.push(PreviewRow { line: row.line, contact, errors, duplicate_of, duplicate_of_line });
        }
        let invalid = count(rows.iter().filter(|r| !r.errors.is_empty()));
        Ok(ImportReport {
            imported: 0,
            updated: 0,
            skipped: 0,
            invalid,
            rows,
            dropped: file.dropped.clone(),
            committed: false,
        })
    }

    /// Imports `file` in one transaction: every valid row (all must be valid unless
    /// `skip_invalid`), duplicates as chosen. `progress(done, total)` is told as rows go in and
    /// returns `false` to cancel, which stores nothing.
    ///
    /// With `rejected_to`, the rows left out (`skip_invalid`) are written there before anything
    /// is committed: if that fails, nothing is imported.
    pub fn run(
        &self,
        file: &ImportFile,
        options: &ImportOptions,
        dry_run: bool,
        rejected_to: Option<&std::path::Path>,
        progress: &mut dyn FnMut(u32, u32) -> bool,
    ) -> Result<ImportReport> {
        let mut report = self.preview(file, options)?;
        if report.invalid > 0 && !options.skip_invalid {
            let first = report.rows.iter().find(|r| !r.errors.is_empty());
            let (line, error) = first.map_or((0, None), |r| (r.line, r.errors.first()));
            return Err(invalid_file(format!(
                "{} rows are not valid (the first on line {line}: {}); fix them, or import the valid rows only",
                report.invalid,
                error.map_or(String::new(), |e| format!("{}: {}", e.field, e.message))
            )));
        }
        let purpose = self.purpose(options)?;
        let source = format!("import: {}, {}", source_label(&options.file_name, &report.rows), self.ctx.today());
        let choice =
            |line: u32| options.per_row.iter().find(|(l, _)| *l == line).map_or(options.duplicates, |(_, c)| *c);
        // A large batch touches pages all over the indexes (ids are random): a bigger page cache
        // for its length saves SQLCipher decrypting evicted pages again. Back to normal after.
        let total = count(report.rows.iter());
        let _cache = BatchCache::enlarge(self.ctx.conn, total)?;
        let tx = self.ctx.begin()?;
        tx.execute("INSERT INTO fts_deferred (since) SELECT coalesce(max(seq), 0) FROM contact", [])?;
        // Any failure below returns before the commit, and `tx` rolls the whole batch back.
        let batch = self.ctx.batch();
        let contacts = Contacts::new(batch);
        let ledger = ConsentLedger::new(batch);
        for (done, row) in report.rows.iter().enumerate() {
            if !progress(u32::try_from(done).unwrap_or(u32::MAX), total) {
                return Err(Error::Cancelled);
            }
            if !row.errors.is_empty() {
                continue;
            }
            let duplicate = row.duplicate_of.is_some() || row.duplicate_of_line.is_some();
            let id = match (duplicate, choice(row.line), &row.duplicate_of) {
                (false, _, _) | (true, DuplicateChoice::KeepBoth, _) => {
                    report.imported += 1;
                    contacts.insert(&row.contact, Some(&source))?
                }
                (true, DuplicateChoice::Update, Some(existing)) => {
                    report.updated += 1;
                    contacts.merge_import(existing, &row.contact)?.id
                }
                (true, _, _) => {
                    report.skipped += 1;
                    continue;
                }
            };
            // A consent the person withdrew in Lagom is never given back by an old list.
            let withdrawn = ledger.withdrew(&id, &purpose.id)?
                || match &row.duplicate_of {
                    Some(existing) => ledger.withdrew(existing, &purpose.id)?,
                    None => false,
                };
            if purpose.lawful_basis == LawfulBasis::Consent && !withdrawn {
                let consent = ConsentInput {
                    purpose: purpose.id.clone(),
                    channel: None,
                    source: ConsentSource::Import,
                    wording: None,
                };
                ledger.give(&id, &consent)?;
            }
        }
        if !progress(total, total) {
            return Err(Error::Cancelled);
        }
        tx.execute_batch(INDEX_DEFERRED)?;
        if let Some(out) = rejected_to.filter(|_| report.invalid > 0 && !dry_run) {
            write_rejected(&report, file, out)?;
        }
        if dry_run {
            drop(tx);
        } else {
            tx.commit()?;
            report.committed = true;
        }
        Ok(report)
    }

    fn purpose(&self, options: &ImportOptions) -> Result<crate::purposes::Purpose> {
        let purpose = Purposes::new(self.ctx).get(options.purpose.trim()).map_err(|_| {
            Error::invalid(
                "purpose",
                FieldErrorCode::UnknownPurpose,
                format!("there is no purpose called '{}': every import needs one", options.purpose.trim()),
            )
        })?;
        if let Some(basis) = options.basis
            && basis != purpose.lawful_basis
        {
            return Err(Error::invalid(
                "basis",
                FieldErrorCode::BasisMismatch,
                format!("the purpose '{}' rests on {}, not {basis}", purpose.name, purpose.lawful_basis),
            ));
        }
        Ok(purpose)
    }

    fn mapping(&self, file: &ImportFile, options: &ImportOptions) -> Result<Vec<Option<ImportField>>> {
        let mapping = options.mapping.clone().unwrap_or_else(|| file.mapping.clone());
        if mapping.len() != file.headers.len() {
            return Err(invalid_file("the mapping must name one field (or none) per column"));
        }
        let has = |f: ImportField| mapping.contains(&Some(f));
        if !(has(ImportField::FullName) || has(ImportField::GivenName) || has(ImportField::FamilyName)) {
            return Err(invalid_file("no column holds names: map a column to given name, family name or full name"));
        }
        Ok(mapping)
    }
}

/// A page cache sized for a batch while it runs (about 1.5 KiB a row, between the normal 64 MiB
/// and 256 MiB), restored when dropped.
struct BatchCache<'c> {
    conn: &'c rusqlite::Connection,
    normal: i64,
}

impl<'c> BatchCache<'c> {
    fn enlarge(conn: &'c rusqlite::Connection, rows: u32) -> Result<BatchCache<'c>> {
        let normal: i64 = conn.query_row("PRAGMA cache_size", [], |row| row.get(0))?;
        // Never smaller than it is (a negative size is in KiB; a positive one, in pages, is
        // left alone).
        if normal < 0 {
            let wanted_kib = (i64::from(rows) * 3 / 2).min(256 * 1024).max(-normal);
            conn.execute_batch(&format!("PRAGMA cache_size = -{wanted_kib}"))?;
        }
        Ok(BatchCache { conn, normal })
    }
}

impl Drop for BatchCache<'_> {
    fn drop(&mut self) {
        let _ = self.conn.execute_batch(&format!("PRAGMA cache_size = {}", self.normal));
    }
}

/// Writes the rows that were not imported because they failed validation, as they were in
/// the file with the line number and what was wrong, to a private CSV at `out` (0600, written
/// whole or not at all): "import the valid rows" never loses the others.
pub fn write_rejected(report: &ImportReport, file: &ImportFile, out: &std::path::Path) -> Result<u32> {
    let mut rows = vec![{
        let mut head = vec!["line".to_owned(), "problems".to_owned()];
        head.extend(file.headers.iter().cloned());
        head
    }];
    // The preview has one row per file row, in order.
    for (rejected, original) in report.rows.iter().zip(&file.rows).filter(|(r, _)| !r.errors.is_empty()) {
        let problems: Vec<String> = rejected.errors.iter().map(|e| format!("{}: {}", e.field, e.message)).collect();
        let mut line = vec![rejected.line.to_string(), problems.join("; ")];
        line.extend(original.values.iter().cloned());
        rows.push(line);
    }
    let bytes = crate::export::csv(&rows);
    crate::store::publish_private_file(out, |f| std::io::Write::write_all(f, &bytes), |_| Ok(()))?;
    Ok(count(rows.iter().skip(1)))
}

/// The name of a row's field, as the form names it.
fn field_name(field: ImportField) -> &'static str {
    match field {
        ImportField::GivenName | ImportField::FullName => "given_name",
        ImportField::FamilyName => "family_name",
        ImportField::Email => "email",
        ImportField::Phone => "phone",
        ImportField::Organisation => "organisation",
        ImportField::Role => "role",
    }
}

/// What the contacts record as their file: its name, unless the name names one of the people
/// in it (a phone's export is often called after its first card, "Anna Berg and 12 others"),
/// since every imported contact keeps it.
fn source_label(file_name: &str, rows: &[PreviewRow]) -> String {
    let label = file_label(file_name);
    let lower = label.to_lowercase();
    let names_someone = rows.iter().any(|r| {
        [&r.contact.given_name, &r.contact.family_name]
            .iter()
            .any(|n| n.chars().count() >= 3 && lower.contains(&n.to_lowercase()))
    });
    if names_someone || crate::validate::contains_identity_number(&label) {
        "a file whose name names a person".into()
    } else {
        label
    }
}

/// The file's name without its folders (they may name a person's home directory).
fn file_label(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name).trim();
    let cleaned: String = base.chars().filter(|c| !c.is_control()).take(120).collect();
    if cleaned.is_empty() { "unnamed file".into() } else { cleaned }
}

/// A row as the contact it would become.
fn to_contact(row: &ImportRow, mapping: &[Option<ImportField>], purpose: &str) -> ContactInput {
    let mut contact = ContactInput { purposes: vec![purpose.to_owned()], ..ContactInput::default() };
    let set = |slot: &mut Option<String>, value: &str| {
        if slot.is_none() && !value.is_empty() {
            *slot = Some(value.to_owned());
        }
    };
    for (field, value) in mapping.iter().zip(&row.values) {
        let value = value.trim();
        match field {
            Some(ImportField::GivenName) if contact.given_name.is_empty() => contact.given_name = value.to_owned(),
            Some(ImportField::FamilyName) if contact.family_name.is_empty() => contact.family_name = value.to_owned(),
            Some(ImportField::FullName) if contact.given_name.is_empty() && contact.family_name.is_empty() => {
                (contact.given_name, contact.family_name) = split_full_name(value);
            }
            Some(ImportField::Email) => set(&mut contact.email, value),
            Some(ImportField::Phone) => set(&mut contact.phone, value),
            Some(ImportField::Organisation) => set(&mut contact.organisation, value),
            Some(ImportField::Role) => set(&mut contact.role, value),
            _ => {}
        }
    }
    contact
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn personal_identity_numbers_are_recognised_by_their_check_digit() {
        for good in ["811228-9874", "19811228-9874", "198112289874", "8112289874", "811228+9874"] {
            assert!(is_personnummer(good), "{good}");
        }
        for bad in ["811228-9875", "070-1234567", "+46701234567", "811328-9874", "abc", "", "2026-05-02"] {
            assert!(!is_personnummer(bad), "{bad}");
        }
    }

    #[test]
    fn separators_and_encodings_are_detected() {
        assert_eq!(guess_delimiter("Förnamn;Efternamn;E-post\nA;B;c"), b';');
        assert_eq!(guess_delimiter("a\tb\tc"), b'\t');
        assert_eq!(guess_delimiter("\"Berg, Anna\",x"), b',');
        let latin = [b'F', 0xF6, b'r', b'n', b'a', b'm', b'n'];
        assert_eq!(decode(&latin), ("Förnamn".to_owned(), "windows-1252"));
        let utf16: Vec<u8> = "Namn,E-post".encode_utf16().flat_map(u16::to_le_bytes).collect();
        assert_eq!(decode(&utf16), ("Namn,E-post".to_owned(), "UTF-16LE"));
        let mut bom = vec![0xEF, 0xBB, 0xBF];
        bom.extend_from_slice("Namn".as_bytes());
        assert_eq!(decode(&bom), ("Namn".to_owned(), "UTF-8"));
    }

    #[test]
    fn quoted_printable_in_its_charset_and_folded_lines_are_read() {
        let card = "BEGIN:VCARD\r\nVERSION:2.1\r\nN;CHARSET=ISO-8859-1;ENCODING=QUOTED-PRINTABLE:=D6stlund;=C5sa\r\n\
                    EMAIL;INTERNET:asa@example.se\r\nNOTE;ENCODING=QUOTED-PRINTABLE:hemlig=\r\n anteckning\r\n\
                    PHOTO;ENCODING=BASE64;TYPE=JPEG:AAAA\r\n  BBBB\r\nEND:VCARD\r\n";
        let file = read(card.as_bytes()).unwrap();
        assert_eq!(file.rows[0].values[..3], ["Åsa", "Östlund", "asa@example.se"]);
        let dropped: Vec<&str> = file.dropped.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(dropped, ["NOTE", "PHOTO"]);
        assert!(!format!("{file:?}").contains("hemlig"), "a dropped value is not kept");
    }

    #[test]
    fn no_input_makes_the_readers_panic() {
        // A fixed pseudo-random walk over fragments that stress the readers: quotes, separators,
        // folds, quoted-printable escapes cut short, multi-byte characters, odd byte orders.
        let fragments: [&[u8]; 16] = [
            b"BEGIN:VCARD\r\n",
            b"END:VCARD\r\n",
            b"N;ENCODING=QUOTED-PRINTABLE:=C3=",
            b"=\r\n",
            b" folded",
            b"\"",
            b";",
            b",",
            b"\t",
            b"\n",
            "Åsa=é".as_bytes(),
            b"\xFF\xFE",
            b"\x00",
            b"FN:",
            b"TEL;CELL:07",
            b"=4",
        ];
        let mut state: u64 = 0x2545_F491_4F6C_DD1D;
        for _ in 0..3000 {
            let mut input = Vec::new();
            for _ in 0..(state % 24) {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                input.extend_from_slice(fragments[(state % 16) as usize]);
            }
            let _ = read(&input);
        }
    }

    #[test]
    fn a_vcard_value_with_an_escaped_semicolon_or_backslash_is_read_whole() {
        let card = "BEGIN:VCARD\nVERSION:4.0\nN:Ek;Bo;;;\nTITLE:Sälj\\; marknad \\\\ norr\nEND:VCARD\n";
        assert_eq!(read(card.as_bytes()).unwrap().rows[0].values[5], "Sälj; marknad \\ norr");
    }

    mod properties {
        use proptest::prelude::*;

        use super::super::read;
        use crate::contacts::Contact;
        use crate::vocab::Stage;

        /// Text a person might type in a field: letters with Nordic ones, digits, spaces and
        /// the characters vCard and CSV escape.
        fn field() -> impl Strategy<Value = String> {
            "[A-Za-zÅÄÖåäöØøÆæÉé0-9 ,;:.\\\\\"'&@+()-]{1,90}"
                .prop_map(|s| s.trim().to_owned())
                .prop_filter("non-empty", |s| !s.is_empty())
        }

        proptest! {
            #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

            #[test]
            fn no_bytes_make_the_readers_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2000)) {
                let _ = read(&bytes);
                let mut card = b"BEGIN:VCARD\r\n".to_vec();
                card.extend_from_slice(&bytes);
                let _ = read(&card);
            }

            #[test]
            fn a_contact_exported_as_a_vcard_is_imported_field_for_field(
                given in field(), family in field(), org in field(), role in field(),
                user in "[a-z0-9.]{1,20}", phone in "\\+467[0-9]{8}",
            ) {
                let email = format!("{user}@example.se");
                let contact = Contact {
                    id: "00000000-0000-4000-8000-000000000000".into(),
                    given_name: given.clone(),
                    family_name: family.clone(),
                    email: Some(email.clone()),
                    phone: Some(phone.clone()),
                    organisation: Some(org.clone()),
                    role: Some(role.clone()),
                    channel: None,
                    material: None,
                    language: None,
                    stage: Stage::Lead,
                    owner: None,
                    tags: Vec::new(),
                    purposes: Vec::new(),
                    source: None,
                    created_at: "2026-01-01T00:00:00Z".into(),
                    updated_at: "2026-01-01T00:00:00Z".into(),
                };
                let file = read(crate::export::vcard(&contact).as_bytes()).unwrap();
                prop_assert_eq!(&file.rows[0].values, &vec![given, family, email, phone, org, role]);
            }

            #[test]
            fn every_csv_lagom_writes_reads_back_and_never_starts_a_formula(
                // Two or more cells a row, as every CSV Lagom writes (one empty cell alone is an empty line).
                // (U+FEFF is left out: a reader takes one at the very start for the byte-order mark.)
                cells in proptest::collection::vec(proptest::collection::vec("[^\u{feff}]{0,40}", 2..6), 1..8),
            ) {
                let bytes = crate::export::csv(&cells);
                let text = String::from_utf8(bytes).unwrap();
                let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true)
                    .from_reader(text.strip_prefix('\u{feff}').unwrap_or(&text).as_bytes());
                for (record, row) in reader.records().zip(&cells) {
                    let record = record.unwrap();
                    for (written, cell) in record.iter().zip(row) {
                        prop_assert!(!written.starts_with(['=', '+', '-', '@', '\t', '\r']), "{written:?}");
                        let plain = written.strip_prefix('\'').filter(|_| cell.starts_with(['=', '+', '-', '@', '\t', '\r'])).unwrap_or(written);
                        prop_assert_eq!(plain.replace("\r\n", "\n"), cell.replace("\r\n", "\n"));
                    }
                }
            }
        }
    }
}
