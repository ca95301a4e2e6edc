/**
 * Stack-trace presets as small state machines: a line matching a rule of `start` opens a
 * multi-line event; while open, a line matching a rule of the current state is appended and moves
 * to that rule's `next` state; any other line closes the event (and is looked at afresh). A
 * `tentative` rule's line waits for the line after it to decide (python's blank line after the
 * exception line is part of the event only when a chained traceback follows).
 */
export interface MultilineRule {
  state: string;
  pattern: RegExp;
  next: string;
  /** The line joins only if the line after it matches a rule of `next`; else it starts afresh. */
  tentative?: true;
}

export const START = 'start';

const java: MultilineRule[] = [
  { state: START, pattern: /(?:Exception|Error|Throwable)(?::|$)/, next: 'java' },
  { state: 'java', pattern: /^[\t ]+(?:eval )?at /, next: 'java' },
  { state: 'java', pattern: /^[\t ]*(?:Caused by|Suppressed):/, next: 'java' },
  { state: 'java', pattern: /^[\t ]*\.\.\. \d+ (?:more|common frames omitted)/, next: 'java' },
  { state: 'java', pattern: /^[\t ]*nested exception is:/, next: 'java' },
];

const python: MultilineRule[] = [
  { state: START, pattern: /^Traceback \(most recent call last\):$/, next: 'py_frames' },
  { state: 'py_frames', pattern: /^[\t ]+File /, next: 'py_code' },
  { state: 'py_code', pattern: /^[\t ]+File /, next: 'py_code' },
  { state: 'py_code', pattern: /^[\t ]+\S/, next: 'py_frames' },
  { state: 'py_code', pattern: /^[\t ]*[~^]+[\t ]*$/, next: 'py_frames' },
  { state: 'py_frames', pattern: /^[\t ]+\S/, next: 'py_frames' },
  { state: 'py_frames', pattern: /^[\w.]+(?::.*)?$/, next: 'py_end' },
  { state: 'py_code', pattern: /^[\w.]+(?::.*)?$/, next: 'py_end' },
  { state: 'py_end', pattern: /^$/, next: 'py_chain', tentative: true },
  {
    state: 'py_chain',
    pattern:
      /^(?:During handling of the above exception, another exception occurred:|The above exception was the direct cause of the following exception:)$/,
    next: 'py_chain2',
  },
  { state: 'py_chain2', pattern: /^$/, next: 'py_chain3' },
  { state: 'py_chain3', pattern: /^Traceback \(most recent call last\):$/, next: 'py_frames' },
];

const go: MultilineRule[] = [
  { state: START, pattern: /^(?:panic: |fatal error: )/, next: 'go' },
  { state: 'go', pattern: /^$/, next: 'go' },
  { state: 'go', pattern: /^(?:\[signal |goroutine \d+ \[|created by |exit status \d+|\[recovered\])/, next: 'go' },
  { state: 'go', pattern: /^\t/, next: 'go' },
  { state: 'go', pattern: /^[\w./*()\-[\]{}]+\(.*\)$/, next: 'go' },
  { state: 'go', pattern: /^\.\.\.additional frames elided\.\.\.$/, next: 'go' },
];

export const presets = { java, python, go } as const;
export type PresetName = keyof typeof presets;
