// Kubernetes resource quantities (500m, 2, 1.5, 512Mi, 1G, 1e3) as plain numbers, precise enough to
// compare a sandbox's requested CPU and memory with a policy's maxCPU and maxMemory.
const multipliers: Record<string, number> = {
  '': 1,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

// the pattern the API's quantity fields are validated with
const whole =
  /^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$/;
const parts = /^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))([KMGTPE]i|[numkMGTPE])?$/;

/** The value of a quantity in base units (cores, bytes); undefined when it is not a quantity. */
export function parseQuantity(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (!whole.test(value)) return undefined;
  const match = parts.exec(value);
  // the remaining form is a decimal exponent (1e3, 2E-2), which Number() reads as it is
  if (!match) return Number(value);
  const [, mantissa = '0', suffix = ''] = match;
  return Number(mantissa) * (multipliers[suffix] ?? 1);
}
