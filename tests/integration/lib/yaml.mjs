// A minimal YAML writer for test configurations: plain objects, arrays,
// strings (double-quoted, JSON escapes are valid YAML), numbers and booleans.
// Block style throughout, so `switchyard check` can point at lines.

function scalar(v) {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v === null) return 'null';
  throw new Error(`cannot write ${typeof v} as YAML`);
}

function isContainer(v) {
  return v !== null && typeof v === 'object';
}

function write(value, indent, out) {
  const pad = ' '.repeat(indent);
  if (Array.isArray(value)) {
    for (const item of value) {
      if (isContainer(item) && !Array.isArray(item)) {
        const inner = [];
        write(item, indent + 2, inner);
        // The first key shares the dash's line.
        out.push(`${pad}- ${inner[0].trimStart()}`, ...inner.slice(1));
      } else if (isContainer(item)) {
        out.push(`${pad}-`);
        write(item, indent + 2, out);
      } else {
        out.push(`${pad}- ${scalar(item)}`);
      }
    }
    return;
  }
  for (const [key, v] of Object.entries(value)) {
    const k = /^[A-Za-z0-9_.-]+$/.test(key) ? key : JSON.stringify(key);
    if (isContainer(v)) {
      if (Array.isArray(v) ? v.length === 0 : Object.keys(v).length === 0) {
        out.push(`${pad}${k}: ${Array.isArray(v) ? '[]' : '{}'}`);
      } else {
        out.push(`${pad}${k}:`);
        write(v, indent + 2, out);
      }
    } else {
      out.push(`${pad}${k}: ${scalar(v)}`);
    }
  }
}

export function toYaml(value) {
  const out = [];
  write(value, 0, out);
  return out.join('\n') + '\n';
}
