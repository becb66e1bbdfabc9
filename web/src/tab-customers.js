// The Customers tab: revenue by segment, age band, gender and income; first-time against
// returning customers; then the customer analytics of the filtered sales (/api/v1/segments,
// clusters, cohorts, customers/at-risk): RFM segments, the recency × frequency score grid,
// behavioural clusters, cohort retention, the distribution of 12-month lifetime value, and the
// most valuable customers at risk (ids and figures only). They follow every filter.
//
// "New" is a member of the customer segment dimension; the customers whose first purchase falls
// in the period are called first-time here, so that the two never mix.

import {
  baseOption,
  chartOf,
  emptyOption,
  ink,
  isNarrow,
  itemTooltip,
  PALETTE,
  pieOption,
  renderDataTable,
  theme,
  themed,
} from './charts.js';
import { $, esc, h } from './dom.js';
import {
  formatCompact,
  formatDecimal,
  formatInteger,
  formatMoney,
  formatPercent,
} from './format.js';
import { filterParams, meta } from './state.js';
import { breakdownWidget } from './widgets.js';

const newReturningWidget = {
  id: 'new_returning',
  tab: 'customers',
  chart: true,
  request: () => ['customers', filterParams()],
  render(data) {
    const groups = data.groups ?? [];
    const label = { new: 'First-time', returning: 'Returning' };
    const rows = groups.map((g) => ({ ...g, group: label[g.group] ?? g.group }));
    renderDataTable(
      this,
      [
        { key: 'group', label: 'Customers' },
        { key: 'customers', label: 'Customers (count)', format: formatInteger, num: true },
        { key: 'orders', label: 'Orders', format: formatInteger, num: true },
        { key: 'revenue', label: 'Revenue', format: formatMoney, num: true },
      ],
      rows,
    );
    if (!groups.some((g) => g.customers > 0)) {
      chartOf(this).setOption(emptyOption(), true);
      return;
    }
    const chart = chartOf(this);
    const narrow = isNarrow(chart);
    const option = pieOption(rows, 'group', 'customers', narrow);
    // Over a period that starts with the data, every customer's first purchase is in it.
    const fromStart = data.period && meta?.first_date && data.period.from <= meta.first_date;
    // The title wraps within the chart rather than run past its edges.
    const wrap = { width: Math.max(120, chart.getWidth() - 16), overflow: 'break' };
    option.title = {
      text: 'First-time: first purchase ever within the period',
      subtext: fromStart
        ? 'The period starts with the data, so every customer is first-time in it.'
        : '',
      left: 'center',
      top: 0,
      textStyle: { fontSize: 12, fontWeight: 'normal', color: ink().text, ...wrap },
      subtextStyle: { fontSize: 12, color: ink().muted, ...wrap },
    };
    option.series[0].center = ['50%', narrow ? '55%' : '58%'];
    chart.setOption(option, true);
  },
};

// A bar per row: `label` on the axis, `measure` its length. On a phone (`narrow`) each name
// stands above its bar, as wide as the chart, instead of beside it on the axis.
function rowsBarOption(rows, label, measure, tooltip, narrow = false) {
  if (!rows.length) return emptyOption();
  const option = themed({
    ...baseOption(),
    tooltip: itemTooltip((p) => tooltip(p.data.row)),
    xAxis: { type: 'value', splitNumber: narrow ? 3 : 5, axisLabel: { formatter: formatCompact } },
    yAxis: {
      type: 'category',
      inverse: true,
      data: rows.map((r) => r[label]),
      axisLabel: narrow ? { show: false } : { width: 200, overflow: 'truncate' },
      axisTick: { show: !narrow },
    },
    series: [
      {
        type: 'bar',
        barCategoryGap: narrow ? '55%' : '20%',
        data: rows.map((row) => ({ value: row[measure], row })),
        label: narrow
          ? {
              show: true,
              position: [0, -16],
              formatter: (p) => p.data.row[label],
              color: ink().text,
              overflow: 'truncate',
              width: 280,
            }
          : { show: false },
      },
    ],
  });
  return option;
}

// On a phone each row of a bar chart needs room for its name above the bar: the chart grows
// to fit its rows there, and takes the stylesheet's height again elsewhere.
function fitRows(widget, count) {
  const chart = chartOf(widget);
  const narrow = isNarrow(chart);
  const dom = $(`[data-chart="${widget.id}"]`);
  const height = narrow ? `${Math.max(240, count * 40 + 40)}px` : '';
  if (dom.style.height !== height) {
    dom.style.height = height;
    chart.resize();
  }
  return narrow;
}

// A heat map: `cells` of [x index, y index, value], shaded from the card towards the theme's
// first colour.
function heatmapOption(xs, ys, cells, { xName, yName, format, tooltip }) {
  if (!cells.length) return emptyOption();
  const values = cells.map((c) => c[2]);
  return themed({
    ...baseOption(),
    // The y axis's name stands beside it, rotated: the grid leaves it room.
    grid: { left: 32, right: 16, top: 8, bottom: 48, containLabel: true },
    tooltip: itemTooltip((p) => tooltip(xs[p.data[0]], ys[p.data[1]], p.data[2])),
    xAxis: {
      type: 'category',
      data: xs,
      name: xName,
      nameLocation: 'middle',
      nameGap: 24,
      axisLabel: { interval: 0, hideOverlap: true },
    },
    yAxis: {
      type: 'category',
      data: ys,
      name: yName,
      nameLocation: 'middle',
      nameGap: 28,
      inverse: true,
    },
    visualMap: {
      min: Math.min(...values),
      max: Math.max(...values, Math.min(...values) + 1e-9),
      calculable: false,
      orient: 'horizontal',
      left: 'center',
      bottom: 0,
      itemHeight: 120,
      textStyle: { color: ink().text },
      inRange: { color: [theme() === 'dark' ? '#1e293b' : '#eef2ff', PALETTE[theme()][0]] },
      formatter: (v) => format(v),
    },
    series: [
      {
        type: 'heatmap',
        data: cells,
        label: { show: cells.length <= 60, formatter: (p) => format(p.data[2]) },
      },
    ],
  });
}

const segmentColumns = (first) => [
  first,
  { key: 'customers', label: 'Customers', format: formatInteger, num: true },
  { key: 'revenue', label: 'Revenue', format: formatMoney, num: true },
  { key: 'revenue_share', label: 'Share', format: formatPercent, num: true },
  { key: 'average_clv_12m', label: '12-month value', format: formatMoney, num: true },
];

const groupTooltip = (title, row) =>
  [
    `<b>${esc(title)}</b>`,
    `Customers: <b>${esc(formatInteger(row.customers))}</b>`,
    `Revenue: <b>${esc(formatMoney(row.revenue))}</b> (${esc(formatPercent(row.revenue_share))})`,
    `Average 12-month value: <b>${esc(formatMoney(row.average_clv_12m))}</b>`,
  ].join('<br>');

const rfmSegmentsWidget = {
  id: 'rfm_segments',
  tab: 'customers',
  chart: true,
  request: () => ['segments', filterParams()],
  render(data) {
    const rows = data.segments ?? [];
    chartOf(this).setOption(
      rowsBarOption(
        rows,
        'segment',
        'customers',
        (row) => groupTooltip(row.segment, row),
        fitRows(this, rows.length),
      ),
      true,
    );
    renderDataTable(this, segmentColumns({ key: 'segment', label: 'Segment' }), rows);
  },
};

// The frequency scores that some customer has, each named by the orders it stands for.
// Customers with equal orders share a score, so where most bought once some scores hold nobody
// (src/segment/rfm.h): those columns are left out rather than drawn as empty.
export function frequencyColumns(fScores) {
  return fScores
    .filter((s) => s.customers > 0)
    .map((s) => {
      const orders =
        s.min_orders === s.max_orders ? `${s.min_orders}` : `${s.min_orders}–${s.max_orders}`;
      const unit = s.min_orders === 1 && s.max_orders === 1 ? 'order' : 'orders';
      return { score: s.f_score, label: `${orders} ${unit} (F${s.f_score})` };
    });
}

const rfScoresWidget = {
  id: 'rf_scores',
  tab: 'customers',
  chart: true,
  request: () => ['segments', filterParams()],
  render(data) {
    const grid = data.rf_scores ?? [];
    const columns = frequencyColumns(data.f_scores ?? []);
    const xs = columns.map((c) => c.label);
    const column = new Map(columns.map((c, i) => [c.score, i]));
    const ys = ['5', '4', '3', '2', '1'];
    const cells = grid
      .filter((c) => column.has(c.f_score))
      .map((c) => [column.get(c.f_score), 5 - c.r_score, c.customers]);
    const option = heatmapOption(xs, ys, data.customers ? cells : [], {
      xName: 'Orders (frequency score)',
      yName: 'Recency score',
      format: (v) => formatInteger(Math.round(v)),
      tooltip: (f, r, v) =>
        `Recency ${esc(r)}, ${esc(f)}: <b>${esc(formatInteger(v))}</b> customers`,
    });
    chartOf(this).setOption(option, true);
    const missing = (data.f_scores ?? []).filter((s) => s.customers === 0).map((s) => s.f_score);
    $(`[data-note="rf_scores"]`)?.replaceChildren(
      missing.length
        ? `No customer has frequency score ${missing.join(' or ')}: customers with equal orders share a score, so those columns are left out.`
        : '',
    );
    renderDataTable(
      this,
      [
        { key: 'r_score', label: 'Recency score' },
        { key: 'f_score', label: 'Frequency score' },
        { key: 'customers', label: 'Customers', format: formatInteger, num: true },
        { key: 'revenue', label: 'Revenue', format: formatMoney, num: true },
      ],
      grid,
    );
  },
};

const clustersWidget = {
  id: 'clusters',
  tab: 'customers',
  chart: true,
  request: () => ['clusters', filterParams()],
  render(data) {
    const rows = (data.clusters ?? []).map((c) => ({
      ...c,
      name: `${c.cluster}: ${c.profile}`,
    }));
    chartOf(this).setOption(
      rowsBarOption(
        rows,
        'name',
        'customers',
        (row) => groupTooltip(row.name, row),
        fitRows(this, rows.length),
      ),
      true,
    );
    renderDataTable(this, segmentColumns({ key: 'name', label: 'Cluster' }), rows);
  },
};

const cohortsWidget = {
  id: 'cohorts',
  tab: 'customers',
  chart: true,
  request: () => ['cohorts', filterParams()],
  render(data) {
    const cohorts = data.cohorts ?? [];
    const width = Math.min(12, Math.max(0, ...cohorts.map((c) => c.months.length - 1)));
    const xs = Array.from({ length: width }, (_, i) => `+${i + 1}`);
    const ys = cohorts.map((c) => c.cohort);
    const cells = [];
    cohorts.forEach((c, y) => {
      c.months.slice(1, width + 1).forEach((m, x) => cells.push([x, y, m.share_active]));
    });
    chartOf(this).setOption(
      heatmapOption(xs, ys, cells, {
        xName: 'Months since the first purchase',
        yName: '',
        format: (v) => formatPercent(v),
        tooltip: (x, y, v) => `${esc(y)}, month ${esc(x)}: <b>${esc(formatPercent(v))}</b> active`,
      }),
      true,
    );
    const rows = cohorts.map((c) => {
      const row = { cohort: c.cohort, customers: c.customers };
      for (const m of [1, 3, 6, 12]) row[`m${m}`] = c.months[m]?.share_active;
      return row;
    });
    renderDataTable(
      this,
      [
        { key: 'cohort', label: 'First purchase' },
        { key: 'customers', label: 'Customers', format: formatInteger, num: true },
        ...[1, 3, 6, 12].map((m) => ({
          key: `m${m}`,
          label: `Active after ${m} month${m > 1 ? 's' : ''}`,
          format: formatPercent,
          num: true,
        })),
      ],
      rows,
    );
  },
};

const clvWidget = {
  id: 'clv_distribution',
  tab: 'customers',
  chart: true,
  request: () => ['segments', filterParams()],
  render(data) {
    const bins = (data.clv_distribution ?? []).map((b) => ({
      ...b,
      range: b.to == null ? `${formatMoney(b.from)}+` : `${formatMoney(b.from)}–${formatMoney(b.to)}`,
    }));
    const option = bins.length
      ? themed({
          ...baseOption(),
          tooltip: itemTooltip(
            (p) => `${esc(p.data.row.range)}: <b>${esc(formatInteger(p.data.value))}</b> customers`,
          ),
          xAxis: { type: 'category', data: bins.map((b) => b.range), axisLabel: { hideOverlap: true } },
          yAxis: { type: 'value' },
          series: [{ type: 'bar', barCategoryGap: '5%', data: bins.map((b) => ({ value: b.customers, row: b })) }],
        })
      : emptyOption();
    chartOf(this).setOption(option, true);
    renderDataTable(
      this,
      [
        { key: 'range', label: '12-month lifetime value' },
        { key: 'customers', label: 'Customers', format: formatInteger, num: true },
      ],
      bins,
    );
  },
};

const AT_RISK_COLUMNS = [
  ['customer_id', 'Customer id', String],
  ['segment', 'Segment', String],
  ['recency_days', 'Days since last order', formatInteger],
  ['frequency', 'Orders', formatInteger],
  ['monetary', 'Revenue', formatMoney],
  ['p_alive', 'P(alive)', formatDecimal],
  ['clv_12m', '12-month value', formatMoney],
];

const atRiskWidget = {
  id: 'at_risk',
  tab: 'customers',
  request: () => {
    const params = filterParams();
    params.set('limit', '25');
    return ['customers/at-risk', params];
  },
  csvRequest: () => {
    const params = filterParams();
    params.set('limit', '100000');
    return ['customers/at-risk', params];
  },
  render(data) {
    const container = $('[data-table="at_risk"]');
    const rows = data.rows ?? [];
    if (!rows.length) {
      container.replaceChildren(h('p', { class: 'empty', text: 'No customer at risk.' }));
      return;
    }
    container.replaceChildren(
      h('p', {
        class: 'note',
        text: `The ${formatInteger(rows.length)} most valuable of ${formatInteger(data.total_rows)} customers at risk (${data.segments.join(', ')})`,
      }),
      h(
        'table',
        {},
        h(
          'thead',
          {},
          h('tr', {}, ...AT_RISK_COLUMNS.map(([, label]) => h('th', { scope: 'col', text: label }))),
        ),
        h(
          'tbody',
          {},
          ...rows.map((row) =>
            h(
              'tr',
              {},
              ...AT_RISK_COLUMNS.map(([key, , format], i) =>
                h('td', { class: i > 1 ? 'num' : null, text: format(row[key]) }),
              ),
            ),
          ),
        ),
      ),
    );
  },
};

export const widgets = [
  breakdownWidget({
    id: 'segment',
    tab: 'customers',
    dim: 'segment',
    measure: 'revenue',
    type: 'pie',
  }),
  breakdownWidget({
    id: 'age_band',
    tab: 'customers',
    dim: 'age_band',
    measure: 'revenue',
    sort: 'name',
  }),
  breakdownWidget({
    id: 'gender',
    tab: 'customers',
    dim: 'gender',
    measure: 'revenue',
    type: 'pie',
  }),
  breakdownWidget({ id: 'income', tab: 'customers', dim: 'income', measure: 'revenue' }),
  newReturningWidget,
  rfmSegmentsWidget,
  rfScoresWidget,
  clustersWidget,
  cohortsWidget,
  clvWidget,
  atRiskWidget,
];
