// A line diff (longest common subsequence) of two texts: [{ op: " " | "-" | "+", line }].

export function lineDiff(before, after) {
  const a = before.split("\n");
  const b = after.split("\n");
  const n = a.length;
  const m = b.length;
  const lcs = Array.from({ length: n + 1 }, () => new Array(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  const out = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      out.push({ op: " ", line: a[i] });
      i++;
      j++;
    } else if (lcs[i + 1][j] >= lcs[i][j + 1]) out.push({ op: "-", line: a[i++] });
    else out.push({ op: "+", line: b[j++] });
  }
  while (i < n) out.push({ op: "-", line: a[i++] });
  while (j < m) out.push({ op: "+", line: b[j++] });
  return out;
}

/** The changed lines of a diff with `context` unchanged lines around each; a longer unchanged
 * run in between reads as one { op: "…" } line. */
export function around(diff, context = 2) {
  const near = diff.map(() => false);
  diff.forEach((d, i) => {
    if (d.op === " ") return;
    for (let j = Math.max(0, i - context); j <= Math.min(diff.length - 1, i + context); j++) near[j] = true;
  });
  const out = [];
  diff.forEach((d, i) => {
    if (near[i]) out.push(d);
    else if (out.at(-1)?.op !== "…") out.push({ op: "…", line: "" });
  });
  return out;
}

export function pretty(value) {
  return value === null || value === undefined ? "(none)" : JSON.stringify(value, null, 2);
}
