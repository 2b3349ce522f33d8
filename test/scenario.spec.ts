import { Embedded, startEmbedded } from './support/embedded';
import { runScenario } from './support/scenario';

describe('the spine scenario on the embedded default (SQLite, in-process delivery)', () => {
  let bulwark: Embedded;

  beforeAll(async () => {
    bulwark = await startEmbedded();
  });

  afterAll(async () => {
    await bulwark.close();
  });

  it('enrols, locks out, unlocks by time, takes a fraud report, revokes sessions and logs every attempt', async () => {
    await runScenario(bulwark);
  });
});
