// Generated from the Rust types by `UPDATE_BINDINGS=1 cargo test -p lagom-desktop bindings`.
// Do not edit: a test fails when this file and the Rust source disagree.

export type ErrorKind = "invalid" | "not_found" | "database_missing" | "already_exists" | "key_already_stored" | "wrong_key" | "wrong_passphrase" | "not_a_database" | "not_encrypted" | "other_register" | "newer_schema" | "key_missing" | "keychain_unavailable" | "invalid_recovery_key" | "weak_passphrase" | "disk_full" | "read_only" | "in_use" | "not_open" | "cancelled" | "wrong_code" | "code_used" | "try_later" | "not_set_up" | "storage" | "io";

export type FieldErrorCode = "required" | "too_long" | "control_characters" | "invalid_email" | "invalid_phone" | "invalid_language" | "invalid_country" | "unknown_purpose" | "unknown_tag" | "duplicate" | "out_of_range" | "basis_locked" | "invalid_reference" | "invalid_date" | "date_in_future" | "purpose_not_held" | "unknown_answer" | "answer_mismatch" | "request_closed" | "already_extended" | "extension_too_late" | "request_mismatch" | "unknown_outcome" | "request_unmatched" | "identity_not_checked" | "invalid_import" | "basis_mismatch" | "unknown_contact" | "identity_number" | "breach_closed" | "person_named" | "controller_missing" | "special_health" | "special_religion" | "special_political" | "special_trade_union" | "special_sexual_orientation" | "special_ethnic_origin";

export type FieldError = { 
/**
 * The input field, as named in the input struct (`email`, `given_name`, `purposes`, …).
 */
field: string, code: FieldErrorCode, message: string, };

export type IpcError = { kind: ErrorKind, message: string, fields: Array<FieldError>, };

export type SessionPhase = "setup" | "unlock" | "second_factor" | "recover" | "open" | "failed";

export type SessionStatus = { phase: SessionPhase, db_path: string, key_store: KeyStoreKind, error: IpcError | null, 
/**
 * The open register's recovery key (groups of four) while its owner has not confirmed
 * storing it: shown again until they do.
 */
recovery_key: string | null, };

export type RecoveryKeyView = { recovery_key: string, key_store: KeyStoreKind, };

export type KeyStoreKind = "keychain" | "passphrase" | "memory";

export type Channel = "email" | "phone" | "sms" | "post" | "meeting";

export type Material = "digital" | "print";

export type Stage = "lead" | "prospect" | "customer" | "former_customer";

export type LawfulBasis = "consent" | "contract" | "legitimate_interest" | "legal_obligation";

export type UiLanguage = "auto" | "en" | "sv";

export type ContactInput = { given_name: string, family_name: string, email: string | null, phone: string | null, 
/**
 * An organisation's name; a new name creates the organisation.
 */
organisation: string | null, role: string | null, channel: Channel | null, material: Material | null, 
/**
 * ISO 639-1 code, e.g. `sv`.
 */
language: string | null, 
/**
 * Defaults to `lead`.
 */
stage: Stage | null, 
/**
 * The salesperson responsible.
 */
owner: string | null, 
/**
 * Names (or ids) of interest tags from the vocabulary in settings.
 */
tags: Array<string>, 
/**
 * Names (or ids) of purposes; at least one is required.
 */
purposes: Array<string>, 
/**
 * The user confirmed keeping a role or organisation that reveals a special category
 * (Art. 9); without it such a value is refused, naming the category.
 */
confirmed_special_categories: boolean, };

export type Contact = { id: string, given_name: string, family_name: string, email: string | null, 
/**
 * E.164, e.g. `+46701234567`.
 */
phone: string | null, organisation: string | null, role: string | null, channel: Channel | null, material: Material | null, language: string | null, stage: Stage, owner: string | null, tags: Array<string>, purposes: Array<PurposeRef>, 
/**
 * Where the contact came from when not typed in: `import: customers.csv, 2026-11-29`.
 */
source: string | null, 
/**
 * RFC 3339, UTC.
 */
created_at: string, updated_at: string, };

export type PurposeRef = { id: string, name: string, lawful_basis: LawfulBasis, };

export type ContactSummary = { id: string, given_name: string, family_name: string, email: string | null, organisation: string | null, stage: Stage, };

export type ContactPage = { total: number, contacts: Array<ContactSummary>, };

export type Purpose = { id: string, name: string, description: string, lawful_basis: LawfulBasis, 
/**
 * Months kept after the anchor.
 */
retention_months: number, 
/**
 * What the retention period is counted from.
 */
retention_anchor: RetentionAnchor, 
/**
 * How many contacts are held for this purpose.
 */
contacts: number, 
/**
 * Contacts or consent records rely on the lawful basis, so it can no longer change.
 */
basis_locked: boolean, };

export type PurposeInput = { name: string, description: string, lawful_basis: LawfulBasis, retention_months: number, 
/**
 * What the retention period is counted from; the last interaction when not given.
 */
retention_anchor: RetentionAnchor, };

export type Tag = { id: string, name: string, purpose_id: string, purpose_name: string, };

export type TagInput = { name: string, 
/**
 * The purpose's name or id.
 */
purpose: string, 
/**
 * The user confirmed a tag that reveals a special category (Art. 9).
 */
confirmed_special_categories: boolean, };

export type Controller = { name: string, 
/**
 * The organisation number (in Sweden, organisationsnummer).
 */
organisation_number: string, 
/**
 * Postal address, email or phone, as the controller wants to be reached.
 */
contact: string, 
/**
 * The data protection officer's name and contact, when there is one.
 */
dpo: string, };

export type Settings = { 
/**
 * ISO 3166-1 alpha-2; phone numbers without `+` are read as this country's.
 */
default_country: string, ui_language: UiLanguage, 
/**
 * Who is responsible for the processing (Art. 30(1)(a)); blank until filled in.
 */
controller: Controller, 
/**
 * Days a contact stands in the retention preview before automatic erasure may take it.
 */
grace_days: number, 
/**
 * Whether the daily sweep erases those whose grace period has passed (off by default:
 * someone presses "Erase the due ones now").
 */
automatic_erasure: boolean, 
/**
 * Whose public holidays move a request's deadline to the next working day.
 */
holiday_country: HolidayCountry, 
/**
 * The day automatic erasure was last turned on (kept by Lagom; ignored when saving): no
 * grace period ends before it has run from this day.
 */
automatic_erasure_since: string | null, 
/**
 * Back up on the first start of each day (on by default).
 */
daily_backup: boolean, 
/**
 * How many daily backups are kept in the folder; older ones are removed.
 */
backups_kept: number, 
/**
 * Where backups go: an absolute folder; `None` for `backups` beside the register (the
 * last folder a backup went to, when one was given).
 */
backup_folder: string | null, 
/**
 * Minutes without use after which the app locks, when a passphrase or a second factor is
 * set (0: never).
 */
lock_after_idle_minutes: number, };

export type MarketingChannel = "email" | "phone" | "sms" | "post" | "events";

export type ConsentSource = "form" | "phone" | "meeting" | "email" | "import";

export type ConsentEventKind = "given" | "withdrawn" | "opt_out" | "opt_in";

export type ConsentInput = { 
/**
 * The purpose's name or id.
 */
purpose: string, channel: MarketingChannel | null, source: ConsentSource, wording: string | null, };

export type ConsentEvent = { id: string, kind: ConsentEventKind, purpose_id: string | null, purpose_name: string | null, 
/**
 * `None` for a consent that covers every channel, or an opt-out of all direct marketing.
 */
channel: MarketingChannel | null, at: string, source: ConsentSource, 
/**
 * The exact wording shown when consent was asked, and its SHA-256 (hex).
 */
wording: string | null, wording_sha256: string | null, recorded_by: string, };

export type ConsentState = { purpose_id: string, purpose_name: string, lawful_basis: LawfulBasis, channel: MarketingChannel | null, given: boolean, at: string, };

export type OptOuts = { 
/**
 * "No direct marketing at all".
 */
all: boolean, channels: Array<MarketingChannel>, };

export type ConsentOverview = { state: Array<ConsentState>, opt_outs: OptOuts, history: Array<ConsentEvent>, };

export type ReportLanguage = "en" | "sv";

export type ExportReceipt = { 
/**
 * The export's random id: what closes an access or portability request
 * (`lagom request close REF --answer ID`), and what the audit trail records.
 */
id: string, path: string, bytes: number, files: Array<string>, };

export type Tombstone = { id: string, 
/**
 * The erased contact's random internal id (never reused).
 */
contact_id: string, at: string, erased_by: string, article: string, request_id: string | null, };

export type ErasureReceipt = { warning: string | null, id: string, 
/**
 * The erased contact's random internal id (never reused).
 */
contact_id: string, at: string, erased_by: string, article: string, request_id: string | null, };

export type InteractionKind = "call" | "meeting" | "email" | "event" | "purchase" | "support";

export type InteractionInput = { kind: InteractionKind, 
/**
 * `YYYY-MM-DD`; not after today.
 */
date: string, channel: Channel, 
/**
 * One of the outcomes in settings.
 */
outcome: string | null, 
/**
 * The purpose's name or id.
 */
purpose: string | null, };

export type Interaction = { id: string, kind: InteractionKind, date: string, channel: Channel, outcome: string | null, purpose_id: string | null, purpose_name: string | null, recorded_by: string, recorded_at: string, };

export type RetentionAnchor = "last_interaction" | "former_customer" | "consent_withdrawn";

export type HolidayCountry = "SE";

export type HoldReason = "bookkeeping_act" | "legal_claim" | "other_law";

export type Hold = { id: string, reason: HoldReason, 
/**
 * The last day the hold keeps the contact.
 */
until: string, recorded_by: string, recorded_at: string, };

export type Expiry = { contact_id: string, given_name: string, family_name: string, 
/**
 * The day from which the contact may be erased; empty when nothing ends their keeping.
 */
expires: string, 
/**
 * "Customer relationship: 24 months after the last interaction on 2024-05-02".
 */
rule: string, 
/**
 * The day the sweep first found the contact due (with this expiry); the grace period
 * counts from it.
 */
due_since: string | null, 
/**
 * The first day automatic erasure may take the contact: the grace period after
 * `due_since`, or after automatic erasure was turned on if that was later. `None` until a
 * sweep has seen the contact due.
 */
erasable_from: string | null, 
/**
 * Held only for consent purposes, every consent withdrawn, and no legal hold.
 */
consent_withdrawn_only: boolean, 
/**
 * An open request (access, rectification, …) that must be answered first, or a
 * restriction granted (Art. 18): retention does not erase the contact while it stands.
 */
held_by_request: string | null, 
/**
 * An open erasure request that the erasure answers.
 */
answers_request: string | null, };

export type SweepReport = { 
/**
 * The day the sweep counted as today.
 */
on: string, 
/**
 * Everyone still due today, earliest first, with their grace period.
 */
due: Array<Expiry>, 
/**
 * Erased by automatic erasure (only when it is on and their grace period has passed).
 */
erased: Array<ErasureReceipt>, 
/**
 * Contacts whose automatic erasure failed (the others went on); they stay in `due`.
 */
failed: Array<string>, 
/**
 * An open request not yet matched to a contact: automatic erasure waited for it.
 */
paused_by: string | null, };

export type Applied = { erased: Array<ErasureReceipt>, 
/**
 * Contacts whose erasure failed (the others went on); they stay due.
 */
failed: Array<string>, };

export type RequestKind = "access" | "portability" | "erasure" | "rectification" | "objection" | "restriction";

export type RequestStatus = "open" | "extended" | "answered" | "refused";

export type ExtensionReason = "complexity" | "number_of_requests";

export type RefusalReason = "manifestly_unfounded" | "excessive" | "identity_not_confirmed";

export type IdentityCheck = "address_on_file" | "electronic_id" | "id_document" | "in_person";

export type RequestInput = { kind: RequestKind, 
/**
 * The contact the request is about; `None` while the requester is not matched.
 */
contact_id: string | null, 
/**
 * An unmatched requester's name, held only until they are matched to a contact.
 */
requester_name: string | null, 
/**
 * How to answer an unmatched requester (email or postal address), held as long as the name.
 */
requester_address: string | null, 
/**
 * How the identity was checked, when it already was.
 */
identity_check: IdentityCheck | null, 
/**
 * `YYYY-MM-DD`; today when not given.
 */
received: string | null, };

export type Request = { 
/**
 * The reference, `REQ-2026-0001`: opaque, for `lagom erase --request`.
 */
id: string, kind: RequestKind, 
/**
 * The contact; `None` while the requester is not matched.
 */
contact_id: string | null, 
/**
 * An unmatched requester's name and address (gone once matched or closed).
 */
requester_name: string | null, requester_address: string | null, identity_check: IdentityCheck | null, identity_checked_on: string | null, received: string, status: RequestStatus, 
/**
 * The day the answer is due (one month, or three once extended), as a working day.
 */
due: string, 
/**
 * How the due date was counted, in words.
 */
working: string, 
/**
 * Open or extended and past its due date (by the clock's today).
 */
overdue: boolean, 
/**
 * Answered or refused after its due date, or overdue: the deadline was missed.
 */
late: boolean, extended_on: string | null, extension_reason: ExtensionReason | null, refusal_reason: RefusalReason | null, 
/**
 * The tombstone or export that answered it.
 */
answer: string | null, closed_on: string | null, };

export type Home = { 
/**
 * The day the view counts as today.
 */
today: string, 
/**
 * Open breaches with their 72-hour deadline, nearest first: shown at the top until closed;
 * then breaches notified to the authority whose persons are still to be told (Art. 34).
 */
breaches: Array<Breach>, 
/**
 * Contacts still owed their information notice (Art. 13, 14): how many, how many
 * overdue, and the [`NOTICES_SHOWN`] earliest due.
 */
notices: OwedNotices, 
/**
 * Open requests overdue or due within [`REQUEST_HORIZON_DAYS`], overdue first.
 */
requests: Array<Request>, 
/**
 * All open requests (the inbox's badge).
 */
open_requests: number, 
/**
 * Due for erasure now, earliest first, each with the day automatic erasure may take it.
 */
due_now: Array<Expiry>, 
/**
 * Due within the next [`EXPIRY_HORIZON_DAYS`] days.
 */
due_soon: Array<Expiry>, 
/**
 * Held only for consent purposes, every consent withdrawn: nothing keeps them.
 */
consent_withdrawn_only: Array<Expiry>, exports_this_month: number, erasures_this_month: number, 
/**
 * Whether the daily sweep erases by itself, and after how many days in the preview.
 */
automatic_erasure: boolean, grace_days: number, 
/**
 * An open request not yet matched to a contact: automatic erasure waits for it.
 */
automatic_paused_by: string | null, };

export type Breach = { 
/**
 * `BREACH-2026-001`.
 */
id: string, kind: BreachKind, 
/**
 * RFC 3339, UTC.
 */
discovered_at: string, 
/**
 * Discovery plus 72 hours, RFC 3339, UTC.
 */
deadline: string, 
/**
 * Whole hours until the deadline (negative once it has passed); while open.
 */
hours_left: number | null, everyone: boolean, 
/**
 * How many contacts it affected when it was reported.
 */
affected: number, consequences: string | null, measures: string | null, recorded_at: string, recorded_by: string, status: BreachStatus, closed_at: string | null, closed_by: string | null, reason: string | null, 
/**
 * When the supervisory authority was notified (closed as notified), RFC 3339, UTC.
 */
notified_at: string | null, 
/**
 * Why the authority was notified after the 72 hours (Art. 33(1)).
 */
delay_reason: string | null, 
/**
 * How many affected persons are recorded as told (Art. 34).
 */
told: number, 
/**
 * Affected persons still in the register and not yet told.
 */
to_tell: number, 
/**
 * Why telling the persons is not required (Art. 34(3)), once decided.
 */
persons_reason: string | null, persons_decided_at: string | null, };

export type BreachKind = "lost_device" | "wrong_recipient" | "unauthorised_access" | "other";

export type BreachStatus = "open" | "notified" | "not_required";

export type PackReceipt = { path: string, bytes: number, files: Array<string>, 
/**
 * Whether the audit chain verified, as the pack records it.
 */
audit_intact: boolean, };

export type BreachInput = { kind: BreachKind, 
/**
 * When it was discovered, RFC 3339 (`2026-11-30T09:15:00+01:00`); not in the future.
 */
discovered: string, affected: Affected, 
/**
 * The likely consequences for the persons (Art. 33(3)(c)).
 */
consequences: string | null, 
/**
 * The measures taken or proposed (Art. 33(3)(d)).
 */
measures: string | null, };

export type Affected = { "scope": "everyone" } | { "scope": "contacts", "contact_ids": Array<string> };

export type BreachClosing = { 
/**
 * `notified` or `not_required`.
 */
status: BreachStatus, 
/**
 * Why notification is not required (required then), or a note on the notification.
 */
reason: string | null, 
/**
 * When the authority was notified, RFC 3339 with offset; now when not given. Only with
 * `notified`; not in the future nor before discovery.
 */
notified_at: string | null, 
/**
 * Required when notified after the deadline (Art. 33(1)).
 */
delay_reason: string | null, };

export type BreachAssessment = { 
/**
 * Telling the persons is unlikely to be required when the key was not exposed.
 */
summary: string, 
/**
 * The facts and the reasoning, one point each.
 */
reasoning: Array<string>, };

export type AffectedContact = { contact_id: string, 
/**
 * `None` once the person is erased (the id then names only a tombstone).
 */
given_name: string | null, family_name: string | null, email: string | null, 
/**
 * `YYYY-MM-DD`.
 */
told_on: string | null, told_channel: Channel | null, };

export type AffectedContacts = { total: number, told: number, 
/**
 * Not yet told first, then by name (at most the limit asked for).
 */
contacts: Array<AffectedContact>, };

export type NoticeArticle = "art13" | "art14";

export type NoticeGiven = { id: string, 
/**
 * `YYYY-MM-DD`.
 */
given_on: string, channel: Channel, language: ReportLanguage, recorded_by: string, recorded_at: string, };

export type NoticeState = { contact_id: string, article: NoticeArticle, 
/**
 * The day the data was obtained (the contact's creation, in the user's calendar).
 */
obtained_on: string, 
/**
 * The last day to give it: the day obtained (Art. 13), or one month after it or the
 * first interaction, whichever is earlier (Art. 14).
 */
due: string, 
/**
 * Nothing given and the due day has passed.
 */
overdue: boolean, 
/**
 * Newest first; empty while it is owed.
 */
given: Array<NoticeGiven>, };

export type NoticeGivenInput = { channel: Channel, 
/**
 * `YYYY-MM-DD`; today when not given; never in the future nor before the contact existed.
 */
on: string | null, 
/**
 * The language it was given in; the notice's default language when not given.
 */
language: ReportLanguage | null, };

export type OwedNotice = { contact_id: string, given_name: string, family_name: string, article: NoticeArticle, obtained_on: string, due: string, overdue: boolean, };

export type OwedNotices = { total: number, overdue: number, 
/**
 * Earliest due first (at most the limit asked for).
 */
contacts: Array<OwedNotice>, };

export type Letter = { 
/**
 * The heading, and the mail's subject.
 */
title: string, language: ReportLanguage, text: string, markdown: string, html: string, 
/**
 * The person's email address, when the register has one.
 */
email: string | null, 
/**
 * `mailto:` the address, with the subject and the text as body (RFC 6068).
 */
mailto: string | null, };

export type LetterOf = { "kind": "notice", contact_id: string, } | { "kind": "breach_notification", breach_id: string, contact_id: string, };

export type BackupReceipt = { path: string, bytes: number, taken_at: string, contacts: number, 
/**
 * The erasure ledger beside it, and how many of this register's tombstones it lists.
 */
ledger: string, erasures: number, };

export type BackupFile = { path: string, taken_at: string, bytes: number, };

export type RestoreReport = { restored_from: string, 
/**
 * When the backup was taken (empty for a copy made without `lagom backup`).
 */
backup_taken_at: string, 
/**
 * Erasures made after the backup and applied again to the restored register.
 */
reapplied: number, 
/**
 * Ledger lines not applied: not signed by this register, or dated before the backup for a
 * person the backup holds.
 */
rejected: number, contacts: number, 
/**
 * Contacts in the register that was replaced (it is removed once the restored one opens:
 * what was added after the backup is gone with it).
 */
replaced_contacts: number, };

export type ForgetReport = { removed: Array<string>, kept: Array<string>, };

export type SecondFactorState = { enabled: boolean, enrolled_at: string | null, recovery_codes_left: number, };

export type MatchCount = { matches: number, more: boolean, };

export type SearchResult = { contacts: Array<ContactSummary>, count: MatchCount, };

export type Enrolment = { uri: string, secret: string, 
/**
 * The QR code's modules, row by row (`true` is dark), `qr_width` to a row.
 */
qr: Array<boolean>, qr_width: number, };

export type LockEvent = { phase: SessionPhase, };

export type SecurityState = { key_store: KeyStoreKind, second_factor: SecondFactorState, 
/**
 * 0: the idle lock is off.
 */
idle_lock_seconds: number, };

export type MenuAction = "new_contact" | "import" | "back_up_now" | "lock" | "home" | "contacts" | "requests" | "settings" | "shortcuts" | "privacy_guide" | "about" | "undo" | "redo" | "cut" | "copy" | "paste" | "select_all" | "quit";

export type About = { version: string, 
/**
 * Lagom's own licence.
 */
license: string, db_path: string, rust: Array<ThirdParty>, npm: Array<ThirdParty>, 
/**
 * Every licence text once (many packages share one).
 */
texts: Array<string>, };

export type ThirdParty = { name: string, version: string, license: string, repository: string | null, 
/**
 * Its licence, copyright and notice texts: indices into [`About::texts`].
 */
texts: Array<number>, };

export type ImportField = "given_name" | "family_name" | "full_name" | "email" | "phone" | "organisation" | "role";

export type ImportFormat = "csv" | "vcard";

export type DroppedColumn = { name: string, values: number, };

export type ImportSummary = { file_name: string, format: ImportFormat, encoding: string, delimiter: string | null, headers: Array<string>, mapping: Array<ImportField | null>, rows: number, dropped: Array<DroppedColumn>, };

export type DuplicateChoice = "skip" | "update" | "keep_both";

export type ImportOptions = { 
/**
 * The purpose every imported contact is held for (name or id).
 */
purpose: string, 
/**
 * When given, it must be the purpose's lawful basis (a check the user asked for).
 */
basis: LawfulBasis | null, 
/**
 * The file's name, recorded as where the contacts came from (no path).
 */
file_name: string, 
/**
 * The mapping to use instead of the guessed one (one entry per header).
 */
mapping: Array<ImportField | null> | null, 
/**
 * Import the valid rows and report the others, instead of refusing the whole file.
 */
skip_invalid: boolean, 
/**
 * For duplicates: one choice for all, overridden per row (by line) in `per_row`.
 */
duplicates: DuplicateChoice, per_row: Array<[number, DuplicateChoice]>, };

export type PreviewRow = { line: number, contact: ContactInput, errors: Array<FieldError>, 
/**
 * The register's contact with the same email or phone.
 */
duplicate_of: string | null, 
/**
 * An earlier row of the file with the same email or phone.
 */
duplicate_of_line: number | null, };

export type ImportReport = { imported: number, updated: number, 
/**
 * Duplicates skipped.
 */
skipped: number, 
/**
 * Rows that failed validation (refused, or left out with `skip_invalid`).
 */
invalid: number, 
/**
 * Every row with its errors and duplicates (the preview; the invalid rows for the report file).
 */
rows: Array<PreviewRow>, dropped: Array<DroppedColumn>, 
/**
 * Whether anything was stored (false for a preview or a dry run).
 */
committed: boolean, };

export type ImportProgress = { done: number, total: number, };

export type ImportDone = { imported: number, updated: number, skipped: number, invalid: number, rejected_file: string | null, };
