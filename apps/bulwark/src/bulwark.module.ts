import { DynamicModule, Module } from '@nestjs/common';
import { BulwarkConfig, Clock, PlatformModule } from '@bulwark/platform';
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
      imports: [PlatformModule.forRoot({ config, clock }), MfaModule, IdentityProtectionModule, SignInLogsModule, SessionsModule, SiemExportModule],
    };
  }
}
