/** Blocks the calling thread (polling kernel state while switched into a namespace must stay synchronous). */
export function sleepSync(ms: number): void {
  if (ms > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
