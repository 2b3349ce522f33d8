import { Controller, Get, Inject, OnModuleInit, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { prepared } from '@bulwark/event-store';
import { ApiError, CLOCK, Clock, ConsumerHost, READ_DB, Roles, ZodPipe, ApiZodResponse } from '@bulwark/platform';
import Database from 'better-sqlite3';
import { z } from 'zod';
import { authMethodOf } from '../queries/sign-ins.controller';
import { reportsProjection } from './reports.projection';
import { blockedUsersReport, lockoutsReport, usageReport } from '../sign-in-logs.responses';

const DAY_MS = 86_400_000;
/** Buckets by the prefix of an ISO instant: 2026-11-21T10 (hour), 2026-11-21 (day), 2026-11 (month). */
const INTERVALS = { hour: { length: 13, maxDays: 31 }, day: { length: 10, maxDays: 400 }, month: { length: 7, maxDays: 3660 } } as const;

const instant = z.iso.datetime({ offset: true, error: 'an ISO 8601 date and time, e.g. 2026-11-01T00:00:00Z' });
const rangeQuery = z.strictObject({
  from: instant.optional(),
  to: instant.optional(),
});
const usageQuery = rangeQuery.extend({ interval: z.enum(['hour', 'day', 'month'], { error: 'interval is hour, day or month' }).default('day') });

type Range = { from: string; to: string };

@ApiTags('reports')
@Controller('v1/reports')
export class ReportsController implements OnModuleInit {
  constructor(@Inject(READ_DB) private readonly db: Database.Database, private readonly consumers: ConsumerHost, @Inject(CLOCK) private readonly clock: Clock) {}

  onModuleInit(): void {
    this.consumers.registerProjection(reportsProjection);
  }

  @Get('usage')
  @Roles('analyst', 'admin')
  @ApiQuery({ name: 'from', required: false, description: 'start (inclusive), ISO 8601; default 30 days before `to`' })
  @ApiQuery({ name: 'to', required: false, description: 'end (exclusive), ISO 8601; default now' })
  @ApiQuery({ name: 'interval', required: false, description: 'hour, day (default) or month' })
  @ApiOperation({ summary: 'Authentications per method and result per interval, users configured for MFA, users by per-user MFA state: the figures of per-authentication and per-user billing' })
  @ApiZodResponse(200, usageReport, 'The usage figures of the period')
  usage(@Query(new ZodPipe(usageQuery, 'query')) query: z.infer<typeof usageQuery>) {
    const interval = INTERVALS[query.interval];
    const range = this.rangeOf(query, interval.maxDays);
    // each challenge once, by its last outcome, in the interval of that outcome (a wrong code then the right one is a
    // success; issue 13 §8); a row with no challenge (a bypass, a registration interrupt, an app password) is one sign-in;
    // a throttling episode asked for no second factor (refused before one was sent, or after the challenge's last answer)
    const rows = prepared<[number, string, string], { bucket: string; method_type: string | null; channel: string | null; result: string; count: number }>(
      this.db,
      `SELECT substr(s.created_at, 1, ?) AS bucket, s.method_type, s.channel, s.result, COUNT(*) AS count
       FROM sign_ins AS s LEFT JOIN sign_in_challenges AS c ON c.challenge_id = s.challenge_id
       WHERE s.created_at >= ? AND s.created_at < ? AND (c.last_position IS NULL OR c.last_position = s.position) AND s.result <> 'throttled'
       GROUP BY bucket, s.method_type, s.channel, s.result ORDER BY bucket, s.method_type, s.channel, s.result`,
    ).all(interval.length, range.from, range.to);

    const buckets = new Map<string, Map<string, Record<string, number>>>();
    const totals = { success: 0, failure: 0, bypassed: 0 } as Record<string, number>;
    for (const row of rows) {
      const method = row.result === 'bypassed' ? 'None (MFA skipped)' : (authMethodOf(row) ?? 'Unknown');
      const byMethod = buckets.get(row.bucket) ?? new Map<string, Record<string, number>>();
      buckets.set(row.bucket, byMethod);
      const counts = byMethod.get(method) ?? { success: 0, failure: 0, bypassed: 0 };
      counts[row.result] = (counts[row.result] ?? 0) + row.count;
      byMethod.set(method, counts);
      totals[row.result] = (totals[row.result] ?? 0) + row.count;
    }
    const configured = prepared<[], { users: number }>(this.db, 'SELECT COUNT(DISTINCT user_id) AS users FROM report_methods').get()!.users;
    const byMethodType = prepared<[], { method_type: string; users: number }>(this.db, 'SELECT method_type, COUNT(DISTINCT user_id) AS users FROM report_methods GROUP BY method_type ORDER BY method_type').all();
    // a user nobody set a per-user state for is "disabled", as in Entra's per-user MFA page
    const states = prepared<[], { state: string; users: number }>(this.db, `
      SELECT coalesce(s.state, 'disabled') AS state, COUNT(*) AS users FROM
        (SELECT user_id FROM report_methods UNION SELECT user_id FROM report_mfa_states) AS known
        LEFT JOIN report_mfa_states AS s ON s.user_id = known.user_id GROUP BY 1`).all();
    const usersByMfaState = { disabled: 0, enabled: 0, enforced: 0, ...Object.fromEntries(states.map((row) => [row.state, row.users])) };
    return {
      from: range.from,
      to: range.to,
      interval: query.interval,
      authentications: [...buckets].map(([bucket, methods]) => ({
        period: bucket,
        methods: [...methods].map(([method, counts]) => ({ method, ...counts, total: counts.success! + counts.failure! + counts.bypassed! })),
      })),
      totals: { ...totals, total: totals.success! + totals.failure! + totals.bypassed! },
      usersConfiguredForMfa: configured,
      usersConfiguredByMethod: Object.fromEntries(byMethodType.map((row) => [row.method_type, row.users])),
      usersByMfaState,
      billing: {
        /** per-authentication billing counts second factors asked for (skipped ones are not) */
        perAuthentication: totals.success! + totals.failure!,
        /** per-user billing counts users who can use MFA: configured, or enabled/enforced per user */
        perUser: prepared<[], { users: number }>(this.db, `
          SELECT COUNT(*) AS users FROM (SELECT user_id FROM report_methods UNION SELECT user_id FROM report_mfa_states WHERE state IN ('enabled', 'enforced'))`).get()!.users,
      },
    };
  }

  @Get('lockouts')
  @Roles('analyst', 'admin')
  @ApiQuery({ name: 'from', required: false })
  @ApiQuery({ name: 'to', required: false })
  @ApiOperation({ summary: 'Lockouts that began in the period: who, when, until when, how it ended (expired, unlocked by whom) and per day' })
  @ApiZodResponse(200, lockoutsReport, 'The lockouts of the period')
  lockouts(@Query(new ZodPipe(rangeQuery, 'query')) query: z.infer<typeof rangeQuery>) {
    const range = this.rangeOf(query, 400);
    const now = this.clock.now().toISOString();
    const rows = prepared<[string, string], { event_id: string; user_id: string; locked_at: string; locked_until: string | null; factor: string | null; denials: number; unlocked_at: string | null; unlocked_by: string | null; unlock_reason: string | null }>(
      this.db,
      'SELECT * FROM report_lockouts WHERE locked_at >= ? AND locked_at < ? ORDER BY locked_at DESC, event_id DESC LIMIT 10000',
    ).all(range.from, range.to);
    const value = rows.map((row) => ({
      id: row.event_id,
      userId: row.user_id,
      lockedDateTime: row.locked_at,
      lockedUntilDateTime: row.locked_until,
      factor: row.factor,
      denials: row.denials,
      status: row.unlocked_at ? 'unlocked' : row.locked_until !== null && row.locked_until <= now ? 'expired' : 'active',
      unlockedDateTime: row.unlocked_at,
      unlockedBy: row.unlocked_by,
      unlockReason: row.unlock_reason,
    }));
    const perDay = new Map<string, number>();
    for (const row of value) perDay.set(row.lockedDateTime.slice(0, 10), (perDay.get(row.lockedDateTime.slice(0, 10)) ?? 0) + 1);
    return {
      from: range.from,
      to: range.to,
      total: value.length,
      distinctUsers: new Set(value.map((row) => row.userId)).size,
      perDay: [...perDay].sort(([a], [b]) => a.localeCompare(b)).map(([day, lockouts]) => ({ day, lockouts })),
      value,
    };
  }

  @Get('blockedUsers')
  @Roles('analyst', 'admin')
  @ApiOperation({ summary: "The MFA blocked-users list now: who, since when, until when, why and by whom (an admin's key or the fraud auto-block)" })
  @ApiZodResponse(200, blockedUsersReport, 'The users blocked now')
  blockedUsers() {
    const now = this.clock.now().toISOString();
    // a block whose time has passed is over even if nothing has been recorded since
    const rows = prepared<[string], { user_id: string; blocked_at: string; blocked_until: string; reason: string; blocked_by: string; correlation_id: string }>(
      this.db,
      'SELECT * FROM report_blocks WHERE blocked_until > ? ORDER BY blocked_at DESC, user_id LIMIT 10000',
    ).all(now);
    return {
      total: rows.length,
      value: rows.map((row) => ({
        userId: row.user_id,
        blockedDateTime: row.blocked_at,
        blockedUntilDateTime: row.blocked_until,
        reason: row.reason,
        blockedBy: row.blocked_by,
        correlationId: row.correlation_id,
      })),
    };
  }

  private rangeOf(query: { from?: string; to?: string }, maxDays: number): Range {
    // without an end, up to and including now
    const to = query.to ? new Date(query.to) : new Date(this.clock.now().getTime() + 1);
    const from = query.from ? new Date(query.from) : new Date(to.getTime() - 30 * DAY_MS);
    if (from.getTime() >= to.getTime()) throw new ApiError(400, 'badRequest', 'from must be before to');
    if (to.getTime() - from.getTime() > maxDays * DAY_MS) throw new ApiError(400, 'badRequest', `the period is at most ${maxDays} days for this interval`);
    return { from: from.toISOString(), to: to.toISOString() };
  }
}
