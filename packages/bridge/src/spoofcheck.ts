// macspoofchk (pkg/link/spoofcheck.go): nftables rules in the bridge family that drop frames
// entering the bridge from the container's port unless their source MAC is the container's.
// Written as upstream writes them (nft JSON, table `bridge nat`, base chain
// PREROUTING at priority -300, two regular chains per attachment, every rule commented
// `macspoofchk-<containerID>-<ifname>`), so upstream's teardown recognises ours and vice versa.
import { Nft, NftError, rulesOf, type ToolEnv } from '@cni-ts/plugin-kit';

const FAMILY = 'bridge';
const TABLE = 'nat';
const BASE = 'PREROUTING';

const chainOf = (name: string) => ({ family: FAMILY, table: TABLE, name });

export class SpoofChecker {
  readonly ifaceChain: string;
  readonly macChain: string;
  readonly comment: string;
  /** the host end of the veth (the bridge port). */
  readonly iface: string;
  /** the container interface's MAC. */
  readonly mac: string;
  readonly env: ToolEnv;

  /** `refId` is `<containerID>-<ifname>`. */
  constructor(iface: string, mac: string, refId: string, env: ToolEnv = process.env) {
    this.iface = iface;
    this.mac = mac;
    this.env = env;
    this.ifaceChain = `cni-br-iface-${refId}`;
    this.macChain = `${this.ifaceChain}-mac`;
    this.comment = `macspoofchk-${refId}`;
  }

  private rule(chain: string, expr: unknown[]) {
    return { add: { rule: { family: FAMILY, table: TABLE, chain, expr, comment: this.comment } } };
  }

  private apply(nft: Nft, cmds: unknown[]): void {
    nft.applyJson(cmds);
  }

  /**
   * Two transactions, as upstream: the first declares table and chains (created if missing),
   * the second flushes this attachment's chains and writes its rules, so a repeated Setup
   * replaces rather than duplicates them.
   */
  setup(): void {
    try {
      const nft = Nft.open(this.env);
      this.apply(nft, [
        { add: { table: { family: FAMILY, name: TABLE } } },
        { add: { chain: { ...chainOf(BASE), type: 'filter', hook: 'prerouting', prio: -300, policy: 'accept' } } },
        { add: { chain: chainOf(this.ifaceChain) } },
        { add: { chain: chainOf(this.macChain) } },
      ]);
      this.apply(nft, [
        { flush: { chain: chainOf(this.ifaceChain) } },
        { flush: { chain: chainOf(this.macChain) } },
        this.rule(BASE, [{ match: { op: '==', left: { meta: { key: 'iifname' } }, right: this.iface } }, { jump: { target: this.ifaceChain } }]),
        this.rule(this.ifaceChain, [{ jump: { target: this.macChain } }]),
        this.rule(this.macChain, [{ match: { op: '==', left: { payload: { protocol: 'ether', field: 'saddr' } }, right: this.mac } }, { return: null }]),
        this.rule(this.macChain, [{ drop: null }]),
      ]);
    } catch (err) {
      throw new Error(`failed to setup spoof-check: ${(err as Error).message}`, { cause: err });
    }
  }

  /**
   * Deletes the PREROUTING rule(s) of this attachment (found by chain and comment) and both
   * regular chains. The table and base chain stay for other attachments. `log` gets what
   * upstream prints to stderr when the PREROUTING rule is not found.
   */
  teardown(log: (msg: string) => void = () => {}): void {
    let ruleErr: Error | undefined;
    let chainErr: Error | undefined;
    let nft: Nft;
    try {
      nft = Nft.open(this.env);
    } catch (err) {
      throw new Error(`failed to teardown spoof-check: ${(err as Error).message}, <nil>`, { cause: err });
    }
    try {
      const rules = rulesOf(nft.list('chain', FAMILY, TABLE, BASE)).filter((r) => r.chain === BASE && r.comment === this.comment);
      if (rules.length === 0) throw new NftError('no matching rule');
      try {
        this.apply(
          nft,
          rules.map((r) => ({ delete: { rule: { family: FAMILY, table: TABLE, chain: BASE, handle: r.handle } } })),
        );
      } catch (err) {
        ruleErr = new Error(`failed to delete iface match rule: ${(err as Error).message}`, { cause: err });
      }
    } catch {
      log(`spoofcheck/teardown: unable to detect iface match rule for deletion: iifname "${this.iface}" jump ${this.ifaceChain} comment "${this.comment}"`);
    }
    try {
      this.apply(nft, [{ delete: { chain: chainOf(this.ifaceChain) } }, { delete: { chain: chainOf(this.macChain) } }]);
    } catch (err) {
      chainErr = new Error(`failed to delete regular chains: ${(err as Error).message}`, { cause: err });
    }
    if (ruleErr || chainErr) {
      throw new Error(`failed to teardown spoof-check: ${ruleErr?.message ?? '<nil>'}, ${chainErr?.message ?? '<nil>'}`);
    }
  }
}
