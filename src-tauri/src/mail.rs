//! A letter as a mail draft in the user's mail program: the core's `mailto:` link, opened by
//! the system's opener (`xdg-open`, `open`, `start`). Only `mailto:` links are ever opened, and
//! only ones the core made from the register. End-to-end tests cannot look into a mail
//! program, so an `e2e` build (debug only) writes the link to `LAGOM_E2E_MAIL_FILE` instead.

use lagom_core::{Error, Result};

/// Opens `mailto` as a new mail; returns once the opener has started.
pub fn open_draft(mailto: &str) -> Result<()> {
    if !mailto.starts_with("mailto:") || mailto.chars().any(char::is_control) {
        return Err(Error::NotFound { what: "mail draft" });
    }
    #[cfg(feature = "e2e")]
    if let Some(file) = std::env::var_os("LAGOM_E2E_MAIL_FILE") {
        return std::fs::write(&file, mailto).map_err(|source| Error::Io {
            action: "write",
            path: file.into(),
            source,
        });
    }
    // The opener's own error repeats the whole link (the letter, a person's name): not shown.
    open::that_detached(mailto).map_err(|e| Error::Io {
        action: "open",
        path: "the mail program".into(),
        source: std::io::Error::new(e.kind(), "no mail program answered"),
    })
}
