// Vite build of the Qiyou web app; `qiyou serve` serves web/dist at "/".
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import compress from './scripts/compress.mjs'

const backend = process.env.QIYOU_BACKEND || 'http://127.0.0.1:8025'

export default defineConfig({
  plugins: [vue(), compress()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1200,
    rollupOptions: {
      output: {
        manualChunks(id) {
          if (id.includes('node_modules/echarts') || id.includes('node_modules/zrender')) return 'echarts'
          return undefined
        },
      },
    },
  },
  server: {
    proxy: {
      '/graphql': { target: backend, ws: true },
      '/attachments': backend,
      '/messages': backend,
      '/branding': backend,
      '/cards': backend,
    },
  },
  test: {
    environment: 'happy-dom',
    include: ['test/**/*.test.js'],
  },
})
