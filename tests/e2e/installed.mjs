// The installed package's app (LAGOM_APP=/usr/bin/lagom-crm) started under Xvfb through
// tauri-driver to its first screen and About; run by scripts/test-package.sh, not by `npm test`.
import { byTestId, launchApp, startDriver, stopDriver } from './driver.mjs';

await startDriver({ LANGUAGE: 'en' });
let browser;
try {
  browser = await launchApp();
  await byTestId(browser, 'create-db', 30000);
  console.log(`the installed app shows its first screen: "${await browser.getTitle()}"`);
  // About lists what the release build ships (generated at its build, never empty).
  await browser.keys(['F1']);
  await (await byTestId(browser, 'help-about')).click();
  await byTestId(browser, 'about');
  const licences = (await browser.$$('[data-testid="licence"]')).length;
  if (licences < 100) throw new Error(`About lists ${licences} packages`);
  console.log(`About lists ${licences} shipped packages with their licences`);
} finally {
  await browser?.deleteSession().catch(() => {});
  stopDriver();
}
