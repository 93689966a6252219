// The dashboard in headless Debian Chromium, against a running stack (api + pipeline).
//
// Run by crates/e2e/tests/it/dashboard.rs, which starts the stack, computes the expected
// figures with tiqets_domain (as `tiqets process` does) and passes them in EXPECTED (a JSON
// file). Environment: TIQETS_URL, ORDERS, BARCODES, BAD_ORDERS, EXPECTED, ARTIFACTS (the
// screenshots), DOWNLOADS (the downloaded CSV), HANDSHAKE (a folder: the script writes
// `stop-api` there and the test answers `api-stopped` once it stopped the api), CHROMIUM
// (default /usr/bin/chromium), TOKEN (the api's upload token, typed in when asked).
// EXPECTED's `changes` ({batch_id, summary: the nine counts, search_barcode,
// search_history_len, search_order_id, search_customer_id, and optionally orders and
// barcodes: the paths of a second pair the script uploads) checks the changes view, the
// header search, the barcode page and the order page.
// Exits non-zero, naming the step, on the first thing that is not as expected.
import { chromium } from 'playwright-core';
import { existsSync, mkdtempSync, readFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, basename } from 'node:path';
import assert from 'node:assert/strict';

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};
const base = env('TIQETS_URL');
const expected = JSON.parse(readFileSync(env('EXPECTED'), 'utf8'));
const artifacts = env('ARTIFACTS');
const downloads = env('DOWNLOADS');
const handshake = env('HANDSHAKE');
mkdirSync(artifacts, { recursive: true });
mkdirSync(downloads, { recursive: true });

const profile = mkdtempSync(join(tmpdir(), 'tiqets-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  acceptDownloads: true,
  viewport: { width: 1280, height: 860 },
  args: [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
  ],
});
const page = context.pages()[0] ?? (await context.newPage());
const problems = [];
page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
page.on('console', (m) => { if (m.type() === 'error') console.log(`  console: ${m.text()}`); });
// Nothing may come from anywhere but the stack.
page.on('request', (r) => {
  if (!r.url().startsWith(base) && !r.url().startsWith('data:')) problems.push(`external request: ${r.url()}`);
});

let step = 'start';
const shot = async (name) => {
  await page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });
};
const figure = async (id) => Number((await page.locator(`[data-figure=${id}] .value`).first().innerText()).replace(/,/g, ''));
const nav = (name) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true });
const begin = (name) => { step = name; console.log(`step: ${name}`); };

try {
  begin('overview before any batch');
  await page.goto(`${base}/`);
  await page.getByText('No batch has completed yet.').waitFor();
  await shot('01-overview-empty');

  begin('upload the sample pair by picking the files');
  await nav('Upload').click();
  await page.getByLabel('Orders file (orders.csv)').setInputFiles(env('ORDERS'));
  await page.getByLabel('Barcodes file (barcodes.csv)').setInputFiles(env('BARCODES'));
  await page.getByLabel('Name (optional)').fill('sample');
  await shot('02-upload-form');
  await page.getByRole('button', { name: 'Upload and process' }).click();
  // The api takes uploads with a token only: the page asks for it.
  await page.getByText('The API needs a valid token').waitFor();
  await shot('02b-upload-token');
  await page.getByLabel('API token').fill(env('TOKEN'));
  await page.getByRole('button', { name: 'Upload and process' }).click();
  await page.locator('#upload-done').waitFor({ timeout: 120_000 });
  assert.equal(await page.locator('.follow .badge').innerText(), 'completed');
  assert.equal(await page.locator('.follow .step.done').count(), 5);
  await shot('03-upload-completed');

  begin('overview figures equal tiqets process');
  await nav('Overview').click();
  await page.locator('[data-figure=orders_written]').waitFor();
  for (const id of ['orders_written', 'tickets', 'customers', 'unused_barcodes', 'issues']) {
    assert.equal(await figure(id), expected[id], `overview figure ${id}`);
  }
  for (const [code, n] of Object.entries(expected.issues_by_code)) {
    const cell = page.locator(`table.codes tr[data-code=${code}] td.num`);
    assert.equal(Number((await cell.innerText()).replace(/,/g, '')), n, `issues of code ${code}`);
  }
  await page.locator('svg.chart a.bar').first().waitFor();
  assert.equal(await page.locator('svg.chart a.bar').count(), Math.min(10, expected.customers));
  await page.getByLabel('How many top customers').selectOption('5');
  await page.waitForFunction(() => document.querySelectorAll('svg.chart a.bar').length === 5);
  const labels = await page.locator('svg.chart .bar-label').allTextContents();
  assert.deepEqual(labels, expected.top5.map(([id]) => `customer ${id}`), 'top 5 customers');
  const values = await page.locator('svg.chart .bar-value').allTextContents();
  assert.deepEqual(values.map((v) => Number(v.replace(/,/g, ''))), expected.top5.map(([, n]) => n));
  await shot('04-overview');

  begin('a bar of the chart opens its customer');
  const [topId, topTickets] = expected.top5[0];
  await page.locator('svg.chart a.bar').first().click();
  await page.waitForURL(`${base}/customers/${topId}`);
  await page.locator('[data-figure=customer_tickets]').waitFor();
  assert.equal(await figure('customer_tickets'), topTickets);
  assert.equal(await figure('customer_orders'), expected.top_customer_orders);
  assert.equal(await page.locator('table.orders tbody tr').count(), expected.top_customer_orders);
  await shot('05-customer');

  begin('customer lookup of an unknown customer');
  await page.getByLabel('Customer id').fill('999999');
  await page.getByRole('button', { name: 'Look up' }).click();
  await page.locator('#no-customer').waitFor();
  assert.match(await page.locator('#no-customer').innerText(), /No such customer: 999999/);
  await shot('06-customer-unknown');

  begin('the batch in the batch list');
  await nav('Batches').click();
  const card = page.locator(`li.batch[data-batch="${expected.batch_id}"]`);
  await card.waitFor();
  assert.equal(await card.locator('.badge').innerText(), 'completed');
  await page.locator('.live.on').waitFor();
  await shot('07-batches');

  begin('the validation report, filtered and paged');
  await card.getByRole('link', { name: 'sample' }).click();
  await page.waitForURL(`${base}/batches/${expected.batch_id}`);
  const report = page.locator('section[aria-labelledby=issues-title]');
  await report.locator('table.issues tbody tr').first().waitFor();
  assert.equal(await report.locator('table.issues tbody tr').count(), Math.min(25, expected.issues));
  assert.match(await report.locator('.pager .shown').innerText(), new RegExp(`of ${expected.issues} issues`));
  await report.getByRole('button', { name: 'Next →' }).click();
  await page.waitForFunction(() => /Page 2 of/.test(document.querySelector('section[aria-labelledby=issues-title] .pager .where')?.textContent ?? ''));
  const [code, codeCount] = expected.filter_code;
  await page.locator('#issue-code').selectOption(code);
  await page.waitForFunction((n) => new RegExp(`of ${n} issues`).test(document.querySelector('section[aria-labelledby=issues-title] .pager .shown')?.textContent ?? ''), codeCount);
  const codes = await report.locator('table.issues tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.code));
  assert.equal(codes.length, Math.min(25, codeCount));
  assert.ok(codes.every((c) => c === code), `only ${code} rows`);
  await shot('08-batch-report-by-code');
  await page.locator('#issue-code').selectOption('');
  await page.locator('#issue-file').selectOption('barcodes');
  await page.waitForFunction((n) => new RegExp(`of ${n} issues`).test(document.querySelector('section[aria-labelledby=issues-title] .pager .shown')?.textContent ?? ''), expected.barcodes_issues);
  const files = await report.locator('table.issues tbody td:first-child').allInnerTexts();
  assert.ok(files.length > 0 && files.every((f) => f === 'barcodes.csv'), 'only barcodes.csv rows');
  await shot('09-batch-report-by-file');

  begin('the orders of the batch, filtered by customer');
  const orders = page.locator('section[aria-labelledby=orders-title]');
  await orders.getByLabel('Customer id').fill(String(topId));
  await orders.getByRole('button', { name: 'Filter' }).click();
  await page.waitForFunction((n) => new RegExp(`of ${n} orders`).test(document.querySelector('section[aria-labelledby=orders-title] .pager .shown')?.textContent ?? ''), expected.top_customer_orders);
  await shot('10-batch-orders');

  begin('download processed_orders.csv');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'processed_orders.csv' }).click(),
  ]);
  assert.equal(download.suggestedFilename(), 'processed_orders.csv');
  await download.saveAs(join(downloads, 'processed_orders.csv'));

  begin('unused barcodes, paged');
  await nav('Unused barcodes').click();
  await page.locator('#unused-count').waitFor();
  assert.match(await page.locator('#unused-count').innerText(), new RegExp(`^${expected.unused_barcodes.toLocaleString('en-US')} barcodes`));
  const firstBarcode = () => page.locator('table.barcodes tbody tr:first-child code').innerText();
  assert.equal(await firstBarcode(), expected.unused_first[0]);
  await page.getByRole('button', { name: 'Next →' }).click();
  await page.waitForFunction((b) => document.querySelector('table.barcodes tbody tr:first-child code')?.textContent === b, expected.unused_first[1]);
  assert.match(await page.locator('.pager .where').innerText(), /Page 2 of/);
  await shot('11-unused-barcodes');

  begin('a failed batch says why (files dropped on the page)');
  await nav('Upload').click();
  const dropped = [
    { name: 'orders.csv', base64: readFileSync(env('BAD_ORDERS')).toString('base64') },
    { name: 'barcodes.csv', base64: readFileSync(env('BARCODES')).toString('base64') },
  ];
  await page.locator('.dropzone').evaluate((zone, files) => {
    const dt = new DataTransfer();
    for (const f of files) {
      const bytes = Uint8Array.from(atob(f.base64), (c) => c.charCodeAt(0));
      dt.items.add(new File([bytes], f.name, { type: 'text/csv' }));
    }
    zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
    zone.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, dropped);
  await page.locator('.picker.picked').nth(1).waitFor();
  await page.getByLabel('Name (optional)').fill('missing column');
  await page.getByRole('button', { name: 'Upload and process' }).click();
  await page.locator('#upload-failed').waitFor({ timeout: 120_000 });
  assert.match(await page.locator('#upload-failed').innerText(), /missing required column `customer_id`/);
  await shot('12-upload-failed');
  await nav('Batches').click();
  await page.locator('li.batch.failed .reason').waitFor();
  assert.match(await page.locator('li.batch.failed .reason').innerText(), /missing required column/);
  await shot('13-batches-with-failure');

  begin('a failed batch is retried from its page');
  await page.locator('li.batch.failed a').first().click();
  await page.locator('#retry-batch').click();
  await page.locator('[data-testid=retry-result]').waitFor({ timeout: 30_000 });
  assert.match(await page.locator('[data-testid=retry-result]').innerText(), /attempt 2/);
  // Its file is still missing the column: attempt 2 fails the same way, and the page,
  // following it live, says so.
  await page.locator('.notice.error .attempt', { hasText: 'attempt 2' }).waitFor({ timeout: 120_000 });
  assert.match(await page.locator('.notice.error .reason').innerText(), /missing required column/);
  await shot('13a-retried-and-failed-again');

  {
    assert.ok(expected.changes, 'EXPECTED has the changes to check');
    const changes = expected.changes;
    const s = changes.summary;
    assert.equal(Object.keys(s).length, 9, 'EXPECTED.changes.summary has the nine counts');
    const count = (text) => Number(text.replace(/,/g, ''));

    if (changes.orders && changes.barcodes) {
      begin('upload a second pair, to compare with the first');
      await nav('Upload').click();
      await page.getByLabel('Orders file (orders.csv)').setInputFiles(changes.orders);
      await page.getByLabel('Barcodes file (barcodes.csv)').setInputFiles(changes.barcodes);
      await page.getByLabel('Name (optional)').fill('second');
      await page.getByRole('button', { name: 'Upload and process' }).click();
      const asked = page.getByText('The API needs a valid token');
      await page.locator('#upload-done').or(asked).waitFor({ timeout: 120_000 });
      if (await asked.isVisible()) {
        await page.getByLabel('API token').fill(env('TOKEN'));
        await page.getByRole('button', { name: 'Upload and process' }).click();
      }
      await page.locator('#upload-done').waitFor({ timeout: 120_000 });
    }

    begin('the first batch has nothing to compare with');
    await page.goto(`${base}/batches/${expected.batch_id}/changes`);
    await page.locator('[data-testid=no-previous-batch]').waitFor();
    assert.match(await page.locator('[data-testid=no-previous-batch]').innerText(), /This is the first completed batch/);
    await shot('13a-changes-first-batch');

    begin('the changes since the batch before: the nine counts and the chart');
    await page.goto(`${base}/batches/${changes.batch_id}`);
    // The batch page follows the batch live: the tab shows once it has completed.
    await page.locator('#tab-changes a').click({ timeout: 120_000 });
    await page.waitForURL(`${base}/batches/${changes.batch_id}/changes`);
    const summary = page.locator('[data-testid=changes-summary]');
    await summary.waitFor();
    assert.equal(await summary.locator('[data-figure]').count(), 9);
    for (const [kind, n] of Object.entries(s)) {
      assert.equal(count(await summary.locator(`[data-figure=${kind}] .value`).innerText()), n, `change count ${kind}`);
    }
    assert.ok(await page.locator('[data-testid=changes-since] a').count() > 0, 'the batch compared with is linked');
    const bars = page.locator('[data-testid=customer-delta-chart] a.bar');
    if (s.customers_changed > 0) {
      await bars.first().waitFor();
      assert.equal(await bars.count(), Math.min(10, s.customers_changed));
      const drawn = await bars.evaluateAll((as) => as.map((a) => ({ delta: Number(a.dataset.delta), up: a.classList.contains('up') })));
      assert.ok(drawn.every(({ delta, up }) => up === delta > 0), 'gains and losses are drawn apart');
      const sizes = drawn.map(({ delta }) => Math.abs(delta));
      assert.deepEqual(sizes, [...sizes].sort((a, b) => b - a), 'the largest change first');
    } else {
      await page.getByText("No customer's ticket count changed.").waitFor();
    }
    await shot('13b-changes');

    begin('the changed barcodes, filtered by kind');
    const changedBarcodes = page.locator('[data-testid=barcode-changes]');
    await page.locator('#barcode-change-kind').selectOption('barcodes_moved');
    if (s.barcodes_moved > 0) {
      const table = changedBarcodes.locator('table[data-kind=barcodes_moved]');
      await table.waitFor();
      assert.equal(Number(await table.getAttribute('data-total')), s.barcodes_moved);
      const kinds = await table.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.kind));
      assert.equal(kinds.length, Math.min(25, s.barcodes_moved));
      assert.ok(kinds.every((k) => k === 'barcodes_moved'), 'only moved barcodes');
      const shown = await changedBarcodes.locator('.pager .shown').innerText();
      assert.match(shown, new RegExp(`of ${s.barcodes_moved.toLocaleString('en-US')} changed barcodes`));
    } else {
      await changedBarcodes.getByText('No barcode was moved.').waitFor();
    }
    assert.match(await page.locator('[data-testid=barcode-changes-csv]').getAttribute('href'), /[?&]kind=barcodes_moved(&|$)/);
    await shot('13c-changes-barcodes-moved');

    begin('download the changed orders as CSV');
    const [ordersCsv] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('[data-testid=order-changes-csv]').click(),
    ]);
    const ordersCsvPath = join(downloads, 'changes_orders.csv');
    await ordersCsv.saveAs(ordersCsvPath);
    const lines = readFileSync(ordersCsvPath, 'utf8').split(/\r?\n/).filter((l) => l.length > 0);
    assert.equal(lines.length, 1 + s.orders_added + s.orders_removed + s.orders_changed, 'a header and a line per changed order');

    const search = async (q) => {
      const form = page.locator('#site-search');
      await form.getByLabel('Search barcode, order or customer').fill(String(q));
      await form.getByRole('button', { name: 'Search' }).click();
    };

    begin('the header search finds a barcode and its history');
    await search(changes.search_barcode);
    await page.waitForURL((url) => decodeURIComponent(url.pathname) === `/barcodes/${changes.search_barcode}`);
    const history = page.locator('[data-testid=barcode-history]');
    await history.waitFor();
    assert.equal(await history.locator('tbody tr').count(), changes.search_history_len, 'batches in the barcode history');
    await shot('13d-barcode');

    begin('the header search finds an order of the current batch');
    await search(changes.search_order_id);
    await page.waitForURL(new RegExp(`/batches/[^/]+/orders/${changes.search_order_id}$`));
    const customer = page.locator('[data-testid=order-customer]');
    await customer.waitFor();
    assert.equal(await customer.innerText(), String(changes.search_customer_id), 'the order\'s customer');
    await shot('13e-order');

    // The first batch is no longer the current one (the second pair is): it goes without
    // `force`. From here on, only the second batch is opened.
    begin('delete a batch from its page');
    await page.goto(`${base}/batches/${expected.batch_id}`);
    await page.locator('#delete-batch').click();
    assert.match(await page.locator('.danger-zone .question').innerText(), new RegExp(`Delete batch sample \\(${expected.batch_id}\\)\\?`));
    await page.locator('#delete-confirm').click();
    const deleted = page.locator('[data-testid=delete-result]');
    // The page was loaded afresh: the token typed in for the uploads is asked for again.
    const askedToken = page.getByText('The API needs a valid token');
    await deleted.or(askedToken).waitFor({ timeout: 60_000 });
    if (await askedToken.isVisible()) {
      await shot('13f-delete-token');
      await page.getByLabel('API token').fill(env('TOKEN'));
      await page.locator('#delete-confirm').click();
    }
    await deleted.waitFor({ timeout: 60_000 });
    assert.match(await deleted.innerText(), /Deleted/);
    assert.equal(await page.locator('[data-testid=delete-error]').count(), 0);
    await shot('13f-deleted');
    await page.goto(`${base}/batches/${expected.batch_id}`);
    await page.getByText('No such batch.').waitFor();
    assert.equal(await page.locator('#delete-batch').count(), 0);
  }

  begin('phone width');
  await page.setViewportSize({ width: 390, height: 844 });
  await nav('Overview').click();
  await page.locator('svg.chart a.bar').first().waitFor();
  await shot('14-phone-overview');
  // The first batch was deleted: the second one is shown.
  await page.goto(`${base}/batches/${expected.changes.batch_id}`);
  await page.locator('section[aria-labelledby=issues-title]').locator('table.issues, .empty').first().waitFor();
  await page.locator('#delete-batch').waitFor();
  await shot('15-phone-batch');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow}px wider than a phone`);
  {
    // Its batch before was deleted (with the change records): nothing to compare with now.
    await page.goto(`${base}/batches/${expected.changes.batch_id}/changes`);
    await page.locator('[data-testid=no-previous-batch]').waitFor();
    await shot('15b-phone-changes');
    const wider = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(wider <= 0, `the changes page is ${wider}px wider than a phone`);
  }

  begin('keyboard: the navigation is reachable with Tab');
  await page.setViewportSize({ width: 1280, height: 860 });
  await page.goto(`${base}/`);
  await page.locator('[data-figure=orders_written]').waitFor();
  let reached = false;
  for (let i = 0; i < 12 && !reached; i++) {
    await page.keyboard.press('Tab');
    reached = await page.evaluate(() => document.activeElement?.textContent === 'Unused barcodes');
  }
  assert.ok(reached, 'Tab reaches the navigation');
  await page.keyboard.press('Enter');
  await page.waitForURL(`${base}/barcodes`);

  assert.deepEqual(problems, [], 'no page errors and no external requests');

  begin('the API going down is said plainly');
  await nav('Batches').click();
  await page.locator('.live.on').waitFor();
  writeFileSync(join(handshake, 'stop-api'), '');
  const until = Date.now() + 60_000;
  while (!existsSync(join(handshake, 'api-stopped'))) {
    assert.ok(Date.now() < until, 'the test stops the api');
    await page.waitForTimeout(100);
  }
  await page.locator('.live.off').waitFor();
  await shot('16-api-down-batches');
  await nav('Unused barcodes').click();
  await page.getByText('The API is not reachable').waitFor();
  assert.match(await page.locator('.notice.error').innerText(), /Is the stack running\?/);
  await shot('17-api-down');
  console.log('dashboard: every step passed');
} catch (e) {
  await shot(`failed-${step.replace(/[^a-z0-9]+/gi, '-')}`).catch(() => {});
  console.error(`dashboard: step "${step}" failed: ${e.stack || e}`);
  if (problems.length) console.error(problems.join('\n'));
  process.exitCode = 1;
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
