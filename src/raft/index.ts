/**
 * Takhin's Raft core — a pure state machine in the style of etcd's raft.
 *
 * ## What it is
 * `Raft` holds one node's consensus state and its in-memory log. It performs no I/O and reads no
 * clock: time is `tick()` (one tick = whatever period the driver chooses, e.g. 100 ms), randomness
 * is the `RandomSource` passed in (seed it to replay a run), and every effect is handed back to the
 * driver in a `Ready`.
 *
 * ## Inputs
 *  - `tick()`                         advance logical time (elections, heartbeats, check-quorum).
 *  - `step(message)`                  a message received from a peer (any order, duplicates, stale — all fine).
 *  - `propose(data)`                  leader only; returns the index/term the entry got, or a refusal
 *                                     (`not-leader` with a leader hint, `transferring`, `busy`).
 *  - `proposeConfChange(change)`      single-server membership changes: addLearner, promote, addVoter, remove.
 *  - `transferLeadership(to)`, `readIndex(requestId)`, `campaign()`, `compact(index, data)`.
 *
 * ## The Ready / advance contract
 * After any input, `hasReady()` says whether there is work. `ready()` returns it; the driver must,
 * in this order:
 *  1. **Persist** `snapshot` (if non-null), `entries` and `hardState` (if non-null) with one durable
 *     write: `LogStore.save(hardState, entries, snapshot)`, which fsyncs before returning. Stored
 *     entries at or after `entries[0].index` are replaced. If the save throws, crash the node (do
 *     NOT send or apply anything from this Ready) and restart it from its store.
 *  2. **Send** `messages` (after persistence — a vote or an append acknowledgement must never
 *     leave before what it promises is durable). Delivery may be unreliable; Raft retries.
 *  3. **Apply**: if `snapshot` is non-null and its index is above the state machine's applied
 *     index, restore the state machine from `snapshot.data`; then apply `committedEntries` in
 *     order (entries of kind "conf" carry a ConfState, already in force inside the core — the
 *     driver uses them to open or close connections to peers). Serve the reads in `readStates`
 *     once the applied index reaches each one's `index`.
 *  4. Call `advance()`. Until then no other method may be called (this is asserted).
 * `softState` (role, leader) is non-null when it changed — for routing clients and metrics.
 *
 * ## Restart
 * Construct a new `Raft` with `store.load()` (hard state, snapshot, entries). A brand-new cluster
 * passes `bootstrapVoters` (identical on every founding node) instead; nodes that join later start
 * empty and are added by the leader with `proposeConfChange({kind: "addLearner"})`, then promoted.
 *
 * ## Features (with the paper sections they follow)
 *  - Elections with randomized timeouts in [T, 2T) ticks (§5.2), pre-vote (diss. §9.6) and
 *    check-quorum (diss. §6.2): a node that heard from a leader within an election timeout ignores
 *    vote requests, so a partitioned node rejoining cannot depose a healthy leader.
 *  - Replication (§5.3) batched by `maxSizePerMsgBytes` and pipelined up to `maxInflightMsgs` per
 *    follower; conflicts backtrack a whole term per round trip using reject hints.
 *  - Commitment by counting replicas only for entries of the leader's term (§5.4.2, Figure 8);
 *    a new leader appends a no-op to commit its predecessors' entries.
 *  - Snapshots (§7): `compact()` after applying; followers too far behind receive the snapshot.
 *  - Membership: single-server changes, effective on append, with learners catching up first (diss. §4).
 *  - Leadership transfer (diss. §3.10) and linearizable reads by read index (§8, diss. §6.4).
 *    No lease reads: they would rely on bounded clock drift, which this core cannot know.
 *
 * Stores: `MemoryStore` (simulator) and `FileStore` (checksummed records, fsync, torn-tail
 * recovery). The simulator is test-only and lives in `test/raft/sim/` (run by `scripts/raft-sim.ts`).
 */
export * from "./types.ts";
export { Raft, DEFAULTS, type RaftOptions, type RaftInitialState, type ProposeResult, type AdminResult } from "./raft.ts";
export { type ConfChange, applyConfChange, encodeConf, decodeConf, isVoter, isMember } from "./config.ts";
export { SeededRandom, type RandomSource } from "./rand.ts";
export { type LogStore, type StoredState, MemoryStore, EMPTY_HARD_STATE } from "./storage.ts";
export { FileStore, type FileStoreOptions, type RecoveryReport } from "./file-store.ts";
