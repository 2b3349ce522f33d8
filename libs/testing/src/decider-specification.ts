import { DomainError, DomainEvent } from '@bulwark/contracts';

type Decider<Command, Event extends DomainEvent, State> = {
  decide: (command: Command, state: State) => Event[];
  evolve: (state: State, event: Event) => State;
  initialState: () => State;
};

/**
 * Given these events, when this command, then these events (or this error): a decider test reads as a sentence.
 *
 *   spec.given([denied1, denied2]).when(verify).then([denied3, lockedOut])
 */
export function deciderSpecification<Command, Event extends DomainEvent, State>(decider: Decider<Command, Event, State>) {
  return {
    given(events: Event[]) {
      const state = events.reduce(decider.evolve, decider.initialState());
      return {
        state,
        when(command: Command) {
          const run = () => decider.decide(command, state);
          return {
            then(expected: Event[]) {
              expect(run()).toEqual(expected);
            },
            thenThrows(code: string) {
              let thrown: unknown;
              try {
                run();
              } catch (error) {
                thrown = error;
              }
              expect(thrown).toBeInstanceOf(DomainError);
              expect((thrown as DomainError).code).toBe(code);
            },
            events: run,
          };
        },
      };
    },
  };
}
