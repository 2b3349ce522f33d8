export const BULWARK_CONFIG = Symbol('BULWARK_CONFIG');
export const KAFKA = Symbol('KAFKA');
export const SEALED_BOX = Symbol('SEALED_BOX');
