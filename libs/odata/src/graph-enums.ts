/**
 * Graph's enums of the identity-protection and audit-log types, member for member from the v1.0 CSDL. Members
 * after `unknownFutureValue` are "evolvable": Graph returns them only to a client that sends
 * `Prefer: include-unknown-enum-members`, and `unknownFutureValue` to the others, so an old client's
 * exhaustive switch never meets a value it cannot know.
 */
export const graphEnums = {
  riskDetail: [
    'none', 'adminGeneratedTemporaryPassword', 'userPerformedSecuredPasswordChange', 'userPerformedSecuredPasswordReset', 'adminConfirmedSigninSafe',
    'aiConfirmedSigninSafe', 'userPassedMFADrivenByRiskBasedPolicy', 'adminDismissedAllRiskForUser', 'adminConfirmedSigninCompromised', 'hidden',
    'adminConfirmedUserCompromised', 'unknownFutureValue', 'm365DAdminDismissedDetection', 'adminConfirmedServicePrincipalCompromised',
    'adminDismissedAllRiskForServicePrincipal', 'userChangedPasswordOnPremises', 'adminDismissedRiskForSignIn', 'adminConfirmedAccountSafe', 'microsoftRevokedSessions',
  ],
  riskLevel: ['low', 'medium', 'high', 'hidden', 'none', 'unknownFutureValue'],
  riskState: ['none', 'confirmedSafe', 'remediated', 'dismissed', 'atRisk', 'confirmedCompromised', 'unknownFutureValue'],
  riskDetectionTimingType: ['notDefined', 'realtime', 'nearRealtime', 'offline', 'unknownFutureValue'],
  activityType: ['signin', 'user', 'unknownFutureValue', 'servicePrincipal'],
  tokenIssuerType: ['AzureAD', 'ADFederationServices', 'UnknownFutureValue', 'AzureADBackupAuth', 'ADFederationServicesMFAAdapter', 'NPSExtension'],
  operationResult: ['success', 'failure', 'timeout', 'unknownFutureValue'],
  conditionalAccessStatus: ['success', 'failure', 'notApplied', 'unknownFutureValue'],
} as const;

export type GraphEnumName = keyof typeof graphEnums;

/** The enum's members, as a filterable property's type. */
export const graphEnum = (name: GraphEnumName) => ({ type: 'enum' as const, name, members: graphEnums[name] as readonly string[] });

function evolvable(name: GraphEnumName): Set<string> {
  const members = graphEnums[name] as readonly string[];
  const sentinel = members.findIndex((member) => member.toLowerCase() === 'unknownfuturevalue');
  return new Set(members.slice(sentinel + 1));
}
const evolvableMembers = Object.fromEntries(Object.keys(graphEnums).map((name) => [name, evolvable(name as GraphEnumName)])) as Record<GraphEnumName, Set<string>>;

/** The value a client sees: an evolvable member only if it asked for them. */
export function enumValue(name: GraphEnumName, value: string | null, includeUnknown: boolean): string | null {
  if (value === null || includeUnknown || !evolvableMembers[name].has(value)) return value;
  return (graphEnums[name] as readonly string[]).find((member) => member.toLowerCase() === 'unknownfuturevalue')!;
}

/** Whether a `Prefer` header (possibly several preferences, comma-separated) asks for evolvable enum members. */
export const includesUnknownEnumMembers = (prefer: string | string[] | undefined) =>
  [prefer ?? []]
    .flat()
    .join(',')
    .split(',')
    .some((preference) => preference.trim().toLowerCase() === 'include-unknown-enum-members');
