/**
 * The Mersenne Twister behind numpy's legacy `np.random.RandomState(seed)`, which DS-Chat's `get_shuffle_idx` uses.
 * Only the parts DS-Chat reaches are ported: integer seeding (`init_genrand`), 32-bit draws and the bounded draw
 * `random_interval` that `RandomState.shuffle` calls. Isomorphic: no Node or DOM imports.
 */
import {UserError} from "../contract/userError.js";

const STATE_WORDS = 624;
const SHIFT_WORDS = 397;
const MATRIX_A = 0x9908b0df;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;

/** The largest seed numpy accepts for an integer seed (`Seed must be between 0 and 2**32 - 1`). */
export const MAX_SEED = 0xffffffff;

/**
 * Checks a seed the way numpy's `RandomState(seed)` does for an integer, and refuses `null`: DS-Chat's step 3
 * defaults to `--seed None`, which seeds from OS entropy, so no tool can predict that split.
 */
export function validateSeed(seed: number | null | undefined): number {
  if (seed === null || seed === undefined) {
    throw new UserError(
      "seed is None: DS-Chat then seeds numpy from OS entropy (step 3's default), so its split cannot be reproduced " +
        "and may overlap the rows steps 1 and 2 used",
      {fix: "Pass --seed with the same value as steps 1 and 2 (DS-Chat's default is 1234).", code: "seed-none"}
    );
  }
  if (!Number.isInteger(seed) || seed < 0 || seed > MAX_SEED) {
    throw new UserError(`seed ${seed} is not usable: numpy's RandomState needs an integer between 0 and 2**32 - 1 (${MAX_SEED})`, {fix: "Pass a whole number from 0 to 4294967295, e.g. --seed 1234."});
  }
  return seed;
}

/** numpy's MT19937 state after `init_genrand(seed)`, drawing exactly the numbers numpy draws. */
export class Mt19937 {
  private readonly state = new Uint32Array(STATE_WORDS);
  private position = STATE_WORDS;

  constructor(seed: number) {
    const state = this.state;
    state[0] = validateSeed(seed) >>> 0;
    for (let i = 1; i < STATE_WORDS; i++) {
      const previous = state[i - 1];
      state[i] = (Math.imul(1812433253, previous ^ (previous >>> 30)) + i) >>> 0;
    }
  }

  /** `genrand_int32` / numpy's `next_uint32`. */
  nextUint32(): number {
    if (this.position >= STATE_WORDS) this.twist();
    let y = this.state[this.position++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /**
   * numpy's legacy `random_interval(max)`: a uniform integer in [0, max] by masked rejection sampling, one 32-bit
   * draw per try. Only the 32-bit branch exists here; callers reject ranges above 2^32 - 1.
   */
  randomInterval(max: number): number {
    if (max === 0) return 0;
    let mask = max;
    mask |= mask >>> 1;
    mask |= mask >>> 2;
    mask |= mask >>> 4;
    mask |= mask >>> 8;
    mask |= mask >>> 16;
    mask >>>= 0;
    let value: number;
    do value = (this.nextUint32() & mask) >>> 0;
    while (value > max);
    return value;
  }

  private twist(): void {
    const state = this.state;
    let i = 0;
    for (; i < STATE_WORDS - SHIFT_WORDS; i++) {
      const y = (state[i] & UPPER_MASK) | (state[i + 1] & LOWER_MASK);
      state[i] = state[i + SHIFT_WORDS] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    }
    for (; i < STATE_WORDS - 1; i++) {
      const y = (state[i] & UPPER_MASK) | (state[i + 1] & LOWER_MASK);
      state[i] = state[i + SHIFT_WORDS - STATE_WORDS] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    }
    const y = (state[STATE_WORDS - 1] & UPPER_MASK) | (state[0] & LOWER_MASK);
    state[STATE_WORDS - 1] = state[SHIFT_WORDS - 1] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    this.position = 0;
  }
}
