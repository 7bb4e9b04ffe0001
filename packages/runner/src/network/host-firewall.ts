import { existsSync } from 'node:fs';
import { FirewallError } from '../errors.ts';
import { execFirewall, type FirewallCommand } from './iptables.ts';

/** Every rule the runner adds carries the comment `light-runner:<network>`, so it can be found again. */
export const RULE_COMMENT_PREFIX = 'light-runner:';

/** Whether host firewall rules guard the bridges this runner creates, and why (not). */
export interface HostFirewallStatus {
  enforced: boolean;
  detail: string;
}

/** One rule of ours, as listed by `iptables -S INPUT`. */
export interface FirewallRule {
  network: string;
  bridge: string;
  /** The rule's spec after `-A INPUT`, ready for `-D INPUT`. */
  spec: string[];
}

/** How {@link HostFirewall} decides whether it can act. */
export interface HostFirewallConfig {
  /** `off` never touches the firewall. */
  mode: 'auto' | 'off';
  /** Where the engine listens, for messages. */
  engineEndpoint: string;
  /** Whether the engine is reached over a unix socket; one over TCP is another host, whose bridges are not ours to guard. */
  engineLocal: boolean;
  /** Runs iptables. @default execFile of the iptables binary */
  command?: FirewallCommand;
  /** Whether a network interface exists in this process's network namespace. @default /sys/class/net lookup */
  interfaceExists?: (name: string) => boolean;
  /** Whether this process runs as root. @default process.getuid() === 0 */
  isRoot?: boolean;
  /** Where a firewall that stops holding is reported (the runner's `log`). @default discarded */
  log?: (line: string) => void;
}

/** The host interface of a bridge network: its configured name, else Docker's `br-<first 12 of the id>`. */
export function bridgeName(network: { Id: string; Options?: Record<string, string> }): string {
  return network.Options?.['com.docker.network.bridge.name'] ?? `br-${network.Id.slice(0, 12)}`;
}

/** How many duplicates of one rule a release removes at most (concurrent creators may each add one). */
const MAX_DUPLICATES = 16;

/** The rule spec that rejects new traffic from `bridge` to any address of this host. */
export function ruleSpec(network: string, bridge: string): string[] {
  return [
    '-i',
    bridge,
    // Replies to connections the host opened (none by default) still get through.
    '-m',
    'conntrack',
    '!',
    '--ctstate',
    'ESTABLISHED,RELATED',
    '-m',
    'comment',
    '--comment',
    `${RULE_COMMENT_PREFIX}${network}`,
    '-j',
    'REJECT',
  ];
}

/** Our rules among the lines of `iptables -S INPUT`. */
export function parseRules(listing: string): FirewallRule[] {
  const rules: FirewallRule[] = [];
  for (const line of listing.split('\n')) {
    // Names never hold spaces, so only the quotes iptables puts around a comment need undoing.
    const tokens = line
      .trim()
      .split(/\s+/)
      .map((token) => token.replace(/^"(.*)"$/, '$1'));
    if (tokens[0] !== '-A' || tokens[1] !== 'INPUT') continue;
    const comment = valueAfter(tokens, '--comment');
    const bridge = valueAfter(tokens, '-i');
    if (!comment?.startsWith(RULE_COMMENT_PREFIX) || !bridge) continue;
    rules.push({ network: comment.slice(RULE_COMMENT_PREFIX.length), bridge, spec: tokens.slice(2) });
  }
  return rules;
}

function valueAfter(tokens: string[], flag: string): string | undefined {
  const at = tokens.indexOf(flag);
  return at >= 0 ? tokens[at + 1] : undefined;
}

/**
 * Keeps containers on the runner's bridges from reaching the host itself: an INPUT rule per
 * bridge rejects new connections to any host address (services on 0.0.0.0, the gateway),
 * while traffic to other hosts is forwarded as before. Needs root, a working `iptables`
 * (legacy or nft backend) and an engine on this host; {@link status} says whether it holds.
 */
export class HostFirewall {
  private probed: Promise<HostFirewallStatus> | undefined;
  private degraded: HostFirewallStatus | undefined;
  private readonly command: FirewallCommand;
  private readonly interfaceExists: (name: string) => boolean;

  constructor(private readonly config: HostFirewallConfig) {
    this.command = config.command ?? execFirewall;
    this.interfaceExists = config.interfaceExists ?? ((name) => existsSync(`/sys/class/net/${name}`));
  }

  /** Whether rules are added, probed once (root, a local engine, a working iptables). */
  async status(): Promise<HostFirewallStatus> {
    this.probed ??= this.probe();
    return this.degraded ?? (await this.probed);
  }

  /**
   * Adds the rule for one bridge of `network` (idempotent). Does nothing when the firewall
   * is not enforced; FirewallError when iptables refuses, so no network goes unguarded silently.
   */
  async protect(network: string, bridge: string): Promise<void> {
    if (!(await this.status()).enforced) return;
    if (!this.interfaceExists(bridge)) {
      // The engine made the bridge somewhere else (another host or network namespace).
      this.degraded = {
        enforced: false,
        detail: `the engine's bridge ${bridge} of network ${network} is not visible on this host: the engine runs in another network namespace, so host firewall rules here cannot guard it`,
      };
      this.config.log?.(`light-runner: ${this.degraded.detail}`);
      return;
    }
    const spec = ruleSpec(network, bridge);
    if ((await this.command('iptables', ['-C', 'INPUT', ...spec])).code === 0) return;
    const added = await this.command('iptables', ['-I', 'INPUT', '1', ...spec]);
    if (added.code !== 0)
      throw new FirewallError(
        network,
        `adding the INPUT rule for bridge ${bridge} failed: ${added.stderr.trim()}`,
      );
    // Another runner may have removed the network (and released its rules) between the
    // check above and the insert: a rule for a bridge that is gone must not stay behind.
    if (!this.interfaceExists(bridge)) await this.release(network, bridge);
  }

  /** Removes the rules of one bridge of `network` (every duplicate); a rule already gone is fine. */
  async release(network: string, bridge: string): Promise<void> {
    if (!(await this.status()).enforced) return;
    const spec = ruleSpec(network, bridge);
    for (let i = 0; i < MAX_DUPLICATES; i++) {
      if ((await this.command('iptables', ['-D', 'INPUT', ...spec])).code !== 0) return;
    }
  }

  /** Every rule of ours in the INPUT chain. */
  async rules(): Promise<FirewallRule[]> {
    if (!(await this.status()).enforced) return [];
    const listed = await this.command('iptables', ['-S', 'INPUT']);
    if (listed.code !== 0)
      throw new FirewallError('*', `listing the INPUT chain failed: ${listed.stderr.trim()}`);
    return parseRules(listed.stdout);
  }

  /** Removes our rules whose bridge no longer exists (their network was removed); returns their networks. */
  async sweep(): Promise<string[]> {
    const stale = (await this.rules()).filter((rule) => !this.interfaceExists(rule.bridge));
    for (const rule of stale) await this.command('iptables', ['-D', 'INPUT', ...rule.spec]);
    return stale.map((rule) => rule.network);
  }

  private async probe(): Promise<HostFirewallStatus> {
    const { config } = this;
    if (config.mode === 'off') return { enforced: false, detail: 'turned off (hostFirewall: off)' };
    if (!(config.isRoot ?? process.getuid?.() === 0)) {
      return { enforced: false, detail: 'not root: host firewall rules need root (iptables)' };
    }
    if (!config.engineLocal) {
      return {
        enforced: false,
        detail: `the engine at ${config.engineEndpoint} is not on this host, so its bridges cannot be guarded from here`,
      };
    }
    const listed = await this.command('iptables', ['-S', 'INPUT']);
    if (listed.code !== 0) {
      return {
        enforced: false,
        detail: `iptables does not work here: ${listed.stderr.trim() || `exit ${listed.code}`}`,
      };
    }
    return {
      enforced: true,
      detail:
        'iptables INPUT rules (comment light-runner:<network>) reject new connections from the runner bridges to every address of the host',
    };
  }
}
