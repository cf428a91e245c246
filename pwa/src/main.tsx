import { render } from 'preact';
import './app/styles.css';
import { App } from './app/App';
import { registerServiceWorker } from './app/pwa';
import { boot, watchConnectivity } from './app/session';
import { watchLocation } from './app/state';

watchConnectivity();
watchLocation();
render(<App />, document.getElementById('app')!);
void boot();
registerServiceWorker();
