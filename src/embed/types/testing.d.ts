/** `takhin/testing`: startBroker/startCluster plus helpers for test suites (types; see api.d.ts). */
export * from "./api.js";
/** Polls `probe` every 25 ms until it returns a value other than undefined; throws after `timeoutMs` naming `what`. */
export declare function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T>;
