// Chart helpers: an ECharts instance per widget, and bar and pie options of breakdown rows.
//
// A member that a cross-filter leaves out stays in its chart, dimmed.

import { $, esc, h } from './dom.js';
import {
  formatCompact,
  formatDecimal,
  formatInteger,
  formatMoney,
  formatPercent,
} from './format.js';
import { selected } from './state.js';

// Chart colours, each at least 3:1 against the card in both themes (the test measures them).
export const PALETTE = {
  light: ['#3657c9', '#c2410c', '#15803d', '#a21caf', '#a16207', '#0e7490', '#be123c', '#57534e'],
  dark: ['#8ea8ff', '#fb923c', '#4ade80', '#e879f9', '#facc15', '#22d3ee', '#fb7185', '#d6d3d1'],
};

export const theme = () => (document.documentElement.dataset.theme === 'dark' ? 'dark' : 'light');

// Text and line colours of charts, from the page's CSS variables.
export function ink() {
  const style = getComputedStyle(document.documentElement);
  const value = (name) => style.getPropertyValue(name).trim();
  return {
    text: value('--text'),
    muted: value('--muted'),
    line: value('--line'),
    card: value('--card'),
  };
}

// Members whose natural order is not alphabetical; others keep the API's order.
const MEMBER_ORDER = {
  income: ['Low', 'Medium', 'High'],
  feedback: ['Excellent', 'Good', 'Average', 'Bad'],
  age_band: ['<18', '18-24', '25-34', '35-44', '45-54', '55-64', '65+'],
};

// The measures every breakdown row carries, for tooltips.
const MEASURES = [
  ['revenue', 'Revenue', formatMoney],
  ['average_order_value', 'Average order value', formatMoney],
  ['orders', 'Orders', formatInteger],
  ['units', 'Units', formatInteger],
  ['customers', 'Customers', formatInteger],
  ['average_rating', 'Average rating', formatDecimal],
];

// Chart id → ECharts instance, created the first time its tab is visible.
export const charts = {};

const resizeObserver = new ResizeObserver((entries) => {
  // Resize on the next frame: resizing inside the callback could trigger it again.
  requestAnimationFrame(() => {
    for (const entry of entries) {
      const chart = charts[entry.target.dataset.chart];
      if (chart && entry.target.clientWidth > 0) chart.resize();
    }
  });
});

export function chartOf(widget) {
  if (!charts[widget.id]) {
    const container = $(`[data-chart="${widget.id}"]`);
    // The chart's accessible name is its card's title; its data-table alternative follows it.
    const title = container.closest('.card')?.querySelector('h2')?.textContent ?? widget.id;
    container.setAttribute('role', 'img');
    container.setAttribute('aria-label', `${title} (chart; the data table below lists its values)`);
    // ECharts is the classic script that index.html runs before this module. Its theme gives
    // every tooltip the page's colours (ECharts' own are for a light page); a chart keeps the
    // theme it was made with, so a change of theme makes the charts anew (disposeCharts).
    const { text, line, card } = ink();
    const name = `till-${theme()}`;
    window.echarts.registerTheme(name, {
      tooltip: { backgroundColor: card, borderColor: line, textStyle: { color: text } },
    });
    const chart = window.echarts.init(container, name, { renderer: 'canvas' });
    if (widget.click) chart.on('click', (event) => widget.click(event));
    charts[widget.id] = chart;
    resizeObserver.observe(container);
    // PNG export of the chart as drawn, on the card's background.
    const tools = container.closest('.card')?.querySelector('.tools');
    if (tools && !tools.querySelector(`[data-png="${widget.id}"]`)) {
      tools.append(
        h('button', {
          type: 'button',
          class: 'csv',
          dataset: { png: widget.id },
          text: 'PNG',
          'aria-label': `${title}: download as PNG`,
          onclick: () => {
            const link = h('a', {
              href: charts[widget.id].getDataURL({
                type: 'png',
                pixelRatio: 2,
                backgroundColor: ink().card,
              }),
              download: `till-${widget.id}.png`,
              hidden: true,
            });
            document.body.append(link);
            link.click();
            link.remove();
          },
        }),
      );
    }
  }
  return charts[widget.id];
}

// Disposes every chart: the next render makes them anew, in the page's theme.
export function disposeCharts() {
  for (const [id, chart] of Object.entries(charts)) {
    resizeObserver.unobserve(chart.getDom());
    chart.dispose();
    delete charts[id];
  }
}

const DIMMED = 0.25;

// Opacity of a member in a chart whose dimension has these selected members.
export function emphasis(member, chosen) {
  return chosen.size === 0 || chosen.has(member) ? 1 : DIMMED;
}

export function rowTooltip(title, row) {
  const lines = MEASURES.filter(([key]) => key in row).map(
    ([key, label, format]) => `${esc(label)}: <b>${esc(format(row[key]))}</b>`,
  );
  return [`<b>${esc(title)}</b>`, ...lines].join('<br>');
}

// A tooltip per item (bar or slice); `formatter` must escape whatever comes from the data.
export const itemTooltip = (formatter) => ({ trigger: 'item', confine: true, formatter });

export function baseOption() {
  const { text } = ink();
  return {
    animationDuration: 300,
    color: PALETTE[theme()],
    textStyle: { color: text },
    grid: { left: 8, right: 16, top: 24, bottom: 8, containLabel: true },
  };
}

// An option with the theme's colours on its axes and legend (ECharts' own defaults are for a
// light background).
export function themed(option) {
  const { text, muted, line } = ink();
  const paint = (axes) =>
    axes == null
      ? axes
      : (Array.isArray(axes) ? axes : [axes]).map((axis) => ({
          axisLine: { lineStyle: { color: muted } },
          splitLine: { lineStyle: { color: line }, ...axis.splitLine },
          nameTextStyle: { color: muted },
          ...axis,
          axisLabel: { color: muted, ...axis.axisLabel },
        }));
  return {
    ...option,
    xAxis: paint(option.xAxis),
    yAxis: paint(option.yAxis),
    legend: option.legend ? { textStyle: { color: text }, ...option.legend } : undefined,
  };
}

// The data-table alternative of a chart: a disclosure under it with one row per item. With
// `pick`, the first cell is a button doing what clicking the item does (filter or drill down),
// so the keyboard reaches everything the mouse does.
export function renderDataTable(widget, columns, rows, pick) {
  const container = $(`[data-chart="${widget.id}"]`);
  let details = container.nextElementSibling;
  if (!details?.classList.contains('data-table')) {
    details = h(
      'details',
      { class: 'data-table', dataset: { tableOf: widget.id } },
      h('summary', { text: 'Data table' }),
      h('div', { class: 'table-wrap' }),
    );
    container.after(details);
  }
  const title = container.closest('.card')?.querySelector('h2')?.textContent ?? widget.id;
  const cell = (column, row, index) => {
    const value = row[column.key];
    const text = column.format ? column.format(value) : String(value ?? '—');
    if (index === 0 && pick) {
      return h(
        'td',
        {},
        h('button', { type: 'button', class: 'link', text, onclick: () => pick(row) }),
      );
    }
    return h('td', { class: column.num ? 'num' : null, text });
  };
  const table = h(
    'table',
    {},
    h('caption', { class: 'visually-hidden', text: title }),
    h(
      'thead',
      {},
      h('tr', {}, ...columns.map((c) => h('th', { scope: 'col', text: c.label }))),
    ),
    h(
      'tbody',
      {},
      ...rows.map((row) => h('tr', {}, ...columns.map((c, i) => cell(c, row, i)))),
    ),
  );
  details.querySelector('.table-wrap').replaceChildren(
    rows.length ? table : h('p', { class: 'empty', text: 'No data for these filters.' }),
  );
}

// The usual columns of a breakdown row: its member, then the measures.
export function breakdownColumns(dim, label) {
  return [
    { key: dim, label },
    { key: 'revenue', label: 'Revenue', format: formatMoney, num: true },
    { key: 'orders', label: 'Orders', format: formatInteger, num: true },
    { key: 'units', label: 'Units', format: formatInteger, num: true },
    { key: 'customers', label: 'Customers', format: formatInteger, num: true },
    { key: 'average_rating', label: 'Average rating', format: formatDecimal, num: true },
  ];
}

export function emptyOption(text = 'No data for these filters') {
  return {
    title: {
      text,
      left: 'center',
      top: 'middle',
      textStyle: { fontSize: 14, fontWeight: 'normal', color: ink().muted },
    },
    series: [],
  };
}

const UNKNOWN = '(unknown)'; // the member of a missing value, in every dimension

// Rows in the member order of MEMBER_ORDER, if the dimension has one, with (unknown) last.
export function sortMembers(rows, dim) {
  const order = MEMBER_ORDER[dim] ?? [];
  const rank = (m) =>
    m === UNKNOWN ? order.length + 1 : order.includes(m) ? order.indexOf(m) : order.length;
  return [...rows].sort((a, b) => rank(a[dim]) - rank(b[dim])); // stable: ties keep the API's order
}

// A bar chart of breakdown rows: one bar per member of `dim`, the height `measure`.
export function barOption(rows, dim, measure, { horizontal = false, max } = {}) {
  if (!rows.length) return emptyOption();
  const chosen = selected(dim);
  const names = rows.map((row) => row[dim]);
  const data = rows.map((row) => ({
    name: row[dim],
    value: row[measure],
    row,
    itemStyle: { opacity: emphasis(row[dim], chosen) },
  }));
  const categoryAxis = {
    type: 'category',
    data: names,
    inverse: horizontal, // the largest on top
    axisLabel: horizontal
      ? { width: 170, overflow: 'truncate' }
      : { interval: 0, hideOverlap: true },
  };
  const valueAxis = { type: 'value', max, axisLabel: { formatter: formatCompact } };
  return themed({
    ...baseOption(),
    tooltip: itemTooltip((p) => rowTooltip(p.name, p.data.row)),
    xAxis: horizontal ? valueAxis : categoryAxis,
    yAxis: horizontal ? categoryAxis : valueAxis,
    series: [{ type: 'bar', data, cursor: 'pointer' }],
  });
}

// Charts narrower than this (a phone) draw no labels beside a pie or a bar's axis, where they
// would be cut off at the canvas's edge: a legend below, names above the bars instead.
export const NARROW_CHART = 480;
export const isNarrow = (chart) => chart.getWidth() < NARROW_CHART;

export function pieOption(rows, dim, measure, narrow = false) {
  if (!rows.length) return emptyOption();
  const chosen = selected(dim);
  const total = rows.reduce((sum, row) => sum + (row[measure] ?? 0), 0);
  const share = new Map(rows.map((row) => [String(row[dim]), total ? row[measure] / total : 0]));
  const option = {
    ...baseOption(),
    tooltip: itemTooltip(
      (p) => `${rowTooltip(p.name, p.data.row)}<br>Share: <b>${esc(p.percent)} %</b>`,
    ),
    series: [
      {
        type: 'pie',
        radius: ['35%', '65%'],
        data: rows.map((row) => ({
          name: row[dim],
          value: row[measure],
          row,
          itemStyle: { opacity: emphasis(row[dim], chosen) },
        })),
        // Each slice names its member and its share.
        label: { formatter: '{b}: {d} %', overflow: 'truncate', width: 130, color: ink().text },
      },
    ],
  };
  if (!narrow) return option;
  // On a phone the names and shares go to a legend below the ring.
  Object.assign(option.series[0], {
    radius: ['30%', '55%'],
    center: ['50%', '40%'],
    label: { show: false },
    labelLine: { show: false },
  });
  option.legend = {
    type: rows.length > 8 ? 'scroll' : 'plain',
    bottom: 0,
    left: 'center',
    textStyle: { color: ink().text },
    pageTextStyle: { color: ink().text },
    formatter: (name) => `${name}: ${formatPercent(share.get(name) ?? 0)}`,
  };
  return option;
}
