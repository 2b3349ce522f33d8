import { DomainError } from '@bulwark/contracts';

/**
 * A query the service refuses: an unknown property, an operator the property does not support, a literal of the
 * wrong type or a malformed one. The edge's error filter turns it into HTTP 400 with Graph's error body.
 */
export class ODataQueryError extends DomainError {
  constructor(message: string) {
    super('badRequest', 'invalid', message);
  }
}
