import { ConfigError, loadConfig } from './config';

const load = (env: NodeJS.ProcessEnv) => loadConfig(env, 'identity-protection').notifications;

describe('the admin notification settings of the environment', () => {
  it('default to no SMTP, a 1 s retry base, 8 attempts and a 10 s timeout', () => {
    expect(load({})).toEqual({ smtpUrl: null, smtpFrom: 'Bulwark <bulwark@localhost>', retryBaseMs: 1_000, maxAttempts: 8, timeoutMs: 10_000 });
  });

  it('take an SMTP URL, a From and the retry pacing', () => {
    expect(
      load({
        BULWARK_SMTP_URL: 'smtps://mailer:s3cret@smtp.example.com:465',
        BULWARK_SMTP_FROM: 'Bulwark Alerts <alerts@example.com>',
        BULWARK_NOTIFY_RETRY_BASE_MS: '20',
        BULWARK_NOTIFY_MAX_ATTEMPTS: '3',
        BULWARK_NOTIFY_TIMEOUT_MS: '1500',
      }),
    ).toEqual({ smtpUrl: 'smtps://mailer:s3cret@smtp.example.com:465', smtpFrom: 'Bulwark Alerts <alerts@example.com>', retryBaseMs: 20, maxAttempts: 3, timeoutMs: 1_500 });
  });

  it.each([
    [{ BULWARK_SMTP_URL: 'http://smtp.example.com' }, 'BULWARK_SMTP_URL must start with smtp:// or smtps://'],
    [{ BULWARK_SMTP_URL: 'smtp//mailer:s3cret@nowhere' }, 'BULWARK_SMTP_URL is not a URL'],
    [{ BULWARK_SMTP_FROM: 'alerts@example.com\r\nBcc: everyone@example.com' }, 'BULWARK_SMTP_FROM must be an address'],
    [{ BULWARK_SMTP_FROM: 'Bulwark' }, 'BULWARK_SMTP_FROM must be an address'],
    [{ BULWARK_NOTIFY_RETRY_BASE_MS: '0' }, 'BULWARK_NOTIFY_RETRY_BASE_MS must be an integer from 1'],
    [{ BULWARK_NOTIFY_MAX_ATTEMPTS: '2.5' }, 'BULWARK_NOTIFY_MAX_ATTEMPTS must be an integer'],
    [{ BULWARK_NOTIFY_MAX_ATTEMPTS: '50' }, 'BULWARK_NOTIFY_MAX_ATTEMPTS must be an integer from 1 to 20'],
    [{ BULWARK_NOTIFY_TIMEOUT_MS: 'soon' }, 'BULWARK_NOTIFY_TIMEOUT_MS must be an integer'],
  ])('refuse %j', (env, message) => {
    expect(() => load(env)).toThrow(ConfigError);
    expect(() => load(env)).toThrow(message);
  });

  it('never echo a password from a bad SMTP URL', () => {
    expect(() => load({ BULWARK_SMTP_URL: 'smtp//mailer:s3cret@nowhere' })).toThrow(expect.objectContaining({ message: expect.not.stringContaining('s3cret') }));
  });
});

describe('the log and trace settings of the environment', () => {
  const observability = (env: NodeJS.ProcessEnv) => {
    const { logLevel, logPretty, tracing } = loadConfig(env, 'mfa');
    return { logLevel, logPretty, tracing };
  };

  it('default to quiet logs under Jest, JSON lines and no tracing', () => {
    expect(observability({})).toEqual({ logLevel: 'error', logPretty: false, tracing: 'off' });
  });

  it('take a level, pretty printing and a tracing mode', () => {
    expect(observability({ BULWARK_LOG_LEVEL: 'debug', BULWARK_LOG_PRETTY: '1', BULWARK_TRACING: 'otlp' })).toEqual({ logLevel: 'debug', logPretty: true, tracing: 'otlp' });
  });

  it.each([
    [{ BULWARK_LOG_LEVEL: 'verbose' }, 'BULWARK_LOG_LEVEL must be one of'],
    [{ BULWARK_TRACING: 'jaeger' }, 'BULWARK_TRACING must be one of off, otlp, console'],
  ])('refuse %j', (env, message) => {
    expect(() => observability(env)).toThrow(message);
  });
});
