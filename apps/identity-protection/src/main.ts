import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { loadConfig, PlatformModule, startHttp } from '@bulwark/platform';
import { IdentityProtectionModule } from './identity-protection.module';

const config = loadConfig(process.env, 'identity-protection');

@Module({ imports: [PlatformModule.forRoot({ config }), IdentityProtectionModule] })
class IdentityProtectionServiceModule {}

void startHttp(IdentityProtectionServiceModule, config, 'Bulwark identity-protection');
