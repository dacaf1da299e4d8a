/** Keys conversion caches: bump whenever any adapter or the rendering could change an output string. */
export const FORMATS_VERSION = "3";
