// Accessibility of every screen, checked with axe-core inside the real webview: no serious or
// critical violation on the first run, the recovery key, the contact list and form, a
// contact's privacy panel, Home, Requests, Import, Settings, the lock's passphrase and
// second-factor screens, and the recovery screen.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { addContact, assertAccessible, base32Decode, byTestId, freshDatabase, launchApp, openContacts, startDriver, stopApp, totpCode } from './driver.mjs';

const passphrase = 'a long enough passphrase';
let browser;

before(async () => {
  await startDriver({ LAGOM_DB: freshDatabase(), LANGUAGE: 'en' });
  browser = await launchApp();
});

after(() => stopApp(browser));

test('the first run and the recovery key', async () => {
  await byTestId(browser, 'create-db');
  await assertAccessible(browser, 'the first run');
  await (await byTestId(browser, 'create-db')).click();
  await byTestId(browser, 'recovery-key');
  await assertAccessible(browser, 'the recovery key');
  await (await byTestId(browser, 'recovery-stored')).click();
  await (await byTestId(browser, 'recovery-continue')).click();
});

test('Home, the contact list, the form and the privacy panel', async () => {
  await byTestId(browser, 'home', 20000);
  await assertAccessible(browser, 'Home');
  await openContacts(browser);
  await addContact(browser, 'Alma', 'Tillgänglig', ['Customer relationship']);
  await assertAccessible(browser, 'the contact list and a saved contact with its privacy panel');
  await (await byTestId(browser, 'new-contact')).click();
  await (await byTestId(browser, 'save')).click();
  await browser.$('[aria-invalid="true"]').waitForExist({ timeout: 5000 });
  await assertAccessible(browser, 'the contact form with its errors');
});

test('Requests, Import and Settings', async () => {
  for (const page of ['requests', 'import', 'settings']) {
    await (await byTestId(browser, `nav-${page}`)).click();
    await browser.pause(300);
    await assertAccessible(browser, page);
  }
});

test('the lock: passphrase, second factor and recovery screens', async () => {
  await (await byTestId(browser, 'passphrase-set')).click();
  await (await byTestId(browser, 'passphrase')).setValue(passphrase);
  await (await byTestId(browser, 'passphrase-again')).setValue(passphrase);
  await (await byTestId(browser, 'passphrase-submit')).click();
  await byTestId(browser, 'security-note');
  await (await byTestId(browser, 'totp-start')).click();
  await byTestId(browser, 'owner-passphrase');
  await assertAccessible(browser, 'the passphrase asked again before a change to the protection');
  await (await byTestId(browser, 'owner-passphrase')).setValue(passphrase);
  await (await byTestId(browser, 'owner-continue')).click();
  await byTestId(browser, 'totp-qr');
  await assertAccessible(browser, 'the second factor enrolment');
  const secret = await (await byTestId(browser, 'totp-secret')).getText();
  await (await byTestId(browser, 'totp-code')).setValue(totpCode(base32Decode(secret), 1));
  await (await byTestId(browser, 'totp-confirm')).click();
  await byTestId(browser, 'recovery-codes');
  await assertAccessible(browser, 'the recovery codes');
  await (await byTestId(browser, 'recovery-codes-stored')).click();
  await (await byTestId(browser, 'recovery-codes-done')).click();

  await browser.keys(['Control', 'l']);
  await byTestId(browser, 'passphrase', 20000);
  await assertAccessible(browser, 'the unlock screen');
  await (await byTestId(browser, 'passphrase')).setValue(passphrase);
  await (await byTestId(browser, 'passphrase-submit')).click();
  await byTestId(browser, 'unlock-code', 20000);
  await assertAccessible(browser, 'the second-factor screen');
  await (await browser.$('button.link')).click();
  await browser.pause(300);
  await assertAccessible(browser, 'the recovery screen');
});

test('Help: the keyboard shortcuts (F1), the privacy guide and About with every shipped licence', async () => {
  await browser.keys(['F1']);
  await byTestId(browser, 'help-dialog');
  await assertAccessible(browser, 'the keyboard shortcuts');
  await (await byTestId(browser, 'help-privacy_guide')).click();
  await assertAccessible(browser, 'the privacy guide');
  await (await byTestId(browser, 'help-about')).click();
  await byTestId(browser, 'about');
  const names = await browser.execute(() =>
    [...document.querySelectorAll('[data-testid="licence"] .name')].map((name) => name.textContent),
  );
  for (const shipped of ['svelte', '@tauri-apps/api', 'rusqlite', 'tauri', 'keyring', 'sqlcipher-src', 'openssl-src']) {
    if (!names.includes(shipped)) throw new Error(`${shipped} is not in About's licences`);
  }
  if (names.length < 100) throw new Error(`only ${names.length} licences listed`);
  // A package's texts from the keyboard: Tab from the list to the chooser, type the package's
  // name. SQLCipher's copyright notice is one its BSD licence requires a binary to reproduce.
  await (await browser.$('.licences')).click();
  await browser.keys(['Tab']);
  assert.equal(await browser.execute(() => document.activeElement?.dataset.testid), 'licence-choice');
  await browser.keys([...'sqlcipher']);
  await byTestId(browser, 'licence-texts');
  const texts = await browser.execute(() => [...document.querySelectorAll('[data-testid="licence-text"]')].map((p) => p.textContent));
  if (!texts.some((text) => text.includes('Copyright (c) 2025, ZETETIC LLC'))) {
    throw new Error(`SQLCipher's licence text is not shown: ${texts.map((text) => text.slice(0, 60)).join(' | ')}`);
  }
  await assertAccessible(browser, 'About');
  await (await byTestId(browser, 'help-close')).click();
});
