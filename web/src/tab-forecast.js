// The Forecast tab: a series' actual values and its forecast with shaded 80% and 95% prediction
// intervals, the model the backtest chose for it and why, and the accuracy table of every
// candidate model against the naive and seasonal naive baselines (docs/api.md,
// /api/v1/forecast and /api/v1/forecast/accuracy). The global filters apply; a series of one
// category or country, picked in the table, filters every tab.

import { baseOption, chartOf, emptyOption, ink, renderDataTable, theme, themed } from './charts.js';
import { $, esc, h } from './dom.js';
import { formatDecimal, formatInteger, formatMoney, formatPercent } from './format.js';
import { changeState, filterParams, selected, state, toggleMember } from './state.js';


const MODEL_NAMES = {
  auto: 'Automatic choice',
  naive: 'Naive (baseline)',
  snaive: 'Seasonal naive (baseline)',
  ets: 'ETS',
  theta: 'Theta',
  combination: 'Combination',
};

const formatValue = (v) => (state.forecastMeasure === 'revenue' ? formatMoney(v) : formatDecimal(v));

function request() {
  const params = filterParams();
  params.set('by', state.forecastBy);
  params.set('measure', state.forecastMeasure);
  params.set('horizon', String(state.forecastHorizon));
  return params;
}

// The series shown: the one picked when the answer has it, else the first.
function chosenSeries(list) {
  return list.find((s) => s.series === state.forecastSeries) ?? list[0];
}

export function bindForecastControls() {
  $('#forecast-by').addEventListener('change', (e) =>
    changeState(() => {
      state.forecastBy = e.target.value;
      state.forecastSeries = '';
    }),
  );
  $('#forecast-measure').addEventListener('change', (e) =>
    changeState(() => (state.forecastMeasure = e.target.value)),
  );
  $('#forecast-horizon').addEventListener('change', (e) =>
    changeState(() => (state.forecastHorizon = Number(e.target.value))),
  );
  $('#forecast-series').addEventListener('change', (e) =>
    changeState(() => (state.forecastSeries = e.target.value)),
  );
}

function fillControls(list) {
  $('#forecast-by').value = state.forecastBy;
  $('#forecast-measure').value = state.forecastMeasure;
  $('#forecast-horizon').value = String(state.forecastHorizon);
  const current = chosenSeries(list)?.series ?? '';
  $('#forecast-series').replaceChildren(
    ...list.map((s) => h('option', { value: s.series, text: s.series, selected: s.series === current })),
  );
  $('#forecast-series').value = current;
  $('#forecast-series').disabled = list.length < 2;
}

// A band between two bounds, drawn as a transparent base and a stacked, shaded width.
function band(name, stack, lower, upper, colour, opacity, xs) {
  return [
    {
      name: `${name} (lower)`,
      type: 'line',
      stack,
      data: xs.map((x) => lower.get(x) ?? null),
      lineStyle: { opacity: 0 },
      symbol: 'none',
      silent: true,
      tooltip: { show: false },
    },
    {
      name,
      type: 'line',
      stack,
      data: xs.map((x) => (upper.has(x) ? upper.get(x) - lower.get(x) : null)),
      lineStyle: { opacity: 0 },
      areaStyle: { color: colour, opacity },
      itemStyle: { color: colour, opacity },
      symbol: 'none',
      silent: true,
    },
  ];
}

const forecastWidget = {
  id: 'forecast',
  tab: 'forecast',
  chart: true,
  request() {
    return ['forecast', request()];
  },
  render(data) {
    const list = data.series.filter((s) => s.forecast);
    fillControls(list);
    const series = chosenSeries(list);
    const measureLabel = { revenue: 'Revenue', units: 'Units', orders: 'Orders' }[data.measure];
    $('#forecast-title').textContent = series
      ? `${measureLabel} forecast: ${series.series}`
      : `${measureLabel} forecast`;
    const note = $('#forecast-note');
    if (!series) {
      note.replaceChildren(h('span', { text: data.notes.join(' ') || 'No dated sales for these filters.' }));
      renderDataTable(this, [{ key: 'date', label: 'Date' }], []);
      chartOf(this).setOption(emptyOption(), true);
      return;
    }
    note.replaceChildren(
      h('span', {}, h('b', { text: `Model: ${series.model}. ` }), `Why: ${series.why}.`),
      ...[...data.notes, ...series.notes].map((n) => h('span', { class: 'caveat', text: ` ${n}.` })),
    );
    const actual = new Map(series.actual.map((p) => [p.date, p.value]));
    const point = new Map(series.forecast.map((p) => [p.date, p.point]));
    const bound = (key) => new Map(series.forecast.map((p) => [p.date, p[key]]));
    const xs = [...series.actual.map((p) => p.date), ...series.forecast.map((p) => p.date)];
    renderDataTable(
      this,
      [
        { key: 'date', label: 'Date' },
        { key: 'actual', label: 'Actual', format: formatValue, num: true },
        { key: 'point', label: 'Forecast', format: formatValue, num: true },
        { key: 'lo80', label: '80% low', format: formatValue, num: true },
        { key: 'hi80', label: '80% high', format: formatValue, num: true },
        { key: 'lo95', label: '95% low', format: formatValue, num: true },
        { key: 'hi95', label: '95% high', format: formatValue, num: true },
      ],
      [
        ...series.actual.map((p) => ({ date: p.date, actual: p.value })),
        ...series.forecast.map((p) => ({ ...p })),
      ],
    );
    const colours = theme() === 'dark' ? ['#8ea8ff', '#fb923c'] : ['#3657c9', '#c2410c'];
    const { muted } = ink();
    chartOf(this).setOption(
      themed({
        ...baseOption(),
        grid: { left: 8, right: 16, top: 40, bottom: 8, containLabel: true },
        legend: {
          top: 0,
          data: ['Actual', 'Forecast', '80% interval', '95% interval'],
          textStyle: { color: muted },
        },
        tooltip: {
          trigger: 'axis',
          confine: true,
          formatter: (items) => {
            const x = items[0]?.axisValue;
            const lines = [`<b>${esc(x)}</b>`];
            if (actual.has(x)) lines.push(`Actual: <b>${esc(formatValue(actual.get(x)))}</b>`);
            if (point.has(x)) {
              const p = series.forecast.find((f) => f.date === x);
              lines.push(`Forecast: <b>${esc(formatValue(p.point))}</b>`);
              lines.push(`80%: ${esc(formatValue(p.lo80))} – ${esc(formatValue(p.hi80))}`);
              lines.push(`95%: ${esc(formatValue(p.lo95))} – ${esc(formatValue(p.hi95))}`);
            }
            return lines.join('<br>');
          },
        },
        xAxis: { type: 'category', data: xs, boundaryGap: false },
        yAxis: { type: 'value', axisLabel: { formatter: (v) => formatInteger(v) } },
        series: [
          ...band('95% interval', 'b95', bound('lo95'), bound('hi95'), colours[1], 0.15, xs),
          ...band('80% interval', 'b80', bound('lo80'), bound('hi80'), colours[1], 0.3, xs),
          {
            name: 'Actual',
            type: 'line',
            data: xs.map((x) => actual.get(x) ?? null),
            symbol: 'none',
            lineStyle: { color: colours[0], width: 1.5 },
            itemStyle: { color: colours[0] },
          },
          {
            name: 'Forecast',
            type: 'line',
            data: xs.map((x) => point.get(x) ?? null),
            symbol: 'none',
            lineStyle: { color: colours[1], width: 2, type: 'dashed' },
            itemStyle: { color: colours[1] },
          },
        ],
      }),
      true,
    );
  },
};

// The dimension (and member) a series stands for, when it is one member of one dimension.
function memberOf(name) {
  if (state.forecastBy === 'category' || state.forecastBy === 'country') {
    return [state.forecastBy, name];
  }
  return null;
}

function figures(accuracy) {
  const a = accuracy ?? {};
  return [
    h('td', { class: 'num', text: formatDecimal(a.mase) }),
    h('td', { class: 'num', text: formatPercent(a.wape) }),
    h('td', { class: 'num', text: formatPercent(a.bias) }),
    h('td', { class: 'num', text: formatPercent(a.coverage80) }),
    h('td', { class: 'num', text: formatPercent(a.coverage95) }),
  ];
}

function head(first) {
  return h(
    'thead',
    {},
    h(
      'tr',
      {},
      ...[first, 'MASE', 'WAPE', 'Bias', 'In 80% interval', 'In 95% interval'].map((text, i) =>
        h('th', { scope: 'col', class: i ? 'num' : null, text }),
      ),
    ),
  );
}

const accuracyWidget = {
  id: 'forecast_accuracy',
  tab: 'forecast',
  request() {
    return ['forecast/accuracy', request()];
  },
  render(data) {
    const container = $('[data-table="forecast_accuracy"]');
    const series = chosenSeries(data.series);
    if (!series) {
      container.replaceChildren(h('p', { class: 'empty', text: 'No series to backtest.' }));
      return;
    }
    const candidates = series.candidates.map((c) =>
      h(
        'tr',
        { class: c.chosen ? 'chosen' : null, dataset: { kind: c.kind } },
        h('th', { scope: 'row', text: `${c.model}${c.chosen ? ' (chosen)' : ''}` }),
        ...(c.available
          ? figures(c.accuracy)
          : [h('td', { colspan: '5', text: `not available: ${c.reason}` })]),
      ),
    );
    const overall = data.overall.map((row) =>
      h(
        'tr',
        { dataset: { model: row.model } },
        h('th', { scope: 'row', text: MODEL_NAMES[row.model] ?? row.model }),
        ...figures(row),
      ),
    );
    const chosen = selected(memberOf(series.series)?.[0] ?? '');
    const rows = data.series.map((s) => {
      const member = memberOf(s.series);
      const name = member
        ? h('button', {
            type: 'button',
            class: `link${chosen.has(s.series) ? ' active' : ''}`,
            text: s.series,
            title: `Filter every tab to ${s.series}`,
            onclick: () => toggleMember(member[0], member[1]),
          })
        : h('button', {
            type: 'button',
            class: 'link',
            text: s.series,
            onclick: () => changeState(() => (state.forecastSeries = s.series)),
          });
      const auto = s.candidates.find((c) => c.chosen);
      return h(
        'tr',
        { dataset: { series: s.series } },
        h('th', { scope: 'row' }, name),
        h('td', { text: s.model }),
        ...figures(auto?.accuracy).slice(0, 1),
        ...figures(auto?.accuracy).slice(3),
      );
    });
    container.replaceChildren(
      h(
        'table',
        { class: 'forecast-candidates' },
        h('caption', { text: `Backtest of ${series.series}: every candidate model` }),
        head('Model'),
        h('tbody', {}, ...candidates),
      ),
      h(
        'table',
        { class: 'forecast-overall' },
        h('caption', { text: `All ${data.series.length} series: mean of each figure` }),
        head('Model'),
        h('tbody', {}, ...overall),
      ),
      h(
        'table',
        { class: 'forecast-series' },
        h('caption', { text: 'Every series: the model chosen' }),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ...['Series', 'Model', 'MASE', 'In 80% interval', 'In 95% interval'].map((text, i) =>
              h('th', { scope: 'col', class: i > 1 ? 'num' : null, text }),
            ),
          ),
        ),
        h('tbody', {}, ...rows),
      ),
    );
  },
};

export const widgets = [forecastWidget, accuracyWidget];
