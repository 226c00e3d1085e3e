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
