import { isDeepStrictEqual } from 'node:util';
import { applyEdits, findNodeAtLocation, format, getNodeValue, modify, parseTree, printParseErrorCode, visit, type Edit, type FormattingOptions, type Node, type ParseError } from 'jsonc-parser';
import { CommandError } from '../../errors.js';

/** How a client's config file holds its servers, as far as editing its text goes. */
export interface ConfigShape {
  readonly serversKey: string;
  /** Comments and trailing commas allowed (VS Code's JSONC). */
  readonly jsonc: boolean;
}

/** A config file this command will not edit: the message names the file, the place and what is wrong. */
export class UnusableConfigError extends CommandError {}

const BOM = '\uFEFF';

/**
 * The text of `file` with the server entry `name` set to `entry`, or removed when `entry` is
 * undefined; the same string when nothing changes (the entry is already so, or already absent).
 * jsonc-parser edits only the text that changes (microsoft/node-jsonc-parser, the library VS Code
 * edits its own settings with): every other entry, key order, comment, line ending, indentation
 * and the trailing newline (or its absence) stay as they were. New text is indented like the file.
 */
export function editServers(file: string, text: string, shape: ConfigShape, name: string, entry: object | undefined): string {
  // Notepad writes a byte-order mark; the parser would take it for a stray symbol.
  const bom = text.startsWith(BOM) ? BOM : '';
  const body = text.slice(bom.length);
  if (body.trim() === '') {
    // An empty file (or none): nothing to keep but the mark.
    return entry === undefined ? text : `${bom}${JSON.stringify({ [shape.serversKey]: { [name]: entry } }, null, 2)}\n`;
  }
  const root = parseObject(file, body, shape);
  refuseDuplicateKeys(file, body, shape, [shape.serversKey, name]);
  const servers = findNodeAtLocation(root, [shape.serversKey]);
  if (servers && servers.type !== 'object') {
    throw new UnusableConfigError(`${file}${at(body, servers.offset)}: "${shape.serversKey}" is ${article(servers.type)}, not an object of servers; nothing was changed. Fix the file and run again.`);
  }
  const current = findNodeAtLocation(root, [shape.serversKey, name]);
  if (entry === undefined ? current === undefined : current !== undefined && isDeepStrictEqual(valueOf(current), entry)) return text;
  return bom + applyEdit(body, modify(body, [shape.serversKey, name], entry, {}));
}

/**
 * Refuses a key given twice in an object along `path` (the root, the servers, the entry): the
 * parser (and so the edit) takes the first, while clients' JSON.parse keeps the last, so the edit
 * would change an entry no client reads.
 */
function refuseDuplicateKeys(file: string, body: string, shape: ConfigShape, path: readonly string[]): void {
  // One set of keys per object being read (objects nest: a stack).
  const open: Set<string>[] = [];
  let duplicate: { key: string; offset: number } | undefined;
  visit(
    body,
    {
      onObjectBegin: () => void open.push(new Set()),
      onObjectEnd: () => void open.pop(),
      onObjectProperty: (key, offset, _length, _line, _column, pathSupplier) => {
        const keys = open.at(-1);
        const where = pathSupplier();
        if (!keys || duplicate || where.length > path.length || where.some((part, i) => part !== path[i])) return;
        if (keys.has(key)) duplicate = { key, offset };
        keys.add(key);
      },
    },
    { disallowComments: !shape.jsonc, allowTrailingComma: shape.jsonc },
  );
  if (duplicate) {
    throw new UnusableConfigError(`${file}${at(body, duplicate.offset)}: "${duplicate.key}" is given twice in the same object, and clients read the last one; nothing was changed. Merge the two into one and run again.`);
  }
}

/**
 * Applies jsonc-parser's raw edit, then formats the inserted text alone. modify's own formatting
 * reformats the whole line where the text goes in, which would rewrite a neighbour written on one
 * line (`"other": {"command": "x"}`); a removal needs no formatting at all.
 */
function applyEdit(text: string, edits: Edit[]): string {
  const edited = applyEdits(text, edits);
  const inserted = edits.find((edit) => edit.content.length > 0);
  if (!inserted) return edited;
  const range = { offset: inserted.offset, length: inserted.content.length };
  return applyEdits(edited, format(edited, range, { ...formattingOf(text), keepLines: false }));
}

/** The entry `name` as the file holds it now (undefined when absent), refusing a file it cannot parse. */
export function currentEntry(file: string, text: string, shape: ConfigShape, name: string): unknown {
  const body = text.startsWith(BOM) ? text.slice(1) : text;
  if (body.trim() === '') return undefined;
  const root = parseObject(file, body, shape);
  refuseDuplicateKeys(file, body, shape, [shape.serversKey, name]);
  const node = findNodeAtLocation(root, [shape.serversKey, name]);
  return node ? valueOf(node) : undefined;
}

// getNodeValue builds objects without a prototype, which isDeepStrictEqual tells from `{}`: plain JSON values instead.
const valueOf = (node: Node): unknown => JSON.parse(JSON.stringify(getNodeValue(node))) as unknown;

function parseObject(file: string, body: string, shape: ConfigShape): Node {
  const errors: ParseError[] = [];
  const root = parseTree(body, errors, { disallowComments: !shape.jsonc, allowTrailingComma: shape.jsonc, allowEmptyContent: false });
  const first = errors[0];
  if (first) {
    throw new UnusableConfigError(`${file}${at(body, first.offset)}: not valid JSON${shape.jsonc ? 'C' : ''} (${printParseErrorCode(first.error)}); nothing was changed. Fix the file (or move it aside) and run again.`);
  }
  if (!root || root.type !== 'object') {
    throw new UnusableConfigError(`${file}: holds ${article(root?.type ?? 'nothing')}, not a JSON object; nothing was changed. Fix the file (or move it aside) and run again.`);
  }
  return root;
}

// ":line:column", 1-based, as editors and compilers print a place in a file.
function at(text: string, offset: number): string {
  const before = text.slice(0, offset).split(/\r\n|\r|\n/);
  return `:${before.length}:${(before.at(-1)?.length ?? 0) + 1}`;
}

const article = (type: string): string => (/^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`);

/** The file's own indentation and line ending, so that the new entry looks like its neighbours. */
export function formattingOf(text: string): FormattingOptions {
  const indent = /\n([ \t]+)\S/.exec(text)?.[1] ?? '  ';
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  return indent.startsWith('\t') ? { insertSpaces: false, tabSize: 1, eol } : { insertSpaces: true, tabSize: Math.min(indent.length, 8), eol };
}

/**
 * `text` with every string value outside the entry `name` shown as "…": a dry run's diff shows
 * lines around the change, and other servers' entries hold their tokens (an env's GITHUB_TOKEN).
 * Keys, numbers and the layout stay, so the context still reads. Text it cannot parse is shown as "…".
 */
export function maskOtherValues(text: string, shape: ConfigShape, name: string): string {
  const bom = text.startsWith(BOM) ? BOM : '';
  const body = text.slice(bom.length);
  if (body.trim() === '') return text;
  const root = parseTree(body, [], { allowTrailingComma: true, allowEmptyContent: true });
  if (!root) return '…';
  const own = findNodeAtLocation(root, [shape.serversKey, name]);
  const edits: Edit[] = [];
  const walk = (node: Node): void => {
    if (node === own) return;
    const isKey = node.parent?.type === 'property' && node.parent.children?.[0] === node;
    if (node.type === 'string' && !isKey) edits.push({ offset: node.offset, length: node.length, content: '"…"' });
    for (const child of node.children ?? []) walk(child);
  };
  walk(root);
  return bom + applyEdits(body, edits);
}
