/** A dyno size: the resources each dyno of a process type gets. */
export interface DynoSize {
  name: string;
  memoryBytes: number;
  /** Relative CPU weight; 1024 is one full share. */
  cpuShares: number;
  /** Maximum number of processes and threads in the dyno. */
  pidsLimit: number;
}

const MB = 1024 * 1024;

/** Sizes named as on Heroku, scaled for a single VM. */
export const DEFAULT_DYNO_SIZES: readonly DynoSize[] = [
  { name: 'eco', memoryBytes: 256 * MB, cpuShares: 256, pidsLimit: 256 },
  { name: 'basic', memoryBytes: 512 * MB, cpuShares: 512, pidsLimit: 256 },
  { name: 'standard-1x', memoryBytes: 512 * MB, cpuShares: 1024, pidsLimit: 512 },
  { name: 'standard-2x', memoryBytes: 1024 * MB, cpuShares: 2048, pidsLimit: 1024 },
  { name: 'performance-m', memoryBytes: 2560 * MB, cpuShares: 4096, pidsLimit: 4096 },
];

export const DEFAULT_DYNO_SIZE = 'basic';
