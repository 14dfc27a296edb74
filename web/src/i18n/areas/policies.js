// Texts of the mail policies screen (web/src/views/admin/Policies.vue): the server's codes in
// words (recipient scope, backup direction, held and outbound states, block action).
export default {
  zh: {
    policies: {
      domains: '收件域名（逗号分隔）',
      recipientScope: { EXTERNAL: '外部收件人', ANY: '任何收件人', DOMAINS: '指定域名' },
      direction: { BOTH: '收发', IN: '收信', OUT: '发信' },
      held: { PENDING: '待审批', APPROVED: '已通过', REJECTED: '已退回' },
      outboundState: { QUEUED: '排队中', SENDING: '发送中', SENT: '已发送', FAILED: '失败', RECALLED: '已撤回' },
      blockAction: { REFUSE: '拒收', SPAM: '放入垃圾邮件' },
    },
  },
  en: {
    policies: {
      domains: 'Recipient domains (comma-separated)',
      recipientScope: { EXTERNAL: 'External recipients', ANY: 'Any recipient', DOMAINS: 'Listed domains' },
      direction: { BOTH: 'In and out', IN: 'Incoming', OUT: 'Outgoing' },
      held: { PENDING: 'Pending', APPROVED: 'Approved', REJECTED: 'Returned' },
      outboundState: { QUEUED: 'Queued', SENDING: 'Sending', SENT: 'Sent', FAILED: 'Failed', RECALLED: 'Recalled' },
      blockAction: { REFUSE: 'Refuse', SPAM: 'To spam' },
    },
  },
}
