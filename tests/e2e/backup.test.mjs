// Backups in the real app: "Back up now" on the settings screen, then a restore of it from the
// same screen, which brings back the register as it was — without a contact added since, and
// without the person erased since.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { addContact, byTestId, createRegister, freshDatabase, launchApp, listedNames, startDriver, stopApp } from './driver.mjs';

let browser;
const db = freshDatabase();

before(async () => {
  await startDriver({ LAGOM_DB: db, LANG: 'en_GB.UTF-8', LANGUAGE: 'en' });
  browser = await launchApp();
  await createRegister(browser);
});

after(() => stopApp(browser));

async function showAll() {
  const search = await byTestId(browser, 'search');
  await search.click();
  await browser.keys(['Escape']);
}

test('a backup taken and restored from the settings screen erases again who was erased since', async () => {
  await addContact(browser, 'Bo', 'Kvar', ['Customer relationship']);
  await addContact(browser, 'Eva', 'Raderad', ['Customer relationship']);

  await (await byTestId(browser, 'nav-settings')).click();
  await (await byTestId(browser, 'backup-now')).click();
  assert.match(await (await byTestId(browser, 'backup-taken')).getText(), /Backed up 2 contacts to .*lagom-backup-.*\.db/);
  // The first start's daily backup (of the empty register) and this one, newest first.
  assert.equal((await browser.$$('[data-testid="backup-restore"]')).length, 2);

  // After the backup: a new contact, and Eva erased.
  await (await byTestId(browser, 'nav-contacts')).click();
  await byTestId(browser, 'search');
  await addContact(browser, 'Nils', 'Efter', ['Customer relationship']);
  await showAll();
  for (const row of await browser.$$('[data-testid="contact-row"]')) {
    if ((await row.getText()).includes('Eva')) {
      await row.click();
      break;
    }
  }
  await (await byTestId(browser, 'erase')).click();
  await (await byTestId(browser, 'erase-confirm')).click();
  await browser.waitUntil(async () => !(await listedNames(browser)).includes('Eva Raderad'), { timeoutMsg: 'Eva erased' });

  // Restore: asked first, then the register as it was, with Eva erased again.
  await (await byTestId(browser, 'nav-settings')).click();
  await (await byTestId(browser, 'backup-restore')).click();
  await (await byTestId(browser, 'backup-restore-confirm')).click();
  // The window reloads from the restored register and says what the restore did.
  const restored = await byTestId(browser, 'restore-note', 20000);
  assert.match(await restored.getText(), /Restored 1 contact; 1 erasure made since was applied again/);

  await (await byTestId(browser, 'nav-contacts')).click();
  await byTestId(browser, 'search');
  await showAll();
  await browser.waitUntil(async () => (await listedNames(browser)).join() === 'Bo Kvar', {
    timeoutMsg: 'only Bo: Nils came after the backup, Eva stays erased',
  });
});

test('"Remove Lagom\'s data from this computer" asks for the word, removes the register, its key and backups, and starts over', async () => {
  await (await byTestId(browser, 'nav-settings')).click();
  await (await byTestId(browser, 'forget-backups')).click();
  const confirm = await byTestId(browser, 'forget-confirm');
  assert.equal(await confirm.isEnabled(), false, 'not before the word is typed');
  await (await byTestId(browser, 'forget-word')).setValue('REMOVE');
  await confirm.click();
  const removed = await byTestId(browser, 'forget-removed', 20000);
  const text = await removed.getText();
  assert.match(text, /lagom\.db/);
  assert.match(text, /lagom-backup-/);
  assert.match(text, /the key in/);
  assert.ok(!existsSync(db), 'the register is gone');
  assert.ok(!existsSync(join(dirname(db), 'backups')), 'the backups are gone');
  await (await byTestId(browser, 'forget-close')).click();
  await byTestId(browser, 'create-db', 20000);
});
