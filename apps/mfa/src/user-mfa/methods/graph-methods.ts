import { Method } from '../methods.model';

export type GraphMethod = Record<string, unknown> & { '@odata.type': string; id: string };

/** Graph spells phone numbers "+<country> <number>"; analysts see only the last digits. */
export function graphPhoneNumber(e164: string, mask: boolean): string {
  if (mask) return `${'*'.repeat(Math.max(0, e164.length - 4))}${e164.slice(-4)}`;
  const match = /^\+(1|7|\d{2,3}?)(\d{6,12})$/.exec(e164);
  return match ? `+${match[1]} ${match[2]}` : e164;
}

/** A method in Graph's authenticationMethod shapes; secretKey always reads null, as Graph's does. */
export function toGraphMethod(method: Method, { maskPhone }: { maskPhone: boolean }): GraphMethod {
  if (method.kind === 'phone') {
    return {
      '@odata.type': '#microsoft.graph.phoneAuthenticationMethod',
      id: method.methodId,
      createdDateTime: method.createdAt,
      phoneNumber: graphPhoneNumber(method.phoneNumber, maskPhone),
      phoneType: method.phoneType,
      smsSignInState: 'notSupported',
    };
  }
  if (method.kind === 'hardwareOath') {
    // Graph beta's hardwareOathAuthenticationMethod, with the device it is
    return {
      '@odata.type': '#microsoft.graph.hardwareOathAuthenticationMethod',
      id: method.methodId,
      createdDateTime: method.createdAt,
      status: method.status === 'active' ? 'activated' : method.status === 'pending' ? 'assigned' : 'failedActivation',
      device: { id: method.methodId, serialNumber: method.serialNumber, manufacturer: method.manufacturer, model: method.model, secretKey: null },
    };
  }
  return {
    '@odata.type': '#microsoft.graph.softwareOathAuthenticationMethod',
    id: method.methodId,
    createdDateTime: method.createdAt,
    displayName: method.displayName,
    secretKey: null,
  };
}
