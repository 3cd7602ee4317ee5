// Benchmark: the client-side work of one E2EE session (init + 10 prompts sealed + 100 chunks opened)
// through @confide/wasm and through the deployed SDK's @noble pins, in Node and in headless Chromium,
// side by side in one run (./flow.mjs does the work in both; a JS host answers between the timed
// parts). Target (PERFORMANCE.md): ≥ 5× faster than the SDK's stack for the whole session.
//
//   node bench/client-session.mjs [--rounds N] [--sessions N]      (after scripts/build.sh)
import { createRequire } from 'node:module'
import { readFileSync } from 'node:fs'
import { performance } from 'node:perf_hooks'
import { serve } from '../../../examples/browser/serve.mjs'
import { launch } from '../browser/chromium.mjs'
import { SdkClientSession, sdkPrimitives } from './sdk-client.mjs'
import { runBench } from './flow.mjs'

const require = createRequire(import.meta.url)
const wasm = require('../pkg/node/confide_wasm.js')
const argValue = (name, fallback) => {
  const i = process.argv.indexOf(name)
  return i < 0 ? fallback : Number(process.argv[i + 1])
}
const rounds = argValue('--rounds', 7)
const sessions = argValue('--sessions', 10)

const version = (name) => JSON.parse(readFileSync(new URL(`../node_modules/${name}/package.json`, import.meta.url))).version

const node = runBench({ wasm, SdkClientSession, primitives: sdkPrimitives, clock: () => performance.now(), rounds, sessions })

const server = await serve(0, { isolated: true })
const browser = await launch()
let chromium
let chromiumVersion
try {
  chromiumVersion = browser.version()
  const page = await browser.newPage()
  const problems = []
  page.on('pageerror', (error) => problems.push(error.message))
  page.on('console', (message) => message.type() === 'error' && problems.push(message.text()))
  await page.goto(`http://127.0.0.1:${server.address().port}/bindings/wasm/bench/browser.html?rounds=${rounds}&sessions=${sessions}`)
  await page.waitForFunction(() => window.benchResult, null, { timeout: 600_000 })
  chromium = await page.evaluate(() => window.benchResult)
  if (chromium.error || problems.length) throw new Error(chromium.error ?? problems.join('\n'))
  if (!(await page.evaluate(() => crossOriginIsolated))) throw new Error('the bench page is not cross-origin isolated')
} finally {
  await browser.close()
  server.close()
}

const fmt = (us) => (us >= 1000 ? `${(us / 1000).toFixed(2)} ms` : `${us.toFixed(1)} µs`)
const keys = ['init', 'seal', 'open', 'total']
const rows = [['', 'init', 'seal 10 prompts', 'open 100 chunks', 'whole session']]
for (const [where, stats] of [['Node', node], ['Chromium', chromium]]) {
  rows.push([`${where}: @confide/wasm`, ...keys.map((k) => fmt(stats.wasm[k]))])
  rows.push([`${where}: deployed SDK pins`, ...keys.map((k) => fmt(stats.sdk[k]))])
  rows.push([`${where}: speed-up`, ...keys.map((k) => `${(stats.sdk[k] / stats.wasm[k]).toFixed(1)}×`)])
}
const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)))
const line = (r) => '| ' + r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join(' | ') + ' |'
console.log(`client session work (init + 10 prompts + 100 chunks), median of ${rounds} rounds × ${sessions} sessions, alternating`)
console.log(`Node ${process.version} (${process.arch}); ${chromiumVersion} (headless)`)
console.log(`deployed SDK pins: @noble/secp256k1 ${version('@noble/secp256k1')}, @noble/hashes ${version('@noble/hashes')}, @noble/ciphers ${version('@noble/ciphers')}\n`)
console.log(line(rows[0]))
console.log('|' + widths.map((w, c) => (c === 0 ? '-'.repeat(w + 2) : '-'.repeat(w + 1) + ':')).join('|') + '|')
rows.slice(1).forEach((r) => console.log(line(r)))
for (const [where, stats] of [['Node', node], ['Chromium', chromium]]) {
  const ratio = stats.sdk.total / stats.wasm.total
  console.log(`${where}: @confide/wasm is ${ratio.toFixed(2)}× faster per session — target ≥ 5×: ${ratio >= 5 ? 'met' : 'NOT met'}`)
}
