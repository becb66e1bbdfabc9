// Browser test of the dashboard that `till serve` embeds: a real server on a fresh warehouse, a
// real headless Chromium, and checks that the page shows exactly what the API answers.
//
//   node tests/web/dashboard_test.mjs --till build/release/src/cli/till --workdir /tmp/web-test \
//        [--screenshot dashboard.png]
//
// Exits 0 when every check passes, 1 (listing each failure) when one does not, 2 on bad usage.
// Playwright comes from web/node_modules (`npm ci` in web/); the browser is Debian's chromium.

import { spawn, execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';

const { chromium } = await import(
  new URL('../../web/node_modules/playwright-core/index.mjs', import.meta.url)
);

const AXE = new URL('../../web/node_modules/axe-core/axe.min.js', import.meta.url).pathname;
const TABS = ['overview', 'sales', 'customers', 'operations', 'satisfaction', 'growth', 'forecast', 'pipeline'];
const CHROMIUM = '/usr/bin/chromium';
const TIMEOUT_MS = 20_000;
const EVIL_PRODUCT = '<script>alert(1)</script>';
const NULLED_LINE = 1500;
const CURRENCY = '€';
const FORMULA_PRODUCT = '=HYPERLINK("x")';

// ---------------------------------------------------------------------------------------------
// Arguments

function parseArgs(argv) {
  const options = {};
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i];
    if (!['--till', '--workdir', '--screenshot'].includes(name) || argv[i + 1] === undefined) {
      usage(`unexpected argument ${name}`);
    }
    options[name.slice(2)] = argv[i + 1];
  }
  if (!options.till || !options.workdir) usage('--till and --workdir are required');
  options.till = path.resolve(options.till);
  options.workdir = path.resolve(options.workdir);
  options.screenshot = path.resolve(
    options.screenshot ?? path.join(options.workdir, 'dashboard.png'),
  );
  return options;
}

function usage(problem) {
  console.error(`dashboard_test: ${problem}`);
  console.error(
    'usage: node tests/web/dashboard_test.mjs --till TILL --workdir DIR [--screenshot FILE]',
  );
  process.exit(2);
}

// ---------------------------------------------------------------------------------------------
// Checks: each step runs on its own; a failed check ends its step and is reported at the end.

const failures = [];

class CheckFailed extends Error {}

function check(condition, message) {
  if (!condition) throw new CheckFailed(message);
}

async function step(name, body) {
  const started = Date.now();
  try {
    await body();
    console.log(`ok   ${name} (${Date.now() - started} ms)`);
  } catch (error) {
    const message = error instanceof CheckFailed ? error.message : (error.stack ?? String(error));
    failures.push(`${name}: ${message}`);
    console.log(`FAIL ${name}: ${message}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Data: a generated file, plus a file whose product names try script and formula injection.

// Splits one CSV line (RFC 4180, no line breaks inside fields).
function splitCsvLine(line) {
  const fields = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') ((field += '"'), i++);
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') (fields.push(field), (field = ''));
    else field += c;
  }
  fields.push(field);
  return fields;
}

const csvField = (text) => (/[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text);

function parseCsv(text) {
  return text
    .split(/\r?\n/)
    .filter((line) => line !== '')
    .map(splitCsvLine);
}

function prepareWarehouse({ till, workdir }) {
  fs.mkdirSync(workdir, { recursive: true });
  const raw = path.join(workdir, 'raw.csv');
  const evil = path.join(workdir, 'evil.csv');
  const warehouse = path.join(workdir, 'till.db');
  for (const file of [warehouse, `${warehouse}-wal`, `${warehouse}-shm`])
    fs.rmSync(file, { force: true });

  execFileSync(till, ['generate', '--rows', '20000', '--seed', '7', '--output', raw], {
    stdio: 'pipe',
  });
  // Line 1500 gets an unreadable age: it loads with the age nulled, a reject on record whose line
  // number needs four digits.
  const rawLines = fs.readFileSync(raw, 'utf8').split('\n');
  const rawColumns = splitCsvLine(rawLines[0]);
  const aged = splitCsvLine(rawLines[NULLED_LINE - 1]);
  aged[rawColumns.indexOf('Age')] = 'unknown age';
  rawLines[NULLED_LINE - 1] = aged.map(csvField).join(',');
  fs.writeFileSync(raw, rawLines.join('\n'));
  const [header, first, second] = rawLines;
  const withProduct = (line, product) => {
    const fields = splitCsvLine(line);
    fields[fields.length - 1] = product;
    return fields.map(csvField).join(',');
  };
  fs.writeFileSync(
    evil,
    [header, withProduct(first, EVIL_PRODUCT), withProduct(second, FORMULA_PRODUCT), ''].join('\n'),
  );

  const output = execFileSync(till, ['ingest', raw, evil, '--warehouse', warehouse], {
    stdio: 'pipe',
  });
  process.stdout.write(output.toString().replace(/^/gm, '     '));
  // The product hierarchy above the <script> product, to find it among few products.
  const columns = splitCsvLine(header);
  const values = splitCsvLine(first);
  const column = (name) => values[columns.indexOf(name)];
  const hierarchy = {
    category: column('Product_Category'),
    brand: column('Product_Brand'),
    product_type: column('Product_Type'),
  };

  // Loads two more sales (new product names, so no duplicates) while the server runs.
  const loadMore = () => {
    const more = path.join(workdir, 'more.csv');
    fs.writeFileSync(
      more,
      [
        header,
        withProduct(first, 'Till test product A'),
        withProduct(second, 'Till test product B'),
        '',
      ].join('\n'),
    );
    execFileSync(till, ['ingest', more, '--warehouse', warehouse], { stdio: 'pipe' });
  };
  // A new sale as `till stream` takes it: one NDJSON line, keys the raw columns.
  const saleToPost = (n) => {
    const fields = splitCsvLine(withProduct(first, `Till streamed product ${n}`));
    const row = Object.fromEntries(columns.map((name, i) => [name, fields[i]]));
    row.Transaction_ID = String(990000000 + n);
    return `${JSON.stringify(row)}\n`;
  };
  return { warehouse, hierarchy, loadMore, saleToPost };
}

// ---------------------------------------------------------------------------------------------
// The server

// Starts `till serve` and resolves with its base URL once it prints it.
// The server's till.toml names the currency the dashboard shows money in.
function startServer(till, warehouse, port = 0) {
  const config = path.join(path.dirname(warehouse), 'serve.toml');
  fs.writeFileSync(config, `currency = ${JSON.stringify(CURRENCY)}\n`);
  const child = spawn(till, ['serve', '--warehouse', warehouse, '--port', String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TILL_CONFIG: config },
  });
  let output = '';
  const url = new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`till serve printed no URL within ${TIMEOUT_MS} ms:\n${output}`)),
      TIMEOUT_MS,
    );
    const scan = (chunk) => {
      output += chunk;
      const match = output.match(/http:\/\/127\.0\.0\.1:(\d+)\//);
      if (match) {
        clearTimeout(timer);
        resolve(match[0]);
      }
    };
    child.stdout.on('data', scan);
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', (error) => reject(error));
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(
        new Error(`till serve exited (${code ?? signal}) before printing its URL:\n${output}`),
      );
    });
  });
  return { child, url, output: () => output };
}

// Reads /api/v1/events beside the page: each event's data and when it came (performance.now()).
function watchEvents(base) {
  const events = [];
  const request = http.get(new URL('/api/v1/events', base), (response) => {
    let buffer = '';
    response.setEncoding('utf8');
    response.on('data', (chunk) => {
      buffer += chunk;
      const blocks = buffer.split('\n\n');
      buffer = blocks.pop();
      for (const block of blocks) {
        const data = block.split('\n').find((line) => line.startsWith('data: '));
        if (data) events.push({ at: performance.now(), ...JSON.parse(data.slice(6)) });
      }
    });
    response.on('error', () => {});
  });
  request.on('error', () => {});
  return { events, close: () => request.destroy() };
}

// A loopback port nothing listens on now.
function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

async function stopServer(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

// A GET with the path sent exactly as given (no normalisation of `..` or `%2e`).
function rawGet(base, requestPath) {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const request = http.request(
      { host: hostname, port, path: requestPath, method: 'GET' },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk) => (body += chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode, headers: response.headers, body }),
        );
      },
    );
    request.on('error', reject);
    request.setTimeout(TIMEOUT_MS, () =>
      request.destroy(new Error(`GET ${requestPath} timed out`)),
    );
    request.end();
  });
}

async function getJson(base, apiPath) {
  const response = await fetch(new URL(apiPath, base));
  const text = await response.text();
  check(response.ok, `GET ${apiPath} answered ${response.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

// ---------------------------------------------------------------------------------------------
// The page

// The API query the dashboard's URL stands for: its filter parameters without the view's own.
const VIEW_PARAMETERS = [
  'tab',
  'grain',
  'measure',
  'growth_by',
  'growth_sort',
  'forecast_by',
  'forecast_measure',
  'forecast_horizon',
  'forecast_series',
];
function apiQueryOf(pageUrl) {
  const query = new URLSearchParams();
  for (const [name, value] of new URL(pageUrl).searchParams) {
    if (!VIEW_PARAMETERS.includes(name) && value !== '') query.append(name, value);
  }
  return query;
}

// WCAG contrast ratio of two colours given as #rrggbb.
function contrast(a, b) {
  const luminance = (hex) => {
    const [r, g, bl] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255);
    const lin = (c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(bl);
  };
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

async function waitReady(page) {
  await page.waitForFunction(() => ['ready', 'error'].includes(document.body.dataset.state), null, {
    timeout: TIMEOUT_MS,
  });
  const state = await page.evaluate(() => document.body.dataset.state);
  if (state === 'error') {
    const banner = await page
      .locator('#banner-messages')
      .innerText()
      .catch(() => '');
    throw new CheckFailed(`the dashboard shows an error: ${banner.trim()}`);
  }
}

async function waitForUrl(page, predicate, what) {
  try {
    await page.waitForURL((url) => predicate(url.searchParams), {
      timeout: TIMEOUT_MS,
      waitUntil: 'commit',
    });
  } catch {
    throw new CheckFailed(`the URL never came to ${what}; it is ${page.url()}`);
  }
}

async function kpisOnPage(page) {
  return page.$$eval('[data-kpi]', (cards) =>
    cards.map((card) => ({
      name: card.dataset.kpi,
      value: card.querySelector('[data-value]')?.dataset.value,
    })),
  );
}

// The KPI cards must hold exactly what /api/v1/kpis answers for the page's URL.
async function checkKpisMatchApi(page, base) {
  const shown = await kpisOnPage(page);
  const answer = await getJson(base, `/api/v1/kpis?${apiQueryOf(page.url())}`);
  check(answer.kpis.length === 7, `the API answered ${answer.kpis.length} KPIs, not 7`);
  check(
    shown.length === answer.kpis.length,
    `the page shows ${shown.length} KPI cards, the API has ${answer.kpis.length}`,
  );
  for (const kpi of answer.kpis) {
    const card = shown.find((c) => c.name === kpi.name);
    check(card, `no KPI card data-kpi="${kpi.name}"`);
    const expected = kpi.value === null ? '' : String(kpi.value);
    check(
      card.value === expected || Number(card.value) === kpi.value,
      `KPI ${kpi.name}: the page shows data-value="${card.value}", the API says ${kpi.value}`,
    );
  }
  return shown;
}

// Clicks the middle of bar `index` of a bar chart, the way a user would.
async function clickBar(page, chartId, index) {
  const target = await page.evaluate(
    ([id, i]) => {
      const chart = window.till.charts[id];
      if (!chart) return null;
      const option = chart.getOption();
      const item = option.series[0].data[i];
      const value = typeof item === 'object' ? item.value : item;
      const horizontal = option.yAxis[0].type === 'category';
      const point = chart.convertToPixel(
        { seriesIndex: 0 },
        horizontal ? [value / 2, i] : [i, value / 2],
      );
      chart.getDom().scrollIntoView({ block: 'center' });
      const box = chart.getDom().getBoundingClientRect();
      return { name: item.name, x: box.left + point[0], y: box.top + point[1] };
    },
    [chartId, index],
  );
  check(target, `window.till.charts.${chartId} does not exist`);
  await page.mouse.click(target.x, target.y);
  return target.name;
}

async function openDropdown(page, dim) {
  await page.locator(`details.dd[data-dim="${dim}"] > summary`).click();
  return page.locator(`details.dd[data-dim="${dim}"] .dd-panel`);
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const options = parseArgs(process.argv.slice(2));
  for (const file of [options.till, CHROMIUM]) {
    if (!fs.existsSync(file)) usage(`${file} does not exist`);
  }

  console.log('preparing the warehouse');
  const { warehouse, hierarchy, loadMore, saleToPost } = prepareWarehouse(options);
  const server = startServer(options.till, warehouse);
  const stopOnExit = () => server.child.kill('SIGKILL'); // the current child, after a restart too
  process.on('exit', stopOnExit);
  let browser;
  try {
    const base = await server.url;
    console.log(`till serve is at ${base}`);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    // The server is stopped and started again on its port by a check; stopped on the way out.
    const restart = async () => {
      await stopServer(server.child);
      const again = startServer(options.till, warehouse, new URL(base).port);
      server.child = again.child;
      return again.url;
    };
    const stop = () => stopServer(server.child);
    await runChecks(browser, base, options, {
      hierarchy,
      loadMore,
      saleToPost,
      warehouse,
      restart,
      stop,
    });
  } catch (error) {
    failures.push(error instanceof CheckFailed ? error.message : (error.stack ?? String(error)));
  } finally {
    await browser?.close().catch(() => {});
    await stopServer(server.child);
    process.off('exit', stopOnExit);
  }

  if (failures.length) {
    console.error(`\n${failures.length} check(s) failed:`);
    for (const failure of failures) console.error(`- ${failure}`);
    process.exit(1);
  }
  console.log('\nall checks passed');
}

async function runChecks(
  browser,
  base,
  options,
  { hierarchy, loadMore, saleToPost, warehouse, stop, restart },
) {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 900 },
    acceptDownloads: true,
  });
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT_MS);

  // Whatever happens on the page, these must stay empty.
  const consoleMessages = [];
  const dialogs = [];
  const apiRequests = [];
  page.on('console', (message) =>
    consoleMessages.push(`console.${message.type()}: ${message.text()}`),
  );
  page.on('pageerror', (error) => consoleMessages.push(`page error: ${error.message}`));
  page.on('dialog', (dialog) => {
    dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    dialog.dismiss().catch(() => {});
  });
  page.on('request', (request) => {
    if (request.url().includes('/api/v1/'))
      apiRequests.push({ url: new URL(request.url()), headers: request.headers() });
  });
  const requestsSince = (mark, endpoint) =>
    apiRequests.slice(mark).filter((r) => r.url.pathname === `/api/v1/${endpoint}`);

  const meta = await getJson(base, '/api/v1/meta');

  await step('the page loads, with the last 90 days by default', async () => {
    const response = await page.goto(base);
    const csp = response.headers()['content-security-policy'] ?? '';
    check(
      csp.includes("script-src 'self'"),
      `the page came without the Content-Security-Policy (got "${csp}")`,
    );
    await waitReady(page);
    const query = new URL(page.url()).searchParams;
    const from = new Date(`${meta.last_date}T00:00:00Z`);
    from.setUTCDate(from.getUTCDate() - 89);
    check(
      query.get('to') === meta.last_date,
      `to=${query.get('to')}, expected meta.last_date ${meta.last_date}`,
    );
    check(
      query.get('from') === from.toISOString().slice(0, 10),
      `from=${query.get('from')}, expected 90 days back`,
    );
  });

  await step('KPI cards equal /api/v1/kpis', async () => {
    await waitReady(page);
    await checkKpisMatchApi(page, base);
    const changes = await page.$$eval('[data-kpi] .change', (nodes) =>
      nodes.map((n) => n.textContent),
    );
    check(
      changes.length === 7 && changes.every((text) => text.trim() !== ''),
      `KPI changes shown: ${JSON.stringify(changes)}`,
    );
  });

  let category;
  await step('a category chosen in the filter bar filters every chart', async () => {
    await page.goto(`${base}?tab=overview`);
    await waitReady(page);
    const before = await kpisOnPage(page);
    const seriesBefore = await page.evaluate(() =>
      JSON.stringify(window.till.charts.timeseries.getOption().series.map((s) => s.data)),
    );
    const panel = await openDropdown(page, 'category');
    const item = panel.locator('.dd-item').filter({ hasNotText: '(unknown)' }).first();
    category = await item.locator('input').inputValue();
    const mark = apiRequests.length;
    await item.locator('input').click();
    await waitForUrl(
      page,
      (q) => q.getAll('category').includes(category),
      `hold category=${category}`,
    );
    await waitReady(page);
    for (const endpoint of ['kpis', 'timeseries']) {
      const requests = requestsSince(mark, endpoint);
      check(requests.length > 0, `no ${endpoint} request after choosing a category`);
      check(
        requests.every((r) => r.url.searchParams.getAll('category').includes(category)),
        `a ${endpoint} request lacks category=${category}: ${requests.map((r) => r.url.search).join(' ')}`,
      );
    }
    const after = await checkKpisMatchApi(page, base);
    const revenue = (kpis) => Number(kpis.find((k) => k.name === 'revenue').value);
    check(
      revenue(after) < revenue(before),
      `revenue did not drop with category=${category} (${revenue(before)} → ${revenue(after)})`,
    );
    const seriesAfter = await page.evaluate(() =>
      JSON.stringify(window.till.charts.timeseries.getOption().series.map((s) => s.data)),
    );
    check(seriesAfter !== seriesBefore, 'the time series chart did not change with the filter');
    check(
      (await page.locator('.chip', { hasText: category }).count()) === 1,
      `no chip for category ${category}`,
    );
  });

  await step('going back in history restores the unfiltered view', async () => {
    await page.goBack({ waitUntil: 'commit' });
    await waitForUrl(page, (q) => !q.has('category'), 'lose the category');
    await waitReady(page);
    check((await page.locator('.chip').count()) === 0, 'chips remain after going back');
    await checkKpisMatchApi(page, base);
  });

  await step('clicking a bar cross-filters the other charts', async () => {
    await page.goto(`${base}?tab=operations`);
    await waitReady(page);
    const mark = apiRequests.length;
    const status = await clickBar(page, 'order_status', 0);
    await waitForUrl(
      page,
      (q) => q.getAll('order_status').includes(status),
      `hold order_status=${status}`,
    );
    await waitReady(page);
    const others = requestsSince(mark, 'breakdown').filter(
      (r) => r.url.searchParams.get('by') === 'payment_method',
    );
    check(
      others.length > 0 && others.every((r) => r.url.searchParams.get('order_status') === status),
      'the payment method chart was not asked again with the order status filter',
    );
    check(
      !requestsSince(mark, 'breakdown').some(
        (r) =>
          r.url.searchParams.get('by') === 'order_status' && r.url.searchParams.has('order_status'),
      ),
      'the order status chart was asked with its own filter',
    );
    const opacities = await page.evaluate(() =>
      window.till.charts.order_status
        .getOption()
        .series[0].data.map((d) => [d.name, d.itemStyle?.opacity ?? 1]),
    );
    check(opacities.length > 1, 'the order status chart lost its other members');
    check(
      opacities.every(([name, opacity]) => (name === status ? opacity === 1 : opacity < 1)),
      `highlighting is wrong: ${JSON.stringify(opacities)}`,
    );
  });

  await step('the product chart drills down and its breadcrumb goes back up', async () => {
    await page.goto(`${base}?tab=sales`);
    await waitReady(page);
    const first = await clickBar(page, 'product', 0);
    await waitForUrl(page, (q) => q.get('category') === first, `hold category=${first}`);
    await waitReady(page);
    const brand = await clickBar(page, 'product', 0);
    await waitForUrl(page, (q) => q.get('brand') === brand, `hold brand=${brand}`);
    await waitReady(page);
    const by = await page.evaluate(
      () => window.till.charts.product.getOption().yAxis[0].data.length,
    );
    check(by > 0, 'no product types shown after drilling into a brand');
    await page.locator('[data-crumbs="product"] button.crumb', { hasText: first }).click();
    await waitForUrl(
      page,
      (q) => q.get('category') === first && !q.has('brand'),
      'drop the brand and keep the category',
    );
    await page.locator('[data-crumbs="product"] button.crumb').filter({ hasText: /^All$/ }).click();
    await waitForUrl(page, (q) => !q.has('category'), 'drop the category');
    await waitReady(page);
  });

  await step('a CSV download holds the header line', async () => {
    await page.goto(`${base}?tab=sales`);
    await waitReady(page);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('[data-csv="product"]').click(),
    ]);
    check(
      download.suggestedFilename() === 'till-product.csv',
      `the file is named ${download.suggestedFilename()}`,
    );
    const text = fs.readFileSync(await download.path(), 'utf8');
    const header = text.split(/\r?\n/)[0];
    check(
      header === 'category,revenue,orders,units,customers,average_rating',
      `the CSV starts with "${header}"`,
    );
    check(parseCsv(text).length > 2, 'the CSV holds no rows');
  });

  await step('a product named <script> is shown as text, and never runs', async () => {
    // Within its category, brand and type, so that the top 25 products of the chart hold it.
    await page.goto(
      `${base}?${new URLSearchParams({ tab: 'sales', from: '', to: '', ...hierarchy })}`,
    );
    await waitReady(page);
    const panel = await openDropdown(page, 'product');
    await panel.locator('input[type="search"]').fill('<script>');
    const item = panel.locator('.dd-item', { hasText: EVIL_PRODUCT });
    check(
      (await item.count()) === 1,
      `the product filter list does not show ${EVIL_PRODUCT} as text`,
    );
    await item.locator('input').click();
    await waitForUrl(page, (q) => q.get('product') === EVIL_PRODUCT, 'hold the product');
    await waitReady(page);
    check(
      (await page.locator('.chip', { hasText: EVIL_PRODUCT }).count()) === 1,
      'no chip with the product name as text',
    );
    const injected = await page.evaluate(
      () => [...document.querySelectorAll('script')].filter((s) => !s.src).length,
    );
    check(injected === 0, `${injected} inline <script> element(s) in the page`);
    // At the product level the product chart lists it; hover it so that its tooltip renders.
    const names = await page.evaluate(() => window.till.charts.product.getOption().yAxis[0].data);
    const index = names.indexOf(EVIL_PRODUCT);
    check(
      index >= 0,
      `the product chart does not list the product: ${JSON.stringify(names.slice(0, 5))}…`,
    );
    const tooltipTarget = await page.evaluate((i) => {
      const chart = window.till.charts.product;
      const value = chart.getOption().series[0].data[i].value;
      const point = chart.convertToPixel({ seriesIndex: 0 }, [value / 2, i]);
      chart.getDom().scrollIntoView({ block: 'center' });
      const box = chart.getDom().getBoundingClientRect();
      return { x: box.left + Math.max(point[0], 4), y: box.top + point[1] };
    }, index);
    await page.mouse.move(tooltipTarget.x, tooltipTarget.y);
    await page
      .waitForFunction(
        (name) => document.querySelector('[data-chart="product"]').textContent.includes(name),
        EVIL_PRODUCT,
      )
      .catch(() => {
        throw new CheckFailed('the tooltip of its bar does not show the product name as text');
      });
    check(
      (await page.locator('[data-chart="product"] script').count()) === 0,
      'the tooltip holds a <script> element',
    );
    await page.locator('[data-tab="overview"]').click();
    await waitForUrl(page, (q) => q.get('tab') === 'overview', 'show the overview');
    await waitReady(page);
    await checkKpisMatchApi(page, base);
    check(dialogs.length === 0, `dialogs opened: ${dialogs.join('; ')}`);
  });

  await step('the product CSV neutralises formulas', async () => {
    const response = await fetch(new URL('/api/v1/breakdown?by=product&format=csv', base));
    const text = await response.text();
    check(response.ok, `the product CSV answered ${response.status}: ${text.slice(0, 200)}`);
    const rows = parseCsv(text);
    const cells = rows.slice(1).map((row) => row[0]);
    const formula = cells.find((cell) => cell.includes('HYPERLINK'));
    check(
      formula === `'${FORMULA_PRODUCT}`,
      `the formula product comes out as ${JSON.stringify(formula)}, expected ${JSON.stringify(`'${FORMULA_PRODUCT}`)}`,
    );
    check(
      !cells.some((cell) => /^[=+\-@]/.test(cell)),
      'a product cell starts with a formula character',
    );
    check(cells.includes(EVIL_PRODUCT), 'the <script> product is missing from the CSV');
  });

  await step(
    'a #token= in the address is kept out of the URL and sent as a bearer token',
    async () => {
      const mark = apiRequests.length;
      await page.goto(`${base}?tab=overview#token=test-token`);
      await waitReady(page);
      check(!page.url().includes('token'), `the token is still in the address: ${page.url()}`);
      const sent = apiRequests.slice(mark);
      check(
        sent.length > 0 && sent.every((r) => r.headers.authorization === 'Bearer test-token'),
        'API requests went without the bearer token',
      );
    },
  );


  await step('the 365-day preset shows its comparison as n/a, the data not covering it', async () => {
    await page.goto(`${base}?tab=overview`);
    await waitReady(page);
    await page.locator('[data-preset="365"]').click();
    const from = new Date(`${meta.last_date}T00:00:00Z`);
    from.setUTCDate(from.getUTCDate() - 364);
    const expected = from.toISOString().slice(0, 10);
    await waitForUrl(page, (q) => q.get('from') === expected, `start at ${expected}`);
    await waitReady(page);
    const answer = await getJson(base, `/api/v1/kpis?${apiQueryOf(page.url())}`);
    check(answer.previous.coverage < 1, `the API says the previous period is covered (${answer.previous.coverage})`);
    check(answer.kpis.every((k) => k.comparable === false), 'a KPI is marked comparable');
    const changes = await page.$$eval('[data-kpi] .change', (nodes) =>
      nodes.map((n) => [n.textContent, n.title]),
    );
    check(
      changes.length === 7 &&
        changes.every(([text, title]) => text === 'n/a (previous period incomplete)' && /covers [\d.]+\s?%/.test(title)),
      `KPI changes: ${JSON.stringify(changes)}`,
    );
  });

  await step('KPIs are compact, exact on hover, never wrapped; a 0.0 % change is flat', async () => {
    await page.goto(`${base}?tab=overview&from=&to=`);
    await waitReady(page);
    const revenue = await page.$eval('[data-kpi="revenue"] .value', (n) => ({
      text: n.textContent,
      title: n.title,
      value: Number(n.dataset.value),
      wrap: getComputedStyle(n).whiteSpace,
      lines: Math.round(n.getBoundingClientRect().height / parseFloat(getComputedStyle(n).lineHeight || '24')),
    }));
    // In the currency till.toml names (CURRENCY), apart from the figure by a no-break space.
    check(/^€\u00a0[\d.]+\u00a0[KMB]$/.test(revenue.text), `revenue shows "${revenue.text}", not compact`);
    const exact = `${CURRENCY}\u00a0${revenue.value.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
    check(revenue.title === exact, `revenue's hover says "${revenue.title}", expected ${exact}`);
    check(revenue.wrap === 'nowrap', `a KPI value may wrap (white-space: ${revenue.wrap})`);
    const flat = await page.evaluate(async () => {
      const { describeChange } = await import('/format.js');
      return [describeChange(0.00004), describeChange(-0.00004), describeChange(-0.0123)];
    });
    check(
      flat[0].direction === 'flat' && flat[1].direction === 'flat' && flat[2].direction === 'down',
      `changes that round to 0.0 % are drawn ${JSON.stringify(flat)}`,
    );
  });

  await step('partial first and last periods are marked on the time series', async () => {
    await page.goto(`${base}?tab=overview&grain=month&from=2023-03-15&to=2023-12-10`);
    await waitReady(page);
    const answer = await getJson(base, '/api/v1/timeseries?grain=month&from=2023-03-15&to=2023-12-10');
    const flags = answer.points.map((p) => p.partial);
    check(flags[0] === true && flags.at(-1) === true, `first and last months not partial: ${JSON.stringify(flags)}`);
    check(flags.slice(1, -1).every((f) => f === false), `a middle month is partial: ${JSON.stringify(flags)}`);
    check(answer.points[0].days === 17, `the first month holds ${answer.points[0].days} days, not 17`);
    const drawn = await page.evaluate(() =>
      window.till.charts.timeseries.getOption().series[0].data.map((d) => d.itemStyle?.opacity ?? 1),
    );
    check(drawn[0] < 1 && drawn.at(-1) < 1 && drawn[1] === 1, `partial bars are not marked: ${JSON.stringify(drawn)}`);
    const labels = await page.$$eval('[data-table-of="timeseries"] tbody tr td:first-child', (cells) =>
      cells.map((c) => c.textContent),
    );
    check(labels[0] === 'Mar 2023 (partial)' && labels[1] === 'Apr 2023', `the period labels read ${JSON.stringify(labels.slice(0, 2))}`);
  });

  await step('tabs are reached with the arrow keys and linked to their panels', async () => {
    await page.goto(`${base}?tab=overview`);
    await waitReady(page);
    const links = await page.$$eval('[role="tab"]', (tabs) =>
      tabs.map((tab) => {
        const panel = document.getElementById(tab.getAttribute('aria-controls'));
        return [tab.id, panel?.getAttribute('aria-labelledby'), panel?.getAttribute('role')];
      }),
    );
    check(
      links.length === TABS.length && links.every(([id, by, role]) => by === id && role === 'tabpanel'),
      `tabs and panels are not linked: ${JSON.stringify(links)}`,
    );
    await page.locator('[data-tab="overview"]').focus();
    for (const tab of [...TABS.slice(1), TABS[0]]) {
      await page.keyboard.press('ArrowRight');
      await waitForUrl(page, (q) => q.get('tab') === tab, `show ${tab}`);
      await waitReady(page);
      const focused = await page.evaluate(() => [document.activeElement?.dataset.tab, document.activeElement?.tabIndex]);
      check(focused[0] === tab && focused[1] === 0, `after ArrowRight the focus is on ${JSON.stringify(focused)}, not ${tab}`);
      const visible = await page.$$eval('[role="tab"]', (tabs) => tabs.filter((t) => t.tabIndex === 0).length);
      check(visible === 1, `${visible} tabs are in the Tab order`);
    }
    await page.keyboard.press('End');
    await waitForUrl(page, (q) => q.get('tab') === 'pipeline', 'show the pipeline (End)');
    await waitReady(page);
  });

  await step('every chart has an accessible name and a data table; the keyboard drills down', async () => {
    for (const tab of TABS) {
      await page.goto(`${base}?tab=${tab}`);
      await waitReady(page);
      const charts = await page.$$eval(`[data-panel="${tab}"] [data-chart]`, (nodes) =>
        nodes.map((n) => ({
          id: n.dataset.chart,
          role: n.getAttribute('role'),
          label: n.getAttribute('aria-label'),
          table: n.nextElementSibling?.matches('details.data-table') ?? false,
          rows: n.nextElementSibling?.querySelectorAll('tbody tr').length ?? 0,
        })),
      );
      for (const chart of charts) {
        check(chart.role === 'img' && chart.label?.length > 5, `chart ${chart.id} has no accessible name`);
        check(chart.table && chart.rows > 0, `chart ${chart.id} has no data table (${chart.rows} rows)`);
      }
    }
    await page.goto(`${base}?tab=sales`);
    await waitReady(page);
    const summary = page.locator('[data-table-of="product"] summary');
    await summary.focus();
    await page.keyboard.press('Enter');
    const first = page.locator('[data-table-of="product"] tbody tr button').first();
    const category = (await first.innerText()).trim();
    await first.focus();
    await page.keyboard.press('Enter');
    await waitForUrl(page, (q) => q.get('category') === category, `drill into ${category} by keyboard`);
    await waitReady(page);
    const level = await page.$eval('[data-table-of="product"] thead th', (th) => th.textContent);
    check(level === 'Brand', `after drilling down the table lists ${level}, not brands`);
    const location = await page.$$eval('[data-crumbs="location"] .crumb.current', (n) => n.map((c) => c.textContent));
    check(location[0] === 'Country', `the location drill-down starts at ${location[0]}`);
  });

  await step('the location drill-down goes country, state, city', async () => {
    await page.goto(`${base}?tab=sales`);
    await waitReady(page);
    const country = await clickBar(page, 'location', 0);
    await waitForUrl(page, (q) => q.get('country') === country, `hold country=${country}`);
    await waitReady(page);
    const level = await page.$eval('[data-crumbs="location"] .crumb.current', (c) => c.textContent);
    check(level === 'State', `under a country the location chart shows ${level}, not State`);
  });

  await step('filter drop-downs list only members under the other filters, with counts', async () => {
    await page.goto(`${base}?tab=overview&category=${encodeURIComponent(hierarchy.category)}`);
    await waitReady(page);
    const panel = await openDropdown(page, 'brand');
    await page.waitForFunction(() => document.querySelector('details.dd[data-dim="brand"] .dd-count') !== null);
    const shown = await panel.locator('.dd-item').evaluateAll((items) =>
      items.map((i) => [i.querySelector('input').value, i.querySelector('.dd-count')?.textContent]),
    );
    const answer = await getJson(
      base,
      `/api/v1/breakdown?by=brand&sort=name&${apiQueryOf(page.url())}`,
    );
    const expected = answer.rows.map((r) => [r.brand, r.orders.toLocaleString('en-US')]);
    const all = (await getJson(base, '/api/v1/dimensions')).dimensions.find((d) => d.name === 'brand');
    check(expected.length < all.members.length, 'the category does not narrow the brands in this data');
    check(
      JSON.stringify(shown) === JSON.stringify(expected),
      `brands offered ${JSON.stringify(shown.slice(0, 4))}…, the API has ${JSON.stringify(expected.slice(0, 4))}…`,
    );
    await page.keyboard.press('Escape');
  });

  await step('the Pipeline tab has no filter bar and readable cells', async () => {
    await page.goto(`${base}?tab=pipeline`);
    await waitReady(page);
    check(!(await page.locator('#filters').isVisible()), 'the filter bar shows on the pipeline tab');
    const started = await page.$$eval('[data-table="runs"] tbody tr', (rows) =>
      rows.map((r) => [...r.children].map((c) => c.textContent)),
    );
    const headers = await page.$$eval('[data-table="runs"] th', (ths) => ths.map((t) => t.textContent));
    const at = headers.indexOf('Started');
    check(at >= 0 && started.length > 0, `no Started column: ${JSON.stringify(headers)}`);
    check(
      started.every((cells) => /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/.test(cells[at])),
      `start times read ${JSON.stringify(started.map((c) => c[at]))}`,
    );
    const rejects = await page.$$eval('[data-table="recent_rejects"] tbody tr', (rows) =>
      rows.map((r) => [...r.children].map((c) => c.textContent)),
    );
    const rejectHeaders = await page.$$eval('[data-table="recent_rejects"] th', (ths) => ths.map((t) => t.textContent));
    const outcome = rejectHeaders.indexOf('Outcome');
    const line = rejectHeaders.indexOf('Line');
    check(
      rejects.some((r) => r[line] === String(NULLED_LINE) && r[outcome] === 'value nulled'),
      `no reject reads line ${NULLED_LINE}, value nulled: ${JSON.stringify(rejects.map((r) => [r[line], r[outcome]]))}`,
    );
    check(
      rejects.every((r) => ['row rejected', 'value nulled'].includes(r[outcome]) && /^\d+$/.test(r[line])),
      `reject cells read ${JSON.stringify(rejects.map((r) => [r[line], r[outcome]]).slice(0, 3))}`,
    );
  });

  await step('the growth table reconciles with SQL and sorts', async () => {
    const from = '2023-09-01';
    const to = '2023-11-30';
    await page.goto(`${base}?tab=growth&from=${from}&to=${to}`);
    await waitReady(page);
    const sql = (a, b) =>
      execFileSync('sqlite3', [
        '-separator',
        '\t',
        warehouse,
        `SELECT coalesce(product_category, '(unknown)'), printf('%.6f', sum(total_amount)), count(*)
           FROM retail_data_view WHERE date BETWEEN '${a}' AND '${b}' GROUP BY 1`,
      ])
        .toString()
        .trim()
        .split('\n')
        .map((line) => line.split('\t'));
    const current = new Map(sql(from, to).map(([c, revenue]) => [c, Number(revenue)]));
    const previous = new Map(sql('2023-06-02', '2023-08-31').map(([c, revenue]) => [c, Number(revenue)]));
    const rows = await page.$$eval('table.growth tbody tr', (trs) =>
      trs.map((tr) => ({
        member: tr.dataset.member,
        value: Number(tr.querySelector('[data-value]').dataset.value),
        change: tr.children[2].textContent,
      })),
    );
    check(rows.length === current.size, `the table has ${rows.length} rows, SQL ${current.size}`);
    for (const row of rows) {
      const expected = current.get(row.member);
      // Within a cent: the cube's sums of amounts are the server's to make exact.
      check(Math.abs(row.value - expected) <= 0.01, `${row.member}: ${row.value} against SQL ${expected}`);
      const change = (expected - previous.get(row.member)) / previous.get(row.member);
      const shown = `${change >= 0 ? '+' : '−'}${(Math.abs(change) * 100).toFixed(1)}%`;
      check(row.change === shown, `${row.member}: change ${row.change}, SQL gives ${shown}`);
    }
    check(
      rows.every((r, i) => i === 0 || rows[i - 1].value >= r.value),
      'the rows are not sorted by revenue',
    );
    await page.locator('table.growth button[data-sort="change"]').click();
    await waitForUrl(page, (q) => q.get('growth_sort') === 'change', 'sort by change');
    await waitReady(page);
    const changes = await page.$$eval('table.growth tbody tr td:nth-child(3)', (tds) =>
      tds.map((td) => Number(td.textContent.replace('−', '-').replace(/[+%]/g, ''))),
    );
    check(changes.every((c, i) => i === 0 || changes[i - 1] >= c), `not sorted by change: ${changes}`);
    check(
      (await page.$$eval('table.growth tbody .spark polyline', (n) => n.length)) === rows.length,
      'a row has no sparkline',
    );
    await page.locator('#growth-measure').selectOption('orders');
    await waitForUrl(page, (q) => q.get('measure') === 'orders', 'measure orders');
    await waitReady(page);
    check((await page.locator('#growth-title').innerText()).startsWith('Orders'), 'the measure picker did not apply');
  });



  await step('the measure picker redraws the product chart with orders', async () => {
    await page.goto(`${base}?tab=sales`);
    await waitReady(page);
    await page.locator('[data-measure-of="product"]').selectOption('orders');
    await waitForUrl(page, (q) => q.get('measure') === 'orders', 'hold measure=orders');
    await waitReady(page);
    const drawn = await page.evaluate(() =>
      window.till.charts.product.getOption().series[0].data.map((d) => [d.name, d.value]),
    );
    const answer = await getJson(base, `/api/v1/breakdown?by=category&sort=orders&${apiQueryOf(page.url())}`);
    check(
      JSON.stringify(drawn) === JSON.stringify(answer.rows.map((r) => [r.category, r.orders])),
      `the chart draws ${JSON.stringify(drawn)}, the API's orders are ${JSON.stringify(answer.rows.map((r) => [r.category, r.orders]))}`,
    );
    check(
      (await page.locator('[data-title-of="product"]').innerText()) === 'Orders by product',
      'the chart title does not name the measure',
    );
  });

  await step('the forecast tab charts actuals, forecast and bands, reconciles with the API and cross-filters', async () => {
    const from = '2023-06-01';
    const to = '2024-02-29';
    await page.goto(`${base}?tab=forecast&from=${from}&to=${to}`);
    await waitReady(page);
    const api = await getJson(base, `/api/v1/forecast?by=category&horizon=28&from=${from}&to=${to}`);
    const accuracy = await getJson(base, `/api/v1/forecast/accuracy?by=category&horizon=28&from=${from}&to=${to}`);
    const first = api.series[0];
    const chart = await page.evaluate(() => {
      const option = window.till.charts.forecast.getOption();
      return option.series.map((s) => ({ name: s.name, values: s.data.filter((v) => v != null).length }));
    });
    const named = (name) => chart.find((s) => s.name === name)?.values;
    check(named('Actual') === first.actual.length, `the chart has ${named('Actual')} actual days, not ${first.actual.length}`);
    check(named('Forecast') === 28, `the chart has ${named('Forecast')} forecast days, not 28`);
    check(named('80% interval') === 28 && named('95% interval') === 28, 'the chart lacks its 80% or 95% band');
    const note = await page.locator('#forecast-note').innerText();
    check(note.includes(`Model: ${first.model}`) && note.includes('Why:'), `the note says "${note}"`);
    // The table of every series: one row each, with the model the API chose.
    const rows = await page.$$eval('table.forecast-series tbody tr', (trs) =>
      trs.map((tr) => [tr.dataset.series, tr.querySelector('td').textContent]),
    );
    check(
      rows.length === accuracy.series.length &&
        rows.every(([series, model], i) => series === accuracy.series[i].series && model === accuracy.series[i].model),
      `the series table ${JSON.stringify(rows)} is not the API's`,
    );
    const baselines = await page.$$eval('table.forecast-overall tbody tr', (trs) => trs.map((tr) => tr.dataset.model));
    check(baselines.includes('naive') && baselines.includes('snaive') && baselines.includes('auto'), `baselines: ${baselines}`);
    // The series picker.
    const second = api.series[1].series;
    await page.locator('#forecast-series').selectOption(second);
    await waitForUrl(page, (q) => q.get('forecast_series') === second, `forecast_series=${second}`);
    await waitReady(page);
    check((await page.locator('#forecast-title').innerText()).endsWith(second), 'the picker did not chart the series');
    // A series picked in the table filters every tab.
    await page.locator(`table.forecast-series tr[data-series="${first.series}"] button`).click();
    await waitForUrl(page, (q) => q.getAll('category').includes(first.series), `category=${first.series}`);
    await waitReady(page);
    const filtered = await page.$$eval('table.forecast-series tbody tr', (trs) => trs.map((tr) => tr.dataset.series));
    check(filtered.length === 1 && filtered[0] === first.series, `after the cross-filter: ${filtered}`);
    // By country: the series picker lists the countries.
    await page.goto(`${base}?tab=forecast&from=${from}&to=${to}&forecast_by=country`);
    await waitReady(page);
    const countries = await page.$$eval('#forecast-series option', (options) => options.map((o) => o.value));
    const byCountry = await getJson(base, `/api/v1/forecast?by=country&horizon=28&from=${from}&to=${to}`);
    check(
      JSON.stringify(countries) === JSON.stringify(byCountry.series.map((s) => s.series)),
      `the picker lists ${countries}`,
    );
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('[data-csv="forecast"]').click()]);
    check(download.suggestedFilename() === 'till-forecast.csv', `the file is named ${download.suggestedFilename()}`);
    const text = fs.readFileSync(await download.path(), 'utf8');
    check(text.startsWith('series,date,model,point,lo80,hi80,lo95,hi95'), `the CSV starts ${text.slice(0, 60)}`);
    check(text.trim().split('\n').length === 1 + 28 * byCountry.series.length, 'the CSV lacks forecast rows');
  });

  await step('the theme switch turns the page and its charts dark, and back', async () => {
    await page.goto(`${base}?tab=overview`);
    await waitReady(page);
    const before = await page.evaluate(() => document.documentElement.dataset.theme);
    await page.locator('#theme').click();
    await waitReady(page);
    const after = await page.evaluate(() => ({
      theme: document.documentElement.dataset.theme,
      pressed: document.querySelector('#theme').getAttribute('aria-pressed'),
      background: getComputedStyle(document.documentElement).backgroundColor,
      colour: window.till.charts.timeseries.getOption().color[0],
    }));
    check(before === 'light' && after.theme === 'dark', `the theme went ${before} → ${after.theme}`);
    check(after.pressed === 'true', 'the switch does not say it is on');
    check(after.background === 'rgb(17, 20, 24)', `the dark page's background is ${after.background}`);
    check(after.colour === '#8ea8ff', `the chart kept its light colours (${after.colour})`);
    // A tooltip in the dark theme is drawn in the page's card colours, not ECharts' white.
    const tip = await page.evaluate(async () => {
      const chart = window.till.charts.timeseries;
      chart.getDom().scrollIntoView({ block: 'center' });
      chart.dispatchAction({ type: 'showTip', seriesIndex: 0, dataIndex: 3 });
      await new Promise((resolve) => setTimeout(resolve, 300));
      const box = [...chart.getDom().children].find((d) => !d.querySelector('canvas'));
      const style = box && getComputedStyle(box);
      const card = getComputedStyle(document.documentElement).getPropertyValue('--card').trim();
      return { background: style?.backgroundColor, colour: style?.color, card, shown: style?.display };
    });
    check(
      tip.background === 'rgb(27, 31, 39)' && tip.card === '#1b1f27',
      `the dark tooltip's background is ${tip.background} (display ${tip.shown}), not the card's ${tip.card}`,
    );
    await page.locator('#theme').click();
    await waitReady(page);
    check(
      (await page.evaluate(() => document.documentElement.dataset.theme)) === 'light',
      'the switch does not turn the light theme back on',
    );
  });

  await step('a chart downloads as PNG; the printed page leaves out the controls', async () => {
    await page.goto(`${base}?tab=sales`);
    await waitReady(page);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('[data-png="product"]').click(),
    ]);
    check(download.suggestedFilename() === 'till-product.png', `named ${download.suggestedFilename()}`);
    const bytes = fs.readFileSync(await download.path());
    check(bytes.subarray(1, 4).toString() === 'PNG' && bytes.length > 2000, 'the download is not a PNG image');
    await page.emulateMedia({ media: 'print' });
    const hidden = await page.evaluate(() =>
      ['.tabs', '.top-tools', '.tools', '#dims'].map((s) => getComputedStyle(document.querySelector(s)).display),
    );
    await page.emulateMedia({ media: 'screen' });
    check(hidden.every((d) => d === 'none'), `printed controls: ${JSON.stringify(hidden)}`);
  });

  await step('the Customers tab shows the customer analytics, filtered like the rest', async () => {
    const span = `from=${meta.first_date}&to=${meta.last_date}`;
    for (const filter of ['', `&category=${encodeURIComponent(category)}`]) {
      await page.goto(`${base}?tab=customers&${span}${filter}`);
      await waitReady(page);
      const api = await getJson(base, `/api/v1/segments?${span}${filter}`);
      const shown = await page.evaluate(() => {
        const data = (id) => window.till.charts[id]?.getOption().series[0]?.data ?? [];
        return {
          segments: data('rfm_segments').reduce((sum, d) => sum + d.value, 0),
          grid: data('rf_scores').length,
          gridCustomers: data('rf_scores').reduce((sum, d) => sum + d[2], 0),
          columns: window.till.charts.rf_scores?.getOption().xAxis[0].data ?? [],
          clusters: data('clusters').length,
          cohorts: data('cohorts').length,
          clv: data('clv_distribution').reduce((sum, d) => sum + d.value, 0),
        };
      });
      check(
        shown.segments === api.customers && shown.clv === api.customers,
        `segments chart ${JSON.stringify(shown)}, API ${api.customers} customers (${filter})`,
      );
      // The R × F grid shows the frequency scores some customer has, named by their orders, and
      // every customer in one of its cells.
      const scores = api.f_scores.filter((f) => f.customers > 0);
      check(
        shown.grid === 5 * scores.length &&
          shown.gridCustomers === api.customers &&
          shown.columns.length === scores.length &&
          shown.columns.every((label, i) => label.endsWith(`(F${scores[i].f_score})`)),
        `R × F grid ${JSON.stringify(shown)} against ${JSON.stringify(api.f_scores)}`,
      );
      check(shown.clusters >= 2 && shown.cohorts > 0, JSON.stringify(shown));
      const atRisk = await getJson(base, `/api/v1/customers/at-risk?${span}${filter}&limit=25`);
      const cells = await page.$$eval('[data-table="at_risk"] tbody tr', (rows) =>
        rows.map((row) => [...row.cells].map((c) => c.textContent)),
      );
      check(
        cells.length === atRisk.rows.length &&
          cells.every((row, i) => row[0] === atRisk.rows[i].customer_id && row.length === 7),
        `at-risk table ${JSON.stringify(cells.slice(0, 3))} against the API`,
      );
      check(
        cells.flat().every((text) => !text.includes('@')),
        'the at-risk table shows something personal',
      );
    }
  });

  await step('a view saved under a name opens again from the list, and can be deleted', async () => {
    const viewContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const viewPage = await viewContext.newPage();
    try {
      viewPage.on('dialog', (dialog) => dialog.accept('Books in autumn'));
      await viewPage.goto(`${base}?tab=customers&from=2023-09-01&to=2023-11-30&category=${encodeURIComponent(category)}`);
      await waitReady(viewPage);
      const saved = viewPage.url();
      await viewPage.locator('#save-view').click();
      await viewPage.goto(`${base}?tab=overview`);
      await waitReady(viewPage);
      await viewPage.locator('#views').selectOption({ label: 'Books in autumn' });
      await viewPage.waitForURL((url) => url.href === saved, { timeout: TIMEOUT_MS });
      await waitReady(viewPage);
      check(
        (await viewPage.locator('.chip', { hasText: category }).count()) === 1,
        'the saved view did not bring its filter back',
      );
      const remove = viewPage.locator('#delete-view');
      check(await remove.isVisible(), 'the open saved view offers no way to delete it');
      await remove.click();
      const left = await viewPage.locator('#views option').allTextContents();
      check(!left.includes('Books in autumn'), `the deleted view is still listed: ${left}`);
      check(!(await remove.isVisible()), 'the delete button stays after its view is gone');
    } finally {
      await viewContext.close();
    }
  });


  await step('till report --since 7d --to-webhook posts the digest to a webhook', async () => {
    const received = [];
    const receiver = http.createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        received.push({ path: request.url, body });
        response.end('ok');
      });
    });
    await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      const dir = path.join(options.workdir, 'digest');
      fs.mkdirSync(dir, { recursive: true });
      const hook = `http://127.0.0.1:${receiver.address().port}/hook`;
      fs.writeFileSync(
        path.join(dir, 'till.toml'),
        `warehouse = ${JSON.stringify(warehouse)}\n[alerts]\nwebhooks = [${JSON.stringify(hook)}]\n`,
      );
      // Asynchronously: the receiver answers from this process's event loop.
      await new Promise((resolve, reject) =>
        execFile(options.till, ['report', '--since', '7d', '--to-webhook'], { cwd: dir }, (error, stdout, stderr) =>
          error ? reject(new CheckFailed(`till report failed: ${stderr}`)) : resolve(stdout),
        ),
      );
      check(received.length === 1 && received[0].path === '/hook', `the receiver got ${received.length} posts`);
      const digest = JSON.parse(received[0].body);
      const last = (await getJson(base, '/api/v1/meta')).last_date;
      const from = new Date(`${last}T00:00:00Z`);
      from.setUTCDate(from.getUTCDate() - 6);
      const period = `from=${from.toISOString().slice(0, 10)}&to=${last}`;
      check(
        digest.period.from === from.toISOString().slice(0, 10) && digest.period.to === last,
        `the digest covers ${JSON.stringify(digest.period)}`,
      );
      const kpis = await getJson(base, `/api/v1/kpis?${period}`);
      const kpi = (name) => kpis.kpis.find((k) => k.name === name);
      check(digest.revenue === kpi('revenue').value, `digest revenue ${digest.revenue}, API ${kpi('revenue').value}`);
      check(digest.orders === kpi('orders').value, `digest orders ${digest.orders}, API ${kpi('orders').value}`);
      check(
        Math.abs(digest.revenue_change - kpi('revenue').change) < 0.0001,
        `digest change ${digest.revenue_change}, API ${kpi('revenue').change}`,
      );
      check(digest.top_movers.length === 3, `${digest.top_movers.length} top movers`);
      check(
        digest.text.includes('Revenue ') && digest.text.includes('Top movers:') && digest.text.includes('Last load'),
        `the message reads: ${digest.text}`,
      );
    } finally {
      receiver.close();
    }
  });

  await step('axe-core finds no serious or critical violation on any tab, in both themes', async () => {
    const auditContext = await browser.newContext({ viewport: { width: 1280, height: 900 }, bypassCSP: true });
    const audit = await auditContext.newPage();
    const found = [];
    let audited = 0;
    try {
      for (const themeName of ['light', 'dark']) {
        for (const tab of TABS) {
          await audit.goto(`${base}?tab=${tab}`);
          await audit.evaluate((t) => localStorage.setItem('till.theme', t), themeName);
          await audit.goto(`${base}?tab=${tab}`);
          await waitReady(audit);
          await audit.waitForTimeout(350);
          const theme = await audit.evaluate(() => document.documentElement.dataset.theme);
          check(theme === themeName, `the ${themeName} theme did not apply (${theme})`);
          // Open every data table, so that they are audited too.
          await audit.$$eval('details.data-table', (all) => all.forEach((d) => (d.open = true)));
          await audit.addScriptTag({ path: AXE });
          const violations = await audit.evaluate(async () => {
            const result = await window.axe.run(document, {
              runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
            });
            return result.violations
              .filter((v) => v.impact === 'serious' || v.impact === 'critical')
              .map((v) => `${v.id} (${v.nodes.length}): ${v.nodes[0]?.target.join(' ')}`);
          });
          for (const v of violations) found.push(`${themeName}/${tab}: ${v}`);
          audited += 1;
          // Chart marks: every palette colour at least 3:1 against the card.
          const colours = await audit.evaluate(() => {
            const card = getComputedStyle(document.documentElement).getPropertyValue('--card').trim();
            const chart = Object.values(window.till.charts)[0];
            return chart ? { card, palette: chart.getOption().color } : null;
          });
          if (colours) {
            for (const colour of colours.palette) {
              const ratio = contrast(colour, colours.card);
              if (ratio < 3) found.push(`${themeName}/${tab}: chart colour ${colour} is ${ratio.toFixed(2)}:1`);
            }
          }
        }
        await audit.screenshot({ path: options.screenshot.replace(/\.png$/, `-${themeName}.png`) });
      }
    } finally {
      await auditContext.close();
    }
    check(audited === TABS.length * 2, `${audited} audits ran, not ${TABS.length * 2}`);
    check(found.length === 0, `\n  ${found.join('\n  ')}`);
  });

  await step('a 375 px phone shows every tab without scrolling the tab bar', async () => {
    await page.setViewportSize({ width: 375, height: 800 });
    await page.goto(`${base}?tab=overview`);
    await waitReady(page);
    const outside = await page.$$eval('[role="tab"]', (tabs) =>
      tabs.filter((t) => t.getBoundingClientRect().right > window.innerWidth).map((t) => t.textContent),
    );
    check(outside.length === 0, `tabs off-screen on a phone: ${outside.join(', ')}`);
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  await step('a 375 px wide phone shows the page without sideways scrolling', async () => {
    await page.setViewportSize({ width: 375, height: 800 });
    await page.goto(`${base}?tab=overview`);
    await waitReady(page);
    await page.waitForTimeout(300);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    check(width <= 375, `the page is ${width} px wide on a 375 px screen`);
    const chartWidth = await page.evaluate(() => window.till.charts.timeseries.getWidth());
    check(chartWidth > 200 && chartWidth <= 375, `the time series chart is ${chartWidth} px wide`);
    // Kept beside the wide screenshots, for a person to look at the narrow layout.
    await page.screenshot({ path: options.screenshot.replace(/\.png$/, '-phone.png'), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  await step('a 375 px phone draws every Customers chart, labels included, within its card', async () => {
    await page.setViewportSize({ width: 375, height: 800 });
    await page.goto(`${base}?tab=customers`);
    await waitReady(page);
    await page.waitForTimeout(500);
    // Every piece of text ECharts draws (zrender's tspans) within its canvas's width.
    const cut = await page.evaluate(() => {
      const out = [];
      for (const id of ['segment', 'gender', 'new_returning', 'rfm_segments', 'rf_scores', 'clusters', 'clv_distribution']) {
        const chart = window.till.charts[id];
        if (!chart) {
          out.push(`${id}: no chart`);
          continue;
        }
        const width = chart.getWidth();
        for (const el of chart.getZr().storage.getDisplayList()) {
          if (!['text', 'tspan'].includes(el.type) || !el.style?.text || el.invisible) continue;
          const box = el.getBoundingRect().clone();
          if (el.transform) box.applyTransform(el.transform);
          if (box.x < -1 || box.x + box.width > width + 1) {
            out.push(`${id}: "${el.style.text}" at ${Math.round(box.x)}..${Math.round(box.x + box.width)} of ${width}`);
          }
        }
      }
      return out;
    });
    await page.screenshot({ path: options.screenshot.replace(/\.png$/, '-phone-customers.png'), fullPage: true });
    check(cut.length === 0, `text cut off on a phone:\n  ${cut.join('\n  ')}`);
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  await step('new data shows up without a reload', async () => {
    await page.goto(`${base}?tab=overview&from=&to=`);
    await waitReady(page);
    const orders = await page.$eval('[data-kpi="orders"] [data-value]', (node) =>
      Number(node.dataset.value),
    );
    loadMore();
    // The server notices within its refresh interval, the page within its 10 s poll of meta.
    await page
      .waitForFunction(
        (before) =>
          document.body.dataset.state === 'ready' &&
          Number(document.querySelector('[data-kpi="orders"] [data-value]').dataset.value) ===
            before + 2,
        orders,
        { timeout: 40_000 },
      )
      .catch(async () => {
        const now = await page.$eval(
          '[data-kpi="orders"] [data-value]',
          (node) => node.dataset.value,
        );
        const meta = await getJson(base, '/api/v1/meta');
        throw new CheckFailed(
          `40 s after loading 2 more sales the page shows ${now} orders (was ${orders}); meta says rows ${meta.rows}, data_version ${meta.data_version}`,
        );
      });
    await checkKpisMatchApi(page, base);
  });


  await step('a sale posted to till stream shows on the open page within a second', async () => {
    // The server pushes each commit to the page (server-sent events): no poll is waited for.
    const port = await freePort();
    const stream = spawn(
      options.till,
      ['stream', '--listen', `127.0.0.1:${port}`, '--warehouse', warehouse],
      { stdio: 'ignore' },
    );
    try {
      const streamUrl = `http://127.0.0.1:${port}`;
      let up = false;
      for (let i = 0; i < 200 && !up; i++) {
        up = await fetch(`${streamUrl}/healthz`).then((r) => r.ok, () => false);
        if (!up) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      check(up, 'till stream did not start');
      await page.goto(`${base}?tab=overview&from=&to=`);
      await waitReady(page);
      await page
        .waitForFunction(() => window.till.pushed === true, null, { timeout: 10_000 })
        .catch(() => {
          throw new CheckFailed('the page did not open the event stream');
        });
      const latencies = [];
      const pushes = [];
      const watched = watchEvents(base);
      for (let n = 1; n <= 5; n++) {
        const rows = (await getJson(base, '/api/v1/meta')).rows;
        const posted = performance.now();
        const answer = await fetch(`${streamUrl}/v1/transactions`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/x-ndjson' },
          body: saleToPost(n),
        });
        check(answer.status === 200, `till stream answered ${answer.status}: ${await answer.text()}`);
        await page
          .waitForFunction(
            (expected) =>
              document.body.dataset.state === 'ready' &&
              document.querySelector('#meta-info').textContent.startsWith(
                `${expected.toLocaleString('en-US')} rows`,
              ),
            rows + 1,
            { timeout: 10_000 },
          )
          .catch(async () => {
            const shown = await page.$eval('#meta-info', (node) => node.textContent);
            throw new CheckFailed(`10 s after posting sale ${n} the page shows "${shown}", not ${rows + 1} rows`);
          });
        latencies.push(performance.now() - posted);
        const pushed = watched.events.find((e) => e.sales >= rows + 1 && e.at >= posted);
        pushes.push(pushed ? pushed.at - posted : NaN);
        await page.waitForTimeout(500);
      }
      watched.close();
      latencies.sort((a, b) => a - b);
      console.log(
        `     POST to shown on the page: ${latencies.map((ms) => ms.toFixed(0)).join(', ')} ms (median ${latencies[2].toFixed(0)}); POST to the server's event: ${pushes.map((ms) => ms.toFixed(0)).join(', ')} ms`,
      );
      // The target is 1 s; a machine busy with other work is allowed three.
      check(latencies[2] <= 1000, `the median sale took ${latencies[2].toFixed(0)} ms to show`);
      check(latencies[4] <= 3000, `the slowest sale took ${latencies[4].toFixed(0)} ms to show`);
      await checkKpisMatchApi(page, base);

      // The Pipeline tab shows the stream: its rows, rate and lag.
      await page.locator('[data-tab="pipeline"]').click();
      await waitReady(page);
      const table = await page.$$eval('[data-table="streams"] tr', (trs) =>
        trs.map((tr) => [...tr.children].map((cell) => cell.textContent)),
      );
      check(table.length === 2, `the Streams table has ${table.length - 1} rows: ${JSON.stringify(table)}`);
      const [head, row] = table;
      const cell = (label) => row[head.indexOf(label)];
      check(cell('Source') === 'till stream', `the stream's source reads "${cell('Source')}"`);
      check(cell('Loaded') === '5', `the stream loaded "${cell('Loaded')}" rows, not 5`);
      check(/^0\.\d\d$/.test(cell('Rows/s (last minute)')), `its rate reads "${cell('Rows/s (last minute)')}"`);
      check(/ s$/.test(cell('Lag')), `its lag reads "${cell('Lag')}"`);
      check(cell('State') === 'receiving', `its state reads "${cell('State')}"`);
      // Nothing more is posted, so nothing tells the page of a change: the lag still ages.
      const lagOf = () =>
        page.$$eval('[data-table="streams"] tr', (trs) => {
          const labels = [...trs[0].children].map((c) => c.textContent);
          return trs[1].children[labels.indexOf('Lag')].textContent;
        });
      const lagBefore = parseFloat(await lagOf());
      await page.waitForTimeout(2500);
      const lagAfter = parseFloat(await lagOf());
      check(
        lagAfter >= lagBefore + 1.5,
        `with no new batch the lag went from ${lagBefore} s to ${lagAfter} s in 2.5 s`,
      );
    } finally {
      const exited = new Promise((resolve) => stream.once('exit', resolve));
      stream.kill('SIGTERM');
      await exited;
    }
  });

  await step('a restarted server is picked up without user action', async () => {
    await page.goto(`${base}?tab=overview`);
    await waitReady(page);
    const quiet = consoleMessages.length;
    await stop();
    await page.locator('[data-preset="30"]').click();
    await page.waitForFunction(() => document.body.dataset.state === 'error');
    const messages = await page.$$eval('#banner-messages li', (items) => items.map((i) => i.textContent));
    check(
      messages.length === 1 && !/\(.*reach.*\)/.test(messages[0]),
      `the banner reads ${JSON.stringify(messages)}`,
    );
    const stale = await page.$eval('[data-widget="kpis"]', (n) => n.closest('.card').dataset.status);
    check(stale === 'error', `the KPI card under the new filters is "${stale}", not marked as failed`);
    check(
      !(await page.locator('[data-kpi="revenue"] .value').isVisible()),
      'the old figures stay visible under the new filters',
    );
    await restart();
    await page
      .waitForFunction(() => document.body.dataset.state === 'ready', null, { timeout: 30_000 })
      .catch(() => {
        throw new CheckFailed('30 s after the restart the page still shows no data');
      });
    check(await page.locator('#banner').isHidden(), 'the banner stays after the server is back');
    await checkKpisMatchApi(page, base);
    // The browser logs the refused connections of the outage: expected here, and only here.
    const outage = consoleMessages.splice(quiet);
    const other = outage.filter((m) => !m.includes('ERR_CONNECTION_REFUSED'));
    consoleMessages.push(...other);
  });

  await step('paths outside the dashboard are refused', async () => {
    for (const attempt of [
      '/../../etc/passwd',
      '/%2e%2e/%2e%2e/etc/passwd',
      '/%252e%252e/etc/passwd',
      '/..%2f..%2fetc%2fpasswd',
    ]) {
      const { status, body } = await rawGet(base, attempt);
      check(status === 400 || status === 404, `GET ${attempt} answered ${status}`);
      check(!body.includes('root:'), `GET ${attempt} answered with /etc/passwd`);
    }
  });

  // First render of a fresh page, then the screenshot.
  const fresh = await context.newPage();
  fresh.on('console', (message) =>
    consoleMessages.push(`console.${message.type()}: ${message.text()}`),
  );
  fresh.on('pageerror', (error) => consoleMessages.push(`page error: ${error.message}`));
  fresh.on('dialog', (dialog) => {
    dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    dialog.dismiss().catch(() => {});
  });
  await step('first render and screenshot', async () => {
    await fresh.goto(base);
    await waitReady(fresh);
    const firstRender = await fresh.evaluate(() => window.till.firstRenderMs);
    check(typeof firstRender === 'number', 'window.till.firstRenderMs is not set');
    // Every module the page runs is fetched up front (index.html's modulepreload list).
    const modules = await fresh.evaluate(() => ({
      loaded: performance
        .getEntriesByType('resource')
        .map((e) => new URL(e.name).pathname)
        .filter((p) => p.endsWith('.js') && !p.startsWith('/vendor/') && p !== '/app.js'),
      preloaded: [...document.querySelectorAll('link[rel="modulepreload"]')].map(
        (l) => new URL(l.href).pathname,
      ),
    }));
    const missing = modules.loaded.filter((m) => !modules.preloaded.includes(m));
    check(missing.length === 0, `modules loaded without a modulepreload link in index.html: ${missing}`);
    check(modules.preloaded.length > 10, `only ${modules.preloaded.length} modules preloaded`);
    await fresh.waitForTimeout(500); // let chart animations finish
    fs.mkdirSync(path.dirname(options.screenshot), { recursive: true });
    await fresh.screenshot({ path: options.screenshot, fullPage: true });
    console.log(
      `     first render: ${firstRender.toFixed(0)} ms; screenshot: ${options.screenshot}`,
    );
  });

  await step('no console output, page errors or dialogs', async () => {
    check(consoleMessages.length === 0, `\n  ${consoleMessages.join('\n  ')}`);
    check(dialogs.length === 0, `dialogs opened: ${dialogs.join('; ')}`);
  });
  await context.close();
}

await main();
