// Calendar dates as Lagom stores them (YYYY-MM-DD, the user's local calendar) and as a person
// reads them ("2 Mar 2026", "2 mars 2026").
import { locale } from './i18n.svelte';

/** Today in the local calendar, as a date input wants it. */
export function today(): string {
  const now = new Date();
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

/** A stored date in the display language; an empty string stays empty. */
export function dateText(date: string): string {
  if (!date) return '';
  return new Date(`${date.slice(0, 10)}T12:00:00`).toLocaleDateString(locale() === 'sv' ? 'sv-SE' : 'en-GB', {
    dateStyle: 'medium',
  });
}

/** A stored moment (RFC 3339, UTC) in the local time zone and the display language. */
export function dateTimeText(moment: string): string {
  if (!moment) return '';
  return new Date(moment).toLocaleString(locale() === 'sv' ? 'sv-SE' : 'en-GB', {
    dateStyle: 'medium',
    timeStyle: 'short',
  });
}

