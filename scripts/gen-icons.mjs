// Renders resources/icon.svg to the PNG sizes the packages need (resources/icons/NxN.png for Linux,
// resources/icon.png 512×512 from which electron-builder makes the .ico and .icns). Run: node scripts/gen-icons.mjs
import sharp from 'sharp';
import { mkdirSync } from 'node:fs';

const sizes = [16, 24, 32, 48, 64, 128, 256, 512];
mkdirSync('resources/icons', { recursive: true });
for (const size of sizes) {
  await sharp('resources/icon.svg', { density: Math.max(72, (72 * size) / 512) * 4 })
    .resize(size, size)
    .png({ compressionLevel: 9 })
    .toFile(`resources/icons/${size}x${size}.png`);
}
await sharp('resources/icon.svg').resize(512, 512).png({ compressionLevel: 9 }).toFile('resources/icon.png');
console.log(`wrote resources/icon.png and ${sizes.length} sizes in resources/icons/`);
