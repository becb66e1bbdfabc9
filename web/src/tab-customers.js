// The Customers tab: revenue by segment, age band, gender and income; first-time against
// returning customers.
//
// "New" is a member of the customer segment dimension; the customers whose first purchase falls
// in the period are called first-time here, so that the two never mix.

import { chartOf, emptyOption, ink, pieOption, renderDataTable } from './charts.js';
import { formatInteger, formatMoney } from './format.js';
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
    const option = pieOption(rows, 'group', 'customers');
    // Over a period that starts with the data, every customer's first purchase is in it.
    const fromStart = data.period && meta?.first_date && data.period.from <= meta.first_date;
    option.title = {
      text: 'First-time: first purchase ever within the period',
      subtext: fromStart
        ? 'The period starts with the data, so every customer is first-time in it.'
        : '',
      left: 'center',
      top: 0,
      textStyle: { fontSize: 12, fontWeight: 'normal', color: ink().text },
      subtextStyle: { fontSize: 12, color: ink().muted },
    };
    option.series[0].center = ['50%', '58%'];
    chartOf(this).setOption(option, true);
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
