export * from './event-feed';
export * from './kafka-codec';
export * from './kafka-relay';
export * from './kafka-feed';
export * from './kafka-encoding';
export * from './partitioner';
