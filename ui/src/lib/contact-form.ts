// The contact form's state (plain strings for inputs) and its translation to and from the
// IPC types. Kept free of Svelte so it is unit-tested on its own.
import type { Channel, Contact, ContactInput, FieldErrorCode, IpcError, Material, Stage } from '../bindings';

export type ContactForm = {
  given_name: string;
  family_name: string;
  email: string;
  phone: string;
  organisation: string;
  role: string;
  channel: Channel | '';
  material: Material | '';
  language: string;
  stage: Stage;
  owner: string;
  tags: string[];
  /** Purpose ids. */
  purposes: string[];
};

export function emptyForm(): ContactForm {
  return {
    given_name: '',
    family_name: '',
    email: '',
    phone: '',
    organisation: '',
    role: '',
    channel: '',
    material: '',
    language: '',
    stage: 'lead',
    owner: '',
    tags: [],
    purposes: [],
  };
}

export function formFromContact(contact: Contact): ContactForm {
  return {
    given_name: contact.given_name,
    family_name: contact.family_name,
    email: contact.email ?? '',
    phone: contact.phone ?? '',
    organisation: contact.organisation ?? '',
    role: contact.role ?? '',
    channel: contact.channel ?? '',
    material: contact.material ?? '',
    language: contact.language ?? '',
    stage: contact.stage,
    owner: contact.owner ?? '',
    tags: [...contact.tags],
    purposes: contact.purposes.map((p) => p.id),
  };
}

const optional = (text: string): string | null => (text.trim() === '' ? null : text);

/** `confirmedSpecial`: the user confirmed keeping a role or organisation that reveals a special
 *  category (GDPR Art. 9), after the core refused it naming the category. */
export function toInput(form: ContactForm, confirmedSpecial = false): ContactInput {
  return {
    given_name: form.given_name,
    family_name: form.family_name,
    email: optional(form.email),
    phone: optional(form.phone),
    organisation: optional(form.organisation),
    role: optional(form.role),
    channel: form.channel === '' ? null : form.channel,
    material: form.material === '' ? null : form.material,
    language: optional(form.language),
    stage: form.stage,
    owner: optional(form.owner),
    tags: [...form.tags],
    purposes: [...form.purposes],
    confirmed_special_categories: confirmedSpecial,
  };
}

/** Whether a refusal is (also) about a special category that the user may confirm. */
export function revealsSpecialCategory(error: IpcError | null): boolean {
  return (error?.fields ?? []).some((f) => f.code.startsWith('special_'));
}

/** The first problem per field of a refused save, by field name. */
export function fieldErrors(error: IpcError | null): Partial<Record<keyof ContactForm, FieldErrorCode>> {
  const out: Partial<Record<keyof ContactForm, FieldErrorCode>> = {};
  for (const f of error?.fields ?? []) {
    const field = f.field as keyof ContactForm;
    if (!(field in out)) out[field] = f.code;
  }
  return out;
}

/** Adds or removes `value` from a list (checkbox groups). */
export function toggle(list: string[], value: string, on: boolean): string[] {
  const without = list.filter((x) => x !== value);
  return on ? [...without, value] : without;
}
