// The benchmark's page tap (scripts/bench-interactive/page-tap.ts) in Debian's Chromium: a frame counter put on a
// document canvas by any of the drawing paths a renderer may use — 2D putImageData and drawImage, WebGL draw
// calls, bitmaprenderer — is read back and noted once; canvases outside the document are not the screen.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { launchBenchBrowser, readTap } from '../../scripts/bench-interactive/chromium';
import type { BenchBrowser } from '../../scripts/bench-interactive/chromium';
import { requireTools } from '../support/require-tool';

requireTools(['chromium']);

let browser: BenchBrowser;
let page: Page;

before(async () => {
  browser = await launchBenchBrowser({ width: 800, height: 600 });
  page = browser.page;
  // a real navigation (not setContent, whose document.open() drops the tap's window listeners)
  await page.route('http://bench.test/', (route) =>
    route.fulfill({
      contentType: 'text/html',
      body: '<canvas id="c2d" width="720" height="32"></canvas><canvas id="gl" width="720" height="32"></canvas><canvas id="bmp" width="720" height="32"></canvas>',
    }),
  );
  await page.goto('http://bench.test/');
  // a strip painter in the page (the layout of frame-code.ts: marker, 20 bits, 20 inverted bits)
  await page.evaluate(() => {
    (window as unknown as { strip: (n: number) => ImageData }).strip = (n: number) => {
      const img = new ImageData(720, 32);
      for (let b = 0; b < 44; b++) {
        let on: boolean;
        if (b < 4) on = b % 2 === 0;
        else {
          const i = b - 4;
          const one = Math.floor(n / 2 ** (19 - (i % 20))) % 2 === 1;
          on = i < 20 ? one : !one;
        }
        for (let y = 0; y < 32; y++)
          for (let x = 0; x < 16; x++) {
            const p = (y * 720 + b * 16 + x) * 4;
            img.data[p] = img.data[p + 1] = img.data[p + 2] = on ? 255 : 0;
            img.data[p + 3] = 255;
          }
      }
      return img;
    };
  });
});

after(async () => {
  await browser?.close();
});

type StripWindow = Window & { strip: (n: number) => ImageData };

void test(
  '2D putImageData and drawImage on a document canvas are read back; detached canvases are not',
  { timeout: 30_000 },
  async () => {
    await page.evaluate(() => {
      const w = window as unknown as StripWindow;
      const ctx = (document.getElementById('c2d') as HTMLCanvasElement).getContext('2d')!;
      ctx.putImageData(w.strip(11), 0, 0);
      ctx.putImageData(w.strip(11), 0, 0); // the same frame again: noted once
      const off = document.createElement('canvas');
      off.width = 720;
      off.height = 32;
      off.getContext('2d')!.putImageData(w.strip(99), 0, 0); // not on the screen
      ctx.drawImage(off, 0, 0);
    });
    const tap = await readTap(page);
    assert.deepEqual(
      tap.seen.filter((_, i) => i % 3 === 0),
      [11, 99],
    );
    assert.equal(tap.draws.putImageData, 2);
  },
);

void test('a WebGL draw to the default framebuffer is read back', { timeout: 30_000 }, async () => {
  await page.evaluate(() => {
    const w = window as unknown as StripWindow;
    const canvas = document.getElementById('gl') as HTMLCanvasElement;
    const gl = canvas.getContext('webgl')!;
    const prog = gl.createProgram();
    const sources: [number, string][] = [
      [
        gl.VERTEX_SHADER,
        'attribute vec2 p; varying vec2 t; void main(){ t=vec2(p.x*0.5+0.5, 0.5-p.y*0.5); gl_Position=vec4(p,0,1); }',
      ],
      [
        gl.FRAGMENT_SHADER,
        'precision mediump float; varying vec2 t; uniform sampler2D s; void main(){ gl_FragColor=texture2D(s,t); }',
      ],
    ];
    for (const [type, src] of sources) {
      const sh = gl.createShader(type)!;
      gl.shaderSource(sh, src);
      gl.compileShader(sh);
      gl.attachShader(prog, sh);
    }
    gl.linkProgram(prog);
    gl.useProgram(prog);
    gl.bindBuffer(gl.ARRAY_BUFFER, gl.createBuffer());
    gl.bufferData(gl.ARRAY_BUFFER, new Float32Array([-1, -1, 1, -1, -1, 1, 1, 1]), gl.STATIC_DRAW);
    gl.enableVertexAttribArray(0);
    gl.vertexAttribPointer(0, 2, gl.FLOAT, false, 0, 0);
    gl.bindTexture(gl.TEXTURE_2D, gl.createTexture());
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.NEAREST);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.NEAREST);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE);
    gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA, gl.RGBA, gl.UNSIGNED_BYTE, w.strip(1234));
    gl.viewport(0, 0, 720, 32);
    gl.drawArrays(gl.TRIANGLE_STRIP, 0, 4);
  });
  const tap = await readTap(page);
  assert.equal(tap.seen.at(-3), 1234);
  assert.equal(tap.draws.drawArrays, 1);
});

void test(
  'an ImageBitmap shown with transferFromImageBitmap is read before the transfer',
  { timeout: 30_000 },
  async () => {
    await page.evaluate(async () => {
      const w = window as unknown as StripWindow;
      const ctx = (document.getElementById('bmp') as HTMLCanvasElement).getContext('bitmaprenderer')!;
      ctx.transferFromImageBitmap(await createImageBitmap(w.strip(0xabcde)));
    });
    const tap = await readTap(page);
    assert.equal(tap.seen.at(-3), 0xabcde);
    assert.equal(tap.draws.transferFromImageBitmap, 1);
  },
);

void test('keys and pointer moves are noted with their event time', { timeout: 30_000 }, async () => {
  const before = (await readTap(page)).inputs.length;
  await page.mouse.move(100, 20);
  await page.keyboard.down('KeyA');
  await page.keyboard.up('KeyA');
  const inputs = (await readTap(page)).inputs.slice(before);
  const kinds = inputs.filter((_, i) => i % 4 === 0);
  assert.deepEqual(kinds, [2, 0, 1]);
  assert.ok(inputs[1]! > 0);
});
