import { Body, Controller, Get, HttpCode, Inject, Put } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { riskDetectionSettings, riskPolicySettings, streams } from '@bulwark/contracts';
import { EVENT_STORE, EventStore, handleCommand, loadState } from '@bulwark/event-store';
import { ApiZodBody, Caller, CLOCK, Clock, RequestContext, Roles, zodBody, ApiZodResponse } from '@bulwark/platform';
import { z } from 'zod';
import { DetectionSettings, riskDetectionSettingsDecider } from './risk-detection-settings.decider';
import { RiskPolicy, riskPolicySettingsDecider } from './risk-policy-settings.decider';
import { detectionSettings, riskPolicy } from '../identity-protection.responses';

@ApiTags('settings')
@Controller('v1/settings')
export class RiskSettingsController {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore, @Inject(CLOCK) private readonly clock: Clock) {}

  @Get('riskDetection')
  @Roles('admin')
  @ApiOperation({ summary: 'Thresholds of the detections derived from the event stream: mfaFatigue, mfaSpray, repeatedLockouts' })
  @ApiZodResponse(200, detectionSettings, 'The detection thresholds')
  async detectionSettings(): Promise<DetectionSettings> {
    return (await loadState(this.store, streams.riskDetectionSettings, riskDetectionSettingsDecider)).state;
  }

  @Put('riskDetection')
  @HttpCode(200)
  @Roles('admin')
  @ApiZodBody(riskDetectionSettings, {
    mfaFatigue: { enabled: true, threshold: 5, windowMinutes: 10, riskLevel: 'high' },
    mfaSpray: { enabled: true, distinctUsers: 5, windowMinutes: 10, riskLevel: 'medium' },
    repeatedLockouts: { enabled: true, threshold: 3, windowMinutes: 60, riskLevel: 'medium' },
  })
  @ApiOperation({ summary: 'Set each detection: enabled, threshold (or distinctUsers for mfaSpray), windowMinutes and the riskLevel it raises' })
  @ApiZodResponse(200, detectionSettings, 'The new thresholds and their version')
  async changeDetectionSettings(@Body(zodBody(riskDetectionSettings)) request: z.infer<typeof riskDetectionSettings>, @Caller() caller: RequestContext): Promise<DetectionSettings> {
    const now = this.clock.now();
    const command = { type: 'ChangeRiskDetectionSettings' as const, data: { ...request, now: now.toISOString() } };
    return (await handleCommand(this.store, streams.riskDetectionSettings, riskDetectionSettingsDecider, command, { ...caller, now })).state;
  }

  @Get('riskPolicy')
  @Roles('admin')
  @ApiOperation({ summary: 'The user risk policy: mode (enabled, reportOnly, disabled) and the actions for medium and high risk' })
  @ApiZodResponse(200, riskPolicy, 'The user risk policy')
  async riskPolicy(): Promise<RiskPolicy> {
    return (await loadState(this.store, streams.riskPolicySettings, riskPolicySettingsDecider)).state;
  }

  @Put('riskPolicy')
  @HttpCode(200)
  @Roles('admin')
  @ApiZodBody(riskPolicySettings, { mode: 'enabled', medium: [], high: ['block', 'revokeSessions'] })
  @ApiOperation({ summary: 'Set the user risk policy: { mode, medium: actions[], high: actions[] } with actions block, revokeSessions, requireReregistration' })
  @ApiZodResponse(200, riskPolicy, 'The new policy and its version')
  async changeRiskPolicy(@Body(zodBody(riskPolicySettings)) request: z.infer<typeof riskPolicySettings>, @Caller() caller: RequestContext): Promise<RiskPolicy> {
    const now = this.clock.now();
    const command = { type: 'ChangeRiskPolicy' as const, data: { ...request, now: now.toISOString() } };
    return (await handleCommand(this.store, streams.riskPolicySettings, riskPolicySettingsDecider, command, { ...caller, now })).state;
  }
}
