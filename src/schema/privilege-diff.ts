import { DEFAULT_ROLE_NAMES } from '../security/roles.js';

/**
 * What migra does not carry over when it drops and creates an object again (a view that depends on
 * a changed column, a function whose signature changed): the object's grants and its options
 * (security_invoker). A recreated object gets the owner's default privileges instead, so its
 * privileges are reset to the target description's: revoke what the roles may hold, then the
 * target's GRANT and ALTER … SET lines for it (describe-privileges.ts writes them as SQL, with the
 * default role names). Ownership follows, as the runner creates objects as the owner role.
 */
export function recreatedPrivilegeStatements(targetDescription: string, recreated: ReadonlySet<string>): string[] {
  const statements: string[] = [];
  const lines = targetDescription.split('\n');
  const roles = ['PUBLIC', DEFAULT_ROLE_NAMES.appRole, DEFAULT_ROLE_NAMES.readonlyRole].join(', ');
  for (const name of [...recreated].sort()) {
    const relation = new RegExp(`^(?:GRANT [A-Z, ]+ ON TABLE ${name} TO |ALTER (?:VIEW|MATERIALIZED VIEW|TABLE) ${name} SET \\()`);
    const fn = new RegExp(`^GRANT EXECUTE ON FUNCTION (${name}\\(.*\\)) TO `);
    const relationLines = lines.filter((line) => relation.test(line));
    const functionLines = lines.filter((line) => fn.test(line));
    if (relationLines.length > 0) statements.push(`REVOKE ALL ON TABLE ${name} FROM ${roles}`, ...relationLines.map(withoutSemicolon));
    if (functionLines.length > 0) {
      const signature = fn.exec(functionLines[0]!)![1]!;
      statements.push(`REVOKE ALL ON FUNCTION ${signature} FROM ${roles}`, ...functionLines.map(withoutSemicolon));
    }
  }
  return statements;
}

function withoutSemicolon(line: string): string {
  return line.replace(/;$/, '');
}
