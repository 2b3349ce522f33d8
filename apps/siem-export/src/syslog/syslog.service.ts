import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { EVENT_STORE, EventStore, reportFailure, StoreSubscription, SubscriptionState } from '@bulwark/event-store';
import { exportOptionsFor, SIEM_SETTINGS, SiemSettings } from '../siem-settings';
import { SyslogExporter } from './syslog-exporter';

/** Runs the CEF-over-syslog export when BULWARK_SIEM_SYSLOG names a collector. */
@Injectable()
export class SyslogService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private exporter: SyslogExporter | null = null;
  private subscription: StoreSubscription | null = null;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(SIEM_SETTINGS) private readonly settings: SiemSettings,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.settings.syslog) return;
    const exporter = new SyslogExporter(this.store, this.settings.syslog, exportOptionsFor(this.settings, 'cef'));
    this.exporter = exporter;
    this.subscription = new StoreSubscription(this.store, exporter, {
      batchSize: 500,
      // a stop interrupts a batch waiting for the collector: that is not a failure
      onFailure: (error) => (this.exporter === null ? undefined : reportFailure(exporter.name)(error)),
    }).start();
  }

  status(): (SubscriptionState & { collector: string }) | { status: 'notConfigured' } {
    if (!this.subscription || !this.settings.syslog) return { status: 'notConfigured' };
    return { ...this.subscription.status(), collector: `${this.settings.syslog.host}:${this.settings.syslog.port}` };
  }

  async beforeApplicationShutdown(): Promise<void> {
    const exporter = this.exporter;
    this.exporter = null;
    exporter?.stop();
    await this.subscription?.stop();
  }
}
