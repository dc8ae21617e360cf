// SkillPack (short name sp): portable skills in SKILL.md format, rendered by the controller into a
// ConfigMap `skillpack-<name>` and mounted read-only at /skills/<pack>/<skill>/SKILL.md.
import { Type, type Static } from '@sinclair/typebox';
import { conditions, dnsLabel, listMap, stringSet } from './schema-kit.ts';
import type { KindDescriptor } from './kind-descriptor.ts';

/** 24 skills of at most 32 KiB stay below the 1 MiB ConfigMap limit. */
export const skillContentMaxLength = 32768;
export const skillsMaxItems = 24;

export const skillPackSpecSchema = Type.Object({
  skills: listMap(
    Type.Object({
      name: dnsLabel({ description: 'Skill name: its folder under /skills/<pack>/.' }),
      description: Type.Optional(Type.String({ maxLength: 1024 })),
      requires: Type.Optional(
        Type.Object({
          bins: Type.Optional(
            stringSet(Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._+-]+$' }), {
              maxItems: 32,
            }),
          ),
        }),
      ),
      content: Type.String({
        minLength: 1,
        maxLength: skillContentMaxLength,
        description: 'SKILL.md (markdown).',
      }),
    }),
    'name',
    { minItems: 1, maxItems: skillsMaxItems },
  ),
  runtimeRequirements: Type.Optional(
    Type.Object({ image: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })) }),
  ),
});

export const skillPackStatusSchema = Type.Object({
  observedGeneration: Type.Optional(Type.Integer({ minimum: 0 })),
  configMapName: Type.Optional(Type.String({ maxLength: 253 })),
  skillCount: Type.Optional(Type.Integer({ minimum: 0 })),
  contentHash: Type.Optional(Type.String({ maxLength: 128 })),
  conditions: Type.Optional(conditions()),
});

export type SkillPackSpec = Static<typeof skillPackSpecSchema>;
export type SkillPackStatus = Static<typeof skillPackStatusSchema>;

export const skillPackKind: KindDescriptor = {
  kind: 'SkillPack',
  plural: 'skillpacks',
  singular: 'skillpack',
  shortNames: ['sp'],
  description: 'Portable skills (SKILL.md) mounted into agent pods from a generated ConfigMap.',
  spec: skillPackSpecSchema,
  status: skillPackStatusSchema,
  printerColumns: [
    { name: 'Skills', type: 'integer', jsonPath: '.status.skillCount' },
    { name: 'ConfigMap', type: 'string', jsonPath: '.status.configMapName' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
};
