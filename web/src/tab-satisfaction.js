// The Satisfaction tab: feedback per category, rating per shipping method, orders per rating.

import {
  baseOption,
  chartOf,
  emphasis,
  emptyOption,
  itemTooltip,
  rowTooltip,
  sortMembers,
} from './charts.js';
import { formatCompact } from './format.js';
import { filterParams, selected, toggleMember } from './state.js';
import { breakdownWidget } from './widgets.js';

// Orders per feedback, stacked, per category. Clicking a bar toggles its category.
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
    if (!data.rows.length) {
      chartOf(this).setOption(emptyOption(), true);
      return;
    }
    const categories = [...new Set(sortMembers(data.rows, 'category').map((r) => r.category))];
    const feedbacks = [...new Set(sortMembers(data.rows, 'feedback').map((r) => r.feedback))];
    const cell = new Map(data.rows.map((r) => [`${r.category}\u0000${r.feedback}`, r]));
    const chosenCategories = selected('category');
    const chosenFeedback = selected('feedback');
    chartOf(this).setOption(
      {
        ...baseOption(),
        grid: { left: 8, right: 16, top: 40, bottom: 8, containLabel: true },
        legend: { top: 0 },
        tooltip: itemTooltip((p) => rowTooltip(`${p.name} · ${p.seriesName}`, p.data.row)),
        xAxis: {
          type: 'category',
          data: categories,
          axisLabel: { interval: 0, hideOverlap: true },
        },
        yAxis: { type: 'value', name: 'Orders', axisLabel: { formatter: formatCompact } },
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
            };
            return {
              name: category,
              value: row.orders,
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
      },
      true,
    );
  },
  click(event) {
    if (event.data?.row) toggleMember('category', event.data.row.category);
  },
};

export const widgets = [
  feedbackWidget,
  breakdownWidget({
    id: 'rating_by_shipping',
    tab: 'satisfaction',
    dim: 'shipping_method',
    measure: 'average_rating',
    sort: 'average_rating',
    max: 5,
  }),
  breakdownWidget({
    id: 'rating',
    tab: 'satisfaction',
    dim: 'rating',
    measure: 'orders',
    sort: 'name',
  }),
];
