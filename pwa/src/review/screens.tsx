// The review feature's screens by route (loaded on first use by app/App.tsx).
import '../app/ui.css';
import { me } from '../app/data';
import type { ScreenProps } from '../app/screen-props';
import { ReviewItem, ReviewQueue } from './ReviewScreens';
import { SHIFT_ROUTE, ShiftReviewItem } from './ShiftReview';

export default function ReviewScreens({ user, route: r }: ScreenProps) {
  switch (r.name) {
    case 'review':
      return <ReviewQueue user={user} me={me.value} />;
    case 'review-item':
      if (r.id.startsWith(SHIFT_ROUTE)) return <ShiftReviewItem key={r.id} user={user} me={me.value} id={r.id.slice(SHIFT_ROUTE.length)} />;
      return <ReviewItem key={r.id} user={user} me={me.value} id={r.id} />;
    default:
      return null;
  }
}
