// The browser example (examples/browser/) in a real headless Chromium against a running
// `confide-node serve --dev`: the page is served on its own 127.0.0.1 port (so /v1/info is fetched
// cross-origin, as a person's page would), Playwright fills #host-url and #prompt and clicks #send,
// and the test waits for the streamed #answer and for #status to show the session encrypted, the
// client address the host acknowledged and the verified receipt. No console error or page error
// may occur. A screenshot goes to the test output directory. Prints "browser page: N passed, M failed".
//
//   node browser/page.test.mjs <host address 127.0.0.1:PORT> <output dir>
import assert from 'node:assert/strict'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { serve } from '../../../examples/browser/serve.mjs'
import { launch } from './chromium.mjs'

const [hostAddress, outputDir] = process.argv.slice(2)
assert.ok(hostAddress && outputDir, 'usage: page.test.mjs HOST_ADDRESS OUTPUT_DIR')
mkdirSync(outputDir, { recursive: true })

async function run(page, pageUrl, problems) {
  const info = await (await fetch(`http://${hostAddress}/v1/info`)).json()
  await page.goto(pageUrl)
  await page.waitForFunction(() => !document.getElementById('send').disabled, null, { timeout: 20_000 })
  await page.fill('#host-url', `http://${hostAddress}`)
  await page.fill('#prompt', 'Tell me a story about a lighthouse')
  await page.click('#send')
  await page.waitForFunction(() => document.getElementById('status').textContent.includes('receipt ✓') || document.getElementById('error').textContent, null, {
    timeout: 60_000,
  })
  const read = (selector) => page.textContent(selector)
  assert.equal(await read('#error'), '', 'no error shown')
  const status = await read('#status')
  const answer = await read('#answer')
  assert.ok(answer.length > 0, 'the answer streamed in')
  assert.match(status, /encrypted ✓/)
  assert.match(status, /client 0x[0-9a-fA-F]{40}/)
  assert.match(status, /receipt ✓/)
  assert.ok(status.includes(info.address), `the receipt names the host ${info.address}: ${status}`)
  // A second prompt on the same session.
  await page.fill('#prompt', 'And another one')
  await page.click('#send')
  await page.waitForFunction((previous) => document.getElementById('answer').textContent !== previous && document.getElementById('status').textContent.includes('receipt ✓'), answer, {
    timeout: 60_000,
  })
  // An unreachable host is explained to the person.
  await page.fill('#host-url', 'http://127.0.0.1:1')
  await page.click('#send')
  await page.waitForFunction(() => document.getElementById('error').textContent.includes('cannot reach'), null, { timeout: 20_000 })
  await page.fill('#host-url', `http://${hostAddress}`)
  await page.click('#send')
  await page.waitForFunction(() => document.getElementById('status').textContent.includes('receipt ✓'), null, { timeout: 60_000 })
  assert.equal(await read('#error'), '', 'the error clears on success')
  await page.screenshot({ path: join(outputDir, 'browser-page.png'), fullPage: true })
  // The expected failure above logs the refused fetch; nothing else may.
  const unexpected = problems.filter((p) => !p.includes('127.0.0.1:1/'))
  assert.deepEqual(unexpected, [], 'no console errors')
  return { status, answer }
}

const server = await serve(0)
const pageUrl = `http://127.0.0.1:${server.address().port}/examples/browser/`
const browser = await launch()
let failed = 0
try {
  const page = await browser.newPage({ viewport: { width: 900, height: 800 } })
  const problems = []
  page.on('console', (message) => message.type() === 'error' && problems.push(`${message.text()} ${message.location().url ?? ''}`))
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`))
  const { status, answer } = await run(page, pageUrl, problems)
  console.log(`status: ${status}`)
  console.log(`answer: ${answer.slice(0, 80)}${answer.length > 80 ? '…' : ''}`)
  console.log(`screenshot: ${join(outputDir, 'browser-page.png')}`)
} catch (error) {
  failed = 1
  console.error(error)
} finally {
  await browser.close()
  server.close()
}
console.log(`browser page: ${1 - failed} passed, ${failed} failed`)
process.exit(failed)
