import { Inject, Injectable } from '@nestjs/common';
import { FraudAlertSettings, fraudAlertSettingsFold, streams } from '@bulwark/contracts';
import { EVENT_STORE, EventStore, loadState } from '@bulwark/event-store';

/** The tenant's fraud alert settings, folded from their stream as committed (identity-protection writes them). */
@Injectable()
export class FraudAlertPolicy {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async settings(): Promise<FraudAlertSettings> {
    return (await loadState(this.store, streams.fraudAlertSettings, fraudAlertSettingsFold)).state;
  }
}
