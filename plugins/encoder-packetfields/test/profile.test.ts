import { haveShared } from '@netsynth/test-support';
import { describe, expect, it } from 'vitest';
import { createPacketFieldsEncoder, learnProfiles, portClass } from '../src/index.js';
import { capturesOf, samplesOf } from './helpers.js';
import { syntheticClasses } from './synthetic-classes.js';

describe('per-class profiles learned in fit', () => {
  it('learn each class its own protocol, service ports, TTLs, option layouts, and DNS only where payloads are DNS', () => {
    const profiles = learnProfiles(syntheticClasses());
    expect(Object.keys(profiles).sort()).toEqual(['echo', 'names', 'svc']);
    const svc = profiles['svc']!.protocols;
    expect(Object.keys(svc)).toEqual(['6']);
    expect(svc['6']!.servicePorts).toEqual({ 8080: 12 });
    expect(Object.keys(svc['6']!.directions[0].ttl)).toEqual(['128']);
    expect(svc['6']!.directions[0].mss).toEqual({ 1460: 12 });
    expect(Object.keys(svc['6']!.layouts['mss,sackOk,wscale']!)).toEqual(['2,4,1,3']);
    expect(svc['6']!.dns).toBeNull();
    const names = profiles['names']!.protocols['17']!;
    expect(names.dns?.questions).toEqual({ 'host0.example|1|1': 4, 'host1.example|1|1': 4, 'host2.example|1|1': 4 });
    expect(names.dns?.queryFlags).toEqual({ 256: 12 });
    expect(profiles['echo']!.protocols['1']!.directions[1].icmpType).toEqual({ 0: 24 });
  });

  it('decode of a class keeps its learned service port and protocol', () => {
    const enc = createPacketFieldsEncoder({ maxPackets: 8 });
    enc.fit(syntheticClasses());
    const names = syntheticClasses().find((s) => s.label === 'names')!;
    // The DNS flow encoded, decoded under the TCP class's label: the class's own protocol and port win.
    const d = enc.decode(enc.encode(names), 'svc');
    expect([d.flow.protocol, d.flow.servicePort]).toEqual([6, 8080]);
  });

  const HAVE_DATA = haveShared('@netsynth/encoder-packetfields profile tests on real captures', 'apps') && haveShared('lab profiles', 'lab');
  it.skipIf(!HAVE_DATA)(
    'on real captures: a profile per class with exactly the protocols of its flows; DNS found only in classes whose UDP payloads parse as DNS',
    async () => {
      const samples = await samplesOf([...capturesOf('lab'), ...capturesOf('apps')], 50);
      const profiles = learnProfiles(samples);
      const labels = [...new Set(samples.map((s) => s.label))].sort();
      expect(Object.keys(profiles).sort()).toEqual(labels);
      let dnsClasses = 0;
      for (const label of labels) {
        const mine = samples.filter((s) => s.label === label);
        expect(Object.keys(profiles[label]!.protocols).map(Number).sort()).toEqual([...new Set(mine.map((s) => s.flow.key.protocol))].sort());
        for (const [proto, p] of Object.entries(profiles[label]!.protocols)) {
          const services = mine.filter((s) => String(s.flow.key.protocol) === proto).map((s) => s.flow.key.b.port);
          expect(
            Object.keys(p.servicePorts)
              .map(Number)
              .sort((a, b) => a - b),
          ).toEqual([...new Set(services)].sort((a, b) => a - b).slice(0, 64));
          if (p.dns) {
            dnsClasses++;
            // DNS is recognised from the payloads: its services are the ports those messages used.
            expect(Object.keys(p.dns.questions).length).toBeGreaterThan(0);
            expect(services.every((port) => portClass(port) === 0)).toBe(true);
          }
        }
      }
      // lab's dig class is DNS; quic, dhcp and iperf's UDP are not.
      expect(dnsClasses).toBe(1);
    },
  );
});
