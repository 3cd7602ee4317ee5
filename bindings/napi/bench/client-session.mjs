// Benchmark: the client-side work of one E2EE session (init + 10 prompts sealed + 100 chunks
// opened) on three implementations in one run, alternating: @confide/native; the same flow in JS on
// the latest @noble 2.4 (./noble-client.mjs); and on the deployed Fabstir SDK's exact pins,
// @noble/secp256k1 2.3.0 + @noble/hashes 1.8.0 + @noble/ciphers 0.4.1 (./noble-sdk-client.mjs; both JS
// clients share ./client-flow.mjs and differ only in their primitives). It reports both ratios; the
// target (PERFORMANCE.md) is ≥ 10× against the deployed SDK's stack. The host side (accepting the
// init, opening the prompts, sealing the 100 chunks) runs on the native host engine (HostEndpoint +
// HostConnection) between the timed parts and is not counted. Before timing, it checks that each JS
// client is a correct implementation: its session is accepted by the native host (address
// recovered), its prompts open there, native chunks open with it, and it rejects tampered and
// replayed chunks.
//
//   node bench/client-session.mjs [--rounds N] [--sessions N]
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { NobleClientSession } from './noble-client.mjs'
import { NobleSdkClientSession } from './noble-sdk-client.mjs'

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
const params = (n) => ({ sessionId: `bench-${n}`, jobId: 42, chainId: 84532, modelName: 'demo', pricePerToken: 2000 })
const token = (i) => ` tok${i}`

const endpoint = new native.HostEndpoint({ hostPrivateKey: native.generateSecretKey() }, Date.now())
const wallet = native.generateSecretKey()
const walletAddress = native.addressFromPublicKey(native.publicKeyFromSecret(wallet))

const options = { hostPublicKey: endpoint.publicKey, walletPrivateKey: wallet }
const implementations = {
  native: { label: '@confide/native', make: () => new native.ClientSession(options) },
  noble: { label: '@noble 2.4 (latest)', make: () => new NobleClientSession(options) },
  sdk: { label: 'deployed SDK pins', make: () => new NobleSdkClientSession(options) },
}
const jsClients = ['noble', 'sdk']

/** "name version" of an installed package (by its alias), read from its package.json. */
const installed = (alias) => {
  let dir = dirname(require.resolve(alias))
  while (!dir.endsWith(join('node_modules', alias))) {
    if (dir === dirname(dir)) throw new Error(`no package directory for ${alias}`)
    dir = dirname(dir)
  }
  const { name, version } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
  return `${name} ${version}`
}

/** A new host connection (its own frame budget and sessions); the client's init is accepted on it. */
function hostConnection(init) {
  const connection = new native.HostConnection(endpoint, Date.now())
  const [ack] = connection.handleFrame(init, Date.now())
  return { connection, ack: JSON.parse(ack.text) }
}

/** The host's replies to `prompts`: the generation each starts, answered with 10 chunks (only the
 * chunk frames, the ones the benchmark opens), and the request each generation received. */
function hostChunks(connection, prompts) {
  const chunks = []
  const requests = []
  for (const prompt of prompts) {
    const [start] = connection.handleFrame(prompt, Date.now())
    requests.push(start.request)
    const frames = []
    for (let i = 0; i < CHUNKS_PER_PROMPT; i++) frames.push(...connection.generationText(start.id, token(i), 1, Date.now()))
    const finish = { finishReason: 'stop', promptTokens: 1, completionTokens: CHUNKS_PER_PROMPT }
    frames.push(...connection.generationFinished(start.id, finish, Date.now()))
    chunks.push(...frames.map((o) => o.text).filter((text) => JSON.parse(text).type === 'encrypted_chunk'))
  }
  return { chunks, requests }
}

/** One session; returns { init, seal, open } in nanoseconds (host work excluded). */
let sessionCounter = 0
function runSession(make, check = false) {
  const n = sessionCounter++
  const t0 = process.hrtime.bigint()
  const client = make()
  const init = client.initMessage(params(n))
  const t1 = process.hrtime.bigint()
  const { connection, ack } = hostConnection(init)
  if (check) assert.equal(ack.client_address, walletAddress)
  const t2 = process.hrtime.bigint()
  const prompts = []
  for (let p = 0; p < PROMPTS; p++) prompts.push(client.sealPrompt(`p${p}`, `prompt number ${p}`))
  const t3 = process.hrtime.bigint()
  const { chunks, requests } = hostChunks(connection, prompts)
  const t4 = process.hrtime.bigint()
  const texts = []
  for (const frame of chunks) texts.push(client.open(frame).text)
  const t5 = process.hrtime.bigint()
  if (check) {
    requests.forEach((request, p) => assert.equal(request.prompt, `prompt number ${p}`))
    assert.equal(texts.length, PROMPTS * CHUNKS_PER_PROMPT)
    texts.forEach((text, i) => assert.equal(text, token(i % CHUNKS_PER_PROMPT)))
  }
  connection.close()
  return { init: Number(t1 - t0), seal: Number(t3 - t2), open: Number(t5 - t4) }
}

function correctness() {
  for (const { make } of Object.values(implementations)) runSession(make, true)
  // Each JS client rejects what it must: a tampered chunk and a replayed one.
  for (const name of jsClients) {
    const client = implementations[name].make()
    assert.equal(client.address, walletAddress)
    const { connection, ack } = hostConnection(client.initMessage(params(`check-${name}`)))
    assert.equal(ack.client_address, walletAddress)
    const { chunks: [first] } = hostChunks(connection, [client.sealPrompt('p0', 'x')])
    const tampered = JSON.parse(first)
    tampered.payload.ciphertextHex = (tampered.payload.ciphertextHex[0] === '0' ? '1' : '0') + tampered.payload.ciphertextHex.slice(1)
    assert.throws(() => client.open(JSON.stringify(tampered)), /invalid tag/)
    assert.equal(client.open(first).text, token(0))
    assert.throws(() => client.open(first), /out of order/)
    connection.close()
    console.log(`correctness (${implementations[name].label}): session accepted by the native host (address recovered),`)
    console.log('  its prompts open there, native chunks open with it, tampered/replayed chunks are rejected ✓')
  }
  console.log()
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
  for (let i = 0; i < 3; i++) for (const { make } of Object.values(implementations)) runSession(make)
  const samples = Object.fromEntries(Object.keys(implementations).map((name) => [name, []]))
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, { make }] of Object.entries(implementations)) {
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
  console.log(`Node ${process.version}, ${process.arch}`)
  console.log(`@noble 2.4: ${['@noble/curves', '@noble/hashes', '@noble/ciphers'].map(installed).join(', ')}`)
  console.log(`deployed SDK pins: ${['noble-secp256k1-sdk', 'noble-hashes-sdk', 'noble-ciphers-sdk'].map(installed).join(', ')}\n`)
  const keys = ['init', 'seal', 'open', 'total']
  const speedUp = (name) => keys.map((k) => `${(stats[name][k] / stats.native[k]).toFixed(1)}×`)
  const rows = [
    ['', 'init', `seal ${PROMPTS} prompts`, `open ${PROMPTS * CHUNKS_PER_PROMPT} chunks`, 'whole session'],
    ...Object.entries(implementations).map(([name, { label }]) => [label, ...keys.map((k) => fmt(stats[name][k]))]),
    ['speed-up vs @noble 2.4', ...speedUp('noble')],
    ['speed-up vs deployed SDK pins', ...speedUp('sdk')],
  ]
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)))
  const line = (r) => '| ' + r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join(' | ') + ' |'
  console.log(line(rows[0]))
  console.log('|' + widths.map((w, c) => (c === 0 ? '-'.repeat(w + 2) : '-'.repeat(w + 1) + ':')).join('|') + '|')
  rows.slice(1).forEach((r) => console.log(line(r)))
  const ratioSdk = stats.sdk.total / stats.native.total
  const ratioNoble = stats.noble.total / stats.native.total
  // Two decimals here, so that a ratio just under the target does not print as "10.0×, NOT met".
  console.log(`\nwhole session: @confide/native is ${ratioSdk.toFixed(2)}× faster than the deployed SDK's stack`)
  console.log(`  target (PERFORMANCE.md): ≥ 10× vs the deployed SDK's @noble stack — ${ratioSdk >= 10 ? 'met' : 'NOT met'}`)
  console.log(`  and ${ratioNoble.toFixed(2)}× faster than the same flow on the latest @noble 2.4 (reference, no target)`)
}

main()
