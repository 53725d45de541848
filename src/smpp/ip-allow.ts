/** Source-address checks for binds (an account's allowed IPs/CIDRs). */
import { BlockList, isIP } from 'node:net';

/** Strips the IPv4-mapped IPv6 prefix that dual-stack sockets report (`::ffff:127.0.0.1`). */
export function plainAddress(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

/** Throws a message naming the entry when an address or CIDR is not valid. */
export function parseCidr(entry: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } {
  const [address = '', prefixText] = entry.split('/');
  const version = isIP(address);
  if (version === 0) throw new Error(`"${entry}" is not an IP address or CIDR`);
  const max = version === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (!/^\d+$/.test(prefixText ?? String(max)) || prefix > max) throw new Error(`"${entry}" has an invalid prefix length (0–${max})`);
  return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

/** Whether `remote` is allowed by `allowed` (empty = every address). */
export function isAllowed(allowed: readonly string[], remote: string): boolean {
  if (allowed.length === 0) return true;
  const list = new BlockList();
  for (const entry of allowed) {
    const { address, prefix, family } = parseCidr(entry);
    list.addSubnet(address, prefix, family);
  }
  const address = plainAddress(remote);
  return list.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
}
