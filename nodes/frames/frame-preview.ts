/**
 * The animated preview Save Frames writes beside the frames: small (longest side `size`), and
 * bounded in memory whatever the sequence's length. Frames are kept downscaled as RGBA bytes;
 * when more than `maxFrames` arrive, every other one is dropped and only every 2nd (then 4th,
 * ...) later frame is kept, so the preview spans the whole sequence at a coarser step.
 */
import sharp from 'sharp';
import { imageToBytes, type Image } from '../../sdk/index.js';

export type PreviewFormat = 'webp' | 'gif';

export class FramePreview {
  readonly #frames: Buffer[] = [];
  #stride = 1;
  #seen = 0;
  #width = 0;
  #height = 0;

  constructor(
    private readonly size: number,
    private readonly maxFrames: number,
  ) {}

  /** Frames kept so far, and how many input frames each stands for. */
  get kept(): { frames: number; stride: number } {
    return { frames: this.#frames.length, stride: this.#stride };
  }

  async add(image: Image): Promise<void> {
    const index = this.#seen++;
    if (index % this.#stride !== 0) return;
    if (!this.#width) {
      // The first frame fixes the preview's size; later frames of another size are fitted to it.
      const scale = Math.min(1, this.size / Math.max(image.width, image.height));
      this.#width = Math.max(1, Math.round(image.width * scale));
      this.#height = Math.max(1, Math.round(image.height * scale));
    }
    const raw = Buffer.from(imageToBytes(image).buffer);
    const small = await sharp(raw, { raw: { width: image.width, height: image.height, channels: image.channels } })
      .resize(this.#width, this.#height, { fit: 'fill' })
      .ensureAlpha()
      .raw()
      .toBuffer();
    this.#frames.push(small);
    if (this.#frames.length > this.maxFrames) {
      // Keep frames 0, 2, 4, ... of those held, and from now on every (2 x stride)-th input.
      for (let i = this.#frames.length - 1; i > 0; i--) if (i % 2 === 1) this.#frames.splice(i, 1);
      this.#stride *= 2;
    }
  }

  /** The animated file, or undefined when no frame came. */
  async encode(format: PreviewFormat, fps: number): Promise<Buffer | undefined> {
    if (!this.#frames.length) return undefined;
    const pages = this.#frames.length;
    const delay = Array.from({ length: pages }, () => Math.round((1000 / fps) * this.#stride));
    const animated = sharp(Buffer.concat(this.#frames), { raw: { width: this.#width, height: this.#height * pages, channels: 4, pageHeight: this.#height } });
    return format === 'gif' ? animated.gif({ loop: 0, delay }).toBuffer() : animated.webp({ loop: 0, delay, quality: 80 }).toBuffer();
  }
}
