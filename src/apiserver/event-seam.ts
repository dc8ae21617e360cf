// The seam between replaying a stream's stored events and following it on the event bus: the bus
// is followed from the stream's start too, so nothing that happened between the two reads can be
// missed, and every event is handed out once by its run uid and event id (the key the bus and the
// store de-duplicate on). Pure; holds one key per event handed out, i.e. per event of the followed
// runs.
import type { RunEvent } from '../api/index.ts';

export class EventSeam {
  readonly #seen = new Set<string>();

  /** True the first time an event is offered (hand it out), false for every repeat. */
  admit(event: RunEvent): boolean {
    const key = `${event.identity.runUid}:${event.id}`;
    if (this.#seen.has(key)) return false;
    this.#seen.add(key);
    return true;
  }

  get size(): number {
    return this.#seen.size;
  }
}
