// The reports feature's screens by route (loaded on first use by app/App.tsx).
import '../app/ui.css';
import './reports.css';
import './texts';
import type { ScreenProps } from '../app/screen-props';
import { DashboardScreen } from './Dashboard';
import { LedgerScreen, LedgersScreen } from './Ledgers';

export default function ReportsScreens({ user, route: r }: ScreenProps) {
  switch (r.name) {
    case 'reports':
      return <DashboardScreen user={user} />;
    case 'ledgers':
      return <LedgersScreen />;
    case 'ledger':
      return <LedgerScreen key={r.report} user={user} name={r.report} />;
    default:
      return null;
  }
}
