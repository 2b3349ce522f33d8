import { Inject } from '@nestjs/common';
import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { PhoneType } from '@bulwark/contracts';
import { CLOCK, Clock, RequestContext } from '@bulwark/platform';
import { randomUUID } from 'node:crypto';
import { GraphMethod, toGraphMethod } from '../methods/graph-methods';
import { UserMfaStreams } from '../user-mfa.streams';

export class RegisterPhoneCommand extends Command<GraphMethod> {
  constructor(readonly userId: string, readonly phoneNumber: string, readonly phoneType: PhoneType, readonly caller: RequestContext) {
    super();
  }
}

@CommandHandler(RegisterPhoneCommand)
export class RegisterPhoneHandler implements ICommandHandler<RegisterPhoneCommand> {
  constructor(private readonly streams: UserMfaStreams, @Inject(CLOCK) private readonly clock: Clock) {}

  async execute({ userId, phoneNumber, phoneType, caller }: RegisterPhoneCommand): Promise<GraphMethod> {
    const now = this.clock.now();
    const methodId = randomUUID();
    const { state } = await this.streams.execute(userId, { type: 'RegisterPhone', data: { userId, methodId, phoneNumber, phoneType, now: now.toISOString() } }, { ...caller, now });
    return toGraphMethod(state.methods[methodId]!, { maskPhone: false });
  }
}
