// The findings feature's screens by route (loaded on first use by app/App.tsx).
import './texts';
import type { ScreenProps } from '../app/screen-props';
import { FindingDetail } from './Detail';
import { FindingFormScreen } from './Form';
import { FindingsList } from './List';

export default function FindingsScreens({ user, route: r }: ScreenProps) {
  switch (r.name) {
    case 'findings':
      return <FindingsList user={user} />;
    case 'finding-new':
      return <FindingFormScreen key="new" user={user} id={null} />;
    case 'finding':
      return <FindingDetail key={r.id} user={user} id={r.id} />;
    case 'finding-edit':
      return <FindingFormScreen key={`edit-${r.id}`} user={user} id={r.id} noticeId={r.notice} />;
    default:
      return null;
  }
}
