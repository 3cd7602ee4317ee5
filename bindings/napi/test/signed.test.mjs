// Signed messages beyond the stateless path: `signMessage` with a wallet callback (`MessageSigner`)
// and `Verifier` (policy + bounded, fail-closed replay guard), happy paths and every error code they
// surface, including the core's policy and capacity checks.
import test from 'node:test'
import assert from 'node:assert/strict'
import { native, now, throwsCode, nobleSigner } from './helpers.mjs'

const addressOf = (secret) => native.addressFromPublicKey(native.publicKeyFromSecret(secret))

/** A fresh wallet: its secret, its EIP-55 address, and a `MessageSigner` recording its calls. */
function wallet() {
  const secret = native.generateSecretKey()
  const address = addressOf(secret)
  const calls = []
  return { secret, address, calls, signer: { address, sign: nobleSigner(secret, calls) } }
}

test('signMessage with a MessageSigner: confide-v1 envelope, same as with the key, digest passed once', () => {
  const w = wallet()
  const t = now()
  const envelope = native.signMessage({ hello: 'world' }, w.signer, t, { nonce: 3 })
  assert.equal(w.calls.length, 1)
  assert.ok(w.calls[0] instanceof Uint8Array)
  assert.equal(w.calls[0].length, 32)
  const parsed = JSON.parse(envelope)
  assert.equal(parsed.signer, w.address)
  assert.equal(parsed.scheme, 'confide-v1')
  assert.equal(parsed.nonce, 3)
  assert.deepEqual(native.verifyMessage(envelope, t), {
    signer: w.address,
    bound: true,
    scheme: 'confide-v1',
    warnings: [],
    payload: '{"hello":"world"}',
  })
  // RFC 6979 on both sides: the wallet path signs exactly the digest the key path signs.
  assert.equal(envelope, native.signMessage({ hello: 'world' }, w.secret, t, { nonce: 3 }))
})

test('signMessage with a MessageSigner: lowercase address, v = 27/28, Buffer result, `this` is the signer', () => {
  const w = wallet()
  const t = now()
  const ethers = {
    address: w.address.toLowerCase(),
    inner: nobleSigner(w.secret),
    sign(digest) {
      const sig = this.inner(digest) // `this` is the signer object
      sig[64] += 27
      return Buffer.from(sig)
    },
  }
  const envelope = native.signMessage('{"n":1}', ethers, t)
  assert.equal(JSON.parse(envelope).signer, w.address)
  assert.equal(native.verifyMessage(envelope, t).signer, w.address)
})

test('signMessage with a MessageSigner: lloom-v1 without an address recovers the signer', () => {
  const w = wallet()
  const t = now()
  const envelope = native.signMessage({ a: 1 }, { sign: w.signer.sign }, t, { scheme: 'lloom-v1', nonce: 1n })
  assert.equal(JSON.parse(envelope).signer, w.address)
  const verified = native.verifyMessage(envelope, t)
  assert.equal(verified.signer, w.address)
  assert.equal(verified.scheme, 'lloom-v1')
  assert.deepEqual(verified.warnings, ['unbound-metadata'])
  // With an address, lloom-v1 checks it too.
  assert.equal(native.verifyMessage(native.signMessage({ a: 1 }, w.signer, t, { scheme: 'lloom-v1' }), t).signer, w.address)
})

test('signMessage with a MessageSigner: INVALID_SIGNER when the address lies (confide-v1 and lloom-v1)', () => {
  const w = wallet()
  const liar = { address: addressOf(native.generateSecretKey()), sign: w.signer.sign }
  for (const scheme of ['confide-v1', 'lloom-v1']) {
    const error = throwsCode(() => native.signMessage({ a: 1 }, liar, now(), { scheme }), 'INVALID_SIGNER')
    assert.match(error.message, new RegExp(w.address))
  }
})

test('signMessage with a MessageSigner: INVALID_SIGNATURE for a throwing or bad signer', () => {
  const { address } = wallet()
  const signs = [
    () => {
      throw new Error('user rejected the request')
    },
    () => new Uint8Array(64),
    () => new Uint8Array(66),
    () => 'not bytes',
    () => undefined,
    async () => new Uint8Array(65), // a Promise: only synchronous signers are supported
    () => new Uint8Array(65).fill(0xff),
    () => {
      const sig = new Uint8Array(65).fill(1)
      sig[64] = 5 // recovery byte out of range
      return sig
    },
  ]
  for (const sign of signs) throwsCode(() => native.signMessage({ a: 1 }, { address, sign }, now()), 'INVALID_SIGNATURE')
  const error = throwsCode(() => native.signMessage({ a: 1 }, { address, sign: signs[0] }, now()), 'INVALID_SIGNATURE')
  assert.match(error.message, /user rejected the request/)
})

test('signMessage with a MessageSigner: INVALID_KEY without an address for confide-v1, or a malformed one', () => {
  const w = wallet()
  const sign = w.signer.sign
  throwsCode(() => native.signMessage({ a: 1 }, { sign }, now()), 'INVALID_KEY')
  throwsCode(() => native.signMessage({ a: 1 }, { address: null, sign }, now(), { scheme: 'confide-v1' }), 'INVALID_KEY')
  throwsCode(() => native.signMessage({ a: 1 }, { address: '0x1234', sign }, now()), 'INVALID_KEY')
  throwsCode(() => native.signMessage({ a: 1 }, { address: w.address.slice(2), sign }, now()), 'INVALID_KEY')
  // Mixed case with a wrong EIP-55 checksum.
  const flipped = w.address.replace(/[a-f]/, (c) => c.toUpperCase())
  if (flipped !== w.address) throwsCode(() => native.signMessage({ a: 1 }, { address: flipped, sign }, now()), 'INVALID_KEY')
  throwsCode(() => native.signMessage({ a: 1 }, { address: '0x' + 'zz'.repeat(20), sign }, now()), 'INVALID_HEX_ENCODING')
  assert.equal(w.calls.length, 0, 'the wallet is not asked when the address is unusable')
})

test('signMessage with a MessageSigner: INVALID_ARGUMENT for a malformed signer', () => {
  const { address } = wallet()
  for (const signer of [{ address }, { address, sign: 'fn' }, { address: 5, sign: () => new Uint8Array(65) }, 42, true, null]) {
    const error = throwsCode(() => native.signMessage({ a: 1 }, signer, now()), 'INVALID_ARGUMENT')
    assert.match(error.message, /invalid argument `signer/)
  }
})

test('Verifier: same result as verifyMessage, REPLAY_DETECTED on a repeat, remembered counts', () => {
  const w = wallet()
  const t = now()
  const verifier = new native.Verifier()
  assert.equal(verifier.remembered, 0)
  const envelope = native.signMessage({ job: 1 }, w.secret, t, { nonce: 1 })
  assert.deepEqual(verifier.verify(envelope, t + 1), native.verifyMessage(envelope, t + 1))
  assert.equal(verifier.remembered, 1)
  const error = throwsCode(() => verifier.verify(envelope, t + 2), 'REPLAY_DETECTED')
  assert.match(error.message, /already accepted/)
  assert.equal(verifier.remembered, 1)
  // confide-v1 with a nonce is keyed by (signer, nonce): another payload with the same nonce is a
  // replay, another nonce or another signer is not.
  throwsCode(() => verifier.verify(native.signMessage({ job: 2 }, w.secret, t, { nonce: 1 }), t), 'REPLAY_DETECTED')
  verifier.verify(native.signMessage({ job: 1 }, w.secret, t, { nonce: 2 }), t)
  verifier.verify(native.signMessage({ job: 1 }, native.generateSecretKey(), t, { nonce: 1 }), t)
  // Without a nonce, by the signed digest.
  const plain = native.signMessage({ job: 3 }, w.signer, t)
  assert.equal(verifier.verify(plain, t).signer, w.address)
  throwsCode(() => verifier.verify(plain, t), 'REPLAY_DETECTED')
  assert.equal(verifier.remembered, 4)
})

test('Verifier: lloom-v1 repeats are remembered for the whole window, then accepted with a warning', () => {
  const w = wallet()
  const t = now()
  const verifier = new native.Verifier({ maxAgeSecs: 100, maxFutureSkewSecs: 50 })
  const lloom = native.signMessage({ a: 1 }, w.secret, t, { scheme: 'lloom-v1', nonce: 4 })
  assert.deepEqual(verifier.verify(lloom, t).warnings, ['unbound-metadata'])
  throwsCode(() => verifier.verify(lloom, t + 150), 'REPLAY_DETECTED')
  // Remembered until now + maxAge + maxFutureSkew + 1; after that its (unbound) timestamp only warns.
  const later = verifier.verify(lloom, t + 151)
  assert.deepEqual(later.warnings, ['timestamp-outside-window', 'unbound-metadata'])
})

test('Verifier: the policy is applied (each error code), and rejected envelopes are not recorded', () => {
  const w = wallet()
  const t = now()
  const verifier = new native.Verifier({ maxAgeSecs: 10, maxFutureSkewSecs: 5, requireBoundScheme: true }, 16)
  const envelope = native.signMessage({ a: 1 }, w.secret, t, { nonce: 9 })
  const parsed = JSON.parse(envelope)
  throwsCode(() => verifier.verify(envelope, t + 11), 'MESSAGE_EXPIRED')
  throwsCode(() => verifier.verify(envelope, t - 6), 'MESSAGE_FROM_FUTURE')
  throwsCode(() => verifier.verify(JSON.stringify({ ...parsed, signer: addressOf(native.generateSecretKey()) }), t), 'INVALID_SIGNER')
  throwsCode(() => verifier.verify(JSON.stringify({ ...parsed, signature: '0x1234' }), t), 'MALFORMED_SIGNATURE')
  const { signature, signer, ...unsigned } = parsed
  assert.ok(signature && signer)
  throwsCode(() => verifier.verify(JSON.stringify(unsigned), t), 'UNSIGNED_MESSAGE')
  throwsCode(() => verifier.verify(native.signMessage({ a: 1 }, w.secret, t, { scheme: 'lloom-v1' }), t), 'UNSUPPORTED_SCHEME')
  throwsCode(() => verifier.verify('not json', t), 'INVALID_MESSAGE')
  throwsCode(() => verifier.verify('{"signer":"0x00"}', t), 'INVALID_MESSAGE')
  assert.equal(verifier.remembered, 0)
  assert.equal(verifier.verify(envelope, t + 10).signer, w.address)
  assert.equal(verifier.remembered, 1)
})

test('Verifier: unsigned envelopes a lax policy accepts are not recorded', () => {
  const t = now()
  const verifier = new native.Verifier({ requireSignatures: false })
  const unsigned = JSON.stringify({ payload: { a: 1 }, timestamp: t })
  for (let i = 0; i < 2; i++) {
    const verified = verifier.verify(unsigned, t)
    assert.equal(verified.signer, undefined)
    assert.deepEqual(verified.warnings, ['unsigned'])
  }
  assert.equal(verifier.remembered, 0)
})

test('Verifier: a full guard fails closed with RATE_LIMITED and forgets nothing', () => {
  const w = wallet()
  const t = now()
  const verifier = new native.Verifier(undefined, 2)
  const envelopes = [1, 2, 3].map((nonce) => native.signMessage({ a: 1 }, w.secret, t, { nonce }))
  verifier.verify(envelopes[0], t)
  verifier.verify(envelopes[1], t)
  const error = throwsCode(() => verifier.verify(envelopes[2], t), 'RATE_LIMITED')
  assert.equal(error.message, 'replay memory is full; try again later')
  throwsCode(() => verifier.verify(envelopes[0], t + 1), 'REPLAY_DETECTED') // not evicted
  assert.equal(verifier.remembered, 2)
  // Both expire at t + 301: room again for a fresh envelope.
  const fresh = native.signMessage({ a: 1 }, w.secret, t + 301, { nonce: 3 })
  assert.equal(verifier.verify(fresh, t + 301).signer, w.address)
  assert.equal(verifier.remembered, 1)
})

test('policy windows above 7 days are INVALID_ARGUMENT from the core, for verifyMessage and Verifier', async () => {
  const w = wallet()
  const t = now()
  const envelope = native.signMessage({ a: 1 }, w.secret, t, { nonce: 1 })
  const week = 7 * 24 * 3600
  assert.equal(native.verifyMessage(envelope, t, { maxAgeSecs: week, maxFutureSkewSecs: week }).signer, w.address)
  assert.equal(new native.Verifier({ maxAgeSecs: week, maxFutureSkewSecs: week }).verify(envelope, t).signer, w.address)
  const cases = [
    [{ maxAgeSecs: Number.MAX_SAFE_INTEGER }, 'max_age_secs'],
    [{ maxFutureSkewSecs: Number.MAX_SAFE_INTEGER }, 'max_future_skew_secs'],
    [{ maxAgeSecs: week + 1, maxFutureSkewSecs: week }, 'max_age_secs'],
  ]
  for (const [policy, field] of cases) {
    const name = new RegExp('`' + field + '`')
    assert.match(throwsCode(() => native.verifyMessage(envelope, t, policy), 'INVALID_ARGUMENT').message, name)
    assert.match(throwsCode(() => new native.Verifier(policy), 'INVALID_ARGUMENT').message, name)
    await assert.rejects(native.verifyMessageAsync(envelope, t, policy), (error) => error.code === 'INVALID_ARGUMENT' && name.test(error.message))
  }
})

test('Verifier: capacity 0 is the core\'s INVALID_ARGUMENT', () => {
  const error = throwsCode(() => new native.Verifier({}, 0), 'INVALID_ARGUMENT')
  assert.match(error.message, /`capacity`/)
})

test('Verifier: INVALID_ARGUMENT for malformed arguments', () => {
  const verifier = new native.Verifier(null, null)
  const cases = [
    () => new native.Verifier(5),
    () => new native.Verifier({ maxAgeSecs: -1 }),
    () => new native.Verifier({ maxFutureSkewSecs: 1.5 }),
    () => new native.Verifier({ requireSignatures: 'yes' }),
    () => new native.Verifier({}, 0),
    () => new native.Verifier({}, -1),
    () => new native.Verifier({}, 2.5),
    () => new native.Verifier({}, '10'),
    () => verifier.verify({}, now()),
    () => verifier.verify('{}'),
    () => verifier.verify('{}', 'now'),
    () => verifier.verify('{}', -1),
  ]
  for (const [i, call] of cases.entries()) {
    const error = throwsCode(call, 'INVALID_ARGUMENT')
    assert.match(error.message, /invalid argument `/, `case ${i}`)
  }
  assert.equal(verifier.remembered, 0)
})
