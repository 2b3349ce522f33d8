import { NotificationSettingsChanged, SealedSecret } from '@bulwark/contracts';
import { deciderSpecification } from '@bulwark/testing';
import { ChangeNotificationSettings, NotificationSettings, notificationSettingsDecider } from './notification-settings.decider';

const spec = deciderSpecification<ChangeNotificationSettings, NotificationSettingsChanged, NotificationSettings>(notificationSettingsDecider);
const at = '2026-11-21T10:00:00.000Z';
const sealed = (name: string): SealedSecret => ({ keyId: 'k1', iv: `iv-${name}`, tag: `tag-${name}`, ciphertext: `ct-${name}` });
const HOOK = 'https://alerts.example.com/bulwark';
const OTHER = 'https://siem.example.com/in';

const change = (emails: string[], webhooks: Array<{ url: string; secret: SealedSecret | null }> = []): ChangeNotificationSettings => ({
  type: 'ChangeNotificationSettings',
  data: { emails, webhooks, now: at },
});
const changed = (version: number, emails: string[], webhooks: Array<{ url: string; secret: SealedSecret }> = []): NotificationSettingsChanged => ({
  type: 'NotificationSettingsChanged',
  data: {
    emails,
    webhooks: webhooks.map(({ url }) => ({ url })),
    webhookSecrets: Object.fromEntries(webhooks.map(({ url, secret }) => [url, secret])),
    version,
    at,
  },
});

describe('notification settings', () => {
  describe('never set', () => {
    const given: NotificationSettingsChanged[] = [];

    it('notifies nobody, at version 0', () => {
      expect(spec.given(given).state).toEqual({ emails: [], webhooks: [], version: 0 });
    });

    it('records the first receivers as version 1, with the webhook secret as sealed', () => {
      spec
        .given(given)
        .when(change(['soc@example.com'], [{ url: HOOK, secret: sealed('a') }]))
        .then([changed(1, ['soc@example.com'], [{ url: HOOK, secret: sealed('a') }])]);
    });

    it('records an explicit empty list once, so the version says an admin chose it', () => {
      spec.given(given).when(change([])).then([changed(1, [])]);
    });

    it('refuses a webhook without a secret', () => {
      spec.given(given).when(change([], [{ url: HOOK, secret: null }])).thenThrows('WEBHOOK_SECRET_REQUIRED');
    });
  });

  describe('with an email and a webhook at version 1', () => {
    const given = [changed(1, ['soc@example.com'], [{ url: HOOK, secret: sealed('a') }])];

    it('folds to the receivers with their sealed secrets', () => {
      expect(spec.given(given).state).toEqual({ emails: ['soc@example.com'], webhooks: [{ url: HOOK, secret: sealed('a') }], version: 1 });
    });

    it('records nothing when the same receivers come back with the secret left out', () => {
      spec.given(given).when(change(['soc@example.com'], [{ url: HOOK, secret: null }])).then([]);
    });

    it('keeps the sealed secret of a webhook sent without one, while another receiver is added', () => {
      spec
        .given(given)
        .when(change(['soc@example.com', 'ciso@example.com'], [{ url: HOOK, secret: null }]))
        .then([changed(2, ['soc@example.com', 'ciso@example.com'], [{ url: HOOK, secret: sealed('a') }])]);
    });

    it('records a new secret for the same webhook as a new version', () => {
      spec
        .given(given)
        .when(change(['soc@example.com'], [{ url: HOOK, secret: sealed('b') }]))
        .then([changed(2, ['soc@example.com'], [{ url: HOOK, secret: sealed('b') }])]);
    });

    it('removes every receiver when given empty lists', () => {
      spec.given(given).when(change([], [])).then([changed(2, [])]);
    });

    it('asks for a secret for a webhook it does not know yet', () => {
      spec.given(given).when(change([], [{ url: HOOK, secret: null }, { url: OTHER, secret: null }])).thenThrows('WEBHOOK_SECRET_REQUIRED');
    });

    it('refuses an address listed twice, whatever its case', () => {
      spec.given(given).when(change(['soc@example.com', 'SOC@example.com'])).thenThrows('DUPLICATE_RECEIVER');
    });

    it('refuses a webhook listed twice', () => {
      spec.given(given).when(change([], [{ url: OTHER, secret: sealed('c') }, { url: OTHER, secret: sealed('d') }])).thenThrows('DUPLICATE_RECEIVER');
    });

    it('refuses more than 20 of either', () => {
      const many = Array.from({ length: 21 }, (_, i) => `admin${i}@example.com`);
      spec.given(given).when(change(many)).thenThrows('TOO_MANY_RECEIVERS');
      const hooks = Array.from({ length: 21 }, (_, i) => ({ url: `https://hooks.example.com/${i}`, secret: sealed(String(i)) }));
      spec.given(given).when(change([], hooks)).thenThrows('TOO_MANY_RECEIVERS');
    });
  });
});
