// How much untrusted configuration Multus holds at once. The bytes of a pod's network
// annotations and of the NetworkAttachmentDefinitions they name (both written by namespace
// users) are counted as they arrive: per call, and over every call of one plugin instance (the
// thick daemon serves many pods in one small heap: a few ~1 MB NADs listed in one annotation
// would otherwise exhaust it, and every pod on the node with it). A NAD body is dropped while
// it streams in, so nothing beyond the limit is ever buffered.
import { ErrCode } from '@cni-ts/cni';

export interface ConfigLimits {
  /** Bytes of annotations and NAD bodies one call may hold (default 2 MiB). */
  perCallBytes: number;
  /** Bytes all calls in flight may hold together (default 4 MiB). */
  inFlightBytes: number;
}

export const DEFAULT_LIMITS: ConfigLimits = { perCallBytes: 2 << 20, inFlightBytes: 4 << 20 };

/** A limit was hit: the CNI code says whether a retry can help (11) or not (7). */
export class SizeLimitError extends Error {
  readonly code: number;
  /** What was being read (`network-attachment-definition ns/name`, an annotation). */
  readonly field: string;
  constructor(code: number, message: string, field: string) {
    super(message);
    this.name = 'SizeLimitError';
    this.code = code;
    this.field = field;
  }
}

/** The budget of one plugin instance; each call opens its own share. */
export class ConfigBudget {
  readonly limits: ConfigLimits;
  #inFlight = 0;

  constructor(limits: ConfigLimits = DEFAULT_LIMITS) {
    this.limits = limits;
  }

  /** Bytes held by calls in flight. */
  get inFlight(): number {
    return this.#inFlight;
  }

  open(): CallBudget {
    return new CallBudget(this, (n) => (this.#inFlight += n));
  }
}

export class CallBudget {
  readonly #parent: ConfigBudget;
  readonly #add: (n: number) => void;
  #used = 0;

  constructor(parent: ConfigBudget, add: (n: number) => void) {
    this.#parent = parent;
    this.#add = add;
  }

  get used(): number {
    return this.#used;
  }

  /** Counts `bytes` of `what`; throws SizeLimitError (and counts nothing) past either limit. */
  charge(bytes: number, what: string): void {
    const { perCallBytes, inFlightBytes } = this.#parent.limits;
    if (this.#used + bytes > perCallBytes) {
      throw new SizeLimitError(
        ErrCode.invalidNetworkConfig,
        `the pod's network configurations are larger than ${perCallBytes} bytes (reading ${what}): refused`,
        what,
      );
    }
    if (this.#parent.inFlight + bytes > inFlightBytes) {
      throw new SizeLimitError(
        ErrCode.tryAgainLater,
        `requests in flight already hold ${this.#parent.inFlight} bytes of network configurations, the limit is ${inFlightBytes} (reading ${what}): try again later`,
        what,
      );
    }
    this.#used += bytes;
    this.#add(bytes);
  }

  /** Gives the call's bytes back (when the call ends). */
  release(): void {
    this.#add(-this.#used);
    this.#used = 0;
  }
}
