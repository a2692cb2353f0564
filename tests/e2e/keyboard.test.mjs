// The app with the keyboard alone: every screen's Tab order reaches only visible controls, each
// with a visible focus ring; a contact is added and saved from the keys; a refused form moves
// focus to the first refused field, whose error is its description and is also announced.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { byTestId, startOnFreshRegister, stopApp } from './driver.mjs';

let browser;

before(async () => {
  browser = await startOnFreshRegister();
});

after(() => stopApp(browser));

/** What has focus: a name for messages, and whether a keyboard user can see where it is. */
function focused() {
  return browser.execute(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const style = getComputedStyle(el);
    const rect = el.getBoundingClientRect();
    // Marked on its first visit, so a round ends when Tab comes back to a control already seen.
    const again = el.hasAttribute('data-tab-seen');
    if (!again) el.setAttribute('data-tab-seen', String(document.querySelectorAll('[data-tab-seen]').length));
    const stop = el.getAttribute('data-tab-seen');
    const name = `${el.tagName.toLowerCase()}${el.dataset.testid ? `[${el.dataset.testid}]` : ''} "${(
      el.getAttribute('aria-label') ??
      el.textContent ??
      ''
    )
      .trim()
      .slice(0, 40)}"`;
    return {
      name,
      // The focus ring is an outline everywhere (styles.css); a box-shadow is not one (the
      // current page's button always has one).
      ring: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0,
      shown: rect.width > 0 && rect.height > 0 && style.visibility !== 'hidden',
      testid: el.dataset.testid ?? '',
      again,
      stop,
    };
  });
}

/** Tabs through the screen once round, checking every stop; returns the names in order. */
async function tabRound(screen, max = 120) {
  const seen = [];
  let last = null;
  await browser.execute(() => document.querySelectorAll('[data-tab-seen]').forEach((el) => el.removeAttribute('data-tab-seen')));
  for (let i = 0; i < max; i++) {
    await browser.keys(['Tab']);
    const now = await focused();
    if (now === null) {
      // Past the last control the page itself has focus once; the next Tab starts again.
      if (seen.length > 0) break;
      continue;
    }
    // A date field takes a Tab per part (day, month, year) and keeps focus meanwhile.
    if (now.again && now.stop === last) continue;
    if (now.again) break;
    last = now.stop;
    assert.ok(now.shown, `${screen}: Tab reached ${now.name}, which is not visible`);
    assert.ok(now.ring, `${screen}: ${now.name} shows no focus ring`);
    seen.push(now.name);
  }
  assert.ok(seen.length >= 3, `${screen}: only ${seen.length} controls in the Tab order: ${seen.join(', ')}`);
  return seen;
}

test('every screen: Tab reaches only visible controls, each with a visible focus ring', async () => {
  const screens = [
    ['1', 'Home', 'home'],
    ['2', 'Contacts', 'search'],
    ['3', 'Requests', 'request-received'],
    ['4', 'Import', 'import-choose'],
    ['5', 'Settings', 'settings-save'],
  ];
  for (const [key, screen, shown] of screens) {
    await browser.keys(['Control', key]);
    await byTestId(browser, shown);
    await sleep(200);
    const stops = await tabRound(screen);
    assert.ok(
      stops.some((name) => name.includes(`[nav-${screen.toLowerCase()}]`)),
      `${screen}: the navigation is in the Tab order: ${stops.join(', ')}`,
    );
  }
});

test('a refused form moves focus to the first refused field, described by its error and announced', async () => {
  await browser.keys(['Control', '2']);
  await byTestId(browser, 'search');
  await browser.keys(['Control', 'n']);
  await byTestId(browser, 'contact-form');
  await sleep(200);
  assert.equal((await focused())?.testid, 'given_name', 'the form opens with focus in its first field');
  // Saved empty from a later field: refused, focus back on the first refused field, whose
  // error is its description.
  await browser.keys(['Tab', 'Tab']);
  assert.notEqual((await focused())?.testid, 'given_name');
  await browser.keys(['Control', 's']);
  await byTestId(browser, 'error-given_name');
  await sleep(200);
  const refused = await browser.execute(() => {
    const field = document.activeElement;
    const described = (field?.getAttribute('aria-describedby') ?? '')
      .split(' ')
      .map((id) => document.getElementById(id)?.textContent?.trim() ?? '')
      .join(' ');
    const alert = document.querySelector('[role="alert"]')?.textContent?.trim() ?? '';
    return { testid: field?.dataset.testid, invalid: field?.getAttribute('aria-invalid'), described, alert };
  });
  assert.equal(refused.testid, 'given_name', 'focus moved to the first refused field');
  assert.equal(refused.invalid, 'true');
  assert.ok(refused.described.length > 0, 'the field is described by its error');
  assert.ok(refused.alert.length > 0, 'the refusal is announced (role=alert)');
});

test('a contact is added and saved with the keyboard alone', async () => {
  assert.equal((await focused())?.testid, 'given_name');

  await browser.keys([...'Klara']);
  await browser.keys(['Tab']);
  await browser.keys([...'Tangent']);
  // On to the first purpose, ticked with Space.
  let purpose = null;
  for (let i = 0; i < 30 && !purpose; i++) {
    await browser.keys(['Tab']);
    const now = await focused();
    if (now?.testid.startsWith('purpose-')) purpose = now.testid;
  }
  assert.ok(purpose, 'a purpose checkbox is in the Tab order');
  await browser.keys([' ']);
  await browser.keys(['Control', 's']);
  await byTestId(browser, 'saved');
  const names = await browser.execute(() => document.querySelector('.list')?.textContent ?? '');
  assert.match(names, /Klara/);
});

test('an open contact (form, privacy panel, notice) and the Help dialog: every control ringed', async () => {
  // Klara, saved above, is open.
  const stops = await tabRound('the open contact', 200);
  for (const part of ['given_name', 'save']) {
    assert.ok(stops.some((name) => name.includes(`[${part}]`)), `the open contact: ${part} is in the Tab order`);
  }
  await browser.keys(['F1']);
  await byTestId(browser, 'help-dialog');
  await sleep(200);
  const inDialog = await tabRound('Help');
  assert.ok(inDialog.some((name) => name.includes('[help-close]')), `Help: Close is in the Tab order: ${inDialog}`);
  assert.ok(!inDialog.some((name) => name.includes('[nav-')), `Help: Tab stays in the dialog: ${inDialog}`);
  // About, with its 370 packages: a handful of Tab stops, not one per package.
  await (await byTestId(browser, 'help-about')).click();
  await byTestId(browser, 'licence-choice');
  const inAbout = await tabRound('About', 20);
  assert.ok(inAbout.some((name) => name.includes('[help-close]')), `About: Close is in the Tab order: ${inAbout}`);
  await browser.keys(['Escape']);
  await sleep(200);
  assert.equal(await browser.execute(() => document.querySelector('dialog[open]')), null, 'Escape closes Help');
});
