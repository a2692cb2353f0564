//! Settings kept in the database: the default country for phone numbers and the display
//! language. Nothing here is personal data.

use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{InvalidInput, Result};
use crate::validate;
use crate::vocab::UiLanguage;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Settings {
    /// ISO 3166-1 alpha-2; phone numbers without `+` are read as this country's.
    pub default_country: String,
    pub ui_language: UiLanguage,
}

impl Settings {
    pub(crate) fn load(conn: &Connection) -> Result<Settings> {
        let mut settings = Settings { default_country: "SE".into(), ui_language: UiLanguage::Auto };
        let mut statement = conn.prepare_cached("SELECT key, value FROM setting")?;
        let mut rows = statement.query([])?;
        while let Some(row) = rows.next()? {
            let key: String = row.get(0)?;
            let value: String = row.get(1)?;
            match key.as_str() {
                "default_country" => settings.default_country = value,
                "ui_language" => settings.ui_language = value.parse().unwrap_or(UiLanguage::Auto),
                _ => {}
            }
        }
        Ok(settings)
    }

    pub(crate) fn save(conn: &Connection, input: &Settings) -> Result<Settings> {
        let mut errors = InvalidInput::default();
        let country = validate::country(&mut errors, "default_country", &input.default_country);
        errors.into_result()?;
        let tx = conn.unchecked_transaction()?;
        let mut upsert = tx.prepare_cached(
            "INSERT INTO setting (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )?;
        upsert.execute(["default_country", country.as_deref().unwrap_or("SE")])?;
        upsert.execute(["ui_language", input.ui_language.as_str()])?;
        drop(upsert);
        tx.commit()?;
        Self::load(conn)
    }
}
