// The app shell (header, phone menu) and the search screen.
export default {
  zh: {
    shell: { menu: '菜单' },
    search: {
      since: '起始日期',
      until: '截止日期',
      badDate: '请选择日期，如 2026-01-31',
      badRange: '截止日期早于起始日期',
    },
  },
  en: {
    shell: { menu: 'Menu' },
    search: {
      since: 'From date',
      until: 'To date',
      badDate: 'Choose a date such as 2026-01-31',
      badRange: 'The end date is before the start date',
    },
  },
}
