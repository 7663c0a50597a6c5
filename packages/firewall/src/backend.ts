// What both backends implement (upstream's FirewallBackend).
import type { MaybePromise } from '@cni-ts/cni';

export interface Backend {
  add(): MaybePromise<void>;
  del(): MaybePromise<void>;
  check(): MaybePromise<void>;
}
