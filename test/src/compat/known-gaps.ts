import { readFileSync } from "node:fs";
import type { Answer } from "./transcript.js";

/** A row of test/compat/known-gaps.md: our documented answer for one recorded step. */
export interface KnownGap {
  readonly transcript: string;
  readonly step: string;
  readonly ours: Answer;
  readonly reason: string;
}

/**
 * Reads the gap table: `| transcript | step | 2023 answered | status | content type | body |
 * reason |`. Bodies are in backticks; a trailing `\n` is a newline; `-` is no content type.
 */
export function loadKnownGaps(file: string): KnownGap[] {
  const gaps: KnownGap[] = [];
  for (const [i, line] of readFileSync(file, "utf8").split("\n").entries()) {
    if (!/^\|\s*kes-[^|]+\.json\s*\|/.test(line)) continue;
    const cells = splitRow(line);
    if (cells.length !== 7) {
      throw new Error(`${file}:${i + 1}: expected 7 cells, found ${cells.length}`);
    }
    const [transcript, step, , status, contentType, body, reason] = cells as [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    const code = /^`(.*)`$/.exec(body);
    if (!/^\d{3}$/.test(status) || code === null || reason === "") {
      throw new Error(`${file}:${i + 1}: bad row (status, \`body\` and a reason are required)`);
    }
    const text = (code[1] as string).replace(/\\n$/, "\n");
    gaps.push({
      transcript,
      step,
      ours: {
        status: Number(status),
        content_type: contentType === "-" ? null : contentType,
        body: text,
      },
      reason,
    });
  }
  return gaps;
}

// Cells are separated by " | "; a pipe inside backticks is not a separator.
function splitRow(line: string): string[] {
  const cells: string[] = [];
  let cell = "";
  let inCode = false;
  for (const c of line.slice(1, line.lastIndexOf("|"))) {
    if (c === "`") inCode = !inCode;
    if (c === "|" && !inCode) {
      cells.push(cell.trim());
      cell = "";
    } else {
      cell += c;
    }
  }
  cells.push(cell.trim());
  return cells;
}
