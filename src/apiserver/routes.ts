// Every route of the HTTP API, in the order the OpenAPI document lists them.
import {
  agentRunKind,
  clawInstanceKind,
  clawPolicyKind,
  clawScheduleKind,
  skillPackKind,
} from '../api/index.ts';
import { instanceMemoryRoute } from './instance-memory-route.ts';
import { sendMessageRoute } from './message-route.ts';
import { buildGetRoute, buildListRoute } from './resource-routes.ts';
import type { RouteDefinition } from './route-definition.ts';
import { cancelRunRoute, createRunRoute, deleteRunRoute } from './run-routes.ts';
import { listRunEventsRoute, listSessionMessagesRoute, listSessionsRoute } from './session-routes.ts';
import { watchRunEventsRoute, watchSessionEventsRoute } from './watch-routes.ts';

export const apiRoutes: readonly RouteDefinition[] = [
  buildListRoute(agentRunKind, 'runs', 'runs'),
  createRunRoute,
  buildGetRoute(agentRunKind, 'runs', 'runs'),
  deleteRunRoute,
  cancelRunRoute,
  listRunEventsRoute,
  watchRunEventsRoute,
  buildListRoute(clawInstanceKind, 'instances', 'instances'),
  buildGetRoute(clawInstanceKind, 'instances', 'instances'),
  instanceMemoryRoute,
  listSessionsRoute,
  listSessionMessagesRoute,
  sendMessageRoute,
  watchSessionEventsRoute,
  buildListRoute(clawScheduleKind, 'schedules', 'schedules'),
  buildGetRoute(clawScheduleKind, 'schedules', 'schedules'),
  buildListRoute(clawPolicyKind, 'policies', 'policies'),
  buildGetRoute(clawPolicyKind, 'policies', 'policies'),
  buildListRoute(skillPackKind, 'skillpacks', 'skillpacks'),
  buildGetRoute(skillPackKind, 'skillpacks', 'skillpacks'),
];
