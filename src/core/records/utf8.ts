/**
 * Index of the first byte that is not valid UTF-8 in `bytes`, or -1. A multi-byte sequence cut off at the end counts as
 * valid when `allowTruncatedEnd` (a chunk boundary), invalid otherwise (end of file). Only used on the slow path, after a
 * fatal TextDecoder has already said the bytes are bad, to tell the user where.
 */
export function findInvalidUtf8(bytes: Uint8Array, allowTruncatedEnd = false): number {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i];
    if (lead < 0x80) {
      i++;
      continue;
    }
    let length: number;
    let min: number;
    if (lead >= 0xc2 && lead <= 0xdf) (length = 2), (min = 0x80);
    else if (lead >= 0xe0 && lead <= 0xef) (length = 3), (min = 0x800);
    else if (lead >= 0xf0 && lead <= 0xf4) (length = 4), (min = 0x10000);
    else return i;
    if (i + length > bytes.length) {
      for (let k = i + 1; k < bytes.length; k++) if ((bytes[k] & 0xc0) !== 0x80) return i;
      return allowTruncatedEnd ? -1 : i;
    }
    let codePoint = lead & (0xff >> (length + 1));
    for (let k = 1; k < length; k++) {
      const next = bytes[i + k];
      if ((next & 0xc0) !== 0x80) return i;
      codePoint = (codePoint << 6) | (next & 0x3f);
    }
    if (codePoint < min || codePoint > 0x10ffff || (codePoint >= 0xd800 && codePoint <= 0xdfff)) return i;
    i += length;
  }
  return -1;
}
