/**
 * CLIP's byte-level BPE tokenizer (openai/CLIP simple_tokenizer.py, HF CLIPTokenizer) read
 * from a model folder's own `vocab.json` + `merges.txt`. Hand-written: the npm tokenizers
 * that run offline load HF's `tokenizer.json` (which SD exports do not ship) or pull a
 * whole ML runtime; the algorithm is 100 lines and its ids are tested by hand.
 *
 * Steps, as CLIP: collapse whitespace and lower-case; split with CLIP's regex (contractions,
 * letter runs, single digits, punctuation runs); UTF-8 encode each piece and map bytes to
 * the printable byte alphabet; BPE-merge with `</w>` marking the end of the word (lowest
 * merge rank first); then [BOS] ids [EOS], truncated and padded to model_max_length with the
 * folder's pad token (SD 1.x pads with <|endoftext|>, SD 2.x with "!" = id 0).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ModelFileError } from '@netsynth/core';
import { bytesToUnicode } from './bytes.js';

const PATTERN = /'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+/giu;

export interface ClipTokenizerConfig {
  vocab: Record<string, number>;
  /** merges.txt lines ("a b"), version header excluded. */
  merges: string[];
  maxLength?: number;
  bosToken?: string;
  eosToken?: string;
  padToken?: string;
}

export class ClipTokenizer {
  readonly maxLength: number;
  readonly bosId: number;
  readonly eosId: number;
  readonly padId: number;
  private readonly vocab: Map<string, number>;
  private readonly ranks = new Map<string, number>();
  private readonly byteChars = bytesToUnicode();
  private readonly cache = new Map<string, string[]>();

  constructor(cfg: ClipTokenizerConfig) {
    this.vocab = new Map(Object.entries(cfg.vocab));
    cfg.merges.forEach((m, i) => this.ranks.set(m, i));
    this.maxLength = cfg.maxLength ?? 77;
    const id = (tok: string, what: string): number => {
      const v = this.vocab.get(tok);
      if (v === undefined) throw new ModelFileError(`${what} token "${tok}" is not in vocab.json`, 'vocab.json');
      return v;
    };
    this.bosId = id(cfg.bosToken ?? '<|startoftext|>', 'bos');
    this.eosId = id(cfg.eosToken ?? '<|endoftext|>', 'eos');
    this.padId = id(cfg.padToken ?? cfg.eosToken ?? '<|endoftext|>', 'pad');
  }

  /** Reads `<dir>/vocab.json`, `merges.txt` and the special tokens / max length from the config files. */
  static async fromFolder(dir: string): Promise<ClipTokenizer> {
    const read = async (f: string, optional = false): Promise<string | undefined> => {
      try {
        return await readFile(join(dir, f), 'utf8');
      } catch (e) {
        if (optional) return undefined;
        throw new ModelFileError(`cannot read tokenizer file: ${(e as Error).message}`, join(dir, f), undefined, e);
      }
    };
    let vocab: Record<string, number>;
    const vocabText = (await read('vocab.json')) as string;
    try {
      vocab = JSON.parse(vocabText) as Record<string, number>;
    } catch (e) {
      throw new ModelFileError(`vocab.json is not JSON: ${(e as Error).message}`, join(dir, 'vocab.json'), 0, e);
    }
    const merges = ((await read('merges.txt')) as string)
      .split('\n')
      .map((l) => l.replace(/\r$/, ''))
      .filter((l, i) => l.length > 0 && !(i === 0 && l.startsWith('#version')));
    const tokenName = (v: unknown): string | undefined =>
      typeof v === 'string'
        ? v
        : v && typeof v === 'object' && typeof (v as { content?: unknown }).content === 'string'
          ? (v as { content: string }).content
          : undefined;
    const conf: Record<string, unknown> = {};
    for (const f of ['special_tokens_map.json', 'tokenizer_config.json']) {
      const t = await read(f, true);
      if (!t) continue;
      try {
        Object.assign(conf, JSON.parse(t) as Record<string, unknown>);
      } catch (e) {
        throw new ModelFileError(`${f} is not JSON: ${(e as Error).message}`, join(dir, f), 0, e);
      }
    }
    const maxLen = typeof conf.model_max_length === 'number' && conf.model_max_length < 100_000 ? conf.model_max_length : 77;
    const bos = tokenName(conf.bos_token);
    const eos = tokenName(conf.eos_token);
    const pad = tokenName(conf.pad_token);
    return new ClipTokenizer({ vocab, merges, maxLength: maxLen, ...(bos && { bosToken: bos }), ...(eos && { eosToken: eos }), ...(pad && { padToken: pad }) });
  }

  /** BPE of one pre-token (already in the byte alphabet). */
  bpe(token: string): string[] {
    const hit = this.cache.get(token);
    if (hit) return hit;
    const chars = [...token];
    let word = chars.map((c, i) => (i === chars.length - 1 ? `${c}</w>` : c));
    while (word.length > 1) {
      let best = -1;
      let bestRank = Infinity;
      for (let i = 0; i + 1 < word.length; i++) {
        const r = this.ranks.get(`${word[i]} ${word[i + 1]}`);
        if (r !== undefined && r < bestRank) {
          bestRank = r;
          best = i;
        }
      }
      if (best < 0) break;
      const a = word[best] as string;
      const b = word[best + 1] as string;
      // Merge every occurrence of the pair, left to right (as CLIP's loop does).
      const next: string[] = [];
      for (let i = 0; i < word.length; i++) {
        if (i + 1 < word.length && word[i] === a && word[i + 1] === b) {
          next.push(a + b);
          i++;
        } else next.push(word[i] as string);
      }
      word = next;
    }
    this.cache.set(token, word);
    return word;
  }

  /** Token ids of the text without BOS/EOS/padding. Unknown pieces map to the EOS id (CLIP's unk). */
  encodeRaw(text: string): number[] {
    // NFC first, as CLIP's ftfy.fix_text and HF's normalizer (NFC, whitespace, lowercase) do.
    // Lower-casing is per character (HF's Rust normaliser): no final-sigma context rule.
    const clean = Array.from(text.normalize('NFC').replace(/\s+/g, ' ').trim(), (c) => c.toLowerCase()).join('');
    const ids: number[] = [];
    const utf8 = new TextEncoder();
    // Special tokens are split out before the regex (as HF's added tokens), so "x)<|endoftext|>"
    // is ")", <|endoftext|>, not one punctuation run.
    for (const segment of clean.split(/(<\|startoftext\|>|<\|endoftext\|>)/)) {
      if (segment === '<|startoftext|>' || segment === '<|endoftext|>') {
        ids.push(this.vocab.get(segment) as number);
        continue;
      }
      for (const m of segment.matchAll(PATTERN)) {
        const mapped = Array.from(utf8.encode(m[0]), (b) => this.byteChars[b] as string).join('');
        for (const t of this.bpe(mapped)) ids.push(this.vocab.get(t) ?? this.eosId);
      }
    }
    return ids;
  }

  /** [BOS] ids [EOS] + padding, exactly maxLength ids (truncating the text, keeping EOS). */
  encode(text: string): number[] {
    const body = this.encodeRaw(text).slice(0, this.maxLength - 2);
    const out = [this.bosId, ...body, this.eosId];
    while (out.length < this.maxLength) out.push(this.padId);
    return out;
  }
}
