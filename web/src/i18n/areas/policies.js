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
      error: { FORBIDDEN: '没有权限', NOT_FOUND: '找不到', INVALID: '填写有误', ALREADY_EXISTS: '已存在', CONFLICT: '与现有设置冲突', UNAVAILABLE: '暂时不可用' },
      field: { departmentIds: '部门', email: '邮箱', memberEmail: '成员邮箱', pattern: '地址或域名', target: '目标地址', approvers: '审批人', members: '成员', name: '名称', domain: '域名', domains: '收件域名', keywords: '关键词', retentionDays: '保留天数', threshold: '阈值', recallWindowMinutes: '可撤回分钟数', messageId: 'Message-ID', ids: '队列条目', id: '条目' },
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
      error: { FORBIDDEN: 'Not allowed', NOT_FOUND: 'Not found', INVALID: 'Invalid', ALREADY_EXISTS: 'Already exists', CONFLICT: 'Conflicts with a current setting', UNAVAILABLE: 'Unavailable for now' },
      field: { departmentIds: 'Departments', email: 'Email', memberEmail: 'Member email', pattern: 'Address or domain', target: 'Target address', approvers: 'Approvers', members: 'Members', name: 'Name', domain: 'Domain', domains: 'Recipient domains', keywords: 'Keywords', retentionDays: 'Days kept', threshold: 'Threshold', recallWindowMinutes: 'Minutes to recall', messageId: 'Message-ID', ids: 'Queue entries', id: 'Entry' },
    },
  },
}
