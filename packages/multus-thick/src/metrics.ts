// Prometheus text exposition (format 0.0.4) of a few counters and histograms; no client
// library (start-up cost and memory are what the daemon is judged on).
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

const labelText = (labels: Record<string, string>) => {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
};

interface Hist {
  labels: Record<string, string>;
  counts: number[];
  sum: number;
  count: number;
}

export class Metrics {
  private readonly requests = new Map<string, { labels: Record<string, string>; value: number }>();
  private readonly durations = new Map<string, Hist>();
  inflight = 0;
  /** CNI requests answered so far, and when the last one was (ms since the epoch): the trimmer looks at both. */
  served = 0;
  lastServedAt = 0;

  /** multus_server_request_total{handler,code,method} (upstream's only own metric). */
  countRequest(handler: string, code: number, method: string): void {
    const labels = { handler, code: String(code), method: method.toLowerCase() };
    const key = JSON.stringify(labels);
    const c = this.requests.get(key) ?? { labels, value: 0 };
    c.value++;
    this.requests.set(key, c);
  }

  /** multus_cni_request_duration_seconds{command,result}. */
  observe(command: string, result: 'success' | 'error', seconds: number): void {
    const labels = { command, result };
    const key = JSON.stringify(labels);
    let h = this.durations.get(key);
    if (!h) this.durations.set(key, (h = { labels, counts: BUCKETS.map(() => 0), sum: 0, count: 0 }));
    BUCKETS.forEach((b, i) => {
      if (seconds <= b) h.counts[i]!++;
    });
    h.sum += seconds;
    h.count++;
    this.served++;
    this.lastServedAt = Date.now();
  }

  text(): string {
    const lines: string[] = [];
    lines.push('# HELP multus_server_request_total Number of requests served by the multus daemon.', '# TYPE multus_server_request_total counter');
    for (const c of this.requests.values()) lines.push(`multus_server_request_total${labelText(c.labels)} ${c.value}`);
    lines.push('# HELP multus_cni_request_duration_seconds Time to serve one CNI command.', '# TYPE multus_cni_request_duration_seconds histogram');
    for (const h of this.durations.values()) {
      BUCKETS.forEach((b, i) => lines.push(`multus_cni_request_duration_seconds_bucket${labelText({ ...h.labels, le: String(b) })} ${h.counts[i]}`));
      lines.push(`multus_cni_request_duration_seconds_bucket${labelText({ ...h.labels, le: '+Inf' })} ${h.count}`);
      lines.push(`multus_cni_request_duration_seconds_sum${labelText(h.labels)} ${h.sum}`);
      lines.push(`multus_cni_request_duration_seconds_count${labelText(h.labels)} ${h.count}`);
    }
    const mem = process.memoryUsage();
    lines.push('# HELP multus_server_inflight_requests CNI requests being served.', '# TYPE multus_server_inflight_requests gauge', `multus_server_inflight_requests ${this.inflight}`);
    lines.push('# HELP process_resident_memory_bytes Resident memory size in bytes.', '# TYPE process_resident_memory_bytes gauge', `process_resident_memory_bytes ${mem.rss}`);
    lines.push('# HELP nodejs_heap_used_bytes V8 heap in use.', '# TYPE nodejs_heap_used_bytes gauge', `nodejs_heap_used_bytes ${mem.heapUsed}`);
    lines.push('# HELP nodejs_heap_total_bytes V8 heap committed.', '# TYPE nodejs_heap_total_bytes gauge', `nodejs_heap_total_bytes ${mem.heapTotal}`);
    lines.push('# HELP nodejs_external_memory_bytes Memory of C++ objects bound to JavaScript.', '# TYPE nodejs_external_memory_bytes gauge', `nodejs_external_memory_bytes ${mem.external}`);
    return `${lines.join('\n')}\n`;
  }
}
