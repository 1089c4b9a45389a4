import { describe, expect, it } from 'vitest';
import { InterruptedError } from '@netsynth/core';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { findTshark, tsharkCounts } from '../src/tshark.js';

const CAPTURE = `${process.env['NETSYNTH_SHARED_DATA'] ?? fileURLToPath(new URL('../../../../shared/data', import.meta.url))}/lab/download.pcap`;
const tshark = findTshark();

/** Issue 20 ("Ctrl-C honoured by every command"): Ctrl-C during `eval` killed tshark and Node died on an unhandled AbortError. */
describe.skipIf(!tshark || !existsSync(CAPTURE))('tshark pass aborted mid-read', () => {
  it('rejects with InterruptedError, soon', async () => {
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 150);
    await expect(tsharkCounts(CAPTURE, tshark, controller.signal)).rejects.toBeInstanceOf(InterruptedError);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
