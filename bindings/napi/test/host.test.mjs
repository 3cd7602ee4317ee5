// The host engine from JavaScript (HostEndpoint + HostConnection): replay protection across
// connections, the authorize callback, generation events, BigInt ids and counts, policy and
// limits, cancels and close.
import test from 'node:test'
import assert from 'node:assert/strict'
import { native, now, nowMs, connectedPair, hostPair, start, frames, errorCode, onlyFrame, throwsCode } from './helpers.mjs'

const params = { sessionId: 'session-1', jobId: 42, chainId: 84532, modelName: 'demo', pricePerToken: 2000 }

/** A client of `endpoint` with a fresh wallet; returns [client, its address]. */
function newClient(endpoint) {
  const wallet = native.generateSecretKey()
  const client = new native.ClientSession({ hostPublicKey: endpoint.publicKey, walletPrivateKey: wallet })
  return [client, native.addressFromPublicKey(native.publicKeyFromSecret(wallet))]
}

test('an init replayed on another HostConnection of the endpoint is REPLAY_DETECTED', () => {
  const { endpoint, connection, init } = connectedPair()
  const second = new native.HostConnection(endpoint, nowMs())
  assert.equal(errorCode(second.handleFrame(init, nowMs())), 'REPLAY_DETECTED')
  // The first connection goes on: its session works.
  assert.equal(connection.handleFrame('{"type":"ping"}', nowMs())[0].text, '{"type":"pong"}')
})

test('authorize: sees the client address; false or a throw is UNAUTHORIZED, true allows', () => {
  const seen = []
  let verdict = () => false
  const { endpoint, connection } = hostPair({
    authorize: (address) => {
      seen.push(address)
      return verdict()
    },
  })
  const [client, address] = newClient(endpoint)
  assert.equal(errorCode(connection.handleFrame(client.initMessage(params), nowMs())), 'UNAUTHORIZED')
  assert.deepEqual(seen, [address])
  verdict = () => {
    throw new Error('registry down')
  }
  assert.equal(errorCode(connection.handleFrame(client.initMessage(params), nowMs())), 'UNAUTHORIZED')
  verdict = () => 'yes'
  assert.equal(errorCode(connection.handleFrame(client.initMessage(params), nowMs())), 'UNAUTHORIZED')
  verdict = () => true
  const ack = client.open(onlyFrame(connection.handleFrame(client.initMessage(params), nowMs())))
  assert.deepEqual(ack, { type: 'ack', clientAddress: address })
  assert.equal(seen.length, 4)
})

test('the connection refuses calls from inside its own authorize callback', () => {
  let nested
  let connection
  const pair = hostPair({
    authorize: () => {
      try {
        connection.handleFrame('{"type":"ping"}', nowMs())
      } catch (error) {
        nested = error
      }
      return true
    },
  })
  connection = pair.connection
  const [client] = newClient(pair.endpoint)
  const ack = JSON.parse(onlyFrame(connection.handleFrame(client.initMessage(params), nowMs())))
  assert.equal(ack.type, 'session_init_ack')
  assert.equal(nested?.code, 'INVALID_ARGUMENT')
  assert.match(nested.message, /busy/)
})

test('generation events for unknown or ended generations yield nothing', () => {
  const { connection, client } = connectedPair()
  const finish = { finishReason: 'stop', promptTokens: 1, completionTokens: 1 }
  assert.deepEqual(connection.generationText(7n, 'x', 1, nowMs()), [])
  assert.deepEqual(connection.generationFinished(7n, finish, nowMs()), [])
  assert.deepEqual(connection.generationFailed(7n, 'INFERENCE_FAILED', 'x', nowMs()), [])
  const { id } = start(connection, client.sealPrompt('m0', 'Hi'))
  assert.equal(frames(connection.generationFinished(id, finish, nowMs())).length, 2)
  assert.deepEqual(connection.generationText(id, 'late', 1, nowMs()), [])
})

test('a failed generation is cancelled and reported to the client with its code', () => {
  const { connection, client } = connectedPair()
  const { id } = start(connection, client.sealPrompt('m0', 'Hi'))
  const outputs = connection.generationFailed(id, 'TOKEN_LIMIT_EXCEEDED', 'prompt too long', nowMs())
  assert.deepEqual(outputs[0], { type: 'cancel', id })
  assert.deepEqual(client.open(frames(outputs)[0]), {
    type: 'error',
    id: 'm0',
    code: 'TOKEN_LIMIT_EXCEEDED',
    message: 'prompt too long',
  })
})

test('BigInt: generation ids are bigints; a token count of 2^60 + 1 reaches stream_end and the receipt exactly', () => {
  const { endpoint, connection, client } = connectedPair()
  const { id } = start(connection, client.sealPrompt('m0', 'Hi'))
  assert.equal(typeof id, 'bigint')
  const big = 2n ** 60n + 1n
  assert.notEqual(BigInt(Number(big)), big, 'a JS number cannot hold it')
  assert.deepEqual(connection.generationText(id, 'Hello', 1, nowMs()), [])
  const sent = frames(connection.generationFinished(id, { finishReason: 'length', promptTokens: 3, completionTokens: big }, nowMs()))
  assert.equal(sent.length, 3)
  assert.match(sent[2], new RegExp(`"completion_tokens":${big}[,}]`))
  assert.equal(client.open(sent[0]).text, 'Hello')
  assert.equal(client.open(sent[1]).finishReason, 'length')
  // The receipt exactly as sent (a JSON.parse round trip would round the count and break the
  // signature).
  const { receipt } = client.open(sent[2])
  const verified = native.verifyMessage(receipt, now())
  assert.equal(verified.signer, endpoint.address)
  assert.match(verified.payload, new RegExp(`"completion_tokens":${big}[,}]`))
  // Numbers are accepted where they are exact.
  const second = start(connection, client.sealPrompt('m1', 'Hi'))
  assert.equal(second.id, id + 1n)
  assert.equal(frames(connection.generationFinished(Number(second.id), { finishReason: 'stop', promptTokens: 1, completionTokens: 0 }, nowMs())).length, 2)
})

test('frames as Buffers; bytes that are not UTF-8 are answered with INVALID_MESSAGE', () => {
  const { connection } = hostPair()
  assert.equal(onlyFrame(connection.handleFrame(Buffer.from('{"type":"ping","id":"p"}'), nowMs())), '{"type":"pong","id":"p"}')
  assert.equal(errorCode(connection.handleFrame(Uint8Array.of(0x7b, 0xff, 0x7d), nowMs())), 'INVALID_MESSAGE')
})

test('stream_cancel and close cancel running generations; a closed connection ignores frames', () => {
  const { connection, client } = connectedPair()
  const first = start(connection, client.sealPrompt('m0', 'one'))
  const second = start(connection, client.sealPrompt('m1', 'two'))
  const cancel = JSON.stringify({ type: 'stream_cancel', session_id: 'session-1', id: 'm0' })
  assert.deepEqual(connection.handleFrame(cancel, nowMs()), [{ type: 'cancel', id: first.id }])
  const sent = frames(connection.generationFinished(first.id, { finishReason: 'cancelled', promptTokens: 1, completionTokens: 0 }, nowMs()))
  assert.equal(client.open(sent[0]).finishReason, 'cancelled')
  assert.deepEqual(connection.close(), [{ type: 'cancel', id: second.id }])
  assert.deepEqual(connection.handleFrame('{"type":"ping"}', nowMs()), [])
})

test('limits and policy reach the engine', () => {
  // maxAuthFailures 0: the first authentication failure closes the connection (1008).
  const { endpoint, connection } = hostPair({ limits: { maxAuthFailures: 0 } })
  const tampered = JSON.parse(newClient(endpoint)[0].initMessage(params))
  tampered.payload.ciphertextHex = (tampered.payload.ciphertextHex[0] === '0' ? '1' : '0') + tampered.payload.ciphertextHex.slice(1)
  const outputs = connection.handleFrame(JSON.stringify(tampered), nowMs())
  assert.equal(errorCode(outputs), 'DECRYPTION_FAILED')
  assert.deepEqual(outputs[outputs.length - 1], { type: 'close', code: 1008, reason: 'too many authentication failures' })

  const plaintextInit = '{"type":"session_init","session_id":"p","job_id":1}'
  const open = hostPair({ version: 'js-host 1' })
  assert.deepEqual(JSON.parse(open.connection.greeting()), { type: 'connected', version: 'js-host 1', encryption: true })
  assert.equal(JSON.parse(onlyFrame(open.connection.handleFrame(plaintextInit, nowMs()))).encrypted, false)
  const required = hostPair({ policy: { requireEncryption: true, requireSignedRequests: true } })
  assert.equal(errorCode(required.connection.handleFrame(plaintextInit, nowMs())), 'ENCRYPTION_REQUIRED')
  const [client] = newClient(required.endpoint)
  onlyFrame(required.connection.handleFrame(client.initMessage(params), nowMs()))
  assert.equal(errorCode(required.connection.handleFrame(client.sealPrompt('m0', 'Hi'), nowMs())), 'UNSIGNED_MESSAGE')
  throwsCode(() => new native.HostEndpoint({ hostPrivateKey: native.generateSecretKey(), limits: { replayCapacity: 0 } }, nowMs()), 'INVALID_ARGUMENT')
})
