import { AdminNotificationEvent } from '@bulwark/contracts';

/**
 * The deliveries one event triggered (stream `admin_notifications-<trigger event id>`): what reached each receiver,
 * or why it did not. The dispatcher records an outcome after marking its outbox row; if it stops in between it
 * records again on restart, and this stream says once.
 */
export type AdminNotificationsState = { outcomes: Record<string, 'sent' | 'failed'> };

export type RecordDeliveryOutcome = { type: 'RecordDeliveryOutcome'; data: { outcome: AdminNotificationEvent } };

export const initialState = (): AdminNotificationsState => ({ outcomes: {} });

export function decide(command: RecordDeliveryOutcome, state: AdminNotificationsState): AdminNotificationEvent[] {
  const { outcome } = command.data;
  if (state.outcomes[outcome.data.deliveryId]) return [];
  return [outcome];
}

export function evolve(state: AdminNotificationsState, event: AdminNotificationEvent): AdminNotificationsState {
  const outcome = event.type === 'AdminNotificationSent' ? 'sent' : 'failed';
  return { outcomes: { ...state.outcomes, [event.data.deliveryId]: outcome } };
}

export const adminNotificationsDecider = { decide, evolve, initialState };
