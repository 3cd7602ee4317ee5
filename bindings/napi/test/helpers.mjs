// Shared helpers of the node:test suites: the built package, a JS signer callback (@noble/curves)
// and assertions on coded errors.
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

/** A host and a client with an accepted session. */
export function connectedPair({ scheme = 'eip191', signer = false } = {}) {
  const hostKey = native.generateSecretKey()
  const walletKey = native.generateSecretKey()
  const host = new native.HostSession({ hostPrivateKey: hostKey })
  const opts = { hostPublicKey: host.publicKey, scheme }
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
  const accepted = host.acceptInit(init, now())
  const ack = client.open(accepted.ackFrame)
  return { host, client, init, accepted, ack, walletKey, hostKey }
}
