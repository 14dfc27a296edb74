// vue-i18n: Chinese by default, English second; the choice is kept in localStorage.
// Texts live in zh.js/en.js and in web/src/i18n/areas/*.js (each exports { zh, en }, merged
// over the base so an area can add keys to an existing namespace such as `mail`).
import { createI18n } from 'vue-i18n'
import zh from './zh.js'
import en from './en.js'

const saved = localStorage.getItem('qiyou.locale')

function merge(base, extra) {
  const out = { ...base }
  for (const [key, value] of Object.entries(extra || {})) {
    out[key] = value && typeof value === 'object' && !Array.isArray(value) && typeof out[key] === 'object' ? merge(out[key], value) : value
  }
  return out
}

const areas = Object.values(import.meta.glob('./areas/*.js', { eager: true })).map((m) => m.default)
export const messages = {
  'zh-CN': areas.reduce((all, area) => merge(all, area.zh), zh),
  en: areas.reduce((all, area) => merge(all, area.en), en),
}

export const i18n = createI18n({
  legacy: false,
  locale: saved === 'en' ? 'en' : 'zh-CN',
  fallbackLocale: 'zh-CN',
  messages,
})

export function toggleLocale() {
  const next = i18n.global.locale.value === 'en' ? 'zh-CN' : 'en'
  i18n.global.locale.value = next
  localStorage.setItem('qiyou.locale', next)
  document.documentElement.lang = next
}
