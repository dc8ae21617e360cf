// What the CRD generator needs to know about one kind besides its schemas.
import type { TSchema } from '@sinclair/typebox';
import type { CelRule } from './schema-kit.ts';

export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  jsonPath: string;
  description?: string;
  /** Shown only with -o wide. */
  priority?: number;
}

export interface KindDescriptor {
  kind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  description: string;
  spec: TSchema;
  status: TSchema;
  printerColumns: PrinterColumn[];
  /** Rules on the whole object (they may read metadata.name). */
  rootRules?: { 'x-kubernetes-validations': CelRule[] };
}
