// A real `qiyou serve` for the browser tests: fresh data dir, free ports, CLI provisioning.
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')
const QIYOU = path.join(ROOT, '.venv/bin/qiyou')
const PYTHON = path.join(ROOT, '.venv/bin/python')
export const PASSWORD = 'correct-horse-9'

/** ``n`` distinct free ports: all held open at once, so the kernel cannot hand one out twice. */
export async function freePorts(n) {
  const servers = []
  try {
    for (let i = 0; i < n; i += 1) {
      const srv = net.createServer()
      await new Promise((resolve, reject) => {
        srv.once('error', reject)
        srv.listen(0, '127.0.0.1', resolve)
      })
      servers.push(srv)
    }
    return servers.map((srv) => srv.address().port)
  } finally {
    await Promise.all(servers.map((srv) => new Promise((resolve) => srv.close(resolve))))
  }
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address()
      srv.close(() => resolve(port))
    })
    srv.on('error', reject)
  })
}

export class Server {
  async start() {
    this.dataDir = mkdtempSync(path.join(tmpdir(), 'qiyou-web-'))
    const names = ['SUBMISSIONS', 'IMAP', 'IMAPS', 'POP3', 'POP3S']
    const ports = await freePorts(3 + names.length)
    ;[this.httpPort, this.smtpPort, this.submissionPort] = ports
    // The mail-client listeners (QIYOU_IMAP_PORT, ...) on free ports too: by name.
    this.mailPorts = Object.fromEntries(names.map((name, i) => [name, ports[3 + i]]))
    this.env = {
      ...process.env,
      QIYOU_DATA_DIR: this.dataDir,
      QIYOU_HOST: '127.0.0.1',
      QIYOU_HTTP_PORT: String(this.httpPort),
      QIYOU_SMTP_PORT: String(this.smtpPort),
      QIYOU_SUBMISSION_PORT: String(this.submissionPort),
      // Node's fetch drops an idle socket after 4 s; the server must not close it first (its
      // default is 5 s, which a loaded machine's timers can cross), or a reused socket fails.
      QIYOU_HTTP_KEEPALIVE_TIMEOUT: '60',
      ...Object.fromEntries(Object.entries(this.mailPorts).map(([name, port]) => [`QIYOU_${name}_PORT`, String(port)])),
    }
    delete this.env.DATABASE_URL
    delete this.env.BROADCAST_URL
    this.cli('migrate')
    const log = openSync(path.join(this.dataDir, 'server.log'), 'w')
    this.process = spawn(QIYOU, ['serve'], { env: this.env, cwd: ROOT, stdio: ['ignore', log, log] })
    const deadline = Date.now() + 240_000
    while (Date.now() < deadline) {
      if (this.process.exitCode !== null) throw new Error(`server exited: ${this.log()}`)
      try {
        const r = await fetch(`${this.url}/health`)
        if (r.ok) return this
      } catch {
        /* not up yet */
      }
      await new Promise((r) => setTimeout(r, 250))
    }
    throw new Error(`server did not start: ${this.log()}`)
  }

  get url() {
    return `http://127.0.0.1:${this.httpPort}`
  }

  log() {
    try {
      return readFileSync(path.join(this.dataDir, 'server.log'), 'utf8').slice(-4000)
    } catch {
      return ''
    }
  }

  cli(...args) {
    const r = spawnSync(QIYOU, args, { env: this.env, cwd: ROOT, encoding: 'utf8' })
    if (r.status !== 0) throw new Error(`qiyou ${args.join(' ')} failed: ${r.stderr}`)
    return r.stdout
  }

  /** Send raw messages through SMTP inbound (the MX port) with Python's smtplib, one session. */
  smtp(from, to, raws) {
    const script = [
      'import json, smtplib, sys',
      'with smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=60) as s:',
      '    for raw in json.load(sys.stdin):',
      '        s.sendmail(sys.argv[2], sys.argv[3].split(","), raw.encode("utf-8"))',
    ].join('\n')
    const r = spawnSync(PYTHON, ['-c', script, String(this.smtpPort), from, to], { input: JSON.stringify(raws), encoding: 'utf8' })
    if (r.status !== 0) throw new Error(`smtp failed: ${r.stderr}`)
  }

  /** A GraphQL request as a member (for setup and for checks from outside the browser). */
  async graphql(query, variables = {}, token = '') {
    const r = await fetch(`${this.url}/graphql`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    })
    const body = await r.json()
    if (body.errors) throw new Error(JSON.stringify(body.errors))
    return body.data
  }

  async token(email, password = PASSWORD) {
    const d = await this.graphql('mutation($e:String!,$p:String!){login(email:$e,password:$p){__typename ... on LoginSuccess{token}}}', { e: email, p: password })
    if (!d.login.token) throw new Error(`cannot sign in ${email}: ${d.login.__typename}`)
    return d.login.token
  }

  async stop() {
    if (this.process && this.process.exitCode === null) {
      this.process.kill('SIGTERM')
      await new Promise((resolve) => {
        const timer = setTimeout(() => {
          this.process.kill('SIGKILL')
          resolve()
        }, 15_000)
        this.process.once('exit', () => {
          clearTimeout(timer)
          resolve()
        })
      })
    }
    if (this.dataDir && !process.env.KEEP_DATA) rmSync(this.dataDir, { recursive: true, force: true })
  }
}
