/**
 * RunState's typed artifacts: a key's loader runs once and only when nothing was provided;
 * what a stage provides is what later stages get; a value of the wrong type does not compile.
 */
import { describe, expect, it } from 'vitest';
import { artifactKey } from '../src/pipeline/artifact-key.js';
import { RunState, type RunStateInit } from '../src/pipeline/state.js';

// The artifact store needs none of the run's config or plugins.
const state = (): RunState => new RunState({ seed: 7 } as RunStateInit);

describe('RunState artifact keys', () => {
  it('loads an artifact once, on first get, and shares it', async () => {
    let loads = 0;
    const Key = artifactKey<{ n: number }>('test', (s) => {
      loads++;
      return Promise.resolve({ n: s.seed });
    });
    const s = state();
    expect(loads).toBe(0);
    const a = await s.get(Key);
    const b = await s.get(Key);
    expect(a).toEqual({ n: 7 });
    expect(b).toBe(a);
    expect(loads).toBe(1);
  });

  it('gives what a stage provided without loading, per key', async () => {
    let loads = 0;
    const Count = artifactKey<number>('count', () => Promise.resolve(++loads));
    const Other = artifactKey<number>('count', () => Promise.resolve(-1));
    const s = state();
    s.provide(Count, 42);
    expect(await s.get(Count)).toBe(42);
    // Keys are identities, not names: another key with the same name is another artifact.
    expect(await s.get(Other)).toBe(-1);
    expect(loads).toBe(0);
    // @ts-expect-error a string is not the number the key holds
    s.provide(Count, 'forty-two');
  });
});
