// A strict parser of the Prometheus text exposition format 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/), for the
// end-to-end tests of GET /metrics. parsePrometheus() throws an Error naming
// the line on anything a lenient scraper would forgive:
//  - a line that is not `# HELP`, `# TYPE`, another comment, or a sample;
//  - bad metric or label names, label values with escapes other than \\ \" \n,
//    a trailing comma, a duplicate label, a value that is not a Go float;
//  - HELP or TYPE given twice, TYPE after the family's first sample, a family
//    whose samples are not contiguous, a sample name that does not belong to
//    its family's type, the same series twice, a missing final newline;
//  - histograms: buckets without le, le not increasing, counts decreasing,
//    no le="+Inf" bucket, _count not equal to the +Inf bucket, _sum or
//    _count missing; counters with negative values.
// Returns a Map family name → {name, help, type, samples: [{name, labels,
// value}]}. Pure functions; no I/O.

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const FLOAT = /^[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|Inf|inf|NaN)$/;

function fail(lineNo, line, why) {
  throw new Error(`metrics line ${lineNo}: ${why}: ${JSON.stringify(line)}`);
}

function parseFloatStrict(text, lineNo, line) {
  if (!FLOAT.test(text)) fail(lineNo, line, `not a float: ${JSON.stringify(text)}`);
  if (/^[+-]?[Ii]nf$/.test(text)) return text.startsWith('-') ? -Infinity : Infinity;
  return Number(text);
}

// HELP docstrings escape only backslash and newline.
function unescapeHelp(text, lineNo, line) {
  return text.replace(/\\(.?)/g, (m, c) => {
    if (c === '\\') return '\\';
    if (c === 'n') return '\n';
    return fail(lineNo, line, `bad escape in HELP: ${JSON.stringify(m)}`);
  });
}

// Parses `{a="x",b="y"}` starting at text[0] === '{'. Returns {labels, rest}.
function parseLabels(text, lineNo, line) {
  const labels = {};
  let i = 1;
  if (text[i] === '}') return {labels, rest: text.slice(i + 1)};
  for (;;) {
    const m = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(text.slice(i));
    if (!m) fail(lineNo, line, 'bad label name');
    const name = m[0];
    if (!LABEL_NAME.test(name) || name.startsWith('__')) fail(lineNo, line, `bad label ${name}`);
    if (name in labels) fail(lineNo, line, `duplicate label ${name}`);
    i += name.length;
    if (text[i] !== '=' || text[i + 1] !== '"') fail(lineNo, line, `label ${name} without ="`);
    i += 2;
    let value = '';
    for (;;) {
      if (i >= text.length) fail(lineNo, line, 'unterminated label value');
      const c = text[i];
      if (c === '"') break;
      if (c === '\n') fail(lineNo, line, 'raw newline in label value');
      if (c === '\\') {
        const e = text[i + 1];
        if (e === '\\') value += '\\';
        else if (e === '"') value += '"';
        else if (e === 'n') value += '\n';
        else fail(lineNo, line, `bad escape \\${e ?? ''} in label value`);
        i += 2;
        continue;
      }
      value += c;
      i += 1;
    }
    labels[name] = value;
    i += 1;  // closing quote
    if (text[i] === '}') return {labels, rest: text.slice(i + 1)};
    if (text[i] !== ',') fail(lineNo, line, 'expected , or } after a label');
    i += 1;
    if (text[i] === '}') fail(lineNo, line, 'trailing comma in labels');
  }
}

function seriesKey(name, labels, skip = '') {
  const parts = Object.keys(labels).filter((k) => k !== skip).sort().map((k) => `${k}=${labels[k]}`);
  return `${name}{${parts.join(',')}}`;
}

// Which family a sample name belongs to, given the families typed so far.
function familyOf(sampleName, families) {
  if (families.has(sampleName)) return sampleName;
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (!sampleName.endsWith(suffix)) continue;
    const base = sampleName.slice(0, -suffix.length);
    const f = families.get(base);
    if (f && (f.type === 'histogram' || (f.type === 'summary' && suffix !== '_bucket'))) return base;
  }
  return sampleName;
}

function checkHistogram(family) {
  const series = new Map();  // labels without le → {buckets, sum, count}
  for (const s of family.samples) {
    const key = seriesKey('', s.labels, 'le');
    if (!series.has(key)) series.set(key, {buckets: [], sum: undefined, count: undefined});
    const entry = series.get(key);
    if (s.name === `${family.name}_bucket`) {
      if (!('le' in s.labels)) throw new Error(`${family.name}: bucket without le ${key}`);
      const le = s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
      if (!FLOAT.test(s.labels.le) || Number.isNaN(le)) {
        throw new Error(`${family.name}: bad le ${JSON.stringify(s.labels.le)}`);
      }
      entry.buckets.push({le, count: s.value});
    } else if (s.name === `${family.name}_sum`) {
      entry.sum = s.value;
    } else if (s.name === `${family.name}_count`) {
      entry.count = s.value;
    } else {
      throw new Error(`${family.name}: sample ${s.name} does not belong to a histogram`);
    }
  }
  for (const [key, e] of series) {
    const where = `${family.name}${key}`;
    if (e.buckets.length === 0) throw new Error(`${where}: no buckets`);
    for (let i = 1; i < e.buckets.length; i++) {
      if (!(e.buckets[i].le > e.buckets[i - 1].le)) throw new Error(`${where}: le not increasing`);
      if (e.buckets[i].count < e.buckets[i - 1].count) {
        throw new Error(`${where}: bucket counts decrease at le=${e.buckets[i].le}`);
      }
    }
    const last = e.buckets[e.buckets.length - 1];
    if (last.le !== Infinity) throw new Error(`${where}: no le="+Inf" bucket`);
    if (e.sum === undefined) throw new Error(`${where}: no _sum`);
    if (e.count === undefined) throw new Error(`${where}: no _count`);
    if (e.count !== last.count) {
      throw new Error(`${where}: _count ${e.count} != +Inf bucket ${last.count}`);
    }
  }
}

export function parsePrometheus(text) {
  if (text.length > 0 && !text.endsWith('\n')) throw new Error('metrics: no final newline');
  const families = new Map();
  const seen = new Set();  // series keys
  const closed = new Set();  // families whose samples ended
  let current = null;
  const lines = text.split('\n');
  lines.pop();  // after the final newline
  const family = (name) => {
    if (!families.has(name)) {
      families.set(name, {name, help: undefined, type: undefined, samples: []});
    }
    return families.get(name);
  };
  lines.forEach((line, idx) => {
    const lineNo = idx + 1;
    if (line.trim() === '') return;
    if (line.startsWith('#')) {
      const m = /^#[ \t]+(HELP|TYPE)[ \t]+(\S+)(?:[ \t]+(.*))?$/.exec(line);
      if (!m) {
        if (/^#[ \t]*(HELP|TYPE)\b/.test(line)) fail(lineNo, line, 'malformed HELP/TYPE');
        return;  // a plain comment
      }
      const [, kind, name, rest = ''] = m;
      if (!METRIC_NAME.test(name)) fail(lineNo, line, 'bad metric name');
      const f = family(name);
      if (kind === 'HELP') {
        if (f.help !== undefined) fail(lineNo, line, 'second HELP');
        f.help = unescapeHelp(rest, lineNo, line);
      } else {
        if (f.type !== undefined) fail(lineNo, line, 'second TYPE');
        if (f.samples.length) fail(lineNo, line, 'TYPE after the first sample');
        if (!TYPES.has(rest.trim())) fail(lineNo, line, `unknown type ${rest}`);
        f.type = rest.trim();
      }
      return;
    }
    const nm = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line);
    if (!nm) fail(lineNo, line, 'bad metric name');
    const name = nm[0];
    let rest = line.slice(name.length);
    let labels = {};
    if (rest.startsWith('{')) ({labels, rest} = parseLabels(rest, lineNo, line));
    const vm = /^[ \t]+(\S+)(?:[ \t]+(-?\d+))?$/.exec(rest);
    if (!vm) fail(lineNo, line, 'expected value [timestamp]');
    const value = parseFloatStrict(vm[1], lineNo, line);
    const famName = familyOf(name, families);
    if (current !== famName) {
      if (closed.has(famName)) fail(lineNo, line, `family ${famName} is not contiguous`);
      if (current !== null) closed.add(current);
      current = famName;
    }
    const f = family(famName);
    f.type ??= 'untyped';
    if (f.type === 'counter' && !(value >= 0)) fail(lineNo, line, 'counter not ≥ 0');
    if ((f.type === 'counter' || f.type === 'gauge' || f.type === 'untyped') && name !== famName) {
      fail(lineNo, line, `sample name does not match its ${f.type} family`);
    }
    const key = seriesKey(name, labels);
    if (seen.has(key)) fail(lineNo, line, 'duplicate series');
    seen.add(key);
    f.samples.push({name, labels, value});
  });
  for (const f of families.values()) {
    if (f.type === 'histogram') checkHistogram(f);
  }
  return families;
}

// The sum of every sample named `name` whose labels include `match`
// (0 when none).
export function sumSamples(families, name, match = {}) {
  let total = 0;
  for (const f of families.values()) {
    for (const s of f.samples) {
      if (s.name !== name) continue;
      if (Object.entries(match).every(([k, v]) => s.labels[k] === v)) total += s.value;
    }
  }
  return total;
}

// Every sample named `name` (with labels including `match`).
export function findSamples(families, name, match = {}) {
  const out = [];
  for (const f of families.values()) {
    for (const s of f.samples) {
      if (s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v)) {
        out.push(s);
      }
    }
  }
  return out;
}
