// Moments as a breach is timed by: a `datetime-local` field and RFC 3339 with an offset, and
// the hours left until a deadline. No imports, so unit tests run them without a webview.

/** Now in the local calendar and clock, as a `datetime-local` input wants it (minutes). */
export function nowLocal(): string {
  const now = new Date();
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}T${pad(now.getHours())}:${pad(now.getMinutes())}`;
}

/**
 * A `datetime-local` value ("2026-11-30T09:15") as RFC 3339 with the local offset at that
 * moment ("2026-11-30T09:15:00+01:00"), so the core reads the day as the user wrote it.
 */
export function withOffset(local: string): string {
  const at = new Date(local);
  if (Number.isNaN(at.getTime())) return local;
  const minutes = -at.getTimezoneOffset();
  const sign = minutes < 0 ? '-' : '+';
  const pad = (n: number) => String(Math.floor(Math.abs(n))).padStart(2, '0');
  return `${local.slice(0, 16)}:00${sign}${pad(minutes / 60)}:${pad(minutes % 60)}`;
}

/** Whole hours from `now` (ms) until `moment`, rounded down: -1 in the first overdue hour. */
export function hoursUntil(moment: string, now: number): number {
  return Math.floor((Date.parse(moment) - now) / 3_600_000);
}
