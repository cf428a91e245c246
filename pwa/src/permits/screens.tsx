// The permits feature's screens by route (loaded on first use by app/App.tsx).
import '../app/ui.css';
import './permits.css';
import './texts';
import { useEffect } from 'preact/hooks';
import type { ScreenProps } from '../app/screen-props';
import { PermitsList } from './PermitsList';
import { ScanPermit } from './ScanPermit';
import { followPermits } from './store';

export default function PermitsScreens({ user, route: r }: ScreenProps) {
  useEffect(followPermits, []);
  switch (r.name) {
    case 'permits':
      return <PermitsList user={user} />;
    case 'permit-scan':
      return <ScanPermit />;
    default:
      return null;
  }
}
