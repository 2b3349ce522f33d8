export * from './manual-clock';
export * from './decider-specification';
export * from './audio-fixtures';
export * from './committed-events';
