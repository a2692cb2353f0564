// Keyboard conventions of the contact list, as pure functions.

/** True when `/` or Ctrl/Cmd+K should move focus to search (not while typing elsewhere). */
export function wantsSearchFocus(event: Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'metaKey'>, typing: boolean): boolean {
  if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 'k') return true;
  return event.key === '/' && !typing && !event.ctrlKey && !event.metaKey;
}

/** The next highlighted row after an arrow key, clamped to the list. */
export function moveSelection(current: number, key: string, length: number): number {
  if (length === 0) return -1;
  if (key === 'ArrowDown') return Math.min(current + 1, length - 1);
  if (key === 'ArrowUp') return Math.max(current - 1, 0);
  if (key === 'Home') return 0;
  if (key === 'End') return length - 1;
  return current;
}

/** Calls `fn` once `ms` after the last call. */
export function debounce<A extends unknown[]>(fn: (...args: A) => void, ms: number): (...args: A) => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return (...args: A) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

/** Where a restore leaves its report for the window it reloads (sessionStorage). */
export const RESTORE_NOTE = 'lagom.restore-note';
