import { createHash } from 'node:crypto';
import { imageToBytes, type Image, type LabelMap } from '../index.js';

/** A stable, readable summary of an image, for `toMatchSnapshot` or `toEqual`. */
export interface ImageSummary {
  readonly width: number;
  readonly height: number;
  readonly channels: number;
  /** Mean of each channel, in [0, 1], rounded to `decimals`. */
  readonly mean: readonly number[];
  readonly min: number;
  readonly max: number;
  /** sha256 (first 16 hex digits) of the image as 8-bit samples: equal for images that save to the same PNG. */
  readonly digest: string;
}

/** A stable, readable summary of a label map. */
export interface LabelMapSummary {
  readonly width: number;
  readonly height: number;
  readonly classes: readonly string[];
  /** Pixels per class id present, by id. */
  readonly counts: Readonly<Record<string, number>>;
  /** sha256 (first 16 hex digits) of the ids, row-major. */
  readonly digest: string;
}

/**
 * Summarizes an image: size, per-channel mean, range and a digest of its 8-bit samples. Two
 * images with equal summaries save to the same 8-bit PNG; rounding keeps float noise below
 * `10^-decimals` out of the figures (default 4).
 */
export function summarizeImage(image: Image, decimals = 4): ImageSummary {
  const sums = new Array<number>(image.channels).fill(0);
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < image.data.length; i++) {
    const value = image.data[i] ?? 0;
    sums[i % image.channels] = (sums[i % image.channels] ?? 0) + value;
    if (value < min) min = value;
    if (value > max) max = value;
  }
  const pixels = image.width * image.height;
  const round = (value: number): number => Number(value.toFixed(decimals));
  return {
    width: image.width,
    height: image.height,
    channels: image.channels,
    mean: sums.map((sum) => round(sum / pixels)),
    min: round(min),
    max: round(max),
    digest: imageDigest(image),
  };
}

/** sha256 (first 16 hex digits) of an image's size and 8-bit samples. */
export function imageDigest(image: Image): string {
  return digest(`${image.width}x${image.height}x${image.channels}`, imageToBytes(image));
}

/** Summarizes a label map: size, class names, pixels per class and a digest of the ids. */
export function summarizeLabelMap(map: LabelMap): LabelMapSummary {
  const counts: Record<string, number> = {};
  for (const id of map.ids) counts[id] = (counts[id] ?? 0) + 1;
  return { width: map.width, height: map.height, classes: [...map.classes], counts, digest: labelMapDigest(map) };
}

/** sha256 (first 16 hex digits) of a label map's size and ids (class names not included). */
export function labelMapDigest(map: LabelMap): string {
  return digest(`${map.width}x${map.height}`, map.ids);
}

function digest(header: string, bytes: Uint8Array): string {
  return createHash('sha256').update(header).update(bytes).digest('hex').slice(0, 16);
}
