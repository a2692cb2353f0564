//! After an export: "Show in folder" and "Open the register extract", with the system's
//! opener. Only the file the last export wrote is ever shown or opened (never a path the
//! webview sends).
//!
//! The extract (`report.html`) is copied out of the ZIP beside it, into the folder the user
//! chose for the export, as `<the ZIP's name>-extract.html` (numbered when that name is taken;
//! 0600, written through a private temporary file): the same data as the ZIP, where the user already keeps it, and a folder a
//! sandboxed browser (Snap, Flatpak) may read. Its name and its `<title>` hold no personal data,
//! so the browser's history keeps none. An `e2e` build writes the path it would open to
//! `LAGOM_E2E_OPENED_FILE` instead.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use lagom_core::{Error, Result};

#[derive(Debug, Default)]
pub struct ExportFiles {
    last: Mutex<Option<PathBuf>>,
}

impl ExportFiles {
    fn slot(&self) -> std::sync::MutexGuard<'_, Option<PathBuf>> {
        self.last.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The export just written.
    pub fn exported(&self, zip: &Path) {
        *self.slot() = Some(zip.to_owned());
    }

    /// At a lock, an erasure or "Remove Lagom's data": the export is no longer offered.
    pub fn forget(&self) {
        *self.slot() = None;
    }

    fn last(&self) -> Result<PathBuf> {
        self.slot().clone().filter(|zip| zip.exists()).ok_or(Error::NotFound { what: "export" })
    }

    /// Opens the folder that holds the last export.
    pub fn show_in_folder(&self) -> Result<()> {
        let zip = self.last()?;
        let folder = zip.parent().map(Path::to_owned).unwrap_or_else(|| PathBuf::from("."));
        open(&folder, "the file manager")
    }

    /// Opens the last export's register extract in the system's viewer for HTML; returns the
    /// file it wrote beside the ZIP.
    pub fn open_extract(&self) -> Result<String> {
        let zip = self.last()?;
        let html = lagom_core::export::register_extract(&zip)?;
        let stem = zip.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        // Never over a file that is there (one the user made, or an earlier extract).
        let file = (1..100)
            .map(|n| {
                zip.with_file_name(if n == 1 {
                    format!("{stem}-extract.html")
                } else {
                    format!("{stem}-extract-{n}.html")
                })
            })
            .find(|file| file.symlink_metadata().is_err())
            .ok_or(Error::AlreadyExists { path: zip.with_file_name(format!("{stem}-extract.html")) })?;
        lagom_core::store::write_private_file(&file, &html)?;
        open(&file, "the browser")?;
        Ok(file.to_string_lossy().into_owned())
    }
}

fn open(path: &Path, program: &str) -> Result<()> {
    #[cfg(feature = "e2e")]
    if let Some(file) = std::env::var_os("LAGOM_E2E_OPENED_FILE") {
        return std::fs::write(&file, path.as_os_str().as_encoded_bytes()).map_err(|source| Error::Io {
            action: "write",
            path: file.into(),
            source,
        });
    }
    open::that_detached(path).map_err(|e| Error::Io {
        action: "open",
        path: program.into(),
        source: std::io::Error::new(e.kind(), format!("{program} did not start")),
    })
}
