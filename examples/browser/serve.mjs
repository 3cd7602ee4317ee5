// A static file server for the browser example (and the wasm package's browser tests and bench):
// serves the repository on 127.0.0.1 so that the page (/examples/browser/) can load the package
// built into /bindings/wasm/pkg/web/. GET only, no directory listings, nothing outside the repository.
//
//   node examples/browser/serve.mjs [port]      (port 0 or none: a free port; prints the page's URL)
import { createServer } from 'node:http'
import { createReadStream, statSync } from 'node:fs'
import { extname, join, normalize, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../../', import.meta.url))
const types = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
}

/** The file under the repository for a URL path, or null (outside it, hidden, or not a file). */
function resolve(urlPath) {
  let path = decodeURIComponent(urlPath.split('?')[0])
  if (path.endsWith('/')) path += 'index.html'
  const file = normalize(join(root, path))
  if (!file.startsWith(root) || file.split(sep).some((part) => part.startsWith('.') && part.length > 1)) return null
  try {
    return statSync(file).isFile() ? file : null
  } catch {
    return null
  }
}

/**
 * Starts the server on 127.0.0.1:`port` (0: a free one); resolves with the `http.Server`. With
 * `isolated`, pages are cross-origin isolated (COOP + COEP), which gives `performance.now()` its
 * fine resolution (the benchmark's page needs it).
 */
export function serve(port = 0, { isolated = false } = {}) {
  const isolation = isolated ? { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' } : {}
  const server = createServer((request, response) => {
    const file = request.method === 'GET' ? resolve(request.url) : null
    if (!file) {
      response.writeHead(request.method === 'GET' ? 404 : 405, { 'content-type': 'text/plain' }).end('not found\n')
      return
    }
    response.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store', ...isolation })
    createReadStream(file).pipe(response)
  })
  return new Promise((done) => server.listen(port, '127.0.0.1', () => done(server)))
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const server = await serve(Number(process.argv[2] ?? 0))
  console.log(`open http://127.0.0.1:${server.address().port}/examples/browser/`)
}
