import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { loadConfig, PlatformModule, startHttp } from '@bulwark/platform';
import { SignInLogsModule } from './sign-in-logs.module';

const config = loadConfig(process.env, 'sign-in-logs');

@Module({ imports: [PlatformModule.forRoot({ config }), SignInLogsModule] })
class SignInLogsServiceModule {}

void startHttp(SignInLogsServiceModule, config, 'Bulwark sign-in-logs');
