// The patrol, key, review and admin screens, loaded on first use (their code
// is precached by the service worker, so they open offline too) to keep the
// first load small. Also registers the REST caches with the sync runner.
import type { FunctionComponent } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { t } from '../i18n';
import type { User } from '../app/api-types';
import { onAfterSync } from '../app/data';
import { Screen } from '../app/common';
import type { OpsRoute } from '../app/state';
import { refreshAll } from '../app/cache';

// The REST caches (units, due list, keys out) refresh after every clean sync.
onAfterSync(refreshAll);

export interface OpsProps {
  user: User;
  route: OpsRoute;
}

type Loaded = FunctionComponent<OpsProps>;
let ops: Loaded | null = null;
let admin: Loaded | null = null;

const loadOps = () => import('./screens').then((m) => (ops = m.OpsScreen));
const loadAdmin = () => import('../admin/AdminDesk').then((m) => (admin = m.AdminScreen));

export function OpsLazy(props: OpsProps) {
  const isAdmin = props.route.name === 'admin';
  const have = isAdmin ? admin : ops;
  const [, setTick] = useState(0);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    if (have) return;
    (isAdmin ? loadAdmin() : loadOps()).then(
      () => setTick((n) => n + 1),
      () => setFailed(true),
    );
  }, [isAdmin, have]);
  if (have) {
    const C = have;
    return <C {...props} />;
  }
  return (
    <Screen title={t('app.name')}>
      <p class={failed ? 'error' : 'muted'} role="status">
        {failed ? t('error.network') : t('app.loading')}
      </p>
    </Screen>
  );
}
