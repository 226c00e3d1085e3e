import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseKeyFile, splitList, unescapeValue } from '../../../main/spice/connect/key-file';
import { SpiceError } from '../../../main/spice/errors';

void test('groups, comments, blank lines, CRLF, trimming as GLib does', () => {
  const f = parseKeyFile(
    '# leading comment\r\n\r\n[a]\r\n  key1 =  value with trailing space  \r\nkey2=x\r\n   # indented comment\r\n[b]\nk=v\n[a]\nkey2=y\n',
  );
  assert.deepEqual([...f.groups.keys()], ['a', 'b']);
  assert.equal(f.getString('a', 'key1'), 'value with trailing space  ');
  assert.equal(f.getString('a', 'key2'), 'y', 'later duplicate wins, even across a reopened group');
  assert.equal(f.getString('b', 'k'), 'v');
  assert.equal(f.getString('b', 'missing'), undefined);
});

void test('escapes: \\s \\n \\t \\r \\\\', () => {
  assert.equal(unescapeValue('a\\sb\\nc\\td\\re\\\\f'), 'a b\nc\td\re\\f');
  assert.equal(parseKeyFile('[g]\nk=\\s lead\n').getString('g', 'k'), '  lead');
  assert.throws(() => unescapeValue('bad\\q'), /invalid escape '\\q'/);
  assert.throws(() => unescapeValue('end\\'), /lone/);
});

void test('lists: ; separator, \\; literal, optional trailing ;', () => {
  assert.deepEqual(splitList('a;b;c;'), ['a', 'b', 'c']);
  assert.deepEqual(splitList('a\\;b;c'), ['a;b', 'c']);
  assert.deepEqual(splitList(''), []);
  assert.deepEqual(splitList('x\\sy'), ['x y']);
});

void test('integers and 0/1 booleans', () => {
  const f = parseKeyFile('[g]\na=0\nb=1\nc=-1\nd=12x\ne=true\nf=99999999999\n');
  assert.equal(f.getBoolean('g', 'a'), false);
  assert.equal(f.getBoolean('g', 'b'), true);
  assert.equal(f.getInteger('g', 'c'), -1);
  assert.throws(() => f.getInteger('g', 'd'), /line 5: the value of 'd' \('12x'\) is not a number/);
  assert.equal(f.getBoolean('g', 'e'), true);
  assert.throws(() => f.getInteger('g', 'f'), /not a number/);
});

void test('localized keys are skipped; BOM accepted', () => {
  const f = parseKeyFile('\ufeff[g]\ntitle=A\ntitle[de]=B\n');
  assert.equal(f.getString('g', 'title'), 'A');
  assert.deepEqual(f.keys('g'), ['title']);
});

const malformed: [string, string, RegExp][] = [
  ['key before any group', 'k=v\n[g]\n', /line 1: the file does not start with a \[group\]/],
  ['line without =', '[g]\njust text\n', /line 2: 'just text' is not a key=value pair/],
  ['unclosed group', '[g\n', /line 1: .* not a valid group header/],
  ['junk after group', '[g] x\n', /not a valid group header/],
  ['empty group name', '[]\n', /invalid group name/],
  ['empty key', '[g]\n=v\n', /invalid key name/],
  ['NUL byte', '[g]\nk=\0\n', /NUL/],
];
for (const [name, text, re] of malformed) {
  void test(`malformed: ${name}`, () => {
    assert.throws(
      () => parseKeyFile(text),
      (e: unknown) => e instanceof SpiceError && e.code === 'config' && re.test(e.message),
    );
  });
}

void test('fuzz: random bytes never throw anything but SpiceError', () => {
  let seed = 12345;
  const rnd = (): number => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed;
  };
  const alphabet = '[]=#;\\\n\r snt01ab-';
  for (let i = 0; i < 2000; i++) {
    let text = '';
    const len = rnd() % 80;
    for (let j = 0; j < len; j++) text += alphabet[rnd() % alphabet.length];
    try {
      const f = parseKeyFile(text);
      for (const [g, keys] of f.groups)
        for (const k of keys.keys()) {
          try {
            f.getString(g, k);
            f.getList(g, k);
          } catch (e) {
            assert.ok(e instanceof SpiceError);
          }
        }
    } catch (e) {
      assert.ok(e instanceof SpiceError, String(e));
    }
  }
});
