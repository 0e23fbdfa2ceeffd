#!/usr/bin/env bun
/**
 * takhin-bench: runs OpenMessaging-Benchmark-style workloads (bench/workloads) against one or more
 * Kafka-compatible clusters and writes a side-by-side report. See `--help` and README
 * "Comparing brokers".
 */
import { runCompare } from "../bench/compare/cli.ts";

process.exit(await runCompare(process.argv.slice(2)));
