import { describe, expect, it, vi } from 'vitest';
import type { Contact } from '../bindings';
import { emptyForm, fieldErrors, formFromContact, toInput, toggle } from './contact-form';
import { debounce, moveSelection, wantsSearchFocus } from './keys';
import { format } from './format';
import { en, sv, vocab } from './messages';
import { hoursUntil, withOffset } from './moments';

describe('message catalogues', () => {
  it('Swedish has every English key, none empty', () => {
    expect(Object.keys(sv).sort()).toEqual(Object.keys(en).sort());
    for (const [key, text] of Object.entries(sv)) expect(text, key).not.toBe('');
  });
  it('placeholders agree between languages', () => {
    // The same names in both (a word may take a plural form in one language only), and every
    // plural form holds its number.
    const vars = (s: string) => [...s.matchAll(/\{(\w+)(?:\|[^}]*)?\}/g)].map((m) => m[1]).sort();
    for (const text of [...Object.values(en), ...Object.values(sv)]) {
      for (const m of text.matchAll(/\{\w+\|([^|}]*)\|([^}]*)\}/g)) {
        expect(m[1]!.includes('#') && m[2]!.includes('#'), text).toBe(true);
      }
    }
    for (const key of Object.keys(en) as (keyof typeof en)[]) expect(vars(sv[key]), key).toEqual(vars(en[key]));
  });
  it('vocabularies cover the same values', () => {
    for (const part of ['channel', 'marketing', 'material', 'stage', 'basis', 'fieldError', 'errorKind', 'language'] as const) {
      expect(Object.keys(vocab.sv[part]).sort()).toEqual(Object.keys(vocab.en[part]).sort());
    }
  });
});

describe('numbers and plurals', () => {
  it('uses the language\'s plural form and number grouping', () => {
    const contacts = { en: '{count|# contact|# contacts}', sv: '{count|# kontakt|# kontakter}' };
    expect(format(contacts.sv, { count: 1 }, 'sv')).toBe('1 kontakt');
    expect(format(contacts.sv, { count: 0 }, 'sv')).toBe('0 kontakter');
    // Swedish groups with a (narrow) no-break space, English with a comma.
    expect(format(contacts.sv, { count: 100000 }, 'sv').replace(/\s/g, ' ')).toBe('100 000 kontakter');
    expect(format(contacts.en, { count: 1 }, 'en')).toBe('1 contact');
    expect(format(contacts.en, { count: 100000 }, 'en')).toBe('100,000 contacts');
    expect(format('Showing {shown} of {count}', { shown: 200, count: 100000 }, 'en')).toBe('Showing 200 of 100,000');
    expect(format('{when}', { when: '2026-11-30' }, 'sv')).toBe('2026-11-30');
  });
});

describe('contact form', () => {
  const contact: Contact = {
    id: 'c1',
    given_name: 'Anna',
    family_name: 'Östlund',
    email: 'anna@example.se',
    phone: null,
    organisation: 'Ålands Bygg',
    role: null,
    channel: 'email',
    material: null,
    language: 'sv',
    stage: 'customer',
    owner: null,
    tags: ['golf'],
    purposes: [{ id: 'p1', name: 'Customer relationship', lawful_basis: 'contract' }],
    created_at: '2026-01-01T00:00:00Z',
    updated_at: '2026-01-01T00:00:00Z',
    source: null,
  };

  it('round-trips a contact through the form', () => {
    const input = toInput(formFromContact(contact));
    expect(input).toMatchObject({
      given_name: 'Anna',
      email: 'anna@example.se',
      phone: null,
      channel: 'email',
      material: null,
      tags: ['golf'],
      purposes: ['p1'],
    });
  });

  it('blank optional fields become null', () => {
    const form = { ...emptyForm(), email: '   ', given_name: 'A' };
    expect(toInput(form).email).toBeNull();
  });

  it('keeps the first error per field', () => {
    const errors = fieldErrors({
      kind: 'invalid',
      message: '',
      fields: [
        { field: 'email', code: 'invalid_email', message: '' },
        { field: 'email', code: 'too_long', message: '' },
        { field: 'purposes', code: 'required', message: '' },
      ],
    });
    expect(errors).toEqual({ email: 'invalid_email', purposes: 'required' });
  });

  it('toggles checkbox lists', () => {
    expect(toggle(['a'], 'b', true)).toEqual(['a', 'b']);
    expect(toggle(['a', 'b'], 'a', false)).toEqual(['b']);
    expect(toggle(['a'], 'a', true)).toEqual(['a']);
  });
});

describe('keyboard', () => {
  it('focuses search on / unless typing, and always on Ctrl+K', () => {
    expect(wantsSearchFocus({ key: '/', ctrlKey: false, metaKey: false }, false)).toBe(true);
    expect(wantsSearchFocus({ key: '/', ctrlKey: false, metaKey: false }, true)).toBe(false);
    expect(wantsSearchFocus({ key: 'k', ctrlKey: true, metaKey: false }, true)).toBe(true);
    expect(wantsSearchFocus({ key: 'k', ctrlKey: false, metaKey: false }, false)).toBe(false);
  });
  it('moves the selection within bounds', () => {
    expect(moveSelection(-1, 'ArrowDown', 3)).toBe(0);
    expect(moveSelection(2, 'ArrowDown', 3)).toBe(2);
    expect(moveSelection(0, 'ArrowUp', 3)).toBe(0);
    expect(moveSelection(1, 'End', 3)).toBe(2);
    expect(moveSelection(1, 'x', 0)).toBe(-1);
  });
  it('debounces', () => {
    vi.useFakeTimers();
    const fn = vi.fn();
    const d = debounce(fn, 100);
    d(1);
    d(2);
    vi.advanceTimersByTime(99);
    expect(fn).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fn).toHaveBeenCalledWith(2);
    vi.useRealTimers();
  });
});

describe('breach times', () => {
  it('counts whole hours down, -1 in the first overdue hour, never 0 once past', () => {
    const deadline = '2026-03-04T10:00:00Z';
    expect(hoursUntil(deadline, Date.parse('2026-03-01T10:00:00Z'))).toBe(72);
    expect(hoursUntil(deadline, Date.parse('2026-03-04T09:59:00Z'))).toBe(0);
    expect(hoursUntil(deadline, Date.parse('2026-03-04T10:00:01Z'))).toBe(-1);
    expect(hoursUntil(deadline, Date.parse('2026-03-04T11:00:00Z'))).toBe(-1);
  });
  it('writes a datetime-local value as RFC 3339 with the local offset of that moment', () => {
    const written = withOffset('2026-07-01T09:15');
    expect(written).toMatch(/^2026-07-01T09:15:00[+-]\d\d:\d\d$/);
    expect(Date.parse(written)).toBe(new Date('2026-07-01T09:15').getTime());
  });
});
