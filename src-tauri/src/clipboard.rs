//! The recovery key on the clipboard, briefly. Clipboard managers keep what is copied and may
//! write it to disk, where the raw database key would outlive everything else. So the key is
//! copied with the hint that password managers use to keep a secret out of clipboard history
//! (`x-kde-passwordManagerHint: secret` on Linux, excluded from history and cloud sync on
//! Windows, `org.nspasteboard.ConcealedType` on macOS), and the clipboard is cleared after
//! [`CLEAR_AFTER`] if it still holds the key. The hint is a request: Klipper and most managers
//! honour it, some (GPaste) do not, and macOS's Universal Clipboard may still sync the key.

use std::time::Duration;

use lagom_core::{Error, Result};
use zeroize::Zeroizing;

/// How long the key stays on the clipboard.
pub const CLEAR_AFTER: Duration = Duration::from_secs(30);

/// [`CLEAR_AFTER`]; an `e2e` build (debug only) takes `LAGOM_E2E_CLIPBOARD_SECS` so the
/// end-to-end test need not wait half a minute.
pub fn clear_after() -> Duration {
    #[cfg(feature = "e2e")]
    if let Some(secs) = std::env::var("LAGOM_E2E_CLIPBOARD_SECS").ok().and_then(|s| s.parse().ok()) {
        return Duration::from_secs(secs);
    }
    CLEAR_AFTER
}

/// Puts `secret` on the clipboard and returns at once; a background thread keeps it available
/// (X11 serves the clipboard from the owning process) and clears it after `clear_after` unless
/// something else was copied meanwhile.
pub fn copy_secret(secret: Zeroizing<String>, clear_after: Duration) -> Result<()> {
    let mut clipboard = arboard::Clipboard::new().map_err(unavailable)?;
    set_excluded_from_history(&mut clipboard, &secret)?;
    let spawned = std::thread::Builder::new().name("clipboard-clear".into()).spawn(move || {
        std::thread::sleep(clear_after);
        let still_ours = clipboard.get_text().map(Zeroizing::new).is_ok_and(|text| *text == *secret);
        if still_ours {
            let _ = clipboard.clear();
        }
    });
    spawned.map(drop).map_err(|source| Error::Io { action: "start", path: "the clipboard timer".into(), source })
}

fn set_excluded_from_history(clipboard: &mut arboard::Clipboard, secret: &str) -> Result<()> {
    let set = clipboard.set();
    #[cfg(all(unix, not(target_os = "macos")))]
    let set = {
        use arboard::SetExtLinux;
        set.exclude_from_history()
    };
    #[cfg(target_os = "windows")]
    let set = {
        use arboard::SetExtWindows;
        set.exclude_from_history().exclude_from_cloud()
    };
    #[cfg(target_os = "macos")]
    let set = {
        use arboard::SetExtApple;
        set.exclude_from_history()
    };
    set.text(secret).map_err(unavailable)
}

fn unavailable(e: arboard::Error) -> Error {
    Error::Io { action: "use", path: "the clipboard".into(), source: std::io::Error::other(e.to_string()) }
}

/// Puts a letter (a notice, a breach notification) on the clipboard, to be pasted into a
/// message. It names a person, so it is kept out of clipboard history like the key (but not
/// cleared: the user pastes it when ready). On X11 the owner serves the clipboard, so one
/// clipboard is kept for the life of the app.
pub fn copy_text(text: &str) -> Result<()> {
    static CLIPBOARD: std::sync::Mutex<Option<arboard::Clipboard>> = std::sync::Mutex::new(None);
    let mut slot = CLIPBOARD.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if slot.is_none() {
        *slot = Some(arboard::Clipboard::new().map_err(unavailable)?);
    }
    match slot.as_mut() {
        Some(clipboard) => set_excluded_from_history(clipboard, text),
        None => Err(Error::NotOpen),
    }
}
