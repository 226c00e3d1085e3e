// Draws a monitor's damaged rectangles onto a canvas with 2D putImageData, batched per animation frame.
// Batches that arrive before the next frame are drawn together (a full-screen rectangle drops the older ones
// it covers); the frame is acknowledged after drawing, which is the back-pressure signal the session side uses.
import type { DamageMessage } from '../../shared/contract';

export class CanvasDisplay {
  private readonly ctx: CanvasRenderingContext2D;
  private queue: DamageMessage[] = [];
  private pendingSeq = 0;
  private frameRequested = false;
  /** Batches drawn so far (exposed as data-frames for tests). */
  framesDrawn = 0;

  constructor(
    readonly canvas: HTMLCanvasElement,
    private readonly ack: (seq: number) => void,
  ) {
    const ctx = canvas.getContext('2d', { alpha: false, desynchronized: true });
    if (!ctx) throw new Error('no 2D canvas context');
    this.ctx = ctx;
  }

  get width(): number {
    return this.canvas.width;
  }

  get height(): number {
    return this.canvas.height;
  }

  resize(width: number, height: number): void {
    this.queue = [];
    this.canvas.width = width;
    this.canvas.height = height;
    this.ctx.fillStyle = '#000';
    this.ctx.fillRect(0, 0, width, height);
    this.canvas.dataset.width = String(width);
    this.canvas.dataset.height = String(height);
  }

  damage(message: DamageMessage): void {
    const r = message.rect;
    if (r.left === 0 && r.top === 0 && r.right >= this.width && r.bottom >= this.height) this.queue = [];
    this.queue.push(message);
  }

  frameEnd(seq: number): void {
    this.pendingSeq = seq;
    if (this.frameRequested) return;
    this.frameRequested = true;
    requestAnimationFrame(() => this.draw());
  }

  private draw(): void {
    this.frameRequested = false;
    for (const { rect: r, pixels } of this.queue) {
      if (r.right > this.width || r.bottom > this.height) continue;
      // A view of the received bytes, not a copy: the only copy left here is putImageData's into the canvas.
      const data = new Uint8ClampedArray(pixels.buffer as ArrayBuffer, pixels.byteOffset, pixels.byteLength);
      const image = new ImageData(data, r.right - r.left, r.bottom - r.top);
      this.ctx.putImageData(image, r.left, r.top);
    }
    this.queue = [];
    this.framesDrawn++;
    this.canvas.dataset.frames = String(this.framesDrawn);
    this.ack(this.pendingSeq);
  }

  toPngBlob(): Promise<Blob | null> {
    return new Promise((resolve) => this.canvas.toBlob(resolve, 'image/png'));
  }
}
