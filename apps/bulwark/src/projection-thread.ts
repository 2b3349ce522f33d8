import { runProjectionThread } from '@bulwark/event-store';
import { projectionsByService } from './projections';

/** The entry of the embedded server's projection thread: every service's projections, run by name. */
runProjectionThread(Object.values(projectionsByService).flat());
