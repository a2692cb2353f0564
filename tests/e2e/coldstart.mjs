// Measures the app's cold start: from asking WebKitWebDriver to launch the binary until the
// contact list is on screen, with the key read from the keychain. Not a test; prints numbers
// for docs/performance.md. Run: scripts/keyring-session.sh node tests/e2e/coldstart.mjs [runs]
import { byTestId, freshDatabase, launchApp, startDriver, stopDriver, waitForAppExit } from './driver.mjs';

const runs = Number(process.argv[2] ?? 7);
await startDriver({ LAGOM_DB: freshDatabase() });
try {
  let browser = await launchApp();
  await (await byTestId(browser, 'create-db')).click();
  await (await byTestId(browser, 'recovery-stored')).click();
  await (await byTestId(browser, 'recovery-continue')).click();
  await byTestId(browser, 'home');
  await browser.deleteSession();

  const samples = [];
  for (let i = 0; i < runs; i++) {
    await waitForAppExit();
    const start = performance.now();
    browser = await launchApp();
    await byTestId(browser, 'home', 20000);
    samples.push(performance.now() - start);
    await browser.deleteSession();
  }
  samples.sort((a, b) => a - b);
  const median = samples[Math.floor(samples.length / 2)];
  console.log(`cold start to contact list (${runs} runs, keychain key): median ${median.toFixed(0)} ms, min ${samples[0].toFixed(0)} ms, max ${samples.at(-1).toFixed(0)} ms`);
} finally {
  stopDriver();
}
