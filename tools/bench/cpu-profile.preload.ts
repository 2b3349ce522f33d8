/**
 * Loaded into the benchmarked server with `node --require`: V8's sampling CPU profiler (the one behind
 * `node --cpu-prof`), started and stopped by the bench over the IPC channel, so the profile covers the load
 * window only, not the start-up and the enrollment before it. (Not by signal: Nest's shutdown hooks take
 * SIGUSR2, and Node keeps SIGUSR1 for its debugger.)
 *
 * Messages: 'profile:start' → replies 'profile:started'; { stop: file } → writes the .cpuprofile, replies
 * 'profile:written' (or { error }).
 */
import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';

if (process.send) {
  // connected on the first start only, so the measured runs before it go without an inspector session
  let session: Session | null = null;
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) => {
      if (!session) (session = new Session()).connect();
      session.post(method, params ?? {}, (error, result) => (error ? reject(error) : resolve(result)));
    });
  const reply = (message: unknown) => process.send?.(message);

  process.on('message', (message: unknown) => {
    const work =
      message === 'profile:start'
        ? (async () => {
            await post('Profiler.enable');
            await post('Profiler.setSamplingInterval', { interval: 1000 });
            await post('Profiler.start');
            return 'profile:started';
          })()
        : typeof message === 'object' && message !== null && 'stop' in message
          ? (async () => {
              const { profile } = (await post('Profiler.stop')) as { profile: object };
              writeFileSync(String((message as { stop: string }).stop), JSON.stringify(profile));
              return 'profile:written';
            })()
          : null;
    work?.then(reply, (error: Error) => reply({ error: error.message }));
  });
  // the channel must not keep a server alive that is shutting down
  process.channel?.unref();
}
