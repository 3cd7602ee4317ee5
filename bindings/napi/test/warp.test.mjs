// Warp through @confide/native: BLS keys, signatures and aggregation against the derived vectors,
// the two real Avalanche messages parsed and re-serialised byte for byte, verification against a
// validator set (sync and Promise), and every Warp error code this surface can raise.
import test from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { native, throwsCode, rejectsCode } from './helpers.mjs'

const vectors = new URL('../../../core/tests/vectors/warp/', import.meta.url)
const derived = JSON.parse(readFileSync(new URL('warp_derived_vectors.json', vectors), 'utf8'))
const real = JSON.parse(readFileSync(new URL('signed_warp_messages_from_fee_tests.json', vectors), 'utf8')).vectors
const hex = (text) => new Uint8Array(Buffer.from(text, 'hex'))
const keys = derived.keys.map((k) => ({ sk: hex(k.sk_hex), pk: hex(k.pk_compressed_hex) }))
const u = derived.unsigned_message
const unsignedBytes = hex(u.avalanchego_linearcodec_hex)
const pop = derived.sign_avalanchego_unsigned_POP
const signed02 = hex(derived.signed_message_avalanchego_POP_keys0_2.hex)
// Keys 0 and 2 signed: 80 of 100.
const validatorsJson = JSON.stringify(
  derived.keys.map((k, i) => ({ node_id: `NodeID-${'ABC'[i]}`, bls_public_key: `0x${k.pk_compressed_hex}`, weight: [40, 20, 40][i] })),
)
const INFINITY_KEY = new Uint8Array(48)
INFINITY_KEY[0] = 0xc0

test('BLS keys and signatures match the derived vectors', async () => {
  const key = native.BlsSecretKey.fromBytes(keys[0].sk)
  assert.deepEqual(key.publicKey, keys[0].pk)
  assert.deepEqual(key.sign(unsignedBytes), hex(pop.sigs_hex[0]))
  assert.deepEqual(key.sign(unsignedBytes, 'lux-basic'), hex(derived.sign_avalanchego_unsigned_NUL.sigs_hex[0]))
  assert.deepEqual(key.proofOfPossession(), hex(derived.pop_over_compressed_pk[0]))
  assert.equal(native.blsVerify(keys[0].pk, unsignedBytes, hex(pop.sigs_hex[0])), true)
  assert.equal(native.blsVerify(keys[1].pk, unsignedBytes, hex(pop.sigs_hex[0])), false)
  assert.equal(native.blsVerify(keys[0].pk, unsignedBytes, hex(pop.sigs_hex[0]), 'lux-basic'), false)
  const fresh = native.BlsSecretKey.generate()
  assert.equal(native.blsVerify(fresh.publicKey, new Uint8Array([109]), fresh.sign(new Uint8Array([109]))), true)

  const aggregate = native.blsAggregateSignatures([hex(pop.sigs_hex[0]), hex(pop.sigs_hex[2])])
  assert.deepEqual(aggregate, hex(pop.agg_keys_0_2_hex))
  assert.deepEqual(native.blsAggregateSignatures(pop.sigs_hex.map(hex)), hex(pop.agg_all_hex))
  const pair = [keys[0].pk, keys[2].pk]
  assert.equal(native.blsFastAggregateVerify(pair, unsignedBytes, aggregate), true)
  assert.equal(native.blsFastAggregateVerify([keys[0].pk], unsignedBytes, aggregate), false)
  assert.equal(await native.blsFastAggregateVerifyAsync(pair, unsignedBytes, aggregate), true)
  assert.equal(await native.blsFastAggregateVerifyAsync(keys.map((k) => k.pk), unsignedBytes, aggregate), false)
  const aggregateKey = native.blsAggregatePublicKeys(pair)
  assert.equal(aggregateKey.length, 48)
  assert.equal(native.blsVerify(aggregateKey, unsignedBytes, aggregate), true)
})

test('BLS errors carry their codes', async () => {
  const sig = hex(pop.sigs_hex[0])
  throwsCode(() => native.BlsSecretKey.fromBytes(Buffer.alloc(32)), 'INVALID_KEY')
  throwsCode(() => native.BlsSecretKey.fromBytes(keys[0].sk.subarray(1)), 'INVALID_KEY')
  throwsCode(() => native.blsVerify(INFINITY_KEY, unsignedBytes, sig), 'INVALID_KEY')
  throwsCode(() => native.blsVerify(keys[0].pk.subarray(1), unsignedBytes, sig), 'INVALID_KEY')
  throwsCode(() => native.blsVerify(keys[0].pk, unsignedBytes, sig.subarray(1)), 'INVALID_SIGNATURE')
  throwsCode(() => native.blsVerify(keys[0].pk, unsignedBytes, sig, 'nul'), 'UNSUPPORTED_SCHEME')
  throwsCode(() => native.blsVerify('not bytes', unsignedBytes, sig), 'INVALID_ARGUMENT')
  throwsCode(() => native.blsAggregateSignatures([]), 'INVALID_SIGNATURE')
  throwsCode(() => native.blsAggregatePublicKeys([]), 'INVALID_KEY')
  throwsCode(() => native.blsAggregatePublicKeys([keys[0].pk, INFINITY_KEY]), 'INVALID_KEY')
  throwsCode(() => native.blsFastAggregateVerifyAsync([INFINITY_KEY], unsignedBytes, sig), 'INVALID_KEY')
})

test('Warp messages: the derived vectors build and the real Avalanche messages round-trip byte for byte', () => {
  const message = native.WarpUnsignedMessage.create(u.network_id, hex(u.source_chain_id_hex), hex(u.payload_hex))
  assert.deepEqual(message.toBytes(), unsignedBytes)
  assert.deepEqual(message.id, hex(u.avalanchego_message_id_sha256))
  const rlp = native.WarpUnsignedMessage.create(u.network_id, hex(u.source_chain_id_hex), hex(u.payload_hex), 'lux-rlp')
  assert.deepEqual(rlp.toBytes(), hex(u.luxfi_v1_18_rlp_hex))
  assert.deepEqual(native.WarpUnsignedMessage.parse(hex(u.luxfi_v1_18_rlp_hex), 'lux-rlp').payload, hex(u.payload_hex))
  const signed = native.WarpSignedMessage.create(unsignedBytes, Buffer.from([5]), hex(pop.agg_keys_0_2_hex))
  assert.deepEqual(signed.toBytes(), signed02)
  assert.deepEqual(signed.signerIndices, [0, 2])

  for (const [name, v] of Object.entries(real)) {
    const bytes = hex(v.signed_message_hex)
    const parsed = native.WarpSignedMessage.parse(bytes)
    assert.deepEqual(parsed.toBytes(), bytes, name)
    assert.equal(parsed.unsignedMessage.networkId, v.network_id)
    assert.deepEqual(parsed.unsignedMessage.sourceChainId, hex(v.source_chain_id_hex))
    assert.deepEqual(parsed.unsignedMessage.payload, hex(v.payload_hex))
    assert.deepEqual(parsed.unsignedMessage.id, hex(v.message_id_sha256_hex))
    assert.deepEqual(parsed.unsignedMessage.toBytes(), hex(v.unsigned_message_hex))
    assert.deepEqual(parsed.signers, hex(v.signers_hex))
    assert.deepEqual(parsed.signature, hex(v.aggregate_signature_hex))
  }
})

test('Warp message errors carry their codes', () => {
  const bytes = hex(real.RegisterL1ValidatorTx.signed_message_hex)
  assert.match(throwsCode(() => native.WarpSignedMessage.parse(bytes.subarray(0, -1)), 'INVALID_MESSAGE').message, /truncated/)
  assert.match(throwsCode(() => native.WarpSignedMessage.parse(Buffer.concat([bytes, Buffer.from([0])])), 'INVALID_MESSAGE').message, /trailing/)
  throwsCode(() => native.WarpUnsignedMessage.parse(bytes), 'INVALID_MESSAGE')
  throwsCode(() => native.WarpSignedMessage.parse(bytes, 'cbor'), 'UNSUPPORTED_SCHEME')
  throwsCode(() => native.WarpSignedMessage.create(unsignedBytes, Buffer.from([0, 5]), hex(pop.agg_keys_0_2_hex)), 'INVALID_MESSAGE')
  throwsCode(() => native.WarpSignedMessage.create(unsignedBytes, Buffer.from([5]), Buffer.alloc(96)), 'INVALID_SIGNATURE')
  throwsCode(() => native.WarpUnsignedMessage.create(1, Buffer.alloc(31), Buffer.alloc(0)), 'INVALID_ARGUMENT')
  throwsCode(() => native.WarpUnsignedMessage.create(1, Buffer.alloc(32), Buffer.alloc(256 * 1024)), 'MESSAGE_TOO_LARGE')
})

test('a signed message verifies against the validator set (sync and Promise)', async () => {
  const set = native.WarpValidatorSet.fromJson(validatorsJson)
  assert.equal(set.length, 3)
  assert.equal(set.totalWeight, 100n)
  const expected = { signedWeight: 80n, totalWeight: 100n, signers: ['NodeID-A', 'NodeID-C'] }
  assert.deepEqual(set.verify(signed02, u.network_id, 67, 100), expected)
  assert.deepEqual(await set.verifyAsync(signed02, u.network_id, 67, 100, { codec: 'avalanche', ciphersuite: 'pop' }), expected)
})

test('every Warp verification error carries its code, sync and Promise', async () => {
  const set = native.WarpValidatorSet.fromJson(validatorsJson)
  const cases = [
    [[signed02, 2, 67, 100], 'WRONG_NETWORK'],
    [[signed02, u.network_id, 81, 100], 'INSUFFICIENT_WEIGHT'],
    [[signed02, u.network_id, 67, 100, { ciphersuite: 'lux-basic' }], 'INVALID_SIGNATURE'],
    [[signed02, u.network_id, 3, 2], 'INVALID_ARGUMENT'],
    [[signed02, u.network_id, 67, 0], 'INVALID_ARGUMENT'],
    [[signed02.subarray(0, -1), u.network_id, 67, 100], 'INVALID_MESSAGE'],
    [[signed02, u.network_id, 67, 100, { codec: 'x' }], 'UNSUPPORTED_SCHEME'],
  ]
  for (const [args, code] of cases) {
    throwsCode(() => set.verify(...args), code)
    if (code === 'INVALID_SIGNATURE' || code === 'INSUFFICIENT_WEIGHT' || code === 'WRONG_NETWORK') {
      await rejectsCode(set.verifyAsync(...args), code)
    }
  }
  // Bit 3 names a fourth validator the set does not have.
  const beyond = native.WarpSignedMessage.create(unsignedBytes, Buffer.from([0x0d]), hex(pop.agg_keys_0_2_hex)).toBytes()
  throwsCode(() => set.verify(beyond, u.network_id, 67, 100), 'INVALID_MESSAGE')

  const bad = (entries) => throwsCode(() => native.WarpValidatorSet.fromJson(JSON.stringify(entries)), 'INVALID_VALIDATOR_SET')
  assert.match(bad([{ node_id: 'X', bls_public_key: Buffer.from(INFINITY_KEY).toString('hex'), weight: 1 }]).message, /validators\[0\] \(X\)/)
  bad([{ node_id: 'X', bls_public_key: 'zz', weight: 1 }])
  bad([{ node_id: 'X', weight: 0 }])
  bad([{ node_id: 'X', weight: 2 ** 64 }])
  throwsCode(() => native.WarpValidatorSet.fromJson('{}'), 'INVALID_VALIDATOR_SET')
})
