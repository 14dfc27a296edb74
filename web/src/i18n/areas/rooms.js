// The admin meeting-room screen (views/admin/Rooms.vue) and its typed errors by field.
export default {
  zh: {
    admin: { rooms: '会议室' },
    rooms: {
      add: '添加会议室或资源',
      edit: '编辑会议室',
      hint: '成员在日程中邀请会议室的地址即可预订；停用后成员不可预订。',
      none: '暂无会议室',
      name: '名称',
      address: '地址',
      addressHint: '例如 room-301{\'@\'}example.com（企业主域名下未被使用的地址）',
      kind: '类型',
      ROOM: '会议室',
      RESOURCE: '资源',
      capacity: '容纳人数',
      capacityHint: '0 表示不注明',
      location: '位置',
      description: '说明',
      active: '可预订',
      activeHint: '可预订（停用后仅管理员可见）',
      deleteConfirm: '删除“{name}”及其预订日历？已有会议中保留其地址。',
    },
    errors: {
      CalendarError: {
        field: {
          name: { INVALID: '名称需 1 至 100 个字符（每个企业最多 1000 个会议室）' },
          address: { INVALID: '地址无效、不在企业主域名下，或已被成员、群组或其他会议室使用' },
          capacity: { INVALID: '容纳人数需在 0 至 100000 之间' },
          location: { INVALID: '位置最多 200 个字符' },
          description: { INVALID: '说明最多 2000 个字符' },
        },
      },
    },
  },
  en: {
    admin: { rooms: 'Meeting rooms' },
    rooms: {
      add: 'Add a room or resource',
      edit: 'Edit meeting room',
      hint: 'Members book a room by inviting its address to an event; inactive rooms cannot be booked.',
      none: 'No meeting rooms',
      name: 'Name',
      address: 'Address',
      addressHint: "e.g. room-301{'@'}example.com (unused, in a primary domain)",
      kind: 'Kind',
      ROOM: 'Room',
      RESOURCE: 'Resource',
      capacity: 'Capacity',
      capacityHint: '0: not stated',
      location: 'Location',
      description: 'Description',
      active: 'Bookable',
      activeHint: 'Bookable (inactive rooms are seen by administrators only)',
      deleteConfirm: 'Delete “{name}” and its calendar of bookings? Meetings keep its address.',
    },
    errors: {
      CalendarError: {
        field: {
          name: { INVALID: '{message}' },
          address: { INVALID: '{message}' },
          capacity: { INVALID: '{message}' },
          location: { INVALID: '{message}' },
          description: { INVALID: '{message}' },
        },
      },
    },
  },
}
