import { Inject } from '@nestjs/common';
import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { CLOCK, Clock, RequestContext } from '@bulwark/platform';
import { matchTotp } from '../totp';
import { UserMfaStreams } from '../user-mfa.streams';

export type ActivatedAuthenticatorApp = { id: string; status: 'active'; methodType: 'softwareOath' };

export class ActivateAuthenticatorAppCommand extends Command<ActivatedAuthenticatorApp> {
  constructor(readonly userId: string, readonly methodId: string, readonly code: string, readonly caller: RequestContext) {
    super();
  }
}

@CommandHandler(ActivateAuthenticatorAppCommand)
export class ActivateAuthenticatorAppHandler implements ICommandHandler<ActivateAuthenticatorAppCommand> {
  constructor(private readonly streams: UserMfaStreams, @Inject(CLOCK) private readonly clock: Clock) {}

  async execute({ userId, methodId, code, caller }: ActivateAuthenticatorAppCommand): Promise<ActivatedAuthenticatorApp> {
    const now = this.clock.now();
    await this.streams.execute(
      userId,
      (state) => {
        const method = state.methods[methodId];
        const codeMatched = method?.kind === 'softwareOath' ? matchTotp(code, this.streams.openSecret(userId, methodId, method.secret), method, now) : null;
        return { type: 'ActivateAuthenticatorApp', data: { userId, methodId, codeMatched, now: now.toISOString() } };
      },
      { ...caller, now },
    );
    return { id: methodId, status: 'active', methodType: 'softwareOath' };
  }
}
