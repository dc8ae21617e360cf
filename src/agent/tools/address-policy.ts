// Which addresses fetch_url may connect to: public unicast only. Everything that reaches the pod's
// own node, cluster or cloud (loopback, private, link-local, CGNAT, unique-local, metadata
// services) or is not a real destination (unspecified, multicast, reserved) is refused, including
// the IPv6 forms that embed an IPv4 address.
import { isIP } from 'node:net';

/** Why an address is refused, or undefined when it is public. */
export type AddressCheck = (address: string) => string | undefined;

interface Range4 {
  base: number;
  bits: number;
  reason: string;
}

const v4 = (cidr: string, reason: string): Range4 => {
  const [base = '', bits = '32'] = cidr.split('/');
  return { base: parseIPv4(base) ?? 0, bits: Number(bits), reason };
};

/** Cloud metadata services: checked first so the message names them. */
const metadata4: Range4[] = [
  v4('169.254.169.254/32', 'a cloud metadata service address'),
  v4('169.254.170.2/32', 'a cloud metadata service address (ECS task metadata)'),
  v4('100.100.100.200/32', 'a cloud metadata service address (Alibaba)'),
  v4('168.63.129.16/32', 'a cloud metadata service address (Azure)'),
  v4('192.0.0.192/32', 'a cloud metadata service address (Oracle)'),
];

const ranges4: Range4[] = [
  v4('0.0.0.0/8', 'an unspecified ("this network") address'),
  v4('10.0.0.0/8', 'a private address'),
  v4('100.64.0.0/10', 'a carrier-grade NAT (shared) address'),
  v4('127.0.0.0/8', 'a loopback address'),
  v4('169.254.0.0/16', 'a link-local address'),
  v4('172.16.0.0/12', 'a private address'),
  v4('192.0.0.0/24', 'a reserved (IETF protocol) address'),
  v4('192.0.2.0/24', 'a reserved (documentation) address'),
  v4('192.88.99.0/24', 'a reserved (6to4 relay) address'),
  v4('192.168.0.0/16', 'a private address'),
  v4('198.18.0.0/15', 'a reserved (benchmarking) address'),
  v4('198.51.100.0/24', 'a reserved (documentation) address'),
  v4('203.0.113.0/24', 'a reserved (documentation) address'),
  v4('224.0.0.0/4', 'a multicast address'),
  v4('240.0.0.0/4', 'a reserved address'),
];

/** Host names that reach metadata services or the host itself without looking like an address. */
const blockedHostNames = new Map<string, string>([
  ['localhost', 'the local host'],
  ['metadata', 'a cloud metadata service'],
  ['metadata.google.internal', 'a cloud metadata service'],
  ['metadata.goog', 'a cloud metadata service'],
  ['metadata.azure.com', 'a cloud metadata service'],
  ['instance-data', 'a cloud metadata service'],
  ['instance-data.ec2.internal', 'a cloud metadata service'],
]);

/** Why a host name is refused before it is even resolved, or undefined. */
export function checkHostName(hostname: string): string | undefined {
  const name = hostname.toLowerCase().replace(/\.+$/, '');
  const known = blockedHostNames.get(name);
  if (known) return known;
  if (name.endsWith('.localhost')) return 'the local host';
  return undefined;
}

/** The default address check: the reason an address is not public, or undefined. */
export const classifyAddress: AddressCheck = (address) => {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const family = isIP(bare);
  if (family === 4) return classify4(parseIPv4(bare) ?? 0);
  if (family === 6) {
    const groups = parseIPv6(bare);
    return groups ? classify6(groups) : 'not a valid IP address';
  }
  return 'not a valid IP address';
};

function classify4(value: number): string | undefined {
  for (const range of [...metadata4, ...ranges4]) {
    if (inRange4(value, range)) return range.reason;
  }
  if (value === 0xffffffff) return 'the broadcast address';
  return undefined;
}

function inRange4(value: number, range: Range4): boolean {
  if (range.bits === 0) return true;
  const mask = range.bits === 32 ? 0xffffffff : (0xffffffff << (32 - range.bits)) >>> 0;
  return (value & mask) >>> 0 === (range.base & mask) >>> 0;
}

function classify6(g: number[]): string | undefined {
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = g;
  const embedded = ((g6 << 16) | g7) >>> 0;
  const zeroUpTo = (count: number) => g.slice(0, count).every((group) => group === 0);
  const via = (kind: string) => {
    const reason = classify4(embedded);
    return reason ? `${reason} (as ${kind})` : undefined;
  };

  if (zeroUpTo(8)) return 'the unspecified address';
  if (zeroUpTo(7) && g7 === 1) return 'a loopback address';
  if (zeroUpTo(5) && g5 === 0xffff) return via('an IPv4-mapped IPv6 address');
  // ::ffff:0:a.b.c.d (SIIT) and the deprecated IPv4-compatible ::a.b.c.d
  if (zeroUpTo(4) && g4 === 0xffff && g5 === 0) return via('an IPv4-translated IPv6 address');
  if (zeroUpTo(6)) return via('an IPv4-compatible IPv6 address') ?? 'a reserved IPv6 address';
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) {
    return via('a NAT64 address');
  }
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 1) return 'a local-use NAT64 address';
  if (g0 === 0x2002) {
    const sixToFour = ((g1 << 16) | g2) >>> 0;
    const reason = classify4(sixToFour);
    return reason ? `${reason} (as a 6to4 address)` : undefined;
  }
  if (
    g0 === 0xfd00 &&
    g1 === 0x0ec2 &&
    g2 === 0 &&
    g3 === 0 &&
    g4 === 0 &&
    g5 === 0 &&
    g6 === 0 &&
    g7 === 0x254
  ) {
    return 'a cloud metadata service address (AWS IPv6)';
  }
  if ((g0 & 0xfe00) === 0xfc00) return 'a unique-local (private) IPv6 address';
  if ((g0 & 0xffc0) === 0xfe80) return 'a link-local IPv6 address';
  if ((g0 & 0xffc0) === 0xfec0) return 'a site-local (deprecated private) IPv6 address';
  if ((g0 & 0xff00) === 0xff00) return 'a multicast IPv6 address';
  if (g0 === 0x2001 && g1 === 0) return 'a Teredo tunnel address';
  if (g0 === 0x2001 && g1 === 0x0db8) return 'a reserved (documentation) IPv6 address';
  if (g0 === 0x0100 && g1 === 0 && g2 === 0 && g3 === 0) return 'a discard-only IPv6 address';
  // outside 2000::/3 nothing is assigned as global unicast
  if ((g0 & 0xe000) !== 0x2000) return 'a reserved IPv6 address';
  return undefined;
}

export function parseIPv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = value * 256 + octet;
  }
  return value;
}

/** Eight 16-bit groups, or undefined. Accepts `::` and a dotted IPv4 tail. */
export function parseIPv6(text: string): number[] | undefined {
  let input = text;
  const tail: number[] = [];
  if (input.includes('.')) {
    const at = input.lastIndexOf(':');
    const value = parseIPv4(input.slice(at + 1));
    if (value === undefined) return undefined;
    tail.push(value >>> 16, value & 0xffff);
    input = input.slice(0, at + 1);
    if (!input.endsWith('::')) input = input.slice(0, -1);
  }
  const halves = input.split('::');
  if (halves.length > 2) return undefined;
  const toGroups = (part: string | undefined) =>
    part === undefined || part === '' ? [] : part.split(':').map((group) => parseInt(group, 16));
  const head = toGroups(halves[0]);
  const rest = [...toGroups(halves[1]), ...tail];
  if ([...head, ...rest].some((group) => !Number.isInteger(group) || group < 0 || group > 0xffff))
    return undefined;
  if (halves.length === 1) return rest.length + head.length === 8 ? [...head, ...rest] : undefined;
  const fill = 8 - head.length - rest.length;
  if (fill < 1) return undefined;
  return [...head, ...Array<number>(fill).fill(0), ...rest];
}
