import { describe, expect, it } from 'vitest';
import { runConfigJsonSchema } from '../src/index.js';
import { ALL_FAKES, countEvaluator, sizeEncoder, ttlRuleset } from './fixtures/fake-plugins.js';

type Node = {
  properties?: Record<string, Node>;
  items?: Node;
  allOf?: { if: { properties: { plugin: { const: string } } }; then: { properties: { options: Node } } }[];
  examples?: string[];
  [k: string]: unknown;
};

describe('netsynth schema: the run config as JSON Schema with every plugin’s options', () => {
  const schema = runConfigJsonSchema(ALL_FAKES) as unknown as Node;

  it('has the config keys', () => {
    expect(Object.keys(schema.properties ?? {})).toEqual(
      expect.arrayContaining(['input', 'encoder', 'generator', 'constraints', 'evaluators', 'output', 'seed']),
    );
    expect(schema['additionalProperties']).toBe(false);
  });

  it('an encoder / ruleset / evaluator use names the plugins of its kind and their options', () => {
    const encoder = schema.properties?.['encoder'] as Node;
    expect(encoder.properties?.['plugin']?.examples).toEqual([sizeEncoder.name]);
    const branch = encoder.allOf?.find((b) => b.if.properties.plugin.const === sizeEncoder.name);
    expect(branch?.then.properties.options).toMatchObject({ type: 'object' });
    const constraint = schema.properties?.['constraints']?.items as Node;
    expect(constraint.allOf?.map((b) => b.if.properties.plugin.const)).toEqual([ttlRuleset.name]);
    const evaluator = schema.properties?.['evaluators']?.items as Node;
    expect(evaluator.allOf?.map((b) => b.if.properties.plugin.const)).toEqual([countEvaluator.name]);
  });
});
