// The memory markers an agent writes into its output to propose additions to its instance's
// persistent memory. The controller extracts them from the result, applies them to the memory
// ConfigMap and shows users the output without them.
//
// Format: an HTML comment pair around the text to remember, so a marker the controller missed still
// renders as nothing in markdown:
//
//   <!-- memory:append -->
//   Alice prefers answers in German.
//   <!-- /memory -->
//
// Markers may sit inside a line or span lines; each pair is one memory entry, its text trimmed. An
// opening marker with no closing one is dropped from the output and its text is left visible and not
// remembered (the agent's answer is never lost and nothing ambiguous is stored); a stray closing
// marker is dropped too.

export const memoryAppendOpen = '<!-- memory:append -->';
export const memoryClose = '<!-- /memory -->';

// whitespace inside the comment delimiters is tolerated, as models reformat freely
const pair = /<!--\s*memory:append\s*-->([\s\S]*?)<!--\s*\/memory\s*-->/g;
const stray = /<!--\s*(?:memory:append|\/memory)\s*-->/g;

export interface ExtractedMemory {
  /** The output with every marker removed: what users see. */
  cleaned: string;
  /** The text of each marker pair, in order, without empty ones. */
  updates: string[];
}

export function extractMemoryMarkers(output: string): ExtractedMemory {
  const updates: string[] = [];
  const withoutPairs = output.replace(pair, (_marker, text: string) => {
    const update = text.replace(/\r\n/g, '\n').trim();
    if (update) updates.push(update);
    return '';
  });
  const cleaned = withoutPairs
    .replace(stray, '')
    // removing a marker that stood on its own lines leaves a run of blank lines behind
    .replace(/[ \t]+$/gm, '')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  return { cleaned, updates };
}
