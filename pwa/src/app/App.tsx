import { t } from '../i18n';
import { UpdateBanner } from './common';
import { ViewerHost } from '../photos/Photos';
import { FindingDetail } from '../findings/Detail';
import { FindingFormScreen } from '../findings/Form';
import { FindingsList } from '../findings/List';
import { Home } from './Home';
import { Login } from './Login';
import { Settings } from './Settings';
import { booting, isOpsRoute, route, user } from './state';
import { OpsLazy } from '../ops/Lazy';
import { SyncPage } from './SyncPage';

export function App() {
  const u = user.value;
  const r = route.value;
  let screen;
  if (booting.value) {
    screen = (
      <p class="loading" role="status">
        {t('app.loading')}
      </p>
    );
  } else if (!u) {
    screen = <Login />;
  } else if (isOpsRoute(r)) {
    screen = <OpsLazy user={u} route={r} />;
  } else {
    switch (r.name) {
      case 'settings':
        screen = <Settings user={u} />;
        break;
      case 'sync':
        screen = <SyncPage />;
        break;
      case 'findings':
        screen = <FindingsList user={u} />;
        break;
      case 'finding-new':
        screen = <FindingFormScreen key="new" user={u} id={null} />;
        break;
      case 'finding':
        screen = <FindingDetail key={r.id} user={u} id={r.id} />;
        break;
      case 'finding-edit':
        screen = <FindingFormScreen key={`edit-${r.id}`} user={u} id={r.id} noticeId={r.notice} />;
        break;
      default:
        screen = <Home user={u} />;
    }
  }
  return (
    <>
      {screen}
      {u && <ViewerHost />}
      <UpdateBanner />
    </>
  );
}
