// Entry: Vue app with router, i18n, TDesign components.
import { createApp } from 'vue'
import 'tdesign-vue-next/es/style/index.css'
import './style.css'
import App from './App.vue'
import { router } from './router.js'
import { i18n } from './i18n/index.js'
import ui from './ui.js'
import { onSignedOutDo, setToken } from './api/client.js'

onSignedOutDo(() => {
  setToken('')
  if (router.currentRoute.value.name !== 'login') router.push({ name: 'login' })
})

document.documentElement.lang = i18n.global.locale.value // screen readers and the browser's own texts

createApp(App).use(router).use(i18n).use(ui).mount('#app')
