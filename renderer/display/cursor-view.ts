// The guest cursor: shown as the OS cursor (CSS `cursor: url(...)`) in client mouse mode when the shape fits
// the browser's cursor size limit; otherwise drawn as an <img> over the canvas at the guest's cursor position
// (server mouse mode, where the guest owns the pointer position, or oversized shapes).
import type { CursorImage } from '../../shared/contract';

/** Chromium ignores CSS cursor images larger than 128×128. */
const MAX_CSS_CURSOR_EDGE = 128;

export interface CursorPlacement {
  /** CSS pixels per guest pixel of the display. */
  cssScale: number;
  /** Whether the OS cursor may show the guest shape (client mode). */
  osCursor: boolean;
  /** Whether the pointer is locked (server mode grab): the OS cursor is hidden by the browser. */
  locked: boolean;
}

export class CursorView {
  private image: CursorImage | null = null;
  private dataUrl = '';
  private x = 0;
  private y = 0;
  private visible = true;
  private placement: CursorPlacement = { cssScale: 1, osCursor: false, locked: false };

  constructor(
    private readonly target: HTMLElement,
    private readonly overlay: HTMLImageElement,
  ) {}

  setShape(image: CursorImage | null): void {
    this.image = image;
    this.dataUrl = image ? toDataUrl(image) : '';
    if (this.dataUrl) this.overlay.src = this.dataUrl;
    this.render();
  }

  setState(x: number, y: number, visible: boolean): void {
    this.x = x;
    this.y = y;
    this.visible = visible;
    this.render();
  }

  setPlacement(placement: CursorPlacement): void {
    this.placement = placement;
    this.render();
  }

  private render(): void {
    const image = this.image;
    const { cssScale, osCursor } = this.placement;
    const fitsOs =
      image !== null && image.width <= MAX_CSS_CURSOR_EDGE && image.height <= MAX_CSS_CURSOR_EDGE;
    if (osCursor) {
      // Client mode: the host pointer is the guest pointer.
      if (!this.visible) this.target.style.cursor = 'none';
      else if (image && fitsOs)
        this.target.style.cursor = `url("${this.dataUrl}") ${image.hotX} ${image.hotY}, default`;
      else this.target.style.cursor = image ? 'none' : 'default';
      this.overlay.hidden = true;
      if (image && !fitsOs && this.visible) this.placeOverlay(image, cssScale);
      return;
    }
    // Server mode: draw the guest's cursor where the guest says it is.
    this.target.style.cursor = this.placement.locked ? 'none' : 'default';
    if (!image || !this.visible) {
      this.overlay.hidden = true;
      return;
    }
    this.placeOverlay(image, cssScale);
  }

  private placeOverlay(image: CursorImage, cssScale: number): void {
    this.overlay.hidden = false;
    this.overlay.style.width = `${image.width * cssScale}px`;
    this.overlay.style.height = `${image.height * cssScale}px`;
    this.overlay.style.transform = `translate(${(this.x - image.hotX) * cssScale}px, ${(this.y - image.hotY) * cssScale}px)`;
  }

  /** In client mode with an oversized cursor, follow the host pointer (guest coordinates). */
  followPointer(x: number, y: number): void {
    if (!this.placement.osCursor) return;
    this.x = x;
    this.y = y;
    const image = this.image;
    if (image && (image.width > MAX_CSS_CURSOR_EDGE || image.height > MAX_CSS_CURSOR_EDGE) && this.visible)
      this.placeOverlay(image, this.placement.cssScale);
  }
}

function toDataUrl(image: CursorImage): string {
  const canvas = document.createElement('canvas');
  canvas.width = image.width;
  canvas.height = image.height;
  const ctx = canvas.getContext('2d');
  if (!ctx) return '';
  const { buffer, byteOffset, byteLength } = image.pixels;
  ctx.putImageData(
    new ImageData(
      new Uint8ClampedArray(buffer as ArrayBuffer, byteOffset, byteLength),
      image.width,
      image.height,
    ),
    0,
    0,
  );
  return canvas.toDataURL('image/png');
}
