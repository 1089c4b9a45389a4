// The training session the U-Net benchmarks and engine tools time: what the DDPM generator
// trains (ε prediction, MSE, Adam at 2e-4) on inputs x, t and eps for a batch of `shape`
// (N, C, H, W). The parameters are re-initialised with seed 0 first, so sessions built one
// after another on the same net start from the same weights. `extra` adds runtime, replicas
// or privacy options.
import { adam, buildTrainingSession, initParameters, mseLoss } from '@netsynth/nn';

export function benchTrainingSession(net, shape, extra = {}) {
  initParameters(net, 0);
  return buildTrainingSession(net, {
    inputs: { x: { shape }, t: { shape: [shape[0]] }, eps: { shape } },
    loss: (ctx, i) => mseLoss(net.forward(ctx, i.x, i.t), i.eps),
    optimizer: adam({ lr: 2e-4 }),
    ...extra,
  });
}
