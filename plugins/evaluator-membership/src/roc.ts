/**
 * ROC facts of a score that should be higher for members than for non-members.
 */

/** Area under the ROC curve: P(member score > non-member score), ties counted half (Mann–Whitney U). */
export function rocAuc(members: readonly number[], nonMembers: readonly number[]): number | null {
  if (members.length === 0 || nonMembers.length === 0) return null;
  const all = [...members.map((s) => ({ s, m: 1 })), ...nonMembers.map((s) => ({ s, m: 0 }))].sort((a, b) => a.s - b.s);
  let rankSum = 0;
  for (let i = 0; i < all.length;) {
    let j = i;
    while (j < all.length && (all[j] as { s: number }).s === (all[i] as { s: number }).s) j++;
    const meanRank = (i + 1 + j) / 2; // ranks i+1 … j share their mean
    for (let k = i; k < j; k++) if ((all[k] as { m: number }).m === 1) rankSum += meanRank;
    i = j;
  }
  const n1 = members.length;
  return (rankSum - (n1 * (n1 + 1)) / 2) / (n1 * nonMembers.length);
}

/**
 * Over every threshold t ("member if score ≥ t"): the largest TPR − FPR (membership
 * advantage, Yeom et al. 2018) and the largest TPR with FPR ≤ `fpr` (Carlini et al. 2022:
 * an attack matters when it is confident about a few records).
 */
export function rocPoints(members: readonly number[], nonMembers: readonly number[], fpr: number): { advantage: number | null; tprAtFpr: number | null } {
  if (members.length === 0 || nonMembers.length === 0) return { advantage: null, tprAtFpr: null };
  const thresholds = [...new Set([...members, ...nonMembers])].sort((a, b) => b - a);
  const m = [...members].sort((a, b) => b - a);
  const n = [...nonMembers].sort((a, b) => b - a);
  let im = 0;
  let inn = 0;
  let advantage = 0;
  let tprAtFpr = 0;
  for (const t of thresholds) {
    while (im < m.length && (m[im] as number) >= t) im++;
    while (inn < n.length && (n[inn] as number) >= t) inn++;
    const tpr = im / m.length;
    const f = inn / n.length;
    advantage = Math.max(advantage, tpr - f);
    if (f <= fpr) tprAtFpr = Math.max(tprAtFpr, tpr);
  }
  return { advantage, tprAtFpr };
}
