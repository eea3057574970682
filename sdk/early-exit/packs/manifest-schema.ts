/**
 * JSON Schema of manifest.json and calibration.json (docs/pack-format.md), checked with ajv.
 * The schema checks structure; cross-references (tensor names, after_segment ranges, ONNX
 * declarations) are checked by the loader, which can name the file each problem is in.
 */
import { createRequire } from 'node:module';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { PACK_FORMAT, PACK_FORMAT_V2, type CalibrationData, type PackManifest, type PackManifestV2File } from './manifest.js';

const tensorName = { type: 'string', minLength: 1 } as const;
const tensorNames = { type: 'array', items: tensorName, minItems: 1 } as const;
/** A file inside the pack folder: relative, no `..` segments, no absolute paths. */
const packFile = { type: 'string', minLength: 1, pattern: '^(?![/\\\\])(?!.*(^|[/\\\\])\\.\\.([/\\\\]|$))[^\\0]+$' } as const;
const index = { type: 'integer', minimum: 0 } as const;

/** One pack input (format 1's `input`, each entry of format 2's `inputs`). */
const inputSpec = {
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
} as const;

/** `predictor.features`: a predictor input the runtime computes (manifest.ts, PredictorFeaturesSpec). */
const predictorFeatures = {
  type: 'object',
  required: ['name', 'kind', 'from', 'grid', 'stride'],
  additionalProperties: false,
  properties: { name: tensorName, kind: { const: 'label-grid' }, from: tensorName, grid: { type: 'integer', minimum: 1 }, stride: { type: 'integer', minimum: 1 }, boundary: { enum: ['sampled', 'pixel-or-sample'] } },
} as const;

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
    input: inputSpec,
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
      properties: { file: packFile, input: tensorName, output: tensorName, features: predictorFeatures },
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
      required: ['file', 'count'],
      additionalProperties: false,
      properties: { file: packFile, split: { type: 'string' }, count: { type: 'integer', minimum: 2 }, kind: { enum: ['maps', 'label-grid'] }, height: { type: 'integer', minimum: 1 }, width: { type: 'integer', minimum: 1 } },
      // Maps state their size; label grids take theirs from predictor.features.
      if: { not: { properties: { kind: { const: 'label-grid' } }, required: ['kind'] } },
      then: { required: ['height', 'width'] },
    },
  },
} as const;

/** Format 2 inputs also state their channels and value range (fixed: RGB in [-1, 1] for images). */
const inputSpecV2 = {
  ...inputSpec,
  properties: {
    ...inputSpec.properties,
    channels: { const: 3 },
    range: { type: 'array', items: { type: 'number' }, minItems: 2, maxItems: 2 },
  },
} as const;

const { input: _formatOneInput, ...sharedProperties } = manifestSchema.properties;

/**
 * Format 2 (`exitgraph.pack/2`): named `inputs` in place of `input`, optional input-only `stages`,
 * and a predictor, reference and splits that read every input by name.
 */
export const manifestSchemaV2 = {
  $id: 'https://exitgraph.dev/schemas/pack-manifest-2.json',
  title: 'exitgraph model pack manifest, format 2 (several inputs)',
  type: 'object',
  required: ['format', 'name', 'version', 'task', 'inputs', 'output', 'segments', 'exits', 'predictor', 'metric', 'calibration'],
  additionalProperties: false,
  properties: {
    ...sharedProperties,
    format: { const: PACK_FORMAT_V2 },
    inputs: { type: 'array', items: inputSpecV2, minItems: 1 },
    stages: {
      type: 'array',
      items: {
        type: 'object',
        required: ['file', 'inputs', 'outputs'],
        additionalProperties: false,
        properties: { file: packFile, inputs: tensorNames, outputs: tensorNames, cache: { const: 'per_input' } },
      },
    },
    predictor: {
      type: 'object',
      required: ['file', 'inputs', 'output'],
      additionalProperties: false,
      properties: { file: packFile, inputs: tensorNames, output: tensorName, features: predictorFeatures },
    },
    reference: {
      type: 'object',
      required: ['file', 'inputs', 'outputs'],
      additionalProperties: false,
      properties: { file: packFile, inputs: tensorNames, outputs: tensorNames },
    },
    splits: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        required: ['inputs', 'count'],
        additionalProperties: false,
        properties: {
          inputs: { type: 'object', minProperties: 1, additionalProperties: packFile },
          images: packFile,
          count: { type: 'integer', minimum: 1 },
        },
      },
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
  readonly manifestV2: ValidateFunction<PackManifestV2File>;
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
    compiled = {
      manifest: ajv.compile<PackManifest>(manifestSchema),
      manifestV2: ajv.compile<PackManifestV2File>(manifestSchemaV2),
      calibration: ajv.compile<CalibrationData>(calibrationSchema),
    };
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

/**
 * The manifest file against the schema of its `format` (a format this runtime does not know is
 * checked as format 1, whose `format` error lists the known ones). The manifest comes back as
 * the file holds it: `normalizeManifest` gives the form the runtime works with.
 */
export function validateManifest(value: unknown): { ok: true; manifest: PackManifest | PackManifestV2File } | { ok: false; problems: SchemaProblem[] } {
  const { manifest: v1, manifestV2: v2 } = validators();
  const format = (value as { format?: unknown } | null)?.format;
  if (format === PACK_FORMAT_V2) return v2(value) ? { ok: true, manifest: value } : { ok: false, problems: problems(v2.errors) };
  if (v1(value)) return { ok: true, manifest: value };
  return {
    ok: false,
    problems: problems(v1.errors).map((p) => (p.field === 'format' ? { field: 'format', message: `must be "${PACK_FORMAT}" or "${PACK_FORMAT_V2}", got ${JSON.stringify(format)}` } : p)),
  };
}

export function validateCalibration(value: unknown): { ok: true; calibration: CalibrationData } | { ok: false; problems: SchemaProblem[] } {
  const validate = validators().calibration;
  return validate(value) ? { ok: true, calibration: value } : { ok: false, problems: problems(validate.errors) };
}
