// The real app, end to end: first run with a real keychain, the recovery key, the form with
// a field error, diacritic-folding search, and a restart that opens with the keychain's key.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import { appDisplayEnv, byTestId, freshDatabase, launchApp, openContacts, screenshot, startDriver, stopApp, waitForAppExit } from './driver.mjs';

const db = freshDatabase();
let browser;

before(async () => {
  // The recovery key leaves the clipboard after 2 s here instead of 30 (an e2e build only).
  await startDriver({ LAGOM_DB: db, LANG: 'en_GB.UTF-8', LANGUAGE: 'en', LAGOM_E2E_CLIPBOARD_SECS: '2' });
});

after(() => stopApp(browser));

test('first run creates the database and shows the recovery key once', async () => {
  browser = await launchApp();
  await (await byTestId(browser, 'create-db')).click();
  const key = await (await byTestId(browser, 'recovery-key')).getText();
  assert.match(key.trim(), /^([0-9a-f]{4}[ \n]){15}[0-9a-f]{4}$/, 'sixteen groups of four hex digits');
  const next = await byTestId(browser, 'recovery-continue');
  assert.equal(await next.isEnabled(), false, 'continue waits for the confirmation');

  // "Copy": on the clipboard, marked as a secret that clipboard managers must not keep, and
  // gone again after the timeout.
  await (await byTestId(browser, 'recovery-copy')).click();
  await byTestId(browser, 'recovery-copied');
  const env = appDisplayEnv();
  const clipboard = (target = []) => {
    const args = ['-o', '-selection', 'clipboard', ...target];
    try {
      return execFileSync('xclip', args, { env, stdio: 'pipe', timeout: 5000 }).toString();
    } catch (error) {
      // Nobody owns the clipboard any more: xclip says the target is not available.
      if (/not available/.test(String(error.stderr))) return '';
      throw error;
    }
  };
  const copiedText = clipboard();
  assert.equal(copiedText, key.replace(/\s+/g, ''), `the key, without spaces (clipboard: ${copiedText.length} characters)`);
  assert.match(clipboard(['-t', 'TARGETS']), /x-kde-passwordManagerHint/, 'kept out of clipboard history');
  await browser.waitUntil(async () => clipboard() === '', { timeout: 8000, timeoutMsg: 'the clipboard is cleared' });

  await (await byTestId(browser, 'recovery-stored')).click();
  await next.click();
  await openContacts(browser);
});

test('the form shows a field error for a bad email and saves a good contact', async () => {
  await (await byTestId(browser, 'new-contact')).click();
  await (await byTestId(browser, 'given_name')).setValue('Anna');
  await (await byTestId(browser, 'family_name')).setValue('Östlund');
  await (await byTestId(browser, 'email')).setValue('anna.ostlund@');
  await (await byTestId(browser, 'organisation')).setValue('Ålands Bygg AB');
  await (await byTestId(browser, 'phone')).setValue('070-123 45 67');
  await (await byTestId(browser, 'purpose-Customer relationship')).click();
  await (await byTestId(browser, 'save')).click();

  const error = await byTestId(browser, 'error-email');
  assert.match(await error.getText(), /email/i);
  assert.equal(await (await byTestId(browser, 'email')).getAttribute('aria-invalid'), 'true');

  const email = await byTestId(browser, 'email');
  await email.clearValue();
  await email.setValue('anna.ostlund@example.se');
  await (await byTestId(browser, 'save')).click();
  await byTestId(browser, 'saved');
  assert.equal(await (await byTestId(browser, 'phone')).getValue(), '+46701234567', 'stored in E.164');

  // Two more people, so search has something to tell apart.
  for (const [given, family] of [['Erik', 'Berg'], ['Maja', 'Lind']]) {
    await (await byTestId(browser, 'new-contact')).click();
    await (await byTestId(browser, 'given_name')).setValue(given);
    await (await byTestId(browser, 'family_name')).setValue(family);
    await (await byTestId(browser, 'purpose-Newsletter')).click();
    await (await byTestId(browser, 'save')).click();
    await byTestId(browser, 'saved');
  }
});

test('search for "ostlund" finds Östlund, and the keyboard opens it', async () => {
  const search = await byTestId(browser, 'search');
  await browser.keys(['Control', 'k']);
  await search.setValue('ostlund');
  await browser.waitUntil(
    async () => (await browser.$$('[data-testid="contact-row"]').length) === 1,
    { timeout: 5000, timeoutMsg: 'expected exactly one match' },
  );
  const row = await browser.$('[data-testid="contact-row"]');
  assert.match(await row.getText(), /Anna Östlund/);
  await browser.keys(['Enter']);
  const given = await byTestId(browser, 'given_name');
  await browser.waitUntil(async () => (await given.getValue()) === 'Anna', { timeout: 5000 });

  // Escape in the search field clears it and brings the whole list back.
  await search.click();
  await browser.keys(['Escape']);
  await browser.waitUntil(async () => (await browser.$$('[data-testid="contact-row"]').length) === 3, {
    timeout: 5000,
    timeoutMsg: 'the whole list comes back',
  });
  assert.equal(await search.getValue(), '');
  const rows = await browser.$$('[data-testid="contact-row"]');
  for (const r of rows) if ((await r.getText()).includes('Östlund')) await r.click();
  await browser.waitUntil(async () => (await (await byTestId(browser, 'given_name')).getValue()) === 'Anna');
  if (process.env.LAGOM_SCREENSHOT) await screenshot(browser, process.env.LAGOM_SCREENSHOT);
});

test('after a restart the contact is there, opened with the key from the keychain', async () => {
  await browser.deleteSession();
  browser = undefined;
  await waitForAppExit();
  browser = await launchApp();
  // Straight to the register: no set-up, no passphrase, no recovery screen.
  await openContacts(browser);
  await browser.waitUntil(async () => (await browser.$$('[data-testid="contact-row"]').length) === 3, {
    timeout: 5000,
    timeoutMsg: 'the three contacts are listed after the restart',
  });
  const names = await browser.$$('[data-testid="contact-row"]').map((r) => r.getText());
  assert.ok(names.some((n) => n.includes('Anna Östlund')), names.join(' | '));
});
