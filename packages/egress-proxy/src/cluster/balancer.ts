/** Load balancers: pure choice among candidates (randomness injected). */

export interface Balanceable {
  /** Requests in flight on this endpoint. */
  active: number;
}

export type BalancerKind = 'round_robin' | 'least_request' | 'random';

export interface Balancer<E extends Balanceable> {
  /** Picks one of `candidates` (non-empty). */
  pick(candidates: readonly E[]): E;
}

export class RoundRobin<E extends Balanceable> implements Balancer<E> {
  #next = 0;
  pick(candidates: readonly E[]): E {
    const chosen = candidates[this.#next % candidates.length] as E;
    this.#next = (this.#next + 1) % 1_000_000_007;
    return chosen;
  }
}

/** Power of two choices: two random candidates, the one with fewer requests in flight wins. */
export class LeastRequest<E extends Balanceable> implements Balancer<E> {
  constructor(private readonly random: () => number = Math.random) {}
  pick(candidates: readonly E[]): E {
    const n = candidates.length;
    if (n === 1) return candidates[0] as E;
    const i = Math.floor(this.random() * n);
    let j = Math.floor(this.random() * (n - 1));
    if (j >= i) j++;
    const a = candidates[i] as E;
    const b = candidates[j] as E;
    return b.active < a.active ? b : a;
  }
}

export class RandomBalancer<E extends Balanceable> implements Balancer<E> {
  constructor(private readonly random: () => number = Math.random) {}
  pick(candidates: readonly E[]): E {
    return candidates[Math.floor(this.random() * candidates.length)] as E;
  }
}

export function createBalancer<E extends Balanceable>(kind: BalancerKind, random: () => number = Math.random): Balancer<E> {
  switch (kind) {
    case 'round_robin':
      return new RoundRobin<E>();
    case 'least_request':
      return new LeastRequest<E>(random);
    case 'random':
      return new RandomBalancer<E>(random);
  }
}
