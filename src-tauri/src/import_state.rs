//! The file being imported in the app: read once when chosen (the open dialog), previewed and
//! imported from memory, and a cancel flag the import checks between rows. Kept apart from the
//! session's mutex so "Cancel" works while the import holds the database.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};

use lagom_core::import::{self, ImportFile, ImportSummary};
use tauri::AppHandle;
use tauri_plugin_dialog::DialogExt;

#[derive(Debug, Default)]
pub struct ImportState {
    file: Mutex<Option<(PathBuf, ImportFile)>>,
    cancel: AtomicBool,
}

impl ImportState {
    /// Reads and parses the chosen file and keeps it for the preview and the import.
    pub fn open(&self, path: &Path) -> lagom_core::Result<ImportSummary> {
        let file = import::read_path(path)?;
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let summary = file.summary(&name);
        *self.slot() = Some((path.to_owned(), file));
        Ok(summary)
    }

    fn slot(&self) -> std::sync::MutexGuard<'_, Option<(PathBuf, ImportFile)>> {
        self.file.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `f` on the file chosen last, or fails when there is none.
    pub fn with<T>(&self, f: impl FnOnce(&Path, &ImportFile) -> lagom_core::Result<T>) -> lagom_core::Result<T> {
        let slot = self.slot();
        let (path, file) = slot.as_ref().ok_or(lagom_core::Error::NotFound { what: "import file" })?;
        f(path, file)
    }

    /// Forgets the file (its rows are personal data): after an import, or when the view closes.
    pub fn forget(&self) {
        *self.slot() = None;
    }

    pub fn request_cancel(&self) {
        self.cancel.store(true, Ordering::SeqCst);
    }

    /// Clears a cancel left from before; returns the flag to watch.
    pub fn arm_cancel(&self) -> &AtomicBool {
        self.cancel.store(false, Ordering::SeqCst);
        &self.cancel
    }
}

/// Asks which file to import; `None` when the user cancels. End-to-end builds answer from
/// `LAGOM_E2E_OPEN_FILE` (never in a release build, see `save_dialog.rs`).
pub fn ask_open_path(app: &AppHandle) -> Option<PathBuf> {
    #[cfg(feature = "e2e")]
    if let Some(file) = std::env::var_os("LAGOM_E2E_OPEN_FILE") {
        return Some(PathBuf::from(file));
    }
    app.dialog()
        .file()
        .add_filter("CSV, vCard", &["csv", "txt", "tsv", "vcf", "vcard"])
        .blocking_pick_file()
        .and_then(|path| path.into_path().ok())
}

/// Asks which backup to restore; `None` when the user cancels. End-to-end builds answer from
/// `LAGOM_E2E_OPEN_BACKUP`.
pub fn ask_backup_path(app: &AppHandle) -> Option<PathBuf> {
    #[cfg(feature = "e2e")]
    if let Some(file) = std::env::var_os("LAGOM_E2E_OPEN_BACKUP") {
        return Some(PathBuf::from(file));
    }
    app.dialog().file().add_filter("Lagom backup", &["db"]).blocking_pick_file().and_then(|path| path.into_path().ok())
}
