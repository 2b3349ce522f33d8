// One SWC configuration for the build and for Jest, so tests run the code the way production does.
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const paths = {
  '@bulwark/contracts': ['libs/contracts/src/index.ts'],
  '@bulwark/event-store': ['libs/event-store/src/index.ts'],
  '@bulwark/messaging': ['libs/messaging/src/index.ts'],
  '@bulwark/odata': ['libs/odata/src/index.ts'],
  '@bulwark/platform': ['libs/platform/src/index.ts'],
  '@bulwark/testing': ['libs/testing/src/index.ts'],
};

function swcOptions({ withPaths }) {
  return {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
      keepClassNames: true,
      ...(withPaths ? { baseUrl: root, paths } : {}),
    },
    module: { type: 'commonjs' },
    sourceMaps: true,
  };
}

module.exports = { swcOptions, paths, root };
