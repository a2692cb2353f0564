// The last menu item chosen, for the screen that acts on it (Main for navigation, New contact,
// Lock and Back up now; App for the Help dialogs). `seq` changes with every choice, so the same
// item twice is two choices.
import type { MenuAction } from '../bindings';

export const menu = $state<{ action: MenuAction | null; seq: number }>({ action: null, seq: 0 });

export function chosen(action: MenuAction): void {
  menu.action = action;
  menu.seq += 1;
}
