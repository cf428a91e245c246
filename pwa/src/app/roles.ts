import type { MessageKey } from '../i18n';
import type { Role } from '../model';

/** What each role will find on its home card; each feature arrives in a later phase. */
export const ROLE_FEATURES: Record<Role, MessageKey[]> = {
  patrol: ['feature.vacant_patrol', 'feature.keys'],
  environment: ['feature.vendor_inspection'],
  cashier: ['feature.parking_shift'],
  supervisor: ['feature.review'],
  manager: ['feature.reports'],
  admin: ['feature.master_data'],
};
