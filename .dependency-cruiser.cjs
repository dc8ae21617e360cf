// Import boundaries of docs/ARCHITECTURE (see ../shared/design/ARCHITECTURE.md §2), checked by `make lint`.
const components =
  'api|kube|controller|orchestrator|webhook|apiserver|eventbus|ipc|agent|channels|session|cli|cmd';

/** Each external SDK is imported in exactly one folder. */
const sdkOwners = [
  { sdk: '@kubernetes/client-node', owner: 'kube' },
  { sdk: '@nats-io/', owner: 'eventbus' },
  { sdk: 'pg', owner: 'session' },
  { sdk: 'node-pg-migrate', owner: 'session' },
  { sdk: 'openai', owner: 'agent' },
  { sdk: '@anthropic-ai/', owner: 'agent' },
  { sdk: 'ink', owner: 'cli' },
  { sdk: 'pino', owner: 'observability' },
  { sdk: 'prom-client', owner: 'observability' },
  { sdk: 'commander', owner: 'cli' },
  { sdk: '@clack/', owner: 'cli' },
  { sdk: 'hono', owner: 'apiserver' },
  { sdk: '@hono/', owner: 'apiserver' },
  { sdk: 'ws', owner: 'apiserver' },
  { sdk: 'grammy', owner: 'channels/telegram' },
  { sdk: '@slack/', owner: 'channels/slack' },
  { sdk: 'discord.js', owner: 'channels/discord' },
  { sdk: '@discordjs/', owner: 'channels/discord' },
  { sdk: '@peculiar/', owner: 'webhook' },
  { sdk: 'reflect-metadata', owner: 'webhook' },
];
/** Test stand-ins of chat services speak their wire protocols with these too. */
const alsoInFakes = new Set(['ws']);

module.exports = {
  forbidden: [
    {
      name: 'api-imports-nothing-internal',
      comment: 'src/api is the shared vocabulary: it may not depend on any other component',
      severity: 'error',
      from: { path: '^src/api/' },
      to: { path: '^src/', pathNot: '^src/api/' },
    },
    {
      name: 'orchestrator-is-pure',
      comment: 'pure builders import only api (no I/O, no clients)',
      severity: 'error',
      from: { path: '^src/orchestrator/' },
      to: { path: '^src/', pathNot: '^src/(api|orchestrator)/' },
    },
    {
      name: 'no-reaching-into-other-components',
      comment: "components talk through api types or a component's public index.ts, never its internals",
      severity: 'error',
      from: { path: `^src/(${components})/` },
      to: {
        path: `^src/(${components})/.+`,
        pathNot: ['^src/$1/', `^src/(${components})/index\\.ts$`, '^src/api/'],
      },
    },
    {
      name: 'nothing-imports-cmd',
      comment: 'src/cmd holds entry points only: wiring, never imported',
      severity: 'error',
      from: {},
      to: { path: '^src/cmd/' },
    },
    {
      name: 'product-does-not-import-tests',
      comment: 'unit tests next to the code may use test/fixtures; product code never imports tests',
      severity: 'error',
      from: { path: '^src/', pathNot: '\\.test\\.ts$' },
      to: { path: '^(test|bench|hack)/' },
    },
    {
      name: 'only-tests-import-testdata',
      comment: "a component's testdata/ serves its tests and is left out of the build",
      severity: 'error',
      from: { pathNot: ['\\.test\\.ts$', '/testdata/'] },
      to: { path: '/testdata/' },
    },
    ...sdkOwners.map(({ sdk, owner }) => ({
      name: `sdk-${sdk.replace(/[^a-z0-9]+/gi, '-')}-only-in-${owner}`,
      comment: `${sdk} is wrapped once, in src/${owner}`,
      severity: 'error',
      from: {
        path: '^(src|test|bench)/',
        pathNot: [`^src/${owner}/`, ...(alsoInFakes.has(sdk) ? ['^test/fakes/'] : [])],
      },
      to: { path: `node_modules/${sdk.endsWith('/') ? sdk : `${sdk}/`}` },
    })),
    {
      name: 'no-circular',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^dist/' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
    },
  },
};
