// The wire shapes of admission.k8s.io/v1 AdmissionReview, as much of them as the webhook reads
// and writes, and the response for a verdict: a refusal is `allowed: false` with the sentence as
// status.message and code 403 (the kube-apiserver shows it to the requester as is).
import type { AdmissionVerdict } from './admission-verdict.ts';
import type { JsonPatchOperation } from './mutate-agent-run.ts';

export interface AdmissionUserInfo {
  username?: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

export interface AdmissionRequest {
  uid: string;
  kind: { group: string; version: string; kind: string };
  operation: 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';
  namespace?: string;
  name?: string;
  userInfo: AdmissionUserInfo;
  object?: unknown;
  oldObject?: unknown;
  dryRun?: boolean;
}

export interface AdmissionReview {
  apiVersion: 'admission.k8s.io/v1';
  kind: 'AdmissionReview';
  request?: AdmissionRequest;
  response?: AdmissionResponse;
}

export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  status?: { code: number; message: string };
  patchType?: 'JSONPatch';
  /** Base64 of the JSON Patch document. */
  patch?: string;
}

export function admissionResponse(
  uid: string,
  verdict: AdmissionVerdict,
  refusalCode = 403,
): AdmissionReview {
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    response: verdict.allowed
      ? { uid, allowed: true }
      : { uid, allowed: false, status: { code: refusalCode, message: verdict.message } },
  };
}

/** An admitted object, changed by `operations` (none: admitted as it is). */
export function mutationResponse(uid: string, operations: JsonPatchOperation[]): AdmissionReview {
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    response:
      operations.length === 0
        ? { uid, allowed: true }
        : {
            uid,
            allowed: true,
            patchType: 'JSONPatch',
            patch: Buffer.from(JSON.stringify(operations)).toString('base64'),
          },
  };
}
