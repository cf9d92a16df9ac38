// The counter office's pages in headless Chromium with JavaScript DISABLED, proving that no page needs it:
// login → the desk's day → check-in → the enrollment form (first with a too small photo: the error at the field,
// then with every file) → done → the receipt PDF → the record → shipments: receive one with a scan → pickup: a
// stranger's finger (mismatch), then the holder's (delivered, with the fee) → the record with its history → the
// card reported lost (the portal shows it suspended) and reactivated at the desk (a stranger's finger, then the
// holder's) → the
// supervisor's adjudication with both photos → an operator refused the queue → the desk on a phone-sized screen.
// A full-page screenshot of every page goes to docs/screenshots/20-office-*.png. See README.md.
//
// It needs the demo service of the office_fixtures example, which writes the files and demo.json it reads:
//   cargo run -p shenas-server --example office_fixtures -- /tmp/office-fx --serve 127.0.0.1:8098 &
//   node tools/browser/office.mjs --fixtures /tmp/office-fx
//
// Options (a flag, or the environment variable in brackets):
//   --fixtures DIR   [FIXTURES]     default /tmp/office-fx (demo.json, photo.jpg, finger-NN.iso, …)
//   --base URL       [SHENAS_URL]   default: demo.json's base
//   --out DIR        [SCREENSHOTS]  default docs/screenshots (of the repository)

import { chromium } from 'playwright-core';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

function opt(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  if (i > 0 && i + 1 < process.argv.length) return process.argv[i + 1];
  return process.env[name.toUpperCase().replaceAll('-', '_')] ?? fallback;
}

const fixtures = path.resolve(opt('fixtures', '/tmp/office-fx'));
const demo = JSON.parse(readFileSync(path.join(fixtures, 'demo.json'), 'utf8'));
const base = (opt('base') ?? process.env.SHENAS_URL ?? demo.base).replace(/\/$/, '');
const out = path.resolve(opt('out') ?? process.env.SCREENSHOTS ?? path.join(here, '../../docs/screenshots'));
const file = (name) => path.join(fixtures, name);
const fa = (s) => String(s).replace(/[0-9]/g, (d) => '۰۱۲۳۴۵۶۷۸۹'[d]);
const VIEWPORT = { width: 1280, height: 900 };

function check(cond, what) {
  if (!cond) throw new Error(`check failed: ${what}`);
  console.log(`  ok: ${what}`);
}

/// The width of a PNG, from its header: a full-page screenshot wider than the window means the page overflows.
function pngWidth(buf) {
  return buf.readUInt32BE(16);
}

mkdirSync(out, { recursive: true });
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const contextOptions = { javaScriptEnabled: false, locale: 'fa-IR', viewport: VIEWPORT };
const failures = [];

async function newPage() {
  const context = await browser.newContext(contextOptions);
  const p = await context.newPage();
  p.on('response', (r) => {
    if (r.status() >= 500) failures.push(`${r.status()} ${r.url()}`);
  });
  return p;
}

// Checks what every page must be, then saves it.
async function shot(p, name, width = VIEWPORT.width) {
  const html = await p.content();
  check(!/<script/i.test(html), `${name}: no script on the page`);
  check((await p.locator('html').getAttribute('dir')) === 'rtl', `${name}: dir=rtl`);
  check((await p.locator('html').getAttribute('lang')) === 'fa', `${name}: lang=fa`);
  const target = path.join(out, `${name}.png`);
  const png = await p.screenshot({ path: target, fullPage: true });
  check(pngWidth(png) <= width, `${name}: nothing overflows sideways (${pngWidth(png)} px)`);
  console.log(`saved ${target}`);
}

async function go(p, url, status = 200) {
  const res = await p.goto(`${base}${url}`);
  check(res && res.status() === status, `GET ${url} answered ${res && res.status()}`);
}

async function login(p, username) {
  await go(p, '/office/login');
  await p.fill('#username', username);
  await p.fill('#password', demo.password);
  return p;
}

async function fillEnrollment(p, photo) {
  await p.check('#birth_certificate_seen');
  await p.setInputFiles('#photo', file(photo));
  await p.setInputFiles('#signature', file('signature.png'));
  for (let f = 1; f <= 10; f++) {
    await p.selectOption(`#f${f}_status`, 'captured');
    await p.selectOption(`#f${f}_format`, 'iso19794_2');
    await p.setInputFiles(`#f${f}_file`, file(`finger-${String(f).padStart(2, '0')}.iso`));
  }
}

let page;
try {
  page = await newPage();

  console.log('login');
  await login(page, demo.operator);
  await shot(page, '20-office-login');
  await page.click('#login-submit');
  check(page.url() === `${base}/office`, `logged in: ${page.url()}`);

  console.log('desk');
  const list = await page.textContent('#day-list');
  check(list.includes(fa(demo.enroll)), 'the day lists the booked application in Persian digits');
  check(await page.locator(`#day-list a[href="/office/enroll/${demo.enroll}"]`).count() === 1, 'with «ثبت‌نام»');
  check(list.includes('******'), 'national codes are masked');
  await shot(page, '21-office-desk');

  console.log('check-in → enrollment form, a too small photo first');
  await page.fill('#tracking_code', fa(demo.enroll));
  await page.click('#checkin-submit');
  check(page.url().endsWith(`/office/enroll/${demo.enroll}`), `check-in opens the form: ${page.url()}`);
  await fillEnrollment(page, 'small-photo.jpg');
  await page.selectOption('#f10_status', 'bandaged');
  await page.setInputFiles('#f10_file', []);
  await shot(page, '22-office-enroll-form');
  await page.click('#enroll-submit');
  check(await page.locator('#err-photo').isVisible(), 'the photo is refused beside its field');
  check((await page.textContent('#err-photo')).trim().length > 0, `in Persian: ${(await page.textContent('#err-photo')).trim()}`);
  check(await page.isChecked('#birth_certificate_seen'), 'the checklist is kept');
  check((await page.inputValue('#f10_status')) === 'bandaged', 'finger choices are kept');
  await shot(page, '23-office-enroll-error');

  console.log('enrollment with every file');
  await fillEnrollment(page, 'photo.jpg');
  await page.click('#enroll-submit');
  check(await page.locator('#enrolled').isVisible(), 'enrolled');
  await shot(page, '24-office-enrolled');

  console.log('receipt');
  const href = await page.getAttribute('#receipt-link', 'href');
  check(href === `/office/receipts/${demo.enroll}.pdf`, `receipt link ${href}`);
  const pdf = await page.request.get(`${base}${href}`);
  check(pdf.status() === 200 && pdf.headers()['content-type'] === 'application/pdf', 'the receipt is a PDF');
  const bytes = await pdf.body();
  check(bytes.subarray(0, 4).toString() === '%PDF', 'starting with %PDF');
  try {
    const tmp = path.join(os.tmpdir(), `office-receipt-${demo.enroll}.pdf`);
    writeFileSync(tmp, bytes);
    execFileSync('pdftoppm', ['-png', '-r', '80', '-singlefile', tmp, path.join(out, '25-office-receipt')]);
    console.log(`saved ${path.join(out, '25-office-receipt.png')} (pdftoppm)`);
  } catch {
    console.log('  (pdftoppm not found: no picture of the receipt)');
  }

  console.log('record');
  await page.click('#record-link');
  check((await page.textContent('#state')).includes('ثبت‌نام'), 'the record shows the state');
  check(await page.locator('#history tbody tr').count() >= 4, 'with its history');
  await shot(page, '26-office-record');

  console.log('shipments: receive with a scan');
  await go(page, '/office/shipments');
  check(await page.locator(`#receive-${demo.shipment}`).isVisible(), 'the shipment on its way has a reception form');
  await page.click(`#receive-${demo.shipment} summary`);
  await page.fill(`#scanned-${demo.shipment}`, `${demo.in_transit_serial.toLowerCase()}\nSC-9999-ZZZZ\n`);
  await shot(page, '27-office-shipments');
  await page.click(`#receive-${demo.shipment} button[type=submit]`);
  check(await page.locator('#received').isVisible(), 'received');
  check((await page.textContent('#ready')).trim() === '۱', 'one card ready');
  check((await page.textContent('#unexpected')).includes('SC-9999-ZZZZ'), 'the stray serial is reported');
  await shot(page, '28-office-shipment-received');

  console.log('pickup: a stranger, then the holder');
  await go(page, `/office/pickup?tc=${demo.ready}`);
  check((await page.inputValue('#tracking_code')) === fa(demo.ready), 'the tracking code is filled in');
  await page.selectOption('#position', '2');
  await page.selectOption('#format', 'iso19794_2');
  await page.setInputFiles('#data', file('probe-stranger.iso'));
  await shot(page, '29-office-pickup');
  await page.click('#pickup-submit');
  check((await page.textContent('main')).includes('انگشت دیگری'), 'a mismatch invites another finger');
  await shot(page, '30-office-pickup-mismatch');
  await page.setInputFiles('#data', file('probe-match.iso'));
  await page.click('#pickup-submit');
  check(await page.locator('#delivered').isVisible(), 'delivered');
  const chipSerial = (await page.textContent('#chip-serial')).trim();
  check((await page.textContent('#fee')).includes('ریال'), `fee: ${(await page.textContent('#fee')).trim()}`);
  await shot(page, '31-office-pickup-delivered');
  await go(page, `/office/applications/${demo.ready}`);
  check(await page.locator('#attempts tbody tr').count() === 2, 'both attempts are in the record');
  await shot(page, '32-office-record-delivered');

  console.log('a lost card: reported by its holder, found again, reactivated with a finger');
  const reported = await page.request.post(`${base}/api/v1/applications/${demo.ready}/report-lost`, {
    data: { national_code: demo.ready_national_code },
  });
  check(reported.status() === 200 && (await reported.json()).card_state === 'suspended', 'suspended');
  const holder = await (await browser.newContext(contextOptions)).newPage();
  await holder.goto(`${base}/track?tc=${demo.ready}`);
  await holder.fill('#national_code', fa(demo.ready_national_code));
  await holder.click('#track-submit');
  check(holder.url().endsWith(`/applications/${demo.ready}`), 'the holder opens the application');
  check((await holder.textContent('#card-box')).includes('معلق'), 'the portal says the card is suspended');
  check((await holder.textContent('#revoked-from')).trim().length > 0, 'with the day it will be revoked');
  await shot(holder, '37-portal-card-suspended');
  await go(page, '/office');
  await page.click('a[href="/office/cards/reactivate"]');
  await page.fill('#national_code', fa(demo.ready_national_code));
  await page.fill('#card_serial', chipSerial);
  await page.selectOption('#position', '2');
  await page.selectOption('#format', 'iso19794_2');
  await page.setInputFiles('#data', file('probe-stranger.iso'));
  await shot(page, '38-office-reactivate');
  await page.click('#reactivate-submit');
  check((await page.textContent('main')).includes('انگشت دیگری'), 'a stranger\'s finger does not reactivate it');
  await page.setInputFiles('#data', file('probe-match.iso'));
  await page.click('#reactivate-submit');
  check(await page.locator('#reactivated').isVisible(), 'reactivated');
  await shot(page, '39-office-reactivated');
  await holder.reload();
  check((await holder.textContent('#card-box')).includes('فعال است'), 'the portal says the card is active again');
  check((await holder.textContent('#history')).includes('فعال‌سازی دوبارهٔ کارت'), 'the history shows the reactivation');

  console.log('an operator may not adjudicate');
  await go(page, '/office/adjudications', 403);
  check((await page.textContent('main')).includes('سرپرست'), 'a Persian 403 page');
  await shot(page, '33-office-forbidden');

  console.log('supervisor: adjudication');
  const sup = await newPage();
  await login(sup, demo.supervisor);
  await sup.click('#login-submit');
  await go(sup, '/office/adjudications');
  const card = sup.locator(`#case-${demo.duplicate}`);
  check(await card.isVisible(), 'the hit is in the queue');
  const imgs = card.locator('img');
  check(await imgs.count() === 2, 'both photos side by side');
  for (let i = 0; i < 2; i++) {
    const src = await imgs.nth(i).getAttribute('src');
    const r = await sup.request.get(`${base}${src}`);
    check(r.status() === 200 && r.headers()['content-type'] === 'image/jpeg', `photo ${src}`);
  }
  await sup.fill(`#note-${demo.duplicate}`, 'چهره‌ها و تاریخ تولد متفاوت‌اند');
  await shot(sup, '34-office-adjudications');
  await card.locator('button[value=distinct]').click();
  check(sup.url().includes(`decided=${demo.duplicate}`), 'decided');
  await shot(sup, '35-office-adjudicated');

  console.log('the desk on a phone');
  const phone = await browser.newContext({ ...contextOptions, viewport: { width: 390, height: 844 } });
  const pp = await phone.newPage();
  await login(pp, demo.operator);
  await pp.click('#login-submit');
  await shot(pp, '36-office-desk-phone', 390);

  console.log('log out');
  await page.click('header button.link');
  check(page.url().endsWith('/office/login'), 'logged out');
  await go(page, '/office/login');
  const res = await page.goto(`${base}/office`);
  check(res.url().endsWith('/office/login'), 'the desk asks for a login again');

  check(failures.length === 0, `no 5xx answers ${failures.join(', ')}`);
  console.log('all office pages passed');
} catch (e) {
  console.error(e.message ?? e);
  if (page) await page.screenshot({ path: path.join(out, 'office-failure.png'), fullPage: true }).catch(() => {});
  await browser.close();
  process.exit(1);
}
await browser.close();
