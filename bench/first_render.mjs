// Times the dashboard's first full render in headless Chromium: from navigation until every
// chart of the first tab shows its data (the page sets window.till.firstRenderMs then). Each
// load is a fresh browser context, so nothing is cached.
//
//   node bench/first_render.mjs URL [LOADS]      prints "RENDER median_ms max_ms"
import { createRequire } from 'node:module';

const require = createRequire(new URL('../web/package.json', import.meta.url));
const { chromium } = require('playwright-core');

const url = process.argv[2];
const loads = Number(process.argv[3] || 5);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox'],
});
const times = [];
try {
  for (let i = 0; i < loads; i++) {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    await page.goto(url);
    await page.waitForFunction(() => window.till && window.till.firstRenderMs > 0, null,
      { timeout: 60000 });
    times.push(await page.evaluate(() => window.till.firstRenderMs));
    await context.close();
  }
} finally {
  await browser.close();
}
times.sort((a, b) => a - b);
console.log(`RENDER ${times[Math.floor(times.length / 2)].toFixed(0)} ${times[times.length - 1].toFixed(0)}`);
