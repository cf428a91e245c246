// The route table: the shell's screens, and each feature's screens loaded with
// dynamic import() when one of its routes is first opened (the service worker
// precaches them, so they open offline too) to keep the first load small.
// Findings are the exception: the home screen lists them, and a first visit
// that loses the network before the service worker took over still opens them.
// The other features' screens also wait for the error texts (loaded after start).
import type { FunctionComponent } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { t } from '../i18n';
import { errorTextsSettled } from '../i18n/errors';
import FindingsScreens from '../findings/screens';
import { ViewerHost } from '../photos/Photos';
import type { User } from './api-types';
import { Screen, UpdateBanner } from './common';
import { Home } from './Home';
import { Login } from './Login';
import { NotFound } from './NotFound';
import type { ScreenProps } from './screen-props';
import { Settings } from './Settings';
import { booting, FEATURE_OF, isFeatureRoute, route, user, type Feature, type FeatureRoute } from './state';
import { SyncPage } from './SyncPage';

type Screens = FunctionComponent<ScreenProps>;

const LOAD: Record<Exclude<Feature, 'findings'>, () => Promise<{ default: Screens }>> = {
  patrols: () => import('../patrols/screens'),
  keys: () => import('../keys/screens'),
  review: () => import('../review/screens'),
  admin: () => import('../admin/AdminDesk'),
  parking: () => import('../parking/screens'),
  permits: () => import('../permits/screens'),
  vendors: () => import('../vendors/screens'),
  audit: () => import('../audit/screens'),
  reports: () => import('../reports/screens'),
};

const loaded = new Map<Feature, Screens>([['findings', FindingsScreens]]);

function FeatureScreens({ user: u, route: r }: { user: User; route: FeatureRoute }) {
  const feature = FEATURE_OF[r.name];
  const C = loaded.get(feature);
  const [, setTick] = useState(0);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    if (C || feature === 'findings') return;
    LOAD[feature]().then(
      (m) => {
        loaded.set(feature, m.default);
        setTick((n) => n + 1);
      },
      () => setFailed(true),
    );
  }, [feature, C]);
  // Feature screens keep an error's text once shown (setError(errorText(e))): they wait for the
  // error texts. Not the findings list, the offline cold start's screen: its errors are local
  // ones (a save on this phone), long after the texts arrived.
  if (C && (feature === 'findings' || errorTextsSettled.value)) return <C user={u} route={r} />;
  return (
    <Screen title={t('app.name')}>
      <p class={failed ? 'error' : 'muted'} role="status">
        {failed ? t('error.network') : t('common.loading')}
      </p>
    </Screen>
  );
}

export function App() {
  const u = user.value;
  const r = route.value;
  let screen;
  if (booting.value) {
    screen = (
      <p class="loading" role="status">
        {t('common.loading')}
      </p>
    );
  } else if (!u) {
    screen = <Login />;
  } else if (isFeatureRoute(r)) {
    screen = <FeatureScreens user={u} route={r} />;
  } else if (r.name === 'settings') {
    screen = <Settings user={u} />;
  } else if (r.name === 'sync') {
    screen = <SyncPage />;
  } else if (r.name === 'not-found') {
    screen = <NotFound path={r.path} />;
  } else {
    screen = <Home user={u} />;
  }
  return (
    <>
      {screen}
      {u && <ViewerHost />}
      <UpdateBanner />
    </>
  );
}
