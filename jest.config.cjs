const { swcOptions, paths } = require('./tools/swc-options.cjs');

// NestJS 12 and a few of its dependencies ship ES modules only: let SWC transform them too.
const esmPackages = ['@nestjs', '@scure', '@noble', 'file-type', 'load-esm', 'uid', 'strtok3', 'token-types', '@tokenizer', 'uint8array-extras', '@borewit'];
const moduleNameMapper = Object.fromEntries(
  Object.entries(paths).map(([alias, [target]]) => [`^${alias}$`, `<rootDir>/${target}`]),
);
const common = {
  testEnvironment: 'node',
  transform: { '^.+\\.(t|j|mj)s$': ['@swc/jest', swcOptions({ withPaths: false })] },
  transformIgnorePatterns: [`/node_modules/(?!(${esmPackages.join('|')})/)`],
  moduleNameMapper,
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
};

module.exports = {
  // scenario tests drive whole request chains (reactions, projections on their own thread) on 2 shared cores: a slow
  // machine must not fail them; every wait inside them is bounded by its own timeout (a global option: not per project)
  testTimeout: 30_000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/apps/**/*.spec.ts', '<rootDir>/libs/**/*.spec.ts', '<rootDir>/tools/**/*.spec.ts'] },
    { ...common, displayName: 'scenario', testMatch: ['<rootDir>/test/**/*.spec.ts'], testPathIgnorePatterns: ['\\.(kafka|syslog|prometheus)\\.spec\\.ts$'] },
    // against a real rsyslogd each test starts (Debian's rsyslog, installed by .ci/run)
    { ...common, displayName: 'syslog', testMatch: ['<rootDir>/test/**/*.syslog.spec.ts'] },
    // against a real Prometheus each test starts (Debian's prometheus, installed by .ci/run)
    { ...common, displayName: 'prometheus', testMatch: ['<rootDir>/test/**/*.prometheus.spec.ts'] },
    { ...common, displayName: 'kafka', testMatch: ['<rootDir>/test/**/*.kafka.spec.ts', '<rootDir>/libs/**/*.kafka.spec.ts'] },
  ],
};
