// Admission of a SkillPack (create and update), pure: the schema bounds each skill in characters,
// but the ConfigMap the controller renders from the pack is bounded in bytes (1 MiB, all of its
// data together), and skills in a multi-byte script can pass the one and break the other. The pack
// is rendered with the controller's own builder and measured.
import type { SkillPack } from '../api/index.ts';
import { buildSkillPackConfigMap } from '../orchestrator/index.ts';
import { admit, refuse, type AdmissionVerdict } from './admission-verdict.ts';

/** What the kube-apiserver stores at most in one ConfigMap's data. */
export const configMapDataMaxBytes = 1024 * 1024;

export function admitSkillPack(pack: SkillPack): AdmissionVerdict {
  const data = buildSkillPackConfigMap(pack).data ?? {};
  let bytes = 0;
  for (const [key, value] of Object.entries(data)) bytes += Buffer.byteLength(key) + Buffer.byteLength(value);
  if (bytes <= configMapDataMaxBytes) return admit;
  return refuse(
    `SkillPack ${pack.metadata.name} is refused: spec.skills come to ${bytes} bytes, more than the ${configMapDataMaxBytes} bytes of the ConfigMap they are mounted from.`,
  );
}
