/**
 * Clopper-Pearson ("exact") interval for a binomial rate: each bound is the rate at which the
 * observed count would be just as surprising as the chosen tail, so it never claims more than
 * the count shows. An audit starts with a handful of inputs, where approximate intervals
 * (normal, even Wilson) are too narrow: one violation in one audit is not evidence that the
 * rate is above 10%, and Clopper-Pearson does not say it is.
 */
export function clopperPearson(successes: number, n: number, confidence = 0.95): [number, number] {
  if (n <= 0) return [0, 1];
  const tail = (1 - confidence) / 2;
  // P(X >= k | p) grows with p; P(X <= k | p) falls with p.
  const low = successes <= 0 ? 0 : bisect((p) => 1 - binomialCdf(successes - 1, n, p) - tail);
  const high = successes >= n ? 1 : bisect((p) => tail - binomialCdf(successes, n, p));
  return [low, high];
}

/** P(X <= k) for X ~ Binomial(n, p), summed in log space so that large n does not underflow. */
function binomialCdf(k: number, n: number, p: number): number {
  if (p <= 0) return 1;
  if (p >= 1) return k >= n ? 1 : 0;
  let logTerm = n * Math.log1p(-p); // log P(X = 0)
  let sum = Math.exp(logTerm);
  for (let i = 1; i <= k; i++) {
    logTerm += Math.log((n - i + 1) / i) + Math.log(p) - Math.log1p(-p);
    sum += Math.exp(logTerm);
  }
  return Math.min(1, sum);
}

/** The root in [0, 1] of an increasing function (to 1e-12). */
function bisect(f: (p: number) => number): number {
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (f(mid) < 0) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}
