// BLS verification against the Ethereum consensus BLS test vectors (bls12-381-tests: `verify` and
// `fast_aggregate_verify`, POP ciphersuite) and the real host's published proof of possession.
// A vector whose key or signature the decoder rejects (`INVALID_KEY`, `INVALID_SIGNATURE`) counts as
// `false`, as the vectors expect.
import test from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { wasm, startHost, info, throwsCode } from './helpers.mjs'

const dir = new URL('../../../core/tests/vectors/bls/bls12-381-tests/', import.meta.url)
const hexBytes = (hex) => Uint8Array.from(Buffer.from(hex.replace(/^0x/, ''), 'hex'))

/** Every vector of `kind` as [name, input, output]. */
const vectorsOf = (kind) =>
  readdirSync(new URL(`${kind}/`, dir)).map((name) => {
    const { input, output } = JSON.parse(readFileSync(new URL(`${kind}/${name}`, dir)))
    return [name, input, output]
  })

/** `fn()`, or false when it throws one of the decoding codes. */
function orRejected(fn) {
  try {
    return fn()
  } catch (error) {
    assert.ok(['INVALID_KEY', 'INVALID_SIGNATURE'].includes(error.code), `${error.code}: ${error.message}`)
    return false
  }
}

test('blsVerify matches every verify vector', () => {
  const vectors = vectorsOf('verify')
  assert.ok(vectors.length >= 9)
  for (const [name, { pubkey, message, signature }, output] of vectors) {
    assert.equal(orRejected(() => wasm.blsVerify(pubkey, hexBytes(message), signature)), output, name)
  }
})

test('blsFastAggregateVerify matches every fast_aggregate_verify vector', () => {
  const vectors = vectorsOf('fast_aggregate_verify')
  assert.ok(vectors.length >= 5)
  for (const [name, { pubkeys, message, signature }, output] of vectors) {
    assert.equal(orRejected(() => wasm.blsFastAggregateVerify(pubkeys, hexBytes(message), signature, 'pop')), output, name)
  }
})

test('the host\'s BLS proof of possession verifies; another key\'s does not', { timeout: 60_000 }, async (t) => {
  const [a, b] = await Promise.all([startHost(t), startHost(t)])
  const [hostA, hostB] = await Promise.all([info(a), info(b)])
  assert.equal(wasm.blsVerifyProofOfPossession(hostA.blsPublicKey, hostA.blsProofOfPossession), true)
  assert.equal(wasm.blsVerifyProofOfPossession(hostA.blsPublicKey, hostB.blsProofOfPossession), false)
})

test('BLS errors: INVALID_KEY, INVALID_SIGNATURE, INVALID_HEX_ENCODING, UNSUPPORTED_SCHEME, INVALID_ARGUMENT', () => {
  const [, { pubkey, message, signature }] = vectorsOf('verify').find(([, , output]) => output)
  assert.equal(wasm.blsVerify(pubkey, hexBytes(message), signature, 'lux-basic'), false, 'another tag, another message hash')
  throwsCode(() => wasm.blsVerify('0x' + '00'.repeat(48), hexBytes(message), signature), 'INVALID_KEY')
  throwsCode(() => wasm.blsVerify(pubkey, hexBytes(message), '0x' + '11'.repeat(96)), 'INVALID_SIGNATURE')
  throwsCode(() => wasm.blsVerify('zz', hexBytes(message), signature), 'INVALID_HEX_ENCODING')
  throwsCode(() => wasm.blsVerify(pubkey, hexBytes(message), signature, 'basic'), 'UNSUPPORTED_SCHEME')
  throwsCode(() => wasm.blsVerify(pubkey, 42, signature), 'INVALID_ARGUMENT')
  throwsCode(() => wasm.blsFastAggregateVerify(pubkey, hexBytes(message), signature), 'INVALID_ARGUMENT')
})
