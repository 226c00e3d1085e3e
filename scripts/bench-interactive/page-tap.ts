// Runs inside a benchmark page (Saffron's renderer or spice-html5), installed before the page's own scripts.
// Frames: wraps the calls that put pixels on a canvas — 2D putImageData / drawImage, WebGL drawArrays /
// drawElements, bitmaprenderer transferFromImageBitmap — and after each one on a canvas in the document reads the
// frame-counter strip back from that canvas (one pixel row); a new frame number is noted with performance.now().
// This is a read of pixels actually on the canvas, in the same task as the draw, so it does not depend on how a
// renderer is written; a renderer that draws from a worker (OffscreenCanvas) is not seen and the benchmark says
// so. A low-rate sampler (every 250 ms) reads the largest canvas independently, as a cross-check.
// Inputs: capture-phase listeners note every keydown/keyup/pointermove's event.timeStamp.
import { READ_WIDTH, STRIP_SAMPLE_ROW, decodeStripRow, probeRgb } from './frame-code';

export interface PageTapData {
  /** frame, performance.now() ms, probe pixel 0xRRGGBB, … */
  seen: number[];
  /** frame, performance.now() ms, … from the 250 ms sampler */
  sampled: number[];
  /** kind (0 keydown, 1 keyup, 2 pointermove), event.timeStamp ms, x, y */
  inputs: number[];
  /** draw calls seen on document canvases, by kind */
  draws: Record<string, number>;
}

declare global {
  interface Window {
    __saffronBench?: PageTapData;
  }
}

type Method<T> = (this: T, ...args: unknown[]) => unknown;

/** The original method `name` of `proto` (own property), typed for .call with an explicit receiver. */
function original<T extends object>(proto: T, name: string): Method<T> {
  const value: unknown = Object.getOwnPropertyDescriptor(proto, name)?.value;
  if (typeof value !== 'function') throw new Error(`page tap: ${name} is not a method here`);
  return value as Method<T>;
}

/** Replaces `proto[name]` by `around(receiver, callOriginal, args)`. */
function wrap<T extends object>(
  proto: T,
  name: string,
  around: (self: T, callOriginal: () => unknown, args: unknown[]) => unknown,
): void {
  const method = original(proto, name);
  Object.defineProperty(proto, name, {
    configurable: true,
    writable: true,
    value: function (this: T, ...args: unknown[]) {
      return around(this, () => method.apply(this, args), args);
    },
  });
}

export function installPageTap(): void {
  const data: PageTapData = { seen: [], sampled: [], inputs: [], draws: {} };
  window.__saffronBench = data;
  let last = -1;
  const note = (row: ArrayLike<number> | undefined): void => {
    const frame = row ? decodeStripRow(row) : -1;
    if (frame < 0 || frame === last) return;
    last = frame;
    data.seen.push(frame, performance.now(), probeRgb(row!));
  };
  const count = (kind: string): void => {
    data.draws[kind] = (data.draws[kind] ?? 0) + 1;
  };
  const onScreen = (canvas: HTMLCanvasElement | OffscreenCanvas): canvas is HTMLCanvasElement =>
    canvas instanceof HTMLCanvasElement && canvas.isConnected && canvas.width >= READ_WIDTH;

  const c2d = CanvasRenderingContext2D.prototype;
  const getImageData = original<CanvasRenderingContext2D>(c2d, 'getImageData');
  const drawImage = original<CanvasRenderingContext2D>(c2d, 'drawImage');
  const readRow = (ctx: CanvasRenderingContext2D, y: number): Uint8ClampedArray | undefined => {
    try {
      return (getImageData.call(ctx, 0, y, READ_WIDTH, 1) as ImageData).data;
    } catch {
      count('unreadable'); // e.g. a tainted canvas: never break the page under test
      return undefined;
    }
  };
  for (const name of ['putImageData', 'drawImage']) {
    wrap(c2d, name, (ctx, callOriginal) => {
      const result = callOriginal();
      if (onScreen(ctx.canvas)) {
        count(name);
        note(readRow(ctx, STRIP_SAMPLE_ROW));
      }
      return result;
    });
  }

  const glRow = new Uint8Array(READ_WIDTH * 4);
  for (const proto of [WebGLRenderingContext.prototype, WebGL2RenderingContext.prototype]) {
    for (const name of ['drawArrays', 'drawElements']) {
      wrap<WebGLRenderingContext>(proto, name, (gl, callOriginal) => {
        const result = callOriginal();
        const canvas = gl.canvas;
        if (onScreen(canvas) && gl.getParameter(gl.FRAMEBUFFER_BINDING) === null) {
          count(name);
          gl.readPixels(
            0,
            canvas.height - 1 - STRIP_SAMPLE_ROW,
            READ_WIDTH,
            1,
            gl.RGBA,
            gl.UNSIGNED_BYTE,
            glRow,
          );
          note(glRow);
        }
        return result;
      });
    }
  }

  const scratch = document.createElement('canvas');
  scratch.width = READ_WIDTH;
  scratch.height = 1;
  const scratchCtx = scratch.getContext('2d', { willReadFrequently: true })!;
  const readSource = (source: CanvasImageSource): Uint8ClampedArray | undefined => {
    try {
      drawImage.call(scratchCtx, source, 0, STRIP_SAMPLE_ROW, READ_WIDTH, 1, 0, 0, READ_WIDTH, 1);
    } catch {
      count('unreadable');
      return undefined;
    }
    return readRow(scratchCtx, 0);
  };
  wrap(ImageBitmapRenderingContext.prototype, 'transferFromImageBitmap', (ctx, callOriginal, args) => {
    const bitmap = args[0];
    const visible = bitmap instanceof ImageBitmap && onScreen(ctx.canvas) && bitmap.width >= READ_WIDTH;
    const row = visible ? readSource(bitmap) : undefined; // the transfer detaches the bitmap
    const result = callOriginal();
    if (visible) {
      count('transferFromImageBitmap');
      note(row);
    }
    return result;
  });

  setInterval(() => {
    let best: HTMLCanvasElement | undefined;
    for (const c of Array.from(document.querySelectorAll('canvas'))) {
      if (c !== scratch && c.width >= READ_WIDTH && (!best || c.width * c.height > best.width * best.height))
        best = c;
    }
    if (!best) return;
    const row = readSource(best);
    const frame = row ? decodeStripRow(row) : -1;
    if (frame >= 0) data.sampled.push(frame, performance.now());
  }, 250);

  const onInput = (kind: number) => (e: Event) => {
    const p = e as Partial<MouseEvent>;
    data.inputs.push(kind, e.timeStamp, p.clientX ?? -1, p.clientY ?? -1);
  };
  window.addEventListener('keydown', onInput(0), { capture: true });
  window.addEventListener('keyup', onInput(1), { capture: true });
  window.addEventListener('pointermove', onInput(2), { capture: true });
}
