/**
 * Max-rate discovery for workloads with `producerRate: 0`, after OMB's
 * WorkloadGenerator.findMaximumSustainableRate: find the highest publish rate (records/s over all
 * producers) the cluster sustains without the consumers' backlog growing, then measure at it.
 *
 * The runner (runner.ts `discoverRate`) runs it on topics of its own, created like the workload's
 * and deleted afterwards, before the measured phase:
 *   - the workload's consumer group members start once and run through every step; each reports
 *     its running record count (PROGRESS lines, every 250 ms);
 *   - each step starts fresh producer processes at the step's rate for `producerIncrementSeconds`
 *     (restarting producers is the simplest robust way to change their rate; a step's producers
 *     are gone before the next one starts), then the consumers get up to 10 s to drain;
 *   - at the end of the step window, backlog = subscriptions × records sent − records consumed,
 *     per subscription (so records sent but not yet acknowledged count as backlog too).
 * A step succeeds when the producers achieve ≥ 95 % of the target (acknowledged records / step
 * seconds) and the backlog is within `acceptableBacklog` records (default: one second of the
 * target rate, at least 1,000 — the consumer counts may be up to 250 ms stale).
 *
 * Step policy (`nextStep`, pure): start at `producerStartRate` (default 10,000, OMB's start rate).
 * On success the sustained rate (the lower of target and achieved) raises the best rate so far;
 * until the first failure the rate then doubles (OMB's first step), or rises by
 * `producerIncrementRate` when the workload sets one; after a failure it bisects between the best
 * rate and the lowest failed target. On failure the lowest failed target drops to this target and
 * the rate goes to the midpoint of best and target (OMB's `(maxRate + currentRate) / 2`; half the
 * target while nothing has succeeded). It stops when best and lowest failure are within 5 %, after
 * `MAX_STEPS` steps, or when the next step would overrun the budget (the workload's measured
 * duration, `--duration` included). The discovered rate is the best sustained rate, or — when no
 * step succeeded — the lowest rate achieved. The measured phase (warm-up + duration) then runs the
 * workload at that fixed rate, and the report shows the rate and every step.
 *
 * OMB refuses rate discovery together with a consumer backlog; so does this harness
 * (`consumerBacklogSizeGB` > 0 with `producerRate: 0` runs the producers flat out, as before).
 */
import type { Workload } from "./workload.ts";

export const DEFAULT_START_RATE = 10_000;
export const DEFAULT_STEP_SECONDS = 4;
export const MAX_STEPS = 12;
/** Producers must achieve this share of the step's target rate. */
export const ACHIEVED_SHARE = 0.95;
/** Best and lowest failure this close (relative to the failure) = converged. */
export const CONVERGED = 0.05;

export interface DiscoveryParams {
  startRate: number;
  /** Additive increase before the first failure; null = double. */
  incrementRate: number | null;
  stepSeconds: number;
  /** Records of backlog per subscription a step may end with; null = one second of the target rate (≥ 1,000). */
  acceptableBacklog: number | null;
  maxSteps: number;
  /** Seconds the steps may take in all (overheads included). */
  budgetSeconds: number;
}

export interface StepObservation {
  targetRate: number;
  /** Acknowledged records per second over the step. */
  achievedRate: number;
  /** Records sent and not consumed at the step's end, per subscription. */
  backlog: number;
}

export interface StepRecord extends StepObservation {
  acceptableBacklog: number;
  ok: boolean;
  why: string;
}

export interface DiscoveryState {
  /** Target of the next step. */
  rate: number;
  /** Best sustained rate so far (0 = none). */
  best: number;
  /** Lowest target that failed (null = none). */
  lowestFailed: number | null;
  steps: StepRecord[];
  done: boolean;
  reason: string;
}

export interface DiscoveryResult {
  rate: number;
  reason: string;
  params: DiscoveryParams;
  steps: StepRecord[];
  seconds: number;
}

export function discoveryParams(w: Workload, budgetSeconds: number): DiscoveryParams {
  return {
    startRate: w.producerStartRate ?? DEFAULT_START_RATE,
    incrementRate: w.producerIncrementRate,
    stepSeconds: w.producerIncrementSeconds ?? DEFAULT_STEP_SECONDS,
    acceptableBacklog: w.acceptableBacklog,
    maxSteps: MAX_STEPS,
    budgetSeconds,
  };
}

export function initialState(p: DiscoveryParams): DiscoveryState {
  return { rate: Math.max(1, Math.round(p.startRate)), best: 0, lowestFailed: null, steps: [], done: false, reason: "" };
}

export function acceptableBacklogFor(p: DiscoveryParams, targetRate: number): number {
  return p.acceptableBacklog ?? Math.max(1000, targetRate);
}

/** The step policy: the state after observing one step. Pure and deterministic. */
export function nextStep(s: DiscoveryState, obs: StepObservation, p: DiscoveryParams): DiscoveryState {
  const acceptable = acceptableBacklogFor(p, obs.targetRate);
  const achievedOk = obs.achievedRate >= ACHIEVED_SHARE * obs.targetRate;
  const backlogOk = obs.backlog <= acceptable;
  const ok = achievedOk && backlogOk;
  const why = ok ? "sustained" : !achievedOk ? `producers achieved ${Math.round(obs.achievedRate)} of ${Math.round(obs.targetRate)}/s` : `backlog ${Math.round(obs.backlog)} > ${Math.round(acceptable)}`;
  const steps = [...s.steps, { ...obs, acceptableBacklog: acceptable, ok, why }];
  let { best, lowestFailed } = s;
  let rate: number;
  if (ok) {
    best = Math.max(best, Math.min(obs.targetRate, obs.achievedRate));
    rate = lowestFailed === null ? (p.incrementRate ? obs.targetRate + p.incrementRate : obs.targetRate * 2) : (best + lowestFailed) / 2;
  } else {
    lowestFailed = lowestFailed === null ? obs.targetRate : Math.min(lowestFailed, obs.targetRate);
    if (best >= lowestFailed) best = lowestFailed * (1 - CONVERGED); // a slower step failed: distrust the old best
    rate = best > 0 ? (best + obs.targetRate) / 2 : obs.targetRate / 2;
  }
  rate = Math.max(1, Math.round(rate));
  let done = false;
  let reason = "";
  if (lowestFailed !== null && best > 0 && lowestFailed - best <= CONVERGED * lowestFailed) [done, reason] = [true, `converged: ${Math.round(best)} sustained, ${Math.round(lowestFailed)} not`];
  else if (steps.length >= p.maxSteps) [done, reason] = [true, `${p.maxSteps} steps`];
  else if (rate < 1 || (lowestFailed !== null && rate >= lowestFailed)) [done, reason] = [true, "no rate left to try"];
  return { rate, best, lowestFailed, steps, done, reason };
}

/** The rate the measured phase runs at. */
export function discoveredRate(s: DiscoveryState): number {
  if (s.best > 0) return Math.round(s.best);
  const achieved = s.steps.map((x) => x.achievedRate).filter((x) => x > 0);
  return Math.max(1, Math.round(achieved.length ? Math.min(...achieved) : s.rate));
}
