import { AdminNotificationEvent, AdminNotificationFailed, AdminNotificationSent } from '@bulwark/contracts';
import { deciderSpecification } from '@bulwark/testing';
import { AdminNotificationsState, adminNotificationsDecider, RecordDeliveryOutcome } from './admin-notification.decider';

const spec = deciderSpecification<RecordDeliveryOutcome, AdminNotificationEvent, AdminNotificationsState>(adminNotificationsDecider);
const at = '2026-11-21T10:00:00.000Z';
const delivery = (deliveryId: string, receiver: string) => ({
  userId: 'alice',
  triggerEventId: '0f8fad5b-d9cb-469f-a165-70867728950e',
  triggerType: 'AccountLockedOut',
  deliveryId,
  channel: 'email' as const,
  receiver,
  attempts: 1,
  at,
});
const sent = (deliveryId: string, receiver: string): AdminNotificationSent => ({ type: 'AdminNotificationSent', data: { ...delivery(deliveryId, receiver), transport: 'smtp' } });
const failed = (deliveryId: string, receiver: string): AdminNotificationFailed => ({
  type: 'AdminNotificationFailed',
  data: { ...delivery(deliveryId, receiver), attempts: 8, reason: 'HTTP 503' },
});
const record = (outcome: AdminNotificationEvent): RecordDeliveryOutcome => ({ type: 'RecordDeliveryOutcome', data: { outcome } });

describe('the deliveries of one trigger', () => {
  describe('with nothing recorded yet', () => {
    it('records a delivery that was sent', () => {
      spec.given([]).when(record(sent('d1', 'soc@example.com'))).then([sent('d1', 'soc@example.com')]);
    });

    it('records a delivery that failed', () => {
      spec.given([]).when(record(failed('d1', 'soc@example.com'))).then([failed('d1', 'soc@example.com')]);
    });
  });

  describe('with one delivery sent', () => {
    const given = [sent('d1', 'soc@example.com')];

    it('records nothing when the same delivery is recorded again after a restart', () => {
      spec.given(given).when(record(sent('d1', 'soc@example.com'))).then([]);
      spec.given(given).when(record(failed('d1', 'soc@example.com'))).then([]);
    });

    it('records another receiver of the same trigger', () => {
      spec.given(given).when(record(failed('d2', 'ciso@example.com'))).then([failed('d2', 'ciso@example.com')]);
    });
  });
});
