import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { loadConfig, PlatformModule, startHttp } from '@bulwark/platform';
import { MfaModule } from './mfa.module';

const config = loadConfig(process.env, 'mfa');

@Module({ imports: [PlatformModule.forRoot({ config }), MfaModule] })
class MfaServiceModule {}

void startHttp(MfaServiceModule, config, 'Bulwark mfa');
