// The Satisfaction tab: the share of each feedback per category, the average rating per shipping
// method, orders per rating.

import {
  baseOption,
  breakdownColumns,
  chartOf,
  emphasis,
  emptyOption,
  itemTooltip,
  renderDataTable,
  rowTooltip,
  sortMembers,
  themed,
} from './charts.js';
import { esc } from './dom.js';
import { formatDecimal, formatInteger, formatPercent } from './format.js';
import { filterParams, selected, toggleMember } from './state.js';
import { breakdownWidget } from './widgets.js';

// The share of each feedback among a category's orders, stacked to 100 %, so that categories of
// any size compare. Clicking a bar toggles its category.
const feedbackWidget = {
  id: 'feedback',
  tab: 'satisfaction',
  chart: true,
  request() {
    const params = filterParams(['category', 'feedback']);
    params.append('by', 'category');
    params.append('by', 'feedback');
    params.set('sort', 'name');
    return ['breakdown', params];
  },
  render(data) {
    const categories = [...new Set(sortMembers(data.rows, 'category').map((r) => r.category))];
    const feedbacks = [...new Set(sortMembers(data.rows, 'feedback').map((r) => r.feedback))];
    const totals = new Map();
    for (const r of data.rows) totals.set(r.category, (totals.get(r.category) ?? 0) + r.orders);
    const rows = sortMembers(sortMembers(data.rows, 'feedback'), 'category').map((r) => ({
      ...r,
      share: r.orders / totals.get(r.category),
    }));
    renderDataTable(
      this,
      [
        { key: 'category', label: 'Category' },
        { key: 'feedback', label: 'Feedback' },
        { key: 'share', label: 'Share of the category', format: formatPercent, num: true },
        { key: 'orders', label: 'Orders', format: formatInteger, num: true },
      ],
      rows,
      (row) => toggleMember('category', row.category),
    );
    if (!data.rows.length) {
      chartOf(this).setOption(emptyOption(), true);
      return;
    }
    const cell = new Map(rows.map((r) => [`${r.category}\u0000${r.feedback}`, r]));
    const chosenCategories = selected('category');
    const chosenFeedback = selected('feedback');
    chartOf(this).setOption(
      themed({
        ...baseOption(),
        grid: { left: 8, right: 16, top: 40, bottom: 8, containLabel: true },
        legend: { top: 0 },
        tooltip: itemTooltip(
          (p) =>
            `${rowTooltip(`${p.name} · ${p.seriesName}`, p.data.row)}<br>Share: <b>${esc(
              formatPercent(p.data.row.share),
            )}</b>`,
        ),
        xAxis: {
          type: 'category',
          data: categories,
          axisLabel: { interval: 0, hideOverlap: true },
        },
        yAxis: {
          type: 'value',
          name: 'Share of orders',
          max: 1,
          axisLabel: { formatter: (v) => formatPercent(v) },
        },
        series: feedbacks.map((feedback) => ({
          name: feedback,
          type: 'bar',
          stack: 'feedback',
          cursor: 'pointer',
          data: categories.map((category) => {
            const row = cell.get(`${category}\u0000${feedback}`) ?? {
              category,
              feedback,
              orders: 0,
              share: 0,
            };
            return {
              name: category,
              value: row.share,
              row,
              itemStyle: {
                opacity: Math.min(
                  emphasis(category, chosenCategories),
                  emphasis(feedback, chosenFeedback),
                ),
              },
            };
          }),
        })),
      }),
      true,
    );
  },
  click(event) {
    if (event.data?.row) toggleMember('category', event.data.row.category);
  },
};

// Average ratings lie close together (all near 3 on a 1–5 scale): a dot per shipping method on
// an axis spanning only their range shows the differences that bars from 0 would hide.
const ratingByShippingWidget = {
  id: 'rating_by_shipping',
  tab: 'satisfaction',
  chart: true,
  request() {
    const params = filterParams(['shipping_method']);
    params.set('by', 'shipping_method');
    params.set('sort', 'average_rating');
    return ['breakdown', params];
  },
  render(data) {
    const rows = data.rows.filter((r) => r.average_rating != null);
    renderDataTable(this, breakdownColumns('shipping_method', 'Shipping method'), data.rows, (row) =>
      toggleMember('shipping_method', row.shipping_method),
    );
    if (!rows.length) {
      chartOf(this).setOption(emptyOption(), true);
      return;
    }
    const chosen = selected('shipping_method');
    chartOf(this).setOption(
      themed({
        ...baseOption(),
        grid: { left: 8, right: 40, top: 24, bottom: 8, containLabel: true },
        tooltip: itemTooltip((p) => rowTooltip(p.name, p.data.row)),
        xAxis: {
          type: 'value',
          scale: true,
          name: 'Average rating (1–5)',
          nameLocation: 'middle',
          nameGap: 28,
          axisLabel: { formatter: (v) => formatDecimal(v) },
        },
        yAxis: { type: 'category', inverse: true, data: rows.map((r) => r.shipping_method) },
        series: [
          {
            type: 'scatter',
            symbolSize: 14,
            cursor: 'pointer',
            label: {
              show: true,
              position: 'right',
              formatter: (p) => formatDecimal(p.data.row.average_rating),
            },
            data: rows.map((row, i) => ({
              name: row.shipping_method,
              value: [row.average_rating, i],
              row,
              itemStyle: { opacity: chosen.size === 0 || chosen.has(row.shipping_method) ? 1 : 0.25 },
            })),
          },
        ],
      }),
      true,
    );
  },
  click(event) {
    if (event.data?.row) toggleMember('shipping_method', event.data.row.shipping_method);
  },
};

export const widgets = [
  feedbackWidget,
  ratingByShippingWidget,
  breakdownWidget({
    id: 'rating',
    tab: 'satisfaction',
    dim: 'rating',
    measure: 'orders',
    sort: 'name',
  }),
];
