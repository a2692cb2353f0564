//! `lagom notice`: the information notice each person is owed (Art. 13, 14) — show it, record
//! that it was given, list whose is still owed.

use anyhow::Result;
use clap::Subcommand;
use lagom_core::{Channel, DocumentFormat, Lagom, NoticeGivenInput, ReportLanguage};

use crate::rights::parse_report_language;
use crate::{parse_document_format, parse_text_enum, print_json};

#[derive(Debug, Subcommand)]
pub enum NoticeCommand {
    /// The contact's notice: what is held, why, for how long, from where, and their rights.
    Show {
        /// The contact's id.
        id: String,
        /// sv or en (the contact's language when not given, else the app's).
        #[arg(long, value_parser = parse_report_language)]
        lang: Option<ReportLanguage>,
        /// text, md or html.
        #[arg(long, default_value = "text", value_parser = parse_document_format)]
        format: DocumentFormat,
    },
    /// Record that the contact was given their notice.
    Given {
        id: String,
        /// How: email, phone, sms, post or meeting.
        #[arg(long, value_parser = parse_text_enum::<Channel>)]
        channel: Channel,
        /// The day, YYYY-MM-DD (today when not given).
        #[arg(long, value_name = "DATE")]
        on: Option<String>,
        /// The language it was given in (the notice's default when not given).
        #[arg(long, value_parser = parse_report_language)]
        lang: Option<ReportLanguage>,
        #[arg(long)]
        json: bool,
    },
    /// Everyone whose notice is still owed, earliest due first.
    Owed {
        #[arg(long)]
        json: bool,
    },
}

pub fn run(lagom: &Lagom, command: NoticeCommand) -> Result<()> {
    let notices = lagom.notices();
    match command {
        NoticeCommand::Show { id, lang, format } => print!("{}", notices.notice(&id, lang, None)?.render(format)),
        NoticeCommand::Given { id, channel, on, lang, json } => {
            let state = notices.record_given(&id, &NoticeGivenInput { channel, on, language: lang })?;
            if json {
                return print_json(&state);
            }
            if let Some(given) = state.given.first() {
                println!("{id}: notice given on {} by {}", given.given_on, given.channel);
            }
        }
        NoticeCommand::Owed { json } => {
            let owed = notices.owed(None)?;
            if json {
                return print_json(&owed);
            }
            println!("notices owed: {} ({} overdue)", owed.total, owed.overdue);
            for n in &owed.contacts {
                let state = if n.overdue { "OVERDUE" } else { "due" };
                let article = if n.article == lagom_core::NoticeArticle::Art13 { "Art. 13" } else { "Art. 14" };
                println!(
                    "  {}  {} {}  {state} {}  ({article}, obtained {})",
                    n.contact_id, n.given_name, n.family_name, n.due, n.obtained_on
                );
            }
        }
    }
    Ok(())
}
