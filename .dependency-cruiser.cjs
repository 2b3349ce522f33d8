/** The architecture's dependency rules, checked in CI by `npm run lint:deps`. */
module.exports = {
  forbidden: [
    {
      name: 'deciders-are-pure',
      comment: 'A *.decider.ts holds pure functions: no Nest, store, Kafka, database, clock or I/O.',
      severity: 'error',
      from: { path: '\\.decider\\.ts$' },
      to: {
        path: [
          'node_modules/(@nestjs|kafkajs|better-sqlite3|@eventstore|otplib|express)',
          '^libs/(event-store|messaging|platform)/',
          '\\.(controller|handler|service|streams|projection|consumer)\\.ts$',
        ],
      },
    },
    {
      name: 'deciders-do-no-io',
      severity: 'error',
      from: { path: '\\.decider\\.ts$' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'services-do-not-import-each-other',
      comment: 'A service shares only libs/ with the others. apps/bulwark is the composition root of the embedded default.',
      severity: 'error',
      from: { path: '^apps/([^/]+)/', pathNot: '^apps/bulwark/' },
      to: { path: '^apps/([^/]+)/', pathNot: '^apps/$1/' },
    },
    {
      name: 'libs-do-not-import-apps',
      severity: 'error',
      from: { path: '^libs/' },
      to: { path: '^(apps|test)/' },
    },
    {
      name: 'contracts-are-plain-data',
      comment: 'Event contracts are shared by every service: schemas only, no framework.',
      severity: 'error',
      from: { path: '^libs/contracts/' },
      to: { path: ['node_modules/(@nestjs|kafkajs|better-sqlite3|@eventstore)', '^libs/(event-store|messaging|platform|testing)/'] },
    },
    {
      name: 'event-store-knows-no-transport-or-framework',
      severity: 'error',
      from: { path: '^libs/event-store/' },
      to: { path: ['node_modules/(@nestjs|kafkajs)', '^libs/(messaging|platform)/'] },
    },
    {
      name: 'odata-is-a-plain-library',
      comment: 'The OData parser and compiler know Graph and SQL text, not a framework, a transport or a service.',
      severity: 'error',
      from: { path: '^libs/odata/' },
      to: { path: ['node_modules/(@nestjs|kafkajs|express|@eventstore)', '^libs/(event-store|messaging|platform|testing)/'] },
    },
    {
      name: 'production-code-does-not-import-tests',
      severity: 'error',
      from: { pathNot: '(\\.spec\\.ts$|^test/|^libs/testing/)' },
      to: { path: '(\\.spec\\.ts$|^test/|^libs/testing/)' },
    },
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // test/generated is the OpenAPI client as its generator writes it (npm run openapi:client), not code we shape
    exclude: { path: '^(dist|test/generated)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['require', 'import', 'node', 'default'], extensions: ['.ts', '.js', '.json'] },
  },
};
