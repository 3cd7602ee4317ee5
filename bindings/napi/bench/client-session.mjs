// Benchmark: the client-side work of one E2EE session (init + 10 prompts sealed + 100 chunks
// opened) on the deployed SDK's stack (@noble/*, ./noble-client.mjs) and on @confide/native, in one
// run, alternating, reporting the ratio (target ≥ 10×, PERFORMANCE.md). The host side (accepting
// the init, sealing the 100 chunks) runs on the native HostSession between the timed parts and is
// not counted. Before timing, it checks that the @noble client is a correct implementation: its
// session is accepted by the native host, its prompts open there, and native chunks open with it.
//
//   node bench/client-session.mjs [--rounds N] [--sessions N]
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { NobleClientSession } from './noble-client.mjs'

const require = createRequire(import.meta.url)
const native = require('../index.js')

const argValue = (name, fallback) => {
  const i = process.argv.indexOf(name)
  return i < 0 ? fallback : Number(process.argv[i + 1])
}
const ROUNDS = argValue('--rounds', 7)
const SESSIONS = argValue('--sessions', 10)
const PROMPTS = 10
const CHUNKS_PER_PROMPT = 10
const now = () => Math.floor(Date.now() / 1000)
const params = (n) => ({ sessionId: `bench-${n}`, jobId: 42, chainId: 84532, modelName: 'demo', pricePerToken: 2000 })
const token = (i) => ` tok${i}`

const host = new native.HostSession({ hostPrivateKey: native.generateSecretKey(), capacity: 100_000 })
const wallet = native.generateSecretKey()
const walletAddress = native.addressFromPublicKey(native.publicKeyFromSecret(wallet))

const implementations = {
  noble: () => new NobleClientSession({ hostPublicKey: host.publicKey, walletPrivateKey: wallet }),
  native: () => new native.ClientSession({ hostPublicKey: host.publicKey, walletPrivateKey: wallet }),
}

/** The host's replies for one session: 10 chunks for each of the 10 prompts. */
function hostChunks(sessionId) {
  const frames = []
  for (let p = 0; p < PROMPTS; p++) {
    for (let i = 0; i < CHUNKS_PER_PROMPT; i++) {
      frames.push(host.sealChunk({ sessionId, id: `p${p}`, index: i, text: token(i), final: i === CHUNKS_PER_PROMPT - 1 }, now()))
    }
  }
  return frames
}

/** One session; returns { init, seal, open } in nanoseconds (host work excluded). */
let sessionCounter = 0
function runSession(make, check = false) {
  const n = sessionCounter++
  const t0 = process.hrtime.bigint()
  const client = make()
  const init = client.initMessage(params(n))
  const t1 = process.hrtime.bigint()
  const accepted = host.acceptInit(init, now())
  if (check) assert.equal(accepted.clientAddress, walletAddress)
  const chunks = hostChunks(accepted.sessionId)
  const t2 = process.hrtime.bigint()
  const prompts = []
  for (let p = 0; p < PROMPTS; p++) prompts.push(client.sealPrompt(`p${p}`, `prompt number ${p}`))
  const t3 = process.hrtime.bigint()
  const texts = []
  for (const frame of chunks) texts.push(client.open(frame).text)
  const t4 = process.hrtime.bigint()
  if (check) {
    prompts.forEach((frame, p) => assert.equal(host.openMessage(frame, now()).prompt.prompt, `prompt number ${p}`))
    texts.forEach((text, i) => assert.equal(text, token(i % CHUNKS_PER_PROMPT)))
  }
  host.remove(accepted.sessionId)
  return { init: Number(t1 - t0), seal: Number(t3 - t2), open: Number(t4 - t3) }
}

function correctness() {
  for (const make of Object.values(implementations)) runSession(make, true)
  // The @noble client rejects what it must: a tampered chunk and a replayed one.
  const client = implementations.noble()
  const accepted = host.acceptInit(client.initMessage(params('check')), now())
  client.sealPrompt('p0', 'x')
  const [first] = hostChunks(accepted.sessionId)
  const tampered = JSON.parse(first)
  tampered.payload.ciphertextHex = (tampered.payload.ciphertextHex[0] === '0' ? '1' : '0') + tampered.payload.ciphertextHex.slice(1)
  assert.throws(() => client.open(JSON.stringify(tampered)))
  client.open(first)
  assert.throws(() => client.open(first))
  host.remove(accepted.sessionId)
  console.log('correctness: @noble session accepted by the native host (address recovered), its prompts open there,')
  console.log('             native chunks open with @noble, tampered/replayed chunks are rejected ✓\n')
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}
const fmt = (ns) => (ns >= 1e6 ? `${(ns / 1e6).toFixed(2)} ms` : `${(ns / 1e3).toFixed(1)} µs`)

function main() {
  correctness()
  // Warm-up (JIT for @noble, caches for both).
  for (let i = 0; i < 3; i++) for (const make of Object.values(implementations)) runSession(make)
  const samples = { noble: [], native: [] }
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, make] of Object.entries(implementations)) {
      for (let s = 0; s < SESSIONS; s++) samples[name].push(runSession(make))
    }
  }
  const stats = {}
  for (const [name, list] of Object.entries(samples)) {
    stats[name] = {
      init: median(list.map((s) => s.init)),
      seal: median(list.map((s) => s.seal)),
      open: median(list.map((s) => s.open)),
      total: median(list.map((s) => s.init + s.seal + s.open)),
    }
  }
  console.log(`client session work, median of ${ROUNDS} rounds × ${SESSIONS} sessions per implementation, alternating`)
  console.log(`Node ${process.version}, ${process.arch}\n`)
  const rows = [
    ['', 'init', `seal ${PROMPTS} prompts`, `open ${PROMPTS * CHUNKS_PER_PROMPT} chunks`, 'whole session'],
    ['@noble (SDK stack)', ...['init', 'seal', 'open', 'total'].map((k) => fmt(stats.noble[k]))],
    ['@confide/native', ...['init', 'seal', 'open', 'total'].map((k) => fmt(stats.native[k]))],
    ['speed-up (noble/native)', ...['init', 'seal', 'open', 'total'].map((k) => `${(stats.noble[k] / stats.native[k]).toFixed(1)}×`)],
  ]
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)))
  const line = (r) => '| ' + r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join(' | ') + ' |'
  console.log(line(rows[0]))
  console.log('|' + widths.map((w, c) => (c === 0 ? '-'.repeat(w + 2) : '-'.repeat(w + 1) + ':')).join('|') + '|')
  rows.slice(1).forEach((r) => console.log(line(r)))
  const ratio = stats.noble.total / stats.native.total
  console.log(`\nratio: @confide/native is ${ratio.toFixed(1)}× faster per session (target ≥ 10×: ${ratio >= 10 ? 'met' : 'NOT met'})`)
}

main()
