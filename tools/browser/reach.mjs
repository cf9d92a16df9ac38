// The pages of issue 13 ("reaching everyone") in headless Chromium with JavaScript DISABLED: the office's walk-in
// filing form (empty, refused field by field, filed). A full-page screenshot of each goes to
// docs/screenshots/5x-*.png. On every page: `<html lang="fa" dir="rtl">`, no `<script>`, no 5xx.
//
// It needs a demo service (`shenas serve --demo`) and what its first start printed:
//   node tools/browser/reach.mjs --base http://127.0.0.1:8099 --password demo-… --person '5104204359|ن|15|274060|1360-05-09|1401-09-29|ژاله|09155849370|female'
//
// Options (a flag, or the environment variable in brackets):
//   --base URL        [SHENAS_URL]    default http://127.0.0.1:8080
//   --password P      [PASSWORD]      the demo staff's password
//   --person ROW      [PERSON]        a demo person: code|letter|number|serial|birth|lunar birth|mother|mobile|gender
//   --out DIR         [SCREENSHOTS]   default docs/screenshots (of the repository)

import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

function opt(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  if (i > 0 && i + 1 < process.argv.length) return process.argv[i + 1];
  return process.env[name.toUpperCase().replaceAll('-', '_')] ?? fallback;
}

const base = opt('base', 'http://127.0.0.1:8080').replace(/\/$/, '');
const password = opt('password');
const person = opt('person', '').split('|');
const out = path.resolve(opt('out', path.join(here, '../../docs/screenshots')));
const fa = (s) => String(s).replace(/[0-9]/g, (d) => '۰۱۲۳۴۵۶۷۸۹'[d]);

function check(cond, what) {
  if (!cond) throw new Error(`check failed: ${what}`);
  console.log(`  ok: ${what}`);
}

mkdirSync(out, { recursive: true });
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
});
const context = await browser.newContext({ javaScriptEnabled: false, locale: 'fa-IR', viewport: { width: 1280, height: 900 } });
const page = await context.newPage();
const statuses = [];
page.on('response', (r) => statuses.push([r.status(), r.url()]));

async function shot(name, what) {
  const html = await page.content();
  check(/<html lang="fa" dir="rtl">/.test(html), `${what}: Persian, right to left`);
  check(!/<script/i.test(html), `${what}: no script`);
  const bad = statuses.filter(([s]) => s >= 500);
  check(bad.length === 0, `${what}: no 5xx (${JSON.stringify(bad)})`);
  await page.screenshot({ path: path.join(out, name), fullPage: true });
  console.log(`  saved ${name}`);
}

async function login(username) {
  await page.goto(`${base}/office/login`);
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', password);
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
}

console.log('walk-in filing');
await login('demo-operator');
await page.goto(`${base}/office/file`);
await shot('50-office-file.png', 'walk-in form');

const [code, letter, number, serial, birth, lunar, mother, mobile, gender] = person;
const [by, bm, bd] = birth.split('-').map(Number);
const [ly, lm, ld] = lunar.split('-').map(Number);
async function fill(nationalCode) {
  await page.fill('input[name=national_code]', fa(nationalCode));
  await page.selectOption('select[name=series_letter]', letter);
  await page.fill('input[name=series_number]', fa(number));
  await page.fill('input[name=serial]', fa(serial));
  await page.selectOption('select[name=birth_year]', String(by));
  await page.selectOption('select[name=birth_month]', String(bm));
  await page.selectOption('select[name=birth_day]', String(bd));
  await page.selectOption('select[name=lunar_year]', String(ly));
  await page.selectOption('select[name=lunar_month]', String(lm));
  await page.selectOption('select[name=lunar_day]', String(ld));
  await page.check(`input[name=gender][value=${gender}]`);
  await page.selectOption('select[name=religion]', 'islam');
  await page.fill('input[name=mother_name]', mother);
  await page.fill('input[name=mobile]', fa(mobile));
  await page.selectOption('select[name=reason]', 'first_issue');
}
await fill('1234567890');
await page.fill('input[name=mother_name]', '');
await Promise.all([page.waitForNavigation(), page.click('#file-submit')]);
check((await page.content()).includes('err-national_code'), 'a wrong national code is said at its field');
await shot('51-office-file-errors.png', 'walk-in form refused');

await page.goto(`${base}/office/file`);
await fill(code);
await Promise.all([page.waitForNavigation(), page.click('#file-submit')]);
check(await page.isVisible('#filed-tracking-code'), 'filed: the tracking code is shown');
await shot('52-office-filed.png', 'walk-in filed');

await browser.close();
console.log('all pages checked');
