//! The IPC commands, named `noun_verb`. Each one translates its arguments, makes one core call
//! and maps the error. They touch the disk, so they run off the UI thread (`async`).

use lagom_core::{
    Contact, ContactInput, ContactPage, ContactSummary, Purpose, PurposeInput, Settings, Tag,
    TagInput,
};
use tauri::State;

use crate::Session;
use crate::ipc::{IpcResult, RecoveryKeyView, SessionStatus};

#[tauri::command(async)]
pub fn session_status(session: State<'_, Session>) -> IpcResult<SessionStatus> {
    Ok(session.status_or_open())
}

#[tauri::command(async)]
pub fn session_create(
    session: State<'_, Session>,
    passphrase: Option<String>,
) -> IpcResult<RecoveryKeyView> {
    session.create(passphrase.as_deref())
}

#[tauri::command(async)]
pub fn session_unlock(session: State<'_, Session>, passphrase: String) -> IpcResult<SessionStatus> {
    session.unlock(&passphrase)
}

#[tauri::command(async)]
pub fn session_recover(
    session: State<'_, Session>,
    recovery_key: String,
    passphrase: Option<String>,
) -> IpcResult<SessionStatus> {
    session.recover(&recovery_key, passphrase.as_deref())
}

#[tauri::command(async)]
pub fn contact_list(
    session: State<'_, Session>,
    offset: u32,
    limit: u32,
) -> IpcResult<ContactPage> {
    session.with(|l| l.contacts().list(offset, limit))
}

#[tauri::command(async)]
pub fn contact_search(session: State<'_, Session>, text: String) -> IpcResult<Vec<ContactSummary>> {
    session.with(|l| l.contacts().search(&text))
}

#[tauri::command(async)]
pub fn contact_get(session: State<'_, Session>, id: String) -> IpcResult<Contact> {
    session.with(|l| l.contacts().get(&id))
}

#[tauri::command(async)]
pub fn contact_create(session: State<'_, Session>, input: ContactInput) -> IpcResult<Contact> {
    session.with(|l| l.contacts().create(&input))
}

#[tauri::command(async)]
pub fn contact_update(
    session: State<'_, Session>,
    id: String,
    input: ContactInput,
) -> IpcResult<Contact> {
    session.with(|l| l.contacts().update(&id, &input))
}

#[tauri::command(async)]
pub fn organisation_list(session: State<'_, Session>) -> IpcResult<Vec<String>> {
    session.with(|l| l.organisation_names())
}

#[tauri::command(async)]
pub fn purpose_list(session: State<'_, Session>) -> IpcResult<Vec<Purpose>> {
    session.with(|l| l.purposes().list())
}

#[tauri::command(async)]
pub fn purpose_create(session: State<'_, Session>, input: PurposeInput) -> IpcResult<Purpose> {
    session.with(|l| l.purposes().create(&input))
}

#[tauri::command(async)]
pub fn purpose_update(
    session: State<'_, Session>,
    id: String,
    input: PurposeInput,
) -> IpcResult<Purpose> {
    session.with(|l| l.purposes().update(&id, &input))
}

#[tauri::command(async)]
pub fn tag_list(session: State<'_, Session>) -> IpcResult<Vec<Tag>> {
    session.with(|l| l.purposes().tags())
}

#[tauri::command(async)]
pub fn tag_create(session: State<'_, Session>, input: TagInput) -> IpcResult<Tag> {
    session.with(|l| l.purposes().create_tag(&input))
}

#[tauri::command(async)]
pub fn tag_delete(session: State<'_, Session>, id: String) -> IpcResult<()> {
    session.with(|l| l.purposes().delete_tag(&id))
}

#[tauri::command(async)]
pub fn settings_get(session: State<'_, Session>) -> IpcResult<Settings> {
    session.with(|l| l.settings())
}

#[tauri::command(async)]
pub fn settings_update(session: State<'_, Session>, settings: Settings) -> IpcResult<Settings> {
    session.with(|l| l.save_settings(&settings))
}
