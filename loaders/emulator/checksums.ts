/**
 * The S3 flexible checksums (x-amz-checksum-*) the SDK sends, computed here so that the emulator checks uploads as S3
 * does: CRC32 (zlib), CRC32C and CRC64NVME (table-driven, reflected), SHA-1 and SHA-256. Values are base64 of the
 * big-endian digest, as on the wire.
 */
import {createHash} from "node:crypto";
import {crc32} from "node:zlib";

function crc32cTable(): Uint32Array {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}
const CRC32C = crc32cTable();

function crc32c(data: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of data) c = CRC32C[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const CRC64_POLY = 0x9a6c9329ac4bc9b5n; // CRC-64/NVME, reflected
const CRC64: bigint[] = Array.from({length: 256}, (_, n) => {
  let c = BigInt(n);
  for (let k = 0; k < 8; k++) c = c & 1n ? CRC64_POLY ^ (c >> 1n) : c >> 1n;
  return c;
});

function crc64nvme(data: Uint8Array): bigint {
  let c = 0xffffffffffffffffn;
  for (const byte of data) c = CRC64[Number((c ^ BigInt(byte)) & 0xffn)]! ^ (c >> 8n);
  return c ^ 0xffffffffffffffffn;
}

const be32 = (value: number) => {
  const buffer = Buffer.alloc(4);
  buffer.writeUInt32BE(value >>> 0);
  return buffer;
};

export const CHECKSUM_ALGORITHMS = ["crc32", "crc32c", "crc64nvme", "sha1", "sha256"] as const;
export type ChecksumAlgorithmName = (typeof CHECKSUM_ALGORITHMS)[number];

/** The raw digest bytes. */
export function checksumBytes(algorithm: ChecksumAlgorithmName, data: Uint8Array): Buffer {
  switch (algorithm) {
    case "crc32":
      return be32(crc32(data));
    case "crc32c":
      return be32(crc32c(data));
    case "crc64nvme": {
      const buffer = Buffer.alloc(8);
      buffer.writeBigUInt64BE(crc64nvme(data));
      return buffer;
    }
    case "sha1":
      return createHash("sha1").update(data).digest();
    case "sha256":
      return createHash("sha256").update(data).digest();
  }
}

export function checksumBase64(algorithm: ChecksumAlgorithmName, data: Uint8Array): string {
  return checksumBytes(algorithm, data).toString("base64");
}
