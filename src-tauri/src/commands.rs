//! The IPC commands, named `noun_verb`. Each one translates its arguments, makes one core call
//! and maps the error. They touch the disk, so they run off the UI thread (`async`).

use lagom_core::import::{ImportOptions, ImportReport, ImportSummary};
use lagom_core::{
    AffectedContact, AffectedContacts, Breach, BreachAssessment, BreachClosing, BreachInput, Channel, Letter, LetterOf,
    NoticeGivenInput, NoticeState,
};
use lagom_core::{
    Applied, ConsentEvent, ConsentInput, ConsentOverview, ConsentSource, Contact, ContactInput, ContactPage,
    ContactSummary, ErasureReceipt, Expiry, ExportReceipt, ExtensionReason, Hold, HoldReason, Home, IdentityCheck,
    Interaction, InteractionInput, MarketingChannel, OptOuts, PackReceipt, Purpose, PurposeInput, RefusalReason,
    ReportLanguage, Request, RequestInput, RetentionAnchor, Settings, SweepReport, Tag, TagInput,
};
use lagom_core::{BackupFile, BackupReceipt, Enrolment, RestoreReport};
use tauri::{AppHandle, State};
use zeroize::Zeroizing;

use crate::Session;
use crate::export_files::ExportFiles;
use crate::import_state::ImportState;
use crate::ipc::{ImportDone, ImportProgress, IpcResult, LockEvent, RecoveryKeyView, SecurityState, SessionStatus};

#[tauri::command(async)]
pub fn session_status(session: State<'_, Session>) -> IpcResult<SessionStatus> {
    Ok(session.status_or_open())
}

// Passphrases and recovery keys arrive in buffers that are wiped when the command returns.

#[tauri::command(async)]
pub fn session_create(
    session: State<'_, Session>,
    passphrase: Option<Zeroizing<String>>,
    language: ReportLanguage,
) -> IpcResult<RecoveryKeyView> {
    session.create(passphrase.as_deref().map(String::as_str), language)
}

#[tauri::command(async)]
pub fn session_unlock(session: State<'_, Session>, passphrase: Zeroizing<String>) -> IpcResult<SessionStatus> {
    session.unlock(&passphrase)
}

#[tauri::command(async)]
pub fn session_recover(
    session: State<'_, Session>,
    recovery_key: Zeroizing<String>,
    passphrase: Option<Zeroizing<String>>,
) -> IpcResult<SessionStatus> {
    session.recover(&recovery_key, passphrase.as_deref().map(String::as_str))
}

/// The second factor's code (or a recovery code), after the passphrase or on its own.
#[tauri::command(async)]
pub fn session_verify_code(session: State<'_, Session>, code: Zeroizing<String>) -> IpcResult<SessionStatus> {
    session.verify_code(&code)
}

/// "Lock now" (Ctrl+L) and the idle lock.
#[tauri::command(async)]
pub fn session_lock(
    session: State<'_, Session>,
    imports: State<'_, ImportState>,
    exports: State<'_, ExportFiles>,
) -> IpcResult<SessionStatus> {
    // An import under way holds the register: asked to stop first, so the lock need not wait.
    imports.request_cancel();
    exports.forget();
    let status = session.lock()?;
    imports.forget();
    Ok(status)
}

/// The UI's channel for locks the OS asks for (suspend, the session locked).
#[tauri::command(async)]
pub fn session_watch(session: State<'_, Session>, on_lock: tauri::ipc::Channel<LockEvent>) {
    session.watch_locks(on_lock);
}

/// "Copy" on the recovery key screen: out of clipboard history, cleared after 30 s.
#[tauri::command(async)]
pub fn recovery_key_copy(session: State<'_, Session>) -> IpcResult<()> {
    session.copy_recovery_key(crate::clipboard::clear_after())
}

/// The owner has stored the recovery key; the app forgets it.
#[tauri::command(async)]
pub fn recovery_key_forget(session: State<'_, Session>) -> IpcResult<()> {
    session.forget_recovery_key()
}

/// The page of the list after the contact `after` (from the top when `None`), by key.
#[tauri::command(async)]
pub fn contact_list(session: State<'_, Session>, after: Option<String>, limit: u32) -> IpcResult<ContactPage> {
    session.with(|l| l.contacts().list_after(after.as_deref(), limit))
}

#[tauri::command(async)]
pub fn contact_search(session: State<'_, Session>, text: String) -> IpcResult<lagom_core::SearchResult> {
    session.with(|l| l.contacts().search_counted(&text))
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
pub fn contact_update(session: State<'_, Session>, id: String, input: ContactInput) -> IpcResult<Contact> {
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
pub fn purpose_update(session: State<'_, Session>, id: String, input: PurposeInput) -> IpcResult<Purpose> {
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

/// Saves the settings; turning the idle lock off or giving it longer carries what opening the
/// register asks for (`passphrase`, `code`), as any change to the protection does.
#[tauri::command(async)]
pub fn settings_update(
    session: State<'_, Session>,
    settings: Settings,
    passphrase: Option<Zeroizing<String>>,
    code: Option<Zeroizing<String>>,
) -> IpcResult<Settings> {
    session.save_settings(&settings, passphrase.as_deref().map(String::as_str), code.as_deref().map(String::as_str))
}

#[tauri::command(async)]
pub fn consent_overview(session: State<'_, Session>, id: String) -> IpcResult<ConsentOverview> {
    session.with(|l| l.consent().overview(&id))
}

#[tauri::command(async)]
pub fn consent_give(session: State<'_, Session>, id: String, input: ConsentInput) -> IpcResult<ConsentEvent> {
    session.with(|l| l.consent().give(&id, &input))
}

#[tauri::command(async)]
pub fn consent_withdraw(session: State<'_, Session>, id: String, input: ConsentInput) -> IpcResult<ConsentEvent> {
    session.with(|l| l.consent().withdraw(&id, &input))
}

/// A toggle on the contact form: recorded with the form as its source.
#[tauri::command(async)]
pub fn contact_opt_out(
    session: State<'_, Session>,
    id: String,
    channel: Option<MarketingChannel>,
) -> IpcResult<OptOuts> {
    session.with(|l| l.consent().opt_out(&id, channel, ConsentSource::Form))
}

#[tauri::command(async)]
pub fn contact_opt_in(
    session: State<'_, Session>,
    id: String,
    channel: Option<MarketingChannel>,
) -> IpcResult<OptOuts> {
    session.with(|l| l.consent().opt_in(&id, channel, ConsentSource::Form))
}

#[tauri::command(async)]
pub fn interaction_list(session: State<'_, Session>, id: String) -> IpcResult<Vec<Interaction>> {
    session.with(|l| l.interactions().list(&id))
}

#[tauri::command(async)]
pub fn interaction_add(session: State<'_, Session>, id: String, input: InteractionInput) -> IpcResult<Interaction> {
    session.with(|l| l.interactions().add(&id, &input))
}

#[tauri::command(async)]
pub fn interaction_outcomes(session: State<'_, Session>) -> IpcResult<Vec<String>> {
    session.with(|l| l.interactions().outcomes())
}

#[tauri::command(async)]
pub fn contact_reachable(
    session: State<'_, Session>,
    purpose: String,
    channel: MarketingChannel,
) -> IpcResult<Vec<ContactSummary>> {
    session.with(|l| l.consent().reachable(&purpose, channel))
}

/// Asks where to save (native dialog), then writes the export there. `None`: cancelled.
#[tauri::command(async)]
pub fn contact_export(
    app: AppHandle,
    session: State<'_, Session>,
    exports: State<'_, ExportFiles>,
    id: String,
    language: ReportLanguage,
) -> IpcResult<Option<ExportReceipt>> {
    let suggested = session.with(|l| l.export_file_name(&id))?;
    // The dialog is shown without holding the database.
    let Some(path) = crate::save_dialog::ask_save_path(&app, &suggested) else { return Ok(None) };
    let receipt = session.with(|l| l.export_person(&id, &path, language))?;
    exports.exported(&path);
    Ok(Some(receipt))
}

/// "Show in folder" after an export: the folder of the file the last export wrote.
#[tauri::command(async)]
pub fn export_show_in_folder(exports: State<'_, ExportFiles>) -> IpcResult<()> {
    Ok(exports.show_in_folder()?)
}

/// "Open the register extract" after an export: its `report.html`, written beside the ZIP and
/// opened in the system's browser; the file's path.
#[tauri::command(async)]
pub fn export_open_extract(exports: State<'_, ExportFiles>) -> IpcResult<String> {
    Ok(exports.open_extract()?)
}

/// `request`: the open erasure request of this contact that the erase answers (it closes it).
#[tauri::command(async)]
pub fn contact_erase(
    session: State<'_, Session>,
    id: String,
    request: Option<String>,
    exports: State<'_, ExportFiles>,
) -> IpcResult<ErasureReceipt> {
    // An export may hold whom this removes: it is no longer offered to open.
    exports.forget();
    session.with(|l| l.rights().erase(&id, request.as_deref()))
}

#[tauri::command(async)]
pub fn interaction_outcomes_set(session: State<'_, Session>, outcomes: Vec<String>) -> IpcResult<Vec<String>> {
    session.with(|l| l.interactions().set_outcomes(&outcomes))
}

/// The home view: what needs attention today.
#[tauri::command(async)]
pub fn home_get(session: State<'_, Session>) -> IpcResult<Home> {
    session.with(|l| l.home(None))
}

/// The sweep the UI runs at start-up and when the day changes.
#[tauri::command(async)]
pub fn retention_sweep(session: State<'_, Session>, exports: State<'_, ExportFiles>) -> IpcResult<SweepReport> {
    // It may erase whom the last export holds: that export is no longer offered to open.
    exports.forget();
    session.with(|l| l.retention().sweep())
}

/// "Erase the due ones now": those the person reviewed (`ids`) that are still due today.
#[tauri::command(async)]
pub fn retention_apply(
    session: State<'_, Session>,
    ids: Vec<String>,
    exports: State<'_, ExportFiles>,
) -> IpcResult<Applied> {
    // An export may hold whom this removes: it is no longer offered to open.
    exports.forget();
    session.with(|l| l.retention().apply_listed(&ids))
}

#[tauri::command(async)]
pub fn retention_expiry(session: State<'_, Session>, id: String) -> IpcResult<Option<Expiry>> {
    session.with(|l| l.retention().expiry_of(&id))
}

#[tauri::command(async)]
pub fn retention_holds(session: State<'_, Session>, id: String) -> IpcResult<Vec<Hold>> {
    session.with(|l| l.retention().holds(&id))
}

#[tauri::command(async)]
pub fn retention_hold(session: State<'_, Session>, id: String, reason: HoldReason, until: String) -> IpcResult<Hold> {
    session.with(|l| l.retention().hold(&id, reason, &until))
}

/// How many contacts a purpose's new retention would move into today's preview.
#[tauri::command(async)]
pub fn retention_moved(
    session: State<'_, Session>,
    id: String,
    months: u32,
    anchor: RetentionAnchor,
) -> IpcResult<u32> {
    session.with(|l| l.retention().moved_by(&id, months, anchor)).map(|n| u32::try_from(n).unwrap_or(u32::MAX))
}

#[tauri::command(async)]
pub fn request_list(session: State<'_, Session>) -> IpcResult<Vec<Request>> {
    session.with(|l| l.requests().list())
}

#[tauri::command(async)]
pub fn request_for_contact(session: State<'_, Session>, id: String) -> IpcResult<Vec<Request>> {
    session.with(|l| l.requests().for_contact(&id))
}

#[tauri::command(async)]
pub fn request_add(session: State<'_, Session>, input: RequestInput) -> IpcResult<Request> {
    session.with(|l| l.requests().add(&input))
}

#[tauri::command(async)]
pub fn request_identify(
    session: State<'_, Session>,
    id: String,
    contact: Option<String>,
    check: IdentityCheck,
) -> IpcResult<Request> {
    session.with(|l| l.requests().identify(&id, contact.as_deref(), check))
}

#[tauri::command(async)]
pub fn request_extend(session: State<'_, Session>, id: String, reason: ExtensionReason) -> IpcResult<Request> {
    session.with(|l| l.requests().extend(&id, reason))
}

#[tauri::command(async)]
pub fn request_close(session: State<'_, Session>, id: String, answer: Option<String>) -> IpcResult<Request> {
    session.with(|l| l.requests().close(&id, answer.as_deref()))
}

#[tauri::command(async)]
pub fn request_refuse(session: State<'_, Session>, id: String, reason: RefusalReason) -> IpcResult<Request> {
    session.with(|l| l.requests().refuse(&id, reason))
}

/// The record of processing (Art. 30) as Markdown text, for the in-app view.
#[tauri::command(async)]
pub fn record_text(session: State<'_, Session>, language: ReportLanguage) -> IpcResult<String> {
    session.with(|l| l.record_of_processing().map(|r| r.to_markdown(language)))
}

/// Asks where to save (native dialog), then writes the accountability pack. `None`: cancelled.
#[tauri::command(async)]
pub fn accountability_pack_save(
    app: AppHandle,
    session: State<'_, Session>,
    language: ReportLanguage,
) -> IpcResult<Option<PackReceipt>> {
    let suggested = session.with(|l| Ok(format!("lagom-accountability-pack-{}.zip", l.clock().today())))?;
    let Some(path) = crate::save_dialog::ask_save_path(&app, &suggested) else { return Ok(None) };
    session.with(|l| l.accountability_pack(&path, language)).map(Some)
}

/// Asks for a CSV or vCard file and reads it. `None`: cancelled.
#[tauri::command(async)]
pub fn import_open(app: AppHandle, imports: State<'_, ImportState>) -> IpcResult<Option<ImportSummary>> {
    let Some(path) = crate::import_state::ask_open_path(&app) else { return Ok(None) };
    imports.open(&path).map(Some).map_err(Into::into)
}

/// Every row of the chosen file as it would be stored, with its errors and duplicates.
#[tauri::command(async)]
pub fn import_preview(
    session: State<'_, Session>,
    imports: State<'_, ImportState>,
    options: ImportOptions,
) -> IpcResult<ImportReport> {
    session.with(|l| imports.with(|_, file| l.imports().preview(file, &options)))
}

/// Imports the chosen file in one transaction, telling `progress` how far it is; `import_cancel`
/// stops it with nothing stored. Rows left out go to `FILE.rejected.csv` beside the file.
#[tauri::command(async)]
pub fn import_run(
    session: State<'_, Session>,
    imports: State<'_, ImportState>,
    options: ImportOptions,
    progress: tauri::ipc::Channel<ImportProgress>,
) -> IpcResult<ImportDone> {
    let cancel = imports.arm_cancel();
    let done = session.with(|l| {
        imports.with(|path, file| {
            let mut last = 0;
            let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
            name.push(".rejected.csv");
            let out = path.with_file_name(name);
            // The rows left out are written before the import commits: no report, no import.
            let report = l.imports().run(file, &options, false, Some(&out), &mut |done, total| {
                if done == total || done >= last + 250 {
                    last = done;
                    let _ = progress.send(ImportProgress { done, total });
                }
                !cancel.load(std::sync::atomic::Ordering::SeqCst)
            })?;
            let rejected_file = (report.invalid > 0).then(|| out.display().to_string());
            Ok(ImportDone {
                imported: report.imported,
                updated: report.updated,
                skipped: report.skipped,
                invalid: report.invalid,
                rejected_file,
            })
        })
    })?;
    imports.forget();
    Ok(done)
}

#[tauri::command(async)]
pub fn import_cancel(imports: State<'_, ImportState>) {
    imports.request_cancel();
}

/// Forgets the chosen file (its rows are personal data) when the import view closes.
#[tauri::command(async)]
pub fn import_forget(imports: State<'_, ImportState>) {
    imports.forget();
}

// ---- Letters to one person: the information notice, a breach notification ----------------

#[tauri::command(async)]
pub fn letter_get(
    session: State<'_, Session>,
    of: LetterOf,
    language: Option<ReportLanguage>,
    fallback: ReportLanguage,
) -> IpcResult<Letter> {
    session.with(|l| l.letter(&of, language, Some(fallback)))
}

/// "Copy": the letter as plain text on the clipboard.
#[tauri::command(async)]
pub fn letter_copy(session: State<'_, Session>, of: LetterOf, language: ReportLanguage) -> IpcResult<()> {
    let letter = session.with(|l| l.letter(&of, Some(language), None))?;
    Ok(crate::clipboard::copy_text(&letter.text)?)
}

/// "Mail": a draft to the person's address in the user's mail program.
#[tauri::command(async)]
pub fn letter_mail(session: State<'_, Session>, of: LetterOf, language: ReportLanguage) -> IpcResult<()> {
    let letter = session.with(|l| l.letter(&of, Some(language), None))?;
    let mailto = letter.mailto.ok_or(lagom_core::Error::NotFound { what: "email address" })?;
    Ok(crate::mail::open_draft(&mailto)?)
}

#[tauri::command(async)]
pub fn notice_state(session: State<'_, Session>, id: String) -> IpcResult<NoticeState> {
    session.with(|l| l.notices().state(&id))
}

#[tauri::command(async)]
pub fn notice_given(session: State<'_, Session>, id: String, input: NoticeGivenInput) -> IpcResult<NoticeState> {
    session.with(|l| l.notices().record_given(&id, &input))
}

#[tauri::command(async)]
pub fn breach_persons_not_required(session: State<'_, Session>, id: String, reason: String) -> IpcResult<Breach> {
    session.with(|l| l.breaches().persons_not_required(&id, &reason))
}

#[tauri::command(async)]
pub fn breach_add(session: State<'_, Session>, input: BreachInput) -> IpcResult<Breach> {
    session.with(|l| l.breaches().add(&input))
}

#[tauri::command(async)]
pub fn breach_close(session: State<'_, Session>, id: String, closing: BreachClosing) -> IpcResult<Breach> {
    session.with(|l| l.breaches().close(&id, &closing))
}

#[tauri::command(async)]
pub fn breach_assessment(
    session: State<'_, Session>,
    id: String,
    language: ReportLanguage,
) -> IpcResult<Option<BreachAssessment>> {
    session.with(|l| l.breach_assessment(&id, language))
}

/// The affected persons, not yet told first (the first 200).
#[tauri::command(async)]
pub fn breach_affected(session: State<'_, Session>, id: String) -> IpcResult<AffectedContacts> {
    session.with(|l| l.breaches().affected(&id, Some(200)))
}

#[tauri::command(async)]
pub fn breach_told(
    session: State<'_, Session>,
    id: String,
    contact_id: String,
    channel: Channel,
    on: Option<String>,
) -> IpcResult<AffectedContact> {
    session.with(|l| l.breaches().record_told(&id, &contact_id, channel, on.as_deref()))
}

// ---- Security ---------------------------------------------------------------------------

#[tauri::command(async)]
pub fn security_get(session: State<'_, Session>) -> IpcResult<SecurityState> {
    session.security()
}

// Each change to the register's protection carries what opening it asks for: `passphrase`
// when the key is under one, `code` when the second factor is on (see `Session::confirm_owner`).

#[tauri::command(async)]
pub fn second_factor_begin(session: State<'_, Session>, passphrase: Option<Zeroizing<String>>) -> IpcResult<Enrolment> {
    session.begin_second_factor(passphrase.as_deref().map(String::as_str))
}

#[tauri::command(async)]
pub fn second_factor_enable(session: State<'_, Session>, code: Zeroizing<String>) -> IpcResult<Vec<String>> {
    session.enable_second_factor(&code)
}

#[tauri::command(async)]
pub fn second_factor_disable(
    session: State<'_, Session>,
    code: Zeroizing<String>,
    passphrase: Option<Zeroizing<String>>,
) -> IpcResult<()> {
    session.disable_second_factor(&code, passphrase.as_deref().map(String::as_str))
}

#[tauri::command(async)]
pub fn passphrase_set(
    session: State<'_, Session>,
    passphrase: Zeroizing<String>,
    code: Option<Zeroizing<String>>,
) -> IpcResult<SecurityState> {
    session.set_passphrase(&passphrase, code.as_deref().map(String::as_str))
}

#[tauri::command(async)]
pub fn passphrase_remove(
    session: State<'_, Session>,
    current: Zeroizing<String>,
    code: Option<Zeroizing<String>>,
) -> IpcResult<SecurityState> {
    session.remove_passphrase(&current, code.as_deref().map(String::as_str))
}

#[tauri::command(async)]
pub fn passphrase_change(
    session: State<'_, Session>,
    current: Zeroizing<String>,
    passphrase: Zeroizing<String>,
    code: Option<Zeroizing<String>>,
) -> IpcResult<()> {
    session.change_passphrase(&current, &passphrase, code.as_deref().map(String::as_str))
}

/// A new database key; the new recovery key is shown once.
#[tauri::command(async)]
pub fn key_rotate(
    session: State<'_, Session>,
    passphrase: Option<Zeroizing<String>>,
    code: Option<Zeroizing<String>>,
) -> IpcResult<RecoveryKeyView> {
    session.rotate_key(passphrase.as_deref().map(String::as_str), code.as_deref().map(String::as_str))
}

// ---- Backups ------------------------------------------------------------------------------

/// "Back up now": to the last backup's folder, else `backups` beside the register.
#[tauri::command(async)]
pub fn backup_now(session: State<'_, Session>) -> IpcResult<BackupReceipt> {
    session.with(|l| l.backup(None))
}

/// The daily backup, at start-up and when the day changes: `None` when today's exists.
#[tauri::command(async)]
pub fn backup_scheduled(session: State<'_, Session>) -> IpcResult<Option<BackupReceipt>> {
    session.with(|l| l.scheduled_backup())
}

#[tauri::command(async)]
pub fn backup_list(session: State<'_, Session>) -> IpcResult<Vec<BackupFile>> {
    session.with(|l| l.backups())
}

/// Restores one of the backups this register made (the list's path, never a path the webview
/// made up: anything else is refused).
#[tauri::command(async)]
pub fn backup_restore(
    session: State<'_, Session>,
    path: String,
    exports: State<'_, ExportFiles>,
) -> IpcResult<RestoreReport> {
    // It may erase whom the last export holds: that export is no longer offered to open.
    exports.forget();
    let known = session.with(|l| l.backups())?.into_iter().any(|b| b.path == path);
    if !known {
        return Err(lagom_core::Error::NotFound { what: "backup" }.into());
    }
    session.restore(std::path::Path::new(&path), None)
}

/// "Restore another backup…": the open dialog, for a backup this register's list does not
/// show (a copy from another disk); its file name, or `None` when cancelled.
#[tauri::command(async)]
pub fn backup_pick(app: AppHandle, session: State<'_, Session>) -> IpcResult<Option<String>> {
    let Some(path) = crate::import_state::ask_backup_path(&app) else { return Ok(None) };
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    session.pick_backup(path);
    Ok(Some(name))
}

/// Restores the chosen backup; `recovery_key` when it was taken before the key was changed.
#[tauri::command(async)]
pub fn backup_restore_picked(
    session: State<'_, Session>,
    recovery_key: Option<Zeroizing<String>>,
) -> IpcResult<RestoreReport> {
    session.restore_picked(recovery_key.as_deref().map(String::as_str))
}

/// "Remove Lagom's data from this computer", after the user typed the word the screen showed.
#[tauri::command(async)]
pub fn data_forget(
    session: State<'_, Session>,
    backups: bool,
    passphrase: Option<Zeroizing<String>>,
    code: Option<Zeroizing<String>>,
    exports: State<'_, ExportFiles>,
) -> IpcResult<lagom_core::ForgetReport> {
    let report =
        session.forget(backups, passphrase.as_deref().map(String::as_str), code.as_deref().map(String::as_str))?;
    // An export may have held whom this removed: it is no longer offered to open.
    exports.forget();
    Ok(report)
}

// ---- Menu and About --------------------------------------------------------------------

/// Puts the menu bar on in the UI's language; chosen items arrive on `on_action`.
#[tauri::command(async)]
pub fn menu_show(
    app: AppHandle,
    menus: State<'_, crate::menu::MenuChannel>,
    language: ReportLanguage,
    on_action: tauri::ipc::Channel<crate::menu::MenuAction>,
) -> IpcResult<()> {
    menus.watch(on_action);
    crate::menu::show(&app, language).map_err(|e| {
        lagom_core::Error::Io { action: "show", path: "the menu".into(), source: std::io::Error::other(e.to_string()) }
            .into()
    })
}

/// About Lagom: version, licence, where the data is, and the shipped packages' licences.
#[tauri::command(async)]
pub fn about_get(app: AppHandle, session: State<'_, Session>) -> crate::about::About {
    let npm = app.asset_resolver().get(crate::about::NPM_ASSET.into());
    crate::about::about(app.package_info().version.to_string(), session.db_path(), npm.as_ref().map(|a| &a.bytes[..]))
}
