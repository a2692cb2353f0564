//! A short document — headings, paragraphs, lists and tables — rendered as plain text, Markdown
//! or a standalone printable HTML page. The Art. 30 record, the information notice and the
//! breach notification are built as blocks once and rendered by whichever format is asked for.

use crate::export::{ReportLanguage, esc};

/// One block of a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Block {
    Heading(String),
    Paragraph(String),
    Table { head: Vec<String>, rows: Vec<Vec<String>> },
    List(Vec<String>),
}

/// The document as Markdown (tables in the GitHub dialect).
pub(crate) fn markdown(title: &str, blocks: &[Block]) -> String {
    let cell = |text: &str| text.replace('|', "\\|").replace(['\n', '\r'], " ");
    let mut md = format!("# {title}\n\n");
    for block in blocks {
        match block {
            Block::Heading(text) => md.push_str(&format!("## {text}\n\n")),
            Block::Paragraph(text) => md.push_str(&format!("{}\n\n", cell(text))),
            Block::List(items) => {
                items.iter().for_each(|item| md.push_str(&format!("- {}\n", cell(item))));
                md.push('\n');
            }
            Block::Table { head, rows } => {
                let columns = rows.first().map_or(head.len(), Vec::len);
                let head = if head.is_empty() { vec![String::new(); columns] } else { head.clone() };
                md.push_str(&format!("| {} |\n|{}\n", head.join(" | "), "---|".repeat(columns)));
                for row in rows {
                    let cells: Vec<String> = row.iter().map(|c| cell(c)).collect();
                    md.push_str(&format!("| {} |\n", cells.join(" | ")));
                }
                md.push('\n');
            }
        }
    }
    md
}

/// The document as plain text, for a mail body or the clipboard: headings underlined, lists
/// with dashes, table rows as `label: value`.
pub(crate) fn text(title: &str, blocks: &[Block]) -> String {
    let underline = |text: &str, with: char| with.to_string().repeat(text.chars().count());
    let mut out = format!("{title}\n{}\n\n", underline(title, '='));
    for block in blocks {
        match block {
            Block::Heading(text) => out.push_str(&format!("{text}\n{}\n", underline(text, '-'))),
            Block::Paragraph(text) => out.push_str(&format!("{text}\n\n")),
            Block::List(items) => {
                items.iter().for_each(|item| out.push_str(&format!("- {item}\n")));
                out.push('\n');
            }
            Block::Table { head, rows } => {
                for row in rows {
                    let line = if head.is_empty() && row.len() == 2 {
                        format!("{}: {}", row[0], row[1])
                    } else {
                        let labelled: Vec<String> = row
                            .iter()
                            .enumerate()
                            .map(|(i, cell)| match head.get(i) {
                                Some(label) if i > 0 => format!("{label}: {cell}"),
                                _ => cell.clone(),
                            })
                            .collect();
                        labelled.join("; ")
                    };
                    out.push_str(&format!("- {line}\n"));
                }
                out.push('\n');
            }
        }
    }
    out
}

/// The document as a standalone HTML page, printable on A4; every value escaped.
pub(crate) fn html(title: &str, language: ReportLanguage, blocks: &[Block]) -> String {
    let lang = match language {
        ReportLanguage::En => "en",
        ReportLanguage::Sv => "sv",
    };
    let mut html = format!(
        "<!doctype html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\"><title>{title}</title>\n<style>\
         @page {{ size: A4; margin: 18mm; }} body {{ font: 11pt/1.45 system-ui, sans-serif; color: #1d2421; max-width: 50em; margin: 2em auto; }}\
         h1 {{ font-size: 18pt; }} h2 {{ font-size: 13pt; margin-top: 1.6em; border-bottom: 1px solid #ccc; }}\
         table {{ border-collapse: collapse; width: 100%; }} th, td {{ text-align: left; padding: .25em .5em; border-bottom: 1px solid #eee; vertical-align: top; }}\
         h2, table, li {{ break-inside: avoid; }}\
         </style></head><body>\n<h1>{title}</h1>\n",
        title = esc(title)
    );
    for block in blocks {
        match block {
            Block::Heading(text) => html.push_str(&format!("<h2>{}</h2>\n", esc(text))),
            Block::Paragraph(text) => html.push_str(&format!("<p>{}</p>\n", esc(text))),
            Block::List(items) => {
                html.push_str("<ul>\n");
                items.iter().for_each(|item| html.push_str(&format!("<li>{}</li>\n", esc(item))));
                html.push_str("</ul>\n");
            }
            Block::Table { head, rows } => {
                html.push_str("<table>\n");
                if !head.is_empty() {
                    let cells: String = head.iter().map(|h| format!("<th>{}</th>", esc(h))).collect();
                    html.push_str(&format!("<tr>{cells}</tr>\n"));
                }
                for row in rows {
                    let cells: String = row.iter().map(|c| format!("<td>{}</td>", esc(c))).collect();
                    html.push_str(&format!("<tr>{cells}</tr>\n"));
                }
                html.push_str("</table>\n");
            }
        }
    }
    html.push_str("</body></html>\n");
    html
}

/// The formats a document is rendered in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum DocumentFormat {
    Text,
    Md,
    Html,
}

/// Which letter: a contact's information notice, or an affected person's breach notification.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum LetterOf {
    Notice { contact_id: String },
    BreachNotification { breach_id: String, contact_id: String },
}

/// A document addressed to one person (an information notice, a breach notification): every
/// format, and a mail draft when their address is known.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
pub struct Letter {
    /// The heading, and the mail's subject.
    pub title: String,
    pub language: ReportLanguage,
    pub text: String,
    pub markdown: String,
    pub html: String,
    /// The person's email address, when the register has one.
    pub email: Option<String>,
    /// `mailto:` the address, with the subject and the text as body (RFC 6068).
    pub mailto: Option<String>,
}

impl Letter {
    pub(crate) fn new(email: Option<&str>, title: String, language: ReportLanguage, blocks: &[Block]) -> Letter {
        let text = text(&title, blocks);
        let mailto = email.map(|to| {
            // The body without the title: the subject carries it.
            let body = text.split_once("\n\n").map_or(text.as_str(), |(_, rest)| rest);
            format!("mailto:{}?subject={}&body={}", uri_encode(to, "@"), uri_encode(&title, ""), uri_encode(body, ""))
        });
        Letter {
            markdown: markdown(&title, blocks),
            html: html(&title, language, blocks),
            text,
            email: email.map(str::to_owned),
            mailto,
            title,
            language,
        }
    }

    /// The letter in `format`.
    pub fn render(&self, format: DocumentFormat) -> &str {
        match format {
            DocumentFormat::Text => &self.text,
            DocumentFormat::Md => &self.markdown,
            DocumentFormat::Html => &self.html,
        }
    }
}

/// Percent-encodes UTF-8 `text` for a URI, keeping only unreserved characters and `keep`
/// (line breaks become `%0D%0A`, as RFC 6068 asks of a mail body).
fn uri_encode(text: &str, keep: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3 / 2);
    let normalised = text.replace("\r\n", "\n").replace('\n', "\r\n");
    for byte in normalised.bytes() {
        let c = char::from(byte);
        if c.is_ascii_alphanumeric() || "-._~".contains(c) || (byte.is_ascii() && keep.contains(c)) {
            out.push(c);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mail_draft_encodes_every_reserved_character_and_line_breaks() {
        let letter = Letter::new(
            Some("åsa+crm@example.se"),
            "Så & så?".into(),
            ReportLanguage::Sv,
            &[Block::Paragraph("Rad 1\nRad 2 = 100% #ok".into())],
        );
        let mailto = letter.mailto.unwrap();
        assert_eq!(
            mailto,
            "mailto:%C3%A5sa%2Bcrm@example.se?subject=S%C3%A5%20%26%20s%C3%A5%3F&body=Rad%201%0D%0ARad%202%20%3D%20100%25%20%23ok%0D%0A%0D%0A"
        );
        assert!(letter.html.contains("Så &amp; så?") && letter.markdown.starts_with("# Så & så?"));
        assert!(Letter::new(None, "x".into(), ReportLanguage::En, &[]).mailto.is_none());
    }
}
