import { randomUUID } from 'node:crypto';
import { realpath, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, extname, basename, join, relative } from 'node:path';
import { Router, type RequestHandler } from 'express';
import multer from 'multer';
import sharp from 'sharp';
import { HttpError } from '../http-error.js';
import type { ServerContext } from '../server-context.js';
import { checkedName } from '../workspace-paths.js';

/** Formats an upload may have, with the file extension it is stored under. SVG is not one: served back, it could run scripts. */
const IMAGE_FORMATS: Readonly<Record<string, string>> = { png: '.png', jpeg: '.jpg', webp: '.webp', gif: '.gif', tiff: '.tiff', avif: '.avif' };
const EXTENSIONS_OF: Readonly<Record<string, readonly string[]>> = { png: ['.png'], jpeg: ['.jpg', '.jpeg'], webp: ['.webp'], gif: ['.gif'], tiff: ['.tif', '.tiff'], avif: ['.avif'] };
/** Decoding bombs: refuse images with more pixels than this. */
const MAX_PIXELS = 64 * 1024 * 1024;

/** `GET /view` (files of the workspace) and `POST /upload/image` (multipart, size-limited, must decode). */
export function fileRoutes(context: ServerContext): Router {
  const router = Router();
  const { workspace } = context;

  router.get('/view', async (req, res) => {
    const path = workspace.resolveFile(req.query.type, req.query.subfolder, req.query.filename);
    const real = await workspace.realFileInside(path);
    // Files are user content: never let a browser run them as a page.
    res.set({ 'X-Content-Type-Options': 'nosniff', 'Content-Security-Policy': "sandbox; default-src 'none'", 'Cache-Control': 'no-cache' });
    // Dot-files are denied inside the workspace only: its own path may be hidden (the default, .exitgraph/workspace).
    const root = await realpath(workspace.root);
    res.sendFile(relative(root, real), { root, dotfiles: 'deny' });
  });

  router.post('/upload/image', limitBody(context.maxUploadBytes), parseUpload(context.maxUploadBytes), async (req, res) => {
    const file = req.file;
    if (!file) throw new HttpError(400, 'no file: send it as multipart/form-data field "image"', 'no_file');
    const format = await decodedFormat(file.buffer);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const type = body.type === undefined || body.type === '' ? 'input' : body.type;
    const subfolder = typeof body.subfolder === 'string' ? body.subfolder : '';
    const overwrite = body.overwrite === 'true' || body.overwrite === '1';
    const name = storedName(checkedName(file.originalname, 'filename'), format);

    const target = workspace.resolveFile(type, subfolder, name);
    await workspace.makeFolderInside(dirname(target));
    const written = await writeUnique(target, file.buffer, overwrite);
    res.json({ name: basename(written), subfolder, type });
  });

  return router;
}

/** Refuses a body announced as too large before reading it. */
function limitBody(maxBytes: number): RequestHandler {
  return (req, res, next) => {
    const length = Number(req.headers['content-length']);
    // Multipart framing adds a little; the file itself is checked exactly by multer.
    if (Number.isFinite(length) && length > maxBytes + 64 * 1024) {
      res.set('Connection', 'close');
      next(new HttpError(413, `upload too large: at most ${maxBytes} bytes`, 'payload_too_large'));
      return;
    }
    next();
  };
}

function parseUpload(maxBytes: number): RequestHandler {
  const upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: maxBytes, files: 1, fields: 10, fieldSize: 4096, parts: 12 } }).single('image');
  return (req, res, next) => {
    upload(req, res, (error: unknown) => {
      if (!error) return next();
      if (error instanceof multer.MulterError) {
        if (error.code === 'LIMIT_FILE_SIZE') {
          res.set('Connection', 'close');
          return next(new HttpError(413, `upload too large: at most ${maxBytes} bytes`, 'payload_too_large'));
        }
        return next(new HttpError(400, `bad upload: ${error.message}${error.field ? ` (${error.field})` : ''}`, 'bad_upload'));
      }
      // Files stay in memory, so anything else is the body itself: no or a wrong boundary, a
      // truncated part, a malformed header. The client's fault, answered 400.
      next(new HttpError(400, `bad upload: malformed multipart/form-data body (${(error as Error)?.message ?? String(error)})`, 'bad_upload'));
    });
  };
}

/** Decodes the whole image (not just its header) and returns its format. */
async function decodedFormat(bytes: Buffer): Promise<string> {
  let format: string | undefined;
  try {
    const image = sharp(bytes, { limitInputPixels: MAX_PIXELS, failOn: 'error' });
    format = (await image.metadata()).format;
    if (format && format in IMAGE_FORMATS) await image.raw().toBuffer();
  } catch (error) {
    throw new HttpError(400, `the upload is not a readable image: ${(error as Error).message}`, 'invalid_image');
  }
  if (!format || !(format in IMAGE_FORMATS)) {
    throw new HttpError(400, `the upload is not an accepted image (got ${format ?? 'unknown'}; accepted: ${Object.keys(IMAGE_FORMATS).join(', ')})`, 'invalid_image');
  }
  return format;
}

/** Keeps the name, but makes its extension say what the file really is. */
function storedName(name: string, format: string): string {
  const ext = extname(name).toLowerCase();
  if (EXTENSIONS_OF[format]!.includes(ext)) return name;
  return `${ext ? name.slice(0, -ext.length) : name}${IMAGE_FORMATS[format]}`;
}

/**
 * Writes the file; unless overwriting, picks `name (1).png`, `name (2).png`... when taken. New
 * files are created exclusively (`wx` fails on any existing name, links included); an overwrite
 * writes beside the target and renames over it, so a link at that name is replaced, never
 * written through.
 */
async function writeUnique(target: string, bytes: Buffer, overwrite: boolean): Promise<string> {
  if (overwrite) {
    const temp = join(dirname(target), `.${basename(target)}.${randomUUID()}.partial`);
    await writeFile(temp, bytes, { flag: 'wx' });
    await rename(temp, target).catch(async (error: unknown) => {
      await rm(temp, { force: true });
      throw error;
    });
    return target;
  }
  const ext = extname(target);
  const stem = target.slice(0, target.length - ext.length);
  for (let n = 0; n < 10_000; n++) {
    const candidate = n === 0 ? target : `${stem} (${n})${ext}`;
    try {
      await writeFile(candidate, bytes, { flag: 'wx' });
      return candidate;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  throw new HttpError(409, 'too many files with this name', 'name_taken');
}
