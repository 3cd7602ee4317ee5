// Shared helpers of the node:test suites: the built package, a JS signer callback (@noble/curves),
// assertions on coded errors, and a host endpoint + connection driven like a server drives them.
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { hexToBytes } from '@noble/hashes/utils.js'

const require = createRequire(import.meta.url)
export const native = require('../index.js')

export const now = () => Math.floor(Date.now() / 1000)

/** A `signer` callback for `secretHex`: r ‖ s ‖ v from @noble's recovered format (v ‖ r ‖ s). */
export function nobleSigner(secretHex, calls = []) {
  const secret = hexToBytes(secretHex.replace(/^0x/, ''))
  return (digest) => {
    calls.push(digest)
    const sig = secp256k1.sign(digest, secret, { prehash: false, format: 'recovered' })
    const out = new Uint8Array(65)
    out.set(sig.subarray(1), 0)
    out[64] = sig[0]
    return out
  }
}

/** Asserts that `fn()` throws an Error whose `.code` is `code`; returns the error. */
export function throwsCode(fn, code) {
  let caught
  try {
    fn()
  } catch (error) {
    caught = error
  }
  assert.ok(caught instanceof Error, `expected a thrown Error with code ${code}`)
  assert.equal(caught.code, code, `expected ${code}, got ${caught.code}: ${caught.message}`)
  assert.equal(typeof caught.message, 'string')
  return caught
}

/** Asserts that `promise` rejects with an Error whose `.code` is `code`. */
export async function rejectsCode(promise, code) {
  await assert.rejects(promise, (error) => {
    assert.ok(error instanceof Error)
    assert.equal(error.code, code, `expected ${code}, got ${error.code}: ${error.message}`)
    return true
  })
}

/** Unix milliseconds, the host engine's clock. */
export const nowMs = () => Date.now()

/** A host endpoint with a fresh key (plus `options`) and one connection of it. */
export function hostPair(options = {}) {
  const hostKey = native.generateSecretKey()
  const endpoint = new native.HostEndpoint({ hostPrivateKey: hostKey, ...options }, nowMs())
  return { hostKey, endpoint, connection: new native.HostConnection(endpoint, nowMs()) }
}

/** The frames among a call's outputs, in order. */
export const frames = (outputs) => outputs.filter((o) => o.type === 'frame').map((o) => o.text)

/** The code of the error frame that is the only frame among `outputs`. */
export function errorCode(outputs) {
  const sent = frames(outputs)
  assert.equal(sent.length, 1, JSON.stringify(outputs, (_, v) => (typeof v === 'bigint' ? `${v}n` : v)))
  const frame = JSON.parse(sent[0])
  assert.equal(frame.type, 'error', sent[0])
  return frame.code
}

/** The only frame among `outputs`. */
export function onlyFrame(outputs) {
  assert.equal(outputs.length, 1)
  assert.equal(outputs[0].type, 'frame')
  return outputs[0].text
}

/** Hands `frame` to `connection` and returns the generation it starts (the only output). */
export function start(connection, frame) {
  const outputs = connection.handleFrame(frame, nowMs())
  assert.equal(outputs.length, 1, JSON.stringify(frames(outputs)))
  assert.equal(outputs[0].type, 'start')
  return outputs[0]
}

/** The frames of generation `id` producing `texts` (one token each), then finishing with `stop`. */
export function answer(connection, id, texts) {
  const sent = texts.flatMap((text) => frames(connection.generationText(id, text, 1, nowMs())))
  const finish = { finishReason: 'stop', promptTokens: 3, completionTokens: texts.length }
  return [...sent, ...frames(connection.generationFinished(id, finish, nowMs()))]
}

/** A host endpoint and connection, and a client with an accepted session `session-1`. */
export function connectedPair({ scheme = 'eip191', signer = false } = {}) {
  const { hostKey, endpoint, connection } = hostPair()
  const walletKey = native.generateSecretKey()
  const opts = { hostPublicKey: endpoint.publicKey, scheme }
  if (signer) opts.signer = nobleSigner(walletKey)
  else opts.walletPrivateKey = walletKey
  const client = new native.ClientSession(opts)
  const init = client.initMessage({
    sessionId: 'session-1',
    jobId: 42,
    chainId: 84532,
    modelName: 'demo',
    pricePerToken: 2000,
  })
  const ack = client.open(onlyFrame(connection.handleFrame(init, nowMs())))
  return { endpoint, connection, client, init, ack, walletKey, hostKey }
}
