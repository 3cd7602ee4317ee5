// Shared helpers of the node:test suites: the package (its `nodejs` build), a JS signer callback on
// the deployed SDK's @noble/secp256k1, assertions on coded errors, and a real `confide-node serve`
// reached over a real WebSocket (`ws`).
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import { createRequire } from 'node:module'
import * as secp from '@noble/secp256k1'
import { hmac } from '@noble/hashes/hmac'
import { sha256 } from '@noble/hashes/sha256'
import { hexToBytes } from '@noble/hashes/utils'
import WebSocket from 'ws'

const require = createRequire(import.meta.url)
export const wasm = require('../pkg/node/confide_wasm.js')

// @noble/secp256k1 2.x signs synchronously only with an HMAC-SHA256 supplied.
secp.etc.hmacSha256Sync = (key, ...messages) => hmac(sha256, key, secp.etc.concatBytes(...messages))

export const now = () => Math.floor(Date.now() / 1000)

/** A `signer` callback for `secretHex` (r ‖ s ‖ v with v = 0/1); records the digests it signs. */
export function nobleSigner(secretHex, calls = []) {
  const secret = hexToBytes(secretHex.replace(/^0x/, ''))
  return (digest) => {
    calls.push(digest)
    const signature = secp.sign(digest, secret)
    const out = new Uint8Array(65)
    out.set(signature.toCompactRawBytes(), 0)
    out[64] = signature.recovery
    return out
  }
}

/** Asserts that `fn()` throws an Error with `.code` `code` and the code's `.number`; returns it. */
export function throwsCode(fn, code) {
  let caught
  try {
    fn()
  } catch (error) {
    caught = error
  }
  assert.ok(caught instanceof Error, `expected a thrown Error with code ${code}`)
  assert.equal(caught.code, code, `expected ${code}, got ${caught.code}: ${caught.message}`)
  assert.equal(typeof caught.number, 'number')
  assert.equal(typeof caught.message, 'string')
  return caught
}

const targetDir = process.env.CARGO_TARGET_DIR || join(homedir(), '.cache/confide/target')
const serverBinary = join(targetDir, 'release', 'confide-node')

/**
 * Starts `confide-node serve` on a free 127.0.0.1 port with `args` (and `env`), stopped after the
 * test `t`; resolves with its address `127.0.0.1:PORT`.
 */
export async function startHost(t, args = ['--dev'], env = {}) {
  assert.ok(existsSync(serverBinary), `${serverBinary} is missing: cargo build --release -p confide-node-server`)
  const server = spawn(serverBinary, ['serve', '--listen', '127.0.0.1:0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  })
  server.stderr.resume()
  t.after(async () => {
    if (server.exitCode === null) {
      server.kill('SIGTERM')
      await once(server, 'exit')
    }
  })
  const lines = createInterface({ input: server.stdout })
  const [line] = await Promise.race([
    once(lines, 'line'),
    once(server, 'exit').then(([code]) => {
      throw new Error(`confide-node exited with ${code} before listening`)
    }),
  ])
  lines.on('line', () => {})
  const match = /listening on (127\.0\.0\.1:\d+) /.exec(line)
  assert.ok(match, `unexpected first line: ${line}`)
  return match[1]
}

/** `GET /v1/info` of the host at `address`. */
export const info = async (address) => (await fetch(`http://${address}/v1/info`)).json()

/**
 * A WebSocket to the host whose text frames are queued: `next()` resolves with the next one exactly
 * as sent (what `ClientSession.open` takes), after the greeting was read.
 */
export async function openSocket(address) {
  const socket = new WebSocket(`ws://${address}/v1/ws`)
  const queue = []
  const waiting = []
  socket.on('message', (data) => {
    const text = data.toString()
    if (waiting.length) waiting.shift()(text)
    else queue.push(text)
  })
  await once(socket, 'open')
  const next = () => (queue.length ? Promise.resolve(queue.shift()) : new Promise((resolve) => waiting.push(resolve)))
  assert.equal(JSON.parse(await next()).type, 'connected')
  return { socket, next, send: (text) => socket.send(text) }
}

/** Sends `prompt` sealed as `id` and collects every frame up to `stream_end` (or an error), as sent. */
export async function exchange(ws, client, id, prompt) {
  ws.send(client.sealPrompt(id, prompt))
  const frames = []
  for (;;) {
    const text = await ws.next()
    frames.push(text)
    const type = JSON.parse(text).type
    if (type === 'stream_end' || type === 'error') return frames
  }
}

/** A session with the host at `address`: a fresh wallet, the init sent and acknowledged. */
export async function connectedSession(address, { scheme = 'eip191', signer = false } = {}) {
  const { publicKey } = await info(address)
  const walletKey = wasm.generateSecretKey()
  const opts = { hostPublicKey: publicKey, scheme }
  if (signer) opts.signer = nobleSigner(walletKey)
  else opts.walletPrivateKey = walletKey
  const client = new wasm.ClientSession(opts)
  const ws = await openSocket(address)
  const init = client.initMessage({ sessionId: 'session-1', jobId: 42, chainId: 84532, modelName: 'confide-demo', pricePerToken: 2000 })
  ws.send(init)
  const ack = client.open(await ws.next())
  return { client, ws, ack, init, walletKey, hostPublicKey: publicKey }
}
