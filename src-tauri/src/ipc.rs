//! What crosses the IPC boundary besides the core's own types: the error shape the UI
//! switches on, and the session views.

use lagom_core::{ErrorKind, FieldError, KeyStoreKind};
use serde::Serialize;
use ts_rs::TS;
use zeroize::Zeroizing;

/// Every command's error: a stable `kind` to switch on, a human `message`, and the per-field
/// problems of a refused form.
#[derive(Debug, Clone, Serialize, TS)]
pub struct IpcError {
    pub kind: ErrorKind,
    pub message: String,
    pub fields: Vec<FieldError>,
}

impl From<lagom_core::Error> for IpcError {
    fn from(error: lagom_core::Error) -> Self {
        IpcError { kind: error.kind(), message: error.to_string(), fields: error.field_errors().to_vec() }
    }
}

pub type IpcResult<T> = Result<T, IpcError>;

/// What the app should show before the contact list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SessionPhase {
    /// No database yet: create one (keychain, or a passphrase if none is usable).
    Setup,
    /// The key is wrapped by a passphrase: ask for it.
    Unlock,
    /// The second factor is on: ask for a code from the authenticator app (or a recovery code).
    SecondFactor,
    /// The database exists but its key is not in the keychain: ask for the recovery key.
    Recover,
    /// Open: show the contacts.
    Open,
    /// Opening failed in a way the user must fix (see `error`).
    Failed,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct SessionStatus {
    pub phase: SessionPhase,
    pub db_path: String,
    pub key_store: KeyStoreKind,
    pub error: Option<IpcError>,
    /// The open register's recovery key (groups of four) while its owner has not confirmed
    /// storing it: shown again until they do.
    #[ts(type = "string | null")]
    pub recovery_key: Option<Zeroizing<String>>,
}

/// A lock the OS asked for (suspend, the session locked): the UI drops what it shows.
#[derive(Debug, Clone, Copy, Serialize, TS)]
pub struct LockEvent {
    pub phase: SessionPhase,
}

/// How the register is protected (Settings → Security).
#[derive(Debug, Clone, Serialize, TS)]
pub struct SecurityState {
    pub key_store: KeyStoreKind,
    pub second_factor: lagom_core::SecondFactorState,
    /// 0: the idle lock is off.
    pub idle_lock_seconds: u32,
}

/// The recovery key of a database just created, in groups of four, shown once.
#[derive(Debug, Clone, Serialize, TS)]
pub struct RecoveryKeyView {
    #[ts(type = "string")]
    pub recovery_key: Zeroizing<String>,
    pub key_store: KeyStoreKind,
}

/// How far an import is.
#[derive(Debug, Clone, Copy, Serialize, TS)]
pub struct ImportProgress {
    pub done: u32,
    pub total: u32,
}

/// What an import did, and where the rows left out were written.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ImportDone {
    pub imported: u32,
    pub updated: u32,
    pub skipped: u32,
    pub invalid: u32,
    pub rejected_file: Option<String>,
}
