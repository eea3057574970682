// @ts-check
/**
 * Connected regions of a label map (4-connectivity): a cheap, model-free proxy for how hard a
 * scene is to render. Many small regions mean fine structure that early exits blur.
 * @param {import('exitgraph').LabelMap} map
 * @returns {{ count: number, smallest: number }}
 */
export function countRegions(map) {
  const { width, height, ids } = map;
  const seen = new Uint8Array(ids.length);
  /** @type {number[]} pixels of the current region still to visit */
  const stack = [];
  let count = 0;
  let smallest = Infinity;
  for (let start = 0; start < ids.length; start++) {
    if (seen[start]) continue;
    count += 1;
    let size = 0;
    stack.push(start);
    seen[start] = 1;
    const label = ids[start];
    for (let p = stack.pop(); p !== undefined; p = stack.pop()) {
      size += 1;
      const x = p % width;
      const y = (p - x) / width;
      const neighbours = [x > 0 ? p - 1 : -1, x < width - 1 ? p + 1 : -1, y > 0 ? p - width : -1, y < height - 1 ? p + width : -1];
      for (const q of neighbours) {
        if (q >= 0 && !seen[q] && ids[q] === label) {
          seen[q] = 1;
          stack.push(q);
        }
      }
    }
    smallest = Math.min(smallest, size);
  }
  return { count, smallest: count ? smallest : 0 };
}
