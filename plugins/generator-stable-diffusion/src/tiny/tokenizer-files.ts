/**
 * A small CLIP-format tokenizer (vocab.json + merges.txt): CLIP's 512 byte tokens, merges
 * learnt greedily from a word list (most frequent adjacent pair first, as BPE training does),
 * then `<|startoftext|>` and `<|endoftext|>` as the last two ids, as in CLIP's own files.
 */
import { clipBaseVocab } from '../tokenizer/bytes.js';

export interface TokenizerFiles {
  vocab: Record<string, number>;
  merges: string[];
}

export function buildTinyTokenizer(words: readonly string[], maxMerges = 200): TokenizerFiles {
  const vocabList = clipBaseVocab();
  const seqs = words.map((w) => {
    const chars = [...w];
    return chars.map((c, i) => (i === chars.length - 1 ? `${c}</w>` : c));
  });
  const merges: string[] = [];
  for (let m = 0; m < maxMerges; m++) {
    const counts = new Map<string, number>();
    for (const s of seqs)
      for (let i = 0; i + 1 < s.length; i++) {
        const k = `${s[i]} ${s[i + 1]}`;
        counts.set(k, (counts.get(k) ?? 0) + 1);
      }
    let best: string | undefined;
    let bestN = 0;
    for (const [k, n] of counts)
      if (n > bestN || (n === bestN && best !== undefined && k < best)) {
        best = k;
        bestN = n;
      }
    if (!best) break;
    merges.push(best);
    const [a, b] = best.split(' ') as [string, string];
    if (!vocabList.includes(a + b)) vocabList.push(a + b);
    for (const s of seqs) {
      for (let i = 0; i + 1 < s.length; i++) if (s[i] === a && s[i + 1] === b) s.splice(i, 2, a + b);
    }
  }
  vocabList.push('<|startoftext|>', '<|endoftext|>');
  const vocab: Record<string, number> = {};
  vocabList.forEach((t, i) => (vocab[t] = i));
  return { vocab, merges };
}
