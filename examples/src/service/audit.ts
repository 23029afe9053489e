import { settle } from '@rampart/core';
import type { DirectoryRecord, HrRecord, SsoRecord, SystemName } from '../dependencies/records.js';

/**
 * The identity audit: asks HR, the directory and SSO about one user, side by side, and
 * answers with whatever the systems that are up could say (`settle`), instead of failing
 * as a whole when one system is down.
 */

/** How the service reaches each system (each call runs through that system's pipeline). */
export interface AuditSources {
  hr(user: string, signal: AbortSignal): Promise<HrRecord | null>;
  directory(user: string, signal: AbortSignal): Promise<DirectoryRecord | null>;
  sso(user: string, signal: AbortSignal): Promise<SsoRecord | null>;
}

export interface AuditReport {
  readonly user: string;
  /** A system's record, `null` when it does not know the user, absent when it failed. */
  readonly hr?: HrRecord | null;
  readonly directory?: DirectoryRecord | null;
  readonly sso?: SsoRecord | null;
  /** What looks wrong, from the systems that answered. */
  readonly findings: string[];
  /** False when a system failed: a finding may be missing. */
  readonly complete: boolean;
  readonly systems_available: SystemName[];
  readonly systems_failed: SystemName[];
  /** Why each failed system failed (error class and message). */
  readonly errors: Partial<Record<SystemName, string>>;
}

export interface AuditOptions {
  /** Time allowed for the whole audit (ms); systems still running then count as failed. */
  readonly timeout?: number;
  /** The caller's signal (aborted when the client goes away). */
  readonly signal?: AbortSignal;
}

export async function auditUser(
  user: string,
  sources: AuditSources,
  options: AuditOptions = {},
): Promise<AuditReport> {
  const settled = await settle(
    {
      hr: ({ signal }) => sources.hr(user, signal),
      directory: ({ signal }) => sources.directory(user, signal),
      sso: ({ signal }) => sources.sso(user, signal),
    },
    {
      ...(options.timeout === undefined ? {} : { timeout: options.timeout }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    },
  );
  const { values } = settled;
  const errors: Partial<Record<SystemName, string>> = {};
  for (const system of settled.failed) errors[system] = describe(settled.errors[system]);
  // Systems in a fixed order (settle fills `values` in the order they answered).
  const records: Partial<Pick<AuditReport, SystemName>> = {};
  for (const system of ['hr', 'directory', 'sso'] as const) {
    if (Object.hasOwn(values, system)) Object.assign(records, { [system]: values[system] });
  }
  return {
    user,
    ...records,
    findings: findingsOf(values),
    complete: settled.failed.length === 0,
    systems_available: settled.available,
    systems_failed: settled.failed,
    errors,
  };
}

/** The HTTP status an audit answers with: 503 when every system failed, 404 when none knows the user. */
export function auditStatus(report: AuditReport): 200 | 404 | 503 {
  if (report.systems_available.length === 0) return 503;
  const known = report.systems_available.some((system) => report[system] !== null);
  return !known && report.complete ? 404 : 200;
}

/** What an auditor would flag, using only the systems that answered. */
export function findingsOf(values: {
  readonly hr?: HrRecord | null;
  readonly directory?: DirectoryRecord | null;
  readonly sso?: SsoRecord | null;
}): string[] {
  const { hr, directory, sso } = values;
  const findings: string[] = [];
  if (hr?.status === 'leaver' && directory?.enabled === true) {
    findings.push('leaver in HR whose directory account is still enabled');
  }
  if (hr === null && directory != null) {
    findings.push('directory account with no HR record (contractor or orphaned account)');
  }
  if (sso?.mfa === 'none') findings.push('no MFA enrolled');
  if (sso?.mfa === 'sms') findings.push('weak MFA (sms)');
  if (directory?.groups.includes('prod-admins') === true && sso != null && sso.mfa !== 'webauthn') {
    findings.push('production admin without phishing-resistant MFA');
  }
  return findings;
}

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
