/**
 * The largest value of any DS-Chat integer argument (`type=int` in its main.py files), 2^31 − 1. Python's int() takes
 * any size, but every such argument counts epochs, steps, sequences, tokens, layers or GPUs, and each ends up in a C
 * int (32-bit) in PyTorch, NCCL or DeepSpeed's launcher; beyond it a JavaScript number is no longer exact either (its
 * 1e+21 is not an int to argparse). Seeds have their own bound (numpy's, 2^32 − 1).
 */
export const DSCHAT_INT_MAX = 2_147_483_647;

/** SageMaker's largest MaxRuntimeInSeconds: 28 days (`StoppingCondition`), in hours. */
export const MAX_RUNTIME_HOURS = 28 * 24;
