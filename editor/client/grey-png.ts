import { writePngChunks } from '../../sdk/kernel/browser.js';

/**
 * An 8-bit greyscale PNG of `values` (row-major, width x height): painted label maps, pixel value
 * = class id, which a canvas cannot export (it writes RGBA). The chunks are the kernel's; the
 * deflate is the browser's CompressionStream.
 */
export async function encodeGreyPng(values: Uint8Array, width: number, height: number): Promise<Uint8Array> {
  // Each row starts with its filter type (0, none).
  const raw = new Uint8Array((width + 1) * height);
  for (let y = 0; y < height; y++) raw.set(values.subarray(y * width, (y + 1) * width), y * (width + 1) + 1);
  const compressed = new Uint8Array(await new Response(new Blob([raw]).stream().pipeThrough(new CompressionStream('deflate'))).arrayBuffer());
  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  header.set([8, 0, 0, 0, 0], 8); // bit depth 8, colour type 0 (grey), deflate, no filter method, no interlace
  return writePngChunks([
    { type: 'IHDR', data: header },
    { type: 'IDAT', data: compressed },
    { type: 'IEND', data: new Uint8Array(0) },
  ]);
}

export function toDataUrl(bytes: Uint8Array, mime = 'image/png'): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return `data:${mime};base64,${btoa(binary)}`;
}
