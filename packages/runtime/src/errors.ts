/** Stable error codes of the runtime; `docs/errors.md` documents each (a test keeps them in sync). */
export const errorCodes = {
  OUTRIGGER_E_USAGE: 'The command line is wrong (unknown command or option, missing `-c FILE`). Exit code 64.',
  OUTRIGGER_E_CONFIG_READ:
    'The config file cannot be read, is not text (binary data), is not valid YAML/JSON (each mistake named by file:line:col), or its top level is not a mapping. Exit code 78.',
  OUTRIGGER_E_CONFIG:
    'The config is invalid; every problem is listed with its dotted path, including files it names that cannot be read. Exit code 78.',
  OUTRIGGER_E_START: 'The sidecar failed to start (a port in use, a file missing). Exit code 1.',
  OUTRIGGER_E_DRAIN_TIMEOUT:
    'The drain deadline (`shutdown.drain_timeout_ms`) passed with work still in flight; that work was abandoned. Exit code 1.',
  OUTRIGGER_E_RELOAD:
    'A reload (SIGHUP) was refused because the new config is invalid or the sidecar rejected it; the old config stays in force.',
  OUTRIGGER_E_UNCAUGHT: 'An unexpected error escaped; it is logged with its stack and the process exits with code 70 rather than limp on.',
  OUTRIGGER_E_LOG_DROPPED:
    'stdout did not take log lines (nobody reading it) beyond the buffer bound; they were dropped so the app keeps working, and counted in `outrigger_<sidecar>_log_dropped_lines_total`.',
  OUTRIGGER_E_TLS_FILES:
    'A TLS `ca_file`, `cert_file` or `key_file` cannot be read or parsed, or the certificate and key do not match: the last good files stay in use (without any, connections that need them fail): check the mounted files.',
} as const;

export type ErrorCode = keyof typeof errorCodes;

/** An error with a stable `code` (any package's code, not only the runtime's). */
export class OutriggerError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OutriggerError';
    this.code = code;
  }
}

/** Exit codes, from sysexits(3) where one fits. */
export const exitCodes = {
  ok: 0,
  failure: 1,
  usage: 64,
  software: 70,
  config: 78,
} as const;
