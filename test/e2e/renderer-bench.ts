// Renderer drawing bench: full-screen damage (1920×1080 RGBA) drawn with Canvas 2D putImageData versus WebGL
// texSubImage2D + a textured quad, in Debian's headless Chromium, each frame forced to completion
// (getImageData of one pixel / gl.finish). Run: npm run bench:renderer [-- --disable-gpu]
// Figures are recorded in docs/app.md; the renderer uses the faster path.
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const WIDTH = 1920;
const HEIGHT = 1080;
const FRAMES = 60;

const dir = mkdtempSync(join(tmpdir(), 'saffron-bench-'));
const context = await chromium.launchPersistentContext(dir, {
  executablePath: process.env.SAFFRON_CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: [
    '--headless=new',
    '--no-sandbox',
    '--no-first-run',
    '--disable-background-networking',
    ...process.argv.slice(2),
  ],
});
try {
  const page = await context.newPage();
  await page.setContent('<canvas id="a"></canvas><canvas id="b"></canvas>');
  const result = await page.evaluate(
    ([width, height, frames]) => {
      const frameData = Array.from({ length: 4 }, (_, k) => {
        const px = new Uint8ClampedArray(width * height * 4);
        for (let i = 0; i < px.length; i += 4) {
          px[i] = (i >> 2) + k * 40;
          px[i + 1] = (i >> 10) & 0xff;
          px[i + 2] = k * 60;
          px[i + 3] = 255;
        }
        return px;
      });
      const c2 = document.getElementById('a') as HTMLCanvasElement;
      c2.width = width;
      c2.height = height;
      const ctx = c2.getContext('2d', { alpha: false })!;
      let t = performance.now();
      for (let f = 0; f < frames; f++) {
        ctx.putImageData(new ImageData(frameData[f % 4]!, width, height), 0, 0);
        ctx.getImageData(0, 0, 1, 1);
      }
      const canvas2dMs = (performance.now() - t) / frames;

      const cg = document.getElementById('b') as HTMLCanvasElement;
      cg.width = width;
      cg.height = height;
      const gl = cg.getContext('webgl2', { alpha: false, antialias: false, preserveDrawingBuffer: false });
      let webglMs = NaN;
      let renderer = 'none';
      if (gl) {
        const dbg = gl.getExtension('WEBGL_debug_renderer_info');
        renderer = dbg ? String(gl.getParameter(dbg.UNMASKED_RENDERER_WEBGL)) : 'unknown';
        const vs = gl.createShader(gl.VERTEX_SHADER)!;
        gl.shaderSource(
          vs,
          '#version 300 es\nin vec2 p;out vec2 uv;void main(){uv=vec2(p.x*.5+.5,.5-p.y*.5);gl_Position=vec4(p,0,1);}',
        );
        gl.compileShader(vs);
        const fs = gl.createShader(gl.FRAGMENT_SHADER)!;
        gl.shaderSource(
          fs,
          '#version 300 es\nprecision mediump float;in vec2 uv;uniform sampler2D t;out vec4 o;void main(){o=vec4(texture(t,uv).rgb,1.);}',
        );
        gl.compileShader(fs);
        const prog = gl.createProgram();
        gl.attachShader(prog, vs);
        gl.attachShader(prog, fs);
        gl.linkProgram(prog);
        gl.useProgram(prog);
        const buf = gl.createBuffer();
        gl.bindBuffer(gl.ARRAY_BUFFER, buf);
        gl.bufferData(gl.ARRAY_BUFFER, new Float32Array([-1, -1, 1, -1, -1, 1, 1, 1]), gl.STATIC_DRAW);
        const loc = gl.getAttribLocation(prog, 'p');
        gl.enableVertexAttribArray(loc);
        gl.vertexAttribPointer(loc, 2, gl.FLOAT, false, 0, 0);
        const tex = gl.createTexture();
        gl.bindTexture(gl.TEXTURE_2D, tex);
        gl.texStorage2D(gl.TEXTURE_2D, 1, gl.RGBA8, width, height);
        gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.NEAREST);
        gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.NEAREST);
        gl.viewport(0, 0, width, height);
        t = performance.now();
        for (let f = 0; f < frames; f++) {
          gl.texSubImage2D(
            gl.TEXTURE_2D,
            0,
            0,
            0,
            width,
            height,
            gl.RGBA,
            gl.UNSIGNED_BYTE,
            frameData[f % 4]!,
          );
          gl.drawArrays(gl.TRIANGLE_STRIP, 0, 4);
          gl.finish();
        }
        webglMs = (performance.now() - t) / frames;
      }
      return { canvas2dMs, webglMs, renderer };
    },
    [WIDTH, HEIGHT, FRAMES] as const,
  );
  console.log(
    `full-screen ${WIDTH}x${HEIGHT} frame: canvas 2D putImageData ${result.canvas2dMs.toFixed(2)} ms, ` +
      `WebGL2 texSubImage2D ${result.webglMs.toFixed(2)} ms (${result.renderer})`,
  );
} finally {
  await context.close();
  rmSync(dir, { recursive: true, force: true });
}
