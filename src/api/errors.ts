// The one error base of K8sClaw. Every edge (kube, bus, store, provider) subclasses it with a
// machine-readable `code`; the original error is kept as `cause`, never stringified away.

export class K8sClawError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}
