// LZ payloads of every LzImageType encoded by spice-common's own LZ encoder (the server's code; fixtures in
// test/fixtures/images/lz-spice-common, see PROVENANCE.md), checked against independently derived pixels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeLz, decodeLzAlphaInto } from '../../../main/spice/decoders/lz';
import {
  LZ_REF_H,
  LZ_REF_PALETTE,
  LZ_REF_TYPES,
  LZ_REF_W,
  lzReferenceCase,
} from '../../fixtures/images/tools/make-lz-reference';
import { FIXTURES } from './replay';

for (const kind of Object.keys(LZ_REF_TYPES)) {
  for (const topDown of [true, false]) {
    const c = lzReferenceCase(kind, topDown);
    void test(`spice-common LZ encoder, ${c.name}: bit-exact`, () => {
      const data = new Uint8Array(readFileSync(join(FIXTURES, 'lz-spice-common', `${c.name}.lz`)));
      let pixels: Uint8Array;
      if (kind === 'xxxa') {
        const target = {
          width: LZ_REF_W,
          height: LZ_REF_H,
          pixels: new Uint8Array(LZ_REF_W * LZ_REF_H * 4),
          hasAlpha: false,
        };
        decodeLzAlphaInto(data, target);
        pixels = target.pixels;
      } else {
        const img = decodeLz(data, { palette: LZ_REF_PALETTE });
        assert.equal(img.hasAlpha, kind === 'rgba' || kind === 'a8');
        pixels = img.pixels;
      }
      let bad = -1;
      for (let i = 0; i < pixels.length && bad < 0; i++) if (pixels[i] !== c.expected[i]) bad = i;
      assert.equal(bad, -1, `first difference at byte ${bad} (pixel ${bad >> 2})`);
    });
  }
}
