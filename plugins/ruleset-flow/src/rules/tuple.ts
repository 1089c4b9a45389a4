/**
 * One 5-tuple per flow, with directions swapped consistently: within a conversation (two hosts,
 * TCP or UDP), traffic one way on ports p→q is answered on q→p. Two one-way sub-flows going
 * opposite ways that share one port in mirrored position but not the other are one flow whose
 * reply ports were not swapped consistently; the later one is flagged (and rewritten onto the
 * earlier one's mirrored ports).
 */
import { TCP, UDP, subflowsOf, type Subflow } from '@netsynth/protocol-rules';
import type { SampleWalk } from '../walk.js';

const oneWay = (s: Subflow): boolean => s.directions.every((d) => d === 0);

export function checkTuples(walk: SampleWalk): void {
  const subflows = subflowsOf(walk.views).filter((s) => (s.protocol === 6 || s.protocol === 17) && oneWay(s));
  const byPair = new Map<string, Subflow[]>();
  for (const s of subflows) {
    const key = `${s.protocol}|${[s.a.address, s.b.address].sort().join('|')}`;
    const list = byPair.get(key) ?? [];
    list.push(s);
    byPair.set(key, list);
  }
  for (const list of byPair.values()) {
    for (let j = 1; j < list.length; j++) {
      const t = list[j];
      if (!t) continue;
      const s = list.slice(0, j).find((e) => {
        if (e.a.address !== t.b.address) return false;
        const srcMirrors = t.a.port === e.b.port;
        const dstMirrors = t.b.port === e.a.port;
        return srcMirrors !== dstMirrors;
      });
      if (!s) continue;
      for (const i of t.indices) {
        walk.report('flow.tuple', 'ports', i, `ports ${t.a.port}→${t.b.port} answer ${s.a.address}:${s.a.port}→${s.b.port} without mirroring both ports`);
        walk.fix(i, (draft) => {
          const v = draft.view;
          const layer = v.tcp ?? v.udp;
          if (!layer) return;
          const fields = v.tcp ? TCP : UDP;
          draft.set('flow.tuple', layer.offset, fields.srcPort, s.b.port, 'reply ports mirror the flow they answer');
          draft.set('flow.tuple', layer.offset, fields.dstPort, s.a.port, 'reply ports mirror the flow they answer');
        });
      }
    }
  }
}
