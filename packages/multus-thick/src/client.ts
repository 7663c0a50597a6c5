// HTTP/1.1 to the daemon over its unix socket (http://dummy/<path>), one connection per request.
// getBuiltinModule: an ES import of node:http would load undici through its lazy exports (~14 MiB).
const { request } = process.getBuiltinModule('node:http');

export interface Reply {
  status: number;
  body: string;
}

export function callDaemon(socket: string, method: string, urlPath: string, body?: string, timeoutMs = 0): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      { socketPath: socket, method, path: urlPath, host: 'dummy', agent: false, headers: body === undefined ? {} : { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    if (timeoutMs > 0) req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer in ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}
