/** Every API handler the broker serves; the registry answers ApiVersions from this list. */
import type { HandlerRegistry } from "../registry.ts";
import { apiVersionsHandler } from "./api-versions.ts";
import { describeClusterHandler } from "./describe-cluster.ts";
import { metadataHandler } from "./metadata.ts";

export function registerHandlers(registry: HandlerRegistry): void {
  registry.register(apiVersionsHandler);
  registry.register(metadataHandler);
  registry.register(describeClusterHandler);
}
