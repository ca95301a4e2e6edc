/**
 * Debian's rsyslogd, started by a test as its own process: its own config, work dir and PID file,
 * listening on a free port (imtcp: octet-counted and LF-framed input; with TLS through the
 * OpenSSL network driver), writing every message's MSG to a file. Stopped by its PID.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '@outrigger/runtime/testing';

export interface RsyslogOptions {
  dir: string;
  tls?: { caFile: string; certFile: string; keyFile: string };
  /** Also listen for UDP on the same port number. */
  udp?: boolean;
}

export class Rsyslog {
  child: ChildProcess | undefined;
  port = 0;
  readonly output: string;
  stderr = '';

  constructor(private readonly options: RsyslogOptions) {
    this.output = join(options.dir, 'messages.jsonl');
  }

  /** Starts rsyslogd; on `port` if given (a restart), else on a free port. */
  async start(port?: number, timeoutMs = 10_000): Promise<void> {
    const { dir, tls, udp } = this.options;
    // Each message is written as one JSON line: multiline messages stay recognisable.
    const lines = [
      `global(workDirectory="${dir}" maxMessageSize="256k" parser.escapeControlCharactersOnReceive="off"`,
      tls
        ? `  defaultNetstreamDriver="ossl" defaultNetstreamDriverCAFile="${tls.caFile}" defaultNetstreamDriverCertFile="${tls.certFile}" defaultNetstreamDriverKeyFile="${tls.keyFile}")`
        : ')',
      tls ? 'module(load="imtcp" streamDriver.name="ossl" streamDriver.mode="1" streamDriver.authMode="anon")' : 'module(load="imtcp")',
      udp ? 'module(load="imudp")' : '',
      'template(name="outjson" type="list") { constant(value="{") property(name="msg" format="jsonf" outname="msg") constant(value=",") property(name="app-name" format="jsonf" outname="app") constant(value=",") property(name="syslogfacility" format="jsonf" outname="facility") constant(value=",") property(name="syslogseverity" format="jsonf" outname="severity") constant(value=",") property(name="hostname" format="jsonf" outname="host") constant(value="}\\n") }',
      `action(type="omfile" file="${this.output}" template="outjson" flushOnTXEnd="on" asyncWriting="off")`,
    ];
    for (let attempt = 0; attempt < 5; attempt++) {
      this.port = port ?? (await freePort());
      const input = [`input(type="imtcp" port="${this.port}" address="127.0.0.1")`];
      if (udp) input.push(`input(type="imudp" port="${this.port}" address="127.0.0.1")`);
      const conf = join(dir, 'rsyslog.conf');
      writeFileSync(conf, [...lines.slice(0, 4), ...input, ...lines.slice(4)].join('\n'));
      const pidFile = join(dir, 'rsyslogd.pid');
      this.stderr = '';
      const child = spawn('rsyslogd', ['-n', '-f', conf, '-i', pidFile], { stdio: ['ignore', 'pipe', 'pipe'] });
      this.child = child;
      child.stdout?.on('data', (d: Buffer) => (this.stderr += d.toString()));
      child.stderr?.on('data', (d: Buffer) => (this.stderr += d.toString()));
      if (await this.#waitListening(timeoutMs)) return;
      await this.stop();
    }
    throw new Error(`rsyslogd did not start: ${this.stderr}`);
  }

  async #waitListening(timeoutMs: number): Promise<boolean> {
    const { connect } = await import('node:net');
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.child?.exitCode !== null) return false;
      const ok = await new Promise<boolean>((resolve) => {
        const s = connect(this.port, '127.0.0.1');
        s.once('connect', () => {
          s.destroy();
          resolve(true);
        });
        s.once('error', () => resolve(false));
      });
      if (ok) return true;
      await new Promise((r) => setTimeout(r, 50));
    }
    return false;
  }

  /** The messages rsyslog stored so far. */
  messages(): Array<{ msg: string; app: string; facility: string; severity: string; host: string }> {
    if (!existsSync(this.output)) return [];
    return readFileSync(this.output, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.pid === undefined) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    process.kill(child.pid, 'SIGTERM');
    const timer = setTimeout(() => child.pid !== undefined && child.exitCode === null && process.kill(child.pid, 'SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}
