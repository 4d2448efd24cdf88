import { randomUUID } from "node:crypto";
import type { FaultAction, FaultInfo, FaultPlan, FaultSpec } from "./types.js";
import { type CompiledFault, compileFault } from "./validate.js";

interface ActiveFault extends CompiledFault {
  readonly id: string;
  seen: number;
  hits: number;
  remaining: number | undefined;
}

/**
 * Holds the active faults and decides, per request, which apply. Faults are consulted in the
 * order they were added: every firing latency fault adds its delay, and the first other fault
 * that fires is the request's action (later ones are not consulted, so their counts keep).
 */
export class FaultController {
  readonly #faults: ActiveFault[] = [];
  readonly #random: () => number;

  constructor(random: () => number = Math.random) {
    this.#random = random;
  }

  /** Adds a fault; returns its id. Throws invalid_argument naming the bad field. */
  add(spec: FaultSpec): string {
    const compiled = compileFault(spec);
    const trigger = compiled.spec.trigger;
    const id = randomUUID();
    this.#faults.push({
      ...compiled,
      id,
      seen: 0,
      hits: 0,
      remaining: trigger?.type === "next" ? trigger.count : undefined,
    });
    return id;
  }

  remove(id: string): boolean {
    const index = this.#faults.findIndex((f) => f.id === id);
    if (index < 0) return false;
    this.#faults.splice(index, 1);
    return true;
  }

  clear(): void {
    this.#faults.length = 0;
  }

  list(): FaultInfo[] {
    return this.#faults.map((f) => ({
      id: f.id,
      ...(f.spec.name === undefined ? {} : { name: f.spec.name }),
      match: f.spec.match ?? {},
      trigger: f.spec.trigger ?? { type: "always" },
      skip: f.spec.skip ?? 0,
      action: f.spec.action,
      seen: f.seen,
      hits: f.hits,
      ...(f.remaining === undefined ? {} : { remaining: f.remaining }),
    })) as FaultInfo[];
  }

  #fires(f: ActiveFault): boolean {
    const trigger = f.spec.trigger ?? { type: "always" };
    switch (trigger.type) {
      case "always":
        return true;
      case "next":
        return (f.remaining ?? 0) > 0;
      case "probability":
        return this.#random() < trigger.p;
    }
  }

  #consume(f: ActiveFault): void {
    f.hits++;
    if (f.remaining !== undefined) f.remaining--;
  }

  /** Decides the faults for one request (and counts it against their triggers). */
  plan(method: string, path: string): FaultPlan {
    let latencyMs = 0;
    let action: FaultAction | undefined;
    const applied: string[] = [];
    for (const f of this.#faults) {
      if (f.method !== undefined && f.method !== method) continue;
      if (f.path !== undefined && !f.path.test(path)) continue;
      const isLatency = f.spec.action.type === "latency";
      if (!isLatency && action !== undefined) continue;
      f.seen++;
      if (f.seen <= (f.spec.skip ?? 0) || !this.#fires(f)) continue;
      this.#consume(f);
      applied.push(f.id);
      if (f.spec.action.type === "latency") {
        latencyMs += f.spec.action.ms + this.#random() * (f.spec.action.jitterMs ?? 0);
      } else {
        action = f.spec.action;
      }
    }
    return { latencyMs, ...(action === undefined ? {} : { action }), applied };
  }
}
