#!/usr/bin/env node
// A Confide client in Node.js on @confide/native: fetches the host's /v1/info, opens an encrypted
// session over WebSocket, sends one prompt, prints the decrypted answer as it streams, and requires
// the host's signed usage receipt, which the session verifies against the key /v1/info published
// (and which anyone can check again with verifyMessage). Exits non-zero on any failure.
//
//   node examples/node/client.mjs ws://127.0.0.1:8080 "prompt" [--scheme eip191|sdk-transcript]
//                                 [--max-tokens N] [--report FILE]
//
// Needs the package built first (bindings/napi: `npm ci && npm run build`); `ws` comes from its
// node_modules (Node 20 has no global WebSocket). The wallet key is $WALLET_PRIVATE_KEY, or a fresh
// one. `--report FILE` writes what happened as JSON (used by the end-to-end test).

import { createRequire } from 'node:module'
import { writeFileSync } from 'node:fs'

const require = createRequire(new URL('../../bindings/napi/package.json', import.meta.url))
const { ClientSession, generateSecretKey, verifyMessage } = require('./index.js')
const WebSocket = require('ws')

function parseArgs(argv) {
  const args = { scheme: 'eip191', maxTokens: 32, report: null, positional: [] }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === '--scheme') args.scheme = argv[++i]
    else if (arg === '--max-tokens') args.maxTokens = Number(argv[++i])
    else if (arg === '--report') args.report = argv[++i]
    else args.positional.push(arg)
  }
  if (args.positional.length !== 2) {
    throw new Error('usage: node examples/node/client.mjs ws://HOST:PORT "prompt" [--scheme S] [--max-tokens N] [--report FILE]')
  }
  ;[args.url, args.prompt] = args.positional
  return args
}

/** Frames from the socket, one at a time, as a promise-returning `next()`. */
function frameQueue(socket) {
  const frames = []
  const waiting = []
  let failure = null
  const fail = (error) => {
    failure = error
    while (waiting.length) waiting.shift().reject(error)
  }
  socket.on('message', (data) => {
    const text = data.toString('utf8')
    if (waiting.length) waiting.shift().resolve(text)
    else frames.push(text)
  })
  socket.on('error', fail)
  socket.on('close', () => fail(new Error('the host closed the connection')))
  return () => {
    if (frames.length) return Promise.resolve(frames.shift())
    if (failure) return Promise.reject(failure)
    return new Promise((resolve, reject) => waiting.push({ resolve, reject }))
  }
}

async function main() {
  const args = parseArgs(process.argv.slice(2))
  const base = new URL(args.url)
  const httpBase = `${base.protocol === 'wss:' ? 'https:' : 'http:'}//${base.host}`
  const response = await fetch(`${httpBase}/v1/info`)
  if (!response.ok) throw new Error(`/v1/info answered HTTP ${response.status}`)
  const info = await response.json()
  if (!info.publicKey) throw new Error('the host has no key: it cannot run encrypted sessions')
  const model = info.models?.[0]?.id ?? 'default'

  const client = new ClientSession({
    hostPublicKey: info.publicKey,
    walletPrivateKey: process.env.WALLET_PRIVATE_KEY || generateSecretKey(),
    scheme: args.scheme,
  })
  const report = { info, chunks: [], events: [] }

  const wsUrl = base.pathname === '/' ? `${base.protocol}//${base.host}/v1/ws` : base.href
  const socket = new WebSocket(wsUrl)
  await new Promise((resolve, reject) => {
    socket.once('open', resolve)
    socket.once('error', reject)
  })
  const next = frameQueue(socket)
  const receive = async () => {
    const event = client.open(await next())
    report.events.push(event.type)
    if (event.type === 'error') throw new Error(`host error ${event.code}: ${event.message}`)
    return event
  }

  try {
    socket.send(
      client.initMessage({
        sessionId: `node-example-${process.pid}-${Date.now()}`,
        jobId: 0,
        chainId: info.chainIds?.[0] ?? 0,
        modelName: model,
        pricePerToken: 0,
      }),
    )
    let event
    do event = await receive()
    while (event.type !== 'ack')
    report.clientAddress = client.clientAddress
    report.ackAddress = event.clientAddress
    process.stderr.write(`[encrypted session open (${client.scheme}); the host recovered ${event.clientAddress}]\n`)

    socket.send(client.sealPrompt('prompt-0', { prompt: args.prompt, max_tokens: args.maxTokens }))
    for (;;) {
      event = await receive()
      if (event.type === 'chunk') {
        report.chunks.push({ index: event.index, final: event.final, text: event.text })
        process.stdout.write(event.text)
      } else if (event.type === 'final') {
        report.finishReason = event.finishReason
      } else if (event.type === 'end') {
        report.usage = event.usage ?? null
        report.receipt = event.receipt ?? null
        report.verified = event.verified
        break
      }
    }
    process.stdout.write('\n')
  } finally {
    client.close()
    socket.close()
  }

  if (report.finishReason === undefined) throw new Error('the response ended without an encrypted finish reason')
  if (!report.verified) throw new Error('the host sent no receipt: the answer is unverified')
  // The session checked signer, client, text hash and token counts; a third party can check the
  // signature again from the receipt alone.
  const verified = verifyMessage(report.receipt, Math.floor(Date.now() / 1000))
  if (verified.signer?.toLowerCase() !== String(info.address).toLowerCase()) {
    throw new Error(`the receipt is signed by ${verified.signer}, not by the host ${info.address}`)
  }
  report.receiptSigner = verified.signer
  report.receiptPayload = JSON.parse(verified.payload)
  const tokens = report.usage?.completionTokens ?? 0
  process.stderr.write(`[${report.finishReason}, ${tokens} tokens; receipt ✓ signed by ${verified.signer}]\n`)
  if (args.report) writeFileSync(args.report, JSON.stringify(report, null, 2))
}

main().catch((error) => {
  process.stderr.write(`error${error.code ? ` ${error.code}` : ''}: ${error.message}\n`)
  process.exit(1)
})
