//! Lagom CRM's desktop shell. It owns the window, the single-instance guard and the IPC
//! surface; every command is a thin translation onto one `lagom-core` call (see
//! [`commands`]). No SQL and no business rule lives here.

pub mod about;
mod clipboard;
pub mod commands;
mod export_files;
mod import_state;
pub mod ipc;
mod mail;
pub mod menu;
mod os_lock;
mod save_dialog;
mod session;

pub use session::Session;

/// The commands the UI may call; `build.rs` grants exactly these (see capabilities/).
macro_rules! app_commands {
    ($($callback:tt)+) => {
        $($callback)+![
            commands::session_status,
            commands::session_create,
            commands::session_unlock,
            commands::session_recover,
            commands::recovery_key_copy,
            commands::recovery_key_forget,
            commands::contact_list,
            commands::contact_search,
            commands::contact_get,
            commands::contact_create,
            commands::contact_update,
            commands::organisation_list,
            commands::purpose_list,
            commands::purpose_create,
            commands::purpose_update,
            commands::tag_list,
            commands::tag_create,
            commands::tag_delete,
            commands::settings_get,
            commands::settings_update,
            commands::consent_overview,
            commands::consent_give,
            commands::consent_withdraw,
            commands::contact_opt_out,
            commands::contact_opt_in,
            commands::interaction_list,
            commands::interaction_add,
            commands::interaction_outcomes,
            commands::contact_reachable,
            commands::contact_export,
            commands::contact_erase,
            commands::interaction_outcomes_set,
            commands::home_get,
            commands::retention_sweep,
            commands::retention_apply,
            commands::retention_expiry,
            commands::retention_holds,
            commands::retention_hold,
            commands::retention_moved,
            commands::request_list,
            commands::request_for_contact,
            commands::request_add,
            commands::request_identify,
            commands::request_extend,
            commands::request_close,
            commands::request_refuse,
            commands::record_text,
            commands::accountability_pack_save,
            commands::import_open,
            commands::import_preview,
            commands::import_run,
            commands::import_cancel,
            commands::import_forget,
            commands::letter_get,
            commands::letter_copy,
            commands::letter_mail,
            commands::notice_state,
            commands::notice_given,
            commands::breach_persons_not_required,
            commands::breach_add,
            commands::breach_close,
            commands::breach_assessment,
            commands::breach_affected,
            commands::breach_told,
            commands::backup_now,
            commands::backup_scheduled,
            commands::backup_list,
            commands::backup_restore,
            commands::data_forget,
            commands::session_verify_code,
            commands::session_lock,
            commands::session_watch,
            commands::security_get,
            commands::second_factor_begin,
            commands::second_factor_enable,
            commands::second_factor_disable,
            commands::passphrase_set,
            commands::passphrase_remove,
            commands::passphrase_change,
            commands::key_rotate,
            commands::backup_pick,
            commands::backup_restore_picked,
            commands::export_show_in_folder,
            commands::export_open_extract,
            commands::menu_show,
            commands::about_get,
        ]
    };
}

/// Writes the window's size, position and maximised state shortly after each change, not only
/// at a clean exit: a crash, a killed process or a logout that does not wait keeps it too.
fn remember_window(app: tauri::AppHandle) {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use tauri::Manager;
    use tauri_plugin_window_state::{AppHandleExt, StateFlags};
    let changed = Arc::new(AtomicBool::new(false));
    if let Some(window) = app.get_webview_window("main") {
        let flag = changed.clone();
        window.on_window_event(move |event| {
            if matches!(event, tauri::WindowEvent::Resized(_) | tauri::WindowEvent::Moved(_)) {
                flag.store(true, Ordering::Relaxed);
            }
        });
    }
    let _ = std::thread::Builder::new().name("lagom-window-state".into()).spawn(move || {
        loop {
            std::thread::sleep(std::time::Duration::from_millis(500));
            if changed.swap(false, Ordering::Relaxed) {
                // Saved on the main thread: the plugin reads the window there under its own
                // lock, which its resize and move handlers (on the main thread too) also take.
                let handle = app.clone();
                let _ = app.run_on_main_thread(move || {
                    let _ = handle.save_window_state(StateFlags::all());
                });
            }
        }
    });
}

/// Starts the app: one instance per user (a second launch focuses the first window).
/// `--third-party-licences` prints the third-party notice instead (the package's copyright
/// file is made with it) and starts nothing.
pub fn run() {
    let context = tauri::generate_context!();
    if std::env::args_os().skip(1).any(|arg| arg == "--third-party-licences") {
        use std::io::Write;
        let npm = context.assets().get(&about::NPM_ASSET.into());
        let about = about::about(context.package_info().version.to_string(), std::path::Path::new(""), npm.as_deref());
        // A closed pipe (`| head`) ends the output quietly; any other failure (a full disk) is
        // an error, so a cut-off notice is never packaged.
        let written = std::io::stdout().lock().write_all(about::notice(&about).as_bytes());
        if let Err(error) = written.and_then(|()| std::io::stdout().flush())
            && error.kind() != std::io::ErrorKind::BrokenPipe
        {
            eprintln!("Lagom could not write the notice: {error}");
            std::process::exit(1);
        }
        return;
    }
    let db_path = std::env::var_os("LAGOM_DB").map(std::path::PathBuf::from).unwrap_or_else(lagom_core::default_path);
    let result = tauri::Builder::default()
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            use tauri::Manager;
            if let Some(window) = app.get_webview_window("main") {
                let _ = window.unminimize();
                let _ = window.set_focus();
            }
        }))
        .plugin(tauri_plugin_dialog::init())
        // Size, position and maximised state, kept in the app's config folder (no personal data).
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .manage(Session::new(db_path))
        .setup(|app| {
            use tauri::Manager;
            let handle = app.handle().clone();
            remember_window(app.handle().clone());
            // A lock the OS asks for when nothing can be asked to unlock is no lock at all.
            os_lock::watch(move || {
                let imports = handle.state::<import_state::ImportState>();
                imports.request_cancel();
                if handle.state::<Session>().lock().is_ok() {
                    imports.forget();
                }
                handle.state::<export_files::ExportFiles>().forget();
            });
            Ok(())
        })
        .manage(import_state::ImportState::default())
        .manage(export_files::ExportFiles::default())
        .manage(menu::MenuChannel::default())
        .on_menu_event(|app, event| {
            use tauri::Manager;
            app.state::<menu::MenuChannel>().chosen(app, event.id().as_ref());
        })
        .invoke_handler(app_commands!(tauri::generate_handler))
        .run(context);
    if let Err(error) = result {
        eprintln!("Lagom could not start: {error}");
        std::process::exit(1);
    }
}

#[cfg(test)]
mod bindings;
