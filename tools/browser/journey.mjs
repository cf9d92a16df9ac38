// The citizen's journey through the web portal in headless Chromium with JavaScript DISABLED, proving that no
// page needs it: home → register (step one) → details (step two, lunar date proposed) → application page → the
// sandbox bank → back → appointment (area code and day) → offices → book → application page → print page →
// tracking form. A full-page screenshot of every page goes to docs/screenshots/. See README.md.
//
// Options (a flag, or the environment variable in brackets):
//   --base URL            [SHENAS_URL]      default http://127.0.0.1:8099
//   --national-code N     [NATIONAL_CODE]   the person's national code (ten digits)
//   --series-letter L     [SERIES_LETTER]   birth certificate series letter, e.g. ج or الف
//   --series-number N     [SERIES_NUMBER]
//   --serial N            [SERIAL]          six digits
//   --birth YYYY-MM-DD    [BIRTH]           Solar Hijri birth date
//   --gender male|female  [GENDER]
//   --religion R          [RELIGION]        default islam
//   --mother NAME         [MOTHER]          mother's name as registered
//   --mobile 09…          [MOBILE]          a mobile registered to the person
//   --area-code C         [AREA_CODE]       default ۰۲۶
//   --out DIR             [SCREENSHOTS]     default docs/screenshots (of the repository)
//   --only-register       [ONLY_REGISTER=1] screenshot step one only (with the captcha on) as 02-register-captcha.png

import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

function opt(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  if (i > 0 && i + 1 < process.argv.length) return process.argv[i + 1];
  const env = process.env[name.toUpperCase().replaceAll('-', '_')];
  return env ?? fallback;
}
const flag = (name) =>
  process.argv.includes(`--${name}`) || process.env[name.toUpperCase().replaceAll('-', '_')] === '1';

const base = (opt('base') ?? process.env.SHENAS_URL ?? 'http://127.0.0.1:8099').replace(/\/$/, '');
const out = path.resolve(opt('out') ?? process.env.SCREENSHOTS ?? path.join(here, '../../docs/screenshots'));
const onlyRegister = flag('only-register');
const person = {
  nationalCode: opt('national-code'),
  seriesLetter: opt('series-letter'),
  seriesNumber: opt('series-number'),
  serial: opt('serial'),
  birth: opt('birth'),
  gender: opt('gender'),
  religion: opt('religion', 'islam'),
  mother: opt('mother'),
  mobile: opt('mobile'),
  areaCode: opt('area-code', '۰۲۶'),
};
if (!onlyRegister) {
  const missing = Object.entries(person).filter(([, v]) => !v).map(([k]) => k);
  if (missing.length) {
    console.error(`missing person details: ${missing.join(', ')} (see the options at the top of journey.mjs)`);
    process.exit(2);
  }
}

const fa = (s) => String(s).replace(/[0-9]/g, (d) => '۰۱۲۳۴۵۶۷۸۹'[d]);

function check(cond, what) {
  if (!cond) throw new Error(`check failed: ${what}`);
  console.log(`  ok: ${what}`);
}

mkdirSync(out, { recursive: true });
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const contextOptions = { javaScriptEnabled: false, locale: 'fa-IR', viewport: { width: 1100, height: 900 } };
const context = await browser.newContext(contextOptions);
const page = await context.newPage();
const failures = [];
page.on('response', (r) => {
  if (r.status() >= 500) failures.push(`${r.status()} ${r.url()}`);
});

// Checks what every page must be, then saves it.
async function shot(name, p = page) {
  const html = await p.content();
  check(!/<script/i.test(html), `${name}: no script on the page`);
  check((await p.locator('html').getAttribute('dir')) === 'rtl', `${name}: dir=rtl`);
  check((await p.locator('html').getAttribute('lang')) === 'fa', `${name}: lang=fa`);
  const file = path.join(out, `${name}.png`);
  await p.screenshot({ path: file, fullPage: true });
  console.log(`saved ${file}`);
}

async function go(url) {
  const res = await page.goto(url);
  check(res && res.status() < 400, `GET ${url} answered ${res && res.status()}`);
}

try {
  if (onlyRegister) {
    await go(`${base}/register`);
    const img = page.locator('#captcha-image');
    check(await img.isVisible(), 'the captcha image is shown');
    const src = await img.getAttribute('src');
    const png = await page.request.get(`${base}${src}`);
    check(png.status() === 200 && png.headers()['content-type'] === 'image/png', `captcha image ${src} loads`);
    await page.fill('#national_code', fa(person.nationalCode ?? '0499370899'));
    await shot('02-register-captcha');
  } else {
    console.log('home');
    await go(`${base}/`);
    await shot('01-home');
    await page.click('#register-link');

    console.log('register: errors first, then the person');
    check(page.url().endsWith('/register'), 'the button leads to /register');
    await page.fill('#national_code', '۱۲۳۴۵۶۷۸۹۰');
    await page.selectOption('#series_letter', person.seriesLetter);
    await page.fill('#series_number', '۱۲');
    await page.fill('#serial', '۱۲۳');
    await page.click('#register-submit');
    check(await page.locator('#err-national_code').isVisible(), 'a bad national code is answered beside its field');
    check(await page.locator('#err-serial').isVisible(), 'and a short serial beside its own');
    await shot('11-errors');
    await go(`${base}/register`);
    await page.fill('#national_code', fa(person.nationalCode));
    await page.selectOption('#series_letter', person.seriesLetter);
    await page.fill('#series_number', fa(person.seriesNumber));
    await page.fill('#serial', fa(person.serial));
    await shot('02-register');
    await page.click('#register-submit');

    console.log('details');
    check(await page.locator('#details-form').isVisible(), 'step two is shown');
    const [y, m, d] = person.birth.split('-').map((n) => String(parseInt(n, 10)));
    await page.selectOption('#birth_year', y);
    await page.selectOption('#birth_month', m);
    await page.selectOption('#birth_day', d);
    await page.check(`#gender-${person.gender}`);
    await page.selectOption('#religion', person.religion);
    await page.fill('#mother_name', person.mother);
    await page.fill('#mobile', fa(person.mobile));
    await page.selectOption('#reason', 'first_issue');
    await page.click('#propose-lunar');
    check(await page.locator('#note-lunar').isVisible(), 'the lunar date is proposed with a note');
    check((await page.inputValue('#lunar_year')) !== '', `lunar year proposed: ${await page.inputValue('#lunar_year')}`);
    check((await page.inputValue('#mother_name')) === person.mother, 'the other answers are kept');
    await shot('03-details');
    await page.click('#details-submit');

    console.log('application page');
    check(/\/applications\/\d{12}$/.test(page.url()), `filed: ${page.url()}`);
    const tc = (await page.textContent('#tracking-code-ascii')).trim();
    check(/^\d{12}$/.test(tc), `tracking code ${tc}`);
    check((await page.textContent('#tracking-code')).includes(fa(tc.slice(0, 4))), 'tracking code in Persian digits');
    await shot('04-application');
    await page.click('#pay-button');

    console.log('sandbox bank');
    check(page.url().includes('/sandbox-bank/pay?token='), 'sent to the bank');
    await shot('bank');
    await page.click('button[value=success]');
    await page.click('#back button');
    check(page.url().includes(`/applications/${tc}?payment=settled`), `back from the bank: ${page.url()}`);
    check((await page.textContent('#flash')).includes('پرداخت با موفقیت انجام شد'), 'payment success message');
    await shot('05-paid');
    await page.click('#appointment-link');

    console.log('appointment');
    await page.fill('#area_code', person.areaCode);
    const day = await page.locator('#date option').nth(1).getAttribute('value');
    await page.selectOption('#date', day);
    await shot('06-appointment');
    await page.click('#search-submit');
    check(await page.locator('#offices').isVisible(), `offices listed for ${day}`);
    await page.locator('#offices input[type=radio]:not([disabled])').first().check();
    await shot('07-offices');
    await page.click('#book-submit');

    console.log('booked');
    check(page.url().endsWith(`/applications/${tc}?notice=booked`), 'booked');
    const office = (await page.textContent('#office-name')).trim();
    check(office.length > 0, `office shown: ${office}`);
    await shot('08-booked');
    await page.click('#print-link');

    console.log('print');
    check((await page.textContent('#print-office')).includes(office.split(' (')[0]), 'print page names the office');
    await shot('09-print');
    await page.emulateMedia({ media: 'print' });
    await shot('09-print-media');
    await page.emulateMedia({ media: 'screen' });

    console.log('track, from a browser without the cookie');
    const other = await browser.newContext(contextOptions);
    const p2 = await other.newPage();
    await p2.goto(`${base}/applications/${tc}`);
    check(p2.url().endsWith(`/track?tc=${tc}`), `no cookie → ${p2.url()}`);
    await p2.fill('#national_code', fa(person.nationalCode));
    await shot('10-track', p2);
    await p2.click('#track-submit');
    check(p2.url().endsWith(`/applications/${tc}`), 'tracking opens the application');
    check((await p2.textContent('#state')).length > 0, 'the state is shown');

    console.log('a narrow screen');
    const phone = await browser.newContext({ ...contextOptions, viewport: { width: 390, height: 844 } });
    const p3 = await phone.newPage();
    await p3.goto(`${base}/track?tc=${tc}`);
    await p3.fill('#national_code', fa(person.nationalCode));
    await p3.click('#track-submit');
    await shot('12-phone', p3);
  }
  check(failures.length === 0, `no server errors ${failures.join(', ')}`);
  console.log('journey passed');
} catch (e) {
  console.error(e);
  await page.screenshot({ path: path.join(out, 'failure.png'), fullPage: true }).catch(() => {});
  process.exitCode = 1;
} finally {
  await browser.close();
}
