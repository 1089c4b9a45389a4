/** The series a sample can be turned into; each selected feature becomes one image channel. */
export const FEATURE_NAMES = ['size', 'signedSize', 'direction', 'iat', 'bytesPerBin'] as const;
export type FeatureName = (typeof FEATURE_NAMES)[number];

export interface FeatureFacts {
  /** Values take both signs: normalised symmetrically (see normalise.ts). */
  signed: boolean;
  /** What one series position stands for: a packet of the sample, or a time bin. */
  axis: 'packet' | 'bin';
  unit: string;
  /** Scale used when neither an option nor fit() gave one; undefined = must be fitted or given. */
  naturalScale?: number;
  description: string;
}

/** Largest IPv4 packet on an Ethernet link: the natural scale of packet sizes. */
export const ETHERNET_MTU = 1500;

export const FEATURES: Readonly<Record<FeatureName, FeatureFacts>> = {
  size: {
    signed: false,
    axis: 'packet',
    unit: 'bytes',
    naturalScale: ETHERNET_MTU,
    description: 'IP length of each packet (IPv4 total length, IPv6 40 + payload length)',
  },
  signedSize: {
    signed: true,
    axis: 'packet',
    unit: 'bytes',
    naturalScale: ETHERNET_MTU,
    description: 'IP length signed by direction: + client→server (up), − server→client (down)',
  },
  direction: {
    signed: true,
    axis: 'packet',
    unit: 'direction',
    naturalScale: 1,
    description: '+1 client→server (up), −1 server→client (down), 0 padding',
  },
  iat: {
    signed: false,
    axis: 'packet',
    unit: 'seconds',
    description: 'time since the previous packet of the sample (0 for the first packet)',
  },
  bytesPerBin: {
    signed: false,
    axis: 'bin',
    unit: 'bytes',
    description: 'IP bytes per time bin of binSeconds, counted from the first packet of the sample',
  },
};
