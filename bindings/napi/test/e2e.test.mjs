// End to end: the real `confide-node serve --dev` and the example client (examples/node/client.mjs)
// over a real WebSocket: ack address, chunk order, encrypted final, receipt signed by the host.
import test from 'node:test'
import assert from 'node:assert/strict'
import { spawn, execFile } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { homedir, tmpdir } from 'node:os'
import { join } from 'node:path'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

const repo = fileURLToPath(new URL('../../../', import.meta.url))
const targetDir = process.env.CARGO_TARGET_DIR || join(homedir(), '.cache/confide/target')
const serverBinary = join(targetDir, 'release', 'confide-node')
const example = join(repo, 'examples/node/client.mjs')

/** Starts the server; resolves with its process and bound address (from its first stdout line). */
async function startServer() {
  assert.ok(existsSync(serverBinary), `${serverBinary} is missing: cargo build --release -p confide-node-server`)
  const server = spawn(serverBinary, ['serve', '--dev', '--listen', '127.0.0.1:0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  server.stderr.resume()
  const lines = createInterface({ input: server.stdout })
  const [line] = await Promise.race([
    once(lines, 'line'),
    once(server, 'exit').then(([code]) => {
      throw new Error(`confide-node exited with ${code} before listening`)
    }),
  ])
  const match = /listening on (127\.0\.0\.1:\d+) /.exec(line)
  assert.ok(match, `unexpected first line: ${line}`)
  lines.on('line', () => {})
  return { server, address: match[1] }
}

function runClient(address, prompt, extra) {
  return new Promise((resolve) => {
    execFile(process.execPath, [example, `ws://${address}`, prompt, ...extra], { timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? (error.code ?? 1) : 0, stdout, stderr }),
    )
  })
}

test('example client against confide-node serve --dev', { timeout: 120_000 }, async (t) => {
  const { server, address } = await startServer()
  t.after(async () => {
    if (server.exitCode === null) {
      server.kill('SIGTERM')
      await once(server, 'exit')
    }
  })
  const info = await (await fetch(`http://${address}/v1/info`)).json()
  const dir = mkdtempSync(join(tmpdir(), 'confide-e2e-'))
  for (const scheme of ['eip191', 'sdk-transcript']) {
    const report = join(dir, `${scheme}.json`)
    const run = await runClient(address, 'Tell me a story', ['--scheme', scheme, '--max-tokens', '12', '--report', report])
    assert.equal(run.code, 0, run.stderr)
    const r = JSON.parse(readFileSync(report, 'utf8'))
    assert.equal(r.info.address, info.address)
    assert.match(r.ackAddress, /^0x[0-9a-fA-F]{40}$/)
    assert.equal(r.ackAddress, r.clientAddress)
    assert.ok(r.chunks.length > 0)
    r.chunks.forEach((chunk, i) => assert.equal(chunk.index, i))
    assert.equal(run.stdout, r.chunks.map((c) => c.text).join('') + '\n')
    assert.ok(['stop', 'length'].includes(r.finishReason), r.finishReason)
    assert.deepEqual(r.events.slice(-2), ['final', 'end'])
    assert.equal(r.events.filter((e) => e === 'ack').length, 1)
    assert.equal(r.verified, true)
    assert.equal(r.receiptSigner, info.address)
    assert.equal(r.receiptPayload.client_address, r.clientAddress)
    assert.equal(r.usage.completionTokens, r.receiptPayload.completion_tokens)
    assert.match(run.stderr, /receipt ✓ signed by/)
  }
  // A failure exits non-zero: a host that does not exist.
  const bad = await runClient('127.0.0.1:1', 'x', [])
  assert.notEqual(bad.code, 0)
  server.kill('SIGTERM')
  const [code] = await once(server, 'exit')
  assert.equal(code, 0)
})
