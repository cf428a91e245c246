// The roles the server knows, and what each finds on its home card.
import { t, type MessageKey } from '../i18n';

export const ROLES = ['patrol', 'environment', 'cashier', 'supervisor', 'manager', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** What each role will find on its home card; each feature arrives in a later phase. */
export const ROLE_FEATURES: Record<Role, MessageKey[]> = {
  patrol: ['feature.vacant_patrol', 'feature.keys', 'feature.permits', 'feature.permit_scan'],
  environment: ['feature.vendor_inspection'],
  cashier: ['feature.parking_shift', 'feature.permit_scan'],
  supervisor: ['feature.review', 'feature.permits', 'feature.vendor_inspection', 'feature.reports'],
  manager: ['feature.reports', 'feature.vendor_evaluation', 'feature.audit_log'],
  admin: ['feature.master_data', 'feature.reports', 'feature.audit_log'],
};

/** A role's name in the UI language (a role this build does not know: as sent). */
export function roleName(role: string): string {
  return isRole(role) ? t(`role.${role}`) : role;
}
