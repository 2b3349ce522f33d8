import path from 'node:path';

/** A worker thread's entry file, and the Node options it needs to load. */
export type ThreadEntry = { entry: string; execArgv: string[] };

/**
 * The entry `<directory>/<name>` as this build runs: compiled JavaScript (npm start), or TypeScript under a test
 * runner, where the thread compiles its files with the build's SWC options (tools/swc-register.cjs).
 */
export function threadEntry(directory: string, name: string): ThreadEntry {
  const extension = path.extname(__filename);
  const entry = path.join(directory, `${name}${extension}`);
  return extension === '.ts' ? { entry, execArgv: ['--require', path.join(__dirname, '../../../tools/swc-register.cjs')] } : { entry, execArgv: [] };
}
