// One tool the agent may call. Inputs arrive already validated against `spec.parameters`; the
// outcome is a value (an error the model can read), never a throw for an expected failure.
import type { ToolSpec } from '../model.ts';

export interface ToolResult {
  content: string;
  isError: boolean;
}

export interface ToolContext {
  signal: AbortSignal;
}

export interface Tool<Args = Record<string, unknown>> {
  spec: ToolSpec;
  run(args: Args, context: ToolContext): Promise<ToolResult>;
}

export const toolOk = (content: string): ToolResult => ({ content, isError: false });
export const toolError = (content: string): ToolResult => ({ content, isError: true });
