// vue-i18n: Chinese by default, English second; the choice is kept in localStorage.
import { createI18n } from 'vue-i18n'
import zh from './zh.js'
import en from './en.js'

const saved = localStorage.getItem('qiyou.locale')

export const i18n = createI18n({
  legacy: false,
  locale: saved === 'en' ? 'en' : 'zh-CN',
  fallbackLocale: 'zh-CN',
  messages: { 'zh-CN': zh, en },
})

export function toggleLocale() {
  const next = i18n.global.locale.value === 'en' ? 'zh-CN' : 'en'
  i18n.global.locale.value = next
  localStorage.setItem('qiyou.locale', next)
  document.documentElement.lang = next
}
