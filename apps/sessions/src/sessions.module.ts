import { Module } from '@nestjs/common';
import { CheckSessionController } from './user-sessions/check-session/check-session.controller';
import { RevokeSessionsController } from './user-sessions/revoke-sessions/revoke-sessions.controller';
import { RevokeSessionsHandler } from './user-sessions/revoke-sessions/revoke-sessions.handler';
import { SessionsService } from './user-sessions/sessions.service';

/** Sessions created by approved MFA, and their revocation. */
@Module({ controllers: [CheckSessionController, RevokeSessionsController], providers: [SessionsService, RevokeSessionsHandler] })
export class SessionsModule {}
