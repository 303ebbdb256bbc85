// Searchlight's pages in a real browser: Debian's chromium driven by playwright-core.
//
// Needs a running `searchlight serve --demo` server (scripts/test-browser starts one):
//   SEARCHLIGHT_URL             its address, e.g. http://127.0.0.1:8088
//   SEARCHLIGHT_ADMIN_PASSWORD  tsadmin's password (default: the demo's, `searchlight`)
//   SCREENSHOT_DIR              where screenshots go (default: target/browser)
//   CHROMIUM                    the browser (default: /usr/bin/chromium)

import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';

const BASE = process.env.SEARCHLIGHT_URL;
const ADMIN_PASSWORD = process.env.SEARCHLIGHT_ADMIN_PASSWORD || 'searchlight';
const SHOTS = process.env.SCREENSHOT_DIR || path.resolve('../../target/browser');
const API = '/callosum/v1/tspublic/v1';
const TIMEOUT = 30_000;

assert.ok(BASE, 'set SEARCHLIGHT_URL to a running demo server');
mkdirSync(SHOTS, { recursive: true });

let browser;

before(async () => {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox'],
  });
});

after(async () => {
  await browser?.close();
});

async function newPage() {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  context.setDefaultTimeout(TIMEOUT);
  const page = await context.newPage();
  page.on('pageerror', (err) => console.error(`page error: ${err.message}`));
  return page;
}

/** Logs in through the login page form. */
async function logInThroughForm(page, username, password) {
  await page.fill('#username', username);
  await page.fill('#password', password);
  await page.click('#submit');
}

test('the portal sends anonymous visitors to /login and back; a wrong password is shown', async () => {
  const page = await newPage();
  await page.goto(`${BASE}/external/swagger`);
  await page.waitForURL(/\/login\?next=%2Fexternal%2Fswagger$/);

  await logInThroughForm(page, 'tsadmin', 'not the password');
  const error = page.locator('#error');
  await error.waitFor({ state: 'visible' });
  assert.match(await error.textContent(), /wrong username or password/);

  await logInThroughForm(page, 'tsadmin', ADMIN_PASSWORD);
  await page.waitForURL(`${BASE}/external/swagger`);
  assert.equal(await page.locator('#user').textContent(), 'tsadmin');
  await page.locator('.opblock').first().waitFor();
  const operations = await page.locator('.opblock').count();
  assert.ok(operations >= 17, `the explorer lists ${operations} operations`);
  await page.context().close();
});

test('after login, `next` only leads to pages of this server', async () => {
  // Each of these once sent the browser to another site: browsers drop tabs and newlines
  // from URLs and read a backslash as a slash.
  const hostile = ['/\t/evil.example', '/\n/evil.example', '/\\evil.example', '//evil.example',
    'https://evil.example/', '/\t\\evil.example'];
  for (const next of hostile) {
    const page = await newPage();
    await page.goto(`${BASE}/login?next=${encodeURIComponent(next)}`);
    await logInThroughForm(page, 'tsadmin', ADMIN_PASSWORD);
    await page.waitForURL((url) => url.pathname !== '/login');
    const landed = new URL(page.url());
    assert.equal(landed.origin, new URL(BASE).origin, `next=${JSON.stringify(next)} left the server`);
    assert.equal(landed.pathname, '/external/swagger', `next=${JSON.stringify(next)}`);
    await page.context().close();
  }
});

test('every page carries the security headers', async () => {
  const page = await newPage();
  for (const path of ['/login', '/external/swagger', '/examples/embed/']) {
    const response = await page.request.get(`${BASE}${path}`, { maxRedirects: 0 });
    const headers = response.headers();
    assert.match(headers['content-security-policy'] || '', /frame-ancestors/, path);
    assert.equal(headers['x-frame-options'], 'DENY', path);
    assert.equal(headers['x-content-type-options'], 'nosniff', path);
    assert.ok(headers['referrer-policy'], path);
  }
  await page.context().close();
});

test('the portal runs searchdata with "Try it out" and shows rows', async () => {
  const page = await newPage();
  await page.goto(`${BASE}/login?next=${encodeURIComponent('/external/swagger#/data/search_data')}`);
  await logInThroughForm(page, 'tsadmin', ADMIN_PASSWORD);
  await page.waitForURL(/\/external\/swagger/);

  // The worksheet's id, through the same session.
  const headers = await (await page.request.get(
    `${BASE}${API}/metadata/listobjectheaders?type=LOGICAL_TABLE&subtypes=%5BWORKSHEET%5D`,
  )).json();
  const worksheet = headers.find((h) => h.name === 'Retail Sales');
  assert.ok(worksheet, 'the demo worksheet Retail Sales exists');

  const operation = page.locator('#operations-data-search_data');
  await operation.waitFor();
  if (!(await operation.locator('.opblock-body').count())) {
    await operation.locator('.opblock-summary').click();
  }
  await operation.locator('button.try-out__btn').click();
  await operation.locator('tr[data-param-name="query_string"] input').fill('[Revenue] [Category]');
  await operation.locator('tr[data-param-name="data_source_guid"] input').fill(worksheet.id);
  await operation.locator('button.execute').click();

  const status = operation.locator('.live-responses-table .response .response-col_status').first();
  await status.waitFor();
  assert.equal((await status.textContent()).trim(), '200');
  const body = JSON.parse(await operation.locator('.live-responses-table .response-col_description pre.microlight').first().textContent());
  assert.ok(body.rowCount > 0, `searchdata answered ${body.rowCount} rows`);
  assert.deepEqual(body.columnNames, ['Category', 'Total Revenue']);
  assert.equal(body.data.length, body.rowCount);

  // The screenshot shows the request's parameters above and the answer's rows below.
  await operation.locator('tr[data-param-name="offset"]').evaluate((row) => row.scrollIntoView());
  await page.screenshot({ path: path.join(SHOTS, 'portal.png') });
  await page.context().close();
});

test('a non-administrator gets a clear 403 page', async () => {
  const page = await newPage();
  await page.goto(`${BASE}/login?next=%2Fexternal%2Fswagger`);
  const answer = page.waitForResponse((r) => r.url() === `${BASE}/external/swagger`);
  await logInThroughForm(page, 'analyst', 'analyst');
  assert.equal((await answer).status(), 403);
  await page.getByText('The API explorer is for administrators').waitFor();
  assert.match(await page.textContent('main'), /signed in as analyst/);
  await page.context().close();
});

test('the portal\'s logout link ends the session', async () => {
  const page = await newPage();
  await page.goto(`${BASE}/login`);
  await logInThroughForm(page, 'tsadmin', ADMIN_PASSWORD);
  await page.waitForURL(`${BASE}/external/swagger`);
  await page.click('#logout');
  await page.waitForURL(/\/login\?logged_out=1/);
  await page.getByText('You are logged out.').waitFor();
  const status = await page.request.get(`${BASE}${API}/user/list`);
  assert.equal(status.status(), 401);
  await page.goto(`${BASE}/external/swagger`);
  await page.waitForURL(/\/login\?next=/);
  await page.context().close();
});

test('the embedding example renders every visualization of Sales Overview', async () => {
  const page = await newPage();
  await page.goto(`${BASE}/examples/embed/?pinboard=${encodeURIComponent('Sales Overview')}`);
  await page.locator('#login').waitFor({ state: 'visible' });
  await page.fill('#username', 'tsadmin');
  await page.fill('#password', ADMIN_PASSWORD);
  await page.click('#login button[type=submit]');
  await page.locator('#vizzes[data-state="done"]').waitFor();
  assert.equal(await page.textContent('#board-title'), 'Sales Overview');

  const pinboards = await (await page.request.get(
    `${BASE}${API}/metadata/listobjectheaders?type=PINBOARD_ANSWER_BOOK&pattern=Sales%20Overview`,
  )).json();
  const vizzes = await (await page.request.get(
    `${BASE}${API}/metadata/listvizheaders?id=${pinboards[0].id}`,
  )).json();
  assert.ok(vizzes.length >= 3, `Sales Overview has ${vizzes.length} visualizations`);

  const cards = page.locator('.viz');
  assert.equal(await cards.count(), vizzes.length);
  for (const [i, viz] of vizzes.entries()) {
    const card = cards.nth(i);
    assert.equal(await card.getAttribute('data-viz-id'), viz.id);
    assert.equal(await card.getAttribute('data-rendered'), 'true', `${viz.name} rendered`);
    if (viz.vizType === 'HEADLINE') {
      const text = (await card.locator('.headline').textContent()).trim();
      assert.match(text, /\d/, `${viz.name} shows a number`);
    } else if (viz.vizType === 'TABLE') {
      assert.ok(await card.locator('tbody tr').count() > 0, `${viz.name} has rows`);
    } else {
      const canvas = card.locator('canvas');
      const box = await canvas.boundingBox();
      assert.ok(box && box.width > 100 && box.height > 100, `${viz.name} draws a chart`);
      assert.ok(Number(await canvas.getAttribute('data-points')) > 0, `${viz.name} has points`);
    }
  }
  await page.screenshot({ path: path.join(SHOTS, 'embed.png'), fullPage: true });
  await page.context().close();
});
