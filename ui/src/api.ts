// The only module that talks to Rust. Every command is one typed function; errors arrive as
// `IpcError` ({ kind, message, fields }) and callers switch on `kind`, never on text.
import { Channel, invoke } from '@tauri-apps/api/core';
import type {
  AffectedContact,
  AffectedContacts,
  BackupFile,
  About,
  BackupReceipt,
  MenuAction,
  Enrolment,
  ForgetReport,
  LockEvent,
  SearchResult,
  SecurityState,
  RestoreReport,
  Applied,
  Breach,
  BreachAssessment,
  BreachClosing,
  BreachInput,
  Channel as ContactChannel,
  Letter,
  LetterOf,
  NoticeGivenInput,
  NoticeState,
  ConsentEvent,
  ConsentInput,
  ConsentOverview,
  Contact,
  ContactInput,
  ContactPage,
  ContactSummary,
  ErasureReceipt,
  Expiry,
  ExportReceipt,
  ExtensionReason,
  Hold,
  HoldReason,
  Home,
  IdentityCheck,
  ImportDone,
  ImportOptions,
  ImportProgress,
  ImportReport,
  ImportSummary,
  Interaction,
  InteractionInput,
  IpcError,
  MarketingChannel,
  OptOuts,
  PackReceipt,
  Purpose,
  PurposeInput,
  RecoveryKeyView,
  RefusalReason,
  ReportLanguage,
  Request,
  RequestInput,
  RetentionAnchor,
  SessionStatus,
  Settings,
  SweepReport,
  Tag,
  TagInput,
} from './bindings';

export type * from './bindings';

/** Anything a command may reject with, normalised to the IPC error shape. */
export function asIpcError(error: unknown): IpcError {
  if (typeof error === 'object' && error !== null && 'kind' in error && 'message' in error) {
    const e = error as IpcError;
    return { kind: e.kind, message: e.message, fields: e.fields ?? [] };
  }
  // A failure before the command ran (e.g. arguments that did not deserialise).
  return { kind: 'io', message: String(error), fields: [] };
}

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (error) {
    throw asIpcError(error);
  }
}

export const api = {
  sessionStatus: () => call<SessionStatus>("session_status"),
  /** Creates the register; its default purposes and tags are named in `language`. */
  sessionCreate: (passphrase: string | null, language: ReportLanguage) =>
    call<RecoveryKeyView>("session_create", { passphrase, language }),
  sessionUnlock: (passphrase: string) => call<SessionStatus>("session_unlock", { passphrase }),
  sessionRecover: (recoveryKey: string, passphrase: string | null) =>
    call<SessionStatus>("session_recover", { recoveryKey, passphrase }),
  /** The second factor's code (or a recovery code), after the passphrase or on its own. */
  sessionVerifyCode: (code: string) => call<SessionStatus>("session_verify_code", { code }),
  /** "Lock now" and the idle lock: the register closes; `not_set_up` when nothing would be asked. */
  sessionLock: () => call<SessionStatus>("session_lock"),
  /** Calls `onlock` whenever the OS locks the app (suspend, the session locked). */
  sessionWatch: (onlock: (event: LockEvent) => void) => {
    const channel = new Channel<LockEvent>();
    channel.onmessage = onlock;
    return call<void>("session_watch", { onLock: channel });
  },
  /** Copies the new register's recovery key: out of clipboard history, cleared after 30 s. */
  recoveryKeyCopy: () => call<void>("recovery_key_copy"),
  /** The owner has stored the recovery key: the app forgets it. */
  recoveryKeyForget: () => call<void>("recovery_key_forget"),

  /** The page after the contact `after` (from the top when null), in name order. */
  contactList: (after: string | null, limit: number) => call<ContactPage>("contact_list", { after, limit }),
  /** The best 50 matches, and how many there are in all. */
  contactSearch: (text: string) => call<SearchResult>("contact_search", { text }),
  contactGet: (id: string) => call<Contact>("contact_get", { id }),
  contactCreate: (input: ContactInput) => call<Contact>("contact_create", { input }),
  contactUpdate: (id: string, input: ContactInput) => call<Contact>("contact_update", { id, input }),
  organisationList: () => call<string[]>("organisation_list"),

  purposeList: () => call<Purpose[]>("purpose_list"),
  purposeCreate: (input: PurposeInput) => call<Purpose>("purpose_create", { input }),
  purposeUpdate: (id: string, input: PurposeInput) => call<Purpose>("purpose_update", { id, input }),
  tagList: () => call<Tag[]>("tag_list"),
  tagCreate: (input: TagInput) => call<Tag>("tag_create", { input }),
  tagDelete: (id: string) => call<void>("tag_delete", { id }),

  consentOverview: (id: string) => call<ConsentOverview>("consent_overview", { id }),
  consentGive: (id: string, input: ConsentInput) => call<ConsentEvent>("consent_give", { id, input }),
  consentWithdraw: (id: string, input: ConsentInput) => call<ConsentEvent>("consent_withdraw", { id, input }),
  /** `channel` null: all direct marketing. */
  contactOptOut: (id: string, channel: MarketingChannel | null) => call<OptOuts>("contact_opt_out", { id, channel }),
  contactOptIn: (id: string, channel: MarketingChannel | null) => call<OptOuts>("contact_opt_in", { id, channel }),
  /** The contact's interactions, newest first. */
  interactionList: (id: string) => call<Interaction[]>("interaction_list", { id }),
  interactionAdd: (id: string, input: InteractionInput) => call<Interaction>("interaction_add", { id, input }),
  interactionOutcomes: () => call<string[]>("interaction_outcomes"),
  /** Who may be contacted about `purpose` on `channel`. */
  contactReachable: (purpose: string, channel: MarketingChannel) =>
    call<ContactSummary[]>("contact_reachable", { purpose, channel }),
  /** Opens the native save dialog; null when the user cancels. */
  contactExport: (id: string, language: ReportLanguage) =>
    call<ExportReceipt | null>("contact_export", { id, language }),
  /** `request`: the contact's open erasure request that this erase answers. */
  contactErase: (id: string, request: string | null) => call<ErasureReceipt>("contact_erase", { id, request }),
  interactionOutcomesSet: (outcomes: string[]) => call<string[]>("interaction_outcomes_set", { outcomes }),

  /** What needs attention today. */
  homeGet: () => call<Home>("home_get"),
  /** The start-up and daily sweep: notes who is due, erases by itself only when set to. */
  retentionSweep: () => call<SweepReport>("retention_sweep"),
  /** "Erase the due ones now": those listed (the reviewed list) that are still due. */
  retentionApply: (ids: string[]) => call<Applied>("retention_apply", { ids }),
  retentionExpiry: (id: string) => call<Expiry | null>("retention_expiry", { id }),
  retentionHolds: (id: string) => call<Hold[]>("retention_holds", { id }),
  retentionHold: (id: string, reason: HoldReason, until: string) =>
    call<Hold>("retention_hold", { id, reason, until }),
  /** How many contacts a purpose's new retention would move into today's preview. */
  retentionMoved: (id: string, months: number, anchor: RetentionAnchor) =>
    call<number>("retention_moved", { id, months, anchor }),

  requestList: () => call<Request[]>("request_list"),
  requestForContact: (id: string) => call<Request[]>("request_for_contact", { id }),
  requestAdd: (input: RequestInput) => call<Request>("request_add", { input }),
  requestIdentify: (id: string, contact: string | null, check: IdentityCheck) =>
    call<Request>("request_identify", { id, contact, check }),
  requestExtend: (id: string, reason: ExtensionReason) => call<Request>("request_extend", { id, reason }),
  requestClose: (id: string, answer: string | null) => call<Request>("request_close", { id, answer }),
  requestRefuse: (id: string, reason: RefusalReason) => call<Request>("request_refuse", { id, reason }),

  /** Asks for a CSV or vCard file and reads it; null when the user cancels. */
  importOpen: () => call<ImportSummary | null>("import_open"),
  importPreview: (options: ImportOptions) => call<ImportReport>("import_preview", { options }),
  /** Imports the chosen file in one transaction; `onProgress` hears how far it is. */
  importRun: (options: ImportOptions, onProgress: (p: ImportProgress) => void) => {
    const progress = new Channel<ImportProgress>();
    progress.onmessage = onProgress;
    return call<ImportDone>("import_run", { options, progress });
  },
  /** Stops a running import; nothing of it is stored. */
  importCancel: () => call<void>("import_cancel"),
  /** Forgets the chosen file's rows (personal data) when the import view closes. */
  importForget: () => call<void>("import_forget"),

  /** The Art. 30 record as Markdown text. */
  recordText: (language: ReportLanguage) => call<string>("record_text", { language }),
  /** Opens the native save dialog; null when the user cancels. */
  accountabilityPackSave: (language: ReportLanguage) =>
    call<PackReceipt | null>("accountability_pack_save", { language }),

  /** A letter to one person (their information notice, a breach notification). */
  /** In `language`, or (null) the person's own, else `fallback`, the app's language as shown. */
  letterGet: (of: LetterOf, language: ReportLanguage | null, fallback: ReportLanguage) =>
    call<Letter>("letter_get", { of, language, fallback }),
  /** Puts the letter's text on the clipboard. */
  letterCopy: (of: LetterOf, language: ReportLanguage) => call<void>("letter_copy", { of, language }),
  /** Opens the letter as a mail draft to the person in the user's mail program. */
  letterMail: (of: LetterOf, language: ReportLanguage) => call<void>("letter_mail", { of, language }),
  noticeState: (id: string) => call<NoticeState>("notice_state", { id }),
  noticeGiven: (id: string, input: NoticeGivenInput) => call<NoticeState>("notice_given", { id, input }),

  /** Records that the affected persons need not be told (Art. 34(3)), with the reason. */
  breachPersonsNotRequired: (id: string, reason: string) =>
    call<Breach>("breach_persons_not_required", { id, reason }),
  breachAdd: (input: BreachInput) => call<Breach>("breach_add", { input }),
  breachClose: (id: string, closing: BreachClosing) => call<Breach>("breach_close", { id, closing }),
  /** Lagom's assessment of a lost device (Art. 34(3)(a)); null for other kinds. */
  breachAssessment: (id: string, language: ReportLanguage) =>
    call<BreachAssessment | null>("breach_assessment", { id, language }),
  /** The affected persons, not yet told first (at most 200 listed). */
  breachAffected: (id: string) => call<AffectedContacts>("breach_affected", { id }),
  breachTold: (id: string, contactId: string, channel: ContactChannel, on: string | null) =>
    call<AffectedContact>("breach_told", { id, contactId, channel, on }),

  /** Backs the register up now (encrypted; the erasure ledger beside it). */
  backupNow: () => call<BackupReceipt>("backup_now"),
  /** The daily backup (start-up, a new day): null when today's exists or daily backups are off. */
  backupScheduled: () => call<BackupReceipt | null>("backup_scheduled"),
  /** The backups this register made, newest first. */
  backupList: () => call<BackupFile[]>("backup_list"),
  /** Replaces the register with one of its backups; erasures since are applied again. */
  backupRestore: (path: string) => call<RestoreReport>("backup_restore", { path }),

  /** The menu bar in `language`; chosen items arrive at `onaction`. */
  menuShow: (language: ReportLanguage, onaction: (action: MenuAction) => void) => {
    const channel = new Channel<MenuAction>();
    channel.onmessage = onaction;
    return call<void>("menu_show", { language, onAction: channel });
  },
  /** Version, licence, where the data is, and the shipped packages' licences. */
  aboutGet: () => call<About>("about_get"),
  /** After an export: its folder in the file manager. */
  exportShowInFolder: () => call<void>("export_show_in_folder"),
  /** After an export: its register extract (report.html), written beside the ZIP and opened in
   *  the system's browser; the file written. */
  exportOpenExtract: () => call<string>("export_open_extract"),
  /** "Restore another backup…": the open dialog; the chosen file's name, or null. */
  backupPick: () => call<string | null>("backup_pick"),
  /** Restores the chosen backup; `recoveryKey` when it was taken before the key was changed. */
  backupRestorePicked: (recoveryKey: string | null) => call<RestoreReport>("backup_restore_picked", { recoveryKey }),

  /** How the register is protected: key store, second factor, idle lock. */
  securityGet: () => call<SecurityState>("security_get"),
  /** A new second-factor secret (QR code, URI), kept by the app until a code confirms it. */
  // A change to the register's protection carries what opening it asks for: the passphrase when
  // the key is under one, a code when the second factor is on (null when not asked).
  secondFactorBegin: (passphrase: string | null) => call<Enrolment>("second_factor_begin", { passphrase }),
  /** Confirms the enrolment; the ten recovery codes, shown once. */
  secondFactorEnable: (code: string) => call<string[]>("second_factor_enable", { code }),
  secondFactorDisable: (code: string, passphrase: string | null) =>
    call<void>("second_factor_disable", { code, passphrase }),
  /** "Ask for a passphrase when Lagom opens" on: the key moves to a key file. */
  passphraseSet: (passphrase: string, code: string | null) => call<SecurityState>("passphrase_set", { passphrase, code }),
  /** … and off: the key moves back to the keychain. */
  passphraseRemove: (current: string, code: string | null) => call<SecurityState>("passphrase_remove", { current, code }),
  passphraseChange: (current: string, passphrase: string, code: string | null) =>
    call<void>("passphrase_change", { current, passphrase, code }),
  /** A new database key; the new recovery key is shown once (and kept for "Copy"). */
  keyRotate: (passphrase: string | null, code: string | null) => call<RecoveryKeyView>("key_rotate", { passphrase, code }),

  /** Removes the register, its key and (when `backups`) its backups from this computer. */
  dataForget: (backups: boolean, passphrase: string | null, code: string | null) =>
    call<ForgetReport>("data_forget", { backups, passphrase, code }),

  settingsGet: () => call<Settings>("settings_get"),
  /** Turning the idle lock off or giving it longer carries what opening asks for. */
  settingsUpdate: (settings: Settings, passphrase: string | null = null, code: string | null = null) =>
    call<Settings>("settings_update", { settings, passphrase, code }),
};
