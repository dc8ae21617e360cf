// Building blocks for the CRD schemas. Each returns a TypeBox schema that is at once a TypeScript
// type (Static<>), a runtime validator (Value.Check) and a structural OpenAPI v3 schema the
// apiserver enforces. Only constructs that structural schemas allow are used: no const, no
// patternProperties; string enums and string maps are expressed directly.
import { Type, type SchemaOptions, type TSchema, type TUnsafe } from '@sinclair/typebox';

export interface CelRule {
  rule: string;
  message?: string;
  messageExpression?: string;
  /** JSONPath-like path of the field the error is reported on, relative to the schema's node. */
  fieldPath?: string;
  reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
  /** The rule is only checked on update (it mentions oldSelf). */
  optionalOldSelf?: boolean;
}

/** Cross-field rules checked by the apiserver (CEL). */
export const celRules = (...rules: CelRule[]) => ({ 'x-kubernetes-validations': rules });

export function stringEnum<const T extends readonly string[]>(
  values: T,
  options: SchemaOptions = {},
): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ ...options, type: 'string', enum: [...values] });
}

export function stringMap<T extends TSchema>(value: T, options: SchemaOptions = {}) {
  return Type.Unsafe<Record<string, T['static']>>({
    ...options,
    type: 'object',
    additionalProperties: value,
  });
}

/** RFC 1123 label: the name of most Kubernetes objects, and of our references to them. */
export const dnsLabelPattern = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
export const dnsLabel = (options: SchemaOptions = {}) =>
  Type.String({ maxLength: 63, pattern: dnsLabelPattern, ...options });

/** RFC 1123 subdomain (Secret, ConfigMap and most object names). */
export const dnsSubdomain = (options: SchemaOptions = {}) =>
  Type.String({
    maxLength: 253,
    pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$',
    ...options,
  });

/** Go-style durations as Kubernetes uses them: 30s, 10m, 1h30m, 500ms. */
export const durationPattern = '^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$';
export const duration = (options: SchemaOptions = {}) =>
  Type.String({ maxLength: 32, pattern: durationPattern, ...options });

/** Resource quantities: 500m, 2, 1.5, 512Mi, 1G, 1e3. */
export const quantityPattern =
  '^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$';
export const quantity = (options: SchemaOptions = {}) =>
  Type.Unsafe<string>({
    'x-kubernetes-int-or-string': true,
    anyOf: [{ type: 'integer' }, { type: 'string' }],
    pattern: quantityPattern,
    ...options,
  });

export const timestamp = (options: SchemaOptions = {}) => Type.String({ format: 'date-time', ...options });

export const resourceRequirements = () =>
  Type.Object(
    {
      requests: Type.Optional(stringMap(quantity())),
      limits: Type.Optional(stringMap(quantity())),
    },
    { description: 'Compute resources, as in a container spec.' },
  );

/** A key of a Secret in the same namespace. */
export const secretKeyRef = (description: string) =>
  Type.Object(
    {
      name: dnsSubdomain({ description: 'Name of the Secret.' }),
      key: Type.String({
        minLength: 1,
        maxLength: 253,
        pattern: '^[-._a-zA-Z0-9]+$',
        description: 'Key in the Secret.',
      }),
    },
    { description },
  );

/** metav1.Condition, as every Kubernetes status carries it. */
export const condition = () =>
  Type.Object({
    type: Type.String({
      maxLength: 316,
      pattern:
        '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$',
    }),
    status: stringEnum(['True', 'False', 'Unknown'] as const),
    observedGeneration: Type.Optional(Type.Integer({ minimum: 0 })),
    lastTransitionTime: timestamp(),
    reason: Type.String({
      minLength: 1,
      maxLength: 1024,
      pattern: '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$',
    }),
    message: Type.String({ maxLength: 32768 }),
  });

export const conditions = () =>
  Type.Array(condition(), {
    maxItems: 16,
    'x-kubernetes-list-type': 'map',
    'x-kubernetes-list-map-keys': ['type'],
  });

/** A list whose items are identified by `key`: the apiserver rejects duplicates and merges by key. */
export const listMap = <T extends TSchema>(item: T, key: string, options: SchemaOptions = {}) =>
  Type.Array(item, { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': [key], ...options });

export const stringSet = (item: TSchema, options: SchemaOptions = {}) =>
  Type.Array(item, { 'x-kubernetes-list-type': 'set', ...options });
