// Measures the app's cold start with a register of 100 000 contacts: from asking WebKitWebDriver
// to launch the binary until Home is on screen, and until the contact list shows its first rows
// (the key read from the keychain), and the resident memory once the list is shown. Not a test;
// prints numbers for docs/performance.md. Run with the release builds:
//   LAGOM_APP=target/release/lagom-desktop LAGOM_CLI=target/release/lagom \
//     scripts/keyring-session.sh node tests/e2e/coldstart.mjs [runs] [contacts]
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { appBinary, artifacts, byTestId, freshDatabase, launchApp, startDriver, stopDriver, waitForAppExit } from './driver.mjs';

const runs = Number(process.argv[2] ?? 7);
const contacts = Number(process.argv[3] ?? 100000);
const cli = process.env.LAGOM_CLI ?? 'target/release/lagom';
const db = freshDatabase();

/** Resident memory (VmRSS; and of it, anonymous memory and the proportional share of shared
 * pages, from smaps_rollup; KiB) of every process whose command line names `pattern`. */
function residentKiB(pattern) {
  const found = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (!cmdline.includes(pattern)) continue;
      const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
      const field = (name) => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(rollup)?.[1] ?? 0);
      if (rss) {
        const name = cmdline.split(' ')[0].split('/').at(-1);
        found.push({ pid, name, kib: Number(rss[1]), anonymous: field('Anonymous'), pss: field('Pss') });
      }
    } catch {
      // The process ended while being read.
    }
  }
  return found;
}

const median = (samples) => [...samples].sort((a, b) => a - b)[Math.floor(samples.length / 2)];

await startDriver({ LAGOM_DB: db });
try {
  let browser = await launchApp();
  await (await byTestId(browser, 'create-db')).click();
  await (await byTestId(browser, 'recovery-stored')).click();
  await (await byTestId(browser, 'recovery-continue')).click();
  await byTestId(browser, 'home');
  await browser.deleteSession();
  await waitForAppExit();

  // The register filled through the CLI (the same key from the keychain), in one import.
  const given = ['Anna', 'Erik', 'Maja', 'Lars', 'Åsa', 'Björn', 'Karin', 'Johan', 'Elin', 'Per', 'Sofia', 'Oskar'];
  const family = ['Andersson', 'Johansson', 'Karlsson', 'Nilsson', 'Eriksson', 'Larsson', 'Östlund', 'Åberg'];
  const rows = ['Förnamn;Efternamn;E-post;Mobil;Företag'];
  for (let i = 0; i < contacts; i++) {
    const g = given[i % given.length];
    const f = family[Math.floor(i / given.length) % family.length];
    rows.push(`${g};${f};${g.toLowerCase()}.${i}@example.se;+4670${String(i).padStart(7, '0')};Företag ${i % 500}`);
  }
  const csv = join(artifacts, 'coldstart.csv');
  writeFileSync(csv, rows.join('\n') + '\n');
  const started = performance.now();
  execFileSync(cli, ['--db', db, 'import', csv, '--purpose', 'Customer relationship', '--json'], { stdio: 'ignore' });
  console.log(`filled ${contacts} contacts with lagom import in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  const home = [];
  const list = [];
  const memory = [];
  for (let i = 0; i < runs; i++) {
    await waitForAppExit();
    const start = performance.now();
    browser = await launchApp();
    await byTestId(browser, 'home', 20000);
    home.push(performance.now() - start);
    await (await byTestId(browser, 'nav-contacts')).click();
    await byTestId(browser, 'contact-row', 20000);
    list.push(performance.now() - start);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    memory.push([...residentKiB(appBinary), ...residentKiB('WebKitWebProcess'), ...residentKiB('WebKitNetworkProcess')]);
    await browser.deleteSession();
  }
  const fmt = (samples) =>
    `median ${median(samples).toFixed(0)} ms, min ${Math.min(...samples).toFixed(0)} ms, max ${Math.max(...samples).toFixed(0)} ms`;
  console.log(`${contacts} contacts, ${runs} runs, keychain key`);
  console.log(`  launch to Home:             ${fmt(home)}`);
  console.log(`  launch to the contact list: ${fmt(list)}`);
  const last = memory.at(-1);
  // The app under its own file name: lagom-desktop when built here, lagom-crm when installed.
  const app = last.filter((p) => p.name === appBinary.split('/').at(-1)).reduce((sum, p) => sum + p.kib, 0);
  const total = last.reduce((sum, p) => sum + p.kib, 0);
  console.log(`  resident memory 1 s after the list: app process ${(app / 1024).toFixed(0)} MiB, with WebKit's processes ${(total / 1024).toFixed(0)} MiB`);
  for (const p of last) {
    const mib = (kib) => `${(kib / 1024).toFixed(0)} MiB`;
    console.log(`    ${p.name} (${p.pid}): RSS ${mib(p.kib)}, anonymous ${mib(p.anonymous)}, PSS ${mib(p.pss)}`);
  }
} finally {
  stopDriver();
}
