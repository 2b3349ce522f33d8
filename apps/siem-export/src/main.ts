import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { loadConfig, PlatformModule, startHttp } from '@bulwark/platform';
import { SiemExportModule } from './siem-export.module';

const config = loadConfig(process.env, 'siem-export');

@Module({ imports: [PlatformModule.forRoot({ config }), SiemExportModule] })
class SiemExportServiceModule {}

void startHttp(SiemExportServiceModule, config, 'Bulwark siem-export');
