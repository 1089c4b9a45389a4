export { DEFAULT_ORDERS, INTEGER_ORDERS, rdpOfOrder, rdpSampledGaussian } from './rdp.js';
export { dpSgdEpsilon, epsilonFromRdp, noiseMultiplierFor, type DpSgdParameters, type NoiseSearch, type PrivacySpent, type RdpConversion } from './epsilon.js';
export { RdpAccountant, type AccountantOptions } from './accountant.js';
export { logErfc } from './log-math.js';
