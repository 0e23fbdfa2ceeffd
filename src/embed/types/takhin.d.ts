/** `import { startBroker, startCluster } from "takhin"` (types; see api.d.ts and docs/embedding.md). */
export * from "./api.js";
