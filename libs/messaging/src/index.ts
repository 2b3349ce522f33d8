export * from './event-feed';
export * from './kafka-codec';
export * from './kafka-relay';
export * from './kafka-feed';
