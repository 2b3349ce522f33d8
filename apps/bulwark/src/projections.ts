import { Projection } from '@bulwark/event-store';
import { lockoutsProjection } from '../../identity-protection/src/projections/lockouts.projection';
import { riskProjection } from '../../identity-protection/src/projections/risk.projection';
import { challengeRoutesProjection } from '../../mfa/src/projections/challenge-routes.projection';
import { openChallengesProjection } from '../../mfa/src/projections/open-challenges.projection';
import { tokenInventoryProjection } from '../../mfa/src/projections/token-inventory.projection';
import { sessionsProjection } from '../../sessions/src/projections/sessions.projection';
import { directoryAuditsProjection } from '../../sign-in-logs/src/projections/directory-audits.projection';
import { signInsProjection } from '../../sign-in-logs/src/projections/sign-ins.projection';
import { reportsProjection } from '../../sign-in-logs/src/reports/reports.projection';

/** Every projection of every service, by the service that owns it (for the rebuild command). */
export const projectionsByService: Record<string, Projection[]> = {
  mfa: [challengeRoutesProjection, openChallengesProjection, tokenInventoryProjection],
  'identity-protection': [riskProjection, lockoutsProjection],
  'sign-in-logs': [signInsProjection, directoryAuditsProjection, reportsProjection],
  sessions: [sessionsProjection],
  'siem-export': [],
};
