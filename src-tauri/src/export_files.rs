//! After an export: "Show in folder" and "Open the register extract", with the system's
//! opener. Only the file the last export wrote is ever shown or opened (never a path the
//! webview sends). The extract is copied out of the ZIP into a private folder in the user's
//! runtime directory (`$XDG_RUNTIME_DIR/lagom`, a tmpfs emptied at logout; 0700, the file
//! 0600), and removed at the next lock, export or start. An `e2e` build writes the path it
//! would open to `LAGOM_E2E_OPENED_FILE` instead.

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

    /// The export just written; an extract opened for an earlier one is removed.
    pub fn exported(&self, zip: &Path) {
        remove_extracts();
        *self.slot() = Some(zip.to_owned());
    }

    /// At a lock: the extract (personal data) is removed and the export forgotten.
    pub fn forget(&self) {
        remove_extracts();
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

    /// Opens the last export's register extract in the system's viewer for HTML.
    pub fn open_extract(&self) -> Result<()> {
        let zip = self.last()?;
        let html = lagom_core::export::register_extract(&zip)?;
        remove_extracts();
        let folder = extract_folder();
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode_private()
            .create(&folder)
            .map_err(|e| Error::io("create the folder", &folder, e))?;
        let mut name = [0u8; 8];
        getrandom::fill(&mut name).map_err(|e| Error::io("name", &folder, std::io::Error::other(e.to_string())))?;
        let file = folder.join(format!("register-extract-{}.html", hex::encode(name)));
        write_private(&file, &html)?;
        open(&file, "the browser")
    }
}

/// `$XDG_RUNTIME_DIR/lagom` (private to the user, emptied at logout), else the temp folder's.
fn extract_folder() -> PathBuf {
    dirs::runtime_dir().unwrap_or_else(std::env::temp_dir).join("lagom")
}

/// Removes the extracts opened before (best effort).
pub fn remove_extracts() {
    for entry in std::fs::read_dir(extract_folder()).into_iter().flatten().flatten() {
        if entry.file_name().to_string_lossy().starts_with("register-extract-") {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(|e| Error::io("write", path, e))?;
    file.write_all(bytes).map_err(|e| Error::io("write", path, e))
}

trait PrivateDir {
    fn mode_private(&mut self) -> &mut Self;
}

impl PrivateDir for std::fs::DirBuilder {
    fn mode_private(&mut self) -> &mut Self {
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(self, 0o700);
        self
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
