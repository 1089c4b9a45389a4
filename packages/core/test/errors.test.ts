import { describe, expect, it } from 'vitest';
import { ConfigError, NetsynthError, OutputExistsError, PcapFormatError, isNetsynthError } from '../src/index.js';

describe('typed errors', () => {
  it('name the file and byte offset of a capture problem', () => {
    const e = new PcapFormatError('bad magic 0xdeadbeef', 'cap.pcap', 0);
    expect(e).toBeInstanceOf(NetsynthError);
    expect(e.code).toBe('PCAP_FORMAT');
    expect(e.file).toBe('cap.pcap');
    expect(e.offset).toBe(0);
    expect(e.message).toBe('cap.pcap, offset 0: bad magic 0xdeadbeef');
    expect(e.name).toBe('PcapFormatError');
  });

  it('name the config path and what was expected', () => {
    const e = new ConfigError('wrong type', 'input.flows.windowPackets', 'run.yaml', 'number');
    expect(e.configPath).toBe('input.flows.windowPackets');
    expect(e.message).toContain('run.yaml, at input.flows.windowPackets');
    expect(e.message).toContain('expected number');
  });

  it('are recognised across copies of the package by their brand', () => {
    const e = new OutputExistsError('/tmp/x');
    expect(isNetsynthError(e)).toBe(true);
    expect(isNetsynthError(new Error('plain'))).toBe(false);
    expect(isNetsynthError({ code: 'CONFIG' })).toBe(false);
    // A copy from another module instance carries the same global symbol.
    const foreign = Object.assign(new Error('x'), { [Symbol.for('netsynth.error')]: true });
    expect(isNetsynthError(foreign)).toBe(true);
  });
});
