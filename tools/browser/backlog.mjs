// The backlog of uncollected cards in headless Chromium with JavaScript DISABLED: the dashboard's backlog section,
// the administrator's list (/admin/backlog) filtered to uncollected cards, a campaign started from it, and the
// office's call list with its cards to destroy (/office/backlog).
//
//   node tools/browser/backlog.mjs --base http://127.0.0.1:8098 --out docs/screenshots
//
// With the office demo of `cargo run -p shenas-server --example office_fixtures -- DIR --serve 127.0.0.1:8098`.

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
const password = opt('password', 'office-demo-password');

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
async function login(where, user) {
  const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${base}/${where}/login`);
  await page.fill('input[name=username]', user);
  await page.fill('input[name=password]', password);
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
  return page;
}
function check(cond, what) {
  if (!cond) throw new Error(what);
}

const admin = await login('admin', 'admin');
await admin.goto(`${base}/admin/stats`);
const section = admin.locator('#backlog');
check((await section.count()) === 1, '/admin/stats: no #backlog section');
check((await section.locator('svg polyline').count()) === 2, '/admin/stats: the backlog chart has no lines');
await section.screenshot({ path: path.join(out, '40-admin-backlog-chart.png') });
await Promise.all([admin.waitForNavigation(), admin.click('#backlog-link')]);
await admin.selectOption('#state', 'uncollected');
await Promise.all([admin.waitForNavigation(), admin.click('#filter-submit')]);
check((await admin.locator('#cards tbody tr').count()) >= 1, '/admin/backlog: no uncollected card listed');
await Promise.all([admin.waitForNavigation(), admin.click('#campaign-submit')]);
check(admin.url().includes('started='), `/admin/backlog: the campaign did not start (${admin.url()})`);
check((await admin.locator('#campaigns tbody tr').count()) >= 2, '/admin/backlog: campaigns not listed');
const html = await admin.content();
check(html.includes('dir="rtl"') && !/<script/i.test(html), '/admin/backlog: not rtl, or a script');
await admin.screenshot({ path: path.join(out, '41-admin-backlog.png'), fullPage: true });

const office = await login('office', opt('operator', 'op1'));
await office.goto(`${base}/office/backlog`);
check((await office.locator('#cards tbody tr').count()) >= 1, '/office/backlog: no card in the call list');
await office.screenshot({ path: path.join(out, '42-office-backlog.png'), fullPage: true });
console.log('ok: 40-admin-backlog-chart.png, 41-admin-backlog.png, 42-office-backlog.png');
await browser.close();
