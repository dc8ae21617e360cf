// Public surface of the ipc component: the /ipc file protocol, the runner's side of it and the
// bridge that connects it to the event bus.
export { IpcError, ipcErrorCodes, isIpcError, type IpcErrorCode } from './ipc-error.ts';
export {
  buildIpcFileName,
  checkHistoryFile,
  ensureIpcLayout,
  eventFileSchema,
  historyFileSchema,
  ipcLayout,
  ipcNames,
  listPending,
  maxIpcFileBytes,
  parseIpcFileName,
  readIpcFile,
  removeIpcFile,
  writeFileAtomic,
  type EventFile,
  type FileRead,
  type HistoryFile,
  type IpcFile,
  type IpcLayout,
} from './protocol.ts';
export { watchWithFs, type WatchDirectory } from './directory-watch.ts';
export { createRunnerIpc, type EmittedEvent, type RunnerIpc, type RunnerIpcOptions } from './runner-ipc.ts';
export {
  runBridge,
  type BridgeLogger,
  type BridgeOptions,
  type BridgeRetryOptions,
  type BridgeSummary,
  type RunEventSink,
  type RunInputSource,
} from './bridge.ts';
export {
  fetchSessionHistory,
  provideSessionHistory,
  type FetchHistoryOptions,
} from './fetch-session-history.ts';
