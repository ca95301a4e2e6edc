/**
 * One budget of buffered body bytes across all exchanges. Each exchange holds a lease that takes
 * bytes as it buffers them (raw and decoded) and gives them all back when the exchange ends; a
 * take beyond the budget fails, and the exchange is answered 503 with `Retry-After`. So memory
 * is bounded in total, not only per body.
 */
export class BufferBudget {
  private used = 0;
  /** Changed by a reload; bytes already taken stay taken. */
  limit: number;

  constructor(limit: number) {
    this.limit = limit;
  }

  get buffered(): number {
    return this.used;
  }

  lease(): Lease {
    return new Lease(this);
  }

  /** @internal */
  move(n: number): boolean {
    if (n > 0 && this.used + n > this.limit) return false;
    this.used += n;
    return true;
  }
}

export class Lease {
  private held = 0;
  private readonly budget: BufferBudget;

  constructor(budget: BufferBudget) {
    this.budget = budget;
  }

  /** Takes `n` more bytes; false (nothing taken) when the budget has no room. */
  take = (n: number): boolean => {
    if (!this.budget.move(n)) return false;
    this.held += n;
    return true;
  };

  release(): void {
    this.budget.move(-this.held);
    this.held = 0;
  }
}

export class Overloaded extends Error {}
