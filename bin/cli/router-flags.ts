import { Option, type Command } from 'commander';
import { routerName, type AnyRouterDefinition, type RouterRegistry } from '../../sdk/early-exit/index.js';
import { CliError } from './cli-host.js';

/** One command-line flag standing for a router param that one or more routers declare. */
export interface RouterFlag {
  /** The param's name in the router schemas (`deadline_ms`). */
  readonly param: string;
  /** The flag (`--deadline-ms`). */
  readonly flag: string;
  /** Where commander keeps its value (`deadlineMs`). */
  readonly attribute: string;
  /** The schema of the first router that declares the param. */
  readonly schema: Readonly<Record<string, unknown>>;
  /** Names of the routers that declare it, in registry order. */
  readonly routers: readonly string[];
}

const toFlag = (param: string): string => `--${param.replace(/_/g, '-')}`;

/**
 * The flags for every param the routers of a registry declare, one flag per param name (tau is
 * declared by several routers and is one flag). Params whose flag the command already has for
 * itself (`reserved`, e.g. --device) get none: they stay reachable through --param key=value.
 */
export function routerFlags(routers: RouterRegistry, reserved: ReadonlySet<string>): RouterFlag[] {
  const byParam = new Map<string, { schema: Readonly<Record<string, unknown>>; routers: string[] }>();
  for (const router of routers.list()) {
    for (const [param, schema] of Object.entries(router.params.properties)) {
      const seen = byParam.get(param);
      if (seen) seen.routers.push(routerName(router));
      else byParam.set(param, { schema, routers: [routerName(router)] });
    }
  }
  const flags: RouterFlag[] = [];
  for (const [param, { schema, routers: names }] of byParam) {
    const flag = toFlag(param);
    if (reserved.has(flag)) continue;
    flags.push({ param, flag, attribute: new Option(flag).attributeName(), schema, routers: names });
  }
  return flags;
}

/** A commander option for a flag: its value parsed by the param's JSON Schema type, no default (the schema's applies). */
export function routerFlagOption(flag: RouterFlag): Option {
  const type = flag.schema.type;
  const description = `${flag.routers.join(', ')}: ${String(flag.schema.description ?? flag.param)}`;
  // Listed per router by routerFlagsHelp instead of in commander's one long list.
  if (type === 'boolean') return new Option(flag.flag, description).hideHelp();
  const option = new Option(`${flag.flag} ${valueHint(flag.schema)}`, description).hideHelp();
  if (Array.isArray(flag.schema.enum)) return option.choices(flag.schema.enum.map(String));
  if (type === 'number' || type === 'integer') return option.argParser((value: string) => parseNumber(flag.flag, value));
  if (type === 'string') return option;
  return option.argParser((value: string) => parseJsonOrText(value));
}

function valueHint(schema: Readonly<Record<string, unknown>>): string {
  if (schema.type === 'boolean') return '';
  return schema.type === 'number' || schema.type === 'integer' ? '<number>' : '<value>';
}

/** `--help` text: each router with the flags of its own params and their descriptions. */
export function routerFlagsHelp(routers: RouterRegistry, flags: readonly RouterFlag[]): string {
  const byParam = new Map(flags.map((f) => [f.param, f]));
  const lines = ['', 'Router params (each router takes only its own; from the router schemas):'];
  for (const router of routers.list()) {
    const params = Object.entries(router.params.properties);
    lines.push(`  ${routerName(router)}${params.length ? '' : ': no params'}${router.evaluationOnly ? ' (evaluation only)' : ''}`);
    for (const [param, schema] of params) {
      const known = byParam.get(param);
      const flag = known ? `${known.flag} ${valueHint(schema)}`.trim() : `--param ${param}=<value>`;
      const notes = [Array.isArray(schema.enum) ? `one of ${schema.enum.join(', ')}` : '', schema.default !== undefined ? `default ${JSON.stringify(schema.default)}` : ''].filter(Boolean).join('; ');
      lines.push(`    ${flag.padEnd(24)} ${String(schema.description ?? '')}${notes ? ` (${notes})` : ''}`);
    }
  }
  return lines.join('\n');
}

/**
 * The params for the chosen router from the flags given on the command line; a flag given for a
 * param this router does not declare is an error naming the flag, the router and what it takes.
 * `shared` are values the command always passes when the router declares them (eval's --tau and
 * --alpha, which also set its own quality bar). `pairs` are --param key=value, taken as given.
 */
export function paramsFromFlags(
  router: AnyRouterDefinition,
  flags: readonly RouterFlag[],
  given: Readonly<Record<string, unknown>>,
  shared: Readonly<Record<string, unknown>>,
  pairs: readonly string[],
): Record<string, unknown> {
  const declared = router.params.properties;
  const params: Record<string, unknown> = {};
  for (const [param, value] of Object.entries(shared)) if (param in declared && value !== undefined) params[param] = value;
  for (const flag of flags) {
    const value = given[flag.attribute];
    if (value === undefined) continue;
    if (!(flag.param in declared)) {
      const takes = Object.keys(declared).map(toFlag).join(', ') || 'no params';
      throw new CliError(`${flag.flag} is a param of ${flag.routers.join(', ')}, not of router ${routerName(router)} (it takes: ${takes})`);
    }
    params[flag.param] = value;
  }
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at < 1) throw new CliError(`--param ${pair}: expected key=value`);
    params[pair.slice(0, at)] = parseJsonOrText(pair.slice(at + 1));
  }
  return params;
}

/** Adds the router flags to a command. */
export function addRouterFlags(command: Command, flags: readonly RouterFlag[]): Command {
  for (const flag of flags) command.addOption(routerFlagOption(flag));
  return command;
}

export function parseNumber(flag: string, value: string): number {
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed)) throw new CliError(`${flag}: "${value}" is not a number`);
  return parsed;
}

/** JSON when it parses (numbers, arrays, objects), the text itself otherwise. */
function parseJsonOrText(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}
