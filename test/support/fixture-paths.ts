// Where the vendored test data lives (test/fixtures/, each folder with its PROVENANCE.md). Tests read only these
// paths, never anything outside the repository, so a fresh clone in any folder runs the suite.
import { join } from 'node:path';

export const FIXTURES_DIR = join(import.meta.dirname, '..', 'fixtures');
/** The image decode corpus: QUIC and LZ payloads with their pixels' digests (corpus/manifest.json). */
export const CORPUS_DIR = join(FIXTURES_DIR, 'corpus');
/** Real QEMU ↔ spice-gtk sessions recorded with tshark, and the message streams cut from them. */
export const CAPTURES_DIR = join(FIXTURES_DIR, 'captures');

export function corpusPath(file: string): string {
  return join(CORPUS_DIR, file);
}
