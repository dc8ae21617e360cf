// The questions the onboard wizard asks, as a small interface: the terminal answers them through
// @clack/prompts (clack-prompter.ts), unit tests through a script of answers. The wizard never
// touches a terminal itself.

export interface Choice<T extends string> {
  value: T;
  label: string;
  hint?: string;
}

export interface OnboardPrompter {
  /** A line of text; `initial` is the answer when the user just presses Enter. */
  text(question: {
    message: string;
    initial?: string;
    validate?: (value: string) => string | undefined;
  }): Promise<string>;
  /** A value typed without echo (an API key, a token). */
  secret(question: { message: string; validate?: (value: string) => string | undefined }): Promise<string>;
  select<T extends string>(question: {
    message: string;
    choices: readonly Choice<T>[];
    initial?: T;
  }): Promise<T>;
  confirm(question: { message: string; initial: boolean }): Promise<boolean>;
  /** A line of information between the questions (never a secret). */
  say(line: string): void;
}
