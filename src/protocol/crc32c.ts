/**
 * CRC-32C (Castagnoli), the checksum of magic-v2 record batches, from the
 * native `@node-rs/crc32` (hardware CRC instructions; about 3 GB/s here).
 *
 * The addon is loaded at the first checksum, not at start: a broker answers
 * its first requests (ApiVersions, Metadata) without it, and loading it cost
 * about 8 ms of a start-up of 160 ms.
 */
import type * as Crc32Lib from '@node-rs/crc32';

let impl: ((data: Buffer) => number) | null = null;

export function crc32c(data: Buffer): number {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  impl ??= (require('@node-rs/crc32') as typeof Crc32Lib).crc32c;
  return impl(data);
}
