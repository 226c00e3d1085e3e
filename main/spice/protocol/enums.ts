// The SPICE protocol enums, generated into shared/spice-enums.ts (scripts/gen-enums.mjs) so every layer uses the
// same numbers; re-exported here so the protocol core keeps importing `../protocol/enums`.
export * from '../../../shared/spice-enums';
