import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { loadConfig, PlatformModule, startHttp } from '@bulwark/platform';
import { SessionsModule } from './sessions.module';

const config = loadConfig(process.env, 'sessions');

@Module({ imports: [PlatformModule.forRoot({ config }), SessionsModule] })
class SessionsServiceModule {}

void startHttp(SessionsServiceModule, config, 'Bulwark sessions');
