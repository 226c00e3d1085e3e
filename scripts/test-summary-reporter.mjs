// A node:test reporter that writes one JSON line per event scripts/test.mjs summarises at the end: every skipped or
// todo test with its reason, and every file that hit the time limit with the tests that were still running in it
// (on Node 20 the runner's --test-timeout limits a whole file and names only the file; this names the test).
// Used as: --test-reporter=./scripts/test-summary-reporter.mjs --test-reporter-destination=FILE

/** @param {AsyncIterable<{type: string, data: any}>} source */
export default async function* summaryReporter(source) {
  /** file → names of tests dequeued (started) and not yet finished, in start order */
  const running = new Map();
  const started = (file) => {
    let list = running.get(file);
    if (!list) running.set(file, (list = []));
    return list;
  };
  for await (const { type, data } of source) {
    if (!data || typeof data.file !== 'string') continue;
    const isFile = data.name === data.file;
    if (type === 'test:dequeue' && !isFile) {
      started(data.file).push(data.name);
    } else if (type === 'test:pass' || type === 'test:fail') {
      if (!isFile) {
        const list = started(data.file);
        const i = list.lastIndexOf(data.name);
        if (i >= 0) list.splice(i, 1);
      }
      if (data.skip !== undefined && data.skip !== false) {
        yield line({ kind: 'skip', file: data.file, test: data.name, reason: reason(data.skip) });
      } else if (data.todo !== undefined && data.todo !== false) {
        yield line({ kind: 'todo', file: data.file, test: data.name, reason: reason(data.todo) });
      }
      const error = data.details?.error;
      if (type === 'test:fail' && isFile && isTimeout(error)) {
        yield line({
          kind: 'timeout',
          file: data.file,
          message: messageOf(error),
          running: started(data.file),
        });
      } else if (type === 'test:fail' && !isFile && isTimeout(error)) {
        yield line({ kind: 'timeout', file: data.file, message: messageOf(error), running: [data.name] });
      }
    }
  }
}

function line(obj) {
  return JSON.stringify(obj) + '\n';
}

function reason(value) {
  return typeof value === 'string' ? value : '(no reason given)';
}

function messageOf(error) {
  const cause = error?.cause;
  return String((typeof cause === 'string' ? cause : cause?.message) ?? error?.message ?? error);
}

function isTimeout(error) {
  if (!error) return false;
  return error.failureType === 'testTimeoutFailure' || /timed out after \d+ ?ms/.test(messageOf(error));
}
