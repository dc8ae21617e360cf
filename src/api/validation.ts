// Runtime validation shared by the CLI, the webhook and the controller: the same structural schema
// the apiserver enforces (via ajv), plus the checks the apiserver cannot make (exact cron
// expressions, time zone names). CEL rules are left to the apiserver, which runs them before any
// webhook sees an object. Results are values: a list of field errors, empty when valid.
import type { Static, TSchema } from '@sinclair/typebox';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { validateCronExpression, validateTimeZone } from './cron.ts';
import { buildCustomResourceDefinition } from './crd.ts';
import { clawScheduleKind, type ClawScheduleSpec } from './claw-schedule.ts';
import type { KindDescriptor } from './kind-descriptor.ts';

export interface FieldError {
  /** Dotted path of the offending field, e.g. `spec.schedule`. */
  field: string;
  message: string;
}

// ajv-formats is published as CommonJS with a default export property
const addFormats = addFormatsModule.default;
const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv, ['date-time']);
const validators = new Map<string, ValidateFunction>();

function validatorFor(kind: KindDescriptor): ValidateFunction {
  let validate = validators.get(kind.kind);
  if (!validate) {
    const schema = buildCustomResourceDefinition(kind).spec.versions[0]?.schema.openAPIV3Schema;
    validate = ajv.compile(schema ?? {});
    validators.set(kind.kind, validate);
  }
  return validate;
}

function toFieldError(error: ErrorObject): FieldError {
  const base = error.instancePath.split('/').filter(Boolean).join('.');
  const params = error.params as { missingProperty?: string; additionalProperty?: string };
  // a missing or unknown property is reported on its parent: name the property itself
  const child = params.missingProperty ?? params.additionalProperty;
  const field = child ? (base ? `${base}.${child}` : child) : base || '(object)';
  const allowed = (error.params as { allowedValues?: unknown[] }).allowedValues;
  const message = allowed
    ? `must be one of ${allowed.map(String).join(', ')}`
    : params.additionalProperty !== undefined
      ? 'is not a known field'
      : (error.message ?? 'is invalid');
  return { field, message };
}

/** Structural validation against the kind's CRD schema (what the apiserver checks before CEL). */
export function validateSchema(kind: KindDescriptor, object: unknown): FieldError[] {
  const validate = validatorFor(kind);
  if (validate(object)) return [];
  const errors = (validate.errors ?? []).filter((e) => e.keyword !== 'anyOf' && e.keyword !== 'if');
  const unique = new Map(errors.map(toFieldError).map((e) => [`${e.field}: ${e.message}`, e]));
  return [...unique.values()];
}

/** Checks of a ClawSchedule that need more than a pattern: the exact cron grammar and time zone. */
export function validateScheduleSemantics(
  spec: Pick<ClawScheduleSpec, 'schedule' | 'timeZone'>,
): FieldError[] {
  const errors: FieldError[] = [];
  if (spec.timeZone !== undefined) {
    const problem = validateTimeZone(spec.timeZone);
    if (problem) errors.push({ field: 'spec.timeZone', message: problem });
  }
  const problem = validateCronExpression(spec.schedule, errors.length === 0 ? spec.timeZone : undefined);
  if (problem) errors.push({ field: 'spec.schedule', message: problem });
  return errors;
}

/** Everything this process can check about an object of `kind`, schema first. */
export function validateObject(kind: KindDescriptor, object: unknown): FieldError[] {
  const errors = validateSchema(kind, object);
  if (errors.length > 0) return errors;
  if (kind.kind === clawScheduleKind.kind) {
    return validateScheduleSemantics((object as { spec: ClawScheduleSpec }).spec);
  }
  return [];
}

export function formatFieldErrors(errors: FieldError[]): string {
  return errors.map((e) => `${e.field}: ${e.message}`).join('; ');
}

export type MessageCheck<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

/**
 * A validator for a message schema (run events, IPC files, bus payloads), compiled once: every hop
 * checks what it reads with the same schema the writer used. It is compiled on its first use, not
 * when made: modules make their validators at load, and a process that loads a module without
 * checking its messages (every CLI command loads the event bus) should not pay for compiling them.
 */
export function compileMessageValidator<S extends TSchema>(
  schema: S,
): (value: unknown) => MessageCheck<Static<S>> {
  let validate: ValidateFunction | undefined;
  return (value) => {
    validate ??= ajv.compile(schema);
    if (validate(value)) return { ok: true, value: value as Static<S> };
    const errors = (validate.errors ?? []).filter((e) => e.keyword !== 'anyOf' && e.keyword !== 'if');
    const unique = new Map(errors.map(toFieldError).map((e) => [`${e.field}: ${e.message}`, e]));
    return { ok: false, errors: [...unique.values()] };
  };
}
