// Public surface of the scripted model server.
export {
  startScriptedModelServer,
  type RecordedRequest,
  type ScriptedModelServer,
  type ScriptedModelServerOptions,
} from './server.ts';
export {
  ModelScriptError,
  parseModelScript,
  validateModelScript,
  type ConversationMatch,
  type ModelScript,
  type ScriptedConversation,
  type ScriptedError,
  type ScriptedToolCall,
  type ScriptedTurn,
  type ScriptedUsage,
} from './script.ts';
export type { ApiFormat } from './format.ts';
export { transcriptOf, TRANSCRIPT_TEXT_LIMIT, type TranscriptMessage } from './transcript.ts';
