//! The core's one error type, and the stable machine `kind` each error carries.
//!
//! Every message says what happened and what to do next; it never contains personal data
//! (a contact's name, email or phone) nor key material, so errors may be logged and shown.

use std::path::PathBuf;

use serde::Serialize;
use ts_rs::TS;

/// Everything that can go wrong in the core.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Invalid(InvalidInput),

    #[error("{what} not found; it may have been erased")]
    NotFound { what: &'static str },

    #[error("no Lagom database at {path}; run `lagom init` or start the app to create one")]
    DatabaseMissing { path: PathBuf },

    #[error("a database already exists at {path}; Lagom never overwrites one")]
    AlreadyExists { path: PathBuf },

    #[error(
        "the {store} already holds the key of a database at {path}, so Lagom did not create a new \
         one there and kept that key. The database may be on a drive that is not mounted, moved, \
         or about to be restored: put the file back at {path} and start Lagom again. If it is gone \
         for good, create the new database in another place (--db or LAGOM_DB), or delete the old \
         key yourself ({how})"
    )]
    KeyAlreadyStored { path: PathBuf, store: &'static str, how: String },

    #[error(
        "the key does not open this database: the key is wrong or the file is damaged. \
         Nothing was changed; enter the recovery key or restore a backup"
    )]
    WrongKey,

    #[error("wrong passphrase: the database was not opened and nothing was changed")]
    WrongPassphrase,

    #[error(
        "{path} is not a Lagom database (it is neither encrypted by SQLCipher nor readable); \
         nothing was changed"
    )]
    NotADatabase { path: PathBuf },

    #[error(
        "{path} is a plain, unencrypted SQLite file; Lagom only opens encrypted databases \
         and left it untouched"
    )]
    NotEncrypted { path: PathBuf },

    /// A backup that opens (with a recovery key given for it) but is of another register: its
    /// audit trail starts elsewhere. Restoring it would bring back another register's people
    /// without this one's erasures.
    #[error("{path} is a backup of another register, not of this one; nothing was changed")]
    OtherRegister { path: PathBuf },

    #[error(
        "this database was written by a newer Lagom (schema {found}; this version knows up to \
         {supported}); update Lagom. The file was not changed"
    )]
    NewerSchema { found: i64, supported: i64 },

    #[error(
        "the key of this database is not in the {store}; enter the recovery key you were shown \
         when the database was created to restore it"
    )]
    KeyMissing { store: &'static str },

    #[error("the OS keychain cannot be used ({0}); use a passphrase instead")]
    KeychainUnavailable(String),

    #[error("that is not a recovery key: expected 64 hexadecimal characters (spaces allowed)")]
    InvalidRecoveryKey,

    #[error("the passphrase is too short: use at least {min} characters")]
    WeakPassphrase { min: usize },

    #[error("the disk is full: free some space and try again; nothing was saved")]
    DiskFull,

    #[error(
        "{path} cannot be written: the file, its folder or the disk is read-only (or belongs to \
         someone else). Nothing was changed; make it writable, or choose another place"
    )]
    ReadOnly { path: PathBuf },

    #[error("the database is in use by another Lagom (the app or a command); close it and try again")]
    InUse,

    #[error("the database is not open yet: unlock it first")]
    NotOpen,

    #[error("cancelled; nothing was saved")]
    Cancelled,

    #[error(
        "that code is not right: type the 6 digits your authenticator app shows now, or one of \
         your unused recovery codes"
    )]
    WrongCode,

    /// The right code, too late: its time step (or a later one) was already accepted, so it is
    /// not taken again. Not a failed attempt.
    #[error(
        "that code was already used: wait for the next one your authenticator app shows (at most \
         30 seconds), or use a recovery code"
    )]
    CodeUsed,

    #[error("too many wrong attempts: wait {seconds} seconds and try again")]
    TryLater { seconds: u64 },

    #[error("{what} is not set up: {how}")]
    NotSetUp { what: &'static str, how: &'static str },

    #[error("database error: {0}")]
    Storage(rusqlite::Error),

    #[error("{action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// The stable, closed list of error kinds that the UI and scripts switch on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    Invalid,
    NotFound,
    DatabaseMissing,
    AlreadyExists,
    KeyAlreadyStored,
    WrongKey,
    WrongPassphrase,
    NotADatabase,
    NotEncrypted,
    OtherRegister,
    NewerSchema,
    KeyMissing,
    KeychainUnavailable,
    InvalidRecoveryKey,
    WeakPassphrase,
    DiskFull,
    ReadOnly,
    InUse,
    NotOpen,
    Cancelled,
    WrongCode,
    CodeUsed,
    TryLater,
    NotSetUp,
    Storage,
    Io,
}

impl Error {
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Invalid(_) => ErrorKind::Invalid,
            Error::NotFound { .. } => ErrorKind::NotFound,
            Error::DatabaseMissing { .. } => ErrorKind::DatabaseMissing,
            Error::AlreadyExists { .. } => ErrorKind::AlreadyExists,
            Error::KeyAlreadyStored { .. } => ErrorKind::KeyAlreadyStored,
            Error::WrongKey => ErrorKind::WrongKey,
            Error::WrongPassphrase => ErrorKind::WrongPassphrase,
            Error::NotADatabase { .. } => ErrorKind::NotADatabase,
            Error::OtherRegister { .. } => ErrorKind::OtherRegister,
            Error::NotEncrypted { .. } => ErrorKind::NotEncrypted,
            Error::NewerSchema { .. } => ErrorKind::NewerSchema,
            Error::KeyMissing { .. } => ErrorKind::KeyMissing,
            Error::KeychainUnavailable(_) => ErrorKind::KeychainUnavailable,
            Error::InvalidRecoveryKey => ErrorKind::InvalidRecoveryKey,
            Error::WeakPassphrase { .. } => ErrorKind::WeakPassphrase,
            Error::DiskFull => ErrorKind::DiskFull,
            Error::ReadOnly { .. } => ErrorKind::ReadOnly,
            Error::InUse => ErrorKind::InUse,
            Error::NotOpen => ErrorKind::NotOpen,
            Error::Cancelled => ErrorKind::Cancelled,
            Error::WrongCode => ErrorKind::WrongCode,
            Error::CodeUsed => ErrorKind::CodeUsed,
            Error::TryLater { .. } => ErrorKind::TryLater,
            Error::NotSetUp { .. } => ErrorKind::NotSetUp,
            Error::Storage(_) => ErrorKind::Storage,
            Error::Io { .. } => ErrorKind::Io,
        }
    }

    /// The per-field problems, when the error is about input.
    pub fn field_errors(&self) -> &[FieldError] {
        match self {
            Error::Invalid(invalid) => &invalid.fields,
            _ => &[],
        }
    }

    /// One refused field.
    pub(crate) fn invalid(field: &str, code: FieldErrorCode, message: impl Into<String>) -> Self {
        let mut errors = InvalidInput::default();
        errors.push(field, code, message);
        Error::Invalid(errors)
    }

    /// An I/O failure, named: a full disk and a read-only place get their own kinds.
    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        use std::io::ErrorKind as Kind;
        // ENOSPC (28 on Unix; Windows reports it through the kind only).
        if matches!(source.kind(), Kind::StorageFull | Kind::QuotaExceeded)
            || (cfg!(unix) && source.raw_os_error() == Some(28))
        {
            return Error::DiskFull;
        }
        // A place Lagom must write to that is read-only (a read-only disk, or a file or folder
        // it may not write). Reading a file it may not read stays an I/O error.
        let writing = !matches!(action, "read" | "open" | "parse" | "decode" | "resolve" | "read random bytes from");
        if writing && matches!(source.kind(), Kind::ReadOnlyFilesystem | Kind::PermissionDenied) {
            return Error::ReadOnly { path: path.into() };
        }
        Error::Io { action, path: path.into(), source }
    }
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode;
        match e.sqlite_error_code() {
            Some(ErrorCode::DiskFull) => Error::DiskFull,
            // Not SQLITE_READONLY_DBMOVED (1032): the file was moved or replaced while open.
            Some(ErrorCode::ReadOnly) if extended_code(&e) != Some(1032) => {
                Error::ReadOnly { path: "the register".into() }
            }
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => Error::InUse,
            _ => Error::Storage(e),
        }
    }
}

fn extended_code(e: &rusqlite::Error) -> Option<std::ffi::c_int> {
    match e {
        rusqlite::Error::SqliteFailure(failure, _) => Some(failure.extended_code),
        _ => None,
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why one field was refused. The UI translates `code`; `message` is the English text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct FieldError {
    /// The input field, as named in the input struct (`email`, `given_name`, `purposes`, …).
    pub field: String,
    pub code: FieldErrorCode,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum FieldErrorCode {
    Required,
    TooLong,
    ControlCharacters,
    InvalidEmail,
    InvalidPhone,
    InvalidLanguage,
    InvalidCountry,
    UnknownPurpose,
    UnknownTag,
    Duplicate,
    OutOfRange,
    /// A purpose's lawful basis cannot change once people are held for it.
    BasisLocked,
    /// Not an opaque reference (`[A-Za-z0-9._-]`, 1–64 characters).
    InvalidReference,
    /// Not a date in the form `YYYY-MM-DD` (years 1900 on).
    InvalidDate,
    /// A date after today, where only a past date makes sense.
    DateInFuture,
    /// The contact is not held for that purpose.
    PurposeNotHeld,
    /// Not an export or erasure of the request's contact.
    UnknownAnswer,
    /// An answer that does not fit the request (an export for an erasure request, an export
    /// made before the request was received, …).
    AnswerMismatch,
    /// The request is already answered or refused.
    RequestClosed,
    /// The request was already extended once.
    AlreadyExtended,
    /// The first deadline has passed: too late to extend.
    ExtensionTooLate,
    /// The reference names a request of another person, or not an open erasure request.
    RequestMismatch,
    /// Not an interaction outcome from the list in settings.
    UnknownOutcome,
    /// The request is not yet matched to a contact whose identity was checked.
    RequestUnmatched,
    /// Data would be sent to a requester whose identity was not checked.
    IdentityNotChecked,
    /// A file that cannot be imported as it is (encoding, no names, identity numbers, …).
    InvalidImport,
    /// The lawful basis given does not match the purpose's.
    BasisMismatch,
    /// A contact id that is not in the register.
    UnknownContact,
    /// Text that holds a Swedish personal identity number, where none belongs.
    IdentityNumber,
    /// The breach is already closed (notified, or not requiring notification).
    BreachClosed,
    /// Text that names a person it must not (an affected contact in the breach register).
    PersonNamed,
    /// A letter to a person needs the controller's name and contact in settings (Art. 13(1)(a)).
    ControllerMissing,
    /// Reveals a special category (Art. 9) and was not confirmed: health, …
    SpecialHealth,
    SpecialReligion,
    SpecialPolitical,
    SpecialTradeUnion,
    SpecialSexualOrientation,
    SpecialEthnicOrigin,
}

/// A refused input: every field that was wrong, so a form can mark them all at once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InvalidInput {
    pub fields: Vec<FieldError>,
}

impl InvalidInput {
    pub fn push(&mut self, field: &str, code: FieldErrorCode, message: impl Into<String>) {
        self.fields.push(FieldError { field: field.to_owned(), code, message: message.into() });
    }

    /// `Ok(())` when nothing was refused, otherwise the whole list as an [`Error`].
    pub fn into_result(self) -> Result<()> {
        if self.fields.is_empty() { Ok(()) } else { Err(Error::Invalid(self)) }
    }
}

impl std::fmt::Display for InvalidInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self.fields.iter().map(|e| format!("{}: {}", e.field, e.message)).collect();
        write!(f, "invalid input: {}", parts.join("; "))
    }
}
