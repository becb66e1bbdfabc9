// Browser test of the dashboard that `till serve` embeds: a real server on a fresh warehouse, a
// real headless Chromium, and checks that the page shows exactly what the API answers.
//
//   node tests/web/dashboard_test.mjs --till build/release/src/cli/till --workdir /tmp/web-test \
//        [--screenshot dashboard.png]
//
// Exits 0 when every check passes, 1 (listing each failure) when one does not, 2 on bad usage.
// Playwright comes from web/node_modules (`npm ci` in web/); the browser is Debian's chromium.

import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

const { chromium } = await import(
  new URL('../../web/node_modules/playwright-core/index.mjs', import.meta.url)
);

const CHROMIUM = '/usr/bin/chromium';
const TIMEOUT_MS = 20_000;
const EVIL_PRODUCT = '<script>alert(1)</script>';
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
  const [header, first, second] = fs.readFileSync(raw, 'utf8').split(/\r?\n/, 3);
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
  return { warehouse, hierarchy, loadMore };
}

// ---------------------------------------------------------------------------------------------
// The server

// Starts `till serve` and resolves with its base URL once it prints it.
function startServer(till, warehouse) {
  const child = spawn(till, ['serve', '--warehouse', warehouse, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
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

// The API query the dashboard's URL stands for: its filter parameters without tab and grain.
function apiQueryOf(pageUrl) {
  const query = new URLSearchParams();
  for (const [name, value] of new URL(pageUrl).searchParams) {
    if (name !== 'tab' && name !== 'grain' && value !== '') query.append(name, value);
  }
  return query;
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
  const { warehouse, hierarchy, loadMore } = prepareWarehouse(options);
  const server = startServer(options.till, warehouse);
  const stopOnExit = () => server.child.kill('SIGKILL');
  process.on('exit', stopOnExit);
  let browser;
  try {
    const base = await server.url;
    console.log(`till serve is at ${base}`);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    await runChecks(browser, base, options, { hierarchy, loadMore });
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

async function runChecks(browser, base, options, { hierarchy, loadMore }) {
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
    category = (await item.innerText()).trim();
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

  await step('a 375 px wide phone shows the page without sideways scrolling', async () => {
    await page.setViewportSize({ width: 375, height: 800 });
    await page.goto(`${base}?tab=overview`);
    await waitReady(page);
    await page.waitForTimeout(300);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    check(width <= 375, `the page is ${width} px wide on a 375 px screen`);
    const chartWidth = await page.evaluate(() => window.till.charts.timeseries.getWidth());
    check(chartWidth > 200 && chartWidth <= 375, `the time series chart is ${chartWidth} px wide`);
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
