// The Customers tab: revenue by segment, age band, gender and income; new against returning.

import { chartOf, emptyOption, pieOption } from './charts.js';
import { filterParams } from './state.js';
import { breakdownWidget } from './widgets.js';

const newReturningWidget = {
  id: 'new_returning',
  tab: 'customers',
  chart: true,
  request: () => ['customers', filterParams()],
  render(data) {
    const groups = data.groups ?? [];
    if (!groups.some((g) => g.customers > 0)) {
      chartOf(this).setOption(emptyOption(), true);
      return;
    }
    const label = { new: 'New', returning: 'Returning' };
    const rows = groups.map((g) => ({ ...g, group: label[g.group] ?? g.group }));
    chartOf(this).setOption(pieOption(rows, 'group', 'customers'), true);
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
];
