// Derives CustomResourceDefinition objects from the kinds' schemas (the YAML in config/crd/bases is
// generated from these by `make manifests`). Pure: no I/O, no client types.
import { stringify } from 'yaml';
import { group, version } from './version.ts';
import { labelValues, labels } from './keys.ts';
import type { KindDescriptor } from './kind-descriptor.ts';

/** A plain JSON copy of a TypeBox schema (drops TypeBox's symbol-keyed metadata). */
export function toOpenApiSchema(schema: unknown): Record<string, unknown> {
  return JSON.parse(JSON.stringify(schema)) as Record<string, unknown>;
}

export function crdName(kind: KindDescriptor): string {
  return `${kind.plural}.${group}`;
}

export function buildCustomResourceDefinition(kind: KindDescriptor) {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: crdName(kind),
      labels: { [labels.partOf]: labelValues.partOf, [labels.managedBy]: labelValues.managedBy },
    },
    spec: {
      group,
      names: {
        kind: kind.kind,
        listKind: `${kind.kind}List`,
        plural: kind.plural,
        singular: kind.singular,
        shortNames: kind.shortNames,
        categories: ['k8sclaw'],
      },
      scope: 'Namespaced',
      versions: [
        {
          name: version,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: kind.printerColumns,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              description: kind.description,
              required: ['spec'],
              properties: {
                apiVersion: { type: 'string' },
                kind: { type: 'string' },
                metadata: { type: 'object' },
                spec: toOpenApiSchema(kind.spec),
                status: toOpenApiSchema(kind.status),
              },
              ...(kind.rootRules ?? {}),
            },
          },
        },
      ],
    },
  };
}

export type CustomResourceDefinition = ReturnType<typeof buildCustomResourceDefinition>;

/** The CRD as YAML, exactly as `make manifests` writes it to config/crd/bases/. */
export function renderCustomResourceDefinitionYaml(kind: KindDescriptor): string {
  return `# Generated from src/api by \`make manifests\`: do not edit.\n${stringify(buildCustomResourceDefinition(kind), { lineWidth: 0 })}`;
}

export function customResourceDefinitionFileName(kind: KindDescriptor): string {
  return `${group}_${kind.plural}.yaml`;
}
