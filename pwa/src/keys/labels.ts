// Words for key statuses, kinds, purposes and ledger events.
import './texts';
import { word } from '../i18n';

export const keyStatusText = (s: string) => word('key.status', s);
export const keyKindText = (s: string) => word('key.kind', s);
export const purposeText = (s: string | null) => word('key.purpose', s);
export const eventText = (s: string) => word('key.event', s);
