// The vendors feature's screens by route (loaded on first use by app/App.tsx).
import '../app/ui.css';
import './texts';
import { useEffect } from 'preact/hooks';
import type { ScreenProps } from '../app/screen-props';
import { VendorScreen, VendorsScreen } from './Evaluation';
import { InspectScreen } from './Inspect';
import { InspectionScreen, InspectionsList } from './List';
import { followInspections } from './store';

export default function VendorsScreens({ user, route: r }: ScreenProps) {
  useEffect(followInspections, []);
  switch (r.name) {
    case 'inspections':
      return <InspectionsList user={user} />;
    case 'inspection-new':
      return <InspectScreen user={user} />;
    case 'inspection':
      return <InspectionScreen key={r.id} id={r.id} user={user} />;
    case 'vendors':
      return <VendorsScreen />;
    case 'vendor':
      return <VendorScreen key={r.id} id={r.id} manager={user.roles.includes('manager')} />;
    default:
      return null;
  }
}
