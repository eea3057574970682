/**
 * JSON Schema of manifest.json and calibration.json (docs/pack-format.md), checked with ajv.
 * The schema checks structure; cross-references (tensor names, after_segment ranges, ONNX
 * declarations) are checked by the loader, which can name the file each problem is in.
 */
import { createRequire } from 'node:module';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { PACK_FORMAT, type CalibrationData, type PackManifest } from './manifest.js';

const tensorName = { type: 'string', minLength: 1 } as const;
const tensorNames = { type: 'array', items: tensorName, minItems: 1 } as const;
/** A file inside the pack folder: relative, no `..` segments, no absolute paths. */
const packFile = { type: 'string', minLength: 1, pattern: '^(?![/\\\\])(?!.*(^|[/\\\\])\\.\\.([/\\\\]|$))[^\\0]+$' } as const;
const index = { type: 'integer', minimum: 0 } as const;

export const manifestSchema = {
  $id: 'https://exitgraph.dev/schemas/pack-manifest-1.json',
  title: 'exitgraph model pack manifest',
  type: 'object',
  required: ['format', 'name', 'version', 'task', 'input', 'output', 'segments', 'exits', 'predictor', 'metric', 'calibration'],
  additionalProperties: false,
  properties: {
    format: { const: PACK_FORMAT },
    name: { type: 'string', pattern: '^[a-z0-9][a-z0-9._-]*$' },
    version: { type: 'string', minLength: 1 },
    task: { type: 'string', minLength: 1 },
    description: { type: 'string' },
    input: {
      type: 'object',
      required: ['name', 'kind', 'height', 'width'],
      additionalProperties: false,
      properties: {
        name: tensorName,
        kind: { enum: ['label_map', 'image'] },
        height: { type: 'integer', minimum: 1 },
        width: { type: 'integer', minimum: 1 },
        classes: { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1, maxItems: 256, uniqueItems: true },
        // Optional display colour per class ([r, g, b], 0-255, by class id); without it, natural colours by class name.
        colors: { type: 'array', items: { type: 'array', items: { type: 'integer', minimum: 0, maximum: 255 }, minItems: 3, maxItems: 3 }, minItems: 1, maxItems: 256 },
      },
      // A label map is meaningless without its class list (class id = index).
      if: { properties: { kind: { const: 'label_map' } } },
      then: { required: ['classes'] },
    },
    output: {
      type: 'object',
      required: ['kind', 'range'],
      additionalProperties: false,
      properties: {
        kind: { const: 'image' },
        range: { type: 'array', items: { type: 'number' }, minItems: 2, maxItems: 2 },
      },
    },
    segments: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['file', 'inputs', 'outputs'],
        additionalProperties: false,
        properties: { file: packFile, inputs: tensorNames, outputs: tensorNames },
      },
    },
    guides: {
      type: 'object',
      required: ['file', 'after_segment', 'inputs', 'outputs', 'count'],
      additionalProperties: false,
      properties: { file: packFile, after_segment: index, inputs: tensorNames, outputs: tensorNames, count: { type: 'integer', minimum: 1 } },
    },
    exits: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['name', 'after_segment', 'file', 'inputs', 'output'],
        additionalProperties: false,
        properties: { name: { type: 'string', minLength: 1 }, after_segment: index, file: packFile, inputs: tensorNames, output: tensorName },
      },
    },
    predictor: {
      type: 'object',
      required: ['file', 'input', 'output'],
      additionalProperties: false,
      properties: { file: packFile, input: tensorName, output: tensorName },
    },
    metric: { type: 'string', minLength: 1 },
    calibration: { type: 'object', required: ['file'], additionalProperties: false, properties: { file: packFile } },
    splits: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        required: ['labels', 'count'],
        additionalProperties: false,
        properties: { labels: packFile, images: packFile, count: { type: 'integer', minimum: 1 } },
      },
    },
    reference: {
      type: 'object',
      required: ['file', 'input', 'outputs'],
      additionalProperties: false,
      properties: { file: packFile, input: tensorName, outputs: tensorNames },
    },
    training: { type: 'object', required: ['file'], additionalProperties: false, properties: { file: packFile } },
    novelty: {
      type: 'object',
      required: ['file', 'count', 'height', 'width'],
      additionalProperties: false,
      properties: { file: packFile, split: { type: 'string' }, count: { type: 'integer', minimum: 2 }, height: { type: 'integer', minimum: 1 }, width: { type: 'integer', minimum: 1 } },
    },
  },
} as const;

export const calibrationSchema = {
  $id: 'https://exitgraph.dev/schemas/pack-calibration-1.json',
  type: 'object',
  required: ['metric', 'n', 'exits', 'predicted', 'measured'],
  properties: {
    metric: { type: 'string' },
    split: { type: 'string' },
    n: { type: 'integer', minimum: 1 },
    exits: { type: 'array', items: { type: 'string' }, minItems: 1 },
    predicted: { type: 'array', items: { type: 'array', items: { type: 'number' } } },
    measured: { type: 'array', items: { type: 'array', items: { type: 'number' } } },
  },
} as const;

interface SchemaValidators {
  readonly manifest: ValidateFunction<PackManifest>;
  readonly calibration: ValidateFunction<CalibrationData>;
}

let compiled: SchemaValidators | undefined;

/**
 * Compiled on first use, not on import: compiling (ajv's meta-schema included) costs a CLI run
 * tens of ms, and a pack already checked comes from the verified-pack cache without a schema check.
 * A memo of constants: every host gets the same functions.
 */
function validators(): SchemaValidators {
  if (!compiled) {
    // strictRequired off: the label_map rule (if kind then required classes) names a property defined one level up.
    // Loaded here, not imported: a run whose packs come from the verified-pack cache never needs ajv.
    const { Ajv } = createRequire(import.meta.url)('ajv') as typeof import('ajv');
    const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false });
    compiled = { manifest: ajv.compile<PackManifest>(manifestSchema), calibration: ajv.compile<CalibrationData>(calibrationSchema) };
  }
  return compiled;
}

/** One schema problem: the field as a dotted path (`exits[1].output`) and what is wrong. */
export interface SchemaProblem {
  readonly field: string;
  readonly message: string;
}

/** `/exits/1/output` -> `exits[1].output`: the form people write in docs and error messages. */
export function fieldPath(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((path, part) => (/^\d+$/.test(part) ? `${path}[${part}]` : path ? `${path}.${part}` : part), '');
}

function problems(errors: readonly ErrorObject[] | null | undefined): SchemaProblem[] {
  return (errors ?? [])
    .filter((e) => e.keyword !== 'if')
    .map((e) => {
      let field = fieldPath(e.instancePath);
      if (e.keyword === 'required') field = field ? `${field}.${e.params.missingProperty}` : String(e.params.missingProperty);
      if (e.keyword === 'additionalProperties') field = field ? `${field}.${e.params.additionalProperty}` : String(e.params.additionalProperty);
      const message = e.keyword === 'required' ? 'is required' : e.keyword === 'additionalProperties' ? 'is not a known field' : (e.message ?? 'is invalid');
      return { field: field || '(root)', message };
    });
}

export function validateManifest(value: unknown): { ok: true; manifest: PackManifest } | { ok: false; problems: SchemaProblem[] } {
  const validate = validators().manifest;
  return validate(value) ? { ok: true, manifest: value } : { ok: false, problems: problems(validate.errors) };
}

export function validateCalibration(value: unknown): { ok: true; calibration: CalibrationData } | { ok: false; problems: SchemaProblem[] } {
  const validate = validators().calibration;
  return validate(value) ? { ok: true, calibration: value } : { ok: false, problems: problems(validate.errors) };
}
