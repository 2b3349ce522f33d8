/** The three outward formats of the SIEM export. */
export const EXPORT_FORMATS = ['ocsf', 'ecs', 'cef'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** A re-export of past events after a SIEM outage: every record of it says so, in a field and a Kafka header. */
export type ReplayMark = { jobId: string; requestedAt: string };

/** What the mappers need besides the event itself. Everything here is configuration: the mappers read no clock. */
export type ExportOptions = {
  product: { vendor: string; name: string; version: string };
  /** the OCSF release consumers validate against (metadata.version) */
  ocsfVersion: string;
  /** OCSF metadata.tenant_uid, ECS organization.id, CEF cs1 */
  tenantId: string | null;
  /**
   * Whether user names, display names and email addresses go out in this format. Off: they are left out, and an
   * email-shaped user id (or any email address in the event) is replaced by a keyed pseudonym, stable per user.
   */
  userNames: boolean;
  /** HMAC key of those pseudonyms: without it a hash of an address could be reversed by guessing */
  pseudonymKey: string;
  /** CEF dvchost, ECS observer.hostname: the emitting node (left out when null) */
  hostname: string | null;
  replay: ReplayMark | null;
};

export const defaultExportOptions: ExportOptions = {
  product: { vendor: 'Bulwark', name: 'Bulwark', version: '0.1.0' },
  // 3001 Account Change is deprecated from 1.9.0 on; consumers (Splunk's OCSF-CIM add-on) still read it on 1.8
  ocsfVersion: '1.8.0',
  tenantId: null,
  userNames: true,
  pseudonymKey: 'bulwark-siem-pseudonyms',
  hostname: null,
  replay: null,
};
