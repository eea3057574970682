/**
 * The faces pack's portrait renderer, ported from the training toolkit's
 * models/training/exitgraph_training/faces/render.py: render(identity, expression) -> RGB uint8.
 *
 * The pack was trained on these pictures, so a driving portrait drawn here is one the model's
 * motion encoder reads as it was taught. The port keeps the Python's order of operations and
 * constants; every step is per pixel (the Python's bounding boxes only skip pixels a mask leaves
 * alone), so it is written as one colour computation per pixel. It computes in float64 where the
 * Python uses float32, so a few pixels on hard edges may differ by a level or so
 * (test/nodes/portrait-render.test.ts measures it against pictures the Python wrote).
 *
 * Geometry (as in render.py): the head is a unit sphere in the head's rolled frame; each head
 * pixel is lifted onto it and turned by the inverse yaw and pitch into the face frame (U, V, W),
 * where the features are implicit shapes on the front (W > 0).
 */

export type Rgb = readonly [number, number, number];

/** Expression and pose parameters and their ranges (radians for angles; shifts in half-images). */
export const EXPRESSION_RANGES = {
  mouth_open: [0.0, 1.0],
  smile: [-0.6, 1.0],
  brow_raise: [-1.0, 1.0],
  blink: [0.0, 1.0],
  gaze_x: [-1.0, 1.0],
  gaze_y: [-1.0, 1.0],
  yaw: [-0.6, 0.6],
  pitch: [-0.35, 0.35],
  roll: [-0.35, 0.35],
  shift_x: [-0.2, 0.2],
  shift_y: [-0.12, 0.12],
} as const satisfies Record<string, readonly [number, number]>;

export type ExpressionParam = keyof typeof EXPRESSION_RANGES;
export type PortraitExpression = Record<ExpressionParam, number>;

export const EXPRESSION_PARAMS = Object.keys(EXPRESSION_RANGES) as ExpressionParam[];

export const HAIR_STYLES = ['short', 'medium', 'long', 'bangs', 'side_fringe', 'bald'] as const;
export const GLASSES = ['none', 'round', 'square'] as const;
export const BACKGROUNDS = ['plain', 'stripes', 'dots', 'pinstripes'] as const;

/** render.py's pinstripe_freq: pinstripes are stripes at 36..50 half-periods across the picture (bg_freq 6..14). */
export const pinstripeFreq = (bgFreq: number): number => 36 + 1.75 * (bgFreq - 6);

/** Who the portrait shows: render.py's identity dict, field for field (styles are indexes into the lists above). */
export interface PortraitIdentity {
  face_w: number;
  face_h: number;
  jaw: number;
  skin: Rgb;
  hair_style: number;
  hair: Rgb;
  hairline: number;
  fringe: number;
  hair_freq: number;
  hair_angle: number;
  eye_spacing: number;
  eye_v: number;
  eye_w: number;
  eye_h: number;
  iris: Rgb;
  brow_w: number;
  brow_t: number;
  nose_len: number;
  nose_w: number;
  mouth_v: number;
  mouth_w: number;
  lip_t: number;
  lips: Rgb;
  glasses: number;
  frame: Rgb;
  frame_t: number;
  freckles: boolean;
  shirt: Rgb;
  bg_a: Rgb;
  bg_b: Rgb;
  bg_pattern: number;
  bg_freq: number;
  bg_angle: number;
}

export const PORTRAIT_SIZE = 128;

export function neutralExpression(): PortraitExpression {
  return Object.fromEntries(EXPRESSION_PARAMS.map((name) => [name, 0])) as PortraitExpression;
}

/** One fixed light, the same as render.py's (normalised there in float32). */
const LIGHT = ((): Rgb => {
  const [x, y, z] = [-0.45, -0.55, 0.7];
  const n = Math.hypot(x, y, z);
  return [x / n, y / n, z / n];
})();

/** Soft inside-mask of an implicit shape: d < 0 inside; `width` the anti-aliasing ramp. */
function soft(d: number, width: number): number {
  return clip(0.5 - d / width, 0, 1);
}

function clip(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

/** Paints `colour` over `c` with coverage `m` (render.py's _over, for one pixel). */
function over(c: Colour, m: number, r: number, g: number, b: number): void {
  c[0] += m * (r - c[0]);
  c[1] += m * (g - c[1]);
  c[2] += m * (b - c[2]);
}

/** A colour being painted (RGB in 0..1, not yet clipped). */
type Colour = [number, number, number];

const overRgb = (c: Colour, m: number, rgb: Rgb, scale = 1, add = 0): void => over(c, m, rgb[0] * scale + add, rgb[1] * scale + add, rgb[2] * scale + add);

/** numpy's round (half to even), so a value exactly between two levels lands where numpy puts it. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x - Math.trunc(x)) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Python's % on floats (the result takes the divisor's sign). */
const floorMod = (a: number, n: number): number => ((a % n) + n) % n;

/**
 * RGB bytes, row-major [size, size, 3], of `identity` showing `expression`: the same picture as
 * render.py's render(identity, expression, size).
 */
export function renderPortrait(identity: PortraitIdentity, expression: PortraitExpression, size = PORTRAIT_SIZE): Uint8Array {
  checkIdentity(identity);
  const draw = portraitPixel(identity, expression, size);
  const out = new Uint8Array(size * size * 3);
  const c: Colour = [0, 0, 0];
  for (let row = 0; row < size; row++) {
    const gy = ((row + 0.5) / size) * 2 - 1;
    for (let col = 0; col < size; col++) {
      const gx = ((col + 0.5) / size) * 2 - 1;
      draw(gx, gy, c);
      const at = (row * size + col) * 3;
      for (let k = 0; k < 3; k++) out[at + k] = roundHalfEven(clip(c[k]!, 0, 1) * 255);
    }
  }
  return out;
}

function checkIdentity(identity: PortraitIdentity): void {
  const lists: [keyof PortraitIdentity, readonly string[]][] = [['hair_style', HAIR_STYLES], ['glasses', GLASSES], ['bg_pattern', BACKGROUNDS]];
  for (const [field, names] of lists) {
    const value = identity[field];
    if (!Number.isInteger(value) || (value as number) < 0 || (value as number) >= names.length) throw new Error(`portrait identity: ${field} must be an index 0..${names.length - 1} (${names.join(', ')}), got ${JSON.stringify(value)}`);
  }
}

/** The colour of the pixel centred at (gx, gy) in [-1, 1] (x right, y down), written into c. */
function portraitPixel(idn: PortraitIdentity, ex: PortraitExpression, size: number): (gx: number, gy: number, c: Colour) => void {
  const px = 2 / size;
  const style = HAIR_STYLES[idn.hair_style]!;
  const background = BACKGROUNDS[idn.bg_pattern]!;
  const glassesKind = GLASSES[idn.glasses]!;
  const [a, b] = [idn.bg_a, idn.bg_b];
  const bgCos = Math.cos(idn.bg_angle);
  const bgSin = Math.sin(idn.bg_angle);
  const stripeFreq = background === 'pinstripes' ? pinstripeFreq(idn.bg_freq) : idn.bg_freq;
  // head placement: identity size, expression shift; roll rotates the image plane about the head
  const cx = ex.shift_x;
  const cy = -0.14 + ex.shift_y;
  const rx = idn.face_w;
  const ry = idn.face_h;
  const cr = Math.cos(ex.roll);
  const sr = Math.sin(ex.roll);
  const hairCos = Math.cos(idn.hair_angle);
  const hairSin = Math.sin(idn.hair_angle);
  // The head is drawn only in its bounding box, as render.py does (its window of rows and columns).
  const reach = Math.max(rx, ry) + 3 * px;
  const centres = Array.from({ length: size }, (_, i) => ((i + 0.5) / size) * 2 - 1);
  const windowRow = centres.findIndex((g) => Math.abs(g - cy) < reach);
  const windowCol = centres.findIndex((g) => Math.abs(g - cx) < reach);
  // Hair strands: render.py paints them over the head with the strand pattern of the whole
  // picture indexed by the head window's own coordinates, so the pattern a face pixel shows is
  // the one (windowRow, windowCol) pixels up and left of it. The pack learnt those pictures; the
  // port draws them the same way.
  const strands = (gx: number, gy: number): number => {
    const dx = gx - windowCol * px - cx;
    const dy = gy - windowRow * px - cy;
    const qx = cr * dx + sr * dy;
    const qy = -sr * dx + cr * dy;
    return 0.82 + 0.18 * Math.sin((qx * hairCos + qy * hairSin) * idn.hair_freq);
  };
  const cyw = Math.cos(ex.yaw);
  const syw = Math.sin(ex.yaw);
  const cp = Math.cos(ex.pitch);
  const sp = Math.sin(ex.pitch);
  const face: Colour = [0, 0, 0];
  const eye: Colour = [0, 0, 0];
  const mouthColour: Colour = [0, 0, 0];

  return (gx, gy, c) => {
    // background: gradient between two colours, optional stripes, dots or pinstripes
    const t = clip(0.5 + 0.5 * (gx * 0.3 + gy * 0.9), 0, 1);
    for (let k = 0; k < 3; k++) c[k] = a[k]! * (1 - t) + b[k]! * t;
    if (background === 'stripes' || background === 'pinstripes') {
      const s = Math.sin((gx * bgCos + gy * bgSin) * (stripeFreq * Math.PI));
      overRgb(c, soft(-s, 0.25) * 0.55, b, 0.55, 0.35);
    } else if (background === 'dots') {
      const f = idn.bg_freq * 0.5;
      const u = gx * f;
      const v = gy * f + 0.5 * floorMod(Math.floor(gx * f), 2);
      const d = Math.hypot(u - Math.round(u), v - Math.round(v)) - 0.22;
      overRgb(c, soft(d, 0.08) * 0.7, a, 0.4, 0.45);
    }

    const dx = gx - cx;
    const dy = gy - cy;
    const qx = cr * dx + sr * dy;
    const qy = -sr * dx + cr * dy;
    // hair behind the head (volume and long hair), in the rolled frame so it turns with the head
    const X0 = qx / rx;
    const Y0 = qy / ry;
    let back = 0;
    if (style === 'medium' || style === 'long' || style === 'bangs' || style === 'side_fringe') {
      const vol = Math.hypot(X0 / 1.13, (Y0 + 0.08) / 1.1) - 1;
      back = Math.max(back, soft(vol * rx, px * 1.5) * (Y0 < 0.45 ? 1 : 0));
    }
    if (style === 'long') {
      const side = Math.max(Math.abs(X0) - 1.2, -(Math.abs(X0) - 0.55)) * rx;
      const band = Math.max(side, Math.max(Y0 - 1.7 - 0.1 * Math.cos(X0 * 6), -Y0));
      back = Math.max(back, soft(band, px * 1.5));
    }
    overRgb(c, back, idn.hair, 0.8);

    // shoulders and neck (follow the head shift, not its rotation)
    const sh = Math.hypot((gx - cx * 0.6) / 0.95, (gy - 1.22 - cy * 0.3) / 0.5) - 1;
    overRgb(c, soft(sh * 0.5, px), idn.shirt, 0.85 + 0.15 * clip(-gx, -1, 1));
    const neckD = Math.max(Math.abs(gx - cx) - rx * 0.42, Math.max(cy + 0.3 * ry - gy, gy - 0.95));
    overRgb(c, soft(neckD, px), idn.skin, 0.72);

    if (Math.abs(gy - cy) >= reach || Math.abs(gx - cx) >= reach) return;

    // the head: a unit sphere in the rolled frame, jaw narrowed towards the chin
    const jaw = 1 - idn.jaw * clip(Y0, 0, 1) ** 2;
    const X = X0 / jaw;
    const r2 = X * X + Y0 * Y0;
    const head = soft((Math.sqrt(r2) - 1) * rx, px);
    const Z = Math.sqrt(clip(1 - r2, 0, 1));
    // normal in the camera frame (roll undone for lighting, so the light stays put)
    const nx = cr * X - sr * Y0;
    const ny = sr * X + cr * Y0;
    const lam = clip(nx * LIGHT[0] + ny * LIGHT[1] + Z * LIGHT[2], 0, 1);
    const shade = 0.45 + 0.6 * lam;

    // face frame: inverse yaw (about the vertical axis), then inverse pitch
    const U = cyw * X - syw * Z;
    const W1 = syw * X + cyw * Z;
    const V = cp * Y0 + sp * W1;
    const W = -sp * Y0 + cp * W1;
    const front = clip(W * 4, 0, 1);
    const uvAa = 0.035;
    const skin = idn.skin;

    face[0] = skin[0];
    face[1] = skin[1];
    face[2] = skin[2];
    if (idn.freckles) {
      const f = 22;
      const cu = U * f;
      const cv = V * f;
      const d = Math.hypot(cu - Math.round(cu), cv - Math.round(cv)) - 0.18;
      const cheek = clip(1 - Math.hypot((Math.abs(U) - 0.38) / 0.25, (V - 0.2) / 0.15), 0, 1);
      overRgb(face, soft(d, 0.15) * cheek * front * 0.6, skin, 0.62);
    }
    // nose: a shadow on the side away from the light and a highlight on the tip
    const nl = idn.nose_len;
    const nw = idn.nose_w;
    const nose = clip(1 - Math.hypot(U / nw, (V - 0.12 - nl * 0.2) / (nl * 0.55)), 0, 1) * front;
    overRgb(face, clip(nose * 2.2, 0, 1) * (U > 0 ? 1 : 0) * 0.45, skin, 0.55);
    overRgb(face, soft(Math.hypot(U / (nw * 0.7), (V - 0.12 - nl * 0.62) / 0.05) - 1, 0.6) * front * 0.5, skin, 0.6, 0.3);
    overRgb(face, soft(Math.hypot((Math.abs(U) - nw * 0.45) / 0.045, (V - 0.14 - nl * 0.7) / 0.025) - 1, 0.5) * front, skin, 0.35);

    // eyes: sclera, iris (follows gaze), pupil, highlight; blink closes the lids
    const es = idn.eye_spacing;
    const ev = idn.eye_v;
    const ew = idn.eye_w;
    const eh = idn.eye_h * (1 - 0.92 * ex.blink);
    for (const side of [-1, 1]) {
      const eu = U - side * es;
      const evv = V - ev;
      const eD = Math.hypot(eu / ew, evv / Math.max(eh, 1e-3)) - 1;
      const m = soft(eD * ew, uvAa * 0.6) * front;
      eye[0] = 0.96;
      eye[1] = 0.95;
      eye[2] = 0.93;
      const iu = eu - ex.gaze_x * ew * 0.45;
      const iv = evv - ex.gaze_y * eh * 0.35;
      const ir = ew * 0.48;
      overRgb(eye, soft(Math.hypot(iu, iv) - ir, uvAa * 0.5), idn.iris);
      over(eye, soft(Math.hypot(iu, iv) - ir * 0.45, uvAa * 0.4), 0.03, 0.03, 0.04);
      over(eye, soft(Math.hypot(iu + ir * 0.3, iv + ir * 0.3) - ir * 0.18, uvAa * 0.3), 1, 1, 1);
      const lid = soft(Math.abs(eD * ew) - 0.012, uvAa * 0.5) * front;
      over(face, m, eye[0], eye[1], eye[2]);
      overRgb(face, lid, skin, 0.3);
      // closed lid line when blinking
      if (ex.blink > 0.6) {
        const line = soft(Math.max(Math.abs(evv) - 0.012, Math.abs(eu) - ew), uvAa * 0.4) * front;
        overRgb(face, (line * (ex.blink - 0.6)) / 0.4, skin, 0.3);
      }
    }

    // brows: arcs above the eyes, raised by brow_raise
    let brows = 0;
    for (const side of [-1, 1]) {
      const bu = U - side * es;
      const bv = ev - 0.17 - 0.07 * ex.brow_raise + 0.1 * (bu / idn.brow_w) ** 2 - (side * 0.03 * ex.brow_raise * bu) / idn.brow_w;
      const d = Math.max(Math.abs(V - bv) - idn.brow_t, Math.abs(bu) - idn.brow_w);
      brows = Math.max(brows, soft(d, uvAa * 0.6) * front);
    }
    overRgb(face, brows, idn.hair, 0.7, 0.05);

    // mouth: lips, an opening (dark), upper teeth with gaps when open
    const mw = idn.mouth_w * (1 + 0.22 * Math.max(ex.smile, 0));
    const mu = U / mw;
    const centre = idn.mouth_v - ex.smile * 0.09 * mu ** 2 + 0.02 * ex.mouth_open;
    const openH = 0.01 + 0.16 * ex.mouth_open * clip(1 - mu ** 2, 0, 1);
    const inner = Math.max(Math.abs(V - centre) - openH / 2, Math.abs(mu) - 1);
    const lips = soft(Math.max(Math.abs(V - centre) - openH / 2 - idn.lip_t, Math.abs(mu) - 1.08), uvAa * 0.6) * front;
    overRgb(face, lips, idn.lips);
    const mouthIn = soft(inner * mw, uvAa * 0.35) * front;
    mouthColour[0] = 0.28;
    mouthColour[1] = 0.06;
    mouthColour[2] = 0.07;
    if (ex.mouth_open > 0.25) {
      const toothTop = centre - openH / 2;
      const teeth = V < toothTop + 0.045 * Math.min(1, ex.mouth_open * 1.5) && Math.abs(mu) < 0.8 ? 1 : 0;
      const gaps = clip(Math.cos(U * 48) * 3 + 2.2, 0, 1);
      over(mouthColour, teeth * gaps, 0.97, 0.96, 0.9);
      // tongue
      over(mouthColour, soft(Math.abs(V - (centre + openH * 0.3)) - 0.03, 0.02) * (Math.abs(mu) < 0.6 ? 1 : 0) * 0.8, 0.75, 0.25, 0.28);
    }
    over(face, mouthIn, mouthColour[0], mouthColour[1], mouthColour[2]);

    // hair on the head: above the hairline, and on the back of the head (seen when turned)
    let hairD = V - (idn.hairline + 0.12 * U ** 2);
    if (style === 'bangs') hairD = V - (ev - 0.16 + 0.05 * Math.cos(U * 14));
    else if (style === 'side_fringe') hairD = V - (idn.hairline + 0.25 + idn.fringe * (0.55 - 0.9 * U));
    const frontHair = Math.max(style === 'bald' ? 0 : soft(hairD, 0.05), clip(-W * 5 + (style === 'bald' ? -9 : 0), 0, 1));
    overRgb(face, frontHair, idn.hair, strands(gx, gy));

    // glasses: frames around the eyes, tinted lenses, a bridge
    if (glassesKind !== 'none') {
      const gr = ew * 1.35;
      let glasses = 0;
      for (const side of [-1, 1]) {
        const gu = (U - side * es) / gr;
        const gv = (V - ev - 0.01) / (gr * 0.85);
        const n = glassesKind === 'round' ? Math.hypot(gu, gv) : Math.max(Math.abs(gu), Math.abs(gv));
        const ring = soft(Math.abs(n - 1) * gr - idn.frame_t, uvAa * 0.4) * front;
        const lens = soft((n - 1) * gr, uvAa * 0.4) * front;
        over(face, lens * 0.2, 0.6, 0.75, 0.85);
        glasses = Math.max(glasses, ring);
      }
      const bridge = soft(Math.max(Math.abs(V - ev + 0.03) - idn.frame_t, Math.abs(U) - (es - gr)), uvAa * 0.4) * front;
      glasses = Math.max(glasses, bridge);
      overRgb(face, glasses, idn.frame);
    }

    over(c, head, face[0]! * shade, face[1]! * shade, face[2]! * shade);
  };
}
