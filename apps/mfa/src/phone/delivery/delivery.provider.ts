import { Provider } from '@nestjs/common';
import { BULWARK_CONFIG, BulwarkConfig, CLOCK, Clock } from '@bulwark/platform';
import path from 'node:path';
import { FileDeliveryProvider } from './file-delivery.adapter';
import { OTP_DELIVERY } from './otp-delivery.port';
import { WebhookDeliveryProvider } from './webhook-delivery.adapter';

/**
 * BULWARK_PHONE_WEBHOOK_URL and BULWARK_PHONE_WEBHOOK_SECRET: texts and calls go to that signed webhook.
 * Unset: the development adapter writes them to <data dir>/outbox/outbox.ndjson, readable only by the owner.
 */
export const otpDeliveryProvider: Provider = {
  provide: OTP_DELIVERY,
  inject: [BULWARK_CONFIG, CLOCK],
  useFactory: (config: BulwarkConfig, clock: Clock) => {
    const url = process.env.BULWARK_PHONE_WEBHOOK_URL;
    const secret = process.env.BULWARK_PHONE_WEBHOOK_SECRET;
    if (url) {
      if (!secret || secret.length < 16) throw new Error('BULWARK_PHONE_WEBHOOK_URL needs BULWARK_PHONE_WEBHOOK_SECRET of at least 16 characters');
      return new WebhookDeliveryProvider({ url, secret, clock });
    }
    return new FileDeliveryProvider(path.join(config.dataDir, 'outbox'), clock);
  },
};
