// Signed messages: `signMessage` with a secret key and with a wallet callback (`MessageSigner`),
// `verifyMessage` under policies, and `Verifier`'s replay guard, with every code they surface.
import test from 'node:test'
import assert from 'node:assert/strict'
import { wasm, now, throwsCode, nobleSigner } from './helpers.mjs'

const addressOf = (secret) => wasm.addressFromPublicKey(wasm.publicKeyFromSecret(secret))

/** A fresh wallet: its secret, its address, and a `MessageSigner` recording its calls. */
function wallet() {
  const secret = wasm.generateSecretKey()
  const address = addressOf(secret)
  const calls = []
  return { secret, address, calls, signer: { address, sign: nobleSigner(secret, calls) } }
}

test('signMessage with a key and with a MessageSigner give the same envelope; verifyMessage reads it', () => {
  const w = wallet()
  const t = now()
  const envelope = wasm.signMessage({ hello: 'world' }, w.signer, t, { nonce: 3 })
  assert.equal(w.calls.length, 1)
  assert.equal(w.calls[0].length, 32)
  const parsed = JSON.parse(envelope)
  assert.equal(parsed.signer, w.address)
  assert.equal(parsed.scheme, 'confide-v1')
  assert.equal(parsed.nonce, 3)
  assert.deepEqual(wasm.verifyMessage(envelope, t), {
    signer: w.address,
    bound: true,
    scheme: 'confide-v1',
    warnings: [],
    payload: '{"hello":"world"}',
  })
  // RFC 6979 on both sides: the wallet path signs exactly the digest the key path signs.
  assert.equal(envelope, wasm.signMessage({ hello: 'world' }, w.secret, t, { nonce: 3n }))
})

test('a MessageSigner is called as a method; lloom-v1 without an address recovers the signer', () => {
  const w = wallet()
  const t = now()
  const object = {
    address: w.address.toLowerCase(),
    inner: nobleSigner(w.secret),
    sign(digest) {
      const signature = this.inner(digest)
      signature[64] += 27
      return signature
    },
  }
  assert.equal(JSON.parse(wasm.signMessage('{"n":1}', object, t)).signer, w.address)
  const lloom = wasm.signMessage({ a: 1 }, { sign: w.signer.sign }, t, { scheme: 'lloom-v1' })
  const verified = wasm.verifyMessage(lloom, t)
  assert.equal(verified.signer, w.address)
  assert.equal(verified.scheme, 'lloom-v1')
  assert.deepEqual(verified.warnings, ['unbound-metadata'])
})

test('signing errors: INVALID_SIGNER, INVALID_SIGNATURE, INVALID_KEY, INVALID_ARGUMENT', () => {
  const w = wallet()
  const liar = { address: addressOf(wasm.generateSecretKey()), sign: w.signer.sign }
  throwsCode(() => wasm.signMessage({ a: 1 }, liar, now()), 'INVALID_SIGNER')
  const bad = [
    () => {
      throw new Error('user rejected')
    },
    () => new Uint8Array(64),
    () => 'not bytes',
    () => Promise.resolve(new Uint8Array(65)),
    () => new Uint8Array(65).fill(0xff),
  ]
  for (const sign of bad) throwsCode(() => wasm.signMessage({ a: 1 }, { address: w.address, sign }, now()), 'INVALID_SIGNATURE')
  throwsCode(() => wasm.signMessage({ a: 1 }, { sign: w.signer.sign }, now()), 'INVALID_KEY')
  throwsCode(() => wasm.signMessage({ a: 1 }, { address: '0x12', sign: w.signer.sign }, now()), 'INVALID_KEY')
  throwsCode(() => wasm.signMessage({ a: 1 }, { address: w.address }, now()), 'INVALID_ARGUMENT')
  throwsCode(() => wasm.signMessage({ a: 1 }, 42, now()), 'INVALID_ARGUMENT')
  throwsCode(() => wasm.signMessage({ a: 1 }, w.secret, now(), { scheme: 'v2' }), 'INVALID_ARGUMENT')
  throwsCode(() => wasm.signMessage({ a: 1 }, w.secret, 'now'), 'INVALID_ARGUMENT')
  throwsCode(() => wasm.signMessage(() => 1, w.secret, now()), 'INVALID_ARGUMENT')
})

test('verification errors: INVALID_SIGNER, MALFORMED_SIGNATURE, MESSAGE_EXPIRED, MESSAGE_FROM_FUTURE, UNSIGNED_MESSAGE, UNSUPPORTED_SCHEME, INVALID_MESSAGE', () => {
  const key = wasm.generateSecretKey()
  const t = now()
  const envelope = JSON.parse(wasm.signMessage({ a: 1 }, key, t, { nonce: 1 }))
  throwsCode(() => wasm.verifyMessage(JSON.stringify({ ...envelope, signer: addressOf(wasm.generateSecretKey()) }), t), 'INVALID_SIGNER')
  throwsCode(() => wasm.verifyMessage(JSON.stringify({ ...envelope, signature: '0x1234' }), t), 'MALFORMED_SIGNATURE')
  throwsCode(() => wasm.verifyMessage(JSON.stringify(envelope), t + 10_000), 'MESSAGE_EXPIRED')
  throwsCode(() => wasm.verifyMessage(JSON.stringify(envelope), t - 10_000), 'MESSAGE_FROM_FUTURE')
  const { signature, signer, ...unsigned } = envelope
  assert.ok(signature && signer)
  throwsCode(() => wasm.verifyMessage(JSON.stringify(unsigned), t), 'UNSIGNED_MESSAGE')
  assert.deepEqual(wasm.verifyMessage(JSON.stringify(unsigned), t, { requireSignatures: false }).warnings, ['unsigned'])
  const lloom = wasm.signMessage({ a: 1 }, key, t, { scheme: 'lloom-v1' })
  throwsCode(() => wasm.verifyMessage(lloom, t, { requireBoundScheme: true }), 'UNSUPPORTED_SCHEME')
  const error = throwsCode(() => wasm.verifyMessage('not json', t), 'INVALID_MESSAGE')
  assert.equal(error.number, throwsCode(() => wasm.verifyMessage('{', t), 'INVALID_MESSAGE').number)
  throwsCode(() => wasm.verifyMessage(JSON.stringify(envelope), t, { maxAgeSecs: -1 }), 'INVALID_ARGUMENT')
  throwsCode(() => wasm.verifyMessage(JSON.stringify(envelope), t, { maxAgeSecs: 8 * 24 * 3600 }), 'INVALID_ARGUMENT')
  throwsCode(() => wasm.verifyMessage(JSON.stringify(envelope), t, { requireSignatures: 'yes' }), 'INVALID_ARGUMENT')
})

test('Verifier: REPLAY_DETECTED for a repeat, RATE_LIMITED when full, INVALID_ARGUMENT for capacity 0', () => {
  const key = wasm.generateSecretKey()
  const t = now()
  const verifier = new wasm.Verifier({ maxAgeSecs: 60 }, 1)
  const first = wasm.signMessage({ a: 1 }, key, t, { nonce: 1 })
  assert.equal(verifier.verify(first, t).signer, addressOf(key))
  assert.equal(verifier.remembered, 1)
  throwsCode(() => verifier.verify(first, t), 'REPLAY_DETECTED')
  throwsCode(() => verifier.verify(wasm.signMessage({ a: 2 }, key, t, { nonce: 2 }), t), 'RATE_LIMITED')
  // Once the first expires, the guard has room again.
  assert.equal(verifier.verify(wasm.signMessage({ a: 3 }, key, t + 120, { nonce: 3 }), t + 120).bound, true)
  throwsCode(() => new wasm.Verifier(undefined, 0), 'INVALID_ARGUMENT')
  assert.equal(new wasm.Verifier().remembered, 0)
})
