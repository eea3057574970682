/**
 * Named inputs of a pack run. A format 2 pack takes several inputs by name (`{ source, driving }`);
 * a one-input pack keeps taking its single label map, image or tensor, which means `{ [name]: it }`.
 */
import * as ort from 'onnxruntime-node';
import { packInputs, type PackInputSpec, type PackManifest } from './manifest.js';
import type { PackInput } from './pack-io.js';

/** Inputs by the pack's input names (`manifest.inputs[].name`). */
export type PackInputs = Readonly<Record<string, PackInput>>;

/** A record of inputs by name, not one input (a tensor, a label map with its `ids`, an image with its `data`). */
export function isNamedInputs(value: PackInput | PackInputs): value is PackInputs {
  if (value instanceof ort.Tensor) return false;
  const one = value as Partial<{ ids: unknown; data: unknown }>;
  return !(one.ids instanceof Uint8Array) && !(one.data instanceof Float32Array);
}

/**
 * Each input spec of the pack with the value given for it, in manifest order. Missing and unknown
 * names are errors that list the pack's inputs.
 */
export function resolveInputs(manifest: PackManifest, given: PackInput | PackInputs): { spec: PackInputSpec; value: PackInput }[] {
  const specs = packInputs(manifest);
  const names = specs.map((s) => `"${s.name}"`).join(', ');
  if (!isNamedInputs(given)) {
    if (specs.length !== 1) throw new Error(`pack ${manifest.name} takes ${specs.length} inputs (${names}): pass them by name, e.g. { ${specs.map((s) => `${s.name}: ...`).join(', ')} }`);
    return [{ spec: specs[0]!, value: given }];
  }
  const unknown = Object.keys(given).filter((name) => !specs.some((s) => s.name === name));
  if (unknown.length) throw new Error(`pack ${manifest.name} has no input ${unknown.map((n) => `"${n}"`).join(', ')} (its inputs: ${names})`);
  const missing = specs.filter((s) => given[s.name] === undefined);
  if (missing.length) throw new Error(`pack ${manifest.name} needs input ${missing.map((s) => `"${s.name}"`).join(', ')} (its inputs: ${names})`);
  return specs.map((spec) => ({ spec, value: given[spec.name]! }));
}
