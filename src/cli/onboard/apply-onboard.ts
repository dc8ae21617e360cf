// Applies an onboard plan (the same for the wizard and for --non-interactive) with server-side
// apply as the CLI's field manager: a re-run with the same answers changes nothing, a changed
// answer changes only its object. Prints one line per object, never its data.
import { fieldManagers } from '../../api/index.ts';
import type { KubeClient } from '../../kube/index.ts';
import { explainKubeFailure } from '../kube-failure.ts';
import { planOnboard, type OnboardAnswers } from './onboard-plan.ts';

const plurals: Record<string, string> = {
  Secret: 'secrets',
  ClawPolicy: 'clawpolicies',
  ClawInstance: 'clawinstances',
};

export async function applyOnboard(
  kube: KubeClient,
  answers: OnboardAnswers,
  say: (line: string) => void,
): Promise<void> {
  for (const object of planOnboard(answers)) {
    const { kind = '', metadata } = object;
    const name = metadata?.name ?? '';
    await kube.apply(object, fieldManagers.cli).catch((error: unknown) => {
      throw explainKubeFailure(error, {
        verb: 'patch',
        kind: { singular: kind.toLowerCase(), plural: plurals[kind] ?? kind.toLowerCase() },
        name,
        namespace: answers.namespace,
        server: kube.server,
      });
    });
    say(`${kind.toLowerCase()}/${name} applied`);
  }
}
