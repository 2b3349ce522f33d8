/**
 * Suites that need a real server beside Node (a Kafka broker, rsyslogd, Prometheus). `.ci/run` provides each and
 * runs with CI=true, where a missing one fails the suite instead of skipping it silently; on a newcomer's machine
 * the suite is skipped with one line that says how to run it.
 */
export function missingServer(what: string, howToRun: string): null {
  if (process.env.CI) throw new Error(`${what} is not available: .ci/run must provide it before these tests`);
  process.stderr.write(`[skipped] ${what} is not available: ${howToRun}\n`);
  return null;
}
