// The unread-conflicts badge and the lazy list: in the first load, while the notices
// themselves (and their texts) load when a list is first shown.
import type { FunctionComponent } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { t } from '../i18n';
import type { Conflict } from './conflict';

/** The unread count as a small badge (nothing when all are read). */
export function UnreadBadge({ n, testid }: { n: number; testid: string }) {
  if (n === 0) return null;
  const label = t('sync.conflicts_unread', { n });
  return (
    <span class="tab-badge" aria-label={label} title={label} data-testid={testid} data-count={n}>
      {n}
    </span>
  );
}

type ListProps = { list: Conflict[]; testid?: string };
let Loaded: FunctionComponent<ListProps> | null = null;

/** The conflict notices, loaded with their texts on first use. */
export function ConflictList(props: ListProps) {
  const [, setReady] = useState(Loaded !== null);
  useEffect(() => {
    if (Loaded) return;
    void import('./Conflicts').then((m) => {
      Loaded = m.ConflictList;
      setReady(true);
    });
  }, []);
  return Loaded ? <Loaded {...props} /> : <p class="muted">{t('common.loading')}</p>;
}
