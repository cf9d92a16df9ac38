// The statistics dashboard in headless Chromium with JavaScript DISABLED: log in at /admin/login and take a
// full-page screenshot of /admin/stats (funnel, provinces, lead times, uncollected cards, office load, CSV links),
// then follow its link to /admin/simulate, run the Razavi Khorasan 1398 scenario and take the result.
//
//   node tools/browser/admin-stats.mjs --base http://127.0.0.1:8098 --user admin --password office-demo-password
//
// With the office demo of `cargo run -p shenas-server --example office_fixtures -- DIR --serve 127.0.0.1:8098`
// (after tools/browser/office.mjs has delivered its card, the lead-time chart has a delivery).

import { chromium } from 'playwright-core';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
function opt(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}
const base = opt('base', 'http://127.0.0.1:8098');
const out = opt('out', path.join(here, '..', '..', 'docs', 'screenshots'));

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1280, height: 900 } });
const page = await context.newPage();
await page.goto(`${base}/admin/login`);
await page.fill('input[name=username]', opt('user', 'admin'));
await page.fill('input[name=password]', opt('password', 'office-demo-password'));
await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
const res = await page.goto(`${base}/admin/stats`);
if (res.status() !== 200) throw new Error(`/admin/stats answered ${res.status()}`);
for (const id of ['lead-times', 'uncollected', 'office-load', 'exports']) {
  if ((await page.locator(`#${id}`).count()) !== 1) throw new Error(`section #${id} missing`);
}
await page.screenshot({ path: path.join(out, '13-admin-stats.png'), fullPage: true });
console.log('ok: 13-admin-stats.png');
await Promise.all([page.waitForNavigation(), page.click('a[href="/admin/simulate"]')]);
if (!(await page.content()).includes('dir="rtl"') || /<script/i.test(await page.content())) {
  throw new Error('/admin/simulate: not rtl, or a script');
}
await page.screenshot({ path: path.join(out, '15-admin-simulate.png'), fullPage: true });
await Promise.all([page.waitForNavigation(), page.click('button[value=html]')]);
const ran = await page.content();
if (!ran.includes('<svg')) throw new Error('/admin/simulate: no chart after a run');
await page.screenshot({ path: path.join(out, '16-admin-simulated.png'), fullPage: true });
console.log('ok: 15-admin-simulate.png, 16-admin-simulated.png');
await browser.close();
