/** Stable error codes of the log-forwarder; `docs/errors.md` documents each (a test keeps them in sync). */
export const errorCodes = {
  OUTRIGGER_E_LF_CHECKPOINT_CORRUPT:
    'The checkpoint file is empty or not valid JSON; the previous copy (`.bak`) is used instead, so some lines may be delivered twice.',
  OUTRIGGER_E_LF_CHECKPOINT_WRITE:
    'The checkpoint could not be written to `state_dir`; delivery continues but a restart will repeat lines: check the volume is writable and not full.',
  OUTRIGGER_E_LF_FILE_READ:
    "A tailed file, or a directory its globs search, could not be opened or read (permissions, I/O error); it is retried at every rescan and logged again only if the error changes, and `file readable again` / `directory readable again` is logged once it opens. A permission error names the forwarder's uid and gid: make the files readable to it (group-readable, the pod's `securityContext.fsGroup`).",
  OUTRIGGER_E_LF_FILE_LOST:
    'A file with an unfinished checkpoint was not found again (deleted while the forwarder was stopped); its unread lines cannot be delivered.',
  OUTRIGGER_E_LF_FILE_GIVEN_UP:
    'A rotated or deleted file still unread (a sink down or slow) was closed at `max_open_files`, `rotated_retention_ms` or `rotated_retention_bytes`; the log names the file and the byte range not delivered, `outrigger_log_forwarder_given_up_bytes_total` counts it.',
  OUTRIGGER_E_LF_MAX_OPEN_FILES:
    'A source has `max_open_files` open and none of them is rotated: new files wait for a free slot (found again at the next rescan). Raise the cap or narrow the globs.',
  OUTRIGGER_E_LF_LINE_TRUNCATED:
    'A line was longer than `max_line_bytes`; its head was delivered with `truncated: true` and the rest skipped: raise the limit if whole lines are needed.',
  OUTRIGGER_E_LF_SINK_WRITE:
    'A sink failed to take a batch; the batch is retried and the checkpoint does not move past it until the sink acknowledges it.',
  OUTRIGGER_E_LF_PARSE:
    'A line did not match its parser (bad JSON, no regex match); it is delivered as a raw event with `parse_error` set, never dropped.',
  OUTRIGGER_E_LF_WATCH: 'Watching a directory for changes failed; the periodic rescan still finds new and rotated files, only later.',
  OUTRIGGER_E_LF_SINK_UNAVAILABLE:
    "A remote sink could not be reached, timed out or answered 408/429/5xx; the request is retried with backoff (Retry-After honoured) while the sink's cursor lags: nothing is lost.",
  OUTRIGGER_E_LF_SINK_REJECTED:
    "The remote rejected events for good (a 4xx other than 401/403/408/429, a mapping error); they are written to the sink's dead-letter file with the error and counted, never retried.",
  OUTRIGGER_E_LF_SINK_TLS:
    "TLS with the remote failed (unknown CA, name mismatch, expired certificate); retried until fixed: set `tls.ca_file` or `tls.servername`, or fix the server's certificate.",
  OUTRIGGER_E_LF_SINK_AUTH:
    'The remote refused the credentials (401/403) or the secret file cannot be read; retried with the secret file re-read, so a rotated secret is picked up.',
  OUTRIGGER_E_LF_SINK_RETRIES_EXHAUSTED:
    'A request failed `retry.max_attempts` times; its events were written to the dead-letter file (`retry.on_exhausted: dead_letter`).',
  OUTRIGGER_E_LF_SINK_DROPPED:
    'A request failed `retry.max_attempts` times and its events were dropped, as `retry.on_exhausted: drop` asks; counted in `outrigger_log_forwarder_sink_dropped_events_total`.',
  OUTRIGGER_E_LF_DEAD_LETTER_FULL:
    'The dead-letter file reached `dead_letter.max_bytes`. With `dead_letter.on_full: block` (default) the rejected events wait and nothing more is acknowledged (reading pauses) until the file has room: inspect it, then move or truncate it. With `drop` they are dropped, counted in `outrigger_log_forwarder_sink_dead_letter_overflow_events_total`.',
  OUTRIGGER_E_LF_LABEL_CARDINALITY:
    'A templated Loki label exceeded `max_label_values` distinct values; new values are sent as `__overflow__`: move that field to `structured_metadata`.',
} as const;

export type ErrorCode = keyof typeof errorCodes;
