// Admission of a ClawSchedule (create and update), pure: what the CRD schema cannot check — the
// time zone is one the runtime knows (IANA) and the cron expression parses in it. The rules are
// those of src/api/cron.ts, which the schedule controller uses too.
import { validateCronExpression, validateTimeZone, type ClawSchedule } from '../api/index.ts';
import { admit, refuse, type AdmissionVerdict } from './admission-verdict.ts';

export function admitClawSchedule(schedule: ClawSchedule): AdmissionVerdict {
  const name = `ClawSchedule ${schedule.metadata.name}`;
  const { timeZone, schedule: expression } = schedule.spec;
  const zoneProblem = timeZone === undefined ? undefined : validateTimeZone(timeZone);
  if (zoneProblem) return refuse(`${name} is refused: spec.timeZone has an ${zoneProblem}.`);
  const cronProblem = validateCronExpression(expression, timeZone);
  if (cronProblem) {
    return refuse(
      `${name} is refused: spec.schedule "${expression}" is not a valid schedule: ${cronProblem}.`,
    );
  }
  return admit;
}
