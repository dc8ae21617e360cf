// A copy of a JSON schema that refuses unknown properties at every level. The CRD schemas in
// src/api leave objects open (the apiserver prunes unknown fields silently); a request body is
// instead refused with the unknown field named, so a typo (`taks`) is never dropped unnoticed.
import type { TSchema } from '@sinclair/typebox';

type JsonSchema = Record<string, unknown>;

function close(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(close);
  if (typeof node !== 'object' || node === null) return node;
  const schema: JsonSchema = {};
  for (const [key, value] of Object.entries(node)) schema[key] = close(value);
  const open = schema['x-kubernetes-preserve-unknown-fields'] === true;
  if (schema.properties !== undefined && schema.additionalProperties === undefined && !open) {
    schema.additionalProperties = false;
  }
  return schema;
}

export function buildStrictSchema<S extends TSchema>(schema: S): S {
  // JSON round trip: drops TypeBox's symbol-keyed metadata, which ajv does not need
  return close(JSON.parse(JSON.stringify(schema))) as S;
}
