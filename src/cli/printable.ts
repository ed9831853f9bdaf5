// Control (C0, DEL, C1), format (bidi overrides, zero-width), line/paragraph separators, lone surrogates.
const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/gu;

/**
 * Text for a terminal with every character that could steer it shown escaped (ESC as `\u001b`):
 * names, emails and messages come from Clerk, and a hostile organization name must not move the
 * cursor, rewrite the screen, set a hyperlink or reverse what is printed.
 */
export function printable(text: string): string {
  return text.replace(UNPRINTABLE, (c) => {
    const code = c.codePointAt(0) ?? 0;
    return code > 0xffff ? `\\u{${code.toString(16)}}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
