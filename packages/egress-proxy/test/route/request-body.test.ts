import type { Readable } from 'node:stream';
import t from 'tap';
import type { BodySink, BodySource } from '../../src/listener/app-request.js';
import { type BodyTooLargeError, RequestBody } from '../../src/route/request-body.js';

/** A request body as the connection delivers it: nothing moves while paused. */
class FakeBody implements BodySource {
  paused = true;
  #sink: BodySink | undefined;
  readonly #queue: (Buffer | null)[] = [];

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.#flush();
  }

  readBody(sink: BodySink): void {
    this.#sink = sink;
  }

  write(text: string): void {
    this.#queue.push(Buffer.from(text));
    this.#flush();
  }

  end(text?: string): void {
    if (text !== undefined) this.#queue.push(Buffer.from(text));
    this.#queue.push(null);
    this.#flush();
  }

  #flush(): void {
    while (!this.paused && this.#sink !== undefined && this.#queue.length > 0) {
      const chunk = this.#queue.shift() as Buffer | null;
      if (chunk === null) this.#sink.onEnd();
      else this.#sink.onData(chunk);
    }
  }
}

function fakeRequest(): FakeBody {
  return new FakeBody();
}

async function drain(stream: Readable): Promise<string> {
  let out = '';
  for await (const chunk of stream) out += String(chunk);
  return out;
}

t.test('a small body streams to the first try and replays for the next', async (t) => {
  const req = fakeRequest();
  const body = new RequestBody(req, 100, undefined, () => t.fail('not too large'));
  t.ok(body.replayable, 'nothing consumed yet');
  const first = body.source();
  req.write('hello ');
  req.end('world');
  t.equal(await drain(first), 'hello world');
  t.ok(body.replayable, 'kept whole');
  t.equal(await drain(body.source()), 'hello world', 'replayed');
  t.equal(body.bytes, 11);
});

t.test('a body larger than buffer_bytes is streamed but not replayable', async (t) => {
  const req = fakeRequest();
  const body = new RequestBody(req, 8, undefined, () => t.fail('not too large'));
  const first = body.source();
  req.end('0123456789abcdef');
  t.equal(await drain(first), '0123456789abcdef');
  t.notOk(body.replayable);
});

t.test('a retry mid-stream replays what was kept, then continues live', async (t) => {
  const req = fakeRequest();
  const body = new RequestBody(req, 100, undefined, () => t.fail('not too large'));
  const first = body.source();
  req.write('part1-');
  await new Promise((r) => first.once('readable', r));
  first.read();
  const second = body.source();
  t.ok(first.destroyed, 'the abandoned try stream is destroyed');
  req.end('part2');
  t.equal(await drain(second), 'part1-part2');
});

t.test('over max_bytes: the try stream fails and the callback fires', async (t) => {
  const req = fakeRequest();
  let limit = 0;
  const body = new RequestBody(req, 100, 5, (err: BodyTooLargeError) => {
    limit = err.limit;
  });
  const first = body.source();
  req.end('too long a body');
  await t.rejects(drain(first), /exceeds 5 bytes/);
  t.equal(limit, 5);
});
