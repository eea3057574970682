import type { Image, LabelMap } from '../image/image.js';

/**
 * TypeScript value of each port type. Plugins that add a port type extend this interface by
 * declaration merging (`declare module 'exitgraph' { interface PortValues { MY_TYPE: Mine } }`); the early-exit layer
 * adds DIFFICULTY and EXIT_PLAN this way.
 */
export interface PortValues {
  IMAGE: Image;
  MASK: Image;
  LABEL_MAP: LabelMap;
  NUMBER: number;
  INT: number;
  STRING: string;
  BOOLEAN: boolean;
  '*': unknown;
}

export type PortValue<T extends string> = T extends keyof PortValues ? PortValues[T] : unknown;
