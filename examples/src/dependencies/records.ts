/**
 * The records the three simulated systems hold. Deliberately inconsistent across systems,
 * as real ones are: a contractor with no HR record, a leaver whose directory account is
 * still enabled, a user without MFA — so the audit has something to find.
 */

export type SystemName = 'hr' | 'directory' | 'sso';

export const SYSTEMS: readonly SystemName[] = ['hr', 'directory', 'sso'];

export interface HrRecord {
  readonly employeeId: string;
  readonly name: string;
  readonly department: string;
  readonly title: string;
  readonly status: 'active' | 'leaver';
  readonly manager: string | null;
}

export interface DirectoryRecord {
  readonly account: string;
  readonly enabled: boolean;
  readonly groups: readonly string[];
  readonly lastLogin: string;
}

export interface SsoRecord {
  readonly subject: string;
  readonly mfa: 'totp' | 'webauthn' | 'sms' | 'none';
  readonly apps: readonly string[];
  readonly lastSignIn: string;
}

export interface RecordsBySystem {
  readonly hr: HrRecord;
  readonly directory: DirectoryRecord;
  readonly sso: SsoRecord;
}

const hr: Record<string, HrRecord> = {
  ada: hr_('E1001', 'Ada Lovelace', 'Engineering', 'Principal Engineer', 'active', 'grace'),
  grace: hr_('E1002', 'Grace Hopper', 'Engineering', 'VP Engineering', 'active', null),
  linus: hr_('E1003', 'Linus Torvalds', 'Platform', 'Staff Engineer', 'active', 'grace'),
  margaret: hr_('E1004', 'Margaret Hamilton', 'Reliability', 'SRE Lead', 'active', 'grace'),
  ken: hr_('E1005', 'Ken Thompson', 'Platform', 'Engineer', 'leaver', 'linus'),
  barbara: hr_('E1006', 'Barbara Liskov', 'Engineering', 'Architect', 'active', 'grace'),
  dennis: hr_('E1007', 'Dennis Ritchie', 'Platform', 'Engineer', 'active', 'linus'),
  frances: hr_('E1008', 'Frances Allen', 'Compilers', 'Engineer', 'active', 'barbara'),
  radia: hr_('E1009', 'Radia Perlman', 'Networking', 'Engineer', 'leaver', 'margaret'),
  katherine: hr_('E1010', 'Katherine Johnson', 'Analytics', 'Data Scientist', 'active', 'margaret'),
};

const directory: Record<string, DirectoryRecord> = {
  ada: dir('ada', true, ['engineering', 'prod-admins']),
  grace: dir('grace', true, ['engineering', 'leadership']),
  linus: dir('linus', true, ['platform', 'prod-admins']),
  margaret: dir('margaret', true, ['reliability', 'on-call', 'prod-admins']),
  ken: dir('ken', true, ['platform']), // a leaver whose account is still enabled
  barbara: dir('barbara', true, ['engineering']),
  dennis: dir('dennis', true, ['platform']),
  frances: dir('frances', true, ['compilers']),
  radia: dir('radia', false, ['networking']),
  katherine: dir('katherine', true, ['analytics']),
  tim: dir('tim', true, ['contractors', 'web']), // a contractor: no HR record
};

const sso: Record<string, SsoRecord> = {
  ada: sign('ada', 'webauthn', ['github', 'grafana', 'aws']),
  grace: sign('grace', 'webauthn', ['github', 'workday']),
  linus: sign('linus', 'totp', ['github', 'aws']),
  margaret: sign('margaret', 'webauthn', ['grafana', 'pagerduty', 'aws']),
  ken: sign('ken', 'sms', ['github']),
  barbara: sign('barbara', 'totp', ['github']),
  dennis: sign('dennis', 'none', ['github', 'aws']), // no MFA
  frances: sign('frances', 'totp', ['github']),
  katherine: sign('katherine', 'webauthn', ['grafana', 'jupyter']),
  tim: sign('tim', 'totp', ['github', 'web-cms']),
};

const TABLES: { readonly [S in SystemName]: Readonly<Record<string, RecordsBySystem[S]>> } = {
  hr,
  directory,
  sso,
};

/** Every user known to at least one system, for the load generator. */
export const KNOWN_USERS: readonly string[] = [
  ...new Set([...Object.keys(hr), ...Object.keys(directory), ...Object.keys(sso)]),
];

/** The record `system` holds for `user`, or undefined (the system answers 404). */
export function findRecord<S extends SystemName>(system: S, user: string): RecordsBySystem[S] | undefined {
  const table = TABLES[system] as Readonly<Record<string, RecordsBySystem[S]>>;
  return Object.hasOwn(table, user) ? table[user] : undefined;
}

function hr_(
  employeeId: string,
  name: string,
  department: string,
  title: string,
  status: HrRecord['status'],
  manager: string | null,
): HrRecord {
  return { employeeId, name, department, title, status, manager };
}

function dir(account: string, enabled: boolean, groups: string[]): DirectoryRecord {
  return { account, enabled, groups, lastLogin: '2025-05-02T08:15:00Z' };
}

function sign(subject: string, mfa: SsoRecord['mfa'], apps: string[]): SsoRecord {
  return { subject, mfa, apps, lastSignIn: '2025-05-02T08:16:00Z' };
}
