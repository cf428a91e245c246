// Words for key statuses, kinds, purposes and ledger events.
import { hasOpsKey, tt } from '../ops/i18n';

function word(prefix: string, v: string | null): string {
  if (!v) return '';
  const k = `${prefix}.${v}`;
  return hasOpsKey(k) ? tt(k) : v;
}

export const keyStatusText = (s: string) => word('key.status', s);
export const keyKindText = (s: string) => word('key.kind', s);
export const purposeText = (s: string | null) => word('key.purpose', s);
export const eventText = (s: string) => word('key.event', s);
