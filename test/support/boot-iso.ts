// A small bootable ISO 9660 image made from scratch for the USB CD tests and benchmark: El Torito, no emulation,
// whose 2 KiB boot program (real-mode x86, assembled below with a few labels) prints a known line through BIOS
// int 10h, writes 'S' to QEMU's debug console port 0xE9, reads `readSectors` 2048-byte sectors of the CD with int 13h
// AH=42h (32 per call), writes 'E' (or 'F' on a read error) and prints "READ DONE". Nothing outside this file.

export const BOOT_MESSAGE = 'SAFFRON USB BOOT OK';
const SECTOR = 2048;
const LOAD = 0x7c00;

/** A minimal two-pass assembler: bytes, labels, and 8/16-bit relative or 16-bit absolute label references. */
class Asm {
  private readonly out: number[] = [];
  private readonly labels = new Map<string, number>();
  private readonly fixups: { at: number; label: string; kind: 'rel8' | 'rel16' | 'abs16' }[] = [];
  get here(): number {
    return this.out.length;
  }
  b(...bytes: number[]): this {
    this.out.push(...bytes);
    return this;
  }
  label(name: string): this {
    this.labels.set(name, this.out.length);
    return this;
  }
  rel8(label: string): this {
    this.fixups.push({ at: this.out.length, label, kind: 'rel8' });
    return this.b(0);
  }
  rel16(label: string): this {
    this.fixups.push({ at: this.out.length, label, kind: 'rel16' });
    return this.b(0, 0);
  }
  abs16(label: string): this {
    this.fixups.push({ at: this.out.length, label, kind: 'abs16' });
    return this.b(0, 0);
  }
  u16(v: number): this {
    return this.b(v & 0xff, v >>> 8);
  }
  u32(v: number): this {
    return this.b(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24);
  }
  ascii(s: string): this {
    return this.b(...[...s].map((c) => c.charCodeAt(0)));
  }
  assemble(): Uint8Array {
    for (const f of this.fixups) {
      const target = this.labels.get(f.label);
      if (target === undefined) throw new Error(`undefined label ${f.label}`);
      if (f.kind === 'rel8') {
        const d = target - (f.at + 1);
        if (d < -128 || d > 127) throw new Error(`jump to ${f.label} out of rel8 range`);
        this.out[f.at] = d & 0xff;
      } else {
        const v = f.kind === 'abs16' ? LOAD + target : (target - (f.at + 2)) & 0xffff;
        this.out[f.at] = v & 0xff;
        this.out[f.at + 1] = v >>> 8;
      }
    }
    return Uint8Array.from(this.out);
  }
}

/** The boot program (loaded at 0000:7C00). */
export function bootProgram(readSectors: number): Uint8Array {
  if (readSectors % 32 !== 0) throw new Error('readSectors must be a multiple of 32');
  const a = new Asm();
  a.b(0xfa) // cli
    .b(0x31, 0xc0) // xor ax, ax
    .b(0x8e, 0xd8) // mov ds, ax
    .b(0x8e, 0xc0) // mov es, ax
    .b(0x8e, 0xd0) // mov ss, ax
    .b(0xbc, 0x00, 0x7c) // mov sp, 0x7c00
    .b(0xfb) // sti
    .b(0xea) // jmp 0000:start (SeaBIOS may enter at 07C0:0000)
    .abs16('start')
    .u16(0)
    .label('start')
    .b(0x88, 0x16) // mov [drive], dl
    .abs16('drive')
    .b(0xbe) // mov si, msg_boot
    .abs16('msg_boot')
    .b(0xe8) // call print
    .rel16('print')
    .b(0xb0, 0x53) // mov al, 'S'
    .b(0xba, 0xe9, 0x00) // mov dx, 0xe9 (QEMU -debugcon)
    .b(0xee) // out dx, al
    .label('loop')
    .b(0x66, 0x83, 0x3e) // cmp dword [count], 0
    .abs16('count')
    .b(0x00)
    .b(0x74) // je done
    .rel8('done')
    .b(0xbe) // mov si, dap
    .abs16('dap')
    .b(0x8a, 0x16) // mov dl, [drive]
    .abs16('drive')
    .b(0xb4, 0x42) // mov ah, 0x42
    .b(0xcd, 0x13) // int 0x13
    .b(0x72) // jc fail
    .rel8('fail')
    .b(0x66, 0x83, 0x06) // add dword [dap_lba], 32
    .abs16('dap_lba')
    .b(0x20)
    .b(0x66, 0x83, 0x2e) // sub dword [count], 32
    .abs16('count')
    .b(0x20)
    .b(0xeb) // jmp loop
    .rel8('loop')
    .label('done')
    .b(0xb0, 0x45) // mov al, 'E'
    .b(0xba, 0xe9, 0x00) // mov dx, 0xe9 (QEMU -debugcon)
    .b(0xee) // out dx, al
    .b(0xbe) // mov si, msg_done
    .abs16('msg_done')
    .b(0xe8) // call print
    .rel16('print')
    .label('halt')
    .b(0xf4) // hlt
    .b(0xeb) // jmp halt
    .rel8('halt')
    .label('fail')
    .b(0xb0, 0x46) // mov al, 'F'
    .b(0xba, 0xe9, 0x00) // mov dx, 0xe9 (QEMU -debugcon)
    .b(0xee) // out dx, al
    .b(0xbe) // mov si, msg_fail
    .abs16('msg_fail')
    .b(0xe8) // call print
    .rel16('print')
    .b(0xeb) // jmp halt
    .rel8('halt')
    .label('print')
    .b(0xac) // lodsb
    .b(0x84, 0xc0) // test al, al
    .b(0x74) // jz print_end
    .rel8('print_end')
    .b(0xb4, 0x0e) // mov ah, 0x0e
    .b(0xbb, 0x07, 0x00) // mov bx, 0x0007
    .b(0xcd, 0x10) // int 0x10
    .b(0xeb) // jmp print
    .rel8('print')
    .label('print_end')
    .b(0xc3) // ret
    .label('drive')
    .b(0)
    .label('count')
    .u32(readSectors)
    .label('dap')
    .b(0x10, 0x00)
    .u16(32) // sectors per call
    .u16(0x0000) // buffer offset
    .u16(0x1000) // buffer segment: 0x10000, 64 KiB
    .label('dap_lba')
    .u32(0)
    .u32(0)
    .label('msg_boot')
    .ascii(`${BOOT_MESSAGE}\r\n`)
    .b(0)
    .label('msg_done')
    .ascii('READ DONE\r\n')
    .b(0)
    .label('msg_fail')
    .ascii('READ FAILED\r\n')
    .b(0);
  const code = a.assemble();
  const sector = new Uint8Array(SECTOR);
  sector.set(code);
  return sector;
}

function bothEndian32(b: Uint8Array, at: number, v: number): void {
  const dv = new DataView(b.buffer, b.byteOffset);
  dv.setUint32(at, v, true);
  dv.setUint32(at + 4, v, false);
}
function bothEndian16(b: Uint8Array, at: number, v: number): void {
  const dv = new DataView(b.buffer, b.byteOffset);
  dv.setUint16(at, v, true);
  dv.setUint16(at + 2, v, false);
}
function text(b: Uint8Array, at: number, width: number, s: string): void {
  for (let i = 0; i < width; i++) b[at + i] = i < s.length ? s.charCodeAt(i) : 0x20;
}
function dirRecord(extent: number, size: number, name: number): Uint8Array {
  const r = new Uint8Array(34);
  r[0] = 34;
  bothEndian32(r, 2, extent);
  bothEndian32(r, 10, size);
  r[25] = 0x02; // directory
  bothEndian16(r, 28, 1);
  r[32] = 1;
  r[33] = name;
  return r;
}

export interface BootIsoOptions {
  /** Sectors the boot program reads (a multiple of 32); the image is made at least that large. */
  readSectors?: number;
  /** Extra sectors of pseudo-random filler after the boot image. */
  fillSectors?: number;
}

/** The whole ISO image. Its sectors past the boot image are deterministic pseudo-random bytes. */
export function makeBootIso(options: BootIsoOptions = {}): Uint8Array {
  const readSectors = options.readSectors ?? 0;
  const BOOT_IMAGE = 23;
  const fixed = BOOT_IMAGE + 1;
  const total = Math.max(fixed + (options.fillSectors ?? 0), readSectors, fixed);
  const iso = new Uint8Array(total * SECTOR);
  const sector = (n: number): Uint8Array => iso.subarray(n * SECTOR, (n + 1) * SECTOR);

  // 16: primary volume descriptor
  const pvd = sector(16);
  pvd[0] = 1;
  text(pvd, 1, 5, 'CD001');
  pvd[6] = 1;
  text(pvd, 8, 32, '');
  text(pvd, 40, 32, 'SAFFRON_TEST');
  bothEndian32(pvd, 80, total);
  bothEndian16(pvd, 120, 1);
  bothEndian16(pvd, 124, 1);
  bothEndian16(pvd, 128, SECTOR);
  bothEndian32(pvd, 132, 10);
  new DataView(iso.buffer).setUint32(16 * SECTOR + 140, 21, true);
  new DataView(iso.buffer).setUint32(16 * SECTOR + 148, 22, false);
  pvd.set(dirRecord(20, SECTOR, 0), 156);
  for (const [at, width] of [
    [190, 128],
    [318, 128],
    [446, 128],
    [574, 128],
    [702, 37],
    [739, 37],
    [776, 37],
  ] as const)
    text(pvd, at, width, '');
  for (const at of [813, 830, 847, 864]) text(pvd, at, 16, '0000000000000000');
  pvd[881] = 1;

  // 17: El Torito boot record
  const br = sector(17);
  br[0] = 0;
  text(br, 1, 5, 'CD001');
  br[6] = 1;
  const id = 'EL TORITO SPECIFICATION';
  for (let i = 0; i < id.length; i++) br[7 + i] = id.charCodeAt(i);
  new DataView(iso.buffer).setUint32(17 * SECTOR + 0x47, 19, true);

  // 18: terminator
  const term = sector(18);
  term[0] = 255;
  text(term, 1, 5, 'CD001');
  term[6] = 1;

  // 19: boot catalog: validation entry + default entry (no emulation, 4 × 512 bytes at 07C0:0000)
  const cat = sector(19);
  cat[0] = 1;
  cat[30] = 0x55;
  cat[31] = 0xaa;
  let sum = 0;
  const dv = new DataView(iso.buffer, 19 * SECTOR);
  for (let i = 0; i < 32; i += 2) sum = (sum + dv.getUint16(i, true)) & 0xffff;
  dv.setUint16(28, (0x10000 - sum) & 0xffff, true);
  cat[32] = 0x88;
  cat[33] = 0;
  dv.setUint16(32 + 6, 4, true);
  dv.setUint32(32 + 8, BOOT_IMAGE, true);

  // 20: root directory; 21/22: L and M path tables
  const root = sector(20);
  root.set(dirRecord(20, SECTOR, 0), 0);
  root.set(dirRecord(20, SECTOR, 1), 34);
  const l = sector(21);
  l[0] = 1;
  new DataView(iso.buffer).setUint32(21 * SECTOR + 2, 20, true);
  new DataView(iso.buffer).setUint16(21 * SECTOR + 6, 1, true);
  const m = sector(22);
  m[0] = 1;
  new DataView(iso.buffer).setUint32(22 * SECTOR + 2, 20, false);
  new DataView(iso.buffer).setUint16(22 * SECTOR + 6, 1, false);

  sector(BOOT_IMAGE).set(bootProgram(readSectors));

  // Filler: xorshift32, so compression cannot shortcut the read benchmark.
  let x = 0x9e3779b9;
  const fill = new DataView(iso.buffer, fixed * SECTOR);
  for (let at = 0; at + 4 <= fill.byteLength; at += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    fill.setUint32(at, x >>> 0, true);
  }
  return iso;
}
