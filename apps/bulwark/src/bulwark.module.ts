import { DynamicModule, Module } from '@nestjs/common';
import { BulwarkConfig, Clock, PlatformModule, ProjectionThreadEntry } from '@bulwark/platform';
import { threadEntry } from '@bulwark/event-store';
import { IdentityProtectionModule } from '../../identity-protection/src/identity-protection.module';
import { MfaModule } from '../../mfa/src/mfa.module';
import { SessionsModule } from '../../sessions/src/sessions.module';
import { SignInLogsModule } from '../../sign-in-logs/src/sign-in-logs.module';
import { SiemExportModule } from '../../siem-export/src/siem-export.module';

/**
 * The embedded default: every service in one process on one port, on one event store, with events delivered
 * in-process. This composition root is the only place that imports more than one service.
 */
@Module({})
export class BulwarkModule {
  static forRoot(config: BulwarkConfig, clock?: Clock): DynamicModule {
    return {
      module: BulwarkModule,
      imports: [PlatformModule.forRoot({ config, clock, projectionThread: projectionThreadEntry() }), MfaModule, IdentityProtectionModule, SignInLogsModule, SessionsModule, SiemExportModule],
    };
  }
}

/** The projection thread runs this directory's `projection-thread` file, compiled (npm start) or TypeScript (tests). */
const projectionThreadEntry = (): ProjectionThreadEntry => threadEntry(__dirname, 'projection-thread');
