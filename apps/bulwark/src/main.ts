import 'reflect-metadata';
import { loadConfig, startHttp } from '@bulwark/platform';
import { BulwarkModule } from './bulwark.module';

const config = loadConfig(process.env, 'bulwark');

void startHttp(BulwarkModule.forRoot(config), config, 'Bulwark (embedded)');
