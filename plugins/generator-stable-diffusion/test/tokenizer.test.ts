import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ClipTokenizer, clipBaseVocab } from '../src/index.js';
import { tempDir, tinyModel } from './helpers.js';

// A hand-made CLIP-format vocabulary: CLIP's 512 byte tokens, then eight merges, then
// <|startoftext|>, <|endoftext|>. Expected ids below are derived by hand from CLIP's rules:
// byte token index = position of the byte in bytes_to_unicode order ('!'=0 … '~'=93, 0xA1..0xAC
// = 94..105, 0xAE..0xFF = 106..187, then the rest); +256 for the `</w>` (end of word) form;
// merged tokens are 512 + merge rank.
const MERGES = ['l o', 'lo w</w>', 'e r</w>', 'n e', 'ne w', 't y', 'ty p', 'typ e</w>'];
function vocab(): Record<string, number> {
  const list = [...clipBaseVocab(), 'lo', 'low</w>', 'er</w>', 'ne', 'new', 'ty', 'typ', 'type</w>', '<|startoftext|>', '<|endoftext|>'];
  return Object.fromEntries(list.map((t, i) => [t, i]));
}

describe('CLIP BPE tokenizer', () => {
  const tok = new ClipTokenizer({ vocab: vocab(), merges: MERGES, maxLength: 16 });
  it('has CLIP byte-token order', () => {
    const v = clipBaseVocab();
    expect(v[0]).toBe('!');
    expect(v[93]).toBe('~');
    expect(v[256]).toBe('!</w>');
    expect(v.length).toBe(512);
  });
  it('merges by rank, marks word ends, splits digits and punctuation, lower-cases', () => {
    // "lower": l o w e r</w> → (l o) → lo w e r</w> → (e r</w>) → lo w er</w>; "lo w" is not a merge.
    // "newer": (e r</w>) rank 2 before (n e) 3 → n e w er</w> → ne w er</w> → new er</w>.
    // "type": t y p e</w> → ty → typ → type</w>. "-" → '-</w>' = 256+12, "1" → 256+16, "!" → 256+0.
    expect(tok.encodeRaw('Lower  newer Type-1!')).toEqual([512, 86, 514, 516, 514, 519, 268, 272, 256]);
    expect(tok.encode('Lower  newer Type-1!')).toEqual([520, 512, 86, 514, 516, 514, 519, 268, 272, 256, 521, 521, 521, 521, 521, 521]);
  });
  it('UTF-8 encodes before the byte-level BPE', () => {
    // é = C3 A9: 0xC3 → 106+(0xC3−0xAE)=127, 0xA9 → 94+(0xA9−0xA1)=102, as end of word 358.
    expect(tok.encodeRaw('é')).toEqual([127, 358]);
  });
  it('truncates keeping EOS, and pads with the configured pad token (SD 2.x style "!" = 0)', () => {
    const long = tok.encode('low '.repeat(40));
    expect(long.length).toBe(16);
    expect(long[0]).toBe(520);
    expect(long[15]).toBe(521);
    expect(long.slice(1, 15).every((id) => id === 513)).toBe(true);
    const sd2 = new ClipTokenizer({ vocab: vocab(), merges: MERGES, maxLength: 6, padToken: '!' });
    expect(sd2.encode('low')).toEqual([520, 513, 521, 0, 0, 0]);
  });
  it('reads a model folder (tokenizer_config max length, special tokens map)', async () => {
    const dir = tempDir('tok-');
    writeFileSync(join(dir, 'vocab.json'), JSON.stringify(vocab()));
    writeFileSync(join(dir, 'merges.txt'), `#version: 0.2\n${MERGES.join('\n')}\n`);
    writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ model_max_length: 8, pad_token: { content: '!' } }));
    const t = await ClipTokenizer.fromFolder(dir);
    expect(t.encode('type')).toEqual([520, 519, 521, 0, 0, 0, 0, 0]);
    const info = await tinyModel();
    const tiny = await ClipTokenizer.fromFolder(join(info.dir, 'tokenizer'));
    const ids = tiny.encode('pixelated network data, type-3');
    expect(ids.length).toBe(77);
    expect(ids[0]).toBe(info.vocabSize - 2);
    // The tiny vocabulary learnt whole-word merges for the caption words.
    expect(tiny.encodeRaw('pixelated network data')).toHaveLength(3);
  });
  it('matches Hugging Face CLIPTokenizer ids on the tiny vocabulary (accents, CJK, emoji, special tokens, punctuation runs)', async () => {
    // Reference ids produced once with transformers 5.18.0 (see the fixture's _comment):
    //   CLIPTokenizer.from_pretrained(dir)(text, padding='max_length', max_length=77, truncation=True)
    const fx = JSON.parse(readFileSync(new URL('./fixtures/hf-clip-ids.json', import.meta.url), 'utf8')) as { pad: number; cases: Record<string, number[]> };
    const info = await tinyModel();
    const tiny = await ClipTokenizer.fromFolder(join(info.dir, 'tokenizer'));
    expect(Object.keys(fx.cases).length).toBe(12);
    for (const [text, ids] of Object.entries(fx.cases)) {
      const want = [...ids, ...new Array<number>(77 - ids.length).fill(fx.pad)];
      expect(tiny.encode(text), text).toEqual(want);
    }
  });
  it('matches Hugging Face CLIPTokenizer on 400 random strings (special tokens glued to punctuation, sigma, whitespace kinds)', async () => {
    const fx = JSON.parse(readFileSync(new URL('./fixtures/hf-clip-random.json', import.meta.url), 'utf8')) as { pad: number; cases: Record<string, number[]> };
    const info = await tinyModel();
    const tiny = await ClipTokenizer.fromFolder(join(info.dir, 'tokenizer'));
    const bad = Object.entries(fx.cases).filter(
      ([text, ids]) => JSON.stringify(tiny.encode(text)) !== JSON.stringify([...ids, ...new Array<number>(77 - ids.length).fill(fx.pad)]),
    );
    expect(Object.keys(fx.cases).length).toBe(400);
    expect(bad.map(([t]) => t)).toEqual([]);
  });
});
