// Where no keychain is usable (no Secret Service on the session bus), the app falls back to a
// passphrase: set-up asks for one, later starts ask to unlock, and a wrong one is named.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { byTestId, freshDatabase, launchApp, openContacts, startDriver, stopApp, waitForAppExit } from './driver.mjs';

const db = freshDatabase();
const passphrase = 'correct horse battery staple';
let browser;

before(async () => {
  // A bus address that leads nowhere: the keyring cannot reach any Secret Service.
  await startDriver({ LAGOM_DB: db, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/lagom-bus', LANGUAGE: 'en' });
});

after(() => stopApp(browser));

test('without a keychain, set-up asks for a passphrase and keeps only a wrapped key', async () => {
  browser = await launchApp();
  await (await byTestId(browser, 'create-db')).click();
  await (await byTestId(browser, 'passphrase')).setValue(passphrase);
  const again = await byTestId(browser, 'passphrase-again');
  await again.setValue('something else');
  assert.equal(await (await byTestId(browser, 'passphrase-submit')).isEnabled(), false, 'mismatch blocks');
  await again.clearValue();
  await again.setValue(passphrase);
  await (await byTestId(browser, 'passphrase-submit')).click();
  await byTestId(browser, 'recovery-key');
  assert.ok(existsSync(`${db}.key`), 'the wrapped key file sits beside the database');
  await (await byTestId(browser, 'recovery-stored')).click();
  await (await byTestId(browser, 'recovery-continue')).click();
  await openContacts(browser);
});

test('the next start asks to unlock, names a wrong passphrase, and opens with the right one', async () => {
  await browser.deleteSession();
  browser = undefined;
  await waitForAppExit();
  browser = await launchApp();
  const field = await byTestId(browser, 'passphrase');
  await field.setValue('not the passphrase');
  await (await byTestId(browser, 'passphrase-submit')).click();
  const error = await browser.$('[role="alert"][data-kind="wrong_passphrase"]');
  await error.waitForDisplayed({ timeout: 10000 });
  assert.match(await error.getText(), /Wrong passphrase/);
  await field.clearValue();
  await field.setValue(passphrase);
  await (await byTestId(browser, 'passphrase-submit')).click();
  await openContacts(browser);
});
