// The patrols feature's screens by route (loaded on first use by app/App.tsx).
import '../app/ui.css';
import type { ScreenProps } from '../app/screen-props';
import { PatrolScreen } from './PatrolForm';
import { PatrolHome } from './PatrolHome';
import { PatrolUnit } from './PatrolUnit';

export default function PatrolsScreens({ user, route: r }: ScreenProps) {
  switch (r.name) {
    case 'patrols':
      return <PatrolHome user={user} />;
    case 'patrol-unit':
      return <PatrolUnit key={`${r.unit}|${r.key ?? ''}`} user={user} unitId={r.unit} keyId={r.key} />;
    case 'patrol':
      return <PatrolScreen key={r.id} user={user} id={r.id} />;
    default:
      return null;
  }
}
