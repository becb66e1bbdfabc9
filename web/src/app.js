// The Till dashboard's entry module: binds the controls, reads meta and dimensions, listens to
// the server's change events (live.js) and polls.
//
// Every number comes from the JSON API of `till serve` (docs/api.md). The view is one `state`
// object that the URL mirrors (state.js); each chart or table is a widget of a tab (tab-*.js),
// loaded by loading.js.
//
// Everything from the data reaches the page as text (textContent, canvas text, or escaped
// tooltip HTML), never as markup.

import { apiFetch, apiUrl, takeTokenFromHash } from './api.js';
import { clearBanner, describeError, setBanner } from './banner.js';
import { charts, disposeCharts } from './charts.js';
import { $, $$ } from './dom.js';
import { buildDimensionFilters } from './filters.js';
import { formatInteger, setCurrency } from './format.js';
import { subscribe } from './live.js';
import { downloadCsv, invalidate, update } from './loading.js';
import {
  changeState,
  meta,
  presetRange,
  readUrl,
  setDimensions,
  setMeta,
  state,
  TABS,
  whenChanged,
} from './state.js';
import { bindForecastControls } from './tab-forecast.js';
import { bindGrowthControls, fillGrowthControls } from './tab-growth.js';
import { applyTheme, bindThemeSwitch, whenThemeChanges } from './theme.js';
import { bindSavedViews } from './views.js';

const POLL_MS = 10_000;
const PUSHED_POLL_MS = 60_000; // while the server's change events arrive: a safety net only
const RETRY_MS = 2_000; // while the server cannot be reached

function openTab(tab) {
  window.till.tabClickedAt = performance.now();
  changeState(() => (state.tab = tab));
}

// The tab bar as WAI-ARIA describes it: one tab in the Tab order (roving tabindex), the arrow
// keys, Home and End move among tabs and open the one they reach.
function bindTabs() {
  for (const button of $$('[data-tab]')) {
    button.addEventListener('click', () => openTab(button.dataset.tab));
  }
  $('.tabs').addEventListener('keydown', (e) => {
    const i = TABS.indexOf(state.tab);
    const next = {
      ArrowRight: (i + 1) % TABS.length,
      ArrowLeft: (i - 1 + TABS.length) % TABS.length,
      Home: 0,
      End: TABS.length - 1,
    }[e.key];
    if (next === undefined) return;
    e.preventDefault();
    openTab(TABS[next]);
    $(`[data-tab="${TABS[next]}"]`).focus();
  });
}

function bindControls() {
  bindTabs();
  bindGrowthControls();
  bindForecastControls();
  bindThemeSwitch();
  bindSavedViews();
  $('#print').addEventListener('click', () => window.print());
  for (const select of $$('[data-measure-of]')) {
    select.addEventListener('change', (e) => changeState(() => (state.measure = e.target.value)));
  }
  $('#grain').addEventListener('change', (e) => changeState(() => (state.grain = e.target.value)));
  $('#from').addEventListener('change', (e) => changeState(() => (state.from = e.target.value)));
  $('#to').addEventListener('change', (e) => changeState(() => (state.to = e.target.value)));
  for (const button of $$('[data-preset]')) {
    button.addEventListener('click', () =>
      changeState(() => ([state.from, state.to] = presetRange(button.dataset.preset))),
    );
  }
  $('#clear-all').addEventListener('click', () => changeState(() => (state.filters = {})));
  $('#dims-toggle').addEventListener('click', (e) => {
    const open = $('.filters').classList.toggle('open');
    e.currentTarget.setAttribute('aria-expanded', String(open));
  });
  for (const button of $$('[data-csv]')) {
    button.addEventListener('click', () => downloadCsv(button.dataset.csv));
  }
  $('#banner-close').addEventListener('click', clearBanner);
  // A click outside an open dropdown, or Escape, closes it.
  document.addEventListener('click', (e) => {
    for (const details of $$('details.dd[open]'))
      if (!details.contains(e.target)) details.open = false;
  });
  document.addEventListener('keydown', (e) => {
    if (e.key !== 'Escape') return;
    for (const details of $$('details.dd[open]')) {
      details.open = false;
      details.querySelector('summary').focus();
    }
  });
  window.addEventListener('popstate', () => {
    readUrl();
    update();
  });
}

function applyMeta(answer) {
  setMeta(answer);
  setCurrency(answer.currency);
  const span = meta.first_date ? `${meta.first_date} – ${meta.last_date}` : 'no dated sales';
  $('#meta-info').textContent = `${formatInteger(meta.rows)} rows · ${span}`;
  for (const input of [$('#from'), $('#to')]) {
    input.min = meta.first_date ?? '';
    input.max = meta.last_date ?? '';
  }
}

// `asked`: a request for the dimensions already under way (the first poll asks for them beside
// meta, saving a round trip before the first render).
async function loadDimensions(asked) {
  const answer = await (asked ?? apiFetch(apiUrl('dimensions')));
  setDimensions(answer.dimensions);
  buildDimensionFilters();
  fillGrowthControls();
}

let started = false; // the state has been read from the URL (needs meta and dimensions)
let unreachable = false; // the last poll failed
let pushed = false; // the server's change events arrive (live.js)

// Reads meta; on the first success, when the data changed, when the server restarted (its
// snapshot was read anew) or when it is reachable again after a failure, reloads the
// dimensions and refetches everything the page shows.
// `expectChange`: the server said the data changed; the dimensions are asked for beside meta.
async function poll(expectChange = false) {
  let wait = pushed ? PUSHED_POLL_MS : POLL_MS;
  const dimensions = started && !expectChange ? undefined : apiFetch(apiUrl('dimensions'));
  dimensions?.catch(() => {}); // a failure is met when it is awaited, or meta's failure wins
  try {
    const answer = await apiFetch(apiUrl('meta'));
    setBanner('meta', null);
    const changed =
      !started ||
      unreachable ||
      answer.data_version !== meta?.data_version ||
      answer.refreshed_at !== meta?.refreshed_at;
    unreachable = false;
    if (changed) {
      applyMeta(answer);
      await loadDimensions(dimensions);
      if (!started) readUrl();
      started = true;
      invalidate();
      await update();
    }
  } catch (error) {
    unreachable = true;
    wait = RETRY_MS;
    setBanner('meta', describeError(error));
    if (!started) document.body.dataset.state = 'error';
  } finally {
    clearTimeout(pollTimer);
    pollTimer = setTimeout(() => pollNow(), wait);
  }
}

let pollTimer = null;
let polling = null; // the poll under way
let pollAgain = false; // asked for while one was under way

// Polls now, or right after the poll under way (which may have read meta before the change).
function pollNow(expectChange = false) {
  if (polling) {
    pollAgain = true;
    return;
  }
  polling = poll(expectChange).finally(() => {
    polling = null;
    if (pollAgain) {
      pollAgain = false;
      pollNow(true);
    }
  });
}

// A change event from the server: meta is read again unless the page shows that data already
// (the event a stream opens with, when nothing changed since the page read meta).
function changed(event) {
  if (
    started &&
    !unreachable &&
    event.data_version === meta?.data_version &&
    event.refreshed_at === meta?.refreshed_at
  ) {
    return;
  }
  pollNow(true);
}

// A change of view that failed is followed by a poll in RETRY_MS rather than POLL_MS, so that the
// page notices soon when the server answers again.
async function updateAndWatch() {
  await update();
  if (document.body.dataset.state === 'error' && started) {
    clearTimeout(pollTimer);
    pollTimer = setTimeout(() => pollNow(), RETRY_MS);
  }
}

function start() {
  // What tests read: the charts, the state, and the time of the first complete render (which
  // loading.js sets).
  window.till = {
    charts,
    state,
    firstRenderMs: undefined,
    tabClickedAt: 0, // when a tab was last opened, for tabRenderMs
    tabRenderMs: {}, // per tab: from its first opening to its first complete render
    pushed: false, // the server's change events arrive
  };
  applyTheme();
  whenThemeChanges(() => {
    disposeCharts();
    update();
  });
  // A change made while the server cannot be reached is retried as soon as it answers again.
  whenChanged(updateAndWatch);
  takeTokenFromHash();
  bindControls();
  pollNow();
  subscribe(changed, (open) => {
    pushed = open;
    window.till.pushed = open;
  });
}

start();
