/** What one attempt to reach one receiver came to. Reasons name a status or a kind of failure, never a body. */
export type AttemptOutcome =
  | { ok: true; transport: 'smtp' | 'developmentFile' | 'webhook' }
  | { ok: false; retryable: boolean; reason: string; retryAfterMs?: number | null };

/** Ends an attempt: the per-attempt timeout, or the service shutting down. */
export type AttemptSignal = AbortSignal;

/** The kind of network failure only: an error's cause can hold socket details, never worth carrying further. */
export function networkFailure(error: unknown, timeoutMs: number): string {
  const name = (error as { name?: unknown } | null)?.name;
  if (name === 'TimeoutError') return `no response within ${timeoutMs} ms`;
  if (name === 'AbortError') return 'aborted';
  const code = (error as { code?: unknown; cause?: { code?: unknown } } | null)?.cause?.code ?? (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[A-Z_]{2,40}$/.test(code) ? `network error ${code}` : 'network error';
}
