// Chart helpers: an ECharts instance per widget, and bar and pie options of breakdown rows.
//
// A member that a cross-filter leaves out stays in its chart, dimmed.

import { $, esc } from './dom.js';
import { formatCompact, formatDecimal, formatInteger } from './format.js';
import { selected } from './state.js';

// Members whose natural order is not alphabetical; others keep the API's order.
const MEMBER_ORDER = {
  income: ['Low', 'Medium', 'High'],
  feedback: ['Excellent', 'Good', 'Average', 'Bad'],
  age_band: ['<18', '18-24', '25-34', '35-44', '45-54', '55-64', '65+'],
};

// The measures every breakdown row carries, for tooltips.
const MEASURES = [
  ['revenue', 'Revenue', formatDecimal],
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
    // ECharts is the classic script that index.html runs before this module.
    const chart = window.echarts.init(container);
    if (widget.click) chart.on('click', (event) => widget.click(event));
    charts[widget.id] = chart;
    resizeObserver.observe(container);
  }
  return charts[widget.id];
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

export const baseOption = () => ({
  animationDuration: 300,
  grid: { left: 8, right: 16, top: 24, bottom: 8, containLabel: true },
});

export function emptyOption(text = 'No data for these filters') {
  return {
    title: {
      text,
      left: 'center',
      top: 'middle',
      textStyle: { fontSize: 14, fontWeight: 'normal', color: '#6b7280' },
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
  return {
    ...baseOption(),
    tooltip: itemTooltip((p) => rowTooltip(p.name, p.data.row)),
    xAxis: horizontal ? valueAxis : categoryAxis,
    yAxis: horizontal ? categoryAxis : valueAxis,
    series: [{ type: 'bar', data, cursor: 'pointer' }],
  };
}

export function pieOption(rows, dim, measure) {
  if (!rows.length) return emptyOption();
  const chosen = selected(dim);
  return {
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
        label: { formatter: '{b}', overflow: 'truncate', width: 110 },
      },
    ],
  };
}
