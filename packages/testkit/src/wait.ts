/**
 * Polls `probe` every `everyMs` until it returns something truthy, and returns that; throws
 * `timed out waiting for <what>` after `ms`. Probes that run tools want a longer `everyMs`: on
 * two cores they compete with the code under test.
 */
export async function until<T>(what: string, probe: () => T | undefined | null | false, ms = 10_000, everyMs = 10): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
