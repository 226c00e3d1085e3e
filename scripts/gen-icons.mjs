// Renders resources/icon.svg (the one source image) into every icon the packages use:
//   resources/icons/NxN.png   Linux (deb, rpm, AppImage: electron-builder installs the set into hicolor)
//   resources/icon.png        512×512, the window icon and electron-builder's fallback
//   resources/icon.ico        Windows (nsis installer, app and the .vv file association), PNG-compressed entries
//   resources/icon.icns       macOS (dmg, app and the .vv file association), PNG-compressed entries
// The .ico and .icns containers are written here (both are a small header plus PNG images), so the output depends
// only on sharp's pinned libvips. Run after changing icon.svg: node scripts/gen-icons.mjs [OUT_DIR]
// (OUT_DIR defaults to resources/; test/unit/packaging/icons.test.ts regenerates into a temporary folder and
// compares byte for byte with the committed files.)
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const SOURCE = join(ROOT, 'resources', 'icon.svg');
export const LINUX_SIZES = [16, 24, 32, 48, 64, 128, 256, 512];
/** ICO entries: Windows picks the nearest size; 256 is the largest an .ico directory entry can declare. */
export const ICO_SIZES = [16, 24, 32, 48, 64, 128, 256];
/** ICNS element types holding PNG data, by pixel size (Apple's icns format; @2x types share sizes). */
export const ICNS_TYPES = [
  ['icp4', 16],
  ['icp5', 32],
  ['ic11', 32], // 16@2x
  ['icp6', 64],
  ['ic12', 64], // 32@2x
  ['ic07', 128],
  ['ic08', 256],
  ['ic13', 256], // 128@2x
  ['ic09', 512],
  ['ic14', 512], // 256@2x
  ['ic10', 1024], // 512@2x
];

/** The source rendered at `size`×`size` as PNG bytes (SVG rasterised at the density that gives that size). */
export async function renderPng(size) {
  return sharp(SOURCE, { density: (72 * size) / 512 })
    .resize(size, size)
    .png({ compressionLevel: 9, adaptiveFiltering: false })
    .toBuffer();
}

/** An .ico file whose entries are PNG images (supported since Windows Vista). */
export function icoFromPngs(images) {
  const header = Buffer.alloc(6 + 16 * images.length);
  header.writeUInt16LE(0, 0); // reserved
  header.writeUInt16LE(1, 2); // type: icon
  header.writeUInt16LE(images.length, 4);
  let offset = header.length;
  images.forEach(({ size, png }, i) => {
    const e = 6 + 16 * i;
    header.writeUInt8(size >= 256 ? 0 : size, e); // 0 means 256
    header.writeUInt8(size >= 256 ? 0 : size, e + 1);
    header.writeUInt8(0, e + 2); // no palette
    header.writeUInt8(0, e + 3);
    header.writeUInt16LE(1, e + 4); // colour planes
    header.writeUInt16LE(32, e + 6); // bits per pixel
    header.writeUInt32LE(png.length, e + 8);
    header.writeUInt32LE(offset, e + 12);
    offset += png.length;
  });
  return Buffer.concat([header, ...images.map((i) => i.png)]);
}

/** An .icns file: 'icns' + total length, then (type, length, PNG data) elements, all lengths big-endian. */
export function icnsFromPngs(elements) {
  const parts = elements.map(({ type, png }) => {
    const head = Buffer.alloc(8);
    head.write(type, 0, 'latin1');
    head.writeUInt32BE(8 + png.length, 4);
    return Buffer.concat([head, png]);
  });
  const body = Buffer.concat(parts);
  const head = Buffer.alloc(8);
  head.write('icns', 0, 'latin1');
  head.writeUInt32BE(8 + body.length, 4);
  return Buffer.concat([head, body]);
}

/** Every generated file: relative path under the output folder → bytes. */
export async function generateIcons() {
  const sizes = [...new Set([...LINUX_SIZES, ...ICO_SIZES, ...ICNS_TYPES.map(([, s]) => s)])];
  const png = new Map();
  for (const size of sizes) png.set(size, await renderPng(size));
  const files = new Map();
  for (const size of LINUX_SIZES) files.set(`icons/${size}x${size}.png`, png.get(size));
  files.set('icon.png', png.get(512));
  files.set('icon.ico', icoFromPngs(ICO_SIZES.map((size) => ({ size, png: png.get(size) }))));
  files.set('icon.icns', icnsFromPngs(ICNS_TYPES.map(([type, size]) => ({ type, png: png.get(size) }))));
  return files;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = process.argv[2] ?? join(ROOT, 'resources');
  const files = await generateIcons();
  for (const [rel, bytes] of files) {
    mkdirSync(dirname(join(out, rel)), { recursive: true });
    writeFileSync(join(out, rel), bytes);
  }
  console.log(`wrote ${files.size} icon files into ${out}`);
}
