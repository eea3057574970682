import type { RunEvent } from '../index.js';

/** A `node:error` event, the shape a failed node reports. */
export type NodeErrorEvent = Extract<RunEvent, { type: 'node:error' }>;

/**
 * The types of a run's events in order (`['run:start', 'node:start', ...]`), optionally only
 * those about one node: a compact form for `toEqual`.
 */
export function eventTypes(events: readonly RunEvent[], nodeId?: string): string[] {
  return events.filter((event) => nodeId === undefined || ('nodeId' in event && event.nodeId === nodeId)).map((event) => event.type);
}

/** The events of one type, typed as that event (`eventsOf(events, 'node:progress')`). */
export function eventsOf<T extends RunEvent['type']>(events: readonly RunEvent[], type: T): Extract<RunEvent, { type: T }>[] {
  return events.filter((event): event is Extract<RunEvent, { type: T }> => event.type === type);
}

/** The first `node:error` event of a run: which node failed and why. */
export function firstNodeError(events: readonly RunEvent[]): NodeErrorEvent | undefined {
  return eventsOf(events, 'node:error')[0];
}
