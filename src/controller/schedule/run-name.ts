// The name of the AgentRun a ClawSchedule starts for one tick: `<schedule>-<minutes since the Unix
// epoch>`. It is a function of the tick alone, so a controller that restarts, or reconciles twice,
// asks to create the same name and the apiserver refuses the duplicate.
import { K8sClawError } from '../../api/index.ts';

/** AgentRun names label their Job's pods, so they must fit a label value. */
const maxRunNameLength = 63;

export function buildScheduledRunName(scheduleName: string, tick: Date): string {
  const minutes = Math.floor(tick.getTime() / 60_000);
  if (!Number.isSafeInteger(minutes) || minutes < 0) {
    throw new K8sClawError('InvalidScheduledTick', `tick ${String(tick)} is not after the Unix epoch`);
  }
  const name = `${scheduleName}-${minutes}`;
  if (name.length > maxRunNameLength) {
    throw new K8sClawError(
      'ScheduledRunNameTooLong',
      `run name "${name}" is longer than ${maxRunNameLength} characters (schedule names are at most 52)`,
    );
  }
  return name;
}
