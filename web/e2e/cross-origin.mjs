// Pages of other origins calling the api with fetch, as the original React dashboard does
// (axios, from its own port), in headless Debian Chromium.
//
// Run by crates/e2e/tests/it/dropin.rs, which starts the stack with
// TIQETS_API_CORS_ORIGINS naming the first origin below. Environment: API (the api's base,
// e.g. http://127.0.0.1:8080/api), ALLOWED_PORT and REFUSED_PORT (where this script serves
// the pages), TOKEN (the api's write token), ORDERS and BARCODES (a pair to upload),
// CHROMIUM (default /usr/bin/chromium), RESULT (a file: the JSON of what each page got).
// Exits non-zero, naming the step, on the first thing that is not as expected.
import { chromium } from 'playwright-core';
import { createServer } from 'node:http';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};
const api = env('API');

// Each origin serves one empty page; the test's code runs in it through evaluate().
const serve = (port) =>
  new Promise((resolve) => {
    const server = createServer((_, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<!doctype html><title>another origin</title><h1>another origin</h1>');
    });
    server.listen(Number(port), '127.0.0.1', () => resolve(server));
  });
const servers = [await serve(env('ALLOWED_PORT')), await serve(env('REFUSED_PORT'))];

const profile = mkdtempSync(join(tmpdir(), 'tiqets-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
  ],
});

// What a page of `origin` gets from the api's endpoints: each answer's status and JSON,
// or the error fetch threw; and the console errors the page logged.
async function visit(origin) {
  const page = await context.newPage();
  const consoleErrors = [];
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => consoleErrors.push(`page error: ${e.message}`));
  await page.goto(`${origin}/`);
  const orders = readFileSync(env('ORDERS'), 'utf8');
  const barcodes = readFileSync(env('BARCODES'), 'utf8');
  const answers = await page.evaluate(async ({ api, token, orders, barcodes }) => {
    const call = async (path, init) => {
      try {
        const res = await fetch(`${api}${path}`, init);
        return { status: res.status, body: await res.json(), requestId: res.headers.get('x-request-id') };
      } catch (e) {
        return { error: `${e.name}: ${e.message}` };
      }
    };
    const out = {};
    // The original dashboard's calls, as its axios client makes them.
    for (const path of ['/', '/process', '/customers/top', '/barcodes/unused', '/orders/101']) {
      out[path] = await call(path);
    }
    // A header that needs a preflight, and an upload with the write token.
    out['/process?page=1 (Authorization)'] = await call('/process?page=1', {
      headers: { Authorization: `Bearer ${token}` },
    });
    const form = new FormData();
    form.append('orders', new Blob([orders], { type: 'text/csv' }), 'orders.csv');
    form.append('barcodes', new Blob([barcodes], { type: 'text/csv' }), 'barcodes.csv');
    out['POST /batches'] = await call('/batches', {
      method: 'POST', body: form, headers: { Authorization: `Bearer ${token}` },
    });
    return out;
  }, { api, token: env('TOKEN'), orders, barcodes });
  await page.close();
  return { answers, consoleErrors };
}

let step = 'start';
try {
  step = 'a page of the allowed origin';
  const allowedOrigin = `http://127.0.0.1:${env('ALLOWED_PORT')}`;
  const allowed = await visit(allowedOrigin);
  for (const [path, a] of Object.entries(allowed.answers)) {
    assert.ok(!a.error, `${path} from ${allowedOrigin}: ${a.error}`);
    assert.ok([200, 202].includes(a.status), `${path}: status ${a.status} ${JSON.stringify(a.body)}`);
    assert.ok(a.requestId, `${path}: the exposed x-request-id header is readable`);
  }
  assert.deepEqual(allowed.consoleErrors, [], 'no console error on the allowed origin');

  step = 'a page of another origin';
  const refusedOrigin = `http://127.0.0.1:${env('REFUSED_PORT')}`;
  const refused = await visit(refusedOrigin);
  for (const [path, a] of Object.entries(refused.answers)) {
    assert.ok(a.error, `${path} from ${refusedOrigin} was not blocked: ${JSON.stringify(a)}`);
  }
  assert.ok(
    refused.consoleErrors.some((e) => e.includes('CORS policy')),
    `the browser names CORS: ${refused.consoleErrors.join(' | ')}`,
  );

  writeFileSync(env('RESULT'), JSON.stringify({ allowed, refused }, null, 1));
  console.log('cross-origin: the allowed origin got every answer, the other none');
} catch (e) {
  console.error(`step "${step}" failed: ${e.stack || e}`);
  process.exitCode = 1;
} finally {
  await context.close();
  for (const s of servers) s.close();
}
