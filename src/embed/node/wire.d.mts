export declare function encodeValue(v: unknown): unknown;
export declare function decodeValue(v: unknown): unknown;
