// The Overview tab: KPI cards against the previous period, and revenue and orders over time.

import { baseOption, chartOf, emptyOption } from './charts.js';
import { $, esc, h } from './dom.js';
import { formatCompact, formatDecimal, formatInteger, percentFormat } from './format.js';
import { filterParams, state } from './state.js';

const KPI_FORMATS = {
  revenue: formatDecimal,
  orders: formatInteger,
  units: formatInteger,
  average_order_value: formatDecimal,
  basket_size: formatDecimal,
  unique_customers: formatInteger,
  average_rating: formatDecimal,
};

const kpiWidget = {
  id: 'kpis',
  tab: 'overview',
  request: () => ['kpis', filterParams()],
  render(data) {
    const previous = data.previous ? `${data.previous.from} – ${data.previous.to}` : '';
    const cards = data.kpis.map((kpi) => {
      const format = KPI_FORMATS[kpi.name] ?? formatDecimal;
      let change;
      if (kpi.change == null) {
        change = h('span', { class: 'change none', text: 'no earlier data' });
      } else {
        const direction = kpi.change > 0 ? 'up' : kpi.change < 0 ? 'down' : 'flat';
        const arrow = { up: '▲', down: '▼', flat: '▬' }[direction];
        change = h('span', {
          class: `change ${direction}`,
          text: `${arrow} ${percentFormat.format(Math.abs(kpi.change))}`,
          title: `Previous period ${previous}: ${format(kpi.previous)}`,
        });
      }
      return h(
        'article',
        { class: 'kpi', dataset: { kpi: kpi.name } },
        h('h3', { text: kpi.label }),
        h('p', {
          class: 'value',
          dataset: { value: kpi.value == null ? '' : String(kpi.value) },
          text: format(kpi.value),
        }),
        change,
      );
    });
    $('[data-widget="kpis"]').replaceChildren(...cards);
  },
};

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
    if (!points.length) {
      chartOf(this).setOption(emptyOption(), true);
      return;
    }
    chartOf(this).setOption(
      {
        ...baseOption(),
        grid: { left: 8, right: 8, top: 48, bottom: 8, containLabel: true },
        legend: { top: 0 },
        tooltip: {
          trigger: 'axis',
          confine: true,
          formatter: (items) => {
            const line = (p) => {
              const value = p.seriesIndex === 0 ? formatDecimal(p.value) : formatInteger(p.value);
              return `${p.marker}${esc(p.seriesName)}: <b>${esc(value)}</b>`;
            };
            return [`<b>${esc(items[0]?.axisValue)}</b>`, ...items.map(line)].join('<br>');
          },
        },
        xAxis: { type: 'category', data: points.map((p) => p.period) },
        yAxis: [
          { type: 'value', name: 'Revenue', axisLabel: { formatter: formatCompact } },
          {
            type: 'value',
            name: 'Orders',
            splitLine: { show: false },
            axisLabel: { formatter: formatCompact },
          },
        ],
        series: [
          { name: 'Revenue', type: 'bar', data: points.map((p) => p.revenue) },
          {
            name: 'Orders',
            type: 'line',
            yAxisIndex: 1,
            showSymbol: points.length < 60,
            data: points.map((p) => p.orders),
          },
        ],
      },
      true,
    );
  },
};

export const widgets = [kpiWidget, timeseriesWidget];
