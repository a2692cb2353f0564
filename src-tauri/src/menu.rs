//! The native menu bar, in English or Swedish: File (New contact, Import…, Back up now, Lock,
//! Quit), Edit, View (Home, Contacts, Requests, Import, Settings) and Help (Keyboard shortcuts,
//! Privacy guide, About Lagom), with the same shortcuts as the window's own. A chosen item is
//! sent to the UI through its channel as the item's id; the UI does what the item says, as it
//! does for the key.

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
}

const ACTIONS: [MenuAction; 11] = [
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
        }
    }

    fn label(self, language: ReportLanguage) -> &'static str {
        let sv = language == ReportLanguage::Sv;
        match self {
            MenuAction::NewContact => {
                if sv {
                    "Ny kontakt"
                } else {
                    "New contact"
                }
            }
            MenuAction::Import => {
                if sv {
                    "Importera…"
                } else {
                    "Import…"
                }
            }
            MenuAction::BackUpNow => {
                if sv {
                    "Säkerhetskopiera nu"
                } else {
                    "Back up now"
                }
            }
            MenuAction::Lock => {
                if sv {
                    "Lås"
                } else {
                    "Lock"
                }
            }
            MenuAction::Home => {
                if sv {
                    "Hem"
                } else {
                    "Home"
                }
            }
            MenuAction::Contacts => {
                if sv {
                    "Kontakter"
                } else {
                    "Contacts"
                }
            }
            MenuAction::Requests => {
                if sv {
                    "Förfrågningar"
                } else {
                    "Requests"
                }
            }
            MenuAction::Settings => {
                if sv {
                    "Inställningar"
                } else {
                    "Settings"
                }
            }
            MenuAction::Shortcuts => {
                if sv {
                    "Kortkommandon"
                } else {
                    "Keyboard shortcuts"
                }
            }
            MenuAction::PrivacyGuide => {
                if sv {
                    "Integritetsguide"
                } else {
                    "Privacy guide"
                }
            }
            MenuAction::About => {
                if sv {
                    "Om Lagom"
                } else {
                    "About Lagom"
                }
            }
        }
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
            MenuAction::BackUpNow | MenuAction::PrivacyGuide | MenuAction::About => None,
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

    /// Sends the item `id` to the UI (ids that are not Lagom's, such as Quit's, are ignored).
    pub fn chosen(&self, id: &str) {
        if let (Some(action), Some(channel)) = (MenuAction::from_id(id), self.slot().as_ref()) {
            let _ = channel.send(action);
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
            &PredefinedMenuItem::quit(app, Some(if sv { "Avsluta" } else { "Quit" }))?,
        ],
    )?;
    let edit = Submenu::with_items(
        app,
        if sv { "Redigera" } else { "Edit" },
        true,
        &[
            &PredefinedMenuItem::undo(app, Some(if sv { "Ångra" } else { "Undo" }))?,
            &PredefinedMenuItem::redo(app, Some(if sv { "Gör om" } else { "Redo" }))?,
            &PredefinedMenuItem::separator(app)?,
            &PredefinedMenuItem::cut(app, Some(if sv { "Klipp ut" } else { "Cut" }))?,
            &PredefinedMenuItem::copy(app, Some(if sv { "Kopiera" } else { "Copy" }))?,
            &PredefinedMenuItem::paste(app, Some(if sv { "Klistra in" } else { "Paste" }))?,
            &PredefinedMenuItem::select_all(app, Some(if sv { "Markera allt" } else { "Select all" }))?,
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
        assert_eq!(MenuAction::from_id("quit"), None);
    }
}
