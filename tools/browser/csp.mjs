// The pages under their Content-Security-Policy in headless Chromium: every page loads its stylesheets, the
// Vazirmatn font and its images with no CSP violation, no failed request and no 5xx, and carries the security
// headers. Saves a screenshot of each page as csp-*.png.
//
//   node tools/browser/csp.mjs --base http://127.0.0.1:18301 --out /tmp/csp \
//     --office-user demo-supervisor --admin-user demo-admin --password shenas-demo-1405
//
// Pages: the portal's home, registration step one (with the captcha picture when the captcha is on), tracking, the
// office login, the desk, the adjudication queue, the administrators' login and the dashboard (its SVG charts).
// JavaScript is enabled in the browser only so that the checks can read `document.fonts`; the policy itself
// forbids every script, so the pages run none.

import { chromium } from 'playwright-core';
import fs from 'node:fs';
import path from 'node:path';

function opt(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}
const base = opt('base', 'http://127.0.0.1:18301');
const out = opt('out', '/tmp/csp');
const password = opt('password', 'shenas-demo-1405');
fs.mkdirSync(out, { recursive: true });

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
const page = await context.newPage();
const problems = [];
page.on('console', (m) => {
  // The service has no favicon; the browser's own request for one is not the pages' doing.
  if (m.location().url.endsWith('/favicon.ico')) return;
  if (m.type() === 'error' || /Content.Security.Policy/i.test(m.text())) problems.push(`console: ${m.text()} (${m.location().url})`);
});
page.on('requestfailed', (r) => r.url().endsWith('/favicon.ico') || problems.push(`failed: ${r.url()} ${r.failure()?.errorText}`));
page.on('response', (r) => {
  if (r.status() >= 500) problems.push(`${r.status()}: ${r.url()}`);
});

async function check(name, url) {
  const res = await page.goto(`${base}${url}`, { waitUntil: 'networkidle' });
  const h = res.headers();
  const csp = h['content-security-policy'] || '';
  for (const part of ["default-src 'none'", "frame-ancestors 'none'", "style-src 'self'", "font-src 'self'"]) {
    if (!csp.includes(part)) problems.push(`${name}: CSP lacks ${part}: ${csp}`);
  }
  if (h['x-frame-options'] !== 'DENY') problems.push(`${name}: X-Frame-Options ${h['x-frame-options']}`);
  if (h['x-content-type-options'] !== 'nosniff') problems.push(`${name}: no nosniff`);
  const seen = await page.evaluate(async () => {
    await document.fonts.ready;
    const sheets = [...document.styleSheets].map((s) => s.href);
    const rules = [...document.styleSheets].reduce((n, s) => n + s.cssRules.length, 0);
    const images = [...document.images].map((i) => [i.src, i.naturalWidth]);
    return {
      font: document.fonts.check('16px Vazirmatn'),
      loaded: [...document.fonts].filter((f) => f.status === 'loaded').length,
      family: getComputedStyle(document.body).fontFamily,
      sheets,
      rules,
      images,
      svgs: document.querySelectorAll('svg.chart').length,
      svgDirection: [...document.querySelectorAll('svg.chart')].map((s) => getComputedStyle(s).direction),
    };
  });
  if (!seen.font || seen.loaded === 0) problems.push(`${name}: Vazirmatn not loaded (${seen.family})`);
  if (seen.rules < 10) problems.push(`${name}: stylesheets not applied (${seen.rules} rules)`);
  for (const [src, w] of seen.images) if (!w) problems.push(`${name}: image not shown: ${src}`);
  if (seen.svgDirection.some((d) => d !== 'ltr')) problems.push(`${name}: chart not ltr: ${seen.svgDirection}`);
  await page.screenshot({ path: path.join(out, `csp-${name}.png`), fullPage: true });
  console.log(`${name}: ${res.status()} fonts=${seen.loaded} rules=${seen.rules} images=${seen.images.length} charts=${seen.svgs}`);
}

async function login(form, user) {
  await page.goto(`${base}${form}`);
  await page.fill('input[name=username]', user);
  await page.fill('input[name=password]', password);
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
}

await check('home', '/');
await check('register', '/register');
await check('track', '/track');
await check('office-login', '/office/login');
await check('admin-login', '/admin/login');
await login('/office/login', opt('office-user', 'demo-supervisor'));
await check('office-desk', '/office');
await check('office-adjudications', '/office/adjudications');
await login('/admin/login', opt('admin-user', 'demo-admin'));
await check('admin-stats', '/admin/stats');
await browser.close();

if (problems.length) {
  console.error(problems.join('\n'));
  process.exit(1);
}
console.log('ok: no CSP violation, fonts and styles loaded on every page');
