/** Shared checks for metric inputs: two images of one size, compared on their colour channels. */
import type { Image } from '../../kernel/image/image.js';

/** Channels a metric compares: grey stays grey, RGBA drops alpha (as image files are read). */
export function colourChannels(image: Image): 1 | 3 {
  return image.channels === 1 ? 1 : 3;
}

/** Throws a clear error when two images cannot be compared; returns the channel count used. */
export function checkPair(a: Image, b: Image, metric: string, where = ''): 1 | 3 {
  const at = where ? ` (${where})` : '';
  if (a.width !== b.width || a.height !== b.height) {
    throw new Error(`${metric}: images differ in size${at}: a is ${a.width}x${a.height}, b is ${b.width}x${b.height}`);
  }
  const ca = colourChannels(a);
  const cb = colourChannels(b);
  if (ca !== cb) {
    throw new Error(`${metric}: a has ${a.channels} channel(s), b has ${b.channels}${at}; compare grey with grey or colour with colour`);
  }
  return ca;
}
