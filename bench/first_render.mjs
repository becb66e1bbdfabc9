// Times the dashboard in headless Chromium: its first full render (from navigation until every
// widget of the first tab shows its data; the page sets window.till.firstRenderMs then), and the
// first render of every other tab (from the click on the tab until its widgets show their data;
// window.till.tabRenderMs). Each load is a fresh browser context, so nothing is cached.
//
//   node bench/first_render.mjs URL [LOADS]
//     prints "RENDER median_ms max_ms", then "TAB name median_ms max_ms" per tab
import { createRequire } from 'node:module';

const require = createRequire(new URL('../web/package.json', import.meta.url));
const { chromium } = require('playwright-core');

const TABS = ['sales', 'customers', 'operations', 'satisfaction', 'growth', 'forecast', 'pipeline'];
const url = process.argv[2];
const loads = Number(process.argv[3] || 5);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox'],
});
const times = [];
const tabTimes = Object.fromEntries(TABS.map((tab) => [tab, []]));
try {
  for (let i = 0; i < loads; i++) {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    await page.goto(url);
    await page.waitForFunction(() => window.till && window.till.firstRenderMs > 0, null,
      { timeout: 60000 });
    times.push(await page.evaluate(() => window.till.firstRenderMs));
    for (const tab of TABS) {
      await page.click(`[data-tab="${tab}"]`);
      await page.waitForFunction((t) => window.till.tabRenderMs[t] !== undefined, tab,
        { timeout: 60000 });
      tabTimes[tab].push(await page.evaluate((t) => window.till.tabRenderMs[t], tab));
    }
    await context.close();
  }
} finally {
  await browser.close();
}
const summary = (values) => {
  values.sort((a, b) => a - b);
  return `${values[Math.floor(values.length / 2)].toFixed(0)} ${values[values.length - 1].toFixed(0)}`;
};
console.log(`RENDER ${summary(times)}`);
for (const tab of TABS) console.log(`TAB ${tab} ${summary(tabTimes[tab])}`);
