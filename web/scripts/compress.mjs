// A Vite plugin: after the build, writes a brotli (.br) and a gzip (.gz) copy beside every
// text file of the output worth compressing, which `qiyou serve` sends to clients that accept
// them (api/routes_web.py). Compressed once at build time, at the highest levels.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'

const TEXT = /\.(js|mjs|css|html|svg|json|txt|map|webmanifest)$/
const SMALLEST = 1024 // below this the headers cost more than the saving

function* files(folder) {
  for (const name of readdirSync(folder)) {
    const full = path.join(folder, name)
    if (statSync(full).isDirectory()) yield* files(full)
    else yield full
  }
}

export function compress(folder) {
  for (const file of files(folder)) {
    if (!TEXT.test(file)) continue
    const data = readFileSync(file)
    if (data.length < SMALLEST) continue
    const br = brotliCompressSync(data, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: data.length },
    })
    const gz = gzipSync(data, { level: 9 })
    if (br.length < data.length) writeFileSync(`${file}.br`, br)
    if (gz.length < data.length) writeFileSync(`${file}.gz`, gz)
  }
}

export default function compressPlugin() {
  let outDir = 'dist'
  return {
    name: 'qiyou-compress',
    apply: 'build',
    configResolved(config) {
      outDir = path.resolve(config.root, config.build.outDir)
    },
    closeBundle() {
      compress(outDir)
    },
  }
}
