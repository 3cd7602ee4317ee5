// The client session in JavaScript against the host engine (HostEndpoint + HostConnection): whole
// exchanges for both schemes, with a wallet key and with a signer callback, synchronous and Promise
// variants; the end of a response and its receipt; the timestamp inside the init.
import test from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { hexToBytes } from '@noble/hashes/utils.js'
import { answer, connectedPair, frames, hostPair, native, nobleSigner, now, nowMs, onlyFrame, start, throwsCode } from './helpers.mjs'

/** The usage receipt a host signs with `signerKey` for `text` (what confide-node sends). */
function receipt({ signerKey, clientAddress, text, usage, sessionId = 'session-1' }) {
  const record = {
    session_id: sessionId,
    job_id: '42',
    chain_id: 84532,
    model: 'demo',
    prompt_tokens: usage.prompt_tokens,
    completion_tokens: usage.completion_tokens,
    response_sha256: createHash('sha256').update(text).digest('hex'),
    client_address: clientAddress,
    timestamp: now(),
  }
  return native.signMessage(record, signerKey, now(), { nonce: 18446744073709551615n, scheme: 'confide-v1' })
}

/** A `stream_end` for request `id`; the receipt is spliced in as raw JSON, byte-exact. */
function streamEnd(id, usage, receiptJson) {
  const frame = JSON.stringify({ type: 'stream_end', session_id: 'session-1', id, reason: 'complete', finish_reason: 'stop', usage })
  return receiptJson ? `${frame.slice(0, -1)},"receipt":${receiptJson}}` : frame
}


/** `event` without its `receipt`, which must be the receipt `endFrame` carries, byte-exact. */
function withoutReceipt(event, endFrame) {
  const { receipt: sent, ...rest } = event
  assert.ok(endFrame.includes(`"receipt":${sent}`), 'the receipt is the envelope as sent')
  return rest
}

for (const scheme of ['eip191', 'sdk-transcript']) {
  for (const signer of [false, true]) {
    test(`full exchange: ${scheme}, ${signer ? 'signer callback' : 'wallet key'}`, () => {
      const { connection, client, ack, walletKey } = connectedPair({ scheme, signer })
      const address = native.addressFromPublicKey(native.publicKeyFromSecret(walletKey))
      assert.deepEqual(ack, { type: 'ack', clientAddress: address })
      assert.equal(client.clientAddress, address)
      assert.equal(client.scheme, scheme)

      for (const [n, prompt] of ['Hi', { messages: [{ role: 'user', content: 'Hey' }], max_tokens: 8 }].entries()) {
        const id = `m${n}`
        const started = start(connection, client.sealPrompt(id, prompt))
        assert.equal(started.requestId, id)
        assert.equal(started.sessionId, 'session-1')
        if (typeof prompt === 'string') assert.deepEqual(started.request, { prompt: 'Hi' })
        else {
          assert.deepEqual(started.request.messages, prompt.messages)
          assert.equal(started.request.max_tokens, 8)
        }
        const words = ['Hello', ' wörld', ' 👋']
        const sent = answer(connection, started.id, words)
        assert.equal(sent.length, words.length + 2)
        words.forEach((text, index) => {
          assert.deepEqual(client.open(sent[index]), { type: 'chunk', id, index, text, final: index === 2 })
        })
        assert.deepEqual(client.open(sent[3]), { type: 'final', id, finishReason: 'stop' })
        assert.deepEqual(withoutReceipt(client.open(sent[4]), sent[4]), {
          type: 'end',
          id,
          finishReason: 'stop',
          usage: { promptTokens: 3, completionTokens: 3, totalTokens: 6 },
          verified: true,
          maxTokensCapped: false,
        })
      }
      client.close()
      assert.equal(client.clientAddress, null)
    })
  }
}

/** A pair whose host answered prompt `m1` with "Hi": returns its chunk, final and end frames. */
function answeredPair() {
  const pair = connectedPair()
  const started = start(pair.connection, pair.client.sealPrompt('m1', 'hello'))
  pair.sent = answer(pair.connection, started.id, ['Hi'])
  pair.address = native.addressFromPublicKey(native.publicKeyFromSecret(pair.walletKey))
  return pair
}

const usage = { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 }

test('a stream_end before the encrypted final is refused; the genuine end still completes', () => {
  const { client, sent } = answeredPair()
  const [chunk, final, end] = sent
  client.open(chunk)
  const error = throwsCode(() => client.open(end), 'INVALID_MESSAGE')
  assert.match(error.message, /before encrypted_response/)
  client.open(final)
  assert.equal(client.open(end).verified, true)
})

test('a receipt that does not match throws; none at all is an unverified end', () => {
  const { client, sent, hostKey, walletKey, address } = answeredPair()
  client.open(sent[0])
  client.open(sent[1])
  const byWallet = receipt({ signerKey: walletKey, clientAddress: address, text: 'Hi', usage })
  throwsCode(() => client.open(streamEnd('m1', usage, byWallet)), 'INVALID_SIGNER')
  const otherText = receipt({ signerKey: hostKey, clientAddress: address, text: 'Hello', usage })
  const error = throwsCode(() => client.open(streamEnd('m1', usage, otherText)), 'INVALID_MESSAGE')
  assert.match(error.message, /response_sha256/)
  assert.deepEqual(client.open(streamEnd('m1', usage)), {
    type: 'end',
    id: 'm1',
    finishReason: 'stop',
    usage: { promptTokens: 3, completionTokens: 1, totalTokens: 4 },
    verified: false,
    maxTokensCapped: false,
  })
})

/** The session data inside an `encrypted_session_init` (EIP-191: no salt, no info), decrypted with
 * @noble the way a host does: ECDH x-coordinate → HKDF-SHA256 → XChaCha20-Poly1305. */
function sessionData(initJson, hostKey) {
  const { payload } = JSON.parse(initJson)
  const shared = secp256k1.getSharedSecret(hexToBytes(hostKey.replace(/^0x/, '')), hexToBytes(payload.ephPubHex))
  const key = hkdf(sha256, shared.subarray(1), undefined, new Uint8Array(0), 32)
  const cipher = xchacha20poly1305(key, hexToBytes(payload.nonceHex), hexToBytes(payload.aadHex))
  return JSON.parse(new TextDecoder().decode(cipher.decrypt(hexToBytes(payload.ciphertextHex))))
}

test('initMessage puts the given time, or the current one, inside the encrypted session data', () => {
  const { init, hostKey, client } = connectedPair()
  assert.doesNotMatch(init, /timestamp/)
  const data = sessionData(init, hostKey)
  assert.equal(Number.isInteger(data.timestamp), true)
  assert.ok(Math.abs(data.timestamp - now()) <= 5, `${data.timestamp} vs ${now()}`)
  assert.equal(data.modelName, 'demo')
  const params = { sessionId: 's', jobId: 1, chainId: 1, modelName: 'm', pricePerToken: 1, timestamp: 1_732_200_000 }
  assert.equal(sessionData(client.initMessage(params), hostKey).timestamp, 1_732_200_000)
  throwsCode(() => client.initMessage({ ...params, timestamp: -1 }), 'INVALID_ARGUMENT')
})

test('the signer callback gets the 32-byte digest, synchronously', () => {
  const calls = []
  const wallet = native.generateSecretKey()
  const { endpoint, connection } = hostPair()
  const client = new native.ClientSession({ hostPublicKey: endpoint.publicKey, signer: nobleSigner(wallet, calls) })
  const init = client.initMessage({ sessionId: 's', jobId: '7', chainId: 1, modelName: 'm', pricePerToken: 1n })
  assert.equal(calls.length, 1)
  assert.ok(calls[0] instanceof Uint8Array)
  assert.equal(calls[0].length, 32)
  const frame = JSON.parse(init)
  assert.equal(frame.job_id, '7')
  const ack = client.open(onlyFrame(connection.handleFrame(init, nowMs())))
  assert.equal(ack.clientAddress, native.addressFromPublicKey(native.publicKeyFromSecret(wallet)))
})

test('Promise variant: initMessageAsync, and a second init re-keys the session', async () => {
  const { endpoint, connection } = hostPair()
  const client = new native.ClientSession({ hostPublicKey: endpoint.publicKey, walletPrivateKey: native.generateSecretKey() })
  const params = { sessionId: 'async', jobId: 1, chainId: 84532, modelName: 'demo', pricePerToken: 5, id: 'init-1' }
  for (let round = 0; round < 2; round++) {
    const ackFrame = onlyFrame(connection.handleFrame(await client.initMessageAsync(params), nowMs()))
    assert.equal(JSON.parse(ackFrame).id, 'init-1')
    assert.equal(client.open(ackFrame).clientAddress, client.clientAddress)
    // Each key starts at message_0, which the host accepts.
    const started = start(connection, client.sealPrompt(`m${round}`, 'hi'))
    assert.equal(frames(connection.generationFinished(started.id, { finishReason: 'stop', promptTokens: 1, completionTokens: 0 }, nowMs())).length, 2)
  }
})

test('signed messages: sign, verify (sync and async), receipt-style payloads', async () => {
  const key = native.generateSecretKey()
  const address = native.addressFromPublicKey(native.publicKeyFromSecret(key))
  const t = now()
  const envelope = native.signMessage({ hello: 'world', n: 1 }, key, t, { nonce: 7 })
  const verified = native.verifyMessage(envelope, t + 1)
  assert.deepEqual(verified, { signer: address, bound: true, scheme: 'confide-v1', warnings: [], payload: '{"hello":"world","n":1}' })
  assert.deepEqual(await native.verifyMessageAsync(envelope, t + 1, { maxAgeSecs: 10 }), verified)
  const lloom = native.signMessage('{"a":1}', key, t, { scheme: 'lloom-v1', nonce: 9n })
  const v2 = native.verifyMessage(lloom, t)
  assert.equal(v2.scheme, 'lloom-v1')
  assert.equal(v2.bound, false)
  assert.ok(v2.warnings.includes('unbound-metadata'))
})
