// The keys feature's screens by route (loaded on first use by app/App.tsx).
import '../app/ui.css';
import type { ScreenProps } from '../app/screen-props';
import { KeyByToken, KeyScreen } from './KeyPage';
import { KeysList } from './KeysList';

export default function KeysScreens({ user, route: r }: ScreenProps) {
  switch (r.name) {
    case 'keys':
      return <KeysList user={user} />;
    case 'key':
      return <KeyScreen key={r.id} user={user} id={r.id} />;
    case 'key-tag':
      return <KeyByToken key={r.token} user={user} token={r.token} />;
    default:
      return null;
  }
}
