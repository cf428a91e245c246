import { t } from '../i18n';
import { UpdateBanner } from './common';
import { Home } from './Home';
import { Login } from './Login';
import { Settings } from './Settings';
import { booting, route, user } from './state';

export function App() {
  const u = user.value;
  let screen;
  if (booting.value) {
    screen = (
      <p class="loading" role="status">
        {t('app.loading')}
      </p>
    );
  } else if (!u) {
    screen = <Login />;
  } else if (route.value === 'settings') {
    screen = <Settings user={u} />;
  } else {
    screen = <Home user={u} />;
  }
  return (
    <>
      {screen}
      <UpdateBanner />
    </>
  );
}
