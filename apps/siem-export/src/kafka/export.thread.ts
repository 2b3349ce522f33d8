import { runExportThread } from './export-thread';

// The entry file of a SIEM exporter's worker thread (see export-thread.ts). A thread that cannot start (no broker,
// no store) ends with the error, which its ConsumerThread on the main side reports as failed.
void runExportThread();
