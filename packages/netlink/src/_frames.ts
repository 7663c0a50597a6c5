/**
 * One frame per active withNetns (plus the bottom one for the process's own namespace). Resources
 * opened for "the current namespace" (the default netlink handle) live in the frame and are closed
 * when the frame ends: a netlink socket pins its namespace, so it must not outlive the switch.
 */
export interface Frame {
  cache: Map<string, { close(): void }>;
}

const frames: Frame[] = [{ cache: new Map() }];

export function pushFrame(): void {
  frames.push({ cache: new Map() });
}

export function popFrame(): void {
  const frame = frames.pop();
  if (!frame) return;
  for (const r of frame.cache.values()) {
    try {
      r.close();
    } catch {
      // closing a socket cannot meaningfully fail here; keep unwinding.
    }
  }
}

export function currentFrame(): Frame {
  return frames[frames.length - 1]!;
}
