// The window remembers its size between starts (tauri-plugin-window-state).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createRegister, freshDatabase, launchApp, startDriver, stopApp, waitForAppExit } from './driver.mjs';

let browser;

before(async () => {
  await startDriver({ LAGOM_DB: freshDatabase(), LANGUAGE: 'en' });
});

after(() => stopApp(browser));

test('the window opens again at the size it was left at', async () => {
  browser = await launchApp();
  await createRegister(browser);
  await browser.setWindowSize(1010, 690);
  const left = await browser.getWindowSize();
  // Written shortly after the change.
  await browser.pause(1500);
  await browser.deleteSession();
  browser = undefined;
  await waitForAppExit();
  browser = await launchApp();
  const reopened = await browser.getWindowSize();
  assert.deepEqual(reopened, left);
});
