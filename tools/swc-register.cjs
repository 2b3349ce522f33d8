// Lets a worker thread started from TypeScript under Jest load TypeScript files, compiled with the build's SWC options.
const { transformSync } = require('@swc/core');
const { readFileSync } = require('node:fs');
const Module = require('node:module');
const { swcOptions } = require('./swc-options.cjs');

const options = swcOptions({ withPaths: true });
Module._extensions['.ts'] = (module, filename) => {
  const { code } = transformSync(readFileSync(filename, 'utf8'), { ...options, filename, sourceMaps: 'inline' });
  module._compile(code, filename);
};
