/**
 * GPT-2/CLIP byte ↔ unicode table: printable bytes map to themselves, the rest to code
 * points from 256 up, so every UTF-8 byte sequence becomes a string of visible characters
 * the BPE vocabulary is written in.
 */
export function bytesToUnicode(): string[] {
  const bs: number[] = [];
  for (let i = 33; i <= 126; i++) bs.push(i);
  for (let i = 161; i <= 172; i++) bs.push(i);
  for (let i = 174; i <= 255; i++) bs.push(i);
  const cs = [...bs];
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!bs.includes(b)) {
      bs.push(b);
      cs.push(256 + n);
      n++;
    }
  }
  const table = new Array<string>(256);
  bs.forEach((b, i) => (table[b] = String.fromCodePoint(cs[i] as number)));
  return table;
}

/**
 * The base vocabulary of a CLIP tokenizer, in CLIP's order: the 256 byte characters (in
 * bytes_to_unicode value order), then the same with the end-of-word marker `</w>`.
 */
export function clipBaseVocab(): string[] {
  const table = bytesToUnicode();
  // CLIP orders by the list of values of bytes_to_unicode (bs order), not by byte value.
  const bs: number[] = [];
  for (let i = 33; i <= 126; i++) bs.push(i);
  for (let i = 161; i <= 172; i++) bs.push(i);
  for (let i = 174; i <= 255; i++) bs.push(i);
  for (let b = 0; b < 256; b++) if (!bs.includes(b)) bs.push(b);
  const chars = bs.map((b) => table[b] as string);
  return [...chars, ...chars.map((c) => `${c}</w>`)];
}
