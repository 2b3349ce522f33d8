import { Inject } from '@nestjs/common';
import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { CLOCK, Clock, RequestContext } from '@bulwark/platform';
import { randomUUID } from 'node:crypto';
import { newTotpSecret, otpauthUri, qrCodesOf, TotpParameters } from '../totp';
import { UserMfaStreams } from '../user-mfa.streams';

export type RegisteredAuthenticatorApp = TotpParameters & {
  id: string;
  status: 'pending';
  secret: string;
  otpauthUri: string;
  qrCode: { pngDataUrl: string; svg: string };
  pushEnabled: boolean;
};

export class RegisterAuthenticatorAppCommand extends Command<RegisteredAuthenticatorApp> {
  constructor(readonly userId: string, readonly request: TotpParameters & { displayName?: string; pushEnabled: boolean }, readonly caller: RequestContext) {
    super();
  }
}

@CommandHandler(RegisterAuthenticatorAppCommand)
export class RegisterAuthenticatorAppHandler implements ICommandHandler<RegisterAuthenticatorAppCommand> {
  constructor(private readonly streams: UserMfaStreams, @Inject(CLOCK) private readonly clock: Clock) {}

  async execute({ userId, request, caller }: RegisterAuthenticatorAppCommand): Promise<RegisteredAuthenticatorApp> {
    const now = this.clock.now();
    const methodId = randomUUID();
    const secret = newTotpSecret();
    const { algorithm, digits, period } = request;
    await this.streams.execute(
      userId,
      {
        type: 'AddAuthenticatorApp',
        data: {
          userId,
          methodId,
          secret: this.streams.sealSecret(userId, methodId, secret),
          algorithm,
          digits,
          period,
          displayName: request.displayName ?? null,
          pushEnabled: request.pushEnabled,
          now: now.toISOString(),
        },
      },
      { ...caller, now },
    );
    // the only time the secret leaves the service in clear: to the user setting up the app
    const uri = otpauthUri(secret, userId, request);
    return { id: methodId, status: 'pending', secret, otpauthUri: uri, qrCode: await qrCodesOf(uri), algorithm, digits, period, pushEnabled: request.pushEnabled };
  }
}
