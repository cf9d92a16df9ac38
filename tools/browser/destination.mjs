// The holder changes the office a waiting card goes to, in headless Chromium with JavaScript DISABLED: the
// tracking form → the application page → «تغییر دفتر تحویل» → the province's offices by area code. Saves
// docs/screenshots/17-portal-destination.png. Against the office demo (its waiting card, before office.mjs collects it):
//   cargo run -p shenas-server --example office_fixtures -- /tmp/office-fx --serve 127.0.0.1:8098 &
//   node tools/browser/destination.mjs --fixtures /tmp/office-fx

import { chromium } from 'playwright-core';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const opt = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
};
const demo = JSON.parse(readFileSync(path.join(opt('fixtures', '/tmp/office-fx'), 'demo.json'), 'utf8'));
const out = opt('out', path.join(here, '..', '..', 'docs', 'screenshots'));
const fa = (s) => String(s).replace(/[0-9]/g, (d) => '۰۱۲۳۴۵۶۷۸۹'[d]);
const check = (cond, what) => {
  if (!cond) throw new Error(`check failed: ${what}`);
  console.log(`  ok: ${what}`);
};

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
try {
  const page = await (await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1280, height: 900 } })).newPage();
  await page.goto(`${demo.base}/track?tc=${demo.ready}`);
  await page.fill('#national_code', fa(demo.ready_national_code));
  await page.click('#track-submit');
  check(await page.locator('#destination-box').isVisible(), 'the application page offers another office');
  await page.click('#destination-link');
  await page.fill('#area_code', '۰۲۶');
  await page.click('#search-submit');
  check((await page.locator('#offices li').count()) > 0, 'the province\'s offices are listed');
  const html = await page.content();
  check(!/<script/i.test(html) && html.includes('dir="rtl"'), 'rtl, no script');
  await page.screenshot({ path: path.join(out, '17-portal-destination.png'), fullPage: true });
  console.log('ok: 17-portal-destination.png');
} finally {
  await browser.close();
}
