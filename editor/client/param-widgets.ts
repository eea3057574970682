import type { LGraphNode } from '@comfyorg/litegraph';
import type { IBaseWidget } from '@comfyorg/litegraph/dist/types/widgets';
import type { ParamSchema } from '../../sdk/kernel/browser.js';

export type ParamWidgetKind = 'number' | 'integer' | 'combo' | 'suggestions' | 'toggle' | 'text' | 'json';

/** The last entry of a suggestions combo: asks for a value the list does not have. */
export const OTHER_VALUE = 'other…';

/** How a param's JSON Schema shows as a widget. */
export function widgetKind(schema: ParamSchema): ParamWidgetKind {
  if (Array.isArray(schema.enum)) return 'combo';
  if (schema.type === 'string' && Array.isArray(schema['x-suggestions'])) return 'suggestions';
  switch (schema.type) {
    case 'integer':
      return 'integer';
    case 'number':
      return 'number';
    case 'boolean':
      return 'toggle';
    case 'string':
      return 'text';
    default:
      return 'json';
  }
}

/** The value a new node starts with: the schema's default, else a neutral value of its type. */
export function initialValue(schema: ParamSchema): unknown {
  if ('default' in schema) return structuredClone(schema.default);
  if (Array.isArray(schema.enum)) return schema.enum[0];
  const min = schema.minimum ?? schema.exclusiveMinimum;
  switch (schema.type) {
    case 'integer':
    case 'number':
      return typeof min === 'number' ? min : 0;
    case 'boolean':
      return false;
    case 'string':
      return '';
    case 'array':
      return [];
    default:
      return undefined;
  }
}

/**
 * Adds a litegraph widget for a param, generated from its schema: number (bounds, step and
 * decimals from numberOptions; integers round), combo for enums, toggle for booleans, text for strings, and JSON
 * text for arrays and objects, and for a string with `x-suggestions` a combo of them whose last
 * entry asks for any other value. `onChange` gets the typed value; `current` reads the param's
 * stored value (what the widget goes back to when asking for another value is cancelled).
 */
export function addParamWidget(node: LGraphNode, name: string, schema: ParamSchema, value: unknown, onChange: (value: unknown) => void, current: () => unknown): IBaseWidget {
  const kind = widgetKind(schema);
  const label = schema.title ?? name;
  let widget: IBaseWidget;
  switch (kind) {
    case 'combo': {
      const values = schema.enum!.map((v) => String(v));
      widget = node.addWidget('combo', name, String(value ?? values[0]), (v: unknown) => onChange(schema.enum![values.indexOf(String(v))] ?? v), { values });
      break;
    }
    case 'suggestions':
      widget = node.addWidget('combo', name, String(value ?? ''), (v: unknown) => {
        const chosen = String(v) === OTHER_VALUE ? askForValue(label, String(current() ?? '')) : String(v);
        showValue(widget, schema, chosen);
        onChange(chosen);
      }, { values: suggestionValues(schema, value) });
      break;
    case 'integer':
    case 'number': {
      const options = numberOptions(schema, kind, value);
      widget = node.addWidget('number', name, Number(value ?? 0), (v: unknown) => {
        const n = kind === 'integer' ? Math.round(Number(v)) : tidy(Number(v));
        if (widget.value !== n) widget.value = n;
        if (kind === 'number') widget.options.precision = Math.max(options.precision, decimalsOf(n));
        onChange(n);
      }, options);
      break;
    }
    case 'toggle':
      widget = node.addWidget('toggle', name, Boolean(value), (v: unknown) => onChange(Boolean(v)), {});
      break;
    case 'text':
      widget = node.addWidget('text', name, String(value ?? ''), (v: unknown) => onChange(String(v)), {});
      break;
    case 'json':
      widget = node.addWidget('text', name, value === undefined ? '' : JSON.stringify(value), (v: unknown) => {
        try {
          onChange(JSON.parse(String(v)));
        } catch {
          // Kept as text: validation then names the param and what it expects.
          onChange(String(v));
        }
      }, {});
      break;
  }
  widget.tooltip = schema.description ?? name;
  widget.label = label;
  return widget;
}

/** Shows a stored value in a widget (after loading a workflow). */
export function showValue(widget: IBaseWidget, schema: ParamSchema, value: unknown): void {
  const kind = widgetKind(schema);
  if (kind === 'suggestions') {
    widget.value = String(value ?? '');
    widget.options.values = suggestionValues(schema, value);
    return;
  }
  if (kind === 'number' && typeof value === 'number') widget.options.precision = Math.max(numberOptions(schema, kind, schema.default).precision, decimalsOf(value));
  widget.value = kind === 'json' ? JSON.stringify(value) : kind === 'combo' || kind === 'text' ? String(value ?? '') : kind === 'toggle' ? Boolean(value) : Number(value);
}

/** The suggestions, the value when it is none of them (a plugin's router id), then "other…". */
function suggestionValues(schema: ParamSchema, value: unknown): string[] {
  const suggestions = (schema['x-suggestions'] ?? []).map(String);
  const custom = typeof value === 'string' && value !== '' && !suggestions.includes(value) ? [value] : [];
  return [...suggestions, ...custom, OTHER_VALUE];
}

/** The browser's prompt for a value not in the list; cancelled or empty keeps `previous`. */
function askForValue(label: string, previous: string): string {
  const typed = prompt(`${label}: a value not in the list`, previous)?.trim();
  return typed ? typed : previous;
}

/**
 * Bounds, arrow step and shown decimals of a number widget: `multipleOf` gives the step and the
 * decimals; otherwise two decimals for small ranges or values below one (tau 0.1 steps by 0.01),
 * one for the rest, more when the default has more. Exclusive bounds keep one step inside.
 */
export function numberOptions(schema: ParamSchema, kind: 'number' | 'integer', value: unknown): { min?: number; max?: number; step2: number; precision: number } {
  const fallback = typeof schema.default === 'number' ? schema.default : typeof value === 'number' ? value : undefined;
  let precision = 0;
  let step = 1;
  if (typeof schema.multipleOf === 'number') {
    step = schema.multipleOf;
    precision = decimalsOf(step);
  } else if (kind === 'number') {
    const lo = schema.minimum ?? schema.exclusiveMinimum;
    const hi = schema.maximum ?? schema.exclusiveMaximum;
    const small = (typeof lo === 'number' && typeof hi === 'number' && hi - lo <= 2) || (fallback !== undefined && fallback !== 0 && Math.abs(fallback) < 1);
    precision = Math.min(6, Math.max(small ? 2 : 1, fallback === undefined ? 0 : decimalsOf(fallback)));
    step = 10 ** -precision;
  }
  const min = typeof schema.minimum === 'number' ? schema.minimum : typeof schema.exclusiveMinimum === 'number' ? tidy(schema.exclusiveMinimum + step) : undefined;
  const max = typeof schema.maximum === 'number' ? schema.maximum : typeof schema.exclusiveMaximum === 'number' ? tidy(schema.exclusiveMaximum - step) : undefined;
  return { ...(min === undefined ? {} : { min }), ...(max === undefined ? {} : { max }), step2: step, precision };
}

/** Drops float noise from stepping (0.1 + 0.01 = 0.11000000000000001). */
function tidy(n: number): number {
  return Number.isFinite(n) ? Number(n.toFixed(9)) : n;
}

/** Decimals a number is written with (0.05 -> 2, 3 -> 0), at most 6. */
function decimalsOf(n: number): number {
  const text = String(n);
  if (text.includes('e-')) return 6;
  return text.includes('.') ? Math.min(6, text.split('.')[1]!.length) : 0;
}
