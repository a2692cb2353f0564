//! Where an export is saved: the native save dialog. End-to-end tests cannot drive a native
//! dialog, so a build with the `e2e` feature (debug builds only) answers it from
//! `LAGOM_E2E_SAVE_DIR` instead. A release build never contains that seam.

use std::path::PathBuf;

use tauri::AppHandle;
use tauri_plugin_dialog::DialogExt;

#[cfg(all(feature = "e2e", not(debug_assertions)))]
compile_error!("the e2e feature answers the save dialog by itself; it must never be in a release build");

/// Asks where to save `suggested_name`; `None` when the user cancels. Blocks, so call it
/// from a command that runs off the main thread.
pub fn ask_save_path(app: &AppHandle, suggested_name: &str) -> Option<PathBuf> {
    #[cfg(feature = "e2e")]
    if let Some(dir) = std::env::var_os("LAGOM_E2E_SAVE_DIR") {
        return Some(PathBuf::from(dir).join(suggested_name));
    }
    app.dialog()
        .file()
        .set_file_name(suggested_name)
        .add_filter("ZIP", &["zip"])
        .blocking_save_file()
        .and_then(|path| path.into_path().ok())
}
