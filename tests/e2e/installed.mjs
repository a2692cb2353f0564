// The installed package's app (LAGOM_APP=/usr/bin/lagom-crm) started under Xvfb through
// tauri-driver to its first screen; run by scripts/test-package.sh, not by `npm test`.
import { byTestId, launchApp, startDriver, stopDriver } from './driver.mjs';

await startDriver({ LANGUAGE: 'en' });
let browser;
try {
  browser = await launchApp();
  await byTestId(browser, 'create-db', 30000);
  console.log(`the installed app shows its first screen: "${await browser.getTitle()}"`);
} finally {
  await browser?.deleteSession().catch(() => {});
  stopDriver();
}
