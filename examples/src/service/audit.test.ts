import { BrokenCircuitError } from '@rampart/core';
import { describe, expect, it } from 'vitest';
import { findRecord } from '../dependencies/records.js';
import { type AuditSources, auditStatus, auditUser, findingsOf } from './audit.js';

const fromRecords: AuditSources = {
  hr: async (user) => findRecord('hr', user) ?? null,
  directory: async (user) => findRecord('directory', user) ?? null,
  sso: async (user) => findRecord('sso', user) ?? null,
};

describe('auditUser', () => {
  it('answers with every system when all are up, and what looks wrong', async () => {
    const report = await auditUser('ken', fromRecords);
    expect(report.systems_available).toEqual(['hr', 'directory', 'sso']);
    expect(report.systems_failed).toEqual([]);
    expect(report.complete).toBe(true);
    expect(report.hr?.status).toBe('leaver');
    expect(report.findings).toEqual([
      'leaver in HR whose directory account is still enabled',
      'weak MFA (sms)',
    ]);
    expect(auditStatus(report)).toBe(200);
  });

  it('degrades gracefully: a failed system is listed with its error, the others still answer', async () => {
    const report = await auditUser('ken', {
      ...fromRecords,
      directory: async () => {
        throw new BrokenCircuitError(4_000);
      },
    });
    expect(report.systems_available).toEqual(['hr', 'sso']);
    expect(report.systems_failed).toEqual(['directory']);
    expect(report.errors).toEqual({ directory: 'BrokenCircuitError: circuit is open' });
    expect('directory' in report).toBe(false);
    expect(report.complete).toBe(false);
    // The leaver finding needs the directory: it cannot be made, and the report says it is incomplete.
    expect(report.findings).toEqual(['weak MFA (sms)']);
    expect(auditStatus(report)).toBe(200);
  });

  it('answers 503 when every system failed and 404 when no system knows the user', async () => {
    const down = async () => {
      throw new Error('down');
    };
    const none = await auditUser('ada', { hr: down, directory: down, sso: down });
    expect(none.systems_failed).toEqual(['hr', 'directory', 'sso']);
    expect(auditStatus(none)).toBe(503);
    const unknown = await auditUser('nobody', fromRecords);
    expect(unknown).toMatchObject({ hr: null, directory: null, sso: null, findings: [] });
    expect(auditStatus(unknown)).toBe(404);
  });

  it('counts a system that outlives the audit timeout as failed and aborts its call', async () => {
    let aborted = false;
    const report = await auditUser(
      'ada',
      {
        ...fromRecords,
        sso: (_user, signal) =>
          new Promise((_resolve, reject) => {
            signal.addEventListener('abort', () => {
              aborted = true;
              reject(signal.reason);
            });
          }),
      },
      { timeout: 20 },
    );
    expect(report.systems_failed).toEqual(['sso']);
    expect(report.errors.sso).toMatch(/TimeoutError/);
    expect(aborted).toBe(true);
  });
});

describe('findingsOf', () => {
  it('flags contractors, missing MFA and admins without phishing-resistant MFA', () => {
    const of = (user: string) =>
      findingsOf({
        hr: findRecord('hr', user) ?? null,
        directory: findRecord('directory', user) ?? null,
        sso: findRecord('sso', user) ?? null,
      });
    expect(of('tim')).toEqual(['directory account with no HR record (contractor or orphaned account)']);
    expect(of('dennis')).toEqual(['no MFA enrolled']);
    expect(of('linus')).toEqual(['production admin without phishing-resistant MFA']);
    expect(of('ada')).toEqual([]);
  });
});
