import { randomUUID } from 'node:crypto';
import { link, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { Router, type RequestHandler } from 'express';
import multer from 'multer';
import sharp from 'sharp';
import { HttpError } from '../http-error.js';
import type { ServerContext } from '../server-context.js';
import { checkedName } from '../workspace-paths.js';

/** Decoding bombs: refuse images with more pixels than this (as image uploads do). */
const MAX_PIXELS = 64 * 1024 * 1024;

/**
 * ComfyUI's `POST /upload/mask` (its mask editor): multipart `image` (the painted mask, whose
 * alpha channel is the mask) and `original_ref` (JSON `{ filename, subfolder?, type? }` of an
 * image already in the workspace). The original gets the mask's alpha as its own and is stored
 * as a PNG named after the uploaded file, in `type`/`subfolder` (default input/).
 */
export function maskUploadRoutes(context: ServerContext): Router {
  const router = Router();
  const { workspace } = context;
  router.post('/upload/mask', parseMask(context.maxUploadBytes), async (req, res) => {
    const file = req.file;
    if (!file) throw new HttpError(400, 'no file: send the mask as multipart/form-data field "image"', 'no_file');
    const body = (req.body ?? {}) as Record<string, unknown>;
    const ref = parseRef(body.original_ref);
    const originalPath = await workspace.realFileInside(workspace.resolveFile(ref.type ?? 'output', ref.subfolder ?? '', ref.filename));
    const png = await maskedOriginal(await readFile(originalPath), file.buffer, ref.filename);

    const type = body.type === undefined || body.type === '' ? 'input' : body.type;
    const subfolder = typeof body.subfolder === 'string' ? body.subfolder : '';
    const name = `${basename(checkedName(file.originalname, 'filename'), extname(file.originalname))}.png`;
    const target = workspace.resolveFile(type, subfolder, name);
    await workspace.makeFolderInside(dirname(target));
    const written = await storeAtomically(target, png, body.overwrite === 'true' || body.overwrite === '1');
    res.json({ name: basename(written), subfolder, type });
  });
  return router;
}

function parseMask(maxBytes: number): RequestHandler {
  const upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: maxBytes, files: 1, fields: 10, fieldSize: 4096, parts: 12 } }).single('image');
  return (req, res, next) => {
    upload(req, res, (error: unknown) => {
      if (!error) return next();
      if (error instanceof multer.MulterError) {
        const status = error.code === 'LIMIT_FILE_SIZE' ? 413 : 400;
        return next(new HttpError(status, `bad mask upload: ${error.message}${error.field ? ` (${error.field})` : ''}`, status === 413 ? 'payload_too_large' : 'bad_upload'));
      }
      next(error);
    });
  };
}

function parseRef(value: unknown): { filename: string; subfolder?: string; type?: string } {
  let ref: unknown;
  try {
    ref = typeof value === 'string' ? JSON.parse(value) : undefined;
  } catch {
    ref = undefined;
  }
  const r = ref as { filename?: unknown; subfolder?: unknown; type?: unknown } | undefined;
  if (!r || typeof r.filename !== 'string') throw new HttpError(400, 'original_ref must be JSON {"filename", "subfolder"?, "type"?} naming the image the mask is for', 'invalid_original_ref');
  return { filename: r.filename, ...(typeof r.subfolder === 'string' ? { subfolder: r.subfolder } : {}), ...(typeof r.type === 'string' && r.type ? { type: r.type } : {}) };
}

/** The original's RGB with the mask's alpha channel; both must have the same size. */
async function maskedOriginal(original: Buffer, mask: Buffer, originalName: string): Promise<Buffer> {
  try {
    const base = sharp(original, { limitInputPixels: MAX_PIXELS, failOn: 'error' });
    const { width, height } = await base.metadata();
    const alpha = await sharp(mask, { limitInputPixels: MAX_PIXELS, failOn: 'error' }).ensureAlpha().extractChannel(3).raw().toBuffer({ resolveWithObject: true });
    if (alpha.info.width !== width || alpha.info.height !== height) {
      throw new HttpError(400, `the mask is ${alpha.info.width}x${alpha.info.height} but ${originalName} is ${width}x${height}`, 'mask_size');
    }
    // Decoded to raw RGB first: sharp applies removeAlpha after joinChannel within one pipeline.
    const rgb = await base.removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    return await sharp(rgb.data, { raw: { width: rgb.info.width, height: rgb.info.height, channels: rgb.info.channels } })
      .joinChannel(alpha.data, { raw: { width: alpha.info.width, height: alpha.info.height, channels: 1 } })
      .png()
      .toBuffer();
  } catch (error) {
    if (error instanceof HttpError) throw error;
    throw new HttpError(400, `the mask or ${originalName} is not a readable image: ${(error as Error).message}`, 'invalid_image');
  }
}

/** Writes through a temporary file; unless overwriting, picks `name (1).png`, ... when taken. */
async function storeAtomically(target: string, bytes: Buffer, overwrite: boolean): Promise<string> {
  const temp = join(dirname(target), `.${randomUUID()}.partial`);
  await writeFile(temp, bytes, { flag: 'wx' });
  try {
    if (overwrite) {
      await rename(temp, target);
      return target;
    }
    const ext = extname(target);
    const stem = target.slice(0, target.length - ext.length);
    for (let n = 0; n < 10_000; n++) {
      const candidate = n === 0 ? target : `${stem} (${n})${ext}`;
      try {
        await link(temp, candidate);
        return candidate;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
    }
    throw new HttpError(409, 'too many files with this name', 'name_taken');
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}
