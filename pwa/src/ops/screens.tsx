// The lazily loaded patrol, key and review screens, by route.
import '../app/ui.css';
import { me } from '../app/data';
import { KeyByToken, KeyScreen } from '../keys/KeyPage';
import { KeysList } from '../keys/KeysList';
import { PatrolScreen } from '../patrols/PatrolForm';
import { PatrolHome } from '../patrols/PatrolHome';
import { PatrolUnit } from '../patrols/PatrolUnit';
import { ReviewItem, ReviewQueue } from '../review/ReviewScreens';
import type { OpsProps } from './Lazy';

export function OpsScreen({ user, route: r }: OpsProps) {
  switch (r.name) {
    case 'patrols':
      return <PatrolHome user={user} />;
    case 'patrol-unit':
      return <PatrolUnit key={`${r.unit}|${r.key ?? ''}`} user={user} unitId={r.unit} keyId={r.key} />;
    case 'patrol':
      return <PatrolScreen key={r.id} user={user} id={r.id} />;
    case 'keys':
      return <KeysList user={user} />;
    case 'key':
      return <KeyScreen key={r.id} user={user} id={r.id} />;
    case 'key-tag':
      return <KeyByToken key={r.token} user={user} token={r.token} />;
    case 'review':
      return <ReviewQueue user={user} me={me.value} />;
    case 'review-item':
      return <ReviewItem key={r.id} user={user} me={me.value} id={r.id} />;
    default:
      return null;
  }
}
