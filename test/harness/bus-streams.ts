// The event bus streams, created as the controller creates them (with its credentials), for suites
// that run the API server or a channel without a controller.
import {
  connectEventBus,
  controllerPermissions,
  issueUserCredentials,
  type BusAuthority,
} from '../../src/eventbus/index.ts';

export async function ensureBusStreamsAsController(url: string, authority: BusAuthority): Promise<void> {
  const controllerBus = await connectEventBus({
    url,
    name: 'k8sclaw-controller',
    credentials: await issueUserCredentials(authority, {
      name: 'k8sclaw-controller',
      permissions: controllerPermissions(),
    }),
    connectTimeoutMs: 10_000,
  });
  try {
    await controllerBus.ensureStreams();
  } finally {
    await controllerBus.close();
  }
}
