// Rows of SkillPacks: the CRD's printer columns, and in wide output the names of the skills.
import type { SkillPack } from '../../api/index.ts';
import { formatAge } from './format-age.ts';
import { cellText, type RowRenderer } from './row-renderer.ts';

export const skillPackRows: RowRenderer<SkillPack> = {
  columns: [
    { header: 'Skills', cell: (s) => cellText(s.status?.skillCount ?? s.spec.skills.length) },
    { header: 'ConfigMap', cell: (s) => cellText(s.status?.configMapName) },
    { header: 'Age', cell: (s, now) => formatAge(s.metadata.creationTimestamp, now) },
    { header: 'Names', wide: true, cell: (s) => cellText(s.spec.skills.map((k) => k.name).join(',')) },
  ],
};
