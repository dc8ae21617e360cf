// How often a reply was sent: waits until it shows in what the service's fake recorded, then long
// enough for a second copy (a redelivery from the bus, a retry) to show too, and counts.
import { setTimeout as sleep } from 'node:timers/promises';
import { eventually } from './eventually.ts';

/** `what` names the reply in the error if it never comes; `replies` reads the copies sent so far. */
export async function countReplies(what: string, replies: () => readonly unknown[]): Promise<number> {
  await eventually(what, async () => (replies().length > 0 ? true : undefined));
  await sleep(1500);
  return replies().length;
}
