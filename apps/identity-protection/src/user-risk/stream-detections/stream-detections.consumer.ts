import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { AccountLockedOut, DenialReason, MfaDenied, MfaThrottled, RecordedEvent, RiskDetected } from '@bulwark/contracts';
import { EVENT_STORE, EventStore } from '@bulwark/event-store';
import { ConsumerHost, Reaction, READ_DB } from '@bulwark/platform';
import Database from 'better-sqlite3';
import { DetectionSettings } from '../../risk-settings/risk-detection-settings.decider';
import { detectionIdOf, detectorActor, UserRiskStreams } from '../user-risk.streams';
import { Detector, RiskSignals, SignalRow } from './risk-signals';

/** A push the user denied, or one nobody answered: what a push-bombing (MFA fatigue) attack leaves behind. */
const fatigueReasons: ReadonlySet<DenialReason> = new Set(['userDeclined', 'timeout']);
/** Denials an attacker's attempts produce; a code voided by a newer one or a removed method say nothing about an attack. */
const sprayIgnored: ReadonlySet<DenialReason> = new Set(['superseded', 'methodDisabled']);
/** the most causing event ids a detection names (the newest) */
const MAX_EVENT_IDS = 500;

const iso = (at: string) => new Date(at).toISOString();
const minutesBefore = (at: string, minutes: number) => new Date(Date.parse(at) - minutes * 60_000).toISOString();

/**
 * Detections derived from the event stream, each with its threshold in `risk_settings-detection`:
 * - mfaFatigue: `threshold` push denials, push timeouts or throttled push episodes (the per-user push limit refusing)
 *   for one user within `windowMinutes`;
 * - mfaSpray: MFA denials for `distinctUsers` different users from one client IP within `windowMinutes`, a
 *   detection for each of those users (as Entra's passwordSpray flags every user the spray touched);
 * - repeatedLockouts: `threshold` lockouts of one user within `windowMinutes`.
 * Each names the events that caused it and carries the correlation id of the last one.
 */
@Injectable()
export class StreamDetections implements OnModuleInit {
  private readonly signals: RiskSignals;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_DB) db: Database.Database,
    private readonly consumers: ConsumerHost,
    private readonly risk: UserRiskStreams,
  ) {
    this.signals = new RiskSignals(db);
  }

  onModuleInit(): void {
    this.consumers.register(
      new Reaction('risk-detections-from-mfa-events', ['MfaDenied', 'AccountLockedOut', 'MfaThrottled'], this.store, async (event) => {
        const settings = await this.risk.detectionSettings();
        if (event.type === 'MfaThrottled') {
          await this.fatigue(event as unknown as RecordedEvent<MfaThrottled>, settings);
        } else if (event.type === 'MfaDenied') {
          await this.fatigue(event as unknown as RecordedEvent<MfaDenied>, settings);
          await this.spray(event as unknown as RecordedEvent<MfaDenied>, settings);
        } else {
          await this.lockouts(event as unknown as RecordedEvent<AccountLockedOut>, settings);
        }
      }),
    );
  }

  private async fatigue(event: RecordedEvent<MfaDenied> | RecordedEvent<MfaThrottled>, settings: DetectionSettings): Promise<void> {
    const { mfaFatigue } = settings;
    // a throttled push episode: pushes came faster than the per-user limit lets through, as push bombing sends them
    const reason = event.type === 'MfaThrottled' ? (event.data.limit === 'pushesPerWindow' ? 'pushThrottled' : null) : event.data.reason;
    const { userId, clientIp, challengeId } = event.data;
    if (!mfaFatigue.enabled || reason === null || (reason !== 'pushThrottled' && !fatigueReasons.has(reason))) return;
    const at = iso(event.data.at);
    this.signals.record({ detector: 'mfaFatigue', eventId: event.eventId, userId, clientIp, at, position: event.position, correlationId: event.metadata.correlationId, detail: reason });
    const open = this.signals.openForUser('mfaFatigue', userId, minutesBefore(at, mfaFatigue.windowMinutes), { at, position: event.position });
    if (open.length < mfaFatigue.threshold) return;
    const declined = open.filter((row) => row.detail === 'userDeclined').length;
    const throttled = open.filter((row) => row.detail === 'pushThrottled').length;
    await this.raise('mfaFatigue', event, open, {
      userId,
      riskEventType: 'mfaFatigue',
      riskLevel: mfaFatigue.riskLevel,
      ipAddress: clientIp,
      ...(challengeId ? { requestId: challengeId } : {}),
      detail: `${open.length} push notifications denied, unanswered or throttled within ${mfaFatigue.windowMinutes} minutes (threshold ${mfaFatigue.threshold}): MFA fatigue (push bombing)`,
      additionalInfo: { pushDenied: declined, pushTimedOut: open.length - declined - throttled, pushThrottled: throttled, windowMinutes: mfaFatigue.windowMinutes, settingsVersion: settings.version },
    });
  }

  private async spray(event: RecordedEvent<MfaDenied>, settings: DetectionSettings): Promise<void> {
    const { mfaSpray } = settings;
    const { userId, reason, clientIp } = event.data;
    if (!mfaSpray.enabled || sprayIgnored.has(reason)) return;
    const at = iso(event.data.at);
    this.signals.record({ detector: 'mfaSpray', eventId: event.eventId, userId, clientIp, at, position: event.position, correlationId: event.metadata.correlationId, detail: reason });
    const open = this.signals.openForIp('mfaSpray', clientIp, minutesBefore(at, mfaSpray.windowMinutes), { at, position: event.position });
    const users = [...new Set(open.map((row) => row.user_id))];
    if (users.length < mfaSpray.distinctUsers) return;
    // one detection per affected user, each naming the whole spray; the signals are marked only after all are recorded
    for (const affected of users) {
      await this.raise(
        'mfaSpray',
        event,
        open,
        {
          userId: affected,
          riskEventType: 'mfaSpray',
          riskLevel: mfaSpray.riskLevel,
          ipAddress: clientIp,
          detail: `MFA denials for ${users.length} different users from ${clientIp} within ${mfaSpray.windowMinutes} minutes (threshold ${mfaSpray.distinctUsers}): MFA spray`,
          additionalInfo: { clientIp, distinctUsers: users.length, denials: open.length, windowMinutes: mfaSpray.windowMinutes, settingsVersion: settings.version },
        },
        { mark: false },
      );
    }
    this.signals.reported('mfaSpray', open.map((row) => row.event_id), detectionIdOf('mfaSpray', event.eventId));
  }

  private async lockouts(event: RecordedEvent<AccountLockedOut>, settings: DetectionSettings): Promise<void> {
    const { repeatedLockouts } = settings;
    const { userId } = event.data;
    if (!repeatedLockouts.enabled) return;
    const at = iso(event.data.at);
    this.signals.record({ detector: 'repeatedLockouts', eventId: event.eventId, userId, clientIp: null, at, position: event.position, correlationId: event.metadata.correlationId, detail: null });
    const open = this.signals.openForUser('repeatedLockouts', userId, minutesBefore(at, repeatedLockouts.windowMinutes), { at, position: event.position });
    if (open.length < repeatedLockouts.threshold) return;
    await this.raise('repeatedLockouts', event, open, {
      userId,
      riskEventType: 'repeatedLockouts',
      riskLevel: repeatedLockouts.riskLevel,
      detail: `${open.length} MFA lockouts within ${repeatedLockouts.windowMinutes} minutes (threshold ${repeatedLockouts.threshold})`,
      additionalInfo: { lockouts: open.length, windowMinutes: repeatedLockouts.windowMinutes, settingsVersion: settings.version },
    });
  }

  /**
   * Appends the detection to the user's risk stream, then marks its signals as reported. Its id comes from the
   * triggering event, so if this runs again (a crash between the two steps) the decider ignores the repeat.
   */
  private async raise(
    detector: Detector,
    trigger: RecordedEvent<MfaDenied | AccountLockedOut | MfaThrottled>,
    open: SignalRow[],
    detection: Pick<RiskDetected['data'], 'userId' | 'riskEventType' | 'riskLevel' | 'ipAddress' | 'requestId' | 'detail'> & { additionalInfo: Record<string, string | number> },
    { mark = true }: { mark?: boolean } = {},
  ): Promise<void> {
    const now = new Date(trigger.metadata.occurredAt);
    const correlationId = trigger.metadata.correlationId;
    const perUser = detector === 'mfaSpray' ? [detector, trigger.eventId, detection.userId] : [detector, trigger.eventId];
    const eventIds = open.map((row) => row.event_id).slice(-MAX_EVENT_IDS);
    await this.risk.execute(
      detection.userId,
      {
        type: 'RecordDetection',
        data: {
          ...detection,
          detectionId: detectionIdOf(...perUser),
          detectionTimingType: 'nearRealtime',
          source: 'IdentityProtection',
          activity: 'signin',
          eventIds,
          additionalInfo: { ...detection.additionalInfo, correlationId, firstActivityDateTime: open[0]!.at },
          activityAt: iso(trigger.data.at),
          at: now.toISOString(),
        },
      },
      { correlationId, causationId: trigger.eventId, actor: detectorActor, now },
    );
    if (mark) this.signals.reported(detector, open.map((row) => row.event_id), detectionIdOf(...perUser));
  }
}
