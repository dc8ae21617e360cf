// Reads a request's JSON body and checks it against a schema, answering 400 with the offending
// field named: `body` for a body that is not JSON, the dotted path for a schema violation or an
// unknown field. The size limit is enforced earlier, while the body streams in (see create-app).
import type { TSchema, Static } from '@sinclair/typebox';
import { compileMessageValidator } from '../api/index.ts';
import { invalidRequest } from './api-error.ts';
import { buildStrictSchema } from './strict-schema.ts';

export type BodyParser<S extends TSchema> = (text: string) => Static<S>;

export function compileBodyParser<S extends TSchema>(schema: S): BodyParser<S> {
  const check = compileMessageValidator(buildStrictSchema(schema));
  return (text) => {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      const reason = error instanceof SyntaxError ? error.message : 'cannot be parsed';
      throw invalidRequest([{ field: 'body', message: `is not valid JSON: ${reason}` }]);
    }
    const result = check(value);
    if (!result.ok) throw invalidRequest(result.errors);
    return result.value;
  };
}
