// Test certificates made with the openssl CLI (EC P-256 keys: fast): a CA, server certificates signed by it
// (optionally already expired), and a QEMU-style x509 directory (ca-cert.pem, server-cert.pem, server-key.pem).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type Subject = [key: string, value: string][];

export interface Ca {
  certPath: string;
  keyPath: string;
  certPem: string;
}

export interface ServerCert {
  certPath: string;
  keyPath: string;
  certPem: string;
  keyPem: string;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** `/C=IL/O=Saffron Test/CN=localhost` for openssl -subj (escaping '/' in values). */
export function opensslSubject(subject: Subject): string {
  return subject.map(([k, v]) => `/${k}=${v.replace(/\//g, '\\/')}`).join('');
}

/** `C=IL,O=Saffron Test,CN=localhost` as a .vv host-subject. */
export function hostSubjectString(subject: Subject): string {
  return subject.map(([k, v]) => `${k}=${v.replace(/[\\,]/g, (c) => `\\${c}`)}`).join(',');
}

/** A scratch directory for certificates; call `remove()` when done. */
export class CertWorkspace {
  readonly dir = mkdtempSync(join(tmpdir(), 'saffron-x509-'));
  private serial = 1;

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  makeCa(name: string, subject: Subject): Ca {
    const keyPath = join(this.dir, `${name}-key.pem`);
    const certPath = join(this.dir, `${name}-cert.pem`);
    openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', keyPath], this.dir);
    openssl(
      [
        'req',
        '-x509',
        '-new',
        '-key',
        keyPath,
        '-out',
        certPath,
        '-days',
        '30',
        '-subj',
        opensslSubject(subject),
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-addext',
        'keyUsage=critical,keyCertSign,cRLSign',
      ],
      this.dir,
    );
    return { keyPath, certPath, certPem: readFileSync(certPath, 'utf8') };
  }

  /**
   * A server certificate signed by `ca`. `expired` makes it valid only during 2020-01-01..2020-01-02.
   * `san` like ['DNS:localhost', 'IP:127.0.0.1'].
   */
  makeServerCert(
    name: string,
    ca: Ca,
    subject: Subject,
    options: { san?: string[]; expired?: boolean } = {},
  ): ServerCert {
    const keyPath = join(this.dir, `${name}-key.pem`);
    const csrPath = join(this.dir, `${name}.csr`);
    const certPath = join(this.dir, `${name}-cert.pem`);
    const extPath = join(this.dir, `${name}.ext`);
    openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', keyPath], this.dir);
    openssl(['req', '-new', '-key', keyPath, '-out', csrPath, '-subj', opensslSubject(subject)], this.dir);
    const ext = [
      'basicConstraints=CA:FALSE',
      'keyUsage=digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth',
    ];
    if (options.san?.length) ext.push(`subjectAltName=${options.san.join(',')}`);
    writeFileSync(extPath, `${ext.join('\n')}\n`);
    if (options.expired) {
      // `openssl ca` is the only 3.0 command that takes explicit dates.
      const db = join(this.dir, `${name}-ca-db`);
      mkdirSync(db);
      writeFileSync(join(db, 'index.txt'), '');
      writeFileSync(join(db, 'serial'), `${(this.serial++).toString(16).padStart(2, '0')}\n`);
      const cnf = join(db, 'ca.cnf');
      writeFileSync(
        cnf,
        [
          '[ca]',
          'default_ca = test',
          '[test]',
          `dir = ${db}`,
          'database = $dir/index.txt',
          'serial = $dir/serial',
          'new_certs_dir = $dir',
          'default_md = sha256',
          'policy = any',
          'unique_subject = no',
          'email_in_dn = no',
          'copy_extensions = none',
          '[any]',
          'countryName = optional',
          'organizationName = optional',
          'organizationalUnitName = optional',
          'commonName = supplied',
          '',
        ].join('\n'),
      );
      openssl(
        [
          'ca',
          '-batch',
          '-config',
          cnf,
          '-notext',
          '-cert',
          ca.certPath,
          '-keyfile',
          ca.keyPath,
          '-in',
          csrPath,
          '-out',
          certPath,
          '-startdate',
          '20200101000000Z',
          '-enddate',
          '20200102000000Z',
          '-extfile',
          extPath,
          '-preserveDN',
        ],
        this.dir,
      );
    } else {
      openssl(
        [
          'x509',
          '-req',
          '-in',
          csrPath,
          '-CA',
          ca.certPath,
          '-CAkey',
          ca.keyPath,
          '-set_serial',
          String(this.serial++),
          '-days',
          '30',
          '-out',
          certPath,
          '-extfile',
          extPath,
          '-sha256',
        ],
        this.dir,
      );
    }
    return {
      keyPath,
      certPath,
      certPem: readFileSync(certPath, 'utf8'),
      keyPem: readFileSync(keyPath, 'utf8'),
    };
  }

  /** A directory QEMU's `-spice x509-dir=` accepts. */
  makeQemuDir(name: string, ca: Ca, server: ServerCert): string {
    const dir = join(this.dir, name);
    mkdirSync(dir);
    writeFileSync(join(dir, 'ca-cert.pem'), ca.certPem);
    writeFileSync(join(dir, 'server-cert.pem'), server.certPem);
    writeFileSync(join(dir, 'server-key.pem'), server.keyPem);
    return dir;
  }
}
