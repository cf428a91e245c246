// What the route table hands a feature's screens.
import type { User } from './api-types';
import type { FeatureRoute } from './state';

export interface ScreenProps {
  user: User;
  route: FeatureRoute;
}
