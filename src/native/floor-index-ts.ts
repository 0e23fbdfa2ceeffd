/** TypeScript fallback of the native index search; see NativeApi.floorIndex for the contract. */
export function floorIndexTs(keys: Uint32Array | Float64Array, count: number, target: number): number {
  let lo = 0;
  let hi = Math.min(count, keys.length) - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid] <= target) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}
