/**
 * `SlotPool`: a counting semaphore for HTTP requests with priority lanes. The guest's demand
 * misses, the read-ahead that follows a sequential run, and the boot prefetcher share one set of
 * connection slots; a freed slot goes to the most urgent lane with a task waiting whose own cap
 * is not reached, so background work never delays a demand by more than the requests already in
 * flight, and demand can always use every slot.
 */

/** The lanes, most urgent first. */
export type FetchLane = 'demand' | 'readahead' | 'prefetch';

/** The lanes in the order slots are handed out. */
const LANE_ORDER: readonly FetchLane[] = ['demand', 'readahead', 'prefetch'];

/** Requests each lane may have in flight at most (every lane is also bounded by the pool's total). */
export type LaneCaps = Readonly<Record<FetchLane, number>>;

/** A slot pool: at most `total` tasks at once, each lane at most its cap. */
export class SlotPool {
  /** Tasks allowed at once in all lanes. */
  readonly total: number;
  readonly #caps: Record<FetchLane, number>;
  readonly #active: Record<FetchLane, number> = { demand: 0, readahead: 0, prefetch: 0 };
  readonly #waiting: Record<FetchLane, Array<() => void>> = { demand: [], readahead: [], prefetch: [] };
  #running = 0;
  #peak = 0;

  /** A pool of `total` slots (at least 1); each lane's cap is clamped to 1..total. */
  constructor(total: number, caps: Partial<LaneCaps> = {}) {
    this.total = Math.max(1, Math.floor(total));
    const cap = (value: number | undefined): number => Math.min(this.total, Math.max(1, Math.floor(value ?? this.total)));
    this.#caps = { demand: cap(caps.demand), readahead: cap(caps.readahead), prefetch: cap(caps.prefetch) };
  }

  /** Most tasks that ever ran at once. */
  get peak(): number {
    return this.#peak;
  }

  /** Tasks running now in `lane`. */
  active(lane: FetchLane): number {
    return this.#active[lane];
  }

  /** Tasks waiting now in `lane`. */
  waiting(lane: FetchLane): number {
    return this.#waiting[lane].length;
  }

  /** Runs `task` in `lane` once a slot is free for it, and settles as it does. */
  async run<T>(lane: FetchLane, task: () => Promise<T>): Promise<T> {
    if (this.#canStart(lane) && this.#waiting[lane].length === 0) this.#take(lane);
    else await new Promise<void>((resolve) => this.#waiting[lane].push(resolve));
    try {
      return await task();
    } finally {
      this.#active[lane]--;
      this.#running--;
      this.#dispatch();
    }
  }

  #canStart(lane: FetchLane): boolean {
    return this.#running < this.total && this.#active[lane] < this.#caps[lane];
  }

  #take(lane: FetchLane): void {
    this.#active[lane]++;
    this.#running++;
    this.#peak = Math.max(this.#peak, this.#running);
  }

  /** Hands free slots to waiting tasks, the most urgent lane first. */
  #dispatch(): void {
    for (const lane of LANE_ORDER) {
      while (this.#waiting[lane].length > 0 && this.#canStart(lane)) {
        this.#take(lane);
        this.#waiting[lane].shift()?.();
      }
    }
  }
}
