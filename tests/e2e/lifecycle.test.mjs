// The customer life cycle in the real app: a contact past their retention period appears on
// Home and is erased by "Erase the due ones now"; a request recorded in the inbox shows its due
// date and how it was counted.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { addContact, appBinary, appDisplayEnv, artifacts, byTestId, createRegister, freshDatabase, launchApp, listedNames, scratchDir, screenshot, startDriver, stopApp, waitForAppExit } from './driver.mjs';

let browser;
// The file the open dialog "chooses" (the e2e seam): Excel's Swedish CSV with one bad row.
const importDir = scratchDir('lagom-e2e-import-');
const importFile = join(importDir, 'kunder.csv');
writeFileSync(
  importFile,
  'Förnamn;Efternamn;E-post;Anteckning\nIda;Import;ida@import.example;ringer på fredagar\nJon;Import;jon@import.example;\nKim;Import;inte-en-adress;\n',
);

const db = freshDatabase();
// Where the e2e seam writes the mail draft the app would hand to the mail program.
const mailFile = join(importDir, 'mailto.txt');

before(async () => {
  await startDriver({
    LAGOM_DB: db,
    LANG: 'en_GB.UTF-8',
    LANGUAGE: 'en',
    LAGOM_E2E_OPEN_FILE: importFile,
    LAGOM_E2E_MAIL_FILE: mailFile,
  });
  browser = await launchApp();
  await createRegister(browser);
});

after(() => stopApp(browser));

/** Sets a date field as a date picker would (WebDriver types into its segments unreliably). */
async function setDate(testid, value) {
  const field = await byTestId(browser, testid);
  await browser.execute(
    (el, v) => {
      el.value = v;
      el.dispatchEvent(new Event('input', { bubbles: true }));
    },
    field,
    value,
  );
}

test('a contact past their retention period is on Home and "Erase the due ones now" erases them', async () => {
  // "Events" keeps people 12 months after the last interaction: a call two years ago is past it.
  await addContact(browser, 'Olle', 'Gammal', ['Events']);
  const twoYearsAgo = `${new Date().getFullYear() - 2}-03-01`;
  await setDate('interaction-date', twoYearsAgo);
  await (await byTestId(browser, 'interaction-add')).click();
  await byTestId(browser, 'interaction-list');
  await addContact(browser, 'Nina', 'Ny', ['Customer relationship']);

  await (await byTestId(browser, 'nav-home')).click();
  const due = await byTestId(browser, 'home-due-now');
  await browser.waitUntil(async () => /Olle Gammal/.test(await due.getText()), { timeoutMsg: 'Olle is due' });
  assert.match(await due.getText(), /Events: 12 months after the last interaction on/);
  assert.doesNotMatch(await due.getText(), /Nina/);
  assert.match(await (await byTestId(browser, 'home-erase-summary')).getText(), /1 contact past its retention period/);

  await (await byTestId(browser, 'erase-due')).click();
  await (await byTestId(browser, 'erase-due-confirm')).click();
  const erased = await byTestId(browser, 'home-erased');
  assert.match(await erased.getText(), /1 contact erased/);
  await browser.waitUntil(async () => (await browser.$$('[data-testid="home-due-now"]').length) === 0, {
    timeoutMsg: 'nobody is due any more',
  });
  assert.match(await (await byTestId(browser, 'home-month')).getText(), /1 erasure\b/);

  await (await byTestId(browser, 'nav-contacts')).click();
  await byTestId(browser, 'search');
  await browser.waitUntil(async () => (await listedNames(browser)).join() === 'Nina Ny', { timeoutMsg: 'Olle is gone' });
});

test('a new contact shows "notice owed"; the notice is copied, mailed and recorded as given, which clears it', async () => {
  await (await byTestId(browser, 'nav-contacts')).click();
  await (await byTestId(browser, 'new-contact')).click();
  await (await byTestId(browser, 'given_name')).setValue('Maja');
  await (await byTestId(browser, 'family_name')).setValue('Meddelad');
  await (await byTestId(browser, 'email')).setValue('maja@example.se');
  await (await byTestId(browser, 'purpose-Newsletter')).click();
  await (await byTestId(browser, 'save')).click();
  await byTestId(browser, 'saved');
  // A notice must name the controller and how to reach them: it says so until Settings has them.
  await (await byTestId(browser, 'notice-show')).click();
  const missing = await byTestId(browser, 'letter');
  await browser.waitUntil(async () => /Fill in the controller's name and contact in Settings first/.test(await missing.getText()), {
    timeoutMsg: 'the letter says what is missing',
  });
  await (await byTestId(browser, 'nav-settings')).click();
  await (await byTestId(browser, 'controller-name')).setValue('Bygg & Co AB');
  await (await byTestId(browser, 'controller-contact')).setValue('dataskydd@bygg.example');
  await (await byTestId(browser, 'settings-save')).click();
  await browser.waitUntil(async () => (await browser.$$('.saved').length) > 0, { timeoutMsg: 'settings saved' });

  await (await byTestId(browser, 'nav-home')).click();
  const owed = await byTestId(browser, 'home-notices');
  await browser.waitUntil(async () => /Maja Meddelad/.test(await owed.getText()), { timeoutMsg: 'Maja is owed her notice' });
  assert.match(await owed.getText(), /given by the person, Art\. 13/);
  await (await browser.$('[data-testid="home-notice"]*=Maja')).click();

  const state = await byTestId(browser, 'notice-state');
  assert.match(await state.getText(), /Owed: give it by/);
  await (await byTestId(browser, 'notice-show')).click();
  const letter = await byTestId(browser, 'letter-text');
  await browser.waitUntil(async () => /Hello Maja,/.test(await letter.getText()), { timeoutMsg: 'the notice is shown' });
  assert.match(await letter.getText(), /Newsletter/);
  assert.match(await letter.getText(), /consent \(a\)/);
  assert.match(await letter.getText(), /Integritetsskyddsmyndigheten \(IMY\)/);
  await screenshot(browser, join(artifacts, 'notice.png'));

  // Copy: the plain text on the clipboard. Mail: a draft to her address.
  await (await byTestId(browser, 'letter-copy')).click();
  await browser.waitUntil(async () => /Copied/.test(await (await byTestId(browser, 'letter')).getText()));
  const copied = execFileSync('xclip', ['-o', '-selection', 'clipboard'], { env: appDisplayEnv(), timeout: 5000 }).toString();
  assert.match(copied, /^How we handle your personal data\n/);
  await (await byTestId(browser, 'letter-mail')).click();
  await browser.waitUntil(() => existsSync(mailFile), { timeoutMsg: 'the mail draft was opened' });
  assert.match(readFileSync(mailFile, 'utf8'), /^mailto:maja@example\.se\?subject=How%20we%20handle%20your%20personal%20data&body=Hello%20Maja%2C/);
  // In Swedish on request.
  await (await byTestId(browser, 'letter-language')).selectByAttribute('value', 'sv');
  await browser.waitUntil(async () => /Hej Maja,/.test(await letter.getText()), { timeoutMsg: 'the notice in Swedish' });

  await (await byTestId(browser, 'notice-given')).click();
  await browser.waitUntil(async () => /Given on .* by email/.test(await state.getText()), { timeoutMsg: 'recorded as given' });

  await (await byTestId(browser, 'nav-home')).click();
  await byTestId(browser, 'home');
  await browser.waitUntil(
    async () => !/Maja/.test(await browser.execute(() => document.querySelector('[data-testid="home"]').textContent)),
    { timeoutMsg: 'Maja is no longer owed a notice' },
  );
});

test('a request recorded in the inbox shows its due date and how it was counted', async () => {
  await (await byTestId(browser, 'nav-requests')).click();
  await (await byTestId(browser, 'request-contact')).setValue('Nina');
  await (await byTestId(browser, 'request-contact-hit')).click();
  await (await byTestId(browser, 'request-kind')).selectByVisibleText('Access');
  // Received on Saturday 31 January 2026: a month later is 28 February, a Saturday.
  await setDate('request-received', '2026-01-31');
  await (await byTestId(browser, 'request-add')).click();
  const added = await byTestId(browser, 'request-added');
  assert.match(await added.getText(), /Recorded REQ-2026-0001: due 2 Mar 2026/);
  const row = await byTestId(browser, 'request-row');
  assert.match(await (await row.$('[data-testid="request-due"]')).getText(), /Due 2 Mar 2026/);
  assert.match(
    await (await row.$('[data-testid="request-working"]')).getText(),
    /received Sat 31 Jan 2026; due Mon 2 Mar 2026 — 28 Feb is a Saturday, 1 Mar is a Sunday/,
  );
  // Long past its deadline today: overdue, and at the top of Home.
  assert.match(await row.getText(), /Overdue/);
  await (await byTestId(browser, 'nav-home')).click();
  assert.match(await (await byTestId(browser, 'home-requests')).getText(), /REQ-2026-0001 · Access/);
});

test('an import shows its preview with the bad row, then imports the valid rows in one go', async () => {
  await (await byTestId(browser, 'nav-import')).click();
  await (await byTestId(browser, 'import-choose')).click();
  assert.match(await (await byTestId(browser, 'import-file')).getText(), /kunder\.csv: 3 rows, CSV, UTF-8/);
  assert.match(await (await byTestId(browser, 'import-dropped')).getText(), /Anteckning/);
  await (await byTestId(browser, 'import-purpose')).selectByVisibleText('Customer relationship (Contract)');
  const counts = await byTestId(browser, 'import-counts');
  await browser.waitUntil(async () => /2 ready, 1 with errors, 0 duplicates/.test(await counts.getText()), {
    timeoutMsg: 'the preview counts the rows',
  });
  assert.match(await (await byTestId(browser, 'import-errors')).getText(), /Line 4: email/);
  assert.equal(await (await byTestId(browser, 'import-run')).isEnabled(), false, 'not with an invalid row unless asked');
  await (await byTestId(browser, 'import-skip-invalid')).click();
  await (await byTestId(browser, 'import-run')).click();
  const done = await byTestId(browser, 'import-done');
  assert.match(await done.getText(), /Imported 2, updated 0, skipped 0 duplicates/);
  assert.ok(existsSync(`${importFile}.rejected.csv`), 'the row left out is in the report file');
  assert.match(readFileSync(`${importFile}.rejected.csv`, 'utf8'), /inte-en-adress/);

  await (await byTestId(browser, 'nav-contacts')).click();
  const search = await byTestId(browser, 'search');
  await search.setValue('import');
  await browser.waitUntil(async () => (await listedNames(browser)).join() === 'Ida Import,Jon Import', {
    timeoutMsg: 'both valid rows are in the register',
  });
});

test('a breach reported with lagom shows its 72-hour deadline at the top of Home', async () => {
  await browser.deleteSession();
  await waitForAppExit();
  // An hour ago; the same register, its key from the same keychain.
  const discovered = new Date(Date.now() - 3600 * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
  const cli = join(dirname(appBinary), 'lagom');
  const args = ['--db', db, 'breach', 'add', '--discovered', discovered, '--kind', 'lost_device', '--everyone', '--json'];
  // The closed app may hold the register's lock for a moment after its window is gone.
  let reported;
  for (let attempt = 0; !reported; attempt++) {
    try {
      reported = JSON.parse(execFileSync(cli, args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString());
    } catch (error) {
      if (attempt >= 50 || !/in use by another Lagom/.test(String(error.stderr))) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  browser = await launchApp();
  const breaches = await byTestId(browser, 'home-breaches', 20000);
  const text = await breaches.getText();
  assert.match(text, new RegExp(`${reported.id} · Lost or stolen device`));
  assert.match(text, /Notify IMY by .* \(72 hours from discovery\)/);
  assert.match(text, /7[01] h left/);
});

test('a breach reported in the app names whom it affects, tells them, and closes off Home', async () => {
  await (await byTestId(browser, 'breach-report')).click();
  await (await byTestId(browser, 'breach-kind')).selectByAttribute('value', 'wrong_recipient');
  await (await byTestId(browser, 'breach-some')).click();
  await (await byTestId(browser, 'breach-picker')).setValue('Nina');
  await (await byTestId(browser, 'breach-picker-hit')).click();
  await (await byTestId(browser, 'breach-consequences')).setValue('An order confirmation went to another customer.');
  await (await byTestId(browser, 'breach-measures')).setValue('The recipient confirmed deleting it.');
  await (await byTestId(browser, 'breach-submit')).click();
  const mail = await browser.$('[data-testid="home-breach"]*=Sent to the wrong recipient');
  await mail.waitForExist({ timeout: 10000, timeoutMsg: 'the breach is on Home' });
  assert.match(await mail.getText(), /7[12] h left · 1 affected/);

  // The lost laptop reported before: Lagom's own assessment (Art. 34(3)(a)).
  const laptop = await browser.$('[data-testid="home-breach"]*=Lost or stolen device');
  await (await laptop.$('[data-testid="breach-handle"]')).click();
  const assessment = await byTestId(browser, 'breach-assessment');
  assert.match(await assessment.getText(), /Art\. 34\(3\)\(a\)/);
  assert.match(await assessment.getText(), /keychain/);
  await (await laptop.$('[data-testid="breach-handle"]')).click();

  // Telling Nina: the notification, then recorded.
  await (await mail.$('[data-testid="breach-handle"]')).click();
  assert.match(await (await byTestId(browser, 'breach-affected')).getText(), /Nina Ny/);
  await (await byTestId(browser, 'breach-notification')).click();
  const letter = await byTestId(browser, 'letter-text');
  await browser.waitUntil(async () => /About a personal data breach/.test(await letter.getText()));
  assert.match(await letter.getText(), /may have seen some of your details/);
  assert.doesNotMatch(await letter.getText(), /order confirmation/, "the register's own text may name others: not in a letter");
  await screenshot(browser, join(artifacts, 'breach.png'));
  await (await byTestId(browser, 'breach-told')).click();
  await browser.waitUntil(async () => /told on .* by email/.test(await (await byTestId(browser, 'breach-affected')).getText()));

  // Closed as not requiring notification, with the reason: off Home.
  await (await byTestId(browser, 'breach-not-required')).click();
  await (await byTestId(browser, 'breach-reason')).setValue('One recipient, a customer, who deleted it at once.');
  await (await byTestId(browser, 'breach-close')).click();
  await browser.waitUntil(
    async () => (await browser.$$('[data-testid="home-breach"]*=Sent to the wrong recipient').length) === 0,
    { timeoutMsg: 'the closed breach leaves Home' },
  );
});
