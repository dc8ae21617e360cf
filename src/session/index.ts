// Public surface of the session component, the only importer of the pg client: the PostgreSQL
// session store, its records and errors, and the pure rules it applies (history window, condensed
// transcript). pg types never cross this boundary.
export {
  migrationsTable,
  SessionStore,
  type HistoryOptions,
  type MigrateOptions,
  type SessionStoreOptions,
} from './session-store.ts';
export type {
  AppendedMessage,
  InstanceUsage,
  MessageRole,
  NewMessage,
  Page,
  PageOptions,
  RunRecord,
  Session,
  SessionMessage,
  SessionRef,
  StoredRunRecord,
} from './session-records.ts';
export {
  isInvalidContinue,
  isSessionStoreUnavailable,
  SessionStoreError,
  sessionStoreErrorCodes,
  type SessionStoreErrorCode,
} from './session-store-error.ts';
export {
  charactersPerToken,
  estimateTokens,
  planHistoryWindow,
  tokensPerMessage,
  type HistoryLimits,
  type HistoryMessage,
} from './history-window.ts';
export {
  buildCondensedTranscript,
  defaultTranscriptLimits,
  truncateText,
  type CondensedTranscript,
  type TranscriptLimits,
  type TranscriptToolCall,
} from './condensed-transcript.ts';
export { defaultMigrationsDir } from './migrations-dir.ts';
