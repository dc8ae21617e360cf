import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkHostName, classifyAddress, parseIPv6 } from './address-policy.ts';

/** How the URL parser spells a host, which is what the checks see. */
const hostOf = (host: string) => new URL(`http://${host}/`).hostname;

describe('classifyAddress', () => {
  const blocked: [string, RegExp][] = [
    ['127.0.0.1', /loopback/],
    ['127.255.255.254', /loopback/],
    ['::1', /loopback/],
    ['0.0.0.0', /unspecified/],
    ['0.1.2.3', /unspecified/],
    ['::', /unspecified/],
    ['[::]', /unspecified/],
    ['10.0.0.1', /private/],
    ['172.16.0.1', /private/],
    ['172.31.255.255', /private/],
    ['192.168.1.1', /private/],
    ['100.64.0.1', /carrier-grade NAT/],
    ['100.127.255.255', /carrier-grade NAT/],
    ['169.254.1.1', /link-local/],
    ['169.254.169.254', /cloud metadata/],
    ['169.254.170.2', /cloud metadata/],
    ['100.100.100.200', /cloud metadata/],
    ['168.63.129.16', /cloud metadata/],
    ['fd00:ec2::254', /cloud metadata/],
    ['fc00::1', /unique-local/],
    ['fd12:3456:789a::1', /unique-local/],
    ['fe80::1', /link-local/],
    ['fe80::1%eth0', /link-local/],
    ['fec0::1', /site-local/],
    ['224.0.0.1', /multicast/],
    ['239.255.255.250', /multicast/],
    ['ff02::1', /multicast/],
    ['240.0.0.1', /reserved/],
    ['255.255.255.255', /reserved|broadcast/],
    ['192.0.2.10', /documentation/],
    ['2001:db8::1', /documentation/],
    ['::ffff:127.0.0.1', /loopback address \(as an IPv4-mapped IPv6 address\)/],
    ['::ffff:7f00:1', /loopback/],
    ['::ffff:10.1.2.3', /private/],
    ['::ffff:169.254.169.254', /cloud metadata/],
    ['::ffff:0.0.0.0', /unspecified/],
    ['0:0:0:0:0:ffff:192.168.0.1', /private/],
    ['::ffff:0:10.0.0.1', /private address \(as an IPv4-translated/],
    ['::127.0.0.1', /loopback/],
    ['64:ff9b::169.254.169.254', /cloud metadata service address \(as a NAT64 address\)/],
    ['64:ff9b::10.0.0.1', /private/],
    ['2002:7f00:1::', /loopback address \(as a 6to4 address\)/],
    ['2002:c0a8:101::1', /private/],
    ['2001::1', /Teredo/],
    ['100::1', /discard-only/],
    ['not-an-ip', /not a valid IP address/],
  ];
  for (const [address, reason] of blocked) {
    it(`refuses ${address}`, () => {
      const got = classifyAddress(address);
      assert.ok(got, `${address} should be refused`);
      assert.match(got, reason);
    });
  }

  const allowed = [
    '1.1.1.1',
    '8.8.8.8',
    '93.184.216.34',
    '172.32.0.1',
    '100.128.0.1',
    '2606:4700:4700::1111',
    '2001:4860:4860::8888',
    '::ffff:8.8.8.8',
    '[2a00:1450:4001::1]',
  ];
  for (const address of allowed) {
    it(`allows ${address}`, () => assert.equal(classifyAddress(address), undefined));
  }

  it('sees through the IPv4 spellings the URL parser normalises', () => {
    for (const host of ['2130706433', '0177.0.0.1', '0x7f.1', '127.1', '0x7f000001', '017700000001']) {
      assert.equal(hostOf(host), '127.0.0.1', host);
      assert.match(classifyAddress(hostOf(host)) ?? '', /loopback/, host);
    }
    assert.match(classifyAddress(hostOf('0')) ?? '', /unspecified/);
    assert.match(classifyAddress(hostOf('0xa9fea9fe')) ?? '', /cloud metadata/);
    assert.match(classifyAddress(hostOf('[::ffff:127.0.0.1]')) ?? '', /loopback/);
    assert.match(classifyAddress(hostOf('[0:0:0:0:0:ffff:169.254.169.254]')) ?? '', /cloud metadata/);
  });
});

describe('checkHostName', () => {
  it('refuses metadata and local host names, however spelled', () => {
    for (const name of [
      'metadata.google.internal',
      'METADATA.google.internal.',
      'metadata.goog',
      'metadata',
      'localhost',
      'api.localhost',
      'instance-data',
    ]) {
      assert.ok(checkHostName(name), name);
    }
  });

  it('lets other names through to the address check', () => {
    for (const name of ['example.com', 'metadata.example.com', 'localhost.example.com']) {
      assert.equal(checkHostName(name), undefined, name);
    }
  });
});

describe('parseIPv6', () => {
  it('expands :: and a dotted tail', () => {
    assert.deepEqual(parseIPv6('::'), [0, 0, 0, 0, 0, 0, 0, 0]);
    assert.deepEqual(parseIPv6('1::'), [1, 0, 0, 0, 0, 0, 0, 0]);
    assert.deepEqual(parseIPv6('::ffff:1.2.3.4'), [0, 0, 0, 0, 0, 0xffff, 0x0102, 0x0304]);
    assert.deepEqual(parseIPv6('1:2:3:4:5:6:7:8'), [1, 2, 3, 4, 5, 6, 7, 8]);
    assert.equal(parseIPv6('1:2:3'), undefined);
    assert.equal(parseIPv6('1::2::3'), undefined);
  });
});
