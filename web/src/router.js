// Client routes (history mode); the server falls back to index.html for these paths.
import { createRouter, createWebHistory } from 'vue-router'
import { session, loadSession } from './session.js'
import Login from './views/Login.vue'
import Shell from './views/Shell.vue'
import Mail from './views/Mail.vue'

const admin = (name, loader) => ({ path: name, name: `admin-${name}`, component: loader })

export const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: '/signin', name: 'login', component: Login, meta: { public: true } },
    {
      path: '/',
      component: Shell,
      children: [
        { path: '', redirect: '/mail/INBOX' },
        { path: 'mail/:folder?/:id?', name: 'mail', component: Mail },
        { path: 'search', name: 'search', component: () => import('./views/Search.vue') },
        { path: 'compose', name: 'compose', component: () => import('./views/Compose.vue') },
        { path: 'directory', name: 'directory', component: () => import('./views/Directory.vue') },
        { path: 'contacts', name: 'contacts', component: () => import('./views/Contacts.vue') },
        { path: 'calendar', name: 'calendar', component: () => import('./views/Calendar.vue') },
        { path: 'notices', name: 'notices', component: () => import('./views/Notices.vue') },
        { path: 'settings', name: 'settings', component: () => import('./views/Settings.vue') },
        { path: 'clients', name: 'clients', component: () => import('./views/MailClients.vue') },
        { path: 'audit', name: 'audit', component: () => import('./views/Audit.vue') },
        {
          path: 'admin',
          component: () => import('./views/admin/AdminLayout.vue'),
          children: [
            { path: '', redirect: '/admin/dashboard' },
            admin('dashboard', () => import('./views/admin/Dashboard.vue')),
            admin('domains', () => import('./views/admin/Domains.vue')),
            admin('dmarc', () => import('./views/admin/DmarcReports.vue')),
            admin('members', () => import('./views/admin/Members.vue')),
            admin('groups', () => import('./views/admin/Groups.vue')),
            admin('admins', () => import('./views/admin/Admins.vue')),
            admin('security', () => import('./views/admin/Security.vue')),
            admin('branding', () => import('./views/admin/Branding.vue')),
            admin('notices', () => import('./views/admin/AdminNotices.vue')),
            admin('logs', () => import('./views/admin/Logs.vue')),
            admin('apps', () => import('./views/admin/Apps.vue')),
            admin('policies', () => import('./views/admin/Policies.vue')),
            admin('rooms', () => import('./views/admin/Rooms.vue')),
            admin('migration', () => import('./views/admin/Migration.vue')),
          ],
        },
      ],
    },
    { path: '/:pathMatch(.*)*', redirect: '/mail/INBOX' },
  ],
})

router.beforeEach(async (to) => {
  if (!session.ready) await loadSession()
  if (!to.meta.public && !session.me) return { name: 'login', query: to.fullPath !== '/' ? { next: to.fullPath } : {} }
  if (to.path.startsWith('/admin') && !session.scope) return '/mail/INBOX'
  if (to.name === 'audit' && !session.audit) return '/mail/INBOX'
  return true
})
