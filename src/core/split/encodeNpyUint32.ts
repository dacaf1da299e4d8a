/**
 * The `.npy` v1.0 bytes DS-Chat's `np.save(name, shuffle_idx_split, allow_pickle=True)` writes for a 1-D uint32
 * index array, and the reverse for reading such a file back. Isomorphic: no Node or DOM imports.
 */
import {UserError} from "../contract/userError.js";

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 0x01, 0x00]; // "\x93NUMPY" v1.0
const PREFIX_LENGTH = MAGIC.length + 2; // magic + little-endian uint16 header length
const ARRAY_ALIGN = 64;
// numpy pads the shape's growth axis to 21 digits so files can be appended to in place; older numpy lacked this
// padding but, for a 1-D shape, still rounds up to the same 128-byte header.
const GROWTH_AXIS_MAX_DIGITS = 21;

const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function npyHeader(length: number): string {
  const dictionary = `{'descr': '<u4', 'fortran_order': False, 'shape': (${length},), }`;
  const header = dictionary + " ".repeat(Math.max(0, GROWTH_AXIS_MAX_DIGITS - String(length).length));
  const padding = ARRAY_ALIGN - ((PREFIX_LENGTH + header.length + 1) % ARRAY_ALIGN);
  return header + " ".repeat(padding) + "\n";
}

/** A `.npy` v1.0 file byte-identical to numpy's `np.save` of `indices` as a 1-D `<u4` array. */
export function encodeNpyUint32(indices: Uint32Array): Uint8Array {
  const header = npyHeader(indices.length);
  const bytes = new Uint8Array(PREFIX_LENGTH + header.length + indices.length * 4);
  bytes.set(MAGIC, 0);
  bytes[MAGIC.length] = header.length & 0xff;
  bytes[MAGIC.length + 1] = header.length >>> 8;
  for (let i = 0; i < header.length; i++) bytes[PREFIX_LENGTH + i] = header.charCodeAt(i);
  const dataOffset = PREFIX_LENGTH + header.length;
  if (littleEndian) {
    bytes.set(new Uint8Array(indices.buffer, indices.byteOffset, indices.byteLength), dataOffset);
  } else {
    const view = new DataView(bytes.buffer, dataOffset);
    indices.forEach((index, i) => view.setUint32(i * 4, index, true));
  }
  return bytes;
}

/**
 * Reads a DS-Chat index file (1-D `<u4` `.npy`, v1.0). `source` names the file in errors. Other layouts, including
 * the int64 files DS-Chat writes for 2^32 - 2 rows or more, are refused.
 */
export function decodeNpyUint32(bytes: Uint8Array, source = "index file"): Uint32Array {
  if (bytes.length < PREFIX_LENGTH || MAGIC.slice(0, 6).some((byte, i) => bytes[i] !== byte)) {
    throw new UserError("not a .npy file (no \\x93NUMPY magic)", {where: {file: source}, fix: "Pass an index file DS-Chat wrote (np.save)."});
  }
  if (bytes[6] !== 1 || bytes[7] !== 0) {
    throw new UserError(`.npy version ${bytes[6]}.${bytes[7]}, while DS-Chat index files are version 1.0`, {where: {file: source}, fix: "Pass an index file DS-Chat wrote (np.save)."});
  }
  const headerLength = bytes[8] | (bytes[9] << 8);
  const dataOffset = PREFIX_LENGTH + headerLength;
  let header = "";
  for (let i = PREFIX_LENGTH; i < Math.min(dataOffset, bytes.length); i++) header += String.fromCharCode(bytes[i]);
  const shape = /^\{'descr': '<u4', 'fortran_order': False, 'shape': \((\d+),\), \} *\n$/.exec(header);
  if (!shape) {
    throw new UserError(`header ${JSON.stringify(header.trim())} is not a 1-D '<u4' array, the layout DS-Chat writes below 2^32 - 2 rows`, {where: {file: source}, fix: "Pass an index file DS-Chat wrote for fewer than 4294967294 rows."});
  }
  const length = Number(shape[1]);
  if (bytes.length !== dataOffset + length * 4) {
    throw new UserError(`header says ${length} indices (${length * 4} bytes) but ${bytes.length - dataOffset} data bytes follow: the file is truncated or corrupt`, {where: {file: source}, fix: "Let DS-Chat (or 'dschat-studio split --npy') write the file again."});
  }
  const indices = new Uint32Array(length);
  const view = new DataView(bytes.buffer, bytes.byteOffset + dataOffset, length * 4);
  for (let i = 0; i < length; i++) indices[i] = view.getUint32(i * 4, true);
  return indices;
}
