// Public surface of observability: logging, metrics, health endpoints (the only importer of pino
// and prom-client).
export { createLogger, redactedPaths, type Logger } from './logger.ts';
export { createControllerMetrics, type ControllerMetrics } from './metrics.ts';
export { createApiServerMetrics, type ApiServerMetrics } from './api-server-metrics.ts';
export { createChannelMetrics, type ChannelMetrics } from './channel-metrics.ts';
export { startHealthServer, type HealthServerOptions } from './health-server.ts';
