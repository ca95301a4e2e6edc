// Helpers the start-up and footprint benchmarks share: a free loopback port, and one /readyz probe.
import { request } from 'node:http';
import { freePort } from '../../packages/runtime/dist/src/testing/free-port.js';

export { freePort };

/** Whether GET /readyz on 127.0.0.1:`port` answers 200 (false while nothing listens). */
export function readyz(port) {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/readyz', agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.end();
  });
}
