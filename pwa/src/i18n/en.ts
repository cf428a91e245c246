import type { MessageKey } from './zh-CN';

// Typed against the zh-CN catalog: a missing or extra key fails the build.
export const en: Record<MessageKey, string> = {
  'app.name': 'Fieldkeep',
  'app.loading': 'Loading…',

  'lang.label': 'Language',
  'lang.zh-CN': '中文',
  'lang.en': 'English',

  'login.title': 'Sign in',
  'login.username': 'Username',
  'login.password': 'Password',
  'login.submit': 'Sign in',
  'login.busy': 'Signing in…',
  'login.missing': 'Enter your username and password.',
  'login.session_expired': 'Your session has expired. Please sign in again.',
  'login.signed_out': 'You have signed out.',

  'net.offline': 'Offline',
  'net.offline_hint': 'No network. What is saved on this phone still works.',

  'update.available': 'New version',
  'update.reload': 'Reload',

  'home.sites': 'My sites',
  'home.no_sites': 'No sites assigned yet.',
  'home.roles': 'Roles',
  'home.coming': 'Coming soon',
  'home.no_roles': 'This account has no role yet. Please contact the system administrator.',
  'home.settings': 'Settings',

  'role.patrol': 'Customer-service specialist',
  'role.environment': 'Environment supervisor',
  'role.cashier': 'Parking cashier',
  'role.supervisor': 'Customer-service supervisor',
  'role.manager': 'Customer-service manager',
  'role.admin': 'System administrator',

  'feature.vacant_patrol': 'Vacant-unit patrol',
  'feature.keys': 'Key custody',
  'feature.review': 'Review',
  'feature.parking_shift': 'Parking shift',
  'feature.vendor_inspection': 'Vendor inspection',
  'feature.reports': 'Reports',
  'feature.master_data': 'Master data',

  'settings.title': 'Settings',
  'settings.back': 'Back',
  'settings.language': 'Display language',
  'settings.account': 'Account',
  'settings.signed_in_as': 'Signed in as {name} ({username})',
  'settings.sign_out': 'Sign out',
  'settings.signing_out': 'Signing out…',
  'settings.version': 'Version {version}',

  'error.invalid_credentials': 'Wrong username or password.',
  'error.rate_limited': 'Too many attempts. Try again in {seconds} seconds.',
  'error.rate_limited_nowait': 'Too many attempts. Try again later.',
  'error.csrf_failed': 'Security check failed. Reload the page and try again.',
  'error.not_authenticated': 'Please sign in.',
  'error.forbidden': 'You are not allowed to do this.',
  'error.network': 'Cannot reach the server. Check the network and try again.',
  'error.bad_response': 'The server sent data the app does not understand.',
  'error.server': 'Server error. Please try again later.',
  'error.unknown': 'Something went wrong. Please try again.',
};
