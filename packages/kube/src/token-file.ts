// A bearer token kept in a file that its owner rewrites: kubelet rotates projected
// service-account tokens (an atomic swap of the ..data symlink), the thick entrypoint rewrites
// its kubeconfig. The file is read again when it changed (one stat per request) and at least
// once a minute, as client-go's cached file token source and client-node's FileAuth do.
import { readFileSync, statSync } from 'node:fs';

const MAX_AGE_MS = 60_000;

export class TokenFile {
  readonly path: string;
  #token: string | undefined;
  #stamp = '';
  #readAt = 0;

  constructor(path: string) {
    this.path = path;
  }

  /**
   * The current token (trimmed, as client-go does: a trailing newline is not part of it).
   * A read that fails after one succeeded keeps the last token (client-go does the same);
   * with none read yet, the fs error is thrown.
   */
  token(now = Date.now()): string {
    let stamp: string;
    try {
      const st = statSync(this.path);
      stamp = `${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
    } catch (err) {
      if (this.#token !== undefined) return this.#token;
      throw err;
    }
    if (this.#token !== undefined && stamp === this.#stamp && now - this.#readAt <= MAX_AGE_MS) return this.#token;
    try {
      this.#token = readFileSync(this.path, 'utf8').trim();
    } catch (err) {
      if (this.#token !== undefined) return this.#token;
      throw err;
    }
    this.#stamp = stamp;
    this.#readAt = now;
    return this.#token;
  }
}
