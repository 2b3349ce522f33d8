import { Inject, Injectable } from '@nestjs/common';
import { streams } from '@bulwark/contracts';
import { EVENT_STORE, EventStore, loadState } from '@bulwark/event-store';
import { SEALED_BOX, SealedBox } from '@bulwark/platform';
import { createHmac, randomBytes } from 'node:crypto';
import { BlockList, isIP } from 'node:net';
import { ChallengeChannel } from '@bulwark/contracts';
import { ChannelLifetimes, SignInPolicy } from '../user-mfa/challenge-issuing';
import { enabledChannelsOf, lifetimesOf, TenantSettings, tenantSettingsDecider } from './tenant-settings.decider';

/** A CIDR range as written, normalised ("10.0.0.0/8", "2001:db8::/32"); null when it is not one. */
export function parseCidr(text: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } | null {
  const match = /^([^/\s]+)\/(\d{1,3})$/.exec(text.trim());
  if (!match) return null;
  const version = isIP(match[1]!);
  const prefix = Number(match[2]);
  if (!version || prefix > (version === 4 ? 32 : 128) || (version === 4 && prefix < 1) || (version === 6 && prefix < 1)) return null;
  return { address: match[1]!.toLowerCase(), prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

/**
 * The tenant settings as one sign-in sees them: read from their stream (never a projection), trusted ranges
 * matched with Node's BlockList, remembered-device tokens compared as HMACs.
 */
@Injectable()
export class SignInPolicies {
  private readonly deviceKey: Buffer;
  private cached: { version: number; ranges: BlockList } | null = null;

  constructor(@Inject(EVENT_STORE) private readonly store: EventStore, @Inject(SEALED_BOX) box: SealedBox) {
    this.deviceKey = box.derive('bulwark/remembered-devices/v1');
  }

  async settings(): Promise<TenantSettings> {
    return (await loadState(this.store, streams.tenantSettings, tenantSettingsDecider)).state;
  }

  async forSignIn(clientIp: string, deviceToken: string | null, sessionId: string, blockedUntil: string | null): Promise<SignInPolicy> {
    const settings = await this.settings();
    return {
      blockedUntil,
      settingsVersion: settings.version,
      enabledChannels: enabledChannelsOf(settings),
      trustedIp: this.rangesOf(settings).check(clientIp, isIP(clientIp) === 6 ? 'ipv6' : 'ipv4'),
      deviceTokenHash: deviceToken ? this.hashDeviceToken(deviceToken) : null,
      sessionId,
    };
  }

  async lifetimes(): Promise<ChannelLifetimes> {
    return lifetimesOf(await this.settings());
  }

  async enabledChannels(): Promise<ChallengeChannel[]> {
    return enabledChannelsOf(await this.settings());
  }

  /** A new remembered-device token, shown once to the client, kept as an HMAC; null when remembering is off. */
  async rememberDevice(now: Date): Promise<{ token: string; tokenHash: string; expiresAt: string } | null> {
    const { rememberDeviceDays } = await this.settings();
    if (!rememberDeviceDays) return null;
    const token = randomBytes(32).toString('base64url');
    return { token, tokenHash: this.hashDeviceToken(token), expiresAt: new Date(now.getTime() + rememberDeviceDays * 86_400_000).toISOString() };
  }

  private hashDeviceToken(token: string): string {
    return createHmac('sha256', this.deviceKey).update(token).digest('hex');
  }

  private rangesOf(settings: TenantSettings): BlockList {
    if (this.cached?.version === settings.version) return this.cached.ranges;
    const ranges = new BlockList();
    for (const text of settings.trustedIpRanges) {
      const range = parseCidr(text);
      if (range) ranges.addSubnet(range.address, range.prefix, range.family);
    }
    this.cached = { version: settings.version, ranges };
    return ranges;
  }
}
