import type { PortraitIdentity } from './portrait-render.js';

/**
 * The face the Expression Editor draws its driving portraits with: a plain identity as the
 * training toolkit draws them (`sample_identity(rng, busy=False)`: short hair, no glasses, no
 * freckles, plain background), with every value inside the ranges that function samples, chosen
 * once near their middles so the motion encoder reads a face like the ones it was trained on and
 * nothing but the expression and pose stands out. The parity fixture script
 * (exitgraph_training/faces/write_render_fixture.py) holds the same values, and the parity test
 * checks that the two agree.
 */
export const DRIVER_IDENTITY: Readonly<PortraitIdentity> = Object.freeze<PortraitIdentity>({
  face_w: 0.46,
  face_h: 0.565,
  jaw: 0.2,
  skin: [0.93, 0.74, 0.6],
  hair_style: 0,
  hair: [0.3, 0.18, 0.09],
  hairline: -0.55,
  fringe: 0.4,
  hair_freq: 25,
  hair_angle: 1.55,
  eye_spacing: 0.34,
  eye_v: -0.09,
  eye_w: 0.14,
  eye_h: 0.072,
  iris: [0.3, 0.18, 0.08],
  brow_w: 0.135,
  brow_t: 0.02,
  nose_len: 0.26,
  nose_w: 0.105,
  mouth_v: 0.55,
  mouth_w: 0.225,
  lip_t: 0.025,
  lips: [0.75, 0.35, 0.38],
  glasses: 0,
  frame: [0.3, 0.18, 0.09],
  frame_t: 0.018,
  freckles: false,
  shirt: [0.35, 0.45, 0.6],
  bg_a: [0.78, 0.8, 0.82],
  bg_b: [0.55, 0.6, 0.66],
  bg_pattern: 0,
  bg_freq: 10,
  bg_angle: 0.6,
});
