// The Overview tab: KPI cards against the previous period, and revenue and orders over time.

import { baseOption, chartOf, emptyOption, renderDataTable, themed } from './charts.js';
import { $, esc, h } from './dom.js';
import {
  describeChange,
  formatCompact,
  formatDecimal,
  formatInteger,
  formatIntegerShort,
  formatMoney,
  formatMoneyShort,
  formatPeriod,
  percentFormat,
} from './format.js';
import { filterParams, state } from './state.js';

// Per KPI: the short form on the card and the exact one (on hover, and for screen readers).
const KPI_FORMATS = {
  revenue: [formatMoneyShort, formatMoney],
  orders: [formatIntegerShort, formatInteger],
  units: [formatIntegerShort, formatInteger],
  average_order_value: [formatMoney, formatMoney],
  basket_size: [formatDecimal, formatDecimal],
  unique_customers: [formatIntegerShort, formatInteger],
  average_rating: [formatDecimal, formatDecimal],
};

function changeOf(kpi, data, exact) {
  const previous = data.previous;
  const span = previous ? `${previous.from} – ${previous.to}` : '';
  if (previous && previous.coverage < 1) {
    // The data does not reach back over the whole previous period: no honest comparison.
    return h('span', {
      class: 'change none',
      text: 'n/a (previous period incomplete)',
      title: `The data covers ${percentFormat.format(previous.coverage)} of the previous period ${span}`,
    });
  }
  const change = describeChange(kpi.change);
  if (!change) return h('span', { class: 'change none', text: 'no earlier data' });
  return h(
    'span',
    {
      class: `change ${change.direction}`,
      title: `Previous period ${span}: ${exact(kpi.previous)}`,
    },
    h('span', { 'aria-hidden': 'true', text: `${change.arrow} ` }),
    h('span', { text: change.text }),
    h('span', { class: 'visually-hidden', text: ` against ${span}` }),
  );
}

const kpiWidget = {
  id: 'kpis',
  tab: 'overview',
  request: () => ['kpis', filterParams()],
  render(data) {
    const cards = data.kpis.map((kpi) => {
      const [short, exact] = KPI_FORMATS[kpi.name] ?? [formatDecimal, formatDecimal];
      return h(
        'article',
        { class: 'kpi', dataset: { kpi: kpi.name } },
        h('h3', { text: kpi.label }),
        h('p', {
          class: 'value',
          dataset: { value: kpi.value == null ? '' : String(kpi.value) },
          title: exact(kpi.value),
          'aria-label': `${kpi.label}: ${exact(kpi.value)}`,
          text: short(kpi.value),
        }),
        changeOf(kpi, data, exact),
      );
    });
    $('[data-widget="kpis"]').replaceChildren(...cards);
  },
};

// A "nice" top of an axis holding `max` in `ticks` equal steps (1, 2, 2.5 or 5 × 10^n each), so
// that two axes with the same number of steps share their grid lines.
function niceTop(max, ticks) {
  if (!(max > 0)) return ticks;
  const raw = max / ticks;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].find((m) => m * power >= raw) * power;
  return step * ticks;
}

const TICKS = 5;

const timeseriesWidget = {
  id: 'timeseries',
  tab: 'overview',
  chart: true,
  request() {
    const params = filterParams();
    params.set('grain', state.grain);
    return ['timeseries', params];
  },
  render(data) {
    const points = data.points;
    const grain = data.grain;
    const label = (p) => formatPeriod(p.period, grain) + (p.partial ? ' (partial)' : '');
    renderDataTable(
      this,
      [
        { key: 'label', label: 'Period' },
        { key: 'revenue', label: 'Revenue', format: formatMoney, num: true },
        { key: 'orders', label: 'Orders', format: formatInteger, num: true },
        { key: 'units', label: 'Units', format: formatInteger, num: true },
      ],
      points.map((p) => ({ ...p, label: label(p) })),
    );
    if (!points.length) {
      chartOf(this).setOption(emptyOption(), true);
      return;
    }
    const partial = points.some((p) => p.partial);
    const revenueTop = niceTop(Math.max(...points.map((p) => p.revenue)), TICKS);
    const ordersTop = niceTop(Math.max(...points.map((p) => p.orders)), TICKS);
    // A partial period (cut by the range or the data's ends) is drawn pale with a dashed border, so that
    // it does not read as a drop.
    const muted = getComputedStyle(document.documentElement).getPropertyValue('--muted').trim();
    const partialStyle = { opacity: 0.4, borderType: 'dashed', borderColor: muted, borderWidth: 1 };
    chartOf(this).setOption(
      themed({
        ...baseOption(),
        grid: { left: 8, right: 8, top: 48, bottom: partial ? 28 : 8, containLabel: true },
        legend: { top: 0 },
        graphic: partial
          ? [
              {
                type: 'text',
                left: 8,
                bottom: 4,
                style: {
                  text: 'Pale, dashed bars: partial periods (the range or the data begins or ends in them)',
                  fill: muted,
                  fontSize: 12,
                },
              },
            ]
          : [],
        tooltip: {
          trigger: 'axis',
          confine: true,
          formatter: (items) => {
            const point = points[items[0]?.dataIndex];
            const line = (p) => {
              const value = p.seriesIndex === 0 ? formatMoney(p.value) : formatInteger(p.value);
              return `${p.marker}${esc(p.seriesName)}: <b>${esc(value)}</b>`;
            };
            const note = point?.partial
              ? [`<i>Partial period: ${esc(point.days)} day(s) of data</i>`]
              : [];
            return [`<b>${esc(label(point))}</b>`, ...items.map(line), ...note].join('<br>');
          },
        },
        xAxis: {
          type: 'category',
          data: points.map((p) => formatPeriod(p.period, grain)),
          axisLabel: { hideOverlap: true },
        },
        yAxis: [
          {
            type: 'value',
            name: 'Revenue',
            min: 0,
            max: revenueTop,
            interval: revenueTop / TICKS,
            axisLabel: { formatter: formatCompact },
          },
          {
            type: 'value',
            name: 'Orders',
            min: 0,
            max: ordersTop,
            interval: ordersTop / TICKS,
            splitLine: { show: false },
            axisLabel: { formatter: formatCompact },
          },
        ],
        series: [
          {
            name: 'Revenue',
            type: 'bar',
            data: points.map((p) => ({
              value: p.revenue,
              itemStyle: p.partial ? partialStyle : undefined,
            })),
          },
          {
            name: 'Orders',
            type: 'line',
            yAxisIndex: 1,
            showSymbol: points.length < 60,
            data: points.map((p) => p.orders),
          },
        ],
      }),
      true,
    );
  },
};

export const widgets = [kpiWidget, timeseriesWidget];
