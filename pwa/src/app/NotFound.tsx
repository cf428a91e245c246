import { t } from '../i18n';
import { Link, Screen } from './common';

/** An address the app does not know: say so, with the way home (never the home screen itself). */
export function NotFound({ path }: { path: string }) {
  return (
    <Screen title={t('notfound.title')} headerTestId="not-found-header">
      <section class="card" data-testid="not-found">
        <p>{t('notfound.text')}</p>
        <p class="muted">{path}</p>
        <Link to="home" class="btn btn-primary" testid="not-found-home">
          {t('notfound.home')}
        </Link>
      </section>
    </Screen>
  );
}
