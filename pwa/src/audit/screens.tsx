// The audit log's screen by route (loaded on first use by app/App.tsx).
import '../app/ui.css';
import './texts';
import type { ScreenProps } from '../app/screen-props';
import { AuditLog } from './AuditLog';

export default function AuditScreens({ user }: ScreenProps) {
  return <AuditLog user={user} />;
}
