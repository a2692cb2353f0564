//! The native menu bar, in English or Swedish: File (New contact, Import…, Back up now, Lock,
//! Quit), Edit (Undo, Redo, Cut, Copy, Select all: done by the UI in the focused field, since
//! GTK's predefined items do nothing without libxdo; a script may not read the clipboard, so
//! Paste is the field's own Ctrl+V), View (Home, Contacts, Requests,
//! Settings) and Help (Keyboard shortcuts, Privacy guide, About Lagom), with the window's own
//! shortcuts. A chosen item is sent to the UI through its channel as the item's id; the UI does
//! what the item says, as it does for the key.

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
    SelectAll,
    Quit,
}

const ACTIONS: [MenuAction; 17] = [
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
            | MenuAction::SelectAll => None,
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

    /// Sends the item `id` to the UI; Quit ends the app (the register closes as on any exit).
    pub fn chosen(&self, app: &AppHandle, id: &str) {
        match MenuAction::from_id(id) {
            Some(MenuAction::Quit) => app.exit(0),
            Some(action) => {
                if let Some(channel) = self.slot().as_ref() {
                    let _ = channel.send(action);
                }
            }
            None => {}
        }
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
    let edit = Submenu::with_items(
        app,
        if sv { "Redigera" } else { "Edit" },
        true,
        &[
            &item(MenuAction::Undo)?,
            &item(MenuAction::Redo)?,
            &PredefinedMenuItem::separator(app)?,
            &item(MenuAction::Cut)?,
            &item(MenuAction::Copy)?,
            &item(MenuAction::SelectAll)?,
        ],
    )?;
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
        assert_eq!(MenuAction::from_id("paste"), None);
    }
}
