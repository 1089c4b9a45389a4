import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import {
  PluginLoadError,
  PluginOptionsError,
  PluginRegistry,
  createImageTensor,
  definePlugin,
  isPluginDefinition,
  parsePluginOptions,
  pluginOptionsJsonSchema,
  pluginsFromModule,
  type Evaluator,
} from '../src/index.js';

const evaluator = definePlugin({
  name: '@example/evaluator-count',
  kind: 'evaluator',
  version: '1.0.0',
  description: 'counts samples',
  options: z.strictObject({ scale: z.number().positive().default(1) }),
  create: (options): Evaluator => ({
    name: 'count',
    evaluate: async (real, synthetic) => ({
      evaluator: 'count',
      metrics: [{ name: 'ratio', value: (synthetic.samples.length / Math.max(1, real.samples.length)) * options.scale, direction: 'info' }],
      table: '',
    }),
  }),
});

describe('plugin definitions', () => {
  it('are recognised and validated', () => {
    expect(isPluginDefinition(evaluator)).toBe(true);
    expect(isPluginDefinition({ name: 'x', kind: 'encoder', create: () => ({}) })).toBe(false);
    expect(() => definePlugin({ ...evaluator, kind: 'painter' as unknown as 'evaluator' })).toThrow(/kind must be one of/);
  });

  it('parse options with defaults and report the YAML path of a bad option', () => {
    expect(parsePluginOptions(evaluator, undefined, 'evaluators.0.options')).toEqual({ scale: 1 });
    expect(() => parsePluginOptions(evaluator, { scale: -1 }, 'evaluators.0.options', 'run.yaml')).toThrow(PluginOptionsError);
    try {
      parsePluginOptions(evaluator, { scael: 2 }, 'evaluators.0.options');
    } catch (e) {
      expect((e as PluginOptionsError).configPath).toBe('evaluators.0.options');
      expect((e as Error).message).toContain('scael');
    }
  });

  it('describe their options as JSON Schema', () => {
    const schema = pluginOptionsJsonSchema(evaluator) as { properties: Record<string, unknown> };
    expect(Object.keys(schema.properties)).toEqual(['scale']);
  });

  it('create working instances', async () => {
    const instance = await evaluator.create({ scale: 2 }, {} as never);
    const res = await instance.evaluate({ samples: [] }, { samples: [] }, {} as never);
    expect(res.metrics[0]?.value).toBe(0);
  });
});

describe('plugin registry', () => {
  it('registers, looks up by kind and lists', () => {
    const reg = new PluginRegistry();
    reg.register(evaluator, '/somewhere');
    expect(reg.get('@example/evaluator-count', 'evaluator').name).toBe('@example/evaluator-count');
    expect(() => reg.get('@example/evaluator-count', 'encoder')).toThrow(/is a evaluator plugin, but a encoder is needed/);
    expect(() => reg.get('nope')).toThrow(PluginLoadError);
    expect(reg.list('evaluator')).toHaveLength(1);
    expect(reg.list('encoder')).toHaveLength(0);
    expect(() => reg.register(evaluator, '/elsewhere')).toThrow(/registered twice/);
  });

  it('finds definitions in module shapes and rejects modules without one', () => {
    expect(pluginsFromModule({ default: evaluator }, 'm')).toEqual([evaluator]);
    expect(pluginsFromModule({ plugins: [evaluator] }, 'm')).toEqual([evaluator]);
    expect(pluginsFromModule({ default: evaluator, plugin: evaluator }, 'm')).toEqual([evaluator]);
    expect(() => pluginsFromModule({ something: 1 }, 'my-module')).toThrow(/my-module.*exports no plugin/);
  });
});

describe('image tensors', () => {
  it('check their shape', () => {
    expect(createImageTensor(1, 2, 3).data.length).toBe(6);
    expect(() => createImageTensor(1, 2, 3, new Float32Array(5))).toThrow(/needs 6/);
    expect(() => createImageTensor(0, 2, 3)).toThrow();
  });
});
