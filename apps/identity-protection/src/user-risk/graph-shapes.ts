import { HistoryRow } from '../projections/risk.projection';

export const GRAPH = 'https://graph.microsoft.com/v1.0/$metadata';

/**
 * riskDetail is an evolvable enum: members after `unknownFutureValue` are returned only to a client that sends
 * `Prefer: include-unknown-enum-members`, and as `unknownFutureValue` otherwise (Graph's riskDetail documentation).
 */
const evolvedRiskDetails = new Set([
  'm365DAdminDismissedDetection',
  'adminConfirmedServicePrincipalCompromised',
  'adminDismissedAllRiskForServicePrincipal',
  'userChangedPasswordOnPremises',
  'adminDismissedRiskForSignIn',
  'adminConfirmedAccountSafe',
  'microsoftRevokedSessions',
]);

export const includesUnknownEnumMembers = (prefer: string | undefined) =>
  (prefer ?? '').split(',').some((preference) => preference.trim().toLowerCase() === 'include-unknown-enum-members');

export const graphRiskDetail = (detail: string, includeUnknown: boolean) => (!includeUnknown && evolvedRiskDetails.has(detail) ? 'unknownFutureValue' : detail);

export type RiskyUserView = { userId: string; riskLevel: string; riskState: string; riskDetail: string; riskLastUpdatedDateTime: string | null };

/** Graph's riskyUser; we know no display name, and the user id is the principal name. */
export function riskyUser(view: RiskyUserView, includeUnknown: boolean) {
  return {
    id: view.userId,
    isDeleted: false,
    isProcessing: false,
    riskLastUpdatedDateTime: view.riskLastUpdatedDateTime,
    riskLevel: view.riskLevel,
    riskState: view.riskState,
    riskDetail: graphRiskDetail(view.riskDetail, includeUnknown),
    userDisplayName: null,
    userPrincipalName: view.userId,
  };
}

/** Graph's riskyUserHistoryItem, with the event behind it as instance annotations (which Graph clients ignore). */
export function riskyUserHistoryItem(row: HistoryRow, includeUnknown: boolean) {
  const detail = graphRiskDetail(row.risk_detail, includeUnknown);
  return {
    ...riskyUser(
      { userId: row.user_id, riskLevel: row.risk_level, riskState: row.risk_state, riskDetail: row.risk_detail, riskLastUpdatedDateTime: row.risk_last_updated_at },
      includeUnknown,
    ),
    id: row.event_id,
    userId: row.user_id,
    initiatedBy: row.initiated_by,
    activity: { detail, riskEventTypes: JSON.parse(row.risk_event_types) as string[] },
    '@bulwark.eventType': row.event_type,
    '@bulwark.occurredDateTime': row.at,
    '@bulwark.note': row.note,
  };
}
