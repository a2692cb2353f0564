//! The native menu bar, in English or Swedish: File (New contact, Import…, Back up now, Lock,
//! Quit), Edit (Undo, Redo, Cut, Copy, Paste, Select all, on the focused field), View (Home,
//! Contacts, Requests, Settings) and Help (Keyboard shortcuts, Privacy guide, About Lagom), with
//! the window's own shortcuts. A chosen item is sent to the UI through its channel as the item's
//! id; the UI does what the item says, as it does for the key.
//!
//! The Edit items never reach the UI. On Linux they are WebKit's own editing commands, run on
//! the webview as its keys would run them (GTK's predefined items do nothing there without
//! libxdo, and a page's script may not paste); elsewhere they are the platform's predefined
//! items.

use std::sync::{Mutex, PoisonError};

use lagom_core::ReportLanguage;
use serde::Serialize;
use tauri::ipc::Channel;
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem, Submenu};
use tauri::{AppHandle, Wry};
use ts_rs::TS;

/// The actions the menu offers; their ids are what the UI receives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum MenuAction {
    NewContact,
    Import,
    BackUpNow,
    Lock,
    Home,
    Contacts,
    Requests,
    Settings,
    Shortcuts,
    PrivacyGuide,
    About,
    Undo,
    Redo,
    Cut,
    Copy,
    Paste,
    SelectAll,
    Quit,
}

const ACTIONS: [MenuAction; 18] = [
    MenuAction::NewContact,
    MenuAction::Import,
    MenuAction::BackUpNow,
    MenuAction::Lock,
    MenuAction::Home,
    MenuAction::Contacts,
    MenuAction::Requests,
    MenuAction::Settings,
    MenuAction::Shortcuts,
    MenuAction::PrivacyGuide,
    MenuAction::About,
    MenuAction::Undo,
    MenuAction::Redo,
    MenuAction::Cut,
    MenuAction::Copy,
    MenuAction::Paste,
    MenuAction::SelectAll,
    MenuAction::Quit,
];

impl MenuAction {
    fn id(self) -> &'static str {
        match self {
            MenuAction::NewContact => "new_contact",
            MenuAction::Import => "import",
            MenuAction::BackUpNow => "back_up_now",
            MenuAction::Lock => "lock",
            MenuAction::Home => "home",
            MenuAction::Contacts => "contacts",
            MenuAction::Requests => "requests",
            MenuAction::Settings => "settings",
            MenuAction::Shortcuts => "shortcuts",
            MenuAction::PrivacyGuide => "privacy_guide",
            MenuAction::About => "about",
            MenuAction::Undo => "undo",
            MenuAction::Redo => "redo",
            MenuAction::Cut => "cut",
            MenuAction::Copy => "copy",
            MenuAction::Paste => "paste",
            MenuAction::SelectAll => "select_all",
            MenuAction::Quit => "quit",
        }
    }

    fn label(self, language: ReportLanguage) -> &'static str {
        let (en, sv) = match self {
            MenuAction::NewContact => ("New contact", "Ny kontakt"),
            MenuAction::Import => ("Import…", "Importera…"),
            MenuAction::BackUpNow => ("Back up now", "Säkerhetskopiera nu"),
            MenuAction::Lock => ("Lock", "Lås"),
            MenuAction::Home => ("Home", "Hem"),
            MenuAction::Contacts => ("Contacts", "Kontakter"),
            MenuAction::Requests => ("Requests", "Begäranden"),
            MenuAction::Settings => ("Settings", "Inställningar"),
            MenuAction::Shortcuts => ("Keyboard shortcuts", "Kortkommandon"),
            MenuAction::PrivacyGuide => ("Privacy guide", "Integritetsguide"),
            MenuAction::About => ("About Lagom", "Om Lagom"),
            MenuAction::Undo => ("Undo", "Ångra"),
            MenuAction::Redo => ("Redo", "Gör om"),
            MenuAction::Cut => ("Cut", "Klipp ut"),
            MenuAction::Copy => ("Copy", "Kopiera"),
            MenuAction::Paste => ("Paste", "Klistra in"),
            MenuAction::SelectAll => ("Select all", "Markera allt"),
            MenuAction::Quit => ("Quit", "Avsluta"),
        };
        if language == ReportLanguage::Sv { sv } else { en }
    }

    /// The same keys as the window's own shortcuts.
    fn accelerator(self) -> Option<&'static str> {
        match self {
            MenuAction::NewContact => Some("CmdOrCtrl+N"),
            MenuAction::Lock => Some("CmdOrCtrl+L"),
            MenuAction::Home => Some("CmdOrCtrl+1"),
            MenuAction::Contacts => Some("CmdOrCtrl+2"),
            MenuAction::Requests => Some("CmdOrCtrl+3"),
            MenuAction::Import => Some("CmdOrCtrl+4"),
            MenuAction::Settings => Some("CmdOrCtrl+5"),
            MenuAction::Shortcuts => Some("F1"),
            MenuAction::Quit => Some("CmdOrCtrl+Q"),
            // The editing keys stay the text field's own; the items only show them.
            MenuAction::BackUpNow
            | MenuAction::PrivacyGuide
            | MenuAction::About
            | MenuAction::Undo
            | MenuAction::Redo
            | MenuAction::Cut
            | MenuAction::Copy
            | MenuAction::Paste
            | MenuAction::SelectAll => None,
        }
    }

    /// The Edit items: WebKit's editing command for each (its `WEBKIT_EDITING_COMMAND_*`).
    fn editing_command(self) -> Option<&'static str> {
        match self {
            MenuAction::Undo => Some("Undo"),
            MenuAction::Redo => Some("Redo"),
            MenuAction::Cut => Some("Cut"),
            MenuAction::Copy => Some("Copy"),
            MenuAction::Paste => Some("Paste"),
            MenuAction::SelectAll => Some("SelectAll"),
            _ => None,
        }
    }

    fn from_id(id: &str) -> Option<MenuAction> {
        ACTIONS.into_iter().find(|action| action.id() == id)
    }
}

/// Where chosen items go: the UI's channel.
#[derive(Default)]
pub struct MenuChannel(Mutex<Option<Channel<MenuAction>>>);

impl std::fmt::Debug for MenuChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MenuChannel")
    }
}

impl MenuChannel {
    fn slot(&self) -> std::sync::MutexGuard<'_, Option<Channel<MenuAction>>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn watch(&self, channel: Channel<MenuAction>) {
        *self.slot() = Some(channel);
    }

    /// Sends the item `id` to the UI; Quit ends the app (the register closes as on any exit), and
    /// an Edit item is run on the focused field.
    pub fn chosen(&self, app: &AppHandle, id: &str) {
        match MenuAction::from_id(id) {
            Some(MenuAction::Quit) => app.exit(0),
            Some(action) if action.editing_command().is_some() => edit_focused(app, action),
            Some(action) => {
                if let Some(channel) = self.slot().as_ref() {
                    let _ = channel.send(action);
                }
            }
            None => {}
        }
    }
}

/// Runs an Edit item on the webview's focused field, as its key would (Ctrl+V pastes from the
/// clipboard without the page reading it).
#[cfg(target_os = "linux")]
fn edit_focused(app: &AppHandle, action: MenuAction) {
    use tauri::Manager;
    let (Some(command), Some(window)) = (action.editing_command(), app.get_webview_window("main")) else { return };
    let _ = window.with_webview(move |webview| {
        use webkit2gtk::WebViewExt;
        webview.inner().execute_editing_command(command);
    });
}

/// Elsewhere the Edit items are the platform's own, which never reach [`MenuChannel::chosen`].
#[cfg(not(target_os = "linux"))]
fn edit_focused(_app: &AppHandle, _action: MenuAction) {}

/// The Edit menu: on Linux, items whose commands [`edit_focused`] runs; elsewhere the platform's
/// predefined items.
fn edit_menu(app: &AppHandle, language: ReportLanguage) -> tauri::Result<Submenu<Wry>> {
    let title = if language == ReportLanguage::Sv { "Redigera" } else { "Edit" };
    #[cfg(target_os = "linux")]
    {
        let item = |action: MenuAction| MenuItem::with_id(app, action.id(), action.label(language), true, None::<&str>);
        Submenu::with_items(
            app,
            title,
            true,
            &[
                &item(MenuAction::Undo)?,
                &item(MenuAction::Redo)?,
                &PredefinedMenuItem::separator(app)?,
                &item(MenuAction::Cut)?,
                &item(MenuAction::Copy)?,
                &item(MenuAction::Paste)?,
                &item(MenuAction::SelectAll)?,
            ],
        )
    }
    #[cfg(not(target_os = "linux"))]
    {
        let label = |action: MenuAction| Some(action.label(language));
        Submenu::with_items(
            app,
            title,
            true,
            &[
                &PredefinedMenuItem::undo(app, label(MenuAction::Undo))?,
                &PredefinedMenuItem::redo(app, label(MenuAction::Redo))?,
                &PredefinedMenuItem::separator(app)?,
                &PredefinedMenuItem::cut(app, label(MenuAction::Cut))?,
                &PredefinedMenuItem::copy(app, label(MenuAction::Copy))?,
                &PredefinedMenuItem::paste(app, label(MenuAction::Paste))?,
                &PredefinedMenuItem::select_all(app, label(MenuAction::SelectAll))?,
            ],
        )
    }
}

/// Builds the menu bar in `language` and puts it on the app.
pub fn show(app: &AppHandle, language: ReportLanguage) -> tauri::Result<()> {
    let sv = language == ReportLanguage::Sv;
    let item =
        |action: MenuAction| MenuItem::with_id(app, action.id(), action.label(language), true, action.accelerator());
    let file = Submenu::with_items(
        app,
        if sv { "Arkiv" } else { "File" },
        true,
        &[
            &item(MenuAction::NewContact)?,
            &item(MenuAction::Import)?,
            &item(MenuAction::BackUpNow)?,
            &PredefinedMenuItem::separator(app)?,
            &item(MenuAction::Lock)?,
            &PredefinedMenuItem::separator(app)?,
            &item(MenuAction::Quit)?,
        ],
    )?;
    let edit = edit_menu(app, language)?;
    let view = Submenu::with_items(
        app,
        if sv { "Visa" } else { "View" },
        true,
        &[
            &item(MenuAction::Home)?,
            &item(MenuAction::Contacts)?,
            &item(MenuAction::Requests)?,
            &item(MenuAction::Settings)?,
        ],
    )?;
    let help = Submenu::with_items(
        app,
        if sv { "Hjälp" } else { "Help" },
        true,
        &[&item(MenuAction::Shortcuts)?, &item(MenuAction::PrivacyGuide)?, &item(MenuAction::About)?],
    )?;
    let menu: Menu<Wry> = Menu::with_items(app, &[&file, &edit, &view, &help])?;
    app.set_menu(menu)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every item's id comes back as its action (the UI switches on them), and every item has a
    /// label in both languages.
    #[test]
    fn every_menu_item_round_trips_and_has_both_labels() {
        for action in ACTIONS {
            assert_eq!(MenuAction::from_id(action.id()), Some(action));
            assert_eq!(serde_json::to_value(action).ok(), Some(serde_json::Value::from(action.id())));
            assert_ne!(action.label(ReportLanguage::En), action.label(ReportLanguage::Sv), "{action:?}");
        }
        assert_eq!(MenuAction::from_id("print"), None);
    }
}
