// The data-subject rights in the real app: opt-out toggles that every list respects, the
// one-click export (the save dialog answered by the e2e seam), and erase with confirmation.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { addContact, byTestId, createRegister, freshDatabase, launchApp, listedNames, scratchDir, screenshot, startDriver, stopApp } from './driver.mjs';

const saveDir = scratchDir('lagom-e2e-exports-');
// What "Show in folder" and "Open the register extract" would open, in this test build.
const opened = join(scratchDir('lagom-e2e-opened-'), 'opened.txt');
let browser;

before(async () => {
  await startDriver({
    LAGOM_DB: freshDatabase(),
    LAGOM_E2E_SAVE_DIR: saveDir,
    LAGOM_E2E_OPENED_FILE: opened,
    LANG: 'en_GB.UTF-8',
    LANGUAGE: 'en',
  });
  browser = await launchApp();
  await createRegister(browser);
});

after(() => stopApp(browser));

async function openContact(name) {
  const search = await byTestId(browser, 'search');
  await search.click();
  await browser.keys(['Escape']);
  for (const row of await browser.$$('[data-testid="contact-row"]')) {
    if ((await row.getText()).includes(name)) {
      await row.click();
      break;
    }
  }
  await byTestId(browser, 'privacy');
}

async function chooseFilter(label) {
  const select = await byTestId(browser, 'list-filter');
  await select.selectByVisibleText(label);
}

test('an email opt-out takes the contact off the "Newsletter by email" list', async () => {
  await addContact(browser, 'Greta', 'Lovisa', ['Newsletter']);
  await addContact(browser, 'Hugo', 'Alfvén', ['Newsletter']);
  for (const name of ['Greta', 'Hugo']) {
    await openContact(name);
    await (await byTestId(browser, 'give-Newsletter')).click();
    await browser.waitUntil(async () => (await (await byTestId(browser, 'consent-Newsletter')).getText()).includes('Given'));
  }
  await chooseFilter('Newsletter by email');
  await browser.waitUntil(async () => (await listedNames(browser)).length === 2, { timeoutMsg: 'both consented' });

  await openContact('Greta');
  await (await byTestId(browser, 'optout-email')).click();
  await browser.waitUntil(async () => (await listedNames(browser)).join() === 'Hugo Alfvén', {
    timeout: 5000,
    timeoutMsg: 'Greta leaves the email list after opting out',
  });
  assert.equal(await (await byTestId(browser, 'optout-email')).isSelected(), true);
  if (process.env.LAGOM_SCREENSHOT_PRIVACY) {
    await (await byTestId(browser, 'privacy')).scrollIntoView();
    await screenshot(browser, process.env.LAGOM_SCREENSHOT_PRIVACY);
  }

  await chooseFilter('Newsletter by post');
  await browser.waitUntil(async () => (await listedNames(browser)).length === 2, { timeoutMsg: 'post is still fine' });
  await chooseFilter('All contacts');
});

test('export writes one ZIP where the save dialog points', async () => {
  await openContact('Greta');
  await (await byTestId(browser, 'export')).click();
  const status = await byTestId(browser, 'exported');
  const files = readdirSync(saveDir);
  assert.equal(files.length, 1, files.join());
  // No personal data in the name: the desktop's recently-used list would keep it.
  assert.match(files[0], /^lagom-export-[0-9a-f]{8}-\d{4}-\d{2}-\d{2}\.zip$/);
  assert.equal(statSync(join(saveDir, files[0])).mode & 0o777, 0o600, 'readable by its owner only');
  assert.match(await status.getText(), new RegExp(files[0].replace(/\./g, '\\.')));
  const zip = readFileSync(join(saveDir, files[0]));
  assert.equal(zip.subarray(0, 4).toString('binary'), 'PK\x03\x04', 'a ZIP file');
  for (const name of ['data.json', 'contact.vcf', 'contact.csv', 'report.html', 'manifest.json']) {
    assert.ok(zip.includes(Buffer.from(name)), `${name} is in the archive`);
  }

  // Before sending it: the folder, and the register extract out of the ZIP (private).
  await (await byTestId(browser, 'show-in-folder')).click();
  await browser.waitUntil(() => existsSync(opened) && readFileSync(opened, 'utf8') === saveDir, { timeoutMsg: 'the folder opened' });
  await (await byTestId(browser, 'open-extract')).click();
  await browser.waitUntil(() => readFileSync(opened, 'utf8').endsWith('.html'), { timeoutMsg: 'the extract opened' });
  const extract = readFileSync(opened, 'utf8');
  assert.equal(extract, join(saveDir, files[0].replace(/\.zip$/, '-extract.html')));
  assert.equal(statSync(extract).mode & 0o777, 0o600);
  const html = readFileSync(extract, 'utf8');
  assert.match(html, /Greta/);
  // The browser's history keeps the title: it names nobody.
  assert.doesNotMatch(html.match(/<title>[^<]*<\/title>/)[0], /Greta/);
});

test('an interaction logged on the contact appears at the top of its timeline', async () => {
  await openContact('Hugo');
  const panel = await byTestId(browser, 'interactions');
  assert.match(await panel.getText(), /No interactions yet/);
  await (await byTestId(browser, 'interaction-kind')).selectByVisibleText('Meeting');
  assert.equal(await (await byTestId(browser, 'interaction-channel')).getValue(), 'meeting', 'the channel follows the type');
  await (await byTestId(browser, 'interaction-outcome')).selectByVisibleText('interested');
  await (await byTestId(browser, 'interaction-add')).click();
  const list = await byTestId(browser, 'interaction-list');
  await browser.waitUntil(async () => /Meeting \(Meeting\) · interested/.test(await list.getText()), {
    timeoutMsg: 'the meeting is listed',
  });
  // A date after today is refused before it is sent (the core refuses it too: rights.rs).
  const date = await byTestId(browser, 'interaction-date');
  // WebDriver types into a date field's segments unreliably; set it as a date picker would.
  await browser.execute((el) => {
    el.value = '2999-01-01';
    el.dispatchEvent(new Event('input', { bubbles: true }));
  }, date);
  await (await byTestId(browser, 'interaction-add')).click();
  const state = await browser.execute((el) => [el.value, el.type, el.validity.rangeOverflow], date);
  assert.equal(state[2], true, `marked as after today: ${JSON.stringify(state)}`);
  await browser.pause(300);
  assert.equal((await browser.$$('[data-testid="interaction-list"] li')).length, 1, 'nothing else was logged');
});

test('erase asks for confirmation naming the person, then removes them from list and search', async () => {
  await openContact('Greta');
  await (await byTestId(browser, 'erase')).click();
  const confirm = await byTestId(browser, 'erase-confirm');
  assert.equal(await confirm.getText(), 'Erase Greta Lovisa');
  await confirm.click();
  const notice = await byTestId(browser, 'notice');
  assert.match(await notice.getText(), /Greta Lovisa was erased/);
  await browser.waitUntil(async () => (await listedNames(browser)).join() === 'Hugo Alfvén', {
    timeoutMsg: 'Greta is gone from the list',
  });
  const search = await byTestId(browser, 'search');
  await search.setValue('greta');
  await browser.waitUntil(async () => (await listedNames(browser)).length === 0, {
    timeoutMsg: 'search finds nothing',
  });
});
