//! Keeps `ui/src/bindings.ts` (the TypeScript types of everything that crosses IPC) and the
//! command lists in step with the Rust source. Regenerate with
//! `UPDATE_BINDINGS=1 cargo test -p lagom-desktop bindings`.

use std::collections::BTreeSet;
use std::path::PathBuf;

use ts_rs::{Config, TS};

include!("command_names.rs");

fn repo_file(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join(relative)
}

fn generated() -> String {
    let cfg = Config::new();
    let mut out = String::from(
        "// Generated from the Rust types by `UPDATE_BINDINGS=1 cargo test -p lagom-desktop bindings`.\n\
         // Do not edit: a test fails when this file and the Rust source disagree.\n",
    );
    macro_rules! declare {
        ($($t:ty),+ $(,)?) => {
            $( out.push_str(&format!("\nexport {}\n", <$t as TS>::decl(&cfg))); )+
        };
    }
    declare!(
        lagom_core::ErrorKind,
        lagom_core::FieldErrorCode,
        lagom_core::FieldError,
        crate::ipc::IpcError,
        crate::ipc::SessionPhase,
        crate::ipc::SessionStatus,
        crate::ipc::RecoveryKeyView,
        lagom_core::KeyStoreKind,
        lagom_core::Channel,
        lagom_core::Material,
        lagom_core::Stage,
        lagom_core::LawfulBasis,
        lagom_core::UiLanguage,
        lagom_core::ContactInput,
        lagom_core::Contact,
        lagom_core::PurposeRef,
        lagom_core::ContactSummary,
        lagom_core::ContactPage,
        lagom_core::Purpose,
        lagom_core::PurposeInput,
        lagom_core::Tag,
        lagom_core::TagInput,
        lagom_core::Controller,
        lagom_core::Settings,
        lagom_core::MarketingChannel,
        lagom_core::ConsentSource,
        lagom_core::ConsentEventKind,
        lagom_core::ConsentInput,
        lagom_core::ConsentEvent,
        lagom_core::ConsentState,
        lagom_core::OptOuts,
        lagom_core::ConsentOverview,
        lagom_core::ReportLanguage,
        lagom_core::ExportReceipt,
        lagom_core::Tombstone,
        lagom_core::ErasureReceipt,
        lagom_core::InteractionKind,
        lagom_core::InteractionInput,
        lagom_core::Interaction,
        lagom_core::RetentionAnchor,
        lagom_core::deadline::HolidayCountry,
        lagom_core::HoldReason,
        lagom_core::Hold,
        lagom_core::Expiry,
        lagom_core::SweepReport,
        lagom_core::Applied,
        lagom_core::RequestKind,
        lagom_core::RequestStatus,
        lagom_core::ExtensionReason,
        lagom_core::RefusalReason,
        lagom_core::IdentityCheck,
        lagom_core::RequestInput,
        lagom_core::Request,
        lagom_core::Home,
        lagom_core::Breach,
        lagom_core::BreachKind,
        lagom_core::BreachStatus,
        lagom_core::PackReceipt,
        lagom_core::BreachInput,
        lagom_core::Affected,
        lagom_core::BreachClosing,
        lagom_core::BreachAssessment,
        lagom_core::AffectedContact,
        lagom_core::AffectedContacts,
        lagom_core::NoticeArticle,
        lagom_core::NoticeGiven,
        lagom_core::NoticeState,
        lagom_core::NoticeGivenInput,
        lagom_core::OwedNotice,
        lagom_core::OwedNotices,
        lagom_core::Letter,
        lagom_core::LetterOf,
        lagom_core::BackupReceipt,
        lagom_core::BackupFile,
        lagom_core::RestoreReport,
        lagom_core::ForgetReport,
        lagom_core::SecondFactorState,
        lagom_core::MatchCount,
        lagom_core::SearchResult,
        lagom_core::Enrolment,
        crate::ipc::LockEvent,
        crate::ipc::SecurityState,
        crate::menu::MenuAction,
        crate::about::About,
        crate::about::ThirdParty,
        lagom_core::import::ImportField,
        lagom_core::import::ImportFormat,
        lagom_core::import::DroppedColumn,
        lagom_core::import::ImportSummary,
        lagom_core::import::DuplicateChoice,
        lagom_core::import::ImportOptions,
        lagom_core::import::PreviewRow,
        lagom_core::import::ImportReport,
        crate::ipc::ImportProgress,
        crate::ipc::ImportDone,
    );
    out
}

#[test]
fn bindings_are_up_to_date() {
    let path = repo_file("ui/src/bindings.ts");
    let fresh = generated();
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        std::fs::write(&path, &fresh).unwrap();
        return;
    }
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        current == fresh,
        "ui/src/bindings.ts is stale: run `UPDATE_BINDINGS=1 cargo test -p lagom-desktop bindings` and commit it"
    );
}

fn names(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[test]
fn the_handler_registers_exactly_the_listed_commands() {
    macro_rules! handler_names {
        ($($path:path),+ $(,)?) => {
            vec![$(stringify!($path).rsplit("::").next().unwrap().trim().to_string()),+]
        };
    }
    let registered: BTreeSet<String> = app_commands!(handler_names).into_iter().collect();
    assert_eq!(registered, names(COMMANDS));
}

#[test]
fn the_capability_grants_exactly_the_listed_commands() {
    let text = std::fs::read_to_string(repo_file("src-tauri/capabilities/main.json")).unwrap();
    let capability: serde_json::Value = serde_json::from_str(&text).unwrap();
    let granted: BTreeSet<String> = capability["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap().trim_start_matches("allow-").replace('-', "_"))
        .collect();
    assert_eq!(granted, names(COMMANDS), "capabilities/main.json must grant the commands and nothing else");
}

#[test]
fn the_ui_calls_only_listed_commands_and_uses_them_all() {
    let api = std::fs::read_to_string(repo_file("ui/src/api.ts")).unwrap();
    let called: BTreeSet<String> = api
        .split("call<")
        .skip(1)
        .filter_map(|rest| {
            // `call<Type>("command_name"`; the generic definition `call<T>(command` is skipped.
            let (type_name, after) = rest.split_once(">(\"")?;
            let plain = type_name.chars().all(|c| c.is_alphanumeric() || "[]_ |".contains(c));
            plain.then(|| after.split('"').next().unwrap_or_default().to_string())
        })
        .collect();
    assert_eq!(called, names(COMMANDS), "ui/src/api.ts and the command list disagree");
}
