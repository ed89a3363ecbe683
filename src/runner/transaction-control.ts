/**
 * Finds a statement that would end (or start) a transaction in SQL text that may hold several
 * statements: the runner refuses such text from a revision that runs inside its transaction,
 * before it is sent. A lexer, not a parser: it skips comments, quoted strings and identifiers,
 * dollar-quoted bodies, and the statements inside a BEGIN ATOMIC function body, and looks at the
 * first words of each statement. SAVEPOINT, RELEASE and ROLLBACK TO stay allowed: they cannot end
 * the transaction.
 */
export function transactionControlStatement(text: string): string | undefined {
  for (const words of statementOpenings(text)) {
    const [first = '', second = ''] = words;
    if (first === 'rollback' && (second === 'to' || (second === 'transaction' || second === 'work') && words[2] === 'to')) continue;
    if (['begin', 'commit', 'end', 'rollback', 'abort'].includes(first)) return words.join(' ').toUpperCase();
    if (first === 'start' && second === 'transaction') return 'START TRANSACTION';
    if (first === 'prepare' && second === 'transaction') return 'PREPARE TRANSACTION';
  }
  return undefined;
}

/** The first three words (lower case) of each statement in the text. */
function statementOpenings(text: string): string[][] {
  const openings: string[][] = [];
  let words: string[] = [];
  let wordCount = 0;
  let atomicDepth = 0;
  let caseDepth = 0;
  let previous = '';
  let i = 0;
  const skipTo = (end: string, from: number): number => {
    const at = text.indexOf(end, from);
    return at < 0 ? text.length : at + end.length;
  };
  while (i < text.length) {
    const char = text[i]!;
    const next = text[i + 1];
    if (char === '-' && next === '-') i = skipTo('\n', i);
    else if (char === '/' && next === '*') i = skipBlockComment(text, i);
    else if (char === "'") i = skipQuoted(text, i, "'", /[eE]/.test(text[i - 1] ?? '') && !/\w/.test(text[i - 2] ?? ''));
    else if (char === '"') i = skipQuoted(text, i, '"', false);
    else if (char === '$' && !/[\w$]/.test(text[i - 1] ?? '')) {
      const tag = /^\$[A-Za-z_]?\w*\$/.exec(text.slice(i))?.[0];
      i = tag ? skipTo(tag, i + tag.length) : i + 1;
    } else if (char === ';' && atomicDepth === 0) {
      if (words.length > 0) openings.push(words);
      words = [];
      wordCount = 0;
      previous = '';
      i += 1;
    } else if (/[A-Za-z_]/.test(char)) {
      const word = /^[A-Za-z_]\w*/.exec(text.slice(i))![0].toLowerCase();
      if (words.length < 3) words.push(word);
      wordCount += 1;
      if (word === 'atomic' && previous === 'begin' && wordCount > 2) atomicDepth += 1;
      else if (word === 'case' && atomicDepth > 0) caseDepth += 1;
      else if (word === 'end' && caseDepth > 0) caseDepth -= 1;
      else if (word === 'end' && atomicDepth > 0) atomicDepth -= 1;
      previous = word;
      i += word.length;
    } else {
      if (!/\s/.test(char) && words.length === 0) words.push(char);
      i += 1;
    }
  }
  if (words.length > 0) openings.push(words);
  return openings;
}

/** Block comments nest in PostgreSQL. */
function skipBlockComment(text: string, start: number): number {
  let depth = 0;
  let i = start;
  while (i < text.length) {
    if (text.startsWith('/*', i)) {
      depth += 1;
      i += 2;
    } else if (text.startsWith('*/', i)) {
      depth -= 1;
      i += 2;
      if (depth === 0) return i;
    } else i += 1;
  }
  return i;
}

/** A quote doubled inside stays inside; in an E'' string a backslash escapes too. */
function skipQuoted(text: string, start: number, quote: string, backslashEscapes: boolean): number {
  let i = start + 1;
  while (i < text.length) {
    const char = text[i]!;
    if (backslashEscapes && char === '\\') i += 2;
    else if (char === quote && text[i + 1] === quote) i += 2;
    else if (char === quote) return i + 1;
    else i += 1;
  }
  return i;
}
