export * from './manual-clock';
export * from './decider-specification';
