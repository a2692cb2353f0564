// The native menu bar, driven as a keyboard user drives it (F10, the arrow keys, Enter) with
// xdotool on the app's screen: the Edit items act on the focused field (Paste and Cut through
// the real clipboard), and the View and Help items reach the UI.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { appDisplayEnv, byTestId, startOnFreshRegister, stopApp } from './driver.mjs';

let browser;

before(async () => {
  browser = await startOnFreshRegister();
});

after(() => stopApp(browser));

/** xdotool on the app's screen. */
function xdotool(...args) {
  return execFileSync('xdotool', args, { env: appDisplayEnv(), timeout: 5000 }).toString();
}

/**
 * Chooses an item from the keyboard: F10 opens the first menu (File), Right moves `menu` menus
 * along, Down `item` times reaches the item (separators are skipped), Enter chooses it. The
 * order is menu.rs's: File, Edit, View, Help.
 */
async function choose(menu, item) {
  const window = xdotool('search', '--name', '^Lagom CRM$').trim().split('\n')[0];
  xdotool('windowfocus', '--sync', window);
  xdotool('key', 'F10');
  await sleep(300);
  for (let i = 0; i < menu; i++) xdotool('key', 'Right');
  for (let i = 0; i < item; i++) xdotool('key', 'Down');
  await sleep(200);
  xdotool('key', 'Return');
  await sleep(400);
}

const EDIT = 1;
const VIEW = 2;
const HELP = 3;

function clipboard() {
  return execFileSync('xclip', ['-o', '-selection', 'clipboard'], { env: appDisplayEnv(), timeout: 5000 }).toString();
}

/** Waits until `read()` gives `expected` (a menu's command lands asynchronously). */
async function until(read, expected, what) {
  let last;
  await browser
    .waitUntil(async () => (last = await read()) === expected, { timeout: 5000, interval: 100 })
    .catch(() => assert.fail(`${what}: ${JSON.stringify(last)} instead of ${JSON.stringify(expected)}`));
}

test('Edit → Paste, Select all, Cut, Copy, Undo and Redo act on the focused field through the clipboard', async () => {
  await (await byTestId(browser, 'new-contact')).click();
  const given = await byTestId(browser, 'given_name');
  const family = await byTestId(browser, 'family_name');
  await given.click();
  // Someone else's text on the clipboard: xclip serves it until another program takes it.
  const owner = spawn('xclip', ['-i', '-selection', 'clipboard'], { env: appDisplayEnv(), stdio: ['pipe', 'ignore', 'ignore'] });
  owner.stdin.end('Ingrid');
  await until(clipboard, 'Ingrid', 'the clipboard before');
  await choose(EDIT, 5); // Undo, Redo, Cut, Copy, Paste
  await until(() => given.getValue(), 'Ingrid', 'pasted into the focused field');
  await choose(EDIT, 6); // … Select all
  await choose(EDIT, 3); // … Cut
  await until(() => given.getValue(), '', 'the selection cut');
  await until(clipboard, 'Ingrid', 'the cut text on the clipboard');
  await choose(EDIT, 1); // Undo
  await until(() => given.getValue(), 'Ingrid', 'the cut undone');
  await choose(EDIT, 2); // Redo
  await until(() => given.getValue(), '', 'the cut done again');
  await choose(EDIT, 1);
  await until(() => given.getValue(), 'Ingrid', 'and undone again');
  // Copy from one field, paste into the next.
  await given.setValue('Astrid');
  await choose(EDIT, 6);
  await choose(EDIT, 4); // … Copy
  await until(clipboard, 'Astrid', 'the copied text on the clipboard');
  await family.click();
  await choose(EDIT, 5);
  await until(() => family.getValue(), 'Astrid', 'pasted into the field now focused');
});

test('View and Help items reach the app: Settings, then About', async () => {
  await choose(VIEW, 4); // Home, Contacts, Requests, Settings
  await byTestId(browser, 'settings-save');
  const current = () => browser.execute(() => document.querySelector('[aria-current="page"]')?.getAttribute('data-testid'));
  await until(current, 'nav-settings', 'the page shown');
  await choose(HELP, 3); // Keyboard shortcuts, Privacy guide, About
  await byTestId(browser, 'about');
  await (await byTestId(browser, 'help-close')).click();
});
