/**
 * IPv4 identification along one direction of a conversation. Stacks either count (Linux
 * per socket, Windows globally: small steps, 0 on some DF segments) or draw each ID at
 * random (macOS/iOS, OpenBSD). A step "fits a counter" when it is a small advance, a
 * repeat (retransmission) or a 0 ID.
 */
export const MAX_COUNTER_STEP = 1024;

export function idStepFitsCounter(previous: number, id: number): boolean {
  return id === 0 || ((id - previous) & 0xffff) <= MAX_COUNTER_STEP;
}

/** Per-direction tally: how many steps fit a counter. */
export class IdDirections {
  private readonly last = new Map<string, { id: number; fits: number; steps: number }>();

  add(direction: string, id: number): void {
    const d = this.last.get(direction);
    if (!d) {
      this.last.set(direction, { id, fits: 0, steps: 0 });
      return;
    }
    d.steps++;
    if (idStepFitsCounter(d.id, id)) d.fits++;
    d.id = id;
  }

  /** Directions with at least `minSteps` steps, split by whether most steps fit a counter. */
  classify(minSteps = 2): { counting: number; random: number } {
    let counting = 0;
    let random = 0;
    for (const d of this.last.values()) {
      if (d.steps < minSteps) continue;
      if (d.fits * 2 >= d.steps) counting++;
      else random++;
    }
    return { counting, random };
  }
}
