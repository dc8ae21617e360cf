// Public surface of the kube component.
export { KubeClient } from './kube-client.ts';
export type * from './kube-client.ts';
export {
  KubeApiError,
  isAlreadyExists,
  isConflict,
  isForbidden,
  isInvalid,
  isNotFound,
  toKubeError,
} from './kube-error.ts';
