// Starts the real app through tauri-driver (WebKitWebDriver) inside a virtual display, and
// small helpers for the tests. The caller runs inside scripts/keyring-session.sh, so the app
// sees a real Secret Service.
import { spawn, execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { remote } from 'webdriverio';

const root = resolve(import.meta.dirname, '..', '..');
const targetDir = process.env.CARGO_TARGET_DIR ?? join(root, 'target');
export const artifacts = join(import.meta.dirname, 'artifacts');
export const appBinary = process.env.LAGOM_APP ?? join(targetDir, 'debug', 'lagom-desktop');

const scratch = [];
// The test file's folders (registers, key files, exports) go when it ends, unless kept for a
// look (LAGOM_E2E_KEEP=1).
process.on('exit', () => {
  if (process.env.LAGOM_E2E_KEEP === '1') return;
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

/** A private folder for this test file, removed when it ends. */
export function scratchDir(prefix = 'lagom-e2e-') {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  scratch.push(dir);
  return dir;
}

/** A fresh data folder for one test file: the app's database lives there. */
export function freshDatabase() {
  const dir = scratchDir();
  return join(dir, 'lagom.db');
}

let driver;
const xauthority = join(scratchDir('lagom-e2e-x-'), 'Xauthority');

/** Starts tauri-driver under Xvfb with `env` (inherited by the app) and waits until it answers. */
export async function startDriver(env, port = 4444) {
  if (!existsSync(appBinary)) throw new Error(`build the app first: ${appBinary} is missing`);
  // The driver's and the app's own chatter (GTK portals, D-Bus) goes to a log, not the report.
  mkdirSync(artifacts, { recursive: true });
  const log = openSync(join(artifacts, 'driver.log'), 'a');
  driver = spawn(
    'xvfb-run',
    // The X cookie goes to a file of ours, so tools such as xclip can reach this screen too.
    ['-a', '-f', xauthority, '-s', '-screen 0 1280x860x24', 'tauri-driver', '--port', String(port)],
    { env: { ...process.env, ...env }, stdio: ['ignore', log, log], detached: true },
  );
  for (let i = 0; i < 100; i++) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/status`);
      if (res.ok) return;
    } catch {
      // not up yet
    }
    await sleep(100);
  }
  throw new Error('tauri-driver did not start within 10 s');
}

/** After a test file: its app session ended (if one is open), then the driver and display. */
export async function stopApp(browser) {
  await browser?.deleteSession().catch(() => {});
  stopDriver();
}

/** Before a test file: the driver started with `env`, the app on a fresh register, past the
 * first run (the recovery key confirmed) and on the contact list. */
export async function startOnFreshRegister(env = {}) {
  await startDriver({ LAGOM_DB: freshDatabase(), LANGUAGE: 'en', ...env });
  const browser = await launchApp();
  await createRegister(browser);
  return browser;
}

export function stopDriver() {
  if (driver?.pid) {
    try {
      process.kill(-driver.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
}

/** The environment that reaches the virtual screen the app runs on, for tools such as xclip. */
export function appDisplayEnv() {
  const children = execFileSync('pgrep', ['-a', '-P', String(driver.pid)]).toString();
  const display = children.match(/Xvfb (:\d+)/)?.[1];
  if (!display) throw new Error(`no Xvfb under the driver: ${children}`);
  return { ...process.env, DISPLAY: display, XAUTHORITY: xauthority };
}

/** Waits until no instance of the app runs, so the next start is a real cold start. */
export async function waitForAppExit() {
  for (let i = 0; i < 100; i++) {
    try {
      execFileSync('pgrep', ['-f', appBinary], { stdio: 'ignore' });
    } catch {
      return;
    }
    await sleep(100);
  }
  throw new Error('the app did not exit within 10 s');
}

export async function launchApp(port = 4444) {
  return remote({
    hostname: '127.0.0.1',
    port,
    logLevel: 'error',
    capabilities: {
      'tauri:options': { application: appBinary },
      'wdio:enforceWebDriverClassic': true,
    },
  });
}

/** The element with `data-testid`, once it is displayed. */
export async function byTestId(browser, id, timeout = 10000) {
  const el = await browser.$(`[data-testid="${id}"]`);
  await el.waitForDisplayed({ timeout });
  return el;
}

/** Saves a screenshot after two animation frames (WebKit may show a stale frame otherwise). */
export async function screenshot(browser, path) {
  await browser.executeAsync((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
  writeFileSync(path, Buffer.from(await browser.takeScreenshot(), 'base64'));
}

/** First run: create the register, confirm the recovery key, land on Home, open the contact list. */
export async function createRegister(browser) {
  await (await byTestId(browser, 'create-db')).click();
  await (await byTestId(browser, 'recovery-stored')).click();
  await (await byTestId(browser, 'recovery-continue')).click();
  await openContacts(browser);
}

/** From the open register's first screen (Home), to the contact list. */
export async function openContacts(browser, timeout = 20000) {
  // Generous: after an unlock, Argon2id and the first retention sweep run before Home shows.
  await byTestId(browser, 'home', timeout);
  await (await byTestId(browser, 'nav-contacts')).click();
  await byTestId(browser, 'search');
}

/** Adds a contact through the form and waits until it is saved. */
export async function addContact(browser, given, family, purposes) {
  await (await byTestId(browser, 'new-contact')).click();
  await (await byTestId(browser, 'given_name')).setValue(given);
  await (await byTestId(browser, 'family_name')).setValue(family);
  for (const purpose of purposes) await (await byTestId(browser, `purpose-${purpose}`)).click();
  await (await byTestId(browser, 'save')).click();
  await byTestId(browser, 'saved');
}

/** The names shown in the contact list. */
export async function listedNames(browser) {
  // One round trip, so a list that re-renders meanwhile cannot leave stale element handles.
  return browser.execute(() =>
    [...document.querySelectorAll('[data-testid="contact-row"] .name')].map((el) => el.textContent.trim()),
  );
}

const axeSource = readFileSync(join(import.meta.dirname, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');

/**
 * Runs axe-core in the real webview on what is on screen now and fails on any serious or
 * critical violation, naming the rule and the elements. `screen` names it in the message.
 */
export async function assertAccessible(browser, screen) {
  await browser.execute(axeSource);
  const violations = await browser.executeAsync((done) => {
    // eslint-disable-next-line no-undef
    axe
      .run(document, { resultTypes: ['violations'] })
      .then((result) =>
        done(
          result.violations
            .filter((v) => v.impact === 'serious' || v.impact === 'critical')
            .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).slice(0, 5).join(', ')}`),
        ),
      )
      .catch((e) => done([`axe failed: ${e}`]));
  });
  if (violations.length > 0) throw new Error(`accessibility of ${screen}:\n${violations.join('\n')}`);
}

/** The bytes of a base32 secret (RFC 4648; spaces, padding and case ignored), as an
 * authenticator app reads the one the enrolment screen shows. */
export function base32Decode(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of text.replace(/[\s=]/g, '').toUpperCase()) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  return Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
}

/** The code an authenticator app shows for `secret` (RFC 6238: SHA-1, 6 digits, 30 s), for the
 * time step `offset` steps from now. */
export function totpCode(secret, offset = 0) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 1000 / 30) + offset));
  const mac = createHmac('sha1', secret).update(counter).digest();
  const at = mac[mac.length - 1] & 15;
  return String((mac.readUInt32BE(at) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}
