// One message of a catalogue: a template with `{name}` placeholders, or plural forms by CLDR category.
export interface PluralMessage {
  zero?: string;
  one?: string;
  two?: string;
  few?: string;
  many?: string;
  other: string;
}

export type Message = string | PluralMessage;

/** Every form of a message (one for a plain template). */
export function formsOf(message: Message): string[] {
  if (typeof message === 'string') return [message];
  const { zero, one, two, few, many, other } = message;
  return [zero, one, two, few, many, other].filter((f): f is string => f !== undefined);
}
