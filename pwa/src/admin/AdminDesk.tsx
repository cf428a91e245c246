// 基础数据 (the admin desk): sites and buildings, units (with the CSV import
// preview and the export), users with their roles and sites, checklist
// versions, and keys (registration and QR labels; supervisors too). Master
// data over REST needs the network; checklists and keys are sync records and
// save offline too.
import { Screen } from '../app/common';
import '../app/ui.css';
import type { ScreenProps } from '../app/screen-props';
import { navigate, online } from '../app/state';
import { t } from '../i18n';
import { Checklists } from './Checklists';
import { Keys } from './Keys';
import { Sites } from './Sites';
import './texts';
import { Units } from './Units';
import { Users } from './Users';

type Section = 'sites' | 'units' | 'users' | 'checklists' | 'keys';
const ADMIN_SECTIONS: Section[] = ['sites', 'units', 'users', 'checklists', 'keys'];

export default function AdminScreen({ user, route }: ScreenProps) {
  const isAdmin = user.roles.includes('admin');
  const isKeeper = isAdmin || user.roles.includes('supervisor');
  const sections = isAdmin ? ADMIN_SECTIONS : isKeeper ? (['keys'] as Section[]) : [];
  const raw = route.name === 'admin' ? route.section ?? '' : '';
  const [name, arg] = raw.split(':') as [string, string | undefined];
  const section: Section | null = (sections as string[]).includes(name) ? (name as Section) : sections[0] ?? null;
  return (
    <Screen title={t('admin.title')}>
      {section === null ? (
        <p class="notice" data-testid="admin-forbidden">
          {t('admin.forbidden')}
        </p>
      ) : (
        <>
          {sections.length > 1 && (
            <nav class="admin-nav segmented" aria-label={t('admin.title')}>
              {sections.map((s) => (
                <button
                  key={s}
                  type="button"
                  class={s === section ? 'seg seg-on' : 'seg'}
                  aria-pressed={s === section}
                  onClick={() => navigate({ name: 'admin', section: s }, true)}
                  data-testid={`admin-nav-${s}`}
                >
                  {t(`admin.section.${s}`)}
                </button>
              ))}
            </nav>
          )}
          {!online.value && section !== 'keys' && section !== 'checklists' && <p class="notice">{t('admin.offline')}</p>}
          {section === 'sites' && <Sites />}
          {section === 'units' && <Units user={user} />}
          {section === 'users' && <Users />}
          {section === 'checklists' && <Checklists user={user} />}
          {section === 'keys' && <Keys user={user} editId={arg} />}
        </>
      )}
    </Screen>
  );
}
