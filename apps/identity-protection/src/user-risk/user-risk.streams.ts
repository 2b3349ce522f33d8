import { Inject, Injectable } from '@nestjs/common';
import { streams, UserRiskEvent } from '@bulwark/contracts';
import { CommandContext, EVENT_STORE, EventStore, handleCommand, HandledCommand, loadState } from '@bulwark/event-store';
import { createHash } from 'node:crypto';
import { DetectionSettings, riskDetectionSettingsDecider } from '../risk-settings/risk-detection-settings.decider';
import { RiskPolicy, riskPolicySettingsDecider } from '../risk-settings/risk-policy-settings.decider';
import { UserRiskCommand, userRiskDecider, UserRiskState } from './user-risk.decider';

/** The actor of what identity-protection does on its own: detections, and the risk policy. */
export const detectorActor = { type: 'system', id: 'identity-protection' } as const;
export const riskPolicyActor = { type: 'system', id: 'identity-protection:riskPolicy' } as const;

/**
 * A detection's id, derived from what caused it (a detector's name and the triggering event's id), formatted as a
 * UUID: a reaction that runs twice derives the same id, and the decider records it once.
 */
export function detectionIdOf(...parts: string[]): string {
  const hex = createHash('sha256').update(parts.join('\u0000')).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** The store work of user risk: users' risk streams and the settings they are judged by, read as committed. */
@Injectable()
export class UserRiskStreams {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  execute(userId: string, command: UserRiskCommand, context: CommandContext): Promise<HandledCommand<UserRiskEvent, UserRiskState>> {
    return handleCommand(this.store, streams.userRisk(userId), userRiskDecider, command, context);
  }

  async state(userId: string): Promise<UserRiskState> {
    return (await loadState(this.store, streams.userRisk(userId), userRiskDecider)).state;
  }

  /** The user's risk at an instant: the fold of the events committed up to it (null: no risk had been recorded). */
  async stateAt(userId: string, asOf: Date): Promise<UserRiskState | null> {
    const events = (await this.store.readStream(streams.userRisk(userId))).filter((event) => Date.parse(event.metadata.occurredAt) <= asOf.getTime());
    if (!events.length) return null;
    return (events as unknown as UserRiskEvent[]).reduce(userRiskDecider.evolve, userRiskDecider.initialState());
  }

  async policy(): Promise<RiskPolicy> {
    return (await loadState(this.store, streams.riskPolicySettings, riskPolicySettingsDecider)).state;
  }

  async detectionSettings(): Promise<DetectionSettings> {
    return (await loadState(this.store, streams.riskDetectionSettings, riskDetectionSettingsDecider)).state;
  }
}
