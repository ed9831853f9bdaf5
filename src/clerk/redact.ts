// Runs of base64url characters and dots: a JWT always lies inside one. The text is cut into whole
// runs and each run is read once, so the work is linear. A pattern that starts at every "eyJ"
// rescans the rest of its run from each of them: quadratic on "eyJeyJeyJ…" (180 KB took 19–39 s).
const RUN = /[A-Za-z0-9_.-]+/g;
// "eyJ" ("{" in base64url) and at least 2 more characters, ".", 2 characters, ".", 1 character.
const SHORTEST_JWT = 10;

/** Replaces anything shaped like a JWT (three base64url parts, the first a JSON object) with `[redacted]`. */
export function redactJwts(text: string): string {
  return text.replace(RUN, (run) => (run.length < SHORTEST_JWT || !run.includes('eyJ') ? run : redactRun(run)));
}

/**
 * Within one run: from the first "eyJ" of a part with at least 2 characters after it, through the
 * next two parts (at least 2 and 1 characters long), as `eyJ[…]{2,}\.[…]{2,}\.[…]+` matches.
 */
function redactRun(run: string): string {
  const parts = run.split('.');
  const out: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] ?? '';
    const start = part.indexOf('eyJ');
    if (start >= 0 && part.length - start >= 5 && (parts[i + 1]?.length ?? 0) >= 2 && (parts[i + 2]?.length ?? 0) >= 1) {
      out.push(`${part.slice(0, start)}[redacted]`);
      i += 2;
    } else {
      out.push(part);
    }
  }
  return out.join('.');
}
