// The API group, version and the product version, known everywhere without I/O.
export const group = 'k8sclaw.io';
export const version = 'v1alpha1';
export const apiVersion = `${group}/${version}`;
