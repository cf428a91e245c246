// The review feature's screens by route (loaded on first use by app/App.tsx).
import '../app/ui.css';
import { me } from '../app/data';
import type { ScreenProps } from '../app/screen-props';
import { ReviewItem, ReviewQueue } from './ReviewScreens';

export default function ReviewScreens({ user, route: r }: ScreenProps) {
  switch (r.name) {
    case 'review':
      return <ReviewQueue user={user} me={me.value} />;
    case 'review-item':
      return <ReviewItem key={r.id} user={user} me={me.value} id={r.id} />;
    default:
      return null;
  }
}
