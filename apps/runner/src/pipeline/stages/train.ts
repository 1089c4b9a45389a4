import { OUT } from '../paths.js';
import type { Stage } from '../stage.js';
import { pluginIdentity } from './common.js';
import { EncodedKey, GeneratorKey } from '../artifacts.js';

/** generator.fit on the encoded training set → a model folder under the output folder. */
export const trainStage: Stage = {
  name: 'train',
  inputs: (state) => ({
    generator: state.plugins.generator && pluginIdentity(state.plugins.generator),
    extensions: (state.plugins.extensions ?? []).map(pluginIdentity),
  }),
  outputs: () => [OUT.model, `${OUT.work}/generator`],
  // A generator resumes from the checkpoint in its model folder when the run was interrupted.
  keepOnResume: [OUT.model, `${OUT.work}/generator`],
  async run(state) {
    const encoderUse = state.plugins.encoder;
    if (!encoderUse) throw new Error('train stage without an encoder');
    const encoded = await state.get(EncodedKey);
    const generator = await state.get(GeneratorKey);
    const ctx = await state.context(state.seeds.train, `${OUT.work}/generator`);
    const result = await generator.fit(
      {
        tensors: encoded.train,
        labels: encoded.trainLabels,
        encoder: { name: encoderUse.loaded.def.name, info: encoded.info, state: encoded.state },
      },
      state.out.path(OUT.model),
      ctx,
    );
    state.checkAborted();
    const loss = result.finalLoss === undefined ? '' : `, final loss ${result.finalLoss.toPrecision(4)}`;
    const resumed = result.resumedFromStep === undefined ? '' : ` (resumed from step ${result.resumedFromStep})`;
    const dp = result.privacy ? `, (ε, δ) = (${result.privacy.epsilon.toPrecision(3)}, ${result.privacy.delta.toExponential(1)})-DP` : '';
    return {
      summary: `${encoded.train.length} images, ${result.steps} steps${loss}${dp}${resumed} → ${OUT.model}/`,
      outputs: [OUT.model],
      details: {
        steps: result.steps,
        finalLoss: result.finalLoss ?? null,
        resumedFromStep: result.resumedFromStep ?? null,
        // DP-SGD's guarantee: the manifest's `dp` and metrics.json's dp.* come from here.
        privacy: result.privacy ? { ...result.privacy } : null,
        modelDir: state.out.rel(result.modelDir),
      },
    };
  },
};
